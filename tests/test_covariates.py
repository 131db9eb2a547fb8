"""Columns known in advance: windows led by the horizon, future values in forecast,
recursion with them, backtests that read them from the data, and calendar features."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone

from rnnforecast import RNNForecaster, make_windows, persistence
from rnnforecast.forecasting import (AutoForecaster, calendar_features, forecast,
                                     future_index, recursive_forecast, recursive_residuals)
from rnnforecast.model_selection import backtest
from rnnforecast.windowing import KnownWindows, known_layout

# --------------------------------------------------------------------------- helpers


class KnownEcho(BaseEstimator):
    """Forecasts the known feature ``f`` at the target times: ``X[:, -H:, f]``.

    It records the layout of its training windows as the estimators do, and every
    window it is asked to predict, so the windows can be checked by eye.
    """

    def __init__(self, feature=1):
        self.feature = feature

    def fit(self, X, y):
        self.known_features_, self.known_lead_ = known_layout(X)
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1:]
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.seen_ = []
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        self.seen_.append(X.copy())
        Y = X[:, -self.n_outputs_:, self.feature]
        return Y[:, 0] if self.n_outputs_ == 1 else Y


def two_columns(n=10):
    """Column 0 = 0 .. n-1 (the target), column 1 = 100 .. 100 + n - 1 (known)."""
    return np.column_stack([np.arange(n, dtype=float), 100.0 + np.arange(n)])


def daily_frame(n=20):
    index = pd.date_range("2024-01-01", periods=n, freq="D", name="date")
    return pd.DataFrame({"y": np.arange(n, dtype=float), "price": 100.0 + np.arange(n)},
                        index=index)


def future_prices(frame, n_rows, start=None):
    index = future_index(frame.index, n_rows)
    first = 100.0 + len(frame) if start is None else start
    return pd.DataFrame({"price": first + np.arange(n_rows)}, index=index)


def fitted_echo(frame, window=4, horizon=2):
    X, y = make_windows(frame, window, horizon, target="y", known=["price"])
    return KnownEcho(feature=1).fit(X, y)


# --------------------------------------------------------------------------- windows


def test_known_column_is_led_by_the_horizon():
    X, y = make_windows(two_columns(), window=3, horizon=2, known=[1])
    np.testing.assert_array_equal(X[:, :, 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4],
                                               [3, 4, 5], [4, 5, 6], [5, 6, 7]])
    np.testing.assert_array_equal(X[:, :, 1], [[102, 103, 104], [103, 104, 105],
                                               [104, 105, 106], [105, 106, 107],
                                               [106, 107, 108], [107, 108, 109]])
    np.testing.assert_array_equal(y, [[3, 4], [4, 5], [5, 6], [6, 7], [7, 8], [8, 9]])
    assert isinstance(X, KnownWindows)
    assert known_layout(X) == ((1,), 2)


def test_last_horizon_steps_hold_the_known_values_at_the_target_times():
    data = two_columns(23)
    X, y = make_windows(data, window=5, horizon=3, known=[1], stride=2)
    np.testing.assert_array_equal(X[:, -3:, 1] - 100, y)  # column 1 = 100 + time


def test_known_by_name_in_any_column_order():
    frame = daily_frame()[["price", "y"]]  # the known column first
    X, y = make_windows(frame, 4, 2, target="y", known=["price"])
    np.testing.assert_array_equal(X[0], [[102, 0], [103, 1], [104, 2], [105, 3]])
    np.testing.assert_array_equal(y[0], [4, 5])
    assert known_layout(X) == ((0,), 2)


def test_without_known_the_windows_are_plain_and_unchanged():
    X_plain, y_plain = make_windows(two_columns(), 3, 2)
    X_none, y_none = make_windows(two_columns(), 3, 2, known=[])
    assert type(X_plain) is np.ndarray and type(X_none) is np.ndarray
    np.testing.assert_array_equal(X_plain, X_none)
    assert known_layout(X_plain) == ((), 0)


@pytest.mark.parametrize("known, match", [
    ([0], "must not hold the target"),
    ([5], r"column position in \[0, 1\]"),
    ([1, 1], "more than once"),
    (1, "must be a list"),
    ("price", "must be a list"),
])
def test_bad_known_columns_are_refused(known, match):
    with pytest.raises(ValueError, match=match):
        make_windows(two_columns(), 3, 2, known=known)


def test_unknown_known_name_and_return_sequences_are_refused():
    with pytest.raises(ValueError, match=r"one of the columns \['y', 'price'\]"):
        make_windows(daily_frame(), 3, 2, known=["cost"])
    with pytest.raises(ValueError, match="cannot come with return_sequences"):
        make_windows(two_columns(), 3, 2, known=[1], return_sequences=True)


def test_mark_survives_sample_slicing_and_refuses_feature_slicing():
    X, _ = make_windows(two_columns(), 3, 2, known=[1])
    assert known_layout(X[2:]) == ((1,), 2)
    assert known_layout(np.asarray(X)) == ((), 0)
    with pytest.raises(ValueError, match="features were removed"):
        known_layout(X[:, :, :1])


# --------------------------------------------------------------------------- estimator


def small_network(**params):
    return RNNForecaster(hidden_size=4, max_iter=3, random_state=0, early_stopping=False,
                         **params)


def test_network_records_the_layout_and_keeps_it_through_save_and_load(tmp_path):
    frame = daily_frame(40)
    X, y = make_windows(frame, 5, 2, target="y", known=["price"])
    model = small_network().fit(X, y)
    assert (model.known_features_, model.known_lead_) == ((1,), 2)
    plain = small_network().fit(*make_windows(frame, 5, 2, target="y"))
    assert (plain.known_features_, plain.known_lead_) == ((), 0)
    refit = clone(model).fit(X, y)
    assert refit.known_features_ == (1,)
    persistence.save(model, tmp_path / "m.npz")
    loaded = persistence.load(tmp_path / "m.npz")
    assert (loaded.known_features_, loaded.known_lead_) == ((1,), 2)
    future = future_prices(frame, 2)
    pd.testing.assert_series_equal(model.forecast(frame, future=future),
                                   loaded.forecast(frame, future=future))


def test_network_forecast_reads_the_future_values():
    frame = daily_frame(40)
    X, y = make_windows(frame, 5, 2, target="y", known=["price"])
    model = small_network().fit(X, y)
    window = np.column_stack([frame["y"].to_numpy()[-5:], 100.0 + np.arange(37, 42)])
    expected = model.predict(window[np.newaxis])[0]
    result = model.forecast(frame, future=future_prices(frame, 2))
    np.testing.assert_allclose(result.to_numpy(), expected, rtol=0, atol=0)
    other = model.forecast(frame, future=future_prices(frame, 2, start=0.0))
    assert not np.allclose(other.to_numpy(), result.to_numpy())


# --------------------------------------------------------------------------- forecast


def test_forecast_builds_the_window_from_history_and_future():
    frame = daily_frame(20)  # y = 0 .. 19, price = 100 .. 119
    model = fitted_echo(frame)
    result = forecast(model, frame, future=future_prices(frame, 2))  # price 120, 121
    np.testing.assert_array_equal(model.seen_[-1][0], [[16, 118], [17, 119],
                                                        [18, 120], [19, 121]])
    np.testing.assert_array_equal(result.to_numpy(), [120, 121])
    assert list(result.index) == list(future_index(frame.index, 2))


def test_recursion_beyond_the_horizon_takes_the_next_known_values():
    frame = daily_frame(20)
    model = fitted_echo(frame)
    result = forecast(model, frame, steps=5, future=future_prices(frame, 6))
    np.testing.assert_array_equal(result.to_numpy(), [120, 121, 122, 123, 124])
    first, second, third = (seen[0] for seen in model.seen_[-3:])
    np.testing.assert_array_equal(first, [[16, 118], [17, 119], [18, 120], [19, 121]])
    # block 2: the predictions 120, 121 fed back as the target, prices led again
    np.testing.assert_array_equal(second, [[18, 120], [19, 121], [120, 122], [121, 123]])
    np.testing.assert_array_equal(third, [[120, 122], [121, 123], [122, 124],
                                          [123, 125]])


def test_recursive_forecast_takes_an_array_future():
    data = two_columns(20)
    X, y = make_windows(data, 4, 2, known=[1])
    model = KnownEcho(feature=1).fit(X, y)
    window = data[-4:]
    result = recursive_forecast(model, window, 3, future=[[120.0], [121.0], [122.0],
                                                          [123.0]])
    np.testing.assert_array_equal(result, [120, 121, 122])
    with pytest.raises(ValueError, match=r"shape \(n_rows, n_known\) = \(4, 1\)"):
        recursive_forecast(model, window, 3, future=[[120.0], [121.0]])


def test_array_history_takes_an_array_future():
    data = two_columns(20)
    model = KnownEcho(feature=1).fit(*make_windows(data, 4, 2, known=[1]))
    result = forecast(model, data, future=np.array([7.0, 8.0]))
    np.testing.assert_array_equal(result.to_numpy(), [7, 8])
    assert list(result.index) == [20, 21]


def shifted(future, days):
    return future.set_axis(future.index + pd.Timedelta(days=days))


@pytest.mark.parametrize("make_future, match", [
    (lambda f: f.iloc[:1], r"Got 1 row\(s\): missing 2024-01-22"),
    (lambda f: pd.concat([f, shifted(f.iloc[-1:], 1)]), r"extra 2024-01-23"),
    (lambda f: shifted(f, 1), r"missing 2024-01-21 00:00:00; extra 2024-01-23"),
    (lambda f: f.iloc[::-1], "not in time order"),
    (lambda f: f.rename(columns={"price": "cost"}), r"missing \['price'\]; not known in "
                                                    r"advance \['cost'\]"),
    (lambda f: f.assign(y=1.0), r"not known in advance \['y'\]"),
    (lambda f: f.assign(price=[1.0, np.nan]), "must contain only finite values"),
    (lambda f: f["price"].to_numpy(), "must be a pandas DataFrame"),
    (lambda f: f.assign(price=["a", "b"]), "must have numeric columns"),
])
def test_bad_future_values_are_refused(make_future, match):
    frame = daily_frame(20)
    model = fitted_echo(frame)
    future = future_prices(frame, 2)
    with pytest.raises(ValueError, match=match):
        forecast(model, frame, future=make_future(future))
    assert future["price"].tolist() == [120.0, 121.0]  # the user's input is untouched


def test_future_is_required_by_a_model_with_known_columns_and_refused_by_others():
    frame = daily_frame(20)
    with pytest.raises(ValueError, match=r"'future' parameter of forecast is needed.*"
                                         r"\['price'\].*next 2 time step"):
        forecast(fitted_echo(frame), frame)
    with pytest.raises(ValueError, match="needed.*next 6 time step"):
        forecast(fitted_echo(frame), frame, steps=5)
    plain = KnownEcho(feature=1).fit(*make_windows(frame, 4, 2, target="y"))
    with pytest.raises(ValueError, match="only for a model trained on windows with "
                                         "columns known in advance"):
        forecast(plain, frame, future=future_prices(frame, 2))


def test_steps_beyond_the_horizon_need_every_other_column_known():
    frame = daily_frame(20).assign(other=1.0)
    X, y = make_windows(frame, 4, 2, target="y", known=["price"])
    model = KnownEcho(feature=1).fit(X, y)
    with pytest.raises(ValueError, match="1 feature\\(s\\) whose future values are "
                                         "unknown"):
        forecast(model, frame, steps=3, future=future_prices(frame, 4))
    within = forecast(model, frame, future=future_prices(frame, 2))
    np.testing.assert_array_equal(within.to_numpy(), [120, 121])


def test_recursive_residuals_read_the_known_values_after_each_window():
    frame = daily_frame(20)  # the echo forecasts price = y + 100: residuals -100
    residuals = recursive_residuals(fitted_echo(frame), frame, steps=3)
    assert residuals.shape == (20 - 4 - 4 + 1, 3)  # windows followed by 4 known rows
    np.testing.assert_array_equal(residuals, -100.0)
    first = fitted_echo(frame)
    recursive_residuals(first, frame.iloc[:9], steps=3)  # one window: rows 0 .. 8
    np.testing.assert_array_equal(first.seen_[0][0], [[0, 102], [1, 103], [2, 104],
                                                       [3, 105]])
    np.testing.assert_array_equal(first.seen_[1][0], [[2, 104], [3, 105], [104, 106],
                                                       [105, 107]])
    with pytest.raises(ValueError, match="at least n_timesteps_in_ \\+ 4 = 8 rows: one "
                                         "window and the 4 rows whose known values"):
        recursive_residuals(fitted_echo(frame), frame.iloc[:7], steps=3)


# --------------------------------------------------------------------------- backtest


@pytest.mark.parametrize("refit", [True, False])
def test_backtest_reads_the_known_values_of_each_origin_from_the_data(refit):
    frame = daily_frame(30)
    frame["price"] = 100.0 + frame["y"]
    result = backtest(KnownEcho(feature=1), frame, window=4, horizon=3, target="y",
                      known=["price"], refit=refit)
    forecasts = result.predictions["forecast"].to_numpy()
    np.testing.assert_array_equal(forecasts, result.predictions["actual"] + 100)


def test_backtest_refuses_known_with_an_auto_forecaster():
    with pytest.raises(ValueError, match="AutoForecaster\\(known="):
        backtest(AutoForecaster(horizon=2), daily_frame(60), horizon=2,
                 known=["price"])


def noisy_frame(n=120, seed=0):
    """A target that follows a known (planned) column closely, plus noise."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2024-01-01", periods=n, freq="D", name="date")
    plan = rng.normal(0, 5, n)
    return pd.DataFrame({"y": 50 + plan + rng.normal(0, 0.1, n), "plan": plan},
                        index=index)


