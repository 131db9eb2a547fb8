"""Locally scaled split-conformal intervals (normalised nonconformity scores)."""

import numpy as np
import pytest

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.forecasting import conformal_quantiles
from rnnforecast.forecasting._conformal import check_calibration, interval_widths, local_scale


def checked_widths(residuals, scales, windows, coverage, steps, owner):
    """Half-widths of the first ``steps`` lead times, checked as forecast() checks them."""
    return interval_widths(*check_calibration(residuals, scales, steps, coverage, owner), windows,
                           coverage)


def test_local_scale_is_the_mean_absolute_change_of_the_target():
    windows = np.array([[[0.0, 9.0], [1.0, 9.0], [3.0, 9.0]],     # changes 1, 2
                        [[5.0, 0.0], [5.0, 1.0], [5.0, 3.0]]])    # target constant
    np.testing.assert_array_equal(local_scale(windows, target_feature=0), [1.5, 0.0])
    np.testing.assert_array_equal(local_scale(windows, target_feature=1), [0.0, 1.5])


def test_scaled_widths_by_hand():
    residuals = np.array([[1.0], [-4.0], [3.0], [8.0]])
    scales = np.array([1.0, 2.0, 1.0, 4.0])           # scores |r|/s: 1, 2, 3, 2
    windows = np.array([[[0.0], [3.0]]])              # current scale 3
    # k = ceil(5 * 0.6) = 3 -> third smallest score is 2
    widths = checked_widths(residuals, scales, windows, 0.6, 1, "test")
    np.testing.assert_allclose(widths, [[2.0 * 3.0]])


def test_without_scales_the_widths_are_plain_split_conformal():
    residuals = np.random.default_rng(0).standard_normal((30, 2))
    windows = np.zeros((3, 4, 1))
    widths = checked_widths(residuals, None, windows, 0.9, 2, "test")
    np.testing.assert_array_equal(widths, np.tile(conformal_quantiles(residuals, 0.9),
                                                  (3, 1)))


def test_constant_windows_borrow_the_mean_calibration_scale():
    residuals = np.array([[1.0], [2.0], [3.0]])
    scales = np.array([0.0, 2.0, 2.0])                # the zero is replaced by 2
    widths = checked_widths(residuals, scales, np.ones((1, 3, 1)), 0.5, 1, "t")
    expected = conformal_quantiles(residuals / 2.0, 0.5)[0] * 2.0
    np.testing.assert_allclose(widths, [[expected]])


def test_mismatched_scales_are_refused():
    with pytest.raises(ValueError, match="one value per calibration residual row"):
        checked_widths(np.ones((4, 1)), np.ones(3), np.ones((1, 3, 1)), 0.5, 1, "t")


def test_forecaster_intervals_use_the_scale_of_the_last_window():
    t = np.arange(240.0)
    series = (1 + t / 60) * np.sin(t / 4) + t / 30     # amplitude grows with time
    X, y = make_windows(series, 16, 3)
    model = RNNForecaster(hidden_size=6, max_iter=5, early_stopping=True,
                          validation_fraction=0.25, random_state=0).fit(X, y)
    assert model.conformal_scales_.shape == (model.conformal_residuals_.shape[0],)
    np.testing.assert_allclose(model.conformal_scales_, local_scale(X[-len(model.conformal_scales_):]))
    result = model.forecast(series, interval=0.9)
    q = conformal_quantiles(model.conformal_residuals_ / model.conformal_scales_[:, None], 0.9)
    expected = q * local_scale(series[-16:].reshape(1, 16, 1))[0]
    np.testing.assert_allclose((result["upper"] - result["forecast"]).to_numpy(), expected)
    np.testing.assert_allclose((result["forecast"] - result["lower"]).to_numpy(), expected)


def test_refit_without_early_stopping_drops_the_calibration():
    series = np.sin(np.arange(100) / 3)
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=2, early_stopping=True, random_state=0)
    model.fit(X, y.ravel())
    model.set_params(early_stopping=False, calibration=False).fit(X, y.ravel())
    assert not hasattr(model, "conformal_scales_")
    assert not hasattr(model, "conformal_residuals_")
