"""Forecasting with fitted window forecasters: future values, intervals, backtests.

Everything here works with any fitted *window forecaster* (duck typing, see
:mod:`rnnforecast._recursive`): an object with ``predict(X)`` on windows of shape
(n_samples, n_timesteps, n_features) and the attributes ``n_timesteps_in_``,
``n_step_features_in_`` and ``n_outputs_`` — ``RNNForecaster``, the baselines of
:mod:`rnnforecast.baselines`, or a wrapper around any regressor.

=============================  ==========================================================
:func:`forecast`               next values after a pandas history, indexed by future
                               timestamps, optionally with conformal intervals
:func:`recursive_forecast`     next values after one window (ndarray), recursive
                               beyond the trained horizon
:func:`future_index`           timestamps after a time index (daily, business days,
                               monthly, hourly, ... or integers)
:func:`conformal_quantiles`    split-conformal half-widths per forecast step
:func:`recursive_residuals`    calibration residuals of the recursive procedure
:func:`backtest`               rolling-origin evaluation with MAE, RMSE, MAPE, sMAPE, MASE
=============================  ==========================================================

Prediction intervals are split conformal (see :mod:`rnnforecast._conformal`):
residuals of held-out windows give one half-width per lead time. For lead times
beyond the trained horizon the residuals must come from the recursive procedure
itself (:func:`recursive_residuals`); they are never extrapolated.
"""

import numpy as np
import pandas as pd

from ._backtest import BacktestResult, backtest
from ._conformal import (check_coverage, conformal_quantiles, recursive_residuals,
                         scaled_interval_widths)
from ._future_index import extend_index, future_index
from ._recursive import (
    check_window_forecaster,
    recursive_forecast,
    recursive_predict,
    target_position,
)
from ._validation import as_2d_array, check_finite, check_int

__all__ = [
    "BacktestResult",
    "backtest",
    "conformal_quantiles",
    "forecast",
    "future_index",
    "recursive_forecast",
    "recursive_residuals",
]

OWNER = "forecast"


def _last_window(values, index, columns, n_timesteps, n_features):
    """The last ``n_timesteps`` rows of the history, checked.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_features)
    index : pandas.Index of length n_time or None
    columns : list of length n_features or None

    Returns
    -------
    window : ndarray of shape (n_timesteps, n_features)
    """
    n_time, n_columns = values.shape
    if n_time < n_timesteps:
        raise ValueError(
            f"The 'history' parameter of {OWNER} must have at least n_timesteps_in_ = "
            f"{n_timesteps} rows, the window length the estimator was trained on. Got "
            f"{n_time} rows instead. Pass a longer history."
        )
    if n_columns != n_features:
        raise ValueError(
            f"The 'history' parameter of {OWNER} must have n_step_features_in_ = "
            f"{n_features} column(s), the features the estimator was trained on, in the "
            f"same order. Got {n_columns} column(s) instead."
        )
    labels = np.arange(n_time) if index is None else index
    window = values[-n_timesteps:]
    return check_finite(window, "history", OWNER, index=labels[-n_timesteps:], columns=columns)


def _target_of(estimator, target, columns, n_features):
    """Column of the forecast variable: ``target``, else the estimator's ``target_feature``."""
    if target is not None:
        return target_position(target, columns, n_features, OWNER, name="history")
    default = getattr(estimator, "target_feature", 0)
    return check_int(default, "target_feature", 0, OWNER, max_value=n_features - 1)


def _forecast_name(history, columns, position):
    """Name of the forecast: the target column's, or "forecast" when it has none."""
    if isinstance(history, pd.Series):
        return "forecast" if history.name is None else history.name
    return "forecast" if columns is None else columns[position]


def _stored_residuals(estimator, residuals, coverage):
    """``residuals``, else the estimator's ``conformal_residuals_``, else an error."""
    if residuals is None:
        residuals = getattr(estimator, "conformal_residuals_", None)
    if residuals is None:
        raise ValueError(
            f"The 'residuals' parameter of {OWNER} is needed for interval={coverage}: "
            f"the {type(estimator).__name__} has no conformal_residuals_ attribute. Got "
            "residuals=None. Pass calibration residuals of data the estimator was not "
            "trained on, e.g. residuals=recursive_residuals(estimator, held_out_data, "
            "steps=steps), or fit an estimator that stores them (RNNForecaster with "
            "early_stopping=True keeps those of its validation windows)."
        )
    return residuals


