"""The forecasting paths as a user drives them, tried for silently wrong answers.

Each test pins a case that once gave a plausible but wrong forecast (another column's
values, a stale model, an option ignored) and is now refused with a message naming
the argument, or answered correctly.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import rnnforecast.forecasting._auto as auto_module
from rnnforecast import make_windows, persistence
from rnnforecast.forecasting import (AutoForecaster, NaiveForecaster,
                                     SeasonalNaiveForecaster, fit_many, forecast,
                                     forecast_many)

from _cli_helpers import assert_refused, run

#: Candidates that learn in milliseconds.
FAST = dict(candidates=("ridge", "seasonal_naive", "naive", "drift"), verbose=0)


def _daily(n=60, seed=0):
    """A weekly-seasonal daily series 'y' beside an unrelated column 'x'."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2021-01-01", periods=n, freq="D")
    y = 50 + 5 * np.sin(2 * np.pi * np.arange(n) / 7) + rng.normal(0, 0.3, n)
    return pd.DataFrame({"y": y, "x": rng.normal(0, 1, n)}, index=index)


# --------------------------------------------------------------- column order


@pytest.mark.parametrize("baseline", [NaiveForecaster(), SeasonalNaiveForecaster(7)])
def test_a_baseline_refuses_a_history_whose_columns_moved(baseline):
    # the baselines copy a feature by position: with the columns swapped they
    # forecast 'x' under the name 'y' unless they remember the order
    frame = _daily()
    model = clone(baseline).fit(*make_windows(frame, 14, 3))
    assert model.window_columns_ == ["y", "x"]
    assert forecast(model, frame).name == "y"
    with pytest.raises(ValueError, match=r"The 'history' parameter of forecast must have "
                       r"the columns .* \['y', 'x'\]\. Got \['x', 'y'\] instead; the "
                       r"estimator reads the features by position"):
        forecast(model, frame[["x", "y"]])


def test_a_baseline_forgets_the_column_names_of_an_earlier_fit(tmp_path):
    frame = _daily()
    model = NaiveForecaster().fit(*make_windows(frame, 14, 3))
    path = tmp_path / "naive.zip"
    persistence.save(model, path)
    assert persistence.load(path).window_columns_ == ["y", "x"]
    model.fit(*make_windows(frame["y"].to_numpy(), 14, 3))
    assert not hasattr(model, "window_columns_")


def test_forecast_many_refuses_series_given_in_another_column_order_than_fit_many():
    # fit_many(target="y") puts 'y' first; forecast_many without target read 'x'
    frame = _daily()
    series = {"a": frame[["x", "y"]], "b": frame[["y", "x"]]}
    models = fit_many(NaiveForecaster(), series, window=14, horizon=3, target="y")
    result = forecast_many(models, series, target="y")
    expected = frame["y"].iloc[-1]
    assert np.allclose(result["forecast"], expected)
    with pytest.raises(ValueError, match=r"must have the columns .* \['y', 'x'\]\. Got "
                                         r"\['x', 'y'\] instead"):
        forecast_many(models, series)


def test_forecast_refuses_a_target_the_estimator_does_not_forecast():
    # target="x" only renamed the forecast of 'y' (and scaled its intervals by 'x')
    frame = _daily()
    model = NaiveForecaster().fit(*make_windows(frame, 14, 3))
    with pytest.raises(ValueError, match=r"The 'target' parameter of forecast selects "
                       r"column 1 \('x'\) of the history as the forecast variable, but the "
                       r"NaiveForecaster forecasts feature 0 .* Got target='x'\. Drop "
                       r"target=\.\.\., or fit an estimator with target_feature=1"):
        forecast(model, frame, target="x")
    assert forecast(model, frame, target="y").equals(forecast(model, frame))
    moved = NaiveForecaster(target_feature=1).fit(*make_windows(frame, 14, 3, target="x"))
    assert forecast(moved, frame, target="x").iloc[0] == frame["x"].iloc[-1]


# --------------------------------------------------------------- duplicated columns


def test_make_windows_refuses_repeated_column_names():
    frame = _daily()
    doubled = pd.concat([frame, 2 * frame[["y"]]], axis=1)  # columns y, x, y
    with pytest.raises(ValueError, match=r"The 'data' parameter of make_windows must have "
                       r"distinct column names\. Got \['y'\] more than once among "
                       r"\['y', 'x', 'y'\]"):
        make_windows(doubled, 5, 2, target="y")


