"""The engine reproduces PyTorch's ``nn.RNN``/``nn.LSTM``/``nn.GRU`` + ``nn.Linear`` (float64).

The reference numbers were recorded with PyTorch by ``benchmarks/record_torch_fixtures.py``
into ``tests/fixtures/torch_<cell>_<layers>.npz``; this test needs NumPy only. With the
very same weights (PyTorch's names and layouts), inputs and initial state, the outputs,
final states and the gradients of ``sum(R * out) + sum(S_h * h_n) [+ sum(S_c * c_n)]``
w.r.t. every parameter, the input and the initial state must agree to 1e-10.
The Jordan network has no PyTorch counterpart and is not covered here.
"""

import numpy as np
import pytest

from rnnforecast.nn.network import NetworkSpec, backward, forward

from _engine_helpers import load_torch_fixture, max_abs_diff

VARIANTS = {"rnn_tanh": ("rnn", "tanh"), "rnn_relu": ("rnn", "relu"),
            "lstm": ("lstm", "tanh"), "gru": ("gru", "tanh")}
MODES = {"m2o": False, "m2m": True}
TOL = 1e-10


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_matches_pytorch(variant, num_layers, mode):
    ref = load_torch_fixture(variant, num_layers)
    cell, nonlinearity = VARIANTS[variant]
    params = {k[len("param/"):]: v for k, v in ref.items() if k.startswith("param/")}
    N, T, D = ref["x"].shape
    O, H = params["head.weight"].shape
    spec = NetworkSpec(cell, D, H, O, num_layers=num_layers, nonlinearity=nonlinearity,
                       return_sequences=MODES[mode])
    state_names = ("h", "c") if cell == "lstm" else ("h",)
    state0 = tuple(ref[f"{s}0"] for s in state_names)

    out, cache = forward(params, spec, ref["x"], state0)
    assert max_abs_diff(out, ref[f"{mode}/out"]) < TOL, "outputs"
    for s, value in zip(state_names, cache.state):
        assert max_abs_diff(value, ref[f"{mode}/{s}_n"]) < TOL, f"final {s}"

    dstate = tuple(ref[f"{mode}/S_{s}"] for s in state_names)
    grads, dX, dstate0 = backward(ref[f"{mode}/R"], cache, dstate)
    assert sorted(grads) == sorted(params)
    for name, g in grads.items():
        assert max_abs_diff(g, ref[f"{mode}/grad/{name}"]) < TOL, name
    assert max_abs_diff(dX, ref[f"{mode}/grad/x"]) < TOL, "input"
    for s, g in zip(state_names, dstate0):
        assert max_abs_diff(g, ref[f"{mode}/grad/{s}0"]) < TOL, f"initial {s}"


def test_fixtures_exercise_relu_on_both_sides():
    """The ReLU fixtures have active and inactive units, so both branches are compared."""
    ref = load_torch_fixture("rnn_relu", 2)
    h_n = ref["m2m/h_n"]
    assert np.any(h_n > 0) and np.any(h_n == 0)
