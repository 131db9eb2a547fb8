"""A stack of recurrent layers with a dense output head, over batches of sequences.

The network is a set of functions over a ``params`` dict whose names and layouts are
PyTorch's (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ...,
plus ``head.weight`` and ``head.bias`` as in ``nn.Linear``), so weights move between
rnnforecast and ``nn.RNN``/``nn.LSTM``/``nn.GRU`` unchanged.

* many-to-one: the head reads the top layer's hidden states pooled over time
  (``pooling``: the last one, their mean or their element-wise maximum; see
  ``POOLINGS``), ``out`` is ``(N, O)``;
* many-to-many: the head reads every hidden state, ``out`` is ``(N, T, O)``.

With ``bidirectional`` (rnn, lstm and gru cells), every layer also runs a second set of
weights over the reversed sequence, as PyTorch's ``bidirectional=True``: its parameters
carry the suffix ``_reverse`` (``weight_ih_l0_reverse``, ...), its outputs are put back in
time order and stacked under the forward ones, so a layer's output at step t is
``[h_t (forward); h_t (reverse)]``, ``2H`` wide, which the next layer and the head read.

Sequences of different lengths run in one batch, right-padded to T steps, with
``lengths=`` (``forward``, ``predict``, ``encode``): every layer carries its state over
its sequence's padded steps, the pooling reads the real steps and the reverse direction
starts at each sequence's own last step, so each output and gradient is that of the
sequence alone (``_masking``). Without ``lengths`` (or with all lengths T) nothing of
this runs.

``forward`` returns ``(out, cache)``; ``backward(dout, cache)`` returns the gradients
(same keys as ``params``), the gradient w.r.t. the input and w.r.t. the initial state.
``predict`` returns ``(out, final state)`` and ``encode`` the top layer's final hidden
state, both without a cache. ``param_shapes`` and ``spec_from_params`` relate a spec to
the shapes of its parameters.

Each cell is an entry of ``CELLS``, looked up once per call: its number of gate blocks
and of state arrays, and the runner that carries the whole network through forward,
predict and backward. The rnn, lstm and gru cells run layer after layer over the whole
sequence (``_Stacked``); the Jordan network feeds its output back into every layer, so
its layers and head run together inside one time loop (``_Jordan``).
"""

from typing import NamedTuple, Optional

import numpy as np

from . import _elman, _gru, _jordan, _lstm
from ._masking import check_lengths, reverse_within, step_mask
from ._pooling import (POOLINGS, Pooling, head_backward, head_forward, pool,  # noqa: F401
                       unpool)


class NetworkSpec(NamedTuple):
    """Architecture of a network; everything the functions need besides the weights.

    bptt_truncate : int or None
        Truncated backpropagation through time: gradients flow through at most
        ``bptt_truncate`` steps of the recurrence (segments of ``bptt_truncate`` steps counted
        back from the last step). None means full BPTT.
    pooling : {"last", "mean", "max"}
        What the many-to-one head reads (see ``POOLINGS``); ignored with
        ``return_sequences``. The Jordan network pools its raw outputs instead (the same
        network for "mean", whose head is linear). With ``bidirectional``, "last" reads
        the last step of the output sequence, as PyTorch's ``output[:, -1]``: the forward
        direction's final state beside the reverse direction's *first* one.
    bidirectional : bool
        A reverse direction in every layer (rnn, lstm and gru cells, full BPTT only; see
        the module docstring). The state then holds ``2 * num_layers`` layers' states,
        index ``2 * l + d`` for layer l and direction d (0 forward, 1 reverse), as in
        PyTorch.
    """

    cell: str
    input_size: int
    hidden_size: int
    output_size: int
    num_layers: int = 1
    nonlinearity: str = "tanh"
    dropout: float = 0.0
    return_sequences: bool = False
    bptt_truncate: Optional[int] = None
    pooling: str = "last"
    bidirectional: bool = False


class NetworkCache(NamedTuple):
    spec: NetworkSpec
    layer_caches: list     # one per layer and direction, index l * dirs + d (one
    #                        JordanCache for the whole Jordan network)
    masks: list            # inverted-dropout masks between layers, or None
    top: np.ndarray        # (dirs*H, T, N) output sequence of the last layer (a view)
    head_weight: np.ndarray
    state: tuple           # final state, in the layout of ``initial_state``
    mask: object = None    # StepMask of padded steps (``_masking``), or None


