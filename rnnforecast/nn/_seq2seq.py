"""Encoder–decoder networks: one network reads the input sequence, a second one, started
from the first one's final state, produces an output sequence of another length.

Two ``network`` specs of the same cell, hidden size and depth::

    X (N, T_in, D)  --encoder-->  final state s_T  (PyTorch's layout, see ``state_shapes``)
                                      |
    U (N, T_out, E) --decoder, state0 = s_T-->  out (N, T_out, O)

The encoder has no head: its parameters are those of ``network.param_shapes`` without
``head.*``, and it runs with a head of zero outputs (no weights, no gradient), so its
final state is all it gives. The decoder is a many-to-many network whose step ``k``
reads ``U[:, k]``; with *teacher forcing* (Williams & Zipser, 1989), in training, ``U``
holds the previous *target* of every step (a start value at step 0), so all steps run
in one batched call. At prediction time the targets are unknown and the decoder runs one
step at a time from its carried state, reading what it produced at the previous step
(``greedy_decode``). ``E`` may be 0: an unconditioned decoder, which reads nothing but
its state (Srivastava, Mansimov & Salakhutdinov, 2015).

The two chain exactly in backpropagation: ``network.backward`` of the decoder returns
the gradient w.r.t. its initial state, which is the gradient w.r.t. the encoder's final
state, where the encoder's backward starts.

Parameters are one flat dict, the encoder's under ``encoder.`` and the decoder's under
``decoder.`` (``encoder.weight_ih_l0``, ..., ``decoder.head.weight``), so the optimizers,
the L2 penalty and gradient clipping see one set of weights.

The Jordan network is refused: its state is its previous output, whose size is the
encoder's (absent) output, not a hidden state a decoder could start from.

References
----------
Sutskever, I., Vinyals, O. & Le, Q. V. (2014). Sequence to sequence learning with
neural networks. NeurIPS.
Cho, K. et al. (2014). Learning phrase representations using RNN encoder-decoder for
statistical machine translation. EMNLP.
Srivastava, N., Mansimov, E. & Salakhutdinov, R. (2015). Unsupervised learning of
video representations using LSTMs. ICML.
"""

from typing import NamedTuple

import numpy as np

from . import network
from ._embedding import EMBEDDING_KEY, embedding_backward, embedding_forward
from .initialization import init_params as _init_network
from .losses import log_softmax
from .network import NetworkSpec

ENCODER, DECODER = "encoder.", "decoder."
#: The encoder's token embedding (``vocabulary_size > 0``), (V, input_size).
EMBEDDING = ENCODER + EMBEDDING_KEY
#: Cells whose final state is a hidden state a decoder can start from.
SEQ2SEQ_CELLS = ("rnn", "lstm", "gru")


class Seq2SeqSpec(NamedTuple):
    """An encoder spec (no head, many-to-one) and a decoder spec (many-to-many) with the
    same cell, hidden size and number of layers.

    vocabulary_size : int
        0: the encoder reads float features, X of shape (N, T_in, D). V > 0: it reads
        token ids, X of shape (N, T_in) in [0, V), through a learned embedding
        ``encoder.embedding.weight`` of shape (V, encoder.input_size) (``_embedding``).
    """

    encoder: NetworkSpec
    decoder: NetworkSpec
    vocabulary_size: int = 0


class Seq2SeqCache(NamedTuple):
    encoder: network.NetworkCache
    decoder: network.NetworkCache
    embedding: object        # the embedding's cache, or None for float inputs


def make_spec(cell, input_size, decoder_input_size, hidden_size, output_size, *,
              num_layers=1, nonlinearity="tanh", dropout=0.0, vocabulary_size=0):
    """The ``Seq2SeqSpec`` of an encoder reading ``input_size`` features per step (the
    embedding's width with ``vocabulary_size``) and a decoder reading
    ``decoder_input_size`` (may be 0) and producing ``output_size``."""
    if cell not in SEQ2SEQ_CELLS:
        raise ValueError(
            f"The `cell` of an encoder-decoder network must be one of {list(SEQ2SEQ_CELLS)}. "
            f"Got {cell!r} instead: the Jordan network's state is its previous output, "
            "not a hidden state a decoder can start from. Use 'gru', 'lstm' or 'rnn'.")
    common = dict(num_layers=num_layers, nonlinearity=nonlinearity, dropout=dropout)
    encoder = NetworkSpec(cell, input_size, hidden_size, 0, **common)
    decoder = NetworkSpec(cell, decoder_input_size, hidden_size, output_size,
                          return_sequences=True, **common)
    return Seq2SeqSpec(encoder, decoder, vocabulary_size)


