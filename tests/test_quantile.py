"""Quantile forecasts: the pinball loss, RNNForecaster(loss="quantile") and
predict_quantiles, and calibration residuals without early stopping."""

import numpy as np
import pytest

from _engine_helpers import numerical_gradient, rel_error
from rnnforecast.nn.losses import LOSSES, pinball

LEVELS = (0.1, 0.5, 0.9)


# ---------------------------------------------------------------------------
# The pinball loss
# ---------------------------------------------------------------------------

def test_pinball_values_typed_out():
    # one target, levels 0.1 and 0.9; y = 1, outputs 0 (too low) and 3 (too high)
    raw, y = np.array([[0.0, 3.0]]), np.array([1.0])
    value, draw = pinball(raw, y, quantiles=(0.1, 0.9))
    # 0.1 * (1 - 0) + (0.9 - 1) * (1 - 3) = 0.1 + 0.2
    assert value == pytest.approx(0.3)
    np.testing.assert_allclose(draw, [[-0.1, 1 - 0.9]])


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_pinball_gradient_matches_finite_differences(n_outputs, weighted):
    rng = np.random.default_rng(0)
    levels = (0.05, 0.3, 0.5, 0.95)
    raw = rng.normal(size=(6, n_outputs * len(levels)))
    y = rng.normal(size=(6, n_outputs))
    w = rng.uniform(0.5, 2.0, size=6) if weighted else None
    _, draw = pinball(raw, y, sample_weight=w, quantiles=levels)
    num = numerical_gradient(lambda: pinball(raw, y, sample_weight=w, quantiles=levels)[0],
                             raw)
    assert rel_error(draw, num) < 1e-6


def test_pinball_layout_is_target_major():
    """Column j * K + k is level k of target j: each block of K columns reads target j."""
    raw = np.zeros((1, 6))
    y = np.array([[1.0, -1.0]])                  # target 0 above, target 1 below
    _, draw = pinball(raw, y, quantiles=(0.2, 0.5, 0.7))
    np.testing.assert_allclose(draw, [[-0.2, -0.5, -0.7, 0.8, 0.5, 0.3]])


def test_pinball_subgradient_at_the_kink_is_zero():
    _, draw = pinball(np.array([[1.0, 1.0]]), np.array([1.0]), quantiles=(0.1, 0.9))
    np.testing.assert_array_equal(draw, [[0.0, 0.0]])


def test_pinball_median_is_half_the_absolute_error():
    rng = np.random.default_rng(1)
    raw, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    value, draw = pinball(raw, y)
    value_abs, draw_abs = LOSSES["absolute_error"](raw, y)
    assert value == pytest.approx(0.5 * value_abs)
    np.testing.assert_allclose(draw, 0.5 * draw_abs)


def test_pinball_minimiser_is_the_empirical_quantile():
    """The constant output that minimises the loss over a sample is its tau-quantile."""
    y = np.arange(1.0, 11.0)                      # 1 .. 10
    grid = np.linspace(0, 11, 1101)
    values = [pinball(np.full((10, 1), c), y, quantiles=(0.3,))[0] for c in grid]
    best = grid[np.isclose(values, min(values))]
    assert best.min() >= 3.0 - 1e-9 and best.max() <= 4.0 + 1e-9  # any point of [3, 4]


def test_pinball_keeps_float32():
    raw = np.zeros((3, 2), dtype=np.float32)
    value, draw = pinball(raw, np.ones(3), quantiles=(0.25, 0.75))
    assert isinstance(value, float) and draw.dtype == np.float32


def test_pinball_refuses_outputs_that_do_not_fit_the_levels():
    with pytest.raises(ValueError, match=r"needs n_outputs \* 3 network outputs"):
        pinball(np.zeros((2, 4)), np.zeros(2), quantiles=LEVELS)
    with pytest.raises(ValueError, match=r"one column per target, 2 for 6 outputs"):
        pinball(np.zeros((2, 6)), np.zeros((2, 3)), quantiles=LEVELS)