#: Suffix of each direction's parameter names, as PyTorch names them.
DIRECTIONS = ("", "_reverse")


def num_directions(spec):
    """2 for a bidirectional network, else 1."""
    return 2 if spec.bidirectional else 1


def layer_keys(l, direction=0):
    """Parameter names of layer ``l`` in ``direction`` (0 forward, 1 reverse)."""
    s = DIRECTIONS[direction]
    return (f"weight_ih_l{l}{s}", f"weight_hh_l{l}{s}", f"bias_ih_l{l}{s}", f"bias_hh_l{l}{s}")


def layer_params(params, l, direction=0):
    """(W_ih, W_hh, b_ih, b_hh) of layer ``l`` in ``direction``."""
    return tuple(params[k] for k in layer_keys(l, direction))


# ---------------------------------------------------------------------------
# Runners: how the whole network goes forward, predicts and goes backward
# ---------------------------------------------------------------------------

class _Stacked:
    """Layers of one cell module, each over the whole sequence, then the head.

    Every layer feeds back its own hidden state: ``W_hh`` is ``(G*H, H)`` and the state
    holds one ``(num_layers * dirs, N, H)`` array per state of the cell, as in PyTorch.
    The reverse direction of a bidirectional layer runs the cell's own functions over
    the time-reversed view of the layer's input; the caches and final states are listed
    per layer and direction, index ``l * dirs + d``.
    """

    def __init__(self, module):
        self.module = module
        self.infer = getattr(module, "infer", None)   # a forward pass without a cache

    @staticmethod
    def recurrent_size(spec):
        return spec.hidden_size

    @staticmethod
    def state_shape(spec, n_samples):
        return (spec.num_layers * num_directions(spec), n_samples, spec.hidden_size)

    def forward(self, params, spec, X, state0, masks, steps=None):
        x = np.asarray(X).transpose(1, 2, 0)                   # (T, D, N) view
        x, caches, state = self._run(params, spec, x, state0, masks, True, steps)
        out = head_forward(params, spec, x, steps)
        top = x.transpose(1, 0, 2)                             # (dirs*H, T, N) view
        return out, NetworkCache(spec, caches, masks, top, params["head.weight"], state,
                                 steps)

    def predict(self, params, spec, X, state0, steps=None):
        """out, final state and the top sequence (dirs*H, T, N), without caches."""
        x = np.asarray(X).transpose(1, 2, 0)                   # (T, D, N) view
        x, _, state = self._run(params, spec, x, state0, [None] * spec.num_layers,
                                False, steps)
        return head_forward(params, spec, x, steps), state, x.transpose(1, 0, 2)

    def _run(self, params, spec, x, state0, masks, keep_cache, steps=None):
        """Run the layers over x (T, D, N): top sequence (T, dirs*H, N), the caches
        (one per layer and direction) and the final state in PyTorch's layout. Without
        ``keep_cache``, layers run their cell's ``infer`` where it has one, and the
        caches are None. ``steps`` (a ``StepMask``) marks padded steps; the reverse
        direction then reads each sequence backwards from its own last step."""
        dtype = params["head.weight"].dtype
        dirs = num_directions(spec)
        caches, finals = [], []
        for l in range(spec.num_layers):
            outs = []
            for d in range(dirs):
                s0 = tuple(np.ascontiguousarray(s[l * dirs + d].T, dtype=dtype)
                           for s in state0)                    # (H, N)
                x_d = x if d == 0 else reverse_within(x, steps)  # reverse: read backwards
                hs, s_final, cache = self._layer(params, spec, x_d, s0, l, d, keep_cache,
                                                 steps)
                outs.append(hs if d == 0 else reverse_within(hs, steps))  # time order
                caches.append(cache)
                finals.append(s_final)
            x = outs[0] if dirs == 1 else np.concatenate(outs, axis=1)  # (T, dirs*H, N)
            if l < spec.num_layers - 1 and masks[l] is not None:
                x = x * masks[l]                               # (T, dirs*H, N)
        state = tuple(_stack_states([f[k] for f in finals]) for k in range(len(state0)))
        return x, caches, state

    def _layer(self, params, spec, x, s0, l, d, keep_cache, steps=None):
        """One direction of one layer: hs (T, H, N), final state, cache (or None)."""
        weights = layer_params(params, l, d)
        if steps is not None:
            return self.module.forward(x, s0, weights, spec.nonlinearity, spec.bptt_truncate,
                                       steps)
        if keep_cache or self.infer is None:
            return self.module.forward(x, s0, weights, spec.nonlinearity, spec.bptt_truncate)
        hs, s_final = self.infer(x, s0, weights)
        return hs, s_final, None

    def backward(self, dout, cache, dstate, input_grad):
        spec = cache.spec
        dirs, L = num_directions(spec), spec.num_layers
        grads, dstates = {}, [None] * (L * dirs)
        dtop, dh_last = head_backward(dout, cache, grads)     # (T, dirs*H, N) or (H, N)
        for l in range(L - 1, -1, -1):
            if l < L - 1 and cache.masks[l] is not None:
                dtop *= cache.masks[l]                         # backprop through dropout
            dxs = []
            for d in range(dirs):
                i = l * dirs + d
                ds_final = None if dstate is None else tuple(np.ascontiguousarray(s[i].T)
                                                             for s in dstate)
                if l == L - 1 and dh_last is not None:         # the last output is h_T
                    ds_final = _add_to_first(ds_final, dh_last, len(cache.state))
                dhs = _direction_part(dtop, d, dirs, spec.hidden_size, cache.mask)
                dx, dstates[i], layer_grads = self.module.backward(
                    dhs, cache.layer_caches[i], ds_final, input_grad=input_grad or l > 0)
                grads.update(zip(layer_keys(l, d), layer_grads))
                dxs.append(dx if d == 0 or dx is None else reverse_within(dx, cache.mask))
            dtop = dxs[0] if dirs == 1 or dxs[0] is None else dxs[0] + dxs[1]
        dstate0 = tuple(_stack_states([d[k] for d in dstates])
                        for k in range(len(dstates[0])))
        return grads, None if dtop is None else dtop.transpose(2, 0, 1), dstate0


