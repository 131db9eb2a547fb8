"""Tests of rnnforecast.plotting: what each plot draws, given Axes, saving, errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from rnnforecast.datasets import load_ibm  # noqa: E402
from rnnforecast.forecasting import NaiveForecaster, future_index  # noqa: E402
from rnnforecast.model_selection import backtest  # noqa: E402
from rnnforecast.plotting import plot_backtest, plot_forecast, plot_loss_curve  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def monthly():
    """24 months of a simple ramp: 0, 1, ..., 23, starting 2020-01."""
    index = pd.date_range("2020-01-01", periods=24, freq="MS", name="date")
    return pd.Series(np.arange(24.0), index=index, name="sales")


@pytest.fixture
def backtest_results(monthly):
    """3 origins (months 12, 14, 16), each forecasting the next 4 months: 12 rows."""
    rows = [
        (monthly.index[origin], monthly.index[origin + step], origin + 0.5 * step,
         monthly.iloc[origin + step])
        for origin in (12, 14, 16)
        for step in range(1, 5)
    ]
    return pd.DataFrame(rows, columns=["origin", "timestamp", "forecast", "actual"])


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def _assert_saves(ax, tmp_path):
    path = tmp_path / "plot.png"
    ax.figure.savefig(path)
    assert path.is_file() and path.stat().st_size > 0


# --------------------------------------------------------------------------- plot_forecast
def test_plot_forecast_series_with_interval_and_actual(monthly, tmp_path):
    history, future = monthly[:18], monthly[18:]
    ax = plot_forecast(history, future + 1, lower=future - 1, upper=future + 3,
                       actual=future, title="Sales")
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 3  # history, forecast, actual
    assert len(ax.collections) == 1  # interval band
    assert ax.get_title() == "Sales"
    assert ax.get_xlabel() == "date"
    assert ax.get_ylabel() == "sales"
    assert _legend_texts(ax) == ["history", "forecast", "interval", "actual"]
    history_line, forecast_line, actual_line = ax.lines
    np.testing.assert_array_equal(history_line.get_ydata(), np.arange(18.0))
    np.testing.assert_array_equal(forecast_line.get_ydata(), np.arange(19.0, 25.0))
    assert forecast_line.get_marker() == "o"  # short forecast: markers
    assert history_line.get_color() != forecast_line.get_color()
    assert np.issubdtype(np.asarray(forecast_line.get_xdata()).dtype, np.datetime64)
    _assert_saves(ax, tmp_path)


def test_plot_forecast_dataframe_columns(monthly):
    future = monthly[18:]
    frame = pd.DataFrame({"forecast": future, "lower": future - 2, "upper": future + 2})
    ax = plot_forecast(monthly[:18], frame)
    assert len(ax.lines) == 2
    assert len(ax.collections) == 1
    assert _legend_texts(ax) == ["history", "forecast", "interval"]


def test_plot_forecast_array_continues_dates(monthly):
    ax = plot_forecast(monthly[:18], np.arange(3.0))
    x = np.asarray(ax.lines[1].get_xdata())
    expected = pd.date_range("2021-07-01", periods=3, freq="MS").to_numpy()
    np.testing.assert_array_equal(x, expected)


def test_plot_forecast_array_after_trading_days_goes_on_the_next_business_days():
    # IBM closes: weekdays without market holidays, so no frequency can be inferred
    close = load_ibm()["close"]
    assert close.index[-1] == pd.Timestamp("2013-03-01")  # a Friday
    ax = plot_forecast(close, np.full(3, 200.0))
    x = np.asarray(ax.lines[1].get_xdata())
    expected = pd.DatetimeIndex(["2013-03-04", "2013-03-05", "2013-03-06"])  # Mon .. Wed
    np.testing.assert_array_equal(x, expected.to_numpy())
    np.testing.assert_array_equal(x, future_index(close.index, 3).to_numpy())


def test_plot_forecast_array_after_an_irregular_index_is_refused():
    history = pd.Series([1.0, 2.0, 3.0, 4.0],
                        index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05",
                                                "2024-01-06"]))
    with pytest.raises(ValueError, match=r"`forecast` has no index and the labels after "
                                         r"`history`'s index cannot be inferred"):
        plot_forecast(history, [5.0])


def test_plot_forecast_arrays_use_positions(tmp_path):
    ax = plot_forecast(np.arange(10.0), [10.0, 11.0], lower=[9.0, 9.0], upper=[12.0, 13.0],
                       actual=[10.5, 11.5])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(10))
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [10, 11])
    np.testing.assert_array_equal(ax.lines[2].get_xdata(), [10, 11])
    assert ax.get_xlabel() == "time"
    _assert_saves(ax, tmp_path)


def test_plot_forecast_history_tail_and_long_forecast(monthly):
    long_forecast = pd.Series(np.zeros(40), index=pd.RangeIndex(100, 140))
    ax = plot_forecast(pd.Series(np.arange(100.0)), long_forecast, history_tail=5)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(95, 100))
    assert ax.lines[1].get_marker() in ("None", "", None)  # long forecast: no markers


def test_plot_forecast_time_zone_aware_index(monthly):
    history = monthly.tz_localize("Europe/Paris")
    ax = plot_forecast(history[:18], history[18:])
    first = np.asarray(ax.lines[0].get_xdata())[0]
    assert first == np.datetime64("2020-01-01")  # wall-clock time


def test_plot_forecast_uses_given_ax(monthly):
    fig, given = plt.subplots()
    ax = plot_forecast(monthly[:18], monthly[18:], ax=given)
    assert ax is given
    assert len(fig.axes) == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lower": np.zeros(6)}, r"Pass both `lower` and `upper`"),
        ({"history_tail": 0}, r"`history_tail` must be at least 1\. Got 0"),
        ({"history_tail": 2.5}, r"`history_tail` must be a positive int or None\. Got 2\.5"),
        ({"actual": np.zeros(4)}, r"`actual` must have one value per forecast step \(6\)\. Got 4"),
    ],
)
def test_plot_forecast_errors(monthly, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_forecast(monthly[:18], np.zeros(6), **kwargs)


def test_plot_forecast_bad_inputs(monthly):
    with pytest.raises(ValueError, match=r"the column 'forecast'.*Got columns \['yhat'\]"):
        plot_forecast(monthly, pd.DataFrame({"yhat": [1.0]}))
    with pytest.raises(ValueError, match=r"`history` must be 1-D.*Got shape \(3, 2\)"):
        plot_forecast(np.zeros((3, 2)), [1.0])
    frame = pd.DataFrame({"forecast": [1.0], "lower": [0.0], "upper": [2.0]})
    with pytest.raises(ValueError, match=r"`lower` was given both as an argument and as a column"):
        plot_forecast(monthly, frame, lower=[0.0], upper=[2.0])
    future = monthly[18:]
    with pytest.raises(ValueError, match=r"`upper` must be indexed like the forecast"):
        plot_forecast(monthly[:18], future, lower=future - 1, upper=monthly[:6])
    with pytest.raises(ValueError, match=r"`history` must be numeric"):
        plot_forecast(pd.Series(["a", "b"]), [1.0])


# --------------------------------------------------------------------------- plot_loss_curve
def test_plot_loss_curve_list(tmp_path):
    ax = plot_loss_curve([1.0, 0.5, 0.25])
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 0.5, 0.25])
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "training loss"
    assert len(ax.figure.axes) == 1  # no twin without validation scores
    _assert_saves(ax, tmp_path)


def test_plot_loss_curve_validation_on_twin_axis(tmp_path):
    ax = plot_loss_curve([1.0, 0.5, 0.25], [0.2, 0.6, 0.7])
    assert len(ax.lines) == 1
    (twin,) = [other for other in ax.figure.axes if other is not ax]
    assert len(twin.lines) == 1
    np.testing.assert_array_equal(twin.lines[0].get_ydata(), [0.2, 0.6, 0.7])
    assert twin.get_ylabel() == "validation score"
    assert _legend_texts(twin) == ["training loss", "validation score"]
    _assert_saves(ax, tmp_path)


class _FittedEstimator:
    loss_curve_ = [0.9, 0.4, 0.3, 0.2]
    validation_scores_ = [0.1, 0.3, 0.5, 0.6]


class _UnfittedEstimator:
    def fit(self, X, y):
        return self


def test_plot_loss_curve_estimator():
    fig, given = plt.subplots()
    ax = plot_loss_curve(_FittedEstimator(), ax=given)
    assert ax is given
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [0.9, 0.4, 0.3, 0.2])
    assert len(fig.axes) == 2  # the loss Axes and its twin for validation scores


def test_plot_loss_curve_errors():
    with pytest.raises(ValueError, match=r"estimator without a `loss_curve_` attribute"):
        plot_loss_curve(_UnfittedEstimator())
    with pytest.raises(ValueError, match=r"`loss_curve` must hold at least one value"):
        plot_loss_curve([])
    with pytest.raises(ValueError, match=r"`validation_scores` must be 1-D"):
        plot_loss_curve([1.0, 0.5], [[0.1, 0.2]])


# --------------------------------------------------------------------------- plot_backtest
def test_plot_backtest(backtest_results, tmp_path):
    ax = plot_backtest(backtest_results)
    assert isinstance(ax, Axes)
    assert len(ax.lines) == 1 + 3  # actuals, then one segment per origin
    actual_line = ax.lines[0]
    # timestamps 13 .. 20 once each, although origins overlap
    np.testing.assert_array_equal(actual_line.get_ydata(), np.arange(13.0, 21.0))
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [12.5, 13.0, 13.5, 14.0])
    assert ax.get_title() == "Backtest over 3 forecast origins"
    assert ax.get_xlabel() == "timestamp"
    assert _legend_texts(ax) == ["actual", "forecasts"]
    _assert_saves(ax, tmp_path)


def test_plot_backtest_takes_what_backtest_returns(monthly):
    result = backtest(NaiveForecaster(), monthly, window=3, horizon=4, initial_train_size=12,
                      step=4)
    ax = plot_backtest(result)
    assert len(ax.lines) == 1 + 3  # actuals, then origins 2020-12, 2021-04, 2021-08
    assert ax.get_title() == "Backtest over 3 forecast origins"
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [11.0] * 4)  # the last value
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), np.arange(12.0, 24.0))


def test_plot_backtest_shades_the_interval_of_each_origin(monthly):
    result = backtest(NaiveForecaster(), monthly, window=3, horizon=4, initial_train_size=12,
                      step=4, interval=0.5)
    ax = plot_backtest(result)
    assert len(ax.collections) == 3  # one band per origin
    for band, (_, rows) in zip(ax.collections, result.predictions.groupby("origin")):
        vertices = band.get_paths()[0].vertices[:, 1]
        assert vertices.min() == pytest.approx(rows["lower"].min())
        assert vertices.max() == pytest.approx(rows["upper"].max())
    assert _legend_texts(ax) == ["actual", "forecasts", "intervals"]
    plain = plot_backtest(result.predictions.drop(columns=["lower", "upper"]))
    assert len(plain.collections) == 0  # no interval, no band


def test_plot_backtest_timestamp_index_and_given_ax(backtest_results):
    fig, given = plt.subplots()
    ax = plot_backtest(backtest_results.set_index("timestamp"), ax=given, title="CV")
    assert ax is given
    assert len(ax.lines) == 4
    assert ax.get_title() == "CV"


def test_plot_backtest_errors(backtest_results):
    with pytest.raises(ValueError, match=r"Missing: \['actual'\]"):
        plot_backtest(backtest_results.drop(columns="actual"))
    with pytest.raises(ValueError, match=r"`results` must be a BacktestResult \(what backtest "
                                         r"returns\) or a pandas DataFrame of its "
                                         r"predictions\. Got dict"):
        plot_backtest({"origin": [1]})
    with pytest.raises(ValueError, match=r"`results` must have at least one row"):
        plot_backtest(backtest_results.iloc[:0])
    with pytest.raises(ValueError, match=r"The 'forecast' column of `results` must be numeric"):
        plot_backtest(backtest_results.assign(forecast="high"))


def test_a_backtest_result_plots_itself(monthly):
    result = backtest(NaiveForecaster(), monthly, window=3, horizon=4, initial_train_size=12,
                      step=4)
    ax = result.plot(title="Naive")
    reference = plot_backtest(result)
    assert ax.get_title() == "Naive" and len(ax.lines) == len(reference.lines) == 4
    for mine, theirs in zip(ax.lines, reference.lines):
        np.testing.assert_array_equal(mine.get_ydata(), theirs.get_ydata())
