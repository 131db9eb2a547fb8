"""Padded batches of sequences of different lengths (``nn/_masking.py``).

Two properties, for every cell, both modes, every pooling, stacked and bidirectional
layers: a padded batch gives the outputs, final states and gradients of each sequence
run alone; and its gradients match finite differences (float64, relative error < 1e-6).
"""

import numpy as np
import pytest

from rnnforecast.nn.network import backward, encode, forward, predict, state_shapes

from _engine_helpers import CELL_VARIANTS, make_case, numerical_gradient, rel_error

LENGTHS = np.array([7, 3, 5])      # N = 3 sequences padded to T = 7 steps
STACKED = ("rnn_tanh", "rnn_relu", "lstm", "gru")


def _case(variant, return_sequences, num_layers=1, pooling="last", bidirectional=False,
          seed=0):
    spec, params, X, state0, R = make_case(variant, return_sequences, num_layers, seed=seed)
    spec = spec._replace(pooling=pooling, bidirectional=bidirectional)
    if bidirectional or num_layers > 1:
        from rnnforecast.nn.initialization import init_params
        rng = np.random.default_rng(seed + 1)
        params = init_params(spec, rng, np.float64)
        for v in params.values():
            v += 0.1 * rng.standard_normal(v.shape)
        state0 = tuple(0.5 * rng.standard_normal(s) for s in state_shapes(spec, len(X)))
    X = X.copy()
    for n, L in enumerate(LENGTHS):
        X[n, L:] = 1e3                     # padding values must not matter
    if return_sequences:
        R = R * (np.arange(X.shape[1])[None, :, None] < LENGTHS[:, None, None])
    return spec, params, X, state0, R


def _state_row(state0, spec, n):
    """The initial state of sample n alone."""
    if spec.cell == "jordan":
        return tuple(s[n:n + 1] for s in state0)
    return tuple(s[:, n:n + 1] for s in state0)


CASES = [(v, rs, 1, "last", False) for v in CELL_VARIANTS for rs in (False, True)] + \
    [(v, False, 1, p, False) for v in CELL_VARIANTS for p in ("mean", "max")] + \
    [(v, rs, 2, "last", False) for v in STACKED for rs in (False, True)] + \
    [(v, rs, 1, p, True) for v in STACKED for rs, p in ((False, "last"), (False, "mean"),
                                                        (False, "max"), (True, "last"))] + \
    [("lstm", False, 2, "max", True)]


@pytest.mark.parametrize("variant, return_sequences, num_layers, pooling, bidirectional",
                         CASES)
def test_padded_batch_equals_each_sequence_alone(variant, return_sequences, num_layers,
                                                 pooling, bidirectional):
    spec, params, X, state0, R = _case(variant, return_sequences, num_layers, pooling,
                                       bidirectional)
    out, cache = forward(params, spec, X, state0, lengths=LENGTHS)
    grads, dX, dstate0 = backward(R, cache)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for n, L in enumerate(LENGTHS):
        s0 = _state_row(state0, spec, n)
        out_n, cache_n = forward(params, spec, X[n:n + 1, :L], s0)
        R_n = R[n:n + 1, :L] if return_sequences else R[n:n + 1]
        grads_n, dX_n, dstate_n = backward(R_n, cache_n)
        np.testing.assert_allclose(out[n, :L] if return_sequences else out[n], out_n[0],
                                   rtol=1e-12, atol=1e-12)
        for a, b in zip(cache.state, cache_n.state):
            row = a[n] if spec.cell == "jordan" else a[:, n]
            np.testing.assert_allclose(row, b[0] if spec.cell == "jordan" else b[:, 0],
                                       rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dX[n, :L], dX_n[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(dX[n, L:], 0)
        for a, b in zip(dstate0, dstate_n):
            row = a[n] if spec.cell == "jordan" else a[:, n]
            np.testing.assert_allclose(row, b[0] if spec.cell == "jordan" else b[:, 0],
                                       rtol=1e-10, atol=1e-12)
        for k in total:
            total[k] += grads_n[k]
    for k in total:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-10, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("variant, return_sequences, num_layers, pooling, bidirectional",
                         CASES)
def test_masked_gradients_match_finite_differences(variant, return_sequences, num_layers,
                                                   pooling, bidirectional):
    spec, params, X, state0, R = _case(variant, return_sequences, num_layers, pooling,
                                       bidirectional, seed=1)

    def objective():
        return np.sum(forward(params, spec, X, state0, lengths=LENGTHS)[0] * R)

    out, cache = forward(params, spec, X, state0, lengths=LENGTHS)
    grads, dX, dstate0 = backward(R, cache)
    for name, value in params.items():
        assert rel_error(grads[name], numerical_gradient(objective, value)) < 1e-6, name
    assert rel_error(dX, numerical_gradient(objective, X)) < 1e-6
    for s, ds in zip(state0, dstate0):
        assert rel_error(ds, numerical_gradient(objective, s)) < 1e-6


@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_predict_and_encode_read_the_real_steps(variant, pooling):
    spec, params, X, state0, _ = _case(variant, False, pooling=pooling)
    out, state = predict(params, spec, X, state0, lengths=LENGTHS)
    ref, cache = forward(params, spec, X, state0, lengths=LENGTHS)
    np.testing.assert_array_equal(out, ref)
    codes = encode(params, spec, X, state0, lengths=LENGTHS)
    for n, L in enumerate(LENGTHS):
        alone = encode(params, spec, X[n:n + 1, :L], _state_row(state0, spec, n))
        np.testing.assert_allclose(codes[n], alone[0], rtol=1e-12, atol=1e-12)


def test_equal_lengths_take_the_unmasked_path():
    spec, params, X, state0, R = make_case("lstm")
    out, cache = forward(params, spec, X, state0, lengths=np.full(len(X), X.shape[1]))
    ref, ref_cache = forward(params, spec, X, state0)
    np.testing.assert_array_equal(out, ref)
    assert cache.mask is None and cache.layer_caches[0].mask is None


def test_lengths_are_checked():
    spec, params, X, state0, _ = make_case("gru")
    with pytest.raises(ValueError, match=r"`lengths` must be integers in \[1, 7\], one "
                                         r"per sequence \(3\)\. Got \[0 3 5\]"):
        forward(params, spec, X, lengths=np.array([0, 3, 5]))
    with pytest.raises(ValueError, match=r"`lengths` must be integers"):
        forward(params, spec, X, lengths=np.array([8, 3, 5]))
    with pytest.raises(ValueError, match=r"`lengths` must be integers"):
        forward(params, spec, X, lengths=np.array([7.0, 3, 5]))


def test_truncated_bptt_refuses_padded_sequences():
    spec, params, X, _, _ = make_case("rnn_tanh", bptt_truncate=3)
    with pytest.raises(ValueError, match=r"Truncated BPTT \(bptt_truncate=3\) needs "
                                         "sequences of one length"):
        forward(params, spec, X, lengths=LENGTHS)
    forward(params, spec, X, lengths=np.full(3, 7))    # equal lengths: accepted
