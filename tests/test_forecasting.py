"""Tests of rnnforecast.forecasting (future index, recursive forecasts, forecast,
conformal intervals, backtest) and of the naive baselines.

The forecasters here are small deterministic stand-ins with the duck-typed interface
of a fitted window forecaster (``predict``, ``n_timesteps_in_``,
``n_step_features_in_``, ``n_outputs_``), so the expected values can be typed out.
"""

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge

from rnnforecast.baselines import NaiveForecaster, SeasonalNaiveForecaster
from rnnforecast.forecasting import (
    BacktestResult,
    backtest,
    conformal_quantiles,
    forecast,
    future_index,
    recursive_forecast,
    recursive_residuals,
)
from rnnforecast.windowing import make_windows


class _WindowStandIn(BaseEstimator):
    """Records the window shape and horizon in fit, like a real window forecaster."""

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1:]
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self._fit(X, y.reshape(len(y), -1))
        return self

    def _fit(self, X, Y):
        pass

    def predict(self, X):
        Y = self._predict(np.asarray(X, dtype=float))  # (n_samples, n_outputs_)
        return Y[:, 0] if self.n_outputs_ == 1 else Y


class LastPlusStep(_WindowStandIn):
    """ŷ_{T+h} = x_T + h, from feature 0: exact, so forecasts can be typed out."""

    def _predict(self, X):
        return X[:, -1, :1] + np.arange(1, self.n_outputs_ + 1)


class TrainMean(_WindowStandIn):
    """Predicts the mean of the training targets (shows which rows a fit saw)."""

    def _fit(self, X, Y):
        self.mean_ = Y.mean(axis=0)

    def _predict(self, X):
        return np.tile(self.mean_, (len(X), 1))