FAST_AUTO = dict(horizon=3, candidates=("ridge", "seasonal_naive", "naive"), verbose=0)


def test_auto_forecaster_with_known_columns_forecasts_from_the_future_values():
    frame = noisy_frame()
    model = AutoForecaster(known=("plan",), **FAST_AUTO).fit(frame)
    assert model.chosen_ == "ridge" and model.known_columns_ == ["plan"]
    assert model.summary_.endswith("; known in advance: plan")
    future = pd.DataFrame({"plan": [10.0, -10.0, 0.0]},
                          index=future_index(frame.index, 3))
    result = model.predict(future=future)
    np.testing.assert_allclose(result.to_numpy(), [60, 40, 50], atol=1.5)
    with pytest.raises(ValueError, match="'future' parameter of AutoForecaster.predict "
                                         "is needed"):
        model.predict()
    with pytest.raises(ValueError, match="timestamps after the history"):
        model.predict(future=future.iloc[:2])
    with pytest.raises(ValueError, match="only for a model fitted with known"):
        AutoForecaster(**FAST_AUTO).fit(frame).predict(future=future)


def test_auto_forecaster_backtest_with_known_columns_beats_the_one_without():
    frame = noisy_frame()
    runs = {known: backtest(AutoForecaster(known=known, **FAST_AUTO), frame, horizon=3,
                            target="y", step=3, seasonal_period=7).metrics["MASE"]
            for known in ((), ("plan",))}
    assert runs[("plan",)] < 0.1 < 0.5 < runs[()]