def param_shapes(spec):
    """Shape of every parameter: the embedding (V, input_size) with token inputs, then
    ``encoder.`` + the encoder's ``network.param_shapes`` without its head, then
    ``decoder.`` + the decoder's."""
    shapes = {EMBEDDING: (spec.vocabulary_size, spec.encoder.input_size)} \
        if spec.vocabulary_size else {}
    shapes.update({ENCODER + k: v for k, v in network.param_shapes(spec.encoder).items()
                   if not k.startswith("head.")})
    shapes.update({DECODER + k: v for k, v in network.param_shapes(spec.decoder).items()})
    return shapes


def init_params(spec, rng, dtype=np.float32):
    """Fresh parameters (``initialization.init_params`` of each part), encoder first;
    an embedding is drawn from N(0, 1) before them, as PyTorch's ``nn.Embedding``."""
    params = {}
    if spec.vocabulary_size:
        shape = (spec.vocabulary_size, spec.encoder.input_size)
        params[EMBEDDING] = rng.standard_normal(shape).astype(dtype)
    params.update({ENCODER + k: v for k, v in _init_network(spec.encoder, rng, dtype).items()
                   if not k.startswith("head.")})
    params.update({DECODER + k: v
                   for k, v in _init_network(spec.decoder, rng, dtype).items()})
    return params


def part(params, prefix):
    """The parameters under ``prefix`` with the prefix removed (the same arrays)."""
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def _encoder_params(params, spec):
    """The encoder's parameters with a head of zero outputs (it reads the final state
    only and has no weights)."""
    enc = {k: v for k, v in part(params, ENCODER).items() if k != EMBEDDING_KEY}
    dtype = enc["weight_ih_l0"].dtype
    enc["head.weight"] = np.zeros((0, spec.encoder.hidden_size), dtype)
    enc["head.bias"] = np.zeros(0, dtype)
    return enc


def forward(params, spec, X, U, *, training=False, rng=None, lengths=None):
    """Encode ``X`` and run the decoder over ``U`` from the encoder's final state.

    X : ndarray of shape (N, T_in, D), or int token ids (N, T_in) with
        ``spec.vocabulary_size``
    U : ndarray of shape (N, T_out, E), the decoder's input at every step (teacher
        forcing: the previous target, a start value at step 0)
    training, rng : inter-layer dropout, as ``network.forward``
    lengths : int ndarray of shape (N,) in [1, T_in], or None: input sequences
        right-padded to T_in steps; the encoder carries its state over the padding
        (``network.forward``), so the decoder starts from each sequence's own last step

    Returns out (N, T_out, O) and the cache.
    """
    X, emb_cache = _embedded(params, spec, X)
    _, enc_cache = network.forward(_encoder_params(params, spec), spec.encoder, X,
                                   training=training, rng=rng, lengths=lengths)
    out, dec_cache = network.forward(part(params, DECODER), spec.decoder, U,
                                     enc_cache.state, training=training, rng=rng)
    return out, Seq2SeqCache(enc_cache, dec_cache, emb_cache)


def _embedded(params, spec, X):
    """The encoder's input (N, T_in, D) and the embedding's cache (None for floats)."""
    if not spec.vocabulary_size:
        return X, None
    return embedding_forward(params[EMBEDDING], X)


def backward(dout, cache, *, input_grad=True):
    """Backpropagate ``dout`` (N, T_out, O) through decoder, then encoder.

    Returns grads (same keys as params), dX (N, T_in, D) and dU (N, T_out, E), both None
    without ``input_grad``; dX is None for token ids, whose gradient goes to the
    embedding's rows.
    """
    dec_grads, dU, dstate = network.backward(dout, cache.decoder, input_grad=input_grad)
    N = dout.shape[0]
    no_output = np.zeros((N, 0), dout.dtype)                  # the encoder has no head
    embedded = cache.embedding is not None
    enc_grads, dX, _ = network.backward(no_output, cache.encoder, dstate,
                                        input_grad=input_grad or embedded)
    grads = {}
    if embedded:                                              # backprop into the rows
        grads[EMBEDDING], dX = embedding_backward(dX, cache.embedding), None
    grads.update({ENCODER + k: v for k, v in enc_grads.items() if not k.startswith("head.")})
    grads.update({DECODER + k: v for k, v in dec_grads.items()})
    return grads, dX, dU