def _direction_part(dtop, d, dirs, H, steps=None):
    """The gradient w.r.t. the outputs of direction ``d``, in that direction's own time
    order: dtop (T, dirs*H, N) -> (T, H, N) (a view without padding); None stays None."""
    if dirs == 1 or dtop is None:
        return dtop
    return dtop[:, :H] if d == 0 else reverse_within(dtop[:, H:], steps)


def _stack_states(per_layer):
    """Per-layer (and direction) (H, N) arrays -> one (num_layers * dirs, N, H) array,
    PyTorch's state layout."""
    H, N = per_layer[0].shape
    out = np.empty((len(per_layer), N, H), per_layer[0].dtype)
    for l, s in enumerate(per_layer):
        out[l] = s.T
    return out


def _add_to_first(dstate, dh, n_states):
    """dstate (tuple of (H, N) or None) with ``dh`` added to its first entry."""
    if dstate is None:
        return (dh,) + tuple(np.zeros_like(dh) for _ in range(n_states - 1))
    return (dstate[0] + dh,) + dstate[1:]


class _Jordan:
    """The Jordan network (``_jordan``): every layer reads the previous raw output, so
    the layers and the head run together inside one time loop.

    ``W_hh`` of every layer is ``(H, O)``; the state is ``(y,)`` with y ``(N, O)``.
    """

    @staticmethod
    def recurrent_size(spec):
        return spec.output_size

    @staticmethod
    def state_shape(spec, n_samples):
        return (n_samples, spec.output_size)

    @staticmethod
    def forward(params, spec, X, state0, masks, steps=None):
        dtype = params["head.weight"].dtype
        x = np.ascontiguousarray(X.transpose(2, 1, 0), dtype=dtype)  # (D, T, N)
        layers = [layer_params(params, l) for l in range(spec.num_layers)]
        head = (params["head.weight"], params["head.bias"])
        y0 = np.ascontiguousarray(state0[0].T)                 # (O, N)
        ys, y_final, cache = _jordan.forward(x, y0, layers, head, spec.nonlinearity,
                                             spec.bptt_truncate, masks, steps)
        if spec.return_sequences:
            out = ys.transpose(2, 0, 1)                        # (N, T, O)
        else:
            out = pool(spec.pooling, ys, steps).T              # (N, O), pooled outputs
        top = cache.hs[-1].transpose(1, 0, 2)                  # (H, T, N) view
        return out, NetworkCache(spec, [cache], masks, top, head[0], (y_final.T.copy(),),
                                 steps)

    @classmethod
    def predict(cls, params, spec, X, state0, steps=None):
        """out, final state and the top sequence (H, T, N): ``forward`` without dropout."""
        out, cache = cls.forward(params, spec, X, state0, [None] * (spec.num_layers - 1),
                                 steps)
        return out, cache.state, cache.top

    @staticmethod
    def backward(dout, cache, dstate, input_grad):
        spec, jcache = cache.spec, cache.layer_caches[0]
        T, O, N = jcache.ys.shape
        dys = np.zeros((T, O, N), dtype=jcache.ys.dtype)
        if spec.return_sequences:
            dys[:] = dout.transpose(1, 2, 0)
        else:
            dys[:] = unpool(spec.pooling, dout.T, jcache.ys, cache.mask)
        dy_final = None if dstate is None else np.ascontiguousarray(dstate[0].T)
        dx, dy0, layer_grads, (dW_head, db_head) = _jordan.backward(dys, jcache, dy_final,
                                                                    input_grad)
        grads = {"head.weight": dW_head, "head.bias": db_head}
        for l, g in enumerate(layer_grads):
            grads.update(zip(layer_keys(l), g))
        return grads, None if dx is None else dx.transpose(2, 1, 0), (dy0.T.copy(),)


