"""Plots for forecasts, training curves and backtests.

Every function draws on ``ax`` when given one and otherwise on a new
:class:`matplotlib.figure.Figure` made without pyplot: no GUI window, no global figure
registry, nothing to close, so the functions work headless (CLI, CI, servers). Every function
returns the :class:`~matplotlib.axes.Axes` it drew on; save with ``ax.figure.savefig(path)``,
or show it in a notebook by ending a cell with ``ax.figure`` (once ``%matplotlib inline``
has run, or pyplot was imported: until then a kernel shows a figure as text). To draw into
a pyplot window, pass ``ax`` from ``plt.subplots()``. No function calls ``plt.show()``.

matplotlib is imported inside the functions, so importing this module stays cheap.
Besides NumPy and pandas it imports only the rule that places forecasts on the time axis
(:mod:`rnnforecast.forecasting._future_index`), so plots and forecasts agree.
"""

import re

import numpy as np
import pandas as pd

from .forecasting._future_index import extend_index

__all__ = ["plot_backtest", "plot_forecast", "plot_loss_curve"]

#: Column names read from a DataFrame passed as ``forecast`` to :func:`plot_forecast`.
FORECAST_COLUMNS = ("forecast", "lower", "upper")
#: Bound columns of one level of a multi-level forecast: ``lower_80``, ``upper_97.5``.
LEVEL_COLUMN = re.compile(r"(lower|upper)_(\d+(?:\.\d+)?)")
#: Columns required by :func:`plot_backtest` (``timestamp`` may be the index instead).
BACKTEST_COLUMNS = ("origin", "timestamp", "forecast", "actual")

_MARKER_MAX_POINTS = 30  # forecast lines this short get a marker on every point
_BAND_ALPHA = 0.25  # opacity of a single interval band
_COLORS = {"history": "C0", "forecast": "C1", "actual": "k", "validation": "C2"}