def test_auto_forecaster_refuses_bad_known_columns():
    frame = noisy_frame()
    with pytest.raises(ValueError, match="must not hold the target column 'y'"):
        AutoForecaster(known=("y",), **FAST_AUTO).fit(frame)
    with pytest.raises(ValueError, match="distinct columns of the history"):
        AutoForecaster(known=("cost",), **FAST_AUTO).fit(frame)


# --------------------------------------------------------------------------- calendar


def test_month_terms_typed_out():
    months = pd.date_range("2024-01-01", periods=12, freq="MS")
    features = calendar_features(months, order=1)
    assert list(features.columns) == ["month_sin1", "month_cos1"]
    quarter_points = features.iloc[[0, 3, 6, 9]].to_numpy()  # Jan, Apr, Jul, Oct
    np.testing.assert_allclose(quarter_points, [[0, 1], [1, 0], [0, -1], [-1, 0]],
                               atol=1e-15)
    np.testing.assert_allclose(features["month_sin1"],
                               np.sin(2 * np.pi * np.arange(12) / 12))


def test_day_of_week_hour_and_holidays_typed_out():
    hours = pd.date_range("2024-01-01", periods=48, freq="h")  # Monday and Tuesday
    features = calendar_features(hours, order=2, holidays=["2024-01-02"])
    assert list(features.columns) == [
        "month_sin1", "month_cos1", "month_sin2", "month_cos2",
        "day_of_week_sin1", "day_of_week_cos1", "day_of_week_sin2", "day_of_week_cos2",
        "hour_sin1", "hour_cos1", "hour_sin2", "hour_cos2", "holiday"]
    np.testing.assert_allclose(features.loc["2024-01-01 06:00", ["hour_sin1", "hour_cos1"]],
                               [1, 0], atol=1e-15)
    np.testing.assert_allclose(features.loc["2024-01-01 12:00", ["hour_sin2", "hour_cos2"]],
                               [0, 1], atol=1e-15)
    np.testing.assert_allclose(features["day_of_week_sin1"].iloc[[0, 24]],
                               [0, np.sin(2 * np.pi / 7)])
    np.testing.assert_array_equal(features["holiday"], [0.0] * 24 + [1.0] * 24)