class CellKind(NamedTuple):
    """What the network needs to know about one kind of cell."""

    n_gates: int           # gate blocks stacked in each layer's weights and biases
    n_states: int          # arrays in the network state (see ``state_shapes``)
    runner: object         # runs forward, predict and backward of the whole network


CELLS = {
    "rnn": CellKind(n_gates=1, n_states=1, runner=_Stacked(_elman)),
    "lstm": CellKind(n_gates=4, n_states=2, runner=_Stacked(_lstm)),
    "gru": CellKind(n_gates=3, n_states=1, runner=_Stacked(_gru)),
    "jordan": CellKind(n_gates=1, n_states=1, runner=_Jordan()),
}
N_GATES = {cell: kind.n_gates for cell, kind in CELLS.items()}   # gate counts alone


def _kind(cell):
    try:
        return CELLS[cell]
    except KeyError:
        raise ValueError(f"The `cell` must be one of {sorted(CELLS)}. Got {cell!r} "
                         "instead.") from None


def check_bidirectional(spec):
    """Raise a ValueError when ``spec`` asks for a reverse direction it cannot have.

    The Jordan network feeds its output back into every layer; a reverse direction would
    read, at step t, an output that depends on the reverse states of steps it has not run
    yet, so it has no bidirectional form. Truncated BPTT is refused too: its segments are
    counted back from the last step of a direction, which the two directions do not share.
    """
    if not spec.bidirectional:
        return
    if not isinstance(_kind(spec.cell).runner, _Stacked):
        raise ValueError(
            f"The `bidirectional` option needs a cell with its own hidden state "
            f"('rnn', 'lstm' or 'gru'). Got bidirectional=True with cell={spec.cell!r}: "
            "the Jordan network feeds its output, which would depend on the reverse "
            "direction's future steps, back into every layer. Use another cell or "
            "bidirectional=False.")
    if spec.bptt_truncate is not None:
        raise ValueError(
            f"The `bidirectional` option supports full BPTT only. Got bidirectional=True "
            f"with bptt_truncate={spec.bptt_truncate!r}. Set bptt_truncate=None or "
            "bidirectional=False.")


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------