# --------------------------------------------------------------------------- helpers
def _new_axes(ax):
    """Return ``ax``, or the Axes of a new pyplot-free Figure when ``ax`` is None."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=(8, 4), layout="constrained").add_subplot()


def _as_series(values, name):
    """Return ``values`` as a float Series, keeping a pandas index; raise naming ``name``.

    Accepts a Series, a one-column DataFrame or a 1-D array-like of shape (n_points,).
    """
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(
                f"`{name}` must be a Series, a one-column DataFrame or a 1-D array. "
                f"Got a DataFrame with columns {list(values.columns)}."
            )
        values = values.iloc[:, 0]
    if not isinstance(values, pd.Series):
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(
                f"`{name}` must be 1-D, of shape (n_points,). Got shape {array.shape}."
            )
        values = pd.Series(array)
    if len(values) == 0:
        raise ValueError(f"`{name}` must hold at least one value. Got an empty sequence.")
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must be numeric. Got dtype {values.dtype}.") from exc


def _x_values(index):
    """Return plottable x positions of an index: datetime64 for dates, else its values."""
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is not None:
            index = index.tz_localize(None)  # wall-clock times of the index's time zone
        return index.to_numpy()
    return np.asarray(index)


def _format_time_axis(ax, x):
    """Use concise date ticks when ``x`` holds datetimes."""
    if not np.issubdtype(np.asarray(x).dtype, np.datetime64):
        return
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


# --------------------------------------------------------------------------- forecast
def _split_forecast_frame(forecast, lower, upper):
    """Return ``(forecast, lower, upper)``, reading the columns of a forecast DataFrame."""
    if not isinstance(forecast, pd.DataFrame):
        return forecast, lower, upper
    values, *bounds = FORECAST_COLUMNS
    if values not in forecast.columns:
        raise ValueError(
            f"A DataFrame passed as `forecast` must have the column {values!r} (and may have "
            f"{bounds}). Got columns {list(forecast.columns)}."
        )
    given = {"lower": lower, "upper": upper}
    for name in bounds:
        if name in forecast.columns:
            if given[name] is not None:
                raise ValueError(
                    f"`{name}` was given both as an argument and as a column of `forecast`; "
                    "pass it only once."
                )
            given[name] = forecast[name]
    return forecast[values], given["lower"], given["upper"]


def _level_bounds(forecast):
    """``[(label, lower, upper)]`` of the level-named bound columns, widest level first.

    ``forecast`` is the DataFrame of ``forecast(..., interval=[0.8, 0.95])``; every
    ``lower_<p>`` needs its ``upper_<p>``.
    """
    if not isinstance(forecast, pd.DataFrame):
        return []
    found = {}
    for column in forecast.columns:
        match = LEVEL_COLUMN.fullmatch(column) if isinstance(column, str) else None
        if match:
            found.setdefault(match[2], {})[match[1]] = forecast[column]
    for percent, sides in found.items():
        if len(sides) != 2:
            have, missing = ("lower", "upper") if "lower" in sides else ("upper", "lower")
            raise ValueError(
                f"A DataFrame passed as `forecast` must give each interval level both "
                f"bounds. Got the column '{have}_{percent}' without '{missing}_{percent}'; "
                "add it or drop the column."
            )
    ordered = sorted(found, key=float, reverse=True)
    return [(f"{p} % interval", found[p]["lower"], found[p]["upper"]) for p in ordered]


def _future_index(history_index, n_steps):
    """The ``n_steps`` labels after ``history_index``, as :func:`forecast` places them."""
    try:
        return extend_index(history_index, n_steps, owner="plot_forecast", name="history")
    except ValueError as error:
        raise ValueError(
            "`forecast` has no index and the labels after `history`'s index cannot be "
            "inferred (an irregular DatetimeIndex, or an index of neither dates nor "
            "integers). Pass `forecast` as a Series indexed by its timestamps, e.g. the "
            "output of forecast()."
        ) from error


def _forecast_series(forecast, history_index):
    """Return ``forecast`` as a float Series; an array continues ``history_index``."""
    series = _as_series(forecast, "forecast")
    if isinstance(forecast, pd.Series):
        return series
    return series.set_axis(_future_index(history_index, len(series)))


def _align(values, index, name):
    """Return ``values`` (Series or array) as a float Series on ``index``; check lengths."""
    series = _as_series(values, name)
    if isinstance(values, pd.Series | pd.DataFrame):
        return series
    if len(series) != len(index):
        raise ValueError(
            f"`{name}` must have one value per forecast step ({len(index)}). "
            f"Got {len(series)} values."
        )
    return series.set_axis(index)


def _check_history_tail(history_tail):
    """Raise unless ``history_tail`` is None or a positive int."""
    if history_tail is None:
        return
    if isinstance(history_tail, bool) or not isinstance(history_tail, int | np.integer):
        raise ValueError(
            f"`history_tail` must be a positive int or None. Got {history_tail!r} instead."
        )
    if history_tail < 1:
        raise ValueError(f"`history_tail` must be at least 1. Got {history_tail} instead.")


def plot_forecast(
    history,
    forecast,
    *,
    lower=None,
    upper=None,
    actual=None,
    ax=None,
    title=None,
    history_tail=None,
):
    """Plot a history, its forecast, an optional prediction interval and the actuals.

    Parameters
    ----------
    history : pandas.Series, one-column DataFrame or array-like of shape (n_history,)
        Observed values. With a DatetimeIndex the x-axis shows dates; an array is placed at
        positions ``0 .. n_history - 1``.
    forecast : pandas.Series, DataFrame or array-like of shape (n_steps,)
        Forecast values. A Series is placed on its own index (e.g. the output of
        ``RNNForecaster.forecast``). An array continues ``history``'s index as
        :func:`~rnnforecast.forecasting.future_index` does: the next timestamps at its
        frequency (given, inferred, or business days for trading data), or the next
        integer positions.
        A DataFrame must have a ``"forecast"`` column and may have ``"lower"`` and
        ``"upper"`` columns, read as the interval bounds, and level-named bounds
        ``lower_<p>``/``upper_<p>`` (``forecast(..., interval=[0.8, 0.95])``), each
        level drawn as its own band, the narrower ones darker.
    lower, upper : pandas.Series or array-like of shape (n_steps,), default=None
        Interval bounds, drawn as a shaded band when both are given. Arrays are aligned
        with the forecast steps.
    actual : pandas.Series or array-like of shape (n_steps,), default=None
        Observed values over the forecast horizon, drawn as a dashed black line. A Series
        is placed on its own index, an array on the forecast steps.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. If None, a new Figure is made (without pyplot).
    title : str, default=None
        Axes title.
    history_tail : int, default=None
        Draw only the last ``history_tail`` points of ``history``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Lines in drawing order: history, forecast, then actual when given; each
        interval band is a collection (``ax.collections``), widest first.

    Examples
    --------
    >>> from rnnforecast.datasets import load_airline
    >>> y = load_airline()
    >>> ax = plot_forecast(y[:-12], y[-12:] * 1.05, actual=y[-12:], history_tail=48)
    >>> ax.figure.savefig("airline.png")  # doctest: +SKIP
    """
    _check_history_tail(history_tail)
    levels = _level_bounds(forecast)
    forecast, lower, upper = _split_forecast_frame(forecast, lower, upper)
    history = _as_series(history, "history")
    forecast = _forecast_series(forecast, history.index)
    if history_tail is not None:
        history = history.iloc[-history_tail:]
    band = _interval(lower, upper, forecast.index)
    bands = [] if band is None else [("interval", *band)]
    bands += [(label, *_interval(low, up, forecast.index)) for label, low, up in levels]
    if actual is not None:
        actual = _align(actual, forecast.index, "actual")

    ax = _new_axes(ax)
    _draw_forecast_lines(ax, history, forecast)
    for i, (label, band_lower, band_upper) in enumerate(bands):
        alpha = _BAND_ALPHA if len(bands) == 1 else 0.12 + 0.18 * i / (len(bands) - 1)
        _draw_band(ax, forecast.index, band_lower, band_upper, label, alpha)
    if actual is not None:
        ax.plot(_x_values(actual.index), actual.to_numpy(), color=_COLORS["actual"],
                linestyle="--", linewidth=1.2, label="actual")
    _finish_forecast_axes(ax, history, title)
    return ax


def _interval(lower, upper, index):
    """Return ``(lower, upper)`` as Series on the forecast ``index``, or None if not given."""
    if lower is None and upper is None:
        return None
    if lower is None or upper is None:
        raise ValueError("Pass both `lower` and `upper` to draw an interval, or neither.")
    bounds = (_align(lower, index, "lower"), _align(upper, index, "upper"))
    for name, bound in zip(("lower", "upper"), bounds):
        if not bound.index.equals(index):
            raise ValueError(
                f"`{name}` must be indexed like the forecast. Got a Series of "
                f"{len(bound)} values on another index; pass an array or reindex it."
            )
    return bounds


def _draw_forecast_lines(ax, history, forecast):
    """Draw the history line and the forecast line (with markers when it is short)."""
    ax.plot(_x_values(history.index), history.to_numpy(), color=_COLORS["history"],
            label="history")
    marker = "o" if len(forecast) <= _MARKER_MAX_POINTS else None
    ax.plot(_x_values(forecast.index), forecast.to_numpy(), color=_COLORS["forecast"],
            marker=marker, markersize=3.5, label="forecast")


def _draw_band(ax, index, lower, upper, label="interval", alpha=_BAND_ALPHA):
    """Shade the interval between ``lower`` and ``upper`` over the forecast steps.

    Nested levels are drawn widest first, each a little more opaque than the last, so
    the narrower ones show darker (also in the legend).
    """
    ax.fill_between(_x_values(index), lower.to_numpy(), upper.to_numpy(),
                    color=_COLORS["forecast"], alpha=alpha, linewidth=0, label=label)


def _finish_forecast_axes(ax, history, title):
    """Label the axes, add the legend and the title."""
    _format_time_axis(ax, _x_values(history.index))
    ax.set_xlabel(history.index.name or "time")
    if isinstance(history.name, str):
        ax.set_ylabel(history.name)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="best")


# --------------------------------------------------------------------------- loss curve
def _curves_from(loss_curve, validation_scores):
    """Read ``loss_curve_``/``validation_scores_`` from an estimator-like object."""
    if not hasattr(loss_curve, "loss_curve_"):
        if hasattr(loss_curve, "fit"):
            raise ValueError(
                "`loss_curve` is an estimator without a `loss_curve_` attribute; fit it "
                "first or pass the list of losses."
            )
        return loss_curve, validation_scores
    if validation_scores is None:
        validation_scores = getattr(loss_curve, "validation_scores_", None)
    return loss_curve.loss_curve_, validation_scores


def plot_loss_curve(loss_curve, validation_scores=None, *, ax=None):
    """Plot the training loss per epoch and, optionally, the validation score per epoch.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,) or fitted estimator
        Training loss after each epoch, or an object with a ``loss_curve_`` attribute (and
        optionally ``validation_scores_``, used when ``validation_scores`` is None), such as
        a fitted ``RNNForecaster`` or ``RNNClassifier``.
    validation_scores : array-like of shape (n_epochs,), default=None
        Validation score after each epoch (e.g. R^2 or accuracy, higher is better). Scores
        and losses have different scales and directions, so the scores are drawn on a
        twin y-axis on the right (``ax.twinx()``), sharing the epoch axis.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. If None, a new Figure is made (without pyplot).

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes holding the loss line (epochs ``1 .. n_epochs`` on the x-axis). The
        validation line, when drawn, is on a twin Axes sharing its x-axis; one legend
        lists both lines.
    """
    from matplotlib.ticker import MaxNLocator

    losses, scores = _curves_from(loss_curve, validation_scores)
    losses = _as_series(losses, "loss_curve").to_numpy()
    ax = _new_axes(ax)
    epochs = np.arange(1, len(losses) + 1)
    loss_lines = ax.plot(epochs, losses, color=_COLORS["history"], label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if scores is None:
        ax.legend(loc="best")
    else:
        _draw_validation(ax, scores, loss_lines)
    return ax


def _draw_validation(ax, validation_scores, loss_lines):
    """Draw the validation scores on a twin y-axis, with one legend for both lines.

    The legend goes on the twin, which is drawn above ``ax``, at the centre right: losses
    usually end low and scores high.
    """
    scores = _as_series(validation_scores, "validation_scores").to_numpy()
    twin = ax.twinx()
    lines = loss_lines + twin.plot(np.arange(1, len(scores) + 1), scores,
                                   color=_COLORS["validation"], linestyle="--",
                                   label="validation score")
    twin.set_ylabel("validation score")
    twin.legend(lines, [line.get_label() for line in lines], loc="center right")


# --------------------------------------------------------------------------- backtest
def _backtest_frame(results):
    """Return the predictions table with a ``timestamp`` column, checking its columns."""
    if not isinstance(results, pd.DataFrame):
        results = _predictions_of(results)
    if "timestamp" not in results.columns and isinstance(results.index, pd.DatetimeIndex):
        results = results.rename_axis("timestamp").reset_index()
    missing = [column for column in BACKTEST_COLUMNS if column not in results.columns]
    if missing:
        raise ValueError(
            f"`results` must have the columns {list(BACKTEST_COLUMNS)} ('timestamp' may be "
            f"a DatetimeIndex instead). Missing: {missing}."
        )
    if results.empty:
        raise ValueError("`results` must have at least one row. Got an empty DataFrame.")
    for column in ("forecast", "actual"):
        if not pd.api.types.is_numeric_dtype(results[column]):
            raise ValueError(
                f"The {column!r} column of `results` must be numeric. "
                f"Got dtype {results[column].dtype}."
            )
    return results


def _predictions_of(result):
    """The ``predictions`` table of a BacktestResult (read by name: no import needed)."""
    predictions = getattr(result, "predictions", None)
    if not isinstance(predictions, pd.DataFrame):
        raise ValueError(
            "`results` must be a BacktestResult (what backtest returns) or a pandas "
            f"DataFrame of its predictions. Got {type(result).__name__} instead."
        )
    return predictions


def plot_backtest(results, *, ax=None, title=None):
    """Plot the actual series and, for every forecast origin, the forecast made there.

    Parameters
    ----------
    results : BacktestResult or pandas.DataFrame
        What :func:`~rnnforecast.model_selection.backtest` returns, or its
        ``predictions`` table: long layout, one row per (origin, step)::

            origin      timestamp   forecast  actual
            1960-01-01  1960-02-01     418.2   391.0
            1960-01-01  1960-03-01     447.9   419.0
            1960-02-01  1960-03-01     430.1   419.0
            ...

        ``origin`` identifies the forecast origin (a timestamp or any label);
        ``timestamp`` is the time being forecast (a column, or else the DatetimeIndex of
        ``results``); ``forecast`` and ``actual`` are numbers. Actuals repeated across
        origins for one timestamp are drawn once. With ``lower`` and ``upper`` columns
        (``backtest(..., interval=0.9)``), each origin's interval is shaded.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. If None, a new Figure is made (without pyplot).
    title : str, default=None
        Axes title; by default ``"Backtest over <n> forecast origins"``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Lines in drawing order: the actuals, then one segment per origin, in origin order;
        with intervals, one band per origin in ``ax.collections``, in origin order.
    """
    results = _backtest_frame(results)
    ax = _new_axes(ax)
    actual = results.groupby("timestamp", sort=True)["actual"].first()  # once per timestamp
    x_actual = _x_values(pd.Index(actual.index))
    ax.plot(x_actual, actual.to_numpy(dtype=np.float64), color=_COLORS["actual"],
            linewidth=1.2, label="actual")
    n_origins = _draw_segments(ax, results)
    _format_time_axis(ax, x_actual)
    ax.set_xlabel("timestamp")
    ax.set_ylabel("value")
    ax.set_title(f"Backtest over {n_origins} forecast origins" if title is None else title)
    ax.legend(loc="best")
    return ax


def _draw_segments(ax, results):
    """Draw each origin's forecasts as one short line (and its interval as a band, when
    ``results`` has ``lower`` and ``upper``), in origin order; return their count."""
    groups = results.sort_values("timestamp").groupby("origin", sort=True)
    banded = {"lower", "upper"} <= set(results.columns)
    for i, (_, segment) in enumerate(groups):
        x = _x_values(pd.Index(segment["timestamp"]))
        ax.plot(x, segment["forecast"].to_numpy(dtype=np.float64), color=_COLORS["forecast"],
                marker=".", linewidth=1.2, alpha=0.8,
                label="forecasts" if i == 0 else "_nolegend_")
        if banded:
            ax.fill_between(x, segment["lower"].to_numpy(dtype=np.float64),
                            segment["upper"].to_numpy(dtype=np.float64),
                            color=_COLORS["forecast"], alpha=0.2, linewidth=0,
                            label="intervals" if i == 0 else "_nolegend_")
    return groups.ngroups
