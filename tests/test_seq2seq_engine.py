"""The encoder–decoder engine (``nn/_seq2seq.py``): gradients against central differences
(float64) with teacher forcing, for every cell that can be an encoder, and stepwise
(greedy) decoding equal to the batched decoder."""

import numpy as np
import pytest

from rnnforecast.nn import _seq2seq as s2s
from rnnforecast.nn.losses import LOSSES

from _engine_helpers import FD_TOL, numerical_gradient, rel_error

VARIANTS = {"rnn_tanh": ("rnn", "tanh"), "rnn_relu": ("rnn", "relu"),
            "lstm": ("lstm", "tanh"), "gru": ("gru", "tanh")}
N, T_IN, T_OUT, D, E, H, O = 3, 6, 4, 2, 3, 4, 3


def make_case(variant, num_layers=1, decoder_input_size=E, seed=0):
    cell, nonlinearity = VARIANTS[variant]
    spec = s2s.make_spec(cell, D, decoder_input_size, H, O, num_layers=num_layers,
                         nonlinearity=nonlinearity)
    rng = np.random.default_rng(seed)
    params = s2s.init_params(spec, rng, np.float64)
    for v in params.values():  # non-zero biases so every term is exercised
        v += 0.1 * rng.standard_normal(v.shape)
    X = rng.standard_normal((N, T_IN, D))
    U = rng.standard_normal((N, T_OUT, decoder_input_size))
    R = rng.standard_normal((N, T_OUT, O))
    return spec, params, X, U, R


