"""Tests of the split-conformal intervals: conformal_quantiles and recursive_residuals."""

import math
import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from _forecasting_helpers import LastPlusStep, RidgeWindows, daily_series, fitted, sine_series
from rnnforecast.forecasting import (
    conformal_quantiles,
    forecast,
    recursive_forecast,
    recursive_residuals,
)
from rnnforecast.windowing import make_windows


@pytest.mark.parametrize("coverage, rank", [(0.5, 3), (0.6, 4), (0.8, 5)])
def test_conformal_quantile_is_the_finite_sample_corrected_order_statistic(coverage, rank):
    # n = 5 residuals, |r| sorted = 1, 2, 3, 4, 5; k = ceil((n + 1) * coverage)
    residuals = [1.0, -2.0, 3.0, -4.0, 5.0]
    assert rank == math.ceil(6 * coverage)
    assert_array_equal(conformal_quantiles(residuals, coverage), [float(rank)])


def test_conformal_quantiles_per_forecast_step():
    residuals = [[1.0, -2.0], [-3.0, 4.0], [2.0, 1.0], [0.5, -3.0]]
    # n = 4, coverage 0.5 -> k = ceil(2.5) = 3: third smallest |r| of each column
    assert_array_equal(conformal_quantiles(residuals, 0.5), [2.0, 3.0])


def test_too_few_residuals_give_an_infinite_interval():
    with pytest.warns(UserWarning, match=re.escape(
        "8 calibration residuals are too few for coverage 0.9: at least 9 are needed for a "
        "finite interval. Returning infinite half-widths."
    )):
        widths = conformal_quantiles(np.ones((8, 2)), 0.9)
    assert_array_equal(widths, [np.inf, np.inf])
    assert_array_equal(conformal_quantiles(np.ones((9, 2)), 0.9), [1.0, 1.0])


def test_conformal_rank_is_not_raised_by_float_noise():
    # n = 9, coverage 0.7: (9 + 1) * 0.7 = 7 exactly (7.000000000000001 in floats)
    residuals = np.arange(1.0, 10.0)
    assert_array_equal(conformal_quantiles(residuals, 0.7), [7.0])


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, True, "0.9"])
def test_coverage_outside_0_1_is_refused(coverage):
    with pytest.raises(ValueError, match=re.escape(
        "The 'coverage' parameter of conformal_quantiles must be a float in the range "
        f"(0, 1), the coverage of the prediction interval. Got {coverage!r} instead. Use "
        "e.g. coverage=0.9 for a 90 % interval."
    )):
        conformal_quantiles([1.0, 2.0], coverage)


def test_conformal_residuals_input_errors():
    with pytest.raises(ValueError, match=re.escape(
        "The 'residuals' parameter of conformal_quantiles must be a non-empty array of "
        "shape (n_calibration, horizon): one row of y - y_pred per calibration window. Got "
        "shape (2, 2, 2) instead."
    )):
        conformal_quantiles(np.ones((2, 2, 2)), 0.5)
    with pytest.raises(ValueError, match=re.escape(
        "The 'residuals' parameter of conformal_quantiles must contain only finite values."
    )):
        conformal_quantiles([1.0, np.nan], 0.5)


def test_recursive_residuals_by_hand():
    model = fitted(LastPlusStep(), window=2, horizon=1)
    series = [0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0]
    # window [0, 1] -> 2, 3 (actual 2, 3); [1, 2] -> 3, 4 (3, 5);
    # [2, 3] -> 4, 5 (5, 7);               [3, 5] -> 6, 7 (7, 9)
    expected = [[0.0, 0.0], [0.0, 1.0], [1.0, 2.0], [1.0, 2.0]]
    assert_array_equal(recursive_residuals(model, series, steps=2), expected)


def test_recursive_residuals_are_errors_of_recursive_forecast():
    series = sine_series(120)
    model = RidgeWindows().fit(*make_windows(series[:80], window=6, horizon=2))
    residuals = recursive_residuals(model, series[74:], steps=5)
    X, y = make_windows(series[74:], window=6, horizon=5)
    by_hand = [y_i - recursive_forecast(model, x_i, 5) for x_i, y_i in zip(X, y)]
    assert_allclose(residuals, by_hand, rtol=1e-12)


def test_recursive_intervals_cover_new_data_at_the_nominal_rate():
    # AR(1) data: train, calibrate and test on consecutive, disjoint parts.
    rng = np.random.default_rng(0)
    noise = rng.normal(size=3000)
    series = np.zeros(3000)
    for t in range(1, 3000):
        series[t] = 0.8 * series[t - 1] + noise[t]
    model = RidgeWindows().fit(*make_windows(series[:1000], window=4, horizon=1))
    widths = conformal_quantiles(recursive_residuals(model, series[1000:2000], 3), 0.9)
    residuals = recursive_residuals(model, series[2000:], 3)
    coverage = (np.abs(residuals) <= widths).mean(axis=0)  # one rate per step
    assert np.all(np.abs(coverage - 0.9) < 0.03)
    assert widths[0] < widths[1] < widths[2]  # uncertainty grows with the lead time


def test_forecast_beyond_the_horizon_with_recursive_residuals():
    series = daily_series(sine_series(100))
    model = RidgeWindows().fit(*make_windows(series[:70], window=6, horizon=1))
    residuals = recursive_residuals(model, series[64:], steps=4)
    result = forecast(model, series, steps=4, interval=0.8, residuals=residuals)
    assert list(result.columns) == ["forecast", "lower", "upper"]
    assert_allclose(result["upper"] - result["forecast"], conformal_quantiles(residuals, 0.8))


def test_recursive_residuals_input_errors():
    model = fitted(LastPlusStep(), window=3, horizon=1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'series' parameter of recursive_residuals must have at least n_timesteps_in_ "
        "+ steps = 3 + 2 = 5 rows for one calibration window. Got 4 rows instead."
    )):
        recursive_residuals(model, np.arange(4.0), steps=2)
    with pytest.raises(ValueError, match=re.escape(
        "The 'series' parameter of recursive_residuals must have n_step_features_in_ = 1 "
        "column(s), those the estimator was trained on. Got 2 instead."
    )):
        recursive_residuals(model, np.ones((10, 2)))