def param_shapes(spec):
    """Shape of every parameter of ``spec``, as ``init_params`` makes them.

    Returns dict of name -> tuple, in the order ``init_params`` draws them (PyTorch's
    order): ``weight_ih_l{k}`` (G*H, D_k) with D_0 = input_size and D_k = dirs*H above,
    ``weight_hh_l{k}`` (G*H, H) (Jordan: (H, O), the output is fed back),
    ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), the same with the suffix ``_reverse``
    after each layer's forward ones when ``bidirectional``, ``head.weight``
    (O, dirs*H), ``head.bias`` (O,), where G is the cell's number of gate blocks
    (1, 4 or 3) and dirs the number of directions.
    """
    kind = _kind(spec.cell)
    check_bidirectional(spec)
    G, H, O, dirs = kind.n_gates, spec.hidden_size, spec.output_size, num_directions(spec)
    rec_cols = kind.runner.recurrent_size(spec)
    shapes = {}
    for l in range(spec.num_layers):
        fan_in = spec.input_size if l == 0 else dirs * H
        for d in range(dirs):
            shapes.update(zip(layer_keys(l, d), ((G * H, fan_in), (G * H, rec_cols),
                                                 (G * H,), (G * H,))))
    shapes["head.weight"] = (O, dirs * H)
    shapes["head.bias"] = (O,)
    return shapes


