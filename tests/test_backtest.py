"""Tests of rnnforecast.model_selection.backtest: rolling-origin evaluation."""

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from _forecasting_helpers import LastPlusStep, RidgeWindows, TrainMean, daily_series, sine_series
from rnnforecast import RNNForecaster
from rnnforecast.forecasting import (
    NaiveForecaster,
    SeasonalNaiveForecaster,
    conformal_quantiles,
)
from rnnforecast.model_selection import BacktestResult, backtest
from rnnforecast.windowing import make_windows


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


def economy(n=60):
    """Two columns on very different scales: gdp near 10 000, unemployment near 5."""
    t = np.arange(n, dtype=float)
    return pd.DataFrame({"gdp": 10_000 + 25 * t, "unemp": 5 + np.sin(t / 3)},
                        index=pd.date_range("2000-01-01", periods=n, freq="MS"))


def test_backtest_forecasts_the_target_column_through_target_feature():
    data = economy()
    result = backtest(NaiveForecaster(), data, window=4, horizon=2, target="unemp",
                      initial_train_size=40, step=5)
    # the naive forecast repeats the last unemployment rate before each origin
    origins = result.predictions["origin"]
    assert_allclose(result.predictions["forecast"], data["unemp"].loc[origins])
    assert_allclose(result.predictions["actual"],
                    data["unemp"].loc[result.predictions["timestamp"]])