@pytest.mark.parametrize("decoder_input_size", [E, 0], ids=["conditioned", "unconditioned"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gradients_match_finite_differences(variant, num_layers, decoder_input_size):
    """Every parameter of both parts, the encoder's input and the decoder's inputs."""
    spec, params, X, U, R = make_case(variant, num_layers, decoder_input_size)
    out, cache = s2s.forward(params, spec, X, U)
    grads, dX, dU = s2s.backward(R, cache)

    def objective():
        return float(np.sum(s2s.forward(params, spec, X, U)[0] * R))

    assert sorted(grads) == sorted(params) == sorted(s2s.param_shapes(spec))
    for name, value in params.items():
        assert grads[name].shape == value.shape, name
        if value.size:  # the unconditioned decoder's weight_ih is (G*H, 0)
            err = rel_error(grads[name], numerical_gradient(objective, value))
            assert err < FD_TOL, f"{name}: relative error {err:.2e}"
    assert rel_error(dX, numerical_gradient(objective, X)) < FD_TOL
    if decoder_input_size:
        assert rel_error(dU, numerical_gradient(objective, U)) < FD_TOL


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_teacher_forced_cross_entropy_gradient(variant):
    """The training objective: cross-entropy of every output step, the decoder reading
    the one-hot code of the previous target (a start code at step 0)."""
    spec, params, X, _, _ = make_case(variant, decoder_input_size=O + 1)
    rng = np.random.default_rng(1)
    Y = rng.integers(0, O, size=(N, T_OUT))
    codes = np.concatenate([np.full((N, 1), O), Y[:, :-1]], axis=1)  # start, targets
    U = np.eye(O + 1)[codes]                                  # (N, T_out, O + 1) one-hot
    loss = LOSSES["softmax_cross_entropy"]

    def objective():
        out = s2s.forward(params, spec, X, U)[0]
        return loss(out.reshape(-1, O), Y.reshape(-1))[0]

    out, cache = s2s.forward(params, spec, X, U)
    _, draw = loss(out.reshape(-1, O), Y.reshape(-1))
    grads, _, _ = s2s.backward(draw.reshape(out.shape), cache, input_grad=False)
    for name, value in params.items():
        err = rel_error(grads[name], numerical_gradient(objective, value))
        assert err < FD_TOL, f"{name}: relative error {err:.2e}"


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_greedy_decoding_equals_the_batched_decoder(variant, num_layers):
    """One step at a time from the carried state gives the outputs of one batched call
    on the inputs it read, to 1e-12; each step's input is the previous output's argmax."""
    spec, params, X, U, _ = make_case(variant, num_layers, decoder_input_size=O)
    u0 = U[:, 0, :O]

    def next_input(k, out):
        return np.eye(O)[np.argmax(out, axis=1)]

    outs, inputs = s2s.greedy_decode(params, spec, X, u0, T_OUT, next_input)
    batched, _ = s2s.forward(params, spec, X, inputs)
    assert outs.shape == (N, T_OUT, O) and inputs.shape == (N, T_OUT, O)
    np.testing.assert_allclose(outs, batched, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(inputs[:, 0], u0)
    np.testing.assert_array_equal(inputs[:, 1:], next_input(0, batched[:, :-1].reshape(-1, O))
                                  .reshape(N, T_OUT - 1, O))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_encoder_state_starts_the_decoder(variant):
    """The decoder's output depends on the input sequence only through the encoder's
    final state: the same state gives the same outputs."""
    spec, params, X, U, _ = make_case(variant)
    state = s2s.encode(params, spec, X)
    out, _ = s2s.forward(params, spec, X, U)
    stepwise = []
    for k in range(T_OUT):
        o, state = s2s.decode_step(params, spec, U[:, k], state)
        stepwise.append(o)
    np.testing.assert_allclose(np.stack(stepwise, 1), out, rtol=0, atol=1e-12)
    assert s2s.embedding(s2s.encode(params, spec, X)).shape == (N, H)


def test_jordan_is_refused():
    with pytest.raises(ValueError, match="cell.*Got 'jordan'.*not a hidden state"):
        s2s.make_spec("jordan", D, E, H, O)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_embedding_gradients_match_finite_differences(variant, num_layers):
    """Token ids through the encoder's embedding: every parameter, the embedding's rows
    included (a token seen several times sums its steps' gradients; rows of tokens not
    in the batch get 0)."""
    cell, nonlinearity = VARIANTS[variant]
    V = 6
    spec = s2s.make_spec(cell, D, E, H, O, num_layers=num_layers, nonlinearity=nonlinearity,
                         vocabulary_size=V)
    rng = np.random.default_rng(2)
    params = s2s.init_params(spec, rng, np.float64)
    ids = rng.integers(0, V - 1, size=(N, T_IN))                # token V - 1 never occurs
    ids[0, :2] = 3                                            # and 3 occurs repeatedly
    U, R = rng.standard_normal((N, T_OUT, E)), rng.standard_normal((N, T_OUT, O))
    assert params[s2s.EMBEDDING].shape == (V, D)
    out, cache = s2s.forward(params, spec, ids, U)
    grads, dX, _ = s2s.backward(R, cache)
    assert dX is None and sorted(grads) == sorted(s2s.param_shapes(spec))
    assert np.all(grads[s2s.EMBEDDING][V - 1] == 0)

    def objective():
        return float(np.sum(s2s.forward(params, spec, ids, U)[0] * R))

    for name, value in params.items():
        err = rel_error(grads[name], numerical_gradient(objective, value))
        assert err < FD_TOL, f"{name}: relative error {err:.2e}"
    state = s2s.encode(params, spec, ids)
    np.testing.assert_allclose(state[0], cache.encoder.state[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_input_lengths(variant, num_layers):
    """Right-padded input sequences of different lengths: each pair's outputs are those
    of its sequence alone (the padding never reaches the decoder), and the gradients
    match finite differences."""
    spec, params, X, U, R = make_case(variant, num_layers)
    lengths = np.array([T_IN, 2, 4])
    X[1, 2:] = 7.0                                            # padding: any value
    out, cache = s2s.forward(params, spec, X, U, lengths=lengths)
    for i, L in enumerate(lengths):
        alone, _ = s2s.forward(params, spec, X[i:i + 1, :L], U[i:i + 1])
        np.testing.assert_allclose(out[i:i + 1], alone, rtol=0, atol=1e-12)
    grads, dX, dU = s2s.backward(R, cache)

    def objective():
        return float(np.sum(s2s.forward(params, spec, X, U, lengths=lengths)[0] * R))

    for name, value in params.items():
        err = rel_error(grads[name], numerical_gradient(objective, value))
        assert err < FD_TOL, f"{name}: relative error {err:.2e}"
    assert rel_error(dX, numerical_gradient(objective, X)) < FD_TOL
    assert np.all(dX[1, 2:] == 0) and np.all(dX[2, 4:] == 0)     # nothing into padding
    outs, inputs = s2s.greedy_decode(params, spec, X, U[:, 0], T_OUT, lambda k, o: U[:, k + 1],
                                     lengths=lengths)
    np.testing.assert_allclose(outs, out, rtol=0, atol=1e-12)
