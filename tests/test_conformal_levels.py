"""Several conformal levels in one call: interval=[0.8, 0.95].

One level keeps the columns ``forecast, lower, upper``; a list gives ``forecast`` then
``lower_<p>, upper_<p>`` per level in increasing order. All levels come from the same
residuals, so a higher level is never narrower, at any step.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from _forecasting_helpers import LastPlusStep, daily_series, fitted
from rnnforecast import RNNForecaster, make_windows
from rnnforecast.forecasting import fit_many, forecast, forecast_many
from rnnforecast.forecasting._conformal import (
    check_calibration,
    highest_coverage,
    interval_columns,
    interval_widths,
    level_label,
    level_widths,
)

HISTORY = daily_series(np.arange(10.0))  # 2024-01-01 .. 2024-01-10, values 0 .. 9
FUTURE = pd.date_range("2024-01-11", periods=2, freq="D")


def model_with(residuals, scales=None, window=4, horizon=2):
    """LastPlusStep with stored calibration residuals (and scales)."""
    model = fitted(LastPlusStep(), window=window, horizon=horizon)
    model.conformal_residuals_ = np.asarray(residuals, dtype=float)
    if scales is not None:
        model.conformal_scales_ = np.asarray(scales, dtype=float)
    return model


def bounds_of(frame, levels):
    """(lower, upper) arrays of shape (n_levels, steps) of a multi-level forecast."""
    lower = np.stack([frame[f"lower_{level_label(c)}"].to_numpy() for c in levels])
    upper = np.stack([frame[f"upper_{level_label(c)}"].to_numpy() for c in levels])
    return lower, upper


def assert_nested(frame, levels):
    """Each interval holds the forecast and every interval of a lower level."""
    lower, upper = bounds_of(frame, sorted(levels))
    y = frame["forecast"].to_numpy()
    assert np.all(lower <= y) and np.all(y <= upper)
    assert np.all(np.diff(lower, axis=0) <= 0), "a higher level has a higher lower bound"
    assert np.all(np.diff(upper, axis=0) >= 0), "a higher level has a lower upper bound"


# ---------------------------------------------------------------------------- columns
def test_one_level_keeps_forecast_lower_upper():
    model = model_with([[1.0, -2.0], [-3.0, 4.0], [2.0, 1.0], [0.5, -3.0]])
    assert list(forecast(model, HISTORY, interval=0.5).columns) == ["forecast", "lower",
                                                                     "upper"]
    assert list(forecast(model, HISTORY, interval=np.float64(0.5)).columns) == [
        "forecast", "lower", "upper"]


def test_levels_by_hand_sorted_whatever_the_order_given():
    # n = 5, |r| of step 1: 1 2 3 4 5, of step 2: 2 4 6 8 10
    residuals = [[1.0, -2.0], [-2.0, 4.0], [3.0, -6.0], [-4.0, 8.0], [5.0, 10.0]]
    model = model_with(residuals)
    # k = ceil(6 * 0.5) = 3, ceil(6 * 0.8) = 5
    expected = pd.DataFrame(
        {"forecast": [10.0, 11.0],
         "lower_50": [7.0, 5.0], "upper_50": [13.0, 17.0],
         "lower_80": [5.0, 1.0], "upper_80": [15.0, 21.0]},
        index=FUTURE)
    for interval in ([0.5, 0.8], [0.8, 0.5], (0.8, 0.5), np.array([0.8, 0.5]),
                     pd.Series([0.8, 0.5])):
        pd.testing.assert_frame_equal(forecast(model, HISTORY, interval=interval), expected)


def test_each_level_equals_its_single_level_call():
    residuals = np.random.default_rng(0).standard_normal((40, 2))
    model = model_with(residuals, scales=np.random.default_rng(1).uniform(0.5, 2, 40))
    together = forecast(model, HISTORY, interval=[0.95, 0.8, 0.9])
    assert list(together.columns) == ["forecast", "lower_80", "upper_80", "lower_90",
                                      "upper_90", "lower_95", "upper_95"]
    for level in (0.8, 0.9, 0.95):
        alone = forecast(model, HISTORY, interval=level)
        name = level_label(level)
        assert_array_equal(together[f"lower_{name}"], alone["lower"])
        assert_array_equal(together[f"upper_{name}"], alone["upper"])


def test_a_list_of_one_level_names_its_columns():
    model = model_with(np.ones((20, 2)))
    assert list(forecast(model, HISTORY, interval=[0.9]).columns) == [
        "forecast", "lower_90", "upper_90"]


@pytest.mark.parametrize("level, label", [(0.8, "80"), (0.95, "95"), (0.975, "97.5"),
                                          (0.07, "7"), (0.999, "99.9"), (0.5, "50"),
                                          (0.12345, "12.345"), (0.1, "10")])
def test_level_labels_are_percentages(level, label):
    assert level_label(level) == label


def test_interval_columns():
    assert interval_columns(0.9) == ["lower", "upper"]
    assert interval_columns((0.8, 0.975)) == ["lower_80", "upper_80", "lower_97.5",
                                              "upper_97.5"]


def test_the_callers_list_is_not_changed():
    model = model_with(np.ones((20, 2)))
    levels = [0.95, 0.8]
    forecast(model, HISTORY, interval=levels)
    assert levels == [0.95, 0.8]


# ---------------------------------------------------------------------------- nesting
@pytest.mark.parametrize("n_calibration", [19, 20, 40, 200])
@pytest.mark.parametrize("scaled", [False, True], ids=["plain", "scaled"])
def test_intervals_are_nested_at_every_step(n_calibration, scaled):
    rng = np.random.default_rng(n_calibration)
    residuals = rng.standard_t(3, size=(n_calibration, 4)) * np.arange(1, 5)
    scales = rng.uniform(0.0, 3.0, n_calibration) if scaled else None  # zeros included
    model = model_with(residuals, scales, horizon=4)
    levels = [0.5, 0.8, 0.9, 0.9001, 0.95]  # 0.95 needs 19 residuals
    assert_nested(forecast(model, HISTORY, interval=levels), levels)


def test_level_widths_are_non_decreasing_over_many_windows():
    rng = np.random.default_rng(3)
    residuals, scales = rng.normal(size=(25, 3)), rng.uniform(0.1, 2.0, 25)
    windows = rng.normal(size=(50, 6, 1)).cumsum(axis=1)
    levels = (0.1, 0.5, 0.8, 0.9, 0.95)
    checked = check_calibration(residuals, scales, 3, levels, "test")
    widths = level_widths(*checked, windows, levels)  # (5, 50, 3)
    assert widths.shape == (5, 50, 3)
    assert np.all(np.diff(widths, axis=0) >= 0)
    for i, level in enumerate(levels):
        assert_array_equal(widths[i], interval_widths(*checked, windows, level))


# ---------------------------------------------------------------------------- errors
def levels_refused(rule, got):
    return re.escape(
        "The 'interval' parameter of forecast must be a coverage in (0, 1) or a list of "
        f"distinct coverages in (0, 1), one prediction interval each; {rule}. Got {got} "
        "instead. Use e.g. interval=[0.8, 0.95] for 80 % and 95 % intervals.")


@pytest.mark.parametrize("interval, rule", [
    ([], "a list must hold at least one level"),
    ([0.8, 1.0], "1.0 is not a number strictly between 0 and 1"),
    ([0.0, 0.8], "0.0 is not a number strictly between 0 and 1"),
    ([0.8, 95], "95 is not a number strictly between 0 and 1"),
    ([0.8, "0.9"], "'0.9' is not a number strictly between 0 and 1"),
    ([0.8, None], "None is not a number strictly between 0 and 1"),
    ([True], "True is not a number strictly between 0 and 1"),
    ([0.8, 0.95, 0.8], "level(s) 80 % repeated; give each level once"),
    ([0.8, 0.8000000000001], "level(s) 80 % repeated; give each level once"),
    (np.array([[0.8, 0.9]]), "a list must be flat, one level per item"),
    ([[0.8], [0.9, 0.95]], "[0.8] is not a number strictly between 0 and 1"),
], ids=["empty", "one", "zero", "percent", "text", "none", "bool", "repeated",
        "same-name", "2-d", "nested"])
def test_invalid_levels_are_refused(interval, rule):
    model = model_with(np.ones((40, 2)))
    with pytest.raises(ValueError, match=levels_refused(rule, repr(interval))):
        forecast(model, HISTORY, interval=interval)


def test_too_few_residuals_for_the_highest_level_is_refused():
    model = model_with(np.ones((10, 2)))  # enough for 0.9 (9), not for 0.95 (19)
    with pytest.raises(ValueError, match=re.escape(
        "The 'interval' parameter of forecast asks for coverage 0.95, which needs at least "
        "ceil(interval / (1 - interval)) = 19 calibration residuals for a finite interval. "
        "Got 10 calibration residuals instead. Use a lower interval (at most 0.909 with "
        "10 residuals)")):
        forecast(model, HISTORY, interval=[0.8, 0.95])
    table = forecast(model, HISTORY, interval=[0.8, 0.9])
    assert np.isfinite(table.to_numpy()).all()


def test_missing_residuals_name_the_levels():
    with pytest.raises(ValueError, match=re.escape(
        "The 'residuals' parameter of forecast is needed for interval=[0.8, 0.95]: the "
        "LastPlusStep has no conformal_residuals_ attribute.")):
        forecast(fitted(LastPlusStep(), window=4, horizon=1), HISTORY, interval=[0.8, 0.95])


@pytest.mark.parametrize("interval, highest", [(None, None), (0.9, 0.9),
                                               ([0.95, 0.8], 0.95), ((0.5,), 0.5)])
def test_highest_coverage(interval, highest):
    assert highest_coverage(interval, "interval", "test") == highest


def test_highest_coverage_checks_the_levels():
    with pytest.raises(ValueError, match=r"The 'interval' parameter of AutoForecaster\.predict "
                                         r"must be a float in the range \(0, 1\)"):
        highest_coverage(1.0, "interval", "AutoForecaster.predict")
    with pytest.raises(ValueError, match="level.s. 80 % repeated"):
        highest_coverage([0.8, 0.8], "interval", "AutoForecaster.predict")


# ------------------------------------------------------------ estimator, many series
@pytest.fixture(scope="module")
def fitted_rnn():
    """An RNNForecaster with stored calibration residuals and scales (early stopping)."""
    series = daily_series(np.sin(np.arange(300) / 4.0) * (1 + np.arange(300) / 100))
    model = RNNForecaster(hidden_size=4, max_iter=3, early_stopping=True,
                          validation_fraction=0.2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*make_windows(series, window=8, horizon=3))
    return model, series


def test_rnn_forecaster_forecast_with_levels(fitted_rnn):
    model, series = fitted_rnn
    table = model.forecast(series, interval=[0.95, 0.8])
    assert list(table.columns) == ["forecast", "lower_80", "upper_80", "lower_95",
                                   "upper_95"]
    assert_nested(table, [0.8, 0.95])
    assert_array_equal(table["upper_80"], model.forecast(series, interval=0.8)["upper"])


def test_forecast_many_with_levels(fitted_rnn):
    _, series = fitted_rnn
    collection = {"a": series, "b": series * 2 + 1}
    estimator = RNNForecaster(hidden_size=4, max_iter=2, early_stopping=True,
                              validation_fraction=0.2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models = fit_many(estimator, collection, window=8, horizon=2)
    table = forecast_many(models, collection, interval=[0.9, 0.5])
    assert list(table.columns) == ["series", "timestamp", "forecast", "lower_50",
                                   "upper_50", "lower_90", "upper_90"]
    for _, frame in table.groupby("series"):
        assert_nested(frame, [0.5, 0.9])
    single = forecast_many(models, collection, interval=0.9)
    assert list(single.columns) == ["series", "timestamp", "forecast", "lower", "upper"]
    assert_array_equal(table["lower_90"], single["lower"])
