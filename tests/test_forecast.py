"""Tests of rnnforecast.forecasting.forecast: values after a history on the future index,
with or without a conformal interval."""

import itertools
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from _forecasting_helpers import LastPlusStep, daily_series, fitted, stamps
from rnnforecast import RNNForecaster, make_windows
from rnnforecast.forecasting import forecast


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


def too_few_residuals(owner, coverage, needed, n_calibration, highest):
    """The start of the error for a coverage the residuals cannot bound."""
    return re.escape(
        f"The 'interval' parameter of {owner} asks for coverage {coverage}, which needs at "
        f"least ceil(interval / (1 - interval)) = {needed} calibration residuals for a "
        f"finite interval. Got {n_calibration} calibration residuals instead. Use a lower "
        f"interval (at most {highest} with {n_calibration} residuals), or calibrate on "
        "more windows: a longer series, a larger validation_fraction"
    )


@pytest.mark.parametrize(
    "n_calibration, coverage, needed, highest", [(8, 0.9, 9, 0.888), (19, 0.999, 999, 0.95)]
)
def test_forecast_refuses_an_interval_its_residuals_cannot_bound(n_calibration, coverage,
                                                                 needed, highest):
    model = fitted(LastPlusStep(), window=4, horizon=1)
    model.conformal_residuals_ = np.ones((n_calibration, 1))
    message = too_few_residuals("forecast", coverage, needed, n_calibration, highest)
    with pytest.raises(ValueError, match=message):
        forecast(model, HISTORY, interval=coverage)
    with pytest.raises(ValueError, match=message):
        forecast(model, HISTORY, interval=coverage, residuals=model.conformal_residuals_)
    model.conformal_residuals_ = np.ones((needed, 1))  # just enough: finite bounds
    assert np.isfinite(forecast(model, HISTORY, interval=coverage).to_numpy()).all()


def test_forecast_of_a_short_series_refuses_a_90_percent_interval():
    # 60 days, windows of 8: 51 windows, the last 10 % (5) held out for calibration
    series = daily_series(np.sin(np.arange(60) / 4.0))
    model = RNNForecaster(hidden_size=4, max_iter=2, early_stopping=True,
                          validation_fraction=0.1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*make_windows(series, window=8, horizon=2))
    n_calibration = len(model.conformal_residuals_)
    assert n_calibration < 9
    with pytest.raises(ValueError, match=r"The 'interval' parameter of forecast asks for "
                                         r"coverage 0\.9, which needs at least .* = 9 "
                                         rf"calibration residuals .*Got {n_calibration} "):
        model.forecast(series, interval=0.9)


def test_forecast_interval_must_lie_in_0_1():
    model = fitted(LastPlusStep(), window=4, horizon=1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'interval' parameter of forecast must be a float in the range (0, 1), the "
        "coverage of the prediction interval. Got 90 instead. Use e.g. interval=0.9"
    )):
        forecast(model, HISTORY, interval=90)


# ---------------------------------------------------------------------------
# validation runs once per public call
# ---------------------------------------------------------------------------


def count_calls(monkeypatch, *names):
    """Wrap the functions ``names`` in every rnnforecast module that holds them.

    Returns the list that each call appends its function's name to.
    """
    calls = []
    modules = [module for key, module in sys.modules.items() if key.startswith("rnnforecast")]
    for module, name in itertools.product(modules, names):
        original = module.__dict__.get(name)
        if callable(original):
            def counted(*args, _original=original, _name=name, **kwargs):
                calls.append(_name)
                return _original(*args, **kwargs)
            monkeypatch.setattr(module, name, counted)
    return calls


@pytest.fixture(scope="module")
def fitted_rnn():
    """An RNNForecaster with stored calibration residuals (early stopping)."""
    series = daily_series(np.sin(np.arange(200) / 4.0) + 0.01 * np.arange(200))
    model = RNNForecaster(hidden_size=4, max_iter=2, early_stopping=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(*make_windows(series, window=8, horizon=2))
    return model, series


@pytest.mark.parametrize(
    "call",
    [lambda model, series: forecast(model, series, interval=0.9),
     lambda model, series: model.forecast(series, interval=0.9),
     lambda model, series: forecast(model, series, interval=[0.8, 0.9])],
    ids=["forecast", "RNNForecaster.forecast", "levels"],
)
def test_forecast_checks_fit_and_residuals_once(fitted_rnn, monkeypatch, call):
    model, series = fitted_rnn
    fitted_checks = count_calls(monkeypatch, "check_is_fitted", "window_shape")
    residual_checks = count_calls(monkeypatch, "_check_residuals")
    call(model, series)
    # window_shape once in forecast(), check_is_fitted once in the estimator's predict
    assert sorted(fitted_checks) == ["check_is_fitted", "window_shape"]
    assert residual_checks == ["_check_residuals"]


# ---------------------------------------------------------------------------
# The history's columns, by name, as the windows were made
# ---------------------------------------------------------------------------

def _sales_frame(n=80):
    t = np.arange(n, dtype=float)
    return pd.DataFrame({"sales": np.sin(t / 4) + 2, "price": np.cos(t / 7),
                         "promo": (t % 5 == 0).astype(float)},
                        index=pd.date_range("2024-01-01", periods=n, freq="D"))


def _tiny_on(frame, **windows):
    X, y = make_windows(frame, 8, 2, target="sales", **windows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return RNNForecaster(hidden_size=4, max_iter=3, random_state=0).fit(X, y)


@pytest.mark.parametrize("known", [None, ["price", "promo"]])
def test_a_history_with_its_columns_in_another_order_is_refused(known):
    frame = _sales_frame()
    model = _tiny_on(frame, known=known)
    assert model.window_columns_ == ["sales", "price", "promo"]
    future = None if known is None else frame.iloc[-2:][["price", "promo"]]
    history = frame.iloc[:-2] if known is not None else frame
    swapped = history[["sales", "promo", "price"]]  # the known columns trade places
    message = re.escape("must have the columns the estimator's windows were made from, "
                        "in the same order: ['sales', 'price', 'promo']. Got ['sales', "
                        "'promo', 'price'] instead") + r"(.|\n)*history\[\['sales'"
    with pytest.raises(ValueError, match=message):
        model.forecast(swapped, future=future)
    expected = model.forecast(history, future=future)
    pd.testing.assert_series_equal(model.forecast(swapped[["sales", "price", "promo"]],
                                                  future=future), expected)


def test_window_columns_are_kept_by_save_and_dropped_by_a_fit_on_arrays(tmp_path):
    from rnnforecast import load, save

    frame = _sales_frame()
    model = _tiny_on(frame)
    save(model, tmp_path / "model.npz")
    loaded = load(tmp_path / "model.npz")
    assert loaded.window_columns_ == ["sales", "price", "promo"]
    with pytest.raises(ValueError, match="in the same order"):
        loaded.forecast(frame[["price", "sales", "promo"]])
    X, y = make_windows(frame.to_numpy(), 8, 2)
    model.fit(np.asarray(X), y)
    assert not hasattr(model, "window_columns_")  # positions only, as before
    model.forecast(frame[["price", "sales", "promo"]])  # an array fit cannot tell


def test_a_univariate_series_may_be_renamed():
    series = _sales_frame()["sales"]
    model = _tiny_on(series.to_frame())
    assert not hasattr(model, "window_columns_")  # one column: no order to keep
    pd.testing.assert_series_equal(model.forecast(series.rename("y")).rename("sales"),
                                   model.forecast(series))
