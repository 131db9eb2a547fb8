"""Bidirectional layers of the engine: gradients against finite differences, PyTorch's
numbers, the composition of two one-direction layers, names, shapes and refusals.

The PyTorch references were recorded by ``benchmarks/record_torch_fixtures.py`` into
``tests/fixtures/torch_<cell>_<layers>_bi.npz`` (``nn.RNN``/``nn.LSTM``/``nn.GRU`` with
``bidirectional=True`` and an ``nn.Linear`` head on ``output[:, -1]``, every step, or the
output's mean or maximum over time); this module needs NumPy only.
"""

import numpy as np
import pytest

from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import (NetworkSpec, backward, encode, forward, param_shapes,
                                    predict, spec_from_params, state_shapes)

from _engine_helpers import (D, H, N, O, T, assert_matches_finite_differences,
                             load_torch_fixture, max_abs_diff, numerical_gradient, rel_error)

VARIANTS = {"rnn_tanh": ("rnn", "tanh"), "rnn_relu": ("rnn", "relu"),
            "lstm": ("lstm", "tanh"), "gru": ("gru", "tanh")}
#: fixture mode -> (return_sequences, pooling)
MODES = {"m2o": (False, "last"), "m2m": (True, "last"), "mean": (False, "mean"),
         "max": (False, "max")}
TOL = 1e-6
TORCH_TOL = 1e-10


def make_case(variant, num_layers=1, return_sequences=False, pooling="last", seed=0):
    """A bidirectional spec, float64 params with non-zero biases, X (N, T, D), a random
    initial state, output weights R and final-state weights S."""
    cell, nonlinearity = VARIANTS[variant]
    spec = NetworkSpec(cell, D, H, O, num_layers=num_layers, nonlinearity=nonlinearity,
                       return_sequences=return_sequences, pooling=pooling,
                       bidirectional=True)
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng, np.float64)
    for v in params.values():
        v += 0.1 * rng.standard_normal(v.shape)
    X = rng.standard_normal((N, T, D))
    state0 = tuple(0.5 * rng.standard_normal(s) for s in state_shapes(spec, N))
    R = rng.standard_normal((N, T, O) if return_sequences else (N, O))
    S = tuple(rng.standard_normal(s) for s in state_shapes(spec, N))
    return spec, params, X, state0, R, S


def objective_of(params, spec, X, state0, R, S, **forward_kwargs):
    """sum(R * out) + sum(S * final state), the functional the gradients are of."""
    def objective():
        out, cache = forward(params, spec, X, state0, **forward_kwargs)
        return np.sum(out * R) + sum(np.sum(w * s) for w, s in zip(S, cache.state))
    return objective


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gradients_match_finite_differences(variant, num_layers, mode):
    """Every parameter (both directions, the head), the input and the initial state, with
    a gradient on the final state too, for each pooling and one label per step."""
    return_sequences, pooling = MODES[mode]
    spec, params, X, state0, R, S = make_case(variant, num_layers, return_sequences, pooling)
    out, cache = forward(params, spec, X, state0)
    grads, dX, dstate0 = backward(R, cache, S)
    objective = objective_of(params, spec, X, state0, R, S)
    assert_matches_finite_differences(objective, (grads, dX, dstate0), (params, X, state0))


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gradients_with_dropout_between_layers(variant):
    """Dropout masks are 2H wide between bidirectional layers; the same seed gives the
    same masks, so the objective is differentiable as a function of the weights."""
    spec, params, X, state0, R, S = make_case(variant, num_layers=2, pooling="max")
    spec = spec._replace(dropout=0.4)

    def run():
        return forward(params, spec, X, state0, training=True, rng=np.random.default_rng(5))

    out, cache = run()
    assert cache.masks[0].shape == (T, 2 * H, N)
    assert not np.array_equal(out, forward(params, spec, X, state0)[0])
    grads, dX, dstate0 = backward(R, cache, S)

    def objective():
        out, cache = run()
        return np.sum(out * R) + sum(np.sum(w * s) for w, s in zip(S, cache.state))

    assert_matches_finite_differences(objective, (grads, dX, dstate0), (params, X, state0))


# --------------------------------------------------------------------------- PyTorch
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_matches_pytorch(variant, num_layers, mode):
    """Outputs, final states (PyTorch's (2 * layers, N, H) layout) and every gradient of
    ``sum(R * out) + sum(S * h_n) [+ sum(S_c * c_n)]`` equal PyTorch's to 1e-10."""
    ref = load_torch_fixture(variant, num_layers, "_bi")
    cell, nonlinearity = VARIANTS[variant]
    params = {k[len("param/"):]: v for k, v in ref.items() if k.startswith("param/")}
    return_sequences, pooling = MODES[mode]
    spec = spec_from_params(cell, params, nonlinearity=nonlinearity,
                            return_sequences=return_sequences, pooling=pooling)
    assert spec.bidirectional and spec.num_layers == num_layers
    assert param_shapes(spec) == {k: v.shape for k, v in params.items()}
    names = ("h", "c") if cell == "lstm" else ("h",)
    state0 = tuple(ref[f"{s}0"] for s in names)

    out, cache = forward(params, spec, ref["x"], state0)
    assert max_abs_diff(out, ref[f"{mode}/out"]) < TORCH_TOL, "outputs"
    for s, value in zip(names, cache.state):
        assert max_abs_diff(value, ref[f"{mode}/{s}_n"]) < TORCH_TOL, f"final {s}"
    grads, dX, dstate0 = backward(ref[f"{mode}/R"], cache,
                                  tuple(ref[f"{mode}/S_{s}"] for s in names))
    assert sorted(grads) == sorted(params)
    for name, g in grads.items():
        assert max_abs_diff(g, ref[f"{mode}/grad/{name}"]) < TORCH_TOL, name
    assert max_abs_diff(dX, ref[f"{mode}/grad/x"]) < TORCH_TOL, "input"
    for s, g in zip(names, dstate0):
        assert max_abs_diff(g, ref[f"{mode}/grad/{s}0"]) < TORCH_TOL, f"initial {s}"