class RidgeWindows(_WindowStandIn):
    """Ridge regression on flattened windows."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def _fit(self, X, Y):
        self.ridge_ = Ridge(alpha=self.alpha).fit(X.reshape(len(X), -1), Y)

    def _predict(self, X):
        return self.ridge_.predict(X.reshape(len(X), -1)).reshape(len(X), -1)


class CountingCalls(LastPlusStep):
    """LastPlusStep that counts its predict calls."""

    def predict(self, X):
        self.n_calls_ = getattr(self, "n_calls_", 0) + 1
        return super().predict(X)


def fitted(model, window, horizon, n_features=1):
    """Fit ``model`` on zero windows of the given shape (for rule-based stand-ins)."""
    return model.fit(np.zeros((3, window, n_features)), np.zeros((3, horizon)).squeeze())


def sine_series(n=80):
    """A smooth, deterministic series with a trend."""
    t = np.arange(n, dtype=float)
    return np.sin(t / 3.0) + 0.05 * t


def daily_series(values, start="2024-01-01", name="load"):
    index = pd.date_range(start, periods=len(values), freq="D")
    return pd.Series(values, index=index, name=name)


# ---------------------------------------------------------------------------
# future_index
# ---------------------------------------------------------------------------


def stamps(*values):
    """A DatetimeIndex without a set frequency (so it must be inferred)."""
    return pd.DatetimeIndex(list(values))


@pytest.mark.parametrize(
    "history, expected",
    [
        (stamps("2024-02-26", "2024-02-27", "2024-02-28"), ["2024-02-29", "2024-03-01"]),
        (stamps("2023-11-01", "2023-12-01", "2024-01-01"), ["2024-02-01", "2024-03-01"]),
        (stamps("2023-11-30", "2023-12-31", "2024-01-31"), ["2024-02-29", "2024-03-31"]),
        (
            stamps("2024-03-30 22:00", "2024-03-30 23:00", "2024-03-31 00:00"),
            ["2024-03-31 01:00", "2024-03-31 02:00"],
        ),
    ],
    ids=["daily", "month-start", "month-end", "hourly"],
)
def test_future_index_infers_regular_frequencies(history, expected):
    assert history.freq is None
    future = future_index(history, 2)
    assert_array_equal(future, pd.DatetimeIndex(expected))


def test_future_index_uses_the_frequency_of_the_index():
    history = pd.date_range("2024-01-01", periods=2, freq="W-MON", name="week")
    future = future_index(history, 2)  # two timestamps are too few to infer from
    assert_array_equal(future, pd.DatetimeIndex(["2024-01-15", "2024-01-22"]))
    assert future.name == "week"


def test_future_index_detects_business_days_with_missing_holidays():
    # Mon 23 .. Fri 27 Dec without Christmas (Wed 25), then without New Year (Wed 1)
    history = stamps("2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27",
                     "2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas warning leaks out of the inference
        future = future_index(history, 3)
    assert_array_equal(future, pd.DatetimeIndex(["2025-01-06", "2025-01-07", "2025-01-08"]))
    assert future.freqstr == "B"


def test_future_index_continues_integer_indexes():
    assert_array_equal(future_index(pd.RangeIndex(5), 3), [5, 6, 7])
    assert_array_equal(future_index(pd.RangeIndex(0, 10, 2), 2), [10, 12])
    assert_array_equal(future_index(pd.Index([3, 5, 7]), 2), [9, 11])
    assert isinstance(future_index(pd.RangeIndex(5), 3), pd.RangeIndex)


def test_future_index_continues_periods():
    history = pd.period_range("2023-11", periods=3, freq="M")
    assert_array_equal(future_index(history, 2), pd.period_range("2024-02", periods=2, freq="M"))


def test_future_index_keeps_the_time_zone():
    history = pd.date_range("2024-01-01", periods=4, freq="h", tz="Europe/Paris")
    assert future_index(history, 1)[0] == pd.Timestamp("2024-01-01 04:00", tz="Europe/Paris")


def test_explicit_freq_overrides_inference():
    irregular = stamps("2024-01-01", "2024-01-02", "2024-01-05")
    assert_array_equal(future_index(irregular, 2, freq="D"),
                       pd.DatetimeIndex(["2024-01-06", "2024-01-07"]))
    # Fri 2024-01-05 -> the next business days skip the weekend
    assert_array_equal(future_index(irregular, 2, freq="B"),
                       pd.DatetimeIndex(["2024-01-08", "2024-01-09"]))


def test_irregular_index_without_freq_is_refused():
    irregular = stamps("2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06")  # has a Saturday
    with pytest.raises(ValueError, match=re.escape(
        "The 'freq' parameter of future_index is needed because the frequency of the time "
        "index cannot be inferred: its 4 timestamp(s) from 2024-01-01 00:00:00 to "
        "2024-01-06 00:00:00 are not evenly spaced (nor business days). Gaps seen: "
        "1 day (2 times), 3 days (1 time). Got freq=None. Pass the frequency explicitly, "
        "e.g. freq='D'"
    )):
        future_index(irregular, 2)


def test_two_timestamps_without_freq_are_refused():
    with pytest.raises(ValueError, match="The 'freq' parameter of future_index is needed"):
        future_index(stamps("2024-01-01", "2024-01-02"), 1)


def test_unknown_freq_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'freq' parameter of future_index must be a pandas frequency string or "
        "DateOffset, e.g. freq='D' (daily), 'B' (business days), 'MS' (month start) or "
        "'h'. Got 'fortnightly' instead."
    )):
        future_index(stamps("2024-01-01", "2024-01-02", "2024-01-03"), 1, freq="fortnightly")


def test_irregular_integer_index_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'freq' parameter of future_index is needed because the integer index is not "
        "increasing in even steps: gaps [1, 3]. Got freq=None. Pass the step between "
        "future labels as an int, e.g. freq=1."
    )):
        future_index(pd.Index([0, 1, 4]), 1)
    assert_array_equal(future_index(pd.Index([0, 1, 4]), 2, freq=1), [5, 6])


@pytest.mark.parametrize(
    "index, steps, message",
    [
        (pd.RangeIndex(3), 0,
         "The 'steps' parameter of future_index must be an int in the range [1, inf). "
         "Got 0 instead."),
        (pd.Index(["a", "b"]), 1,
         "The 'index' parameter of future_index must be a DatetimeIndex, PeriodIndex, "
         "RangeIndex or integer index. Got Index of dtype"),
        (pd.RangeIndex(0), 1,
         "The 'index' parameter of future_index must be a non-empty pandas Index."),
        (stamps("2024-01-02", "2024-01-01"), 1,
         "The 'index' parameter of future_index must have a time index sorted in "
         "increasing order."),
    ],
    ids=["steps", "type", "empty", "unsorted"],
)
def test_future_index_input_errors(index, steps, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        future_index(index, steps)


# ---------------------------------------------------------------------------
# recursive_forecast
# ---------------------------------------------------------------------------


def test_recursive_forecast_feeds_predictions_back():
    model = fitted(LastPlusStep(), window=3, horizon=2)
    # [..., 10] -> 11, 12; window [.., 11, 12] -> 13, 14; window [.., 13, 14] -> 15
    assert_array_equal(recursive_forecast(model, [8.0, 9.0, 10.0], 5), [11, 12, 13, 14, 15])


def test_recursive_forecast_within_the_horizon_is_one_predict_call():
    model = fitted(CountingCalls(), window=3, horizon=4)
    assert_array_equal(recursive_forecast(model, np.array([[1.0], [2.0], [3.0]]), 2), [4, 5])
    assert model.n_calls_ == 1
    recursive_forecast(model, [1.0, 2.0, 3.0], 9)  # ceil(9 / 4) = 3 calls
    assert model.n_calls_ == 4


def test_recursive_forecast_equals_repeated_one_step_forecasts():
    series = sine_series()
    model = RidgeWindows().fit(*make_windows(series, window=6, horizon=1))
    history = list(series[-6:])
    for _ in range(7):  # by hand: predict one step, append it, slide
        window = np.array(history[-6:]).reshape(1, 6, 1)
        history.append(model.predict(window)[0])
    assert_allclose(recursive_forecast(model, series[-6:], 7), history[6:], rtol=1e-12)


def test_recursive_forecast_with_a_multi_step_model_goes_block_by_block():
    series = sine_series()
    model = RidgeWindows().fit(*make_windows(series, window=6, horizon=3))
    first = model.predict(series[-6:].reshape(1, 6, 1))[0]  # steps 1 .. 3
    window = np.concatenate([series[-3:], first]).reshape(1, 6, 1)
    second = model.predict(window)[0]  # steps 4 .. 6
    expected = np.concatenate([first, second])[:5]
    assert_allclose(recursive_forecast(model, series[-6:], 5), expected, rtol=1e-12)


def test_multivariate_forecast_within_the_horizon():
    model = fitted(LastPlusStep(), window=2, horizon=3, n_features=2)
    window = [[1.0, 50.0], [2.0, 60.0]]
    assert_array_equal(recursive_forecast(model, window, 3), [3, 4, 5])


def test_multivariate_forecast_beyond_the_horizon_is_refused():
    model = fitted(LastPlusStep(), window=2, horizon=1, n_features=2)
    with pytest.raises(ValueError, match=re.escape(
        "The 'steps' parameter of recursive_forecast must be at most n_outputs_ = 1, the "
        "horizon the estimator was trained on, because its input has n_step_features_in_ "
        "= 2 features: forecasting further would feed predictions back as inputs and "
        "needs the future values of the other (exogenous) features, which are unknown. "
        "Got 3 instead. Train with horizon=3"
    )):
        recursive_forecast(model, [[1.0, 50.0], [2.0, 60.0]], 3)


def test_recursive_forecast_input_errors():
    model = fitted(LastPlusStep(), window=3, horizon=1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'window' parameter of recursive_forecast must have shape (n_timesteps_in_, "
        "n_step_features_in_) = (3, 1), the most recent rows of the series. Got shape "
        "(2, 1) instead. Pass e.g. values[-3:]."
    )):
        recursive_forecast(model, [[1.0], [2.0]], 1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'window' parameter of recursive_forecast must contain only finite values."
    )):
        recursive_forecast(model, [1.0, np.nan, 3.0], 1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'steps' parameter of recursive_forecast must be an int in the range [1, inf). "
        "Got 2.5 instead."
    )):
        recursive_forecast(model, [1.0, 2.0, 3.0], 2.5)
    with pytest.raises(ValueError, match=re.escape(
        "The 'target' parameter of recursive_forecast must be an int in the range [0, 0]."
    )):
        recursive_forecast(model, [1.0, 2.0, 3.0], 1, target=1)


def test_unfitted_estimator_is_refused():
    with pytest.raises(NotFittedError, match=re.escape(
        "The 'estimator' parameter of recursive_forecast must be a fitted window "
        "forecaster with predict() and the attributes n_timesteps_in_, "
        "n_step_features_in_, n_outputs_. Got a LastPlusStep without n_timesteps_in_, "
        "n_step_features_in_, n_outputs_. Fit it first"
    )):
        recursive_forecast(LastPlusStep(), [1.0, 2.0], 1)


def test_predictions_of_the_wrong_size_are_refused():
    model = fitted(LastPlusStep(), window=2, horizon=2)
    model.predict = lambda X: np.zeros((len(X), 3))  # one more output than n_outputs_
    with pytest.raises(ValueError, match=re.escape(
        "The 'estimator' parameter must predict n_outputs_ = 2 value(s) per window. Got "
        "predictions of shape (1, 3) for 1 window(s)."
    )):
        recursive_forecast(model, [1.0, 2.0], 1)


# ---------------------------------------------------------------------------
# forecast
# ---------------------------------------------------------------------------


def test_forecast_returns_a_series_on_the_future_index():
    history = daily_series(np.arange(10.0))  # 2024-01-01 .. 2024-01-10, values 0 .. 9
    model = fitted(LastPlusStep(), window=4, horizon=2)
    result = forecast(model, history)
    expected = pd.Series([10.0, 11.0], index=pd.date_range("2024-01-11", periods=2, freq="D"),
                         name="load")
    pd.testing.assert_series_equal(result, expected)


def test_forecast_beyond_the_horizon_on_business_days():
    index = stamps("2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07", "2025-01-08")
    history = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=index, name="close")
    result = forecast(fitted(LastPlusStep(), window=3, horizon=1), history, steps=3)
    assert_array_equal(result, [6.0, 7.0, 8.0])
    assert_array_equal(result.index,
                       pd.DatetimeIndex(["2025-01-09", "2025-01-10", "2025-01-13"]))


def test_forecast_of_a_dataframe_is_named_after_the_target():
    history = pd.DataFrame({"sales": np.arange(6.0), "price": np.arange(6.0) * 10},
                           index=pd.date_range("2024-01-01", periods=6, freq="MS"))
    model = fitted(LastPlusStep(), window=3, horizon=2, n_features=2)
    result = forecast(model, history)
    assert result.name == "sales"
    assert_array_equal(result.index, pd.DatetimeIndex(["2024-07-01", "2024-08-01"]))
    assert forecast(model, history, target="price").name == "price"


def test_forecast_of_an_array_continues_the_row_numbers():
    result = forecast(fitted(LastPlusStep(), window=2, horizon=1), np.arange(5.0), steps=2)
    pd.testing.assert_series_equal(
        result, pd.Series([5.0, 6.0], index=pd.RangeIndex(5, 7), name="forecast")
    )


def test_forecast_of_an_unnamed_series_is_called_forecast():
    history = pd.Series(np.arange(5.0))
    assert forecast(fitted(LastPlusStep(), window=2, horizon=1), history).name == "forecast"


def test_forecast_uses_only_the_last_window():
    history = daily_series([np.nan, 1.0, 2.0, 3.0])  # the NaN is outside the window
    assert_array_equal(forecast(fitted(LastPlusStep(), window=3, horizon=1), history), [4.0])


def test_forecast_with_an_explicit_freq_on_an_irregular_index():
    history = pd.Series([1.0, 2.0, 3.0], index=stamps("2024-01-01", "2024-01-02", "2024-01-05"))
    model = fitted(LastPlusStep(), window=2, horizon=1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'freq' parameter of forecast is needed because the frequency of the time index "
        "cannot be inferred"
    )):
        forecast(model, history)
    assert forecast(model, history, freq="D").index[0] == pd.Timestamp("2024-01-06")


HISTORY = daily_series(np.arange(6.0))


@pytest.mark.parametrize(
    "history, message",
    [
        (HISTORY[:3],
         "The 'history' parameter of forecast must have at least n_timesteps_in_ = 4 rows, "
         "the window length the estimator was trained on. Got 3 rows instead. Pass a "
         "longer history."),
        (pd.DataFrame({"a": HISTORY, "b": HISTORY}),
         "The 'history' parameter of forecast must have n_step_features_in_ = 1 column(s), "
         "the features the estimator was trained on, in the same order. Got 2 column(s) "
         "instead."),
        (HISTORY.where(HISTORY != 4.0),
         "The 'history' parameter of forecast must contain only finite values. Got 1 NaN "
         "or infinite value(s) at:\n    row 2024-01-05 00:00:00, column 'load'"),
        (HISTORY.astype(str),
         "The 'history' parameter of forecast must have numeric columns only."),
        (HISTORY.iloc[::-1],
         "The 'history' parameter of forecast must have a time index sorted in increasing "
         "order."),
        (pd.concat([HISTORY, HISTORY.iloc[-1:]]),
         "The 'history' parameter of forecast must have a time index without duplicates."),
    ],
    ids=["too-short", "columns", "nan", "non-numeric", "unsorted", "duplicated"],
)
def test_forecast_history_errors(history, message):
    model = fitted(LastPlusStep(), window=4, horizon=1)
    with pytest.raises(ValueError, match=re.escape(message)):
        forecast(model, history)


def test_forecast_of_an_array_with_nan_names_the_row_position():
    model = fitted(LastPlusStep(), window=2, horizon=1)
    with pytest.raises(ValueError, match=re.escape("at:\n    row 3, column 0: inf")):
        forecast(model, np.array([1.0, 2.0, 3.0, np.inf]))


# ---------------------------------------------------------------------------
# conformal intervals
# ---------------------------------------------------------------------------


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


def test_forecast_with_interval_returns_forecast_lower_upper():
    history = daily_series(np.arange(10.0))
    model = fitted(LastPlusStep(), window=4, horizon=2)
    residuals = [[1.0, -2.0], [-3.0, 4.0], [2.0, 1.0], [0.5, -3.0]]  # half-widths 2, 3
    result = forecast(model, history, interval=0.5, residuals=residuals)
    expected = pd.DataFrame(
        {"forecast": [10.0, 11.0], "lower": [8.0, 8.0], "upper": [12.0, 14.0]},
        index=pd.date_range("2024-01-11", periods=2, freq="D"),
    )
    pd.testing.assert_frame_equal(result, expected)
    assert (result["lower"] <= result["forecast"]).all()
    assert (result["forecast"] <= result["upper"]).all()


def test_forecast_interval_uses_the_stored_residuals():
    history = daily_series(np.arange(10.0))
    model = fitted(LastPlusStep(), window=4, horizon=1)
    model.conformal_residuals_ = np.array([[1.0], [-2.0], [3.0], [-4.0], [5.0]])
    result = forecast(model, history, interval=0.6)
    assert_array_equal(result.loc[:, ["lower", "upper"]].to_numpy(), [[6.0, 14.0]])


def test_forecast_interval_without_residuals_is_refused():
    model = fitted(LastPlusStep(), window=4, horizon=1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'residuals' parameter of forecast is needed for interval=0.9: the LastPlusStep "
        "has no conformal_residuals_ attribute. Got residuals=None. Pass calibration "
        "residuals of data the estimator was not trained on, e.g. "
        "residuals=recursive_residuals(estimator, held_out_data, steps=steps), or fit an "
        "estimator that stores them"
    )):
        forecast(model, HISTORY, interval=0.9)


def test_forecast_interval_beyond_the_calibrated_steps_is_refused():
    model = fitted(LastPlusStep(), window=4, horizon=1)
    model.conformal_residuals_ = np.ones((20, 1))
    with pytest.raises(ValueError, match=re.escape(
        "The 'residuals' parameter of forecast must have one column per forecast step, at "
        "least steps = 3. Got 1 column(s): residuals of a model trained for a shorter "
        "horizon say nothing about the steps after it. Calibrate the recursive procedure "
        "on held-out data instead: residuals = recursive_residuals(estimator, "
        "calibration_data, steps=3)."
    )):
        forecast(model, HISTORY, steps=3, interval=0.9)


def test_forecast_interval_must_lie_in_0_1():
    model = fitted(LastPlusStep(), window=4, horizon=1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'interval' parameter of forecast must be a float in the range (0, 1), the "
        "coverage of the prediction interval. Got 90 instead. Use e.g. interval=0.9"
    )):
        forecast(model, HISTORY, interval=90)


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


# ---------------------------------------------------------------------------
# backtest
# ---------------------------------------------------------------------------

# Differences 1, 2, 3, ..., 7: the naive forecast errs more and more.
TOY = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0, 22.0, 29.0])


def test_backtest_of_the_naive_forecaster_by_hand():
    result = backtest(NaiveForecaster(), TOY, window=2, horizon=2, initial_train_size=4)
    # origins after rows 3 and 5: forecasts 7, 7 (actual 11, 16) and 16, 16 (22, 29)
    expected = pd.DataFrame({
        "origin": [3, 3, 5, 5],
        "step": [1, 2, 1, 2],
        "timestamp": [4, 5, 6, 7],
        "forecast": [7.0, 7.0, 16.0, 16.0],
        "actual": [11.0, 16.0, 22.0, 29.0],
    })
    pd.testing.assert_frame_equal(result.predictions, expected, check_dtype=False)
    # errors 4, 9, 6, 13; MASE scale: naive MAE of 1, 2, 4, 7 = (1 + 2 + 3) / 3 = 2
    assert isinstance(result, BacktestResult)
    assert result.metrics == pytest.approx({
        "MAE": 8.0,                                       # 32 / 4
        "RMSE": math.sqrt(75.5),                          # (16 + 81 + 36 + 169) / 4
        "MAPE": 100 * (4 / 11 + 9 / 16 + 6 / 22 + 13 / 29) / 4,
        "sMAPE": 100 * (8 / 18 + 18 / 23 + 12 / 38 + 26 / 45) / 4,
        "MASE": 4.0,                                      # 8 / 2
    })
    # per origin: MAE 6.5 and 9.5; MASE scaled by 1..7 (2) and by 1..16 (15 / 5 = 3)
    assert_allclose(result.fold_metrics["MAE"], [6.5, 9.5])
    assert_allclose(result.fold_metrics["MASE"], [6.5 / 2, 9.5 / 3])
    assert_array_equal(result.fold_metrics.index, [3, 5])


def test_backtest_mase_uses_the_seasonal_period():
    result = backtest(NaiveForecaster(), TOY, window=2, horizon=2, initial_train_size=4,
                      seasonal_period=2)
    # lag-2 naive errors of 1, 2, 4, 7: |4 - 1|, |7 - 2| -> scale 4
    assert result.metrics["MASE"] == pytest.approx(8.0 / 4.0)


def test_backtest_labels_come_from_the_time_index():
    data = daily_series(TOY)
    result = backtest(NaiveForecaster(), data, window=2, horizon=2, initial_train_size=4)
    assert_array_equal(result.predictions["origin"], pd.DatetimeIndex(
        ["2024-01-04", "2024-01-04", "2024-01-06", "2024-01-06"]))
    assert_array_equal(result.predictions["timestamp"], pd.date_range("2024-01-05", periods=4))


@pytest.mark.parametrize(
    "strategy, refit, expected",
    [
        # targets seen at origins 4, 5, 6: rows 1..3, 1..4, 1..5 (expanding)
        ("expanding", True, [13 / 3, 24 / 4, 40 / 5]),
        # the last 4 rows: targets rows 1..3, 2..4, 3..5 (sliding)
        ("sliding", True, [13 / 3, 22 / 3, 34 / 3]),
        # one fit on rows 0..3, whatever the strategy
        ("sliding", False, [13 / 3, 13 / 3, 13 / 3]),
    ],
)
def test_backtest_strategies_train_on_the_right_rows(strategy, refit, expected):
    result = backtest(TrainMean(), TOY[:7], window=1, horizon=1, initial_train_size=4,
                      strategy=strategy, refit=refit)
    assert_allclose(result.predictions["forecast"], expected)
    assert_array_equal(result.predictions["timestamp"], [4, 5, 6])


def test_backtest_step_between_origins():
    result = backtest(NaiveForecaster(), TOY, window=2, horizon=1, initial_train_size=4, step=3)
    assert_array_equal(result.predictions["timestamp"], [4, 7])


def test_backtest_clones_and_runs_refits_in_parallel():
    data = pd.DataFrame({"y": sine_series(60), "x": np.cos(np.arange(60.0))})
    estimator = RidgeWindows(alpha=0.1)
    kwargs = dict(window=5, horizon=3, target="y", initial_train_size=30)
    serial = backtest(estimator, data, **kwargs, n_jobs=1)
    parallel = backtest(estimator, data, **kwargs, n_jobs=2)
    pd.testing.assert_frame_equal(serial.predictions, parallel.predictions)
    assert not hasattr(estimator, "n_outputs_")  # only clones were fitted
    assert len(serial.predictions) == 30  # 10 origins of 3 steps


def test_backtest_with_intervals():
    result = backtest(NaiveForecaster(), sine_series(), window=4, horizon=2, interval=0.8)
    frame = result.predictions
    assert list(frame.columns) == ["origin", "step", "timestamp", "forecast", "actual",
                                   "lower", "upper"]
    assert (frame["lower"] <= frame["forecast"]).all()
    assert (frame["forecast"] <= frame["upper"]).all()
    first = NaiveForecaster().fit(*make_windows(sine_series()[:40], 4, 2))
    widths = conformal_quantiles(first.conformal_residuals_, 0.8)
    assert_allclose(frame["upper"][:2] - frame["forecast"][:2], widths)


def test_backtest_compares_baselines_with_a_model():
    t = np.arange(96.0)
    seasonal = 10 + np.sin(2 * np.pi * t / 12)
    naive = backtest(NaiveForecaster(), seasonal, window=12, horizon=6, seasonal_period=12)
    snaive = backtest(SeasonalNaiveForecaster(12), seasonal, window=12, horizon=6,
                      seasonal_period=12)
    assert snaive.metrics["MAE"] == pytest.approx(0.0, abs=1e-12)
    assert naive.metrics["MAE"] > 0.1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(strategy="rolling"),
         "The 'strategy' parameter of backtest must be a str among {'expanding', "
         "'sliding'}. Got 'rolling' instead."),
        (dict(refit="yes"),
         "The 'refit' parameter of backtest must be a bool. Got 'yes' instead."),
        (dict(initial_train_size=3),
         "The 'initial_train_size' parameter of backtest must be an int in the range "
         "[4, 6]. Got 3 instead."),
        (dict(step=0),
         "The 'step' parameter of backtest must be an int in the range [1, inf). Got 0 "
         "instead."),
        (dict(target="price"),
         "The 'target' parameter of backtest must be one of the columns of 'data': "
         "['load']. Got 'price' instead."),
        (dict(window=7),
         "The 'data' parameter of backtest must have at least 11 rows: a training part of "
         "max(window + horizon, seasonal_period + 1) = 9 rows and 2 row(s) to forecast. "
         "Got 8 rows instead."),
        (dict(interval=0.9, estimator=LastPlusStep()),
         "The 'interval' parameter of backtest needs calibration residuals from every "
         "fitted model, but the fitted LastPlusStep has no conformal_residuals_ "
         "attribute."),
    ],
    ids=["strategy", "refit", "initial", "step", "target", "too-short", "interval"],
)
def test_backtest_errors(kwargs, message):
    estimator = kwargs.pop("estimator", NaiveForecaster())
    settings = {"window": 2, "horizon": 2, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        backtest(estimator, daily_series(TOY), **settings)


# ---------------------------------------------------------------------------
# baselines
# ---------------------------------------------------------------------------


def test_naive_forecaster_repeats_the_last_value():
    X = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    model = NaiveForecaster().fit(X, [[4.0, 6.0], [5.0, 5.0]])
    assert_array_equal(model.predict(X), [[3.0, 3.0], [4.0, 4.0]])
    assert_array_equal(model.conformal_residuals_, [[1.0, 3.0], [1.0, 1.0]])
    assert (model.n_timesteps_in_, model.n_step_features_in_, model.n_outputs_) == (3, 1, 2)


def test_naive_forecaster_of_one_step_predicts_a_vector():
    X = np.arange(12.0).reshape(2, 3, 2)
    model = NaiveForecaster(target_feature=1).fit(X, [0.0, 0.0])
    assert_array_equal(model.predict(X), [5.0, 11.0])


def test_seasonal_naive_forecaster_repeats_the_last_season():
    X = np.array([[0.0, 1.0, 5.0, 2.0, 6.0]])  # the last season (length 2) is 2, 6
    model = SeasonalNaiveForecaster(seasonal_period=2).fit(X, np.zeros((1, 5)))
    assert_array_equal(model.predict(X), [[2.0, 6.0, 2.0, 6.0, 2.0]])
    assert clone(model).get_params() == {"seasonal_period": 2, "target_feature": 0}


def test_baseline_errors():
    X = np.zeros((2, 3, 1))
    with pytest.raises(ValueError, match=re.escape(
        "The 'seasonal_period' parameter of SeasonalNaiveForecaster must be at most the "
        "window length n_timesteps = 3, because the forecast copies the last season of the "
        "window. Got 4 instead. Make windows of at least 4 time steps."
    )):
        SeasonalNaiveForecaster(4).fit(X, [0.0, 0.0])
    with pytest.raises(ValueError, match=re.escape(
        "The 'y' parameter of NaiveForecaster must have shape (n_samples,) or (n_samples, "
        "horizon) with n_samples = 2, the number of windows in X. Got shape (3,) instead."
    )):
        NaiveForecaster().fit(X, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=re.escape(
        "The 'X' parameter of NaiveForecaster.predict must have windows of shape "
        "(n_timesteps_in_, n_step_features_in_) = (3, 1), as in fit. Got (4, 1) instead."
    )):
        NaiveForecaster().fit(X, [0.0, 0.0]).predict(np.zeros((1, 4, 1)))
    with pytest.raises(ValueError, match=re.escape(
        "The 'X' parameter of NaiveForecaster must be non-empty windows of shape "
        "(n_samples, n_timesteps, n_features) or (n_samples, n_timesteps). Got shape (3,) "
        "instead."
    )):
        NaiveForecaster().fit(np.zeros(3), [0.0])
    with pytest.raises(NotFittedError):
        NaiveForecaster().predict(X)
