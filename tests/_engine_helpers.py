"""Shared helpers for the engine tests: tiny networks and a numerical gradient."""

from pathlib import Path

import numpy as np

from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import NetworkSpec, forward, state_shapes

CELL_VARIANTS = {
    "rnn_tanh": ("rnn", "tanh"),
    "rnn_relu": ("rnn", "relu"),
    "jordan": ("jordan", "tanh"),
    "lstm": ("lstm", "tanh"),
    "gru": ("gru", "tanh"),
}
N, T, D, H, O = 3, 7, 2, 4, 2


def make_case(variant, return_sequences=False, num_layers=1, bptt_truncate=None, seed=0):
    """spec, float64 params, input X (N, T, D), a random initial state and output weights R."""
    cell, nonlinearity = CELL_VARIANTS[variant]
    spec = NetworkSpec(cell, D, H, O, num_layers=num_layers, nonlinearity=nonlinearity,
                       return_sequences=return_sequences, bptt_truncate=bptt_truncate)
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng, np.float64)
    for v in params.values():  # non-zero biases so every term is exercised
        v += 0.1 * rng.standard_normal(v.shape)
    X = rng.standard_normal((N, T, D))
    state0 = tuple(0.5 * rng.standard_normal(s) for s in state_shapes(spec, N))
    R = rng.standard_normal((N, T, O) if return_sequences else (N, O))
    return spec, params, X, state0, R


def numerical_gradient(f, x, eps=1e-5):
    """Central differences of the scalar function ``f()`` w.r.t. every entry of ``x`` (in place)."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a, b):
    """Relative error of two arrays as one number: ||a - b|| / (||a|| + ||b||)."""
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else np.linalg.norm(a - b) / denom


def segment_starts(T, k):
    """Starts of the truncated-BPTT segments: ..., T - 2k, T - k (and 0)."""
    return sorted({0} | set(range(T - k, 0, -k)))


def truncated_objective(params, spec, X, state0, R, detached):
    """The objective whose exact gradient truncated BPTT computes.

    The state entering each segment start (but the first) is a constant taken from
    ``detached`` (states of the unperturbed network); only outputs of a segment depend on
    the parameters through that segment's own steps.
    """
    T = X.shape[1]
    starts = segment_starts(T, spec.bptt_truncate or T) + [T]
    total = 0.0
    for a, b in zip(starts[:-1], starts[1:]):
        s0 = state0 if a == 0 else detached[a]
        out, _ = forward(params, spec, X[:, a:b], s0)
        if spec.return_sequences:
            total += np.sum(out * R[:, a:b])
        elif b == T:
            total += np.sum(out * R)
    return total


def states_at_starts(params, spec, X, state0):
    """{start: state entering step ``start``} for every truncated segment start."""
    T = X.shape[1]
    out = {}
    for a in segment_starts(T, spec.bptt_truncate or T)[1:]:
        _, cache = forward(params, spec, X[:, :a], state0)
        out[a] = cache.state
    return out


#: Largest relative error of a gradient against central differences (float64).
FD_TOL = 1e-6


def assert_matches_finite_differences(objective, gradients, inputs, tol=FD_TOL):
    """Every parameter's, the input's and the initial state's gradient equal the
    centred finite differences of ``objective``."""
    (grads, dX, dstate0), (params, X, state0) = gradients, inputs
    assert sorted(grads) == sorted(params)
    for name, value in params.items():
        err = rel_error(grads[name], numerical_gradient(objective, value))
        assert err < tol, f"{name}: relative error {err:.2e}"
    assert rel_error(dX, numerical_gradient(objective, X)) < tol, "input"
    for k, s in enumerate(state0):
        assert rel_error(dstate0[k], numerical_gradient(objective, s)) < tol, f"state {k}"


def load_torch_fixture(variant, num_layers, suffix=""):
    """Arrays recorded from PyTorch by ``benchmarks/record_torch_fixtures.py``."""
    path = Path(__file__).parent / "fixtures" / f"torch_{variant}_{num_layers}{suffix}.npz"
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def max_abs_diff(a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)))