# --------------------------------------------------------------------------- structure
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_layer_is_two_one_direction_layers(variant):
    """The output sequence is [forward layer on X; reverse layer on X reversed, reversed
    back], each run as a one-direction network with that direction's weights."""
    spec, params, X, state0, _, _ = make_case(variant, return_sequences=True)
    _, cache = forward(params, spec, X, state0)
    top = cache.top.transpose(2, 1, 0)                               # (N, T, 2H)
    one = spec._replace(bidirectional=False)
    for d, suffix in enumerate(("", "_reverse")):
        p = {k.replace(suffix, "") if suffix else k: v for k, v in params.items()
             if k.startswith("head") or (k.endswith("_reverse") == bool(suffix))}
        p["head.weight"] = params["head.weight"][:, :H]
        s0 = tuple(s[d:d + 1] for s in state0)
        x = X if d == 0 else X[:, ::-1]
        _, c = forward(p, one, np.ascontiguousarray(x), s0)
        expected = c.top.transpose(2, 1, 0)                          # (N, T, H)
        np.testing.assert_allclose(top[:, :, d * H:(d + 1) * H],
                                   expected if d == 0 else expected[:, ::-1], rtol=1e-13)
        for k, s in enumerate(c.state):
            np.testing.assert_allclose(cache.state[k][d], s[0], rtol=1e-13)


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_predict_and_encode_equal_forward(variant, pooling):
    """``predict`` (the LSTM's cache-free step) equals ``forward`` bit for bit; ``encode``
    is the pooled 2H-wide top sequence the head reads."""
    spec, params, X, state0, _, _ = make_case(variant, num_layers=2, pooling=pooling)
    out, cache = forward(params, spec, X, state0)
    out_p, state_p = predict(params, spec, X, state0)
    np.testing.assert_array_equal(out_p, out)
    for a, b in zip(state_p, cache.state):
        np.testing.assert_array_equal(a, b)
    pooled = encode(params, spec, X, state0)
    assert pooled.shape == (N, 2 * H)
    np.testing.assert_allclose(pooled @ params["head.weight"].T + params["head.bias"], out,
                               rtol=1e-12)


def test_names_shapes_and_state_layout():
    """PyTorch's names in its order, the 2H-wide input of upper layers and of the head,
    and (2 * layers, N, H) states; ``spec_from_params`` reads the directions back."""
    spec = NetworkSpec("lstm", 3, 5, 2, num_layers=2, bidirectional=True)
    shapes = param_shapes(spec)
    assert list(shapes) == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
        "bias_hh_l0_reverse",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
        "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse",
        "bias_hh_l1_reverse", "head.weight", "head.bias"]
    assert shapes["weight_ih_l1"] == shapes["weight_ih_l1_reverse"] == (20, 10)
    assert shapes["head.weight"] == (2, 10)
    assert state_shapes(spec, 7) == ((4, 7, 5), (4, 7, 5))
    params = init_params(spec, np.random.default_rng(0))
    assert spec_from_params("lstm", params) == spec._replace(pooling="last")


def test_the_forward_weights_are_drawn_as_without_reverse():
    """A bidirectional network's first layer draws its forward weights first, as a
    one-direction network does."""
    one = NetworkSpec("gru", 2, 4, 1)
    a = init_params(one, np.random.default_rng(3))
    b = init_params(one._replace(bidirectional=True), np.random.default_rng(3))
    for k in ("weight_ih_l0", "weight_hh_l0"):
        np.testing.assert_array_equal(a[k], b[k])


def test_the_reverse_direction_reads_the_future():
    """The output at step 0 depends on the last input through the reverse direction."""
    spec, params, X, state0, _, _ = make_case("gru", return_sequences=True)
    out, cache = forward(params, spec, X, state0)
    dout = np.zeros_like(out)
    dout[:, 0] = 1.0
    _, dX, _ = backward(dout, cache)
    assert np.all(np.abs(dX[:, -1]).sum(axis=1) > 0)


@pytest.mark.parametrize("kwargs, match", [
    ({"cell": "jordan"}, r"`bidirectional` option needs a cell .* cell='jordan'"),
    ({"bptt_truncate": 3}, r"`bidirectional` option supports full BPTT only\. Got "
                           r"bidirectional=True with bptt_truncate=3\. Set bptt_truncate=None"),
])
def test_unsupported_combinations_are_refused(kwargs, match):
    spec = NetworkSpec(**{"cell": "rnn", "input_size": 2, "hidden_size": 3,
                          "output_size": 1, "bidirectional": True, **kwargs})
    with pytest.raises(ValueError, match=match):
        param_shapes(spec)
    ok = spec._replace(bidirectional=False)
    params = init_params(ok, np.random.default_rng(0), np.float64)
    X = np.zeros((2, 5, 2))
    for run in (forward, predict, encode):
        with pytest.raises(ValueError, match=match):
            run(params, spec, X)


def test_finite_difference_helper_sees_the_reverse_weights():
    """A perturbation of a reverse weight changes the objective (the check is not
    vacuous)."""
    spec, params, X, state0, R, S = make_case("lstm")
    objective = objective_of(params, spec, X, state0, R, S)
    g = numerical_gradient(objective, params["weight_hh_l0_reverse"])
    assert rel_error(g, np.zeros_like(g)) == 1.0