def test_cycles_follow_the_spacing_and_periods_match_timestamps():
    def cycles(freq):
        index = pd.date_range("2024-01-01", periods=4, freq=freq)
        return [c[:-5] for c in calendar_features(index, order=1).columns[::2]]
    assert cycles("h") == ["month", "day_of_week", "hour"]
    assert cycles("D") == cycles("B") == ["month", "day_of_week"]
    assert cycles("W") == cycles("MS") == ["month"]
    periods = pd.period_range("2024-01", periods=5, freq="M")
    pd.testing.assert_frame_equal(
        calendar_features(periods).reset_index(drop=True),
        calendar_features(periods.to_timestamp()).reset_index(drop=True))


def test_features_of_a_future_index_equal_those_of_the_whole_span():
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    whole = calendar_features(days, holidays=["2024-02-05"])
    future = future_index(days[:30], 10)
    part = calendar_features(future, cycles=["month", "day_of_week"],
                             holidays=["2024-02-05"])
    pd.testing.assert_frame_equal(part, whole.iloc[30:], check_freq=False)


def test_calendar_errors():
    days = pd.date_range("2024-01-01", periods=5, freq="D")
    with pytest.raises(ValueError, match="must be a DatetimeIndex or PeriodIndex"):
        calendar_features(pd.RangeIndex(5))
    with pytest.raises(ValueError, match="'order' parameter.*range \\[1, 3\\]"):
        calendar_features(days, order=4)
    with pytest.raises(ValueError, match="'cycles' parameter"):
        calendar_features(days, cycles=["week"])
    with pytest.raises(ValueError, match="a year or more apart"):
        calendar_features(pd.date_range("2000-01-01", periods=5, freq="YS"))
    with pytest.raises(ValueError, match="at least 2 timestamps"):
        calendar_features(days[:1])
    with pytest.raises(ValueError, match="'holidays' parameter"):
        calendar_features(days, holidays=["not a date"])


