"""Gradient checks of the engine against central differences (float64).

Every cell x {many-to-one, many-to-many} x {1, 2 layers} x {with, without initial state}
x {full, truncated BPTT}, for every parameter, the input and the initial state. Truncated
BPTT is checked against the truncated objective (segment-entry states held constant).
"""

import numpy as np
import pytest

from rnnforecast.nn.network import backward, forward

from _engine_helpers import (CELL_VARIANTS, assert_matches_finite_differences, make_case,
                             states_at_starts, truncated_objective)


@pytest.mark.parametrize("bptt_truncate", [None, 3], ids=["full", "truncated"])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["many_to_one", "return_sequences"])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_gradients_match_finite_differences(variant, return_sequences, num_layers, with_state,
                                            bptt_truncate):
    spec, params, X, state0, R = make_case(variant, return_sequences, num_layers, bptt_truncate)
    if not with_state:
        state0 = tuple(np.zeros_like(s) for s in state0)
    out, cache = forward(params, spec, X, state0 if with_state else None)
    grads, dX, dstate0 = backward(R, cache)

    detached = states_at_starts(params, spec, X, state0)

    def objective():
        return truncated_objective(params, spec, X, state0, R, detached)

    assert_matches_finite_differences(objective, (grads, dX, dstate0), (params, X, state0))


@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_truncation_changes_the_gradient(variant):
    """Truncation is not a no-op: gradients of early steps' parameters differ from full BPTT."""
    spec, params, X, state0, R = make_case(variant, return_sequences=False, bptt_truncate=2)
    _, cache = forward(params, spec, X, state0)
    grads_trunc, dX_trunc, _ = backward(R, cache)
    _, cache_full = forward(params, spec._replace(bptt_truncate=None), X, state0)
    grads_full, dX_full, _ = backward(R, cache_full)
    assert np.all(dX_trunc[:, :-2] == 0)            # inputs before the last 2 steps get nothing
    assert not np.allclose(dX_full[:, :-2], 0)
    assert not np.allclose(grads_trunc["weight_hh_l0"], grads_full["weight_hh_l0"])


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("pooling", ["mean", "max"])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_pooling_gradients_match_finite_differences(variant, pooling, num_layers):
    """The many-to-one head on the hidden states pooled over time (the Jordan network:
    its outputs pooled), for every parameter, the input and the initial state."""
    spec, params, X, state0, R = make_case(variant, num_layers=num_layers)
    spec = spec._replace(pooling=pooling)
    out, cache = forward(params, spec, X, state0)
    grads, dX, dstate0 = backward(R, cache)

    def objective():
        return np.sum(forward(params, spec, X, state0)[0] * R)

    assert_matches_finite_differences(objective, (grads, dX, dstate0), (params, X, state0))


@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_pooling_reads_every_step(variant):
    """Mean pooling: every input step gets a gradient; the head reads the mean of the top
    layer's states (Jordan: of its outputs), which is what ``encode`` returns."""
    from rnnforecast.nn.network import encode, predict
    spec, params, X, state0, R = make_case(variant)
    spec = spec._replace(pooling="mean")
    out, cache = forward(params, spec, X, state0)
    _, dX, _ = backward(R, cache)
    assert np.all(np.abs(dX).sum(axis=2) > 0)
    np.testing.assert_allclose(predict(params, spec, X, state0)[0], out)
    if variant != "jordan":
        pooled = encode(params, spec, X, state0)
        np.testing.assert_allclose(out, pooled @ params["head.weight"].T + params["head.bias"])
