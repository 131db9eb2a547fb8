"""Rolling-origin evaluation (backtesting) of window forecasters.

At each forecast origin ``o`` a clone of the estimator is fitted on windows made
from the rows before ``o`` and forecasts rows ``o .. o + horizon - 1`` from the last
``window`` rows it may see. Origins start after ``initial_train_size`` rows and
move ``step`` rows at a time (``horizon=2, step=2``, ``t`` train, ``f`` forecast)::

    time          0 1 2 3 4 5 6 7 8 9
    expanding     t t t t t t f f
                  t t t t t t t t f f
    sliding       t t t t t t f f
                      t t t t t t f f

Every training window ends before its origin, so no forecast uses a value of its
own future. The last origin is the last one with ``horizon`` rows after it.

References
----------
Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and
review. International Journal of Forecasting, 16(4), 437-450.
"""

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from .._jobs import recording, show
from .._validation import as_2d_array, check_int, check_option
from ..forecasting._conformal import check_calibration, check_coverage, interval_widths
from ..forecasting._protocol import calibration, predict_block, with_target_feature
from ..metrics import evaluate
from ..windowing import make_windows, resolve_known, resolve_target
from ._history import (check_history_forecaster, fit_history_and_forecast,
                       is_history_forecaster)

__all__ = ["BacktestResult", "backtest"]

OWNER = "backtest"

#: Training scheme -> first training row for an origin and the initial training size.
STRATEGIES = {
    "expanding": lambda origin, size: 0,
    "sliding": lambda origin, size: origin - size,
}


@dataclass(repr=False)
class BacktestResult:
    """Forecasts and accuracy of a :func:`backtest`.

    Printed, it is a short summary (origins, horizon, metrics and, with intervals, how
    many actuals fell inside them); in a notebook the same as HTML with the metrics per
    origin. Draw it with ``result.plot()`` (:func:`rnnforecast.plotting.plot_backtest`).

    Attributes
    ----------
    predictions : pandas.DataFrame of shape (n_origins * horizon, 5) or (..., 7)
        One row per origin and lead time, columns ``origin`` (label of the last
        observation available at the forecast), ``step`` (lead time 1 .. horizon),
        ``timestamp`` (label of the forecast row), ``forecast``, ``actual``, and with
        an interval ``lower`` and ``upper``.
    metrics : dict of str -> float
        MAE, RMSE, MAPE, sMAPE and MASE over all rows of ``predictions`` (see
        :mod:`rnnforecast.metrics`); MASE is scaled by the in-sample seasonal-naive
        MAE of the initial training part ``data[:initial_train_size]``.
    fold_metrics : pandas.DataFrame of shape (n_origins, 5)
        The same metrics per origin (index: ``origin``), MASE scaled by the training
        part of the model that made the forecast.
    """

    predictions: pd.DataFrame
    metrics: dict
    fold_metrics: pd.DataFrame

    def _headline(self):
        """One sentence: origins, their first and last labels, horizon, forecasts."""
        origins = self.fold_metrics.index
        horizon = int(self.predictions["step"].max())
        span = f"{_label(origins[0])}" if len(origins) == 1 else \
            f"{_label(origins[0])} to {_label(origins[-1])}"
        noun = "origin" if len(origins) == 1 else "origins"
        return (f"{len(origins)} forecast {noun} ({span}), horizon {horizon}, "
                f"{len(self.predictions)} forecasts")

    def _coverage_line(self):
        """How many actuals lie inside their interval, or None without intervals."""
        if "lower" not in self.predictions:
            return None
        frame = self.predictions
        inside = int(((frame["lower"] <= frame["actual"]) &
                      (frame["actual"] <= frame["upper"])).sum())
        return (f"actuals inside the interval: {inside} of {len(frame)} "
                f"({100 * inside / len(frame):.1f}%)")

    def __repr__(self):
        figures = "  ".join(f"{name} {value:.4g}" for name, value in self.metrics.items())
        lines = [f"BacktestResult: {self._headline()}", f"  {figures}"]
        coverage = self._coverage_line()
        if coverage is not None:
            lines.append(f"  {coverage}")
        lines.append("  (attributes: predictions, metrics, fold_metrics)")
        return "\n".join(lines)

    def _repr_html_(self):
        """The summary, the pooled metrics and the metrics per origin, for notebooks."""
        pooled = pd.DataFrame([self.metrics], index=["all origins"])
        coverage = self._coverage_line()
        text = html.escape(self._headline()) + \
            ("" if coverage is None else "; " + html.escape(coverage))
        table = {"float_format": "{:.4g}".format, "border": 0}
        return (f"<div><p><strong>Backtest</strong>: {text}</p>"
                f"{pooled.to_html(**table)}"
                f"<p>Metrics per origin:</p>"
                f"{self.fold_metrics.to_html(max_rows=HTML_MAX_ROWS, **table)}</div>")

    def plot(self, *, ax=None, title=None):
        """The actual series and every origin's forecast (and interval): the figure of
        :func:`rnnforecast.plotting.plot_backtest`. Returns the matplotlib Axes."""
        from ..plotting import plot_backtest  # matplotlib only when a plot is asked for
        return plot_backtest(self, ax=ax, title=title)