def test_auto_forecaster_with_calendar_needs_no_future_and_survives_save_and_load(
        tmp_path):
    index = pd.date_range("2024-01-01", periods=140, freq="D")
    weekend = (index.day_of_week >= 5).astype(float)
    series = pd.Series(20 + 10 * weekend + np.random.default_rng(1).normal(0, 0.5, 140),
                       index=index, name="visits")
    model = AutoForecaster(calendar=True, **{**FAST_AUTO, "horizon": 7}).fit(series)
    assert model.calendar_cycles_ == ["day_of_week"]  # the month needs two years
    assert model.known_columns_ == ["day_of_week_sin1", "day_of_week_cos1",
                                    "day_of_week_sin2", "day_of_week_cos2"]
    result = model.predict()
    persistence.save(model, tmp_path / "auto.npz")
    pd.testing.assert_series_equal(persistence.load(tmp_path / "auto.npz").predict(),
                                   result)
    assert clone(model).get_params()["calendar"] is True


def test_auto_forecaster_calendar_adds_the_month_from_two_years_of_history():
    index = pd.date_range("2020-01-01", periods=800, freq="D")
    series = pd.Series(np.sin(np.arange(800) / 58.0), index=index)
    model = AutoForecaster(calendar=True, holidays=["2022-03-15"], **FAST_AUTO).fit(series)
    assert model.calendar_cycles_ == ["month", "day_of_week"]
    assert model.known_columns_[-1] == "holiday"
    assert model.summary_.endswith("; known in advance: calendar (month, day_of_week, "
                                   "holiday; networks only)")
    assert len(model.predict()) == 3