def test_backtest_of_an_rnn_on_the_second_column():
    data = economy()
    estimator = RNNForecaster(hidden_size=4, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = backtest(estimator, data, window=8, horizon=2, target="unemp",
                          initial_train_size=40, step=8)
    assert result.metrics["MAE"] < 2.0  # unemployment moves by at most 2
    assert estimator.target_feature == 0  # only clones were changed


@pytest.mark.parametrize(
    "estimator, target, message",
    [
        (RidgeWindows(), "unemp",
         "The 'target' parameter of backtest selects column 1 ('unemp') of the data as the "
         "forecast variable, but the RidgeWindows has no target_feature parameter, so it "
         "is taken to forecast feature 0 of its windows"),
        (NaiveForecaster(target_feature=1), "gdp",
         "The 'target_feature' parameter of the NaiveForecaster is 1, but backtest "
         "forecasts column 0 ('gdp') of the data (its 'target' parameter). Leave "
         "target_feature at its default 0"),
        (NaiveForecaster(target_feature=1), None,
         "The 'target_feature' parameter of the NaiveForecaster is 1, but backtest "
         "forecasts column 0 ('gdp')"),
    ],
    ids=["no-target-feature", "conflict", "conflict-default-target"],
)
def test_backtest_refuses_an_estimator_that_would_forecast_another_column(estimator, target,
                                                                          message):
    with pytest.raises(ValueError, match=re.escape(message)):
        backtest(estimator, economy(), window=4, horizon=2, target=target)


def test_backtest_with_intervals():
    result = backtest(NaiveForecaster(), sine_series(), window=4, horizon=2, interval=0.8)
    frame = result.predictions
    assert list(frame.columns) == ["origin", "step", "timestamp", "forecast", "actual",
                                   "lower", "upper"]
    assert (frame["lower"] <= frame["forecast"]).all()
    assert (frame["forecast"] <= frame["upper"]).all()
    history = sine_series()[:40]
    first = NaiveForecaster().fit(*make_windows(history, 4, 2))
    # locally scaled: scores relative to each window's scale, times the last window's
    scores = first.conformal_residuals_ / first.conformal_scales_[:, None]
    last = np.asarray(history, dtype=float)[-4:]
    widths = conformal_quantiles(scores, 0.8) * np.mean(np.abs(np.diff(last)))
    assert_allclose(frame["upper"][:2] - frame["forecast"][:2], widths)


def test_backtest_refuses_an_interval_the_first_folds_cannot_bound():
    # the first model sees 20 rows: 15 windows of 4 + 2, hence 15 in-sample residuals
    with pytest.raises(ValueError, match=re.escape(
        "The 'interval' parameter of backtest asks for coverage 0.95, which needs at least "
        "ceil(interval / (1 - interval)) = 19 calibration residuals for a finite interval. "
        "Got 15 calibration residuals instead. Use a lower interval (at most 0.937 with 15 "
        "residuals)"
    )):
        backtest(NaiveForecaster(), sine_series(40), window=4, horizon=2,
                 initial_train_size=20, interval=0.95)
    result = backtest(NaiveForecaster(), sine_series(40), window=4, horizon=2,
                      initial_train_size=20, interval=0.9)
    assert np.isfinite(result.predictions[["lower", "upper"]].to_numpy()).all()


def test_an_interrupt_during_a_fit_stops_the_backtest():
    fits = []  # training rows of each fit, in order

    class InterruptedOnSecondFit(NaiveForecaster):
        def fit(self, X, y):
            fits.append(len(X))
            if len(fits) == 2:
                raise KeyboardInterrupt  # Ctrl-C while the second fold trains
            return super().fit(X, y)

    with pytest.raises(KeyboardInterrupt):
        backtest(InterruptedOnSecondFit(), np.arange(40.0), window=3, horizon=2,
                 initial_train_size=20)
    assert fits == [16, 18]  # folds 1 and 2 only: fold 3 (20 windows) never ran


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


def test_the_old_import_path_warns_and_forwards():
    import rnnforecast.forecasting as forecasting
    import rnnforecast.model_selection as model_selection

    for name in ("backtest", "BacktestResult"):
        with pytest.warns(FutureWarning, match=re.escape(
            f"rnnforecast.forecasting.{name} moved to rnnforecast.model_selection; import "
            f"it with `from rnnforecast.model_selection import {name}`."
        )):
            assert getattr(forecasting, name) is getattr(model_selection, name)
    with pytest.raises(AttributeError, match="has no attribute 'backtests'"):
        getattr(forecasting, "backtests")


# ------------------------------------------------------------ what a user sees
def test_the_result_prints_as_a_summary():
    result = backtest(NaiveForecaster(), TOY, window=2, horizon=2, initial_train_size=4)
    assert repr(result) == (
        "BacktestResult: 2 forecast origins (3 to 5), horizon 2, 4 forecasts\n"
        "  MAE 8  RMSE 8.689  MAPE 41.18  sMAPE 53.02  MASE 4\n"
        "  (attributes: predictions, metrics, fold_metrics)"
    )


def test_the_summary_names_dates_and_counts_actuals_inside_the_intervals():
    result = backtest(NaiveForecaster(), daily_series(sine_series()), window=4, horizon=2,
                      interval=0.8)
    frame = result.predictions
    inside = ((frame["lower"] <= frame["actual"]) & (frame["actual"] <= frame["upper"])).sum()
    first, last = result.fold_metrics.index[[0, -1]]
    assert f"({first.date()} to {last.date()})" in repr(result)  # no midnight times
    line = (f"actuals inside the interval: {inside} of {len(frame)} "
            f"({100 * inside / len(frame):.1f}%)")
    assert line in repr(result).splitlines()[2]
    assert line in result._repr_html_()


def test_the_notebook_display_holds_the_metrics_and_the_origins():
    result = backtest(NaiveForecaster(), TOY, window=2, horizon=2, initial_train_size=4)
    page = result._repr_html_()
    assert page.startswith("<div><p><strong>Backtest</strong>: 2 forecast origins (3 to 5)")
    cells = re.findall(r"<t[hd]>([^<]*)</t[hd]>", page)  # the two tables, row by row
    header = ["", "MAE", "RMSE", "MAPE", "sMAPE", "MASE"]
    assert cells[:12] == header + ["all origins", "8", "8.689", "41.18", "53.02", "4"]
    assert cells[12:18] == header and cells[18:24] == ["origin"] + [""] * 5
    assert cells[24::6] == ["3", "5"] and cells[25::6] == ["6.5", "9.5"]  # MAE per origin


def test_the_notebook_display_escapes_labels_and_shortens_long_tables():
    labels = pd.Index([f"<t{i}>" for i in range(40)])
    series = pd.Series(np.arange(40.0), index=labels)
    result = backtest(NaiveForecaster(), series, window=2, horizon=1, initial_train_size=4)
    page = result._repr_html_()
    assert "(&lt;t3&gt; to &lt;t38&gt;)" in page and "<t3>" not in page
    assert len(result.fold_metrics) == 36
    assert page.count("<tr>") < 20  # first and last origins only, not all 36 rows


class WarnsWhenFitted(NaiveForecaster):
    """A naive forecaster whose every fit warns that it did not converge, and more."""

    def fit(self, X, y):
        warnings.warn("maximum iterations (3) reached.", ConvergenceWarning)
        warnings.warn("an unrelated note", UserWarning)
        return super().fit(X, y)


@pytest.mark.parametrize("n_jobs", [None, 2], ids=["here", "in-workers"])
def test_refits_that_do_not_converge_warn_once_together(n_jobs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = backtest(WarnsWhenFitted(), np.arange(40.0), window=3, horizon=2,
                          initial_train_size=20, step=5, n_jobs=n_jobs)
    assert len(result.fold_metrics) == 4
    convergence = [w for w in caught if w.category is ConvergenceWarning]
    assert [str(w.message) for w in convergence] == [
        "4 of the 4 fits of the backtest stopped before converging; the first said: "
        "maximum iterations (3) reached. Raise the estimator's iteration limit (max_iter) "
        "if the forecasts look undertrained."]
    assert convergence[0].filename == __file__  # points at the call of backtest
    assert [str(w.message) for w in caught if w.category is UserWarning] == \
        ["an unrelated note"] * 4  # other warnings reach the caller, as they were


def test_a_warning_of_every_refit_is_shown_once_under_the_default_filter():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        backtest(WarnsWhenFitted(), np.arange(40.0), window=3, horizon=2,
                 initial_train_size=20, step=5)
    assert sorted(w.category.__name__ for w in caught) == ["ConvergenceWarning",
                                                           "UserWarning"]


# ------------------------------------------------------------------ AutoForecaster
def _auto_series():
    t = np.arange(96)
    index = pd.date_range("2010-01-01", periods=96, freq="MS")
    return pd.Series(50 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12), index=index, name="y")


def test_backtest_of_an_auto_forecaster_refits_it_on_the_rows_before_each_origin():
    from rnnforecast.forecasting import AutoForecaster
    series = _auto_series()
    auto = AutoForecaster(horizon=6, candidates=("ridge", "seasonal_naive"), verbose=0)
    result = backtest(auto, series, horizon=6, initial_train_size=72, step=6,
                      seasonal_period=12, interval=0.8)
    for origin, rows in result.predictions.groupby("origin"):
        model = AutoForecaster(horizon=6, candidates=("ridge", "seasonal_naive"),
                               verbose=0).fit(series[series.index <= origin])
        expected = model.predict(interval=0.8)
        assert_allclose(rows["forecast"], expected["forecast"], rtol=1e-12)
        assert_allclose(rows["upper"] - rows["lower"], expected["upper"] - expected["lower"],
                        rtol=1e-12)
    assert not hasattr(auto, "model_")  # the given forecaster is left unfitted


@pytest.mark.parametrize("params, message", [
    (dict(window=12), "'window' parameter of backtest must be None for an AutoForecaster"),
    (dict(horizon=3), "'horizon' parameter of backtest must equal the AutoForecaster's "
                      r"horizon \(6\)"),
    (dict(refit=False), "'refit' parameter of backtest must be True for an AutoForecaster"),
])
def test_backtest_refuses_settings_an_auto_forecaster_does_not_take(params, message):
    from rnnforecast.forecasting import AutoForecaster
    settings = {"horizon": 6, **params}
    with pytest.raises(ValueError, match=message):
        backtest(AutoForecaster(horizon=6, verbose=0), _auto_series(), **settings)