def test_auto_forecaster_refuses_repeated_column_names():
    frame = _daily()
    doubled = pd.concat([frame, frame[["x"]]], axis=1)
    with pytest.raises(ValueError, match=r"The 'history' parameter of AutoForecaster\.fit "
                                         r"must have distinct column names"):
        AutoForecaster(horizon=3, known=["x"], **FAST).fit(doubled)


# --------------------------------------------------------------- AutoForecaster.fit


def test_a_failed_refit_leaves_no_model_that_predicts():
    # the second fit replaced the history, then failed: predict used to forecast the
    # new history with the old model
    frame = _daily()
    model = AutoForecaster(horizon=3, **FAST).fit(frame["y"])
    broken = frame["y"] * 100
    broken.iloc[5] = np.nan
    with pytest.raises(ValueError, match="must contain only finite values"):
        model.fit(broken)
    with pytest.raises(NotFittedError):
        model.predict()


def test_an_interrupted_fit_leaves_no_model_that_predicts(monkeypatch):
    frame = _daily()
    model = AutoForecaster(horizon=3, **FAST).fit(frame["y"])

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(auto_module.RidgeLagForecaster, "fit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.fit(frame["y"] * 100)
    assert not [k for k in vars(model) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        model.predict()
    monkeypatch.undo()
    assert model.fit(frame["y"]).predict().notna().all()  # and it fits again


@pytest.mark.parametrize("edit, pattern", [
    (lambda s: s.iloc[::-1], r"must have a time index sorted in increasing order"),
    (lambda s: pd.concat([s, s.iloc[-1:]]), r"must have a time index without duplicates"),
    (lambda s: s.where(s.index != s.index[-1], np.inf), r"must contain only finite values"),
    (lambda s: s.iloc[:8], r"must have at least window \+ horizon = 7 \+ 3 = 10 rows to "
                           r"make one window \(the window chosen from the dates\)\. Got 8 "
                           r"rows instead\."),
])
def test_auto_forecaster_names_its_own_argument(edit, pattern):
    # these came as "The 'data' parameter of make_windows", an argument the user never
    # passed
    series = edit(_daily()["y"])
    with pytest.raises(ValueError, match=r"The 'history' parameter of AutoForecaster\.fit "
                       + pattern):
        AutoForecaster(horizon=3, **FAST).fit(series)


def test_auto_forecaster_leaves_the_callers_objects_alone():
    frame = _daily().assign(y=lambda f: f["y"].round().astype(int))
    before = frame.copy()
    model = AutoForecaster(horizon=3, known=["x"], **FAST).fit(frame)
    future = pd.DataFrame({"x": [0.1, 0.2, 0.3]},
                          index=pd.date_range(frame.index[-1], periods=4, freq="D")[1:])
    kept = future.copy()
    model.predict(interval=0.5, future=future)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(future, kept)


# --------------------------------------------------------------- AutoForecaster.predict


def test_predict_takes_numpy_integer_steps():
    model = AutoForecaster(horizon=4, **FAST).fit(_daily()["y"])
    assert model.predict(np.int64(2)).equals(model.predict(2))
    with pytest.raises(ValueError, match=r"The 'steps' parameter of AutoForecaster\.predict "
                                         r"must be an int in the range \[1, 4\]\. Got True"):
        model.predict(True)


def test_an_interval_beyond_every_windows_residuals_names_predict():
    # the message named forecast() and advised RNNForecaster's validation_fraction
    model = AutoForecaster(horizon=3, **FAST).fit(_daily(40)["y"])
    n_windows = 40 - model.window_ - 3 + 1
    with pytest.raises(ValueError, match=rf"The 'interval' parameter of "
                       rf"AutoForecaster\.predict asks for coverage 0\.99, .* The history "
                       rf"gives {n_windows} \(one per window, the most there are\)\. Use a "
                       rf"lower interval \(at most 0\.9\d* with {n_windows} residuals\), or fit on a "
                       rf"longer history"):
        model.predict(interval=[0.8, 0.99])


# --------------------------------------------------------------- the command


@pytest.fixture
def daily_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = _daily()
    frame.rename_axis("date").reset_index().to_csv("data.csv", index=False)
    return frame


COMMAND = ["--target", "y", "--horizon", "3", "--candidates",
           "ridge,seasonal_naive,naive,drift", "-q"]


def test_backtest_writes_the_interval_it_is_asked_for(daily_csv, capsys):
    # --interval was accepted and silently ignored by backtest
    status, out, err = run(capsys, ["backtest", "data.csv", *COMMAND, "--interval", "0.8",
                                    "--output", "bt.csv"])
    assert status == 0, err
    table = pd.read_csv("bt.csv")
    assert {"lower", "upper"} <= set(table.columns)
    inside = ((table["lower"] <= table["actual"]) & (table["actual"] <= table["upper"])).sum()
    assert f"actuals inside the interval: {inside} of {len(table)}" in out
    assert np.all(table["lower"] <= table["forecast"])
    assert np.all(table["forecast"] <= table["upper"])
    status, out, err = run(capsys, ["backtest", "data.csv", *COMMAND, "--output", "bt.csv"])
    assert status == 0, err
    assert "lower" not in pd.read_csv("bt.csv").columns  # none unless asked


def test_backtest_refuses_several_interval_levels(daily_csv, capsys):
    assert_refused(*run(capsys, ["backtest", "data.csv", *COMMAND, "--interval",
                                 "0.8,0.95"]),
                   r"backtest scores one --interval level; got 0\.8,0\.95: pass one")


@pytest.mark.parametrize("command", ["forecast", "backtest"])
def test_an_interval_the_windows_cannot_calibrate_is_refused_before_training(
        daily_csv, capsys, command):
    assert_refused(*run(capsys, [command, "data.csv", *COMMAND, "--interval", "0.99",
                                 "--output", ""]),
                   r"--interval 0\.99 needs at least 99 windows of --horizon 3 after a "
                   r"window of \d+ to calibrate on; the \d+ rows .* give \d+: use "
                   r"--interval 0\.9\d* or lower, or a longer history")


# --------------------------------------------------------------- many series


def test_fit_many_and_forecast_many_errors_name_the_series():
    frame = _daily()
    broken = frame.copy()
    broken.iloc[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"Series 'b': The 'data' parameter of make_windows "
                                         r"must contain only finite values"):
        fit_many(NaiveForecaster(), {"a": frame, "b": broken}, window=7, horizon=2)
    models = fit_many(NaiveForecaster(), {"a": frame, "b": frame}, window=7, horizon=2)
    with pytest.raises(ValueError, match=r"Series 'b': The 'history' parameter of forecast "
                                         r"must have at least n_timesteps_in_ = 7 rows"):
        forecast_many(models, {"a": frame, "b": frame.iloc[:5]})


def test_the_global_model_says_when_a_known_column_comes_first():
    from rnnforecast.forecasting import GlobalForecaster

    frame = _daily()
    series = {"a": frame, "b": frame + 10}
    model = GlobalForecaster(SeasonalNaiveForecaster(7), window=14, horizon=3,
                             known=["x"]).fit(series)
    moved = {name: data[["x", "y"]] for name, data in series.items()}
    with pytest.raises(ValueError, match=r"The 'series' parameter of GlobalForecaster reads "
                       r"the first column of each series as its values\. Series 'a' has the "
                       r"columns \['x', 'y'\], the first of which, 'x', is known in advance\. "
                       r"Pass target=<value column>, or put the value column first\."):
        model.forecast(moved, future={name: pd.DataFrame(
            {"x": [0.0] * 3}, index=pd.date_range(frame.index[-1], periods=4)[1:])
            for name in series})


# --------------------------------------------------------------- time axis


def test_a_freq_other_than_the_historys_spacing_is_refused():
    # freq="W" on daily data labelled the next days as the next weeks
    series = _daily()["y"]
    model = NaiveForecaster().fit(*make_windows(series, 7, 3))
    with pytest.raises(ValueError, match=r"The 'freq' parameter of forecast must give the "
                       r"spacing of the 'history' time index, which is regular: .* Got "
                       r"freq='W', which labels the steps 2021-03-07 00:00:00, 2021-03-14 "
                       r"00:00:00, \.\.\. instead of 2021-03-02 00:00:00, 2021-03-03"):
        forecast(model, series, freq="W")
    assert forecast(model, series, freq="D").equals(forecast(model, series))
    assert forecast(model, series, freq="24h").equals(forecast(model, series))
    auto = AutoForecaster(horizon=3, **FAST).fit(series)
    with pytest.raises(ValueError, match=r"The 'freq' parameter of AutoForecaster\.predict"):
        auto.predict(freq="W")
    gappy = series.drop(series.index[[10, 20]])  # irregular: freq places the future
    assert forecast(model, gappy, freq="D").index[0] == series.index[-1] + pd.Timedelta("1D")
    numbered = series.reset_index(drop=True)
    with pytest.raises(ValueError, match=r"Got freq=2, which labels the steps 61, 63, "
                                         r"\.\.\. instead of 60, 61"):
        forecast(model, numbered, freq=2)


def test_periods_have_the_seasonal_period_of_their_dates():
    # a monthly PeriodIndex had seasonal period 1, so no season at all
    from rnnforecast.forecasting import default_window, seasonal_period

    months = pd.period_range("2020-01", periods=48, freq="M")
    assert seasonal_period(months) == seasonal_period(months.to_timestamp()) == 12
    assert default_window(months, 3, 48) == default_window(months.to_timestamp(), 3, 48)
    values = 10 + 3 * np.sin(2 * np.pi * np.arange(48) / 12) + 0.1 * np.arange(48)
    by_period = AutoForecaster(horizon=3, **FAST).fit(pd.Series(values, index=months))
    by_date = AutoForecaster(horizon=3, **FAST).fit(pd.Series(values,
                                                              index=months.to_timestamp()))
    assert by_period.seasonal_period_ == 12
    np.testing.assert_allclose(by_period.predict().to_numpy(), by_date.predict().to_numpy())


def test_auto_forecaster_refuses_windows_in_place_of_a_history():
    # fit(X, y) on windows flattened each window into columns, or failed with a
    # TypeError
    X, y = make_windows(_daily()["y"], 7, 3)
    with pytest.raises(ValueError, match=r"The 'history' parameter of AutoForecaster\.fit "
                                         r"must be the series itself, .* Got an array of "
                                         r"shape \(51, 7, 1\)"):
        AutoForecaster(horizon=3, **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"The 'target' parameter of AutoForecaster\.fit "
                                         r"must be a column name or position of history\. "
                                         r"Got a ndarray instead"):
        AutoForecaster(horizon=3, **FAST).fit(_daily()["y"].to_numpy(), y)


def test_a_freq_that_skips_dates_of_the_data_is_refused_before_training(daily_csv, capsys):
    # --freq B on daily dates with weekends labelled the next days as business days
    assert_refused(*run(capsys, ["forecast", "data.csv", *COMMAND, "--freq", "B"]),
                   r"--freq B does not fit the dates of data\.csv, which are daily \(D\); "
                   r"leave out --freq")


def test_set_params_after_fit_changes_no_forecast(tmp_path):
    # predict read horizon, known and calendar from the parameters: after
    # set_params(horizon=3) it still gave 5 values, after set_params(known=[...]) it
    # took and ignored future values
    frame = _daily()
    model = AutoForecaster(horizon=5, calendar=True, holidays=["2021-03-03"],
                           **FAST).fit(frame[["y"]])
    expected = model.predict(interval=0.5)
    model.set_params(horizon=3, known=["x"], calendar=False, holidays=None)
    pd.testing.assert_frame_equal(model.predict(interval=0.5), expected)
    with pytest.raises(ValueError, match=r"The 'steps' parameter of AutoForecaster\.predict "
                                         r"must be an int in the range \[1, 5\]"):
        model.predict(6)
    with pytest.raises(ValueError, match=r"The 'future' parameter of AutoForecaster\.predict "
                                         r"is only for a model fitted with known"):
        model.predict(future=frame[["x"]].iloc[:5])
    path = tmp_path / "auto.zip"
    persistence.save(model, path)
    pd.testing.assert_frame_equal(persistence.load(path).predict(interval=0.5), expected)


def test_a_column_named_like_the_season_terms_is_not_overwritten():
    # the Fourier terms of the season were assigned as sin1, cos1, ...: a known column
    # "sin1" became a sine wave
    frame = _daily()
    future = pd.DataFrame({"x": [0.5, -0.5, 1.0]},
                          index=pd.date_range(frame.index[-1], periods=4, freq="D")[1:])
    expected = AutoForecaster(horizon=3, known=["x"], **FAST).fit(frame).predict(
        future=future)
    renamed = AutoForecaster(horizon=3, known=["sin1"], **FAST).fit(
        frame.rename(columns={"x": "sin1"}))
    np.testing.assert_allclose(renamed._history["sin1"], frame["x"])
    got = renamed.predict(future=future.rename(columns={"x": "sin1"}))
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy())


def test_recursive_forecast_reads_the_estimators_target_feature():
    # target defaulted to 0 whatever the estimator forecast: with the target second and
    # the first column known in advance it failed with advice to refit
    from rnnforecast import RNNForecaster
    from rnnforecast.forecasting import recursive_forecast

    frame = _daily().reset_index(drop=True)[["x", "y"]]
    model = RNNForecaster(hidden_size=3, max_iter=2, random_state=0, target_feature=1)
    with pytest.warns(Warning):  # two epochs do not converge
        model.fit(*make_windows(frame, 7, 2, target="y", known=["x"]))
    window, future = frame.to_numpy()[-7:], np.zeros((4, 1))
    expected = forecast(model, frame, 4, future=pd.DataFrame({"x": np.zeros(4)},
                                                             index=range(60, 64)))
    np.testing.assert_allclose(recursive_forecast(model, window, 4, future=future),
                               expected)
    np.testing.assert_allclose(recursive_forecast(model, window, 4, target=1,
                                                  future=future), expected)
    with pytest.raises(ValueError, match=r"The 'target' parameter of recursive_forecast "
                                         r"selects column 0 of the window as the forecast "
                                         r"variable, but the RNNForecaster forecasts "
                                         r"feature 1"):
        recursive_forecast(model, window, 4, target=0, future=future)


def test_recursive_residuals_score_the_column_the_estimator_forecasts():
    # with the target second, the residuals were the first column minus the forecasts
    from rnnforecast.forecasting import recursive_residuals

    frame = _daily()[["x", "y"]]
    model = NaiveForecaster(target_feature=1).fit(*make_windows(frame, 7, 2, target="y"))
    residuals = recursive_residuals(model, frame, 2)
    X, y = make_windows(frame, 7, 2, target="y")
    np.testing.assert_allclose(residuals, y - X[:, -1:, 1])
    np.testing.assert_allclose(recursive_residuals(model, frame, 2, target="y"), residuals)
    with pytest.raises(ValueError, match=r"The 'target' parameter of recursive_residuals "
                                         r"selects column 0 \('x'\) of the series"):
        recursive_residuals(model, frame, 2, target="x")
    with pytest.raises(ValueError, match=r"The 'series' parameter of recursive_residuals "
                                         r"must have the columns .* \['x', 'y'\]\. Got "
                                         r"\['y', 'x'\] instead"):
        recursive_residuals(model, frame[["y", "x"]], 2)


def test_a_long_frame_with_dates_as_text_is_refused_before_fitting():
    # text sorts '2020-1-10' before '2020-1-9': every series was fitted out of order
    dates = pd.date_range("2020-01-01", periods=30, freq="D")
    long = pd.DataFrame({"unique_id": "a", "ds": [f"{d.year}-{d.month}-{d.day}"
                                                  for d in dates],
                         "y": np.arange(30.0)})
    with pytest.raises(ValueError, match=r"The 'series' parameter of fit_many must have a "
                       r"time column of dates, periods or integers, which sort in time\. "
                       r"Its 'ds' column has dtype .* \(first value '2020-1-1'\)\. Convert "
                       r"it first"):
        fit_many(NaiveForecaster(), long, window=5, horizon=2)
    converted = long.assign(ds=pd.to_datetime(long["ds"]))
    models = fit_many(NaiveForecaster(), converted, window=5, horizon=2)
    assert forecast_many(models, converted)["forecast"].tolist() == [29.0, 29.0]


def test_auto_forecaster_refuses_an_index_it_cannot_continue_before_fitting():
    series = _daily()["y"]
    with pytest.raises(ValueError, match=r"The 'history' parameter of AutoForecaster\.fit "
                                         r"must have a DatetimeIndex, PeriodIndex, "
                                         r"RangeIndex or integer index\. Got Index of dtype "
                                         r"float64"):
        AutoForecaster(horizon=3, **FAST).fit(series.set_axis(np.arange(60) * 0.5))


@pytest.mark.parametrize("given, plain, m", [("24h", "D", 7), ("7D", "W-SUN", 52)])
def test_the_seasonal_period_reads_the_dates_not_the_index_freq(given, plain, m):
    # daily dates made with freq="24h" had no weekly season, weekly ones with "7D" no
    # yearly one: the same dates gave another model
    from rnnforecast.forecasting import seasonal_period

    dates = pd.date_range("2020-01-05", periods=150, freq=given)
    assert seasonal_period(dates) == seasonal_period(pd.date_range(
        "2020-01-05", periods=150, freq=plain)) == seasonal_period(
        pd.DatetimeIndex(list(dates))) == m


def test_calendar_without_a_cycle_is_refused_by_its_own_name(tmp_path, monkeypatch, capsys):
    # yearly dates (or months over less than two years) have no calendar cycle: the
    # error named calendar_features' 'index', after the command had started training
    years = pd.Series(np.arange(40.0), index=pd.date_range("1950", periods=40, freq="YS"))
    with pytest.raises(ValueError, match=r"The 'calendar' parameter of AutoForecaster adds "
                                         r"the calendar cycles that suit the dates, and none "
                                         r"suits these: 40 dates"):
        AutoForecaster(horizon=3, calendar=True, **FAST).fit(years)
    holidays = AutoForecaster(horizon=3, calendar=True, holidays=["1990-01-01"], **FAST)
    assert holidays.fit(years).predict().notna().all()
    monkeypatch.chdir(tmp_path)
    years.rename_axis("date").rename("v").reset_index().to_csv("years.csv", index=False)
    assert_refused(*run(capsys, ["forecast", "years.csv", "--target", "v", "--horizon", "3",
                                 "--calendar", "-q"]),
                   r"--calendar adds the calendar cycles that suit the dates, and none "
                   r"suits the dates of years\.csv .*; drop --calendar or add --holidays")


def test_a_window_of_one_is_refused_by_the_parser(daily_csv, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", *COMMAND, "--window", "1"])
    assert status == 2
    assert "argument --window: must be at least 2" in err


def test_trading_days_take_a_freq_with_the_markets_holidays():
    # dates only taken for business days (a holiday missing) have no spacing of their
    # own to check freq against: a custom business day places the next holiday
    from pandas.tseries.offsets import CustomBusinessDay

    days = pd.bdate_range("2024-11-01", "2024-12-20").drop(pd.Timestamp("2024-11-28"))
    series = pd.Series(np.arange(len(days), dtype=float), index=days)
    model = NaiveForecaster().fit(*make_windows(series, 5, 3))
    result = forecast(model, series, freq=CustomBusinessDay(holidays=["2024-12-24"]))
    assert list(result.index.strftime("%m-%d")) == ["12-23", "12-25", "12-26"]


def test_forecast_tells_how_to_use_a_fitted_auto_forecaster():
    # the message said "Fit it first" of a fitted model
    series = _daily()["y"]
    model = AutoForecaster(horizon=3, **FAST).fit(series)
    with pytest.raises(ValueError, match=r"Got a fitted AutoForecaster, which forecasts "
                                         r"after the history it was fitted on: call its "
                                         r"predict\(steps, interval=\.\.\.\) instead"):
        forecast(model, series)


def test_pooled_windows_keep_their_led_columns():
    # np.concatenate of make_windows(..., known=[...]) parts returned a plain array: a
    # model fitted on it forecast without future values, reading the known column's
    # past values where it had learned its led ones
    from rnnforecast.windowing import known_layout, window_columns

    a, b = _daily(seed=1), _daily(seed=2)
    (Xa, ya), (Xb, yb) = (make_windows(f, 7, 2, known=["x"]) for f in (a, b))
    pooled = np.concatenate([Xa, Xb])
    assert known_layout(pooled, "fit") == ((1,), 2)
    assert window_columns(pooled) == ("y", "x")
    assert known_layout(np.vstack([Xa, Xb]), "fit") == ((1,), 2)
    model = SeasonalNaiveForecaster(7).fit(pooled, np.concatenate([ya, yb]))
    assert model.window_columns_ == ["y", "x"]
    assert np.concatenate([Xa[:, :, 0], Xb[:, :, 0]]).shape == (2 * len(Xa), 7)
    with pytest.raises(ValueError, match=r"np\.concatenate was given windows of different "
                                         r"layouts: known features \[1\] led by 2, .*; and "
                                         r"plain arrays"):
        np.concatenate([Xa, np.asarray(Xb)])
    swapped = make_windows(b[["x", "y"]], 7, 2)[0]
    with pytest.raises(ValueError, match=r"whose columns come in different orders"):
        np.concatenate([make_windows(a, 7, 2)[0], swapped])
    renamed = make_windows(b.rename(columns={"y": "sales", "x": "price"}), 7, 2)[0]
    assert window_columns(np.concatenate([make_windows(a, 7, 2)[0], renamed])) is None


def test_auto_forecaster_does_not_hold_the_callers_frame():
    # without season or calendar the fitted model kept the caller's DataFrame itself:
    # editing it afterwards changed the forecast
    frame = _daily().reset_index(drop=True)
    model = AutoForecaster(horizon=3, **FAST).fit(frame)
    expected = model.predict()
    frame.iloc[-1, 0] = 1e6
    pd.testing.assert_series_equal(model.predict(), expected)


@pytest.mark.parametrize("fill, said", [
    ("interpolate", "Dropped 4 last rows with nothing after them (2021-02-26, 2021-02-27, "),
    ("ffill", "Dropped 4 last rows without a value of 'y' (2021-02-26, 2021-02-27, ")])
def test_filling_does_not_invent_the_last_values(daily_csv, capsys, fill, said):
    # --fill interpolate (and ffill) repeated the last value over missing values at the
    # end of the file (e.g. the rows of the dates to forecast), and forecast after them
    frame = daily_csv.copy()
    frame.iloc[-4:, 0] = np.nan
    frame.rename_axis("date").reset_index().to_csv("tail.csv", index=False)
    status, out, err = run(capsys, ["forecast", "tail.csv", *COMMAND, "--fill",
                                    fill, "--output", "tail_forecast.csv",
                                    "--plot", ""])
    assert status == 0, err
    assert said in out
    table = pd.read_csv("tail_forecast.csv", parse_dates=["date"])
    assert table["date"].iloc[0] == frame.index[-4]


def test_a_baseline_fitted_with_known_columns_forecasts_with_their_future():
    # fit_many(SeasonalNaiveForecaster(7), ..., known=[...]) accepted the known columns,
    # then forecast_many(..., future=...) refused: the baseline recorded no layout
    idx = pd.date_range("2020-01-01", periods=60, freq="D")
    frames = {k: pd.DataFrame({"y": np.sin(np.arange(60) / 2) + i,
                               "promo": (np.arange(60) % 5 == 0) * 1.0}, index=idx)
              for i, k in enumerate("ab")}
    models = fit_many(SeasonalNaiveForecaster(7), frames, window=14, horizon=3,
                      known=["promo"])
    assert models["a"].known_features_ == (1,) and models["a"].known_lead_ == 3
    future = {k: pd.DataFrame({"promo": [1.0, 0.0, 0.0]},
                              index=pd.date_range("2020-03-01", periods=3, freq="D"))
              for k in "ab"}
    table = forecast_many(models, frames, future=future)
    # seasonal naive copies the target a week back, whatever the known columns say
    np.testing.assert_allclose(table[table["series"] == "a"]["forecast"],
                               frames["a"]["y"].to_numpy()[-7:-4])
    with pytest.raises(ValueError, match="'future' parameter of forecast is needed"):
        forecast(models["a"], frames["a"])


def test_a_baseline_refuses_parameters_changed_after_fit():
    # set_params(target_feature=1) after fit made the baseline copy another column,
    # its calibration residuals still those of the fitted one
    X, y = make_windows(_daily(60)[["y"]].assign(x=1.0), 14, 3)
    model = SeasonalNaiveForecaster(7).fit(X, y)
    expected = model.predict(X)
    model.set_params(target_feature=1, seasonal_period=2)
    with pytest.raises(ValueError, match=r"fitted with other parameters than it has now"
                                         r"(.|\n)*seasonal_period: 7 in fit, now 2"
                                         r"(.|\n)*target_feature: 0 in fit, now 1"):
        model.predict(X)
    np.testing.assert_array_equal(model.set_params(target_feature=0, seasonal_period=7)
                                  .predict(X), expected)