def encode(params, spec, X, lengths=None):
    """The encoder's final state (tuple, see ``network.state_shapes``), without a cache.

    X : ndarray of shape (N, T_in, D), or token ids (N, T_in) with an embedding
    lengths : as ``forward``
    """
    X, _ = _embedded(params, spec, X)
    return network.predict(_encoder_params(params, spec), spec.encoder, X,
                           lengths=lengths)[1]


def embedding(state):
    """The top layer's final hidden state (N, H) of an encoder state."""
    return state[0][-1].copy()


def decode_step(params, spec, u, state):
    """One decoder step: u (N, E) and the carried state -> out (N, O), new state."""
    out, state = network.predict(part(params, DECODER), spec.decoder, u[:, None], state)
    return out[:, 0], state


def greedy_decode(params, spec, X, u0, n_steps, next_input, lengths=None):
    """Decode ``n_steps`` steps from the encoding of ``X``, one step at a time.

    X : ndarray of shape (N, T_in, D)
    u0 : ndarray of shape (N, E), the decoder's input at step 0
    next_input : callable (k, out_k) -> ndarray (N, E), the input of step k + 1 given
        the output (N, O) of step k (e.g. the one-hot code of its most likely token, or
        the forecast value with step k + 1's known covariates)
    lengths : as ``forward``

    Returns the outputs (N, n_steps, O) and the inputs read (N, n_steps, E): running
    ``forward`` on these inputs gives the same outputs (the stepwise-equals-batched
    property).
    """
    state, u = encode(params, spec, X, lengths), u0
    outs, inputs = [], []
    for k in range(n_steps):
        inputs.append(u)
        out, state = decode_step(params, spec, u, state)
        outs.append(out)
        if k + 1 < n_steps:
            u = next_input(k, out)
    return np.stack(outs, axis=1), np.stack(inputs, axis=1)


def beam_decode(params, spec, X, start_code, n_steps, beam_width, end_code=None,
                lengths=None):
    """Token decoding by beam search: keep the ``beam_width`` most likely prefixes.

    The decoder reads one-hot codes of ``spec.decoder.input_size`` symbols, the output
    classes followed by ``start_code``. A prefix's score is the sum of its steps'
    log-probabilities; once a prefix has emitted ``end_code`` it only continues with
    ``end_code`` at no cost, so finished and unfinished prefixes compete on their own
    probabilities. ``beam_width=1`` is greedy decoding.

    X : ndarray of shape (N, T_in, D)
    lengths : as ``forward``

    Returns the codes of the best prefix of every sequence, (N, n_steps) int.
    """
    N, B = X.shape[0], beam_width
    K, E = spec.decoder.output_size, spec.decoder.input_size
    state = tuple(np.repeat(s, B, axis=1)                     # (L, N*B, H)
                  for s in encode(params, spec, X, lengths))
    codes = np.full(N * B, start_code)
    scores = np.full((N, B), -np.inf)
    scores[:, 0] = 0.0                                        # one live prefix at first
    history = np.zeros((N, B, 0), dtype=np.intp)
    for _ in range(n_steps):
        out, state = decode_step(params, spec, np.eye(E)[codes], state)
        logp = log_softmax(out.astype(np.float64))            # (N*B, K)
        if end_code is not None:                              # finished: end, for free
            done = codes == end_code
            logp[done] = -np.inf
            logp[done, end_code] = 0.0
        total = (scores[:, :, None] + logp.reshape(N, B, K)).reshape(N, B * K)
        best = np.argsort(-total, axis=1, kind="stable")[:, :B]   # (N, B)
        parent, token = np.divmod(best, K)
        scores = np.take_along_axis(total, best, axis=1)
        history = np.concatenate([np.take_along_axis(history, parent[:, :, None], axis=1),
                                  token[:, :, None]], axis=2)
        rows = (np.arange(N)[:, None] * B + parent).reshape(-1)   # parents in N*B
        state = tuple(s[:, rows] for s in state)
        codes = token.reshape(-1)
    return history[:, 0]