def _to_pandas(y_pred, widths, future, name):
    """A Series of forecasts, or a DataFrame with interval bounds when ``widths``."""
    if widths is None:
        return pd.Series(y_pred, index=future, name=name)
    bounds = {"forecast": y_pred, "lower": y_pred - widths, "upper": y_pred + widths}
    return pd.DataFrame(bounds, index=future)


def forecast(estimator, history, steps=None, *, freq=None, interval=None, residuals=None,
             target=None):
    """Forecast the values after a history, indexed by the future timestamps.

    The last ``n_timesteps_in_`` rows of ``history`` (all columns, in order, as the
    features of one window) are forecast ``steps`` values ahead with
    :func:`recursive_forecast`: one ``predict`` call up to the trained horizon
    ``n_outputs_``, predictions fed back beyond it (univariate history only).

    Parameters
    ----------
    estimator : fitted window forecaster
        Has ``predict``, ``n_timesteps_in_``, ``n_step_features_in_`` and ``n_outputs_``.
    history : pandas.Series, pandas.DataFrame or array-like of shape (n_time,) or \
(n_time, n_features)
        Observations up to now, oldest first, with at least ``n_timesteps_in_`` rows
        and the ``n_step_features_in_`` columns used in fit. A time index must be
        sorted and unique; NaN or inf are refused in the rows used.
    steps : int, default=None
        Number of future values; default ``n_outputs_``.
    freq : str, pandas.DateOffset, int or None, default=None
        Spacing of the future index, see :func:`future_index`; inferred from
        ``history.index`` when None (arrays continue their row numbers).
    interval : float in (0, 1), default=None
        Coverage of split-conformal prediction intervals, e.g. 0.9.
    residuals : array-like of shape (n_calibration, horizon), default=None
        Calibration residuals ``y - y_pred`` with ``horizon >= steps``, for
        ``interval``; default ``estimator.conformal_residuals_``. For ``steps`` beyond
        the trained horizon use :func:`recursive_residuals`.
    target : str, int or None, default=None
        Column holding the forecast variable (names the output); default the
        estimator's ``target_feature`` if it has one, else the first column.

    Returns
    -------
    forecast : pandas.Series of shape (steps,) or pandas.DataFrame of shape (steps, 3)
        Indexed by the ``steps`` labels after ``history``'s last one. A Series named
        after the target column ("forecast" for arrays and unnamed Series); with
        ``interval``, a DataFrame with columns ``forecast``, ``lower``, ``upper``.

    Raises
    ------
    ValueError
        For a history that is too short, has the wrong number of columns, non-numeric
        columns, NaN/inf in the last window or an unsorted / duplicated index; an
        irregular index without ``freq``; an invalid ``steps``, ``interval`` or
        ``residuals``; or missing residuals for ``interval``.
    """
    n_timesteps, n_features, horizon = check_window_forecaster(estimator, OWNER)
    steps = check_int(horizon if steps is None else steps, "steps", 1, OWNER)
    coverage = None if interval is None else check_coverage(interval, "interval", OWNER)
    values, index, columns = as_2d_array(history, "history", OWNER, ensure_finite=False)
    window = _last_window(values, index, columns, n_timesteps, n_features)
    position = _target_of(estimator, target, columns, n_features)
    labels = pd.RangeIndex(len(values)) if index is None else index
    future = extend_index(labels, steps, freq, owner=OWNER, name="history")
    X = window[np.newaxis]  # (1, T, D)
    widths = None
    if coverage is not None:
        scales = getattr(estimator, "conformal_scales_", None) if residuals is None else None
        calibration = _stored_residuals(estimator, residuals, coverage)
        widths = scaled_interval_widths(calibration, scales, X, coverage, steps, OWNER,
                                        position)[0]  # (steps,)
    y_pred = recursive_predict(estimator, X, steps, target=position, owner=OWNER)[0]
    return _to_pandas(y_pred, widths, future, _forecast_name(history, columns, position))