#: Most rows of the per-origin table shown in a notebook (first and last halves).
HTML_MAX_ROWS = 12


def _label(value):
    """An origin label as text: a date without its midnight time, else ``str``."""
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return str(value.date())
    return str(value)


def _initial_size(initial_train_size, n_time, window, horizon, seasonal_period):
    """Rows of the first training part: given, or half the data by default."""
    low = max(window + horizon, seasonal_period + 1)
    high = n_time - horizon
    if high < low:
        raise ValueError(
            f"The 'data' parameter of {OWNER} must have at least {low + horizon} rows: a "
            f"training part of max(window + horizon, seasonal_period + 1) = {low} rows "
            f"and {horizon} row(s) to forecast. Got {n_time} rows instead. Use a smaller "
            "window or horizon, or a longer series."
        )
    if initial_train_size is None:
        return min(max(n_time // 2, low), high)
    return check_int(initial_train_size, "initial_train_size", low, OWNER, max_value=high)


def _check_bool(value, name):
    """Accept Python and NumPy booleans only."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(
            f"The '{name}' parameter of {OWNER} must be a bool. Got {value!r} instead."
        )
    return bool(value)


def _fit(estimator, values, start, origin, window, horizon, target_feature, known):
    """Fit ``estimator`` on the windows of rows ``start .. origin - 1``."""
    X, y = make_windows(values[start:origin], window, horizon, target=target_feature,
                        known=known or None)
    return estimator.fit(X, y[:, 0] if horizon == 1 else y)  # y: (n_windows, horizon)


def _origin_windows(values, origins, window, horizon, known):
    """The windows ending before ``origins``, known features led by ``horizon``.

    Returns
    -------
    X : ndarray of shape (n_origins, window, n_features)
        Rows ``o - window .. o - 1``; a known feature's rows ``o - window + horizon ..
        o - 1 + horizon`` (all before ``o + horizon``, the end of the forecast rows).
    """
    rows = origins[:, np.newaxis] + np.arange(-window, 0)  # (n_origins, window)
    X = values[rows]  # (n_origins, window, n_features)
    if known:
        X[:, :, known] = values[rows + horizon][:, :, known]
    return X


def _forecast_from(model, values, origins, window, horizon, target_feature, known,
                   coverage):
    """Forecasts of one fitted model from the windows ending before ``origins``.

    Returns
    -------
    forecasts : ndarray of shape (n_origins, horizon)
    widths : ndarray of shape (n_origins, horizon) or None
        Conformal half-widths, when ``coverage`` is given.
    """
    X = _origin_windows(values, origins, window, horizon, known)
    forecasts = predict_block(model, X, horizon)
    if coverage is None:
        return forecasts, None
    stored = calibration(model, owner=OWNER, coverage=coverage, fitted_here=True)
    checked = check_calibration(*stored, horizon, coverage, OWNER)
    return forecasts, interval_widths(*checked, X, coverage, target_feature)


def _fit_and_forecast(estimator, values, start, origin, window, horizon, target_feature,
                      known, coverage):
    """One refit job: fit on rows ``start .. origin - 1``, forecast the next rows."""
    model = _fit(estimator, values, start, origin, window, horizon, target_feature, known)
    return _forecast_from(model, values, np.array([origin]), window, horizon, target_feature,
                          known, coverage)


def _run_refits(estimator, values, starts, origins, settings, n_jobs,
                job=_fit_and_forecast):
    """Fit a clone per origin through joblib; stack the forecasts (n_origins, horizon)."""
    jobs = (
        delayed(recording)(job, clone(estimator), values, start, origin, *settings)
        for start, origin in zip(starts, origins)
    )
    results = Parallel(n_jobs=n_jobs)(jobs)
    show([caught for _, caught in results], OWNER, stacklevel=4)
    forecasts = np.concatenate([forecast for (forecast, _), _ in results])
    widths = None if results[0][0][1] is None else \
        np.concatenate([w for (_, w), _ in results])
    return forecasts, widths


def _run_once(estimator, values, initial, origins, settings):
    """Fit one clone on the initial part and forecast from every origin at once."""
    window, horizon, target_feature, known, coverage = settings
    model = _fit(clone(estimator), values, 0, initial, window, horizon, target_feature,
                 known)
    return _forecast_from(model, values, origins, window, horizon, target_feature, known,
                          coverage)


def _predictions_frame(labels, rows, actual, forecasts, widths):
    """Long table of forecasts, one row per (origin, step); see BacktestResult.

    Parameters
    ----------
    labels : pandas.Index of shape (n_time,)
    rows : ndarray of shape (n_origins, horizon)
        Positions of the forecast rows; ``rows[:, 0]`` are the origins.
    actual : ndarray of shape (n_origins, horizon)
    forecasts : ndarray of shape (n_origins, horizon)
    widths : ndarray of shape (n_origins, horizon) or None
    """
    n_origins, horizon = rows.shape
    frame = pd.DataFrame({
        "origin": labels[np.repeat(rows[:, 0] - 1, horizon)],
        "step": np.tile(np.arange(1, horizon + 1), n_origins),
        "timestamp": labels[rows.ravel()],
        "forecast": forecasts.ravel(),
        "actual": actual.ravel(),
    })
    if widths is not None:
        frame["lower"] = frame["forecast"] - widths.ravel()
        frame["upper"] = frame["forecast"] + widths.ravel()
    return frame


def _fold_metrics(labels, rows, actual, forecasts, train_parts, series, seasonal_period):
    """Metrics per origin (one row each), MASE scaled by the part the model saw.

    ``train_parts`` holds one ``(start, stop)`` row range per origin.
    """
    folds = [
        evaluate(actual_i, forecast_i, series[start:stop], seasonal_period)
        for actual_i, forecast_i, (start, stop) in zip(actual, forecasts, train_parts)
    ]
    return pd.DataFrame(folds, index=pd.Index(labels[rows[:, 0] - 1], name="origin"))


def _result(labels, origins, forecasts, widths, series, initial, train_parts,
            seasonal_period):
    """Predictions table and metrics of a backtest.

    Parameters
    ----------
    labels : pandas.Index of shape (n_time,)
    origins : ndarray of shape (n_origins,)
    forecasts, widths : ndarray of shape (n_origins, horizon); ``widths`` may be None
    series : ndarray of shape (n_time,)
        The target column.
    initial : int
        Rows of the initial training part (the scale of the pooled MASE).
    train_parts : list of (int, int)
        Training rows ``(start, stop)`` of the model used at each origin.
    seasonal_period : int

    Returns
    -------
    result : BacktestResult
    """
    rows = origins[:, np.newaxis] + np.arange(forecasts.shape[1])  # (n_origins, horizon)
    actual = series[rows]  # (n_origins, horizon)
    frame = _predictions_frame(labels, rows, actual, forecasts, widths)
    metrics = evaluate(actual, forecasts, series[:initial], seasonal_period)
    fold_metrics = _fold_metrics(
        labels, rows, actual, forecasts, train_parts, series, seasonal_period
    )
    return BacktestResult(predictions=frame, metrics=metrics, fold_metrics=fold_metrics)


def backtest(estimator, data, *, window=None, horizon=1, target=None, initial_train_size=None,
             step=None, strategy="expanding", refit=True, seasonal_period=1, interval=None,
             n_jobs=None, known=None):
    """Rolling-origin evaluation of a window forecaster on one series.

    See the module docstring for a diagram. At each origin a
    :func:`~sklearn.base.clone` of ``estimator`` is fitted on
    ``make_windows(data[start:origin], window, horizon, target=target)`` and
    predicts the ``horizon`` rows after the origin from the ``window`` rows before it
    (a direct multi-step forecast, one ``predict`` call).

    Parameters
    ----------
    estimator : unfitted window forecaster, or AutoForecaster
        Anything with ``fit(X, y)`` on ``X`` of shape (n_windows, window, n_features)
        and ``y`` of shape (n_windows,) or (n_windows, horizon), and ``predict(X)``.
        An :class:`~rnnforecast.forecasting.AutoForecaster` (the ``forecast``
        command's model) is fitted on the rows before each origin themselves, with
        their timestamps, and chooses its own window there: give ``window=None``, its
        own ``horizon`` and ``refit=True``.
    data : pandas.Series, pandas.DataFrame or array-like of shape (n_time,) or \
(n_time, n_features)
        The series (and exogenous columns), oldest first.
    window : int or None
        Input window length (``>= 1``) of a window forecaster; None for an
        AutoForecaster.
    horizon : int, default=1
        Rows forecast from each origin (``>= 1``).
    target : str, int or None, default=None
        Column to forecast, as in :func:`~rnnforecast.make_windows`; default the first.
        The clones' ``target_feature`` parameter is set to this column (leave it at its
        default); an estimator without that parameter needs the target first.
    initial_train_size : int, default=None
        Rows before the first origin, in ``[max(window + horizon, seasonal_period +
        1), n_time - horizon]``; default half the rows, clipped to that range.
    step : int, default=None
        Rows between consecutive origins; default ``horizon`` (forecast blocks that
        tile the test period without overlap).
    strategy : {"expanding", "sliding"}, default="expanding"
        Train on all rows before the origin, or on the last ``initial_train_size``.
    refit : bool, default=True
        Fit a new clone at every origin (in parallel), or fit once on the first
        ``initial_train_size`` rows and only predict afterwards.
    seasonal_period : int, default=1
        Lag of the seasonal-naive forecast that scales MASE.
    interval : float in (0, 1), default=None
        Coverage of conformal intervals, from each fitted model's
        ``conformal_residuals_``.
    n_jobs : int, default=None
        Parallel refits through ``joblib.Parallel`` (``-1``: all cores).
    known : list of str or int, default=None
        Columns known in advance (as in :func:`~rnnforecast.make_windows`): the clones
        train on windows with these columns led by ``horizon``, and each origin's
        window reads their values at its forecast rows from ``data`` itself (they are
        known then). An AutoForecaster takes them from its own ``known`` parameter
        instead.

    Returns
    -------
    result : BacktestResult
        ``predictions``, ``metrics`` and ``fold_metrics``.

    Warns
    -----
    ConvergenceWarning
        Once, with how many refits stopped before converging, instead of once per fit.
        The refits' other warnings are shown through the caller's filters too, also
        when the fits run in other processes.
    """
    values, index, columns = as_2d_array(data, "data", OWNER)
    history_model = is_history_forecaster(estimator)
    horizon = check_int(horizon, "horizon", 1, OWNER)
    window = check_history_forecaster(estimator, window, horizon, refit, OWNER) \
        if history_model else check_int(window, "window", 1, OWNER)
    seasonal_period = check_int(seasonal_period, "seasonal_period", 1, OWNER)
    target_feature = resolve_target(target, columns, values.shape[1], OWNER)
    label = None if columns is None else columns[target_feature]
    if not history_model:
        estimator = with_target_feature(estimator, target_feature, OWNER, label=label)
    initial = _initial_size(initial_train_size, len(values), window, horizon, seasonal_period)
    step = check_int(horizon if step is None else step, "step", 1, OWNER)
    to_start = STRATEGIES[check_option(strategy, "strategy", STRATEGIES, OWNER)]
    coverage = None if interval is None else check_coverage(interval, "interval", OWNER)
    labels = pd.RangeIndex(len(values)) if index is None else index
    if history_model and known is not None:
        raise ValueError(
            f"The 'known' parameter of {OWNER} must be None for an AutoForecaster, which "
            f"reads the columns known in advance from its own 'known' parameter. Got "
            f"{known!r}; set AutoForecaster(known={known!r}) instead.")
    known = [] if known is None else \
        resolve_known(known, columns, values.shape[1], target_feature, OWNER)
    settings = (window, horizon, target_feature, known, coverage)
    if history_model:  # fitted on the rows themselves, with their timestamps
        settings = (labels, columns, target_feature, coverage)
    origins = np.arange(initial, len(values) - horizon + 1, step)  # (n_origins,)
    starts = np.array([to_start(origin, initial) for origin in origins])
    if _check_bool(refit, "refit"):
        forecasts, widths = _run_refits(
            estimator, values, starts, origins, settings, n_jobs,
            fit_history_and_forecast if history_model else _fit_and_forecast)
        train_parts = list(zip(starts, origins))
    else:
        forecasts, widths = _run_once(estimator, values, initial, origins, settings)
        train_parts = [(0, initial)] * len(origins)
    scoring = (values[:, target_feature], initial, train_parts, seasonal_period)
    return _result(labels, origins, forecasts, widths, *scoring)