def test_one_observation_per_step_is_refused_for_known_columns():
    from rnnforecast.estimators import StreamingForecaster

    frame = daily_frame(40)
    X, y = make_windows(frame, 5, 2, target="y", known=["price"])
    model = small_network(window_normalization=None).fit(X, y)
    with pytest.raises(ValueError, match="StreamingForecaster cannot feed.*known in "
                                         "advance"):
        StreamingForecaster(model)
    with pytest.raises(ValueError, match="Stepper cannot step.*known in advance"):
        model.stepper()


def test_a_lead_longer_than_the_trained_horizon_reads_the_right_rows():
    frame = daily_frame(20)
    X, y = make_windows(frame, 4, 3, target="y", known=["price"])
    model = KnownEcho(feature=1).fit(X, y[:, 0])  # lead 3, one output
    assert (model.known_lead_, model.n_outputs_) == (3, 1)
    result = forecast(model, frame, steps=2, future=future_prices(frame, 4))
    np.testing.assert_array_equal(model.seen_[-2][0, :, 1], [119, 120, 121, 122])
    np.testing.assert_array_equal(model.seen_[-1][0, :, 1], [120, 121, 122, 123])
    np.testing.assert_array_equal(result.to_numpy(), [122, 123])


def test_auto_forecaster_needs_the_whole_horizon_of_future_values_for_fewer_steps():
    frame = noisy_frame()
    model = AutoForecaster(known=("plan",), **FAST_AUTO).fit(frame)
    future = pd.DataFrame({"plan": [10.0, -10.0, 0.0]},
                          index=future_index(frame.index, 3))
    pd.testing.assert_series_equal(model.predict(steps=2, future=future),
                                   model.predict(future=future).iloc[:2])
    with pytest.raises(ValueError, match="the 3 timestamps after the history"):
        model.predict(steps=2, future=future.iloc[:2])


def test_backtest_of_an_auto_forecaster_with_calendar_uses_each_origins_dates():
    index = pd.date_range("2024-01-01", periods=120, freq="D")
    weekend = (index.day_of_week >= 5).astype(float)
    series = pd.Series(20 + 10 * weekend, index=index, name="visits")
    result = backtest(AutoForecaster(calendar=True, **FAST_AUTO), series, horizon=3,
                      step=3, seasonal_period=7)
    assert np.isfinite(result.predictions["forecast"]).all()
    assert result.metrics["MAE"] < 1e-6  # the weekly pattern, exactly


def test_the_ridge_of_auto_forecaster_reads_known_columns_but_not_the_calendar():
    series = noisy_frame()["y"]
    ridge = {**FAST_AUTO, "candidates": ("ridge",)}
    plain = AutoForecaster(**ridge).fit(series).predict()
    calendar = AutoForecaster(calendar=True, **ridge).fit(series)
    assert calendar.chosen_ == "ridge" and calendar.known_columns_[0] == "day_of_week_sin1"
    pd.testing.assert_series_equal(calendar.predict(), plain)