def spec_from_params(cell, params, **spec_kwargs):
    """The ``NetworkSpec`` of ``cell`` whose parameters have the shapes of ``params``.

    cell : str, a key of ``CELLS``
    params : dict of ndarray, named as ``param_shapes`` names them
    **spec_kwargs : the other fields of ``NetworkSpec`` (nonlinearity, dropout,
        return_sequences, bptt_truncate)

    ``input_size`` and ``hidden_size`` come from ``weight_ih_l0`` (G*H, D),
    ``output_size`` from ``head.weight`` (O, dirs*H), ``num_layers`` from the number of
    forward ``weight_ih_l*`` arrays and ``bidirectional`` from the presence of
    ``weight_ih_l0_reverse``. Only these arrays are read: compare every shape with
    ``param_shapes`` of the result to validate the whole dict.
    """
    kind = _kind(cell)
    if not {"weight_ih_l0", "head.weight"} <= set(params) or \
            np.ndim(params["weight_ih_l0"]) != 2 or np.ndim(params["head.weight"]) != 2:
        raise ValueError("state_dict must hold the 2-D arrays 'weight_ih_l0' and "
                         f"'head.weight'; got keys {sorted(params)}.")
    num_layers = sum(1 for k in params
                     if k.startswith("weight_ih_l") and not k.endswith(DIRECTIONS[1]))
    (GH, D), O = np.shape(params["weight_ih_l0"]), np.shape(params["head.weight"])[0]
    spec_kwargs["bidirectional"] = layer_keys(0, 1)[0] in params
    return NetworkSpec(cell, D, GH // kind.n_gates, O, num_layers=num_layers, **spec_kwargs)


def state_shapes(spec, n_samples):
    """Shapes of the arrays of a network state.

    rnn, gru: ``(h,)`` with h ``(num_layers * dirs, N, H)``; lstm: ``(h, c)``, each
    ``(num_layers * dirs, N, H)``, as in PyTorch (dirs: 2 when ``bidirectional``, the
    layer l's direction d at index ``l * dirs + d``); jordan: ``(y,)`` with y ``(N, O)``, the
    previous raw output.
    """
    kind = CELLS[spec.cell]
    return (kind.runner.state_shape(spec, n_samples),) * kind.n_states


def initial_state(spec, n_samples, dtype=np.float32):
    """The zero state for ``n_samples`` sequences (see ``state_shapes``)."""
    return tuple(np.zeros(s, dtype=dtype) for s in state_shapes(spec, n_samples))


def _dropout_mask(rng, shape, p, dtype):
    keep = rng.random(shape, dtype=np.float64) >= p
    return keep.astype(dtype) / dtype.type(1 - p)


def forward(params, spec, X, state0=None, *, training=False, rng=None, lengths=None):
    """Run the network.

    params : dict of ndarray, see ``init_params``
    spec : NetworkSpec
    X : ndarray of shape (N, T, D)
    state0 : tuple of ndarray (see ``state_shapes``) or None for zeros
    training : bool, apply inter-layer dropout (needs ``rng``)
    rng : numpy.random.Generator
    lengths : int ndarray of shape (N,) in [1, T], or None (every sequence has T steps)
        Sequences right-padded to T steps: steps ``t >= lengths[n]`` carry the state
        (see ``_masking``), so every output and gradient is that of the sequence alone;
        the many-to-one head reads each sequence's real steps. Many-to-many outputs at
        padded steps are to be ignored by the loss (their gradient must be zero).

    Returns out, of shape (N, O) or (N, T, O) when ``spec.return_sequences``, and the cache.
    """
    N, T, _ = X.shape
    dtype = params["head.weight"].dtype
    check_bidirectional(spec)
    steps = _steps(spec, lengths, N, T, dtype)
    if state0 is None:
        state0 = initial_state(spec, N, dtype)
    use_dropout = training and spec.dropout > 0 and spec.num_layers > 1
    width = num_directions(spec) * spec.hidden_size
    masks = [_dropout_mask(rng, (T, width, N), spec.dropout, dtype)
             if use_dropout else None for _ in range(spec.num_layers - 1)]
    return CELLS[spec.cell].runner.forward(params, spec, X, state0, masks, steps)


def _steps(spec, lengths, N, T, dtype):
    """The ``StepMask`` of ``lengths`` (None for equal lengths: the unmasked code)."""
    if lengths is None:
        return None
    steps = step_mask(check_lengths(lengths, N, T), T, dtype)
    if steps is not None and spec.bptt_truncate is not None:
        raise ValueError(
            f"Truncated BPTT (bptt_truncate={spec.bptt_truncate!r}) needs sequences of one "
            "length: its segments are counted back from the last step, which padded "
            "sequences do not share. Set bptt_truncate=None or give sequences of equal "
            "length.")
    return steps


def predict(params, spec, X, state0=None, *, lengths=None):
    """``forward`` in evaluation mode without keeping what ``backward`` needs.

    The same outputs and final state, bit for bit; the LSTM runs a shorter step with no
    per-step gate store (see ``_lstm.infer``), the other cells their ``forward``.

    lengths : as ``forward``

    Returns out (as ``forward``) and the final state (see ``state_shapes``).
    """
    out, state, _ = _predict(params, spec, X, state0, lengths)
    return out, state


def encode(params, spec, X, state0=None, *, lengths=None):
    """What the many-to-one head reads: the top layer's hidden states pooled over time
    (``spec.pooling``; the final hidden state for "last"), without keeping a cache.

    X : ndarray of shape (N, T, D)
    state0 : tuple of ndarray (see ``state_shapes``) or None for zeros
    lengths : as ``forward``; the pooling reads each sequence's real steps

    Returns ndarray of shape (N, dirs*H): for "last" ``forward(...)[1].top[:, -1].T``,
    bit for bit, as ``predict`` computes it (the sequence's encoding, e.g. for features).
    """
    N, T, _ = X.shape
    steps = _steps(spec, lengths, N, T, params["head.weight"].dtype)
    _, _, top = _predict(params, spec, X, state0, lengths)
    pooled = pool(spec.pooling, top.transpose(1, 0, 2), steps)     # (H, N)
    return pooled.T.copy()


def _predict(params, spec, X, state0, lengths=None):
    check_bidirectional(spec)
    N, T, _ = X.shape
    dtype = params["head.weight"].dtype
    steps = _steps(spec, lengths, N, T, dtype)
    if state0 is None:
        state0 = initial_state(spec, N, dtype)
    return CELLS[spec.cell].runner.predict(params, spec, X, state0, steps)


def backward(dout, cache, dstate=None, *, input_grad=True):
    """Backpropagate ``dout`` (same shape as ``out``) through the network.

    dstate : tuple shaped like the final state, its gradient (e.g. when the state is
        carried into a following call), or None.
    input_grad : bool, compute the gradient w.r.t. the input X. Training does not need
        it (PyTorch's inputs without ``requires_grad``), and skipping it saves a GEMM
        per chunk of steps.

    Returns grads (dict, same keys as params), dX (N, T, D) or None without
    ``input_grad``, dstate0 (tuple, same shapes as the state).
    """
    return CELLS[cache.spec.cell].runner.backward(dout, cache, dstate, input_grad)
