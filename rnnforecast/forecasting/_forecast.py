"""forecast(): the values after a history, indexed by future timestamps.

The last window of the history goes through the estimator (see :mod:`._recursive`),
the future timestamps come from :mod:`._future_index` and the optional interval from
:mod:`._conformal`.
"""

import numpy as np
import pandas as pd

from .._validation import as_2d_array, check_finite
from ..windowing import resolve_target
from ._conformal import check_calibration, check_levels, interval_columns, level_label
from ._conformal import level_widths
from ._covariates import lead_rows
from ._future_index import extend_index
from ._protocol import agreed_target_feature, calibration, quantile_block
from ._protocol import quantile_levels_of, target_feature_of, window_columns_of, window_shape
from ._recursive import check_steps, known_rows, n_known_of, recursive_predict

__all__ = ["forecast"]

OWNER = "forecast"


def _last_window(values, index, columns, n_timesteps, n_features, expected=None):
    """The last ``n_timesteps`` rows of the history, checked.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_features)
    index : pandas.Index of length n_time or None
    columns : list of length n_features or None
    expected : list of str or None
        The column names the estimator's windows were made from (``window_columns_``):
        a history with names must have them, in that order.

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
    if expected is not None and columns is not None and \
            [str(c) for c in columns] != expected:
        raise ValueError(
            f"The 'history' parameter of {OWNER} must have the columns the estimator's "
            f"windows were made from, in the same order: {expected}. Got "
            f"{[str(c) for c in columns]} instead; the estimator reads the features by "
            f"position. Reorder them: history[{expected}].")
    labels = np.arange(n_time) if index is None else index
    window = values[-n_timesteps:]
    return check_finite(window, "history", OWNER, index=labels[-n_timesteps:], columns=columns)


def _target_feature(estimator, target, columns, n_features):
    """Column of the forecast variable: ``target``, else the estimator's ``target_feature``."""
    if target is not None:
        column = resolve_target(target, columns, n_features, OWNER, name="history")
        label = None if columns is None else columns[column]
        return agreed_target_feature(estimator, column, n_features, OWNER, label)
    return target_feature_of(estimator, n_features, OWNER)


def _forecast_name(history, columns, target_feature):
    """Name of the forecast: the target column's, or "forecast" when it has none."""
    if isinstance(history, pd.Series):
        return "forecast" if history.name is None else history.name
    return "forecast" if columns is None else columns[target_feature]


def _to_pandas(y_pred, widths, levels, future, name):
    """A Series of forecasts, or a DataFrame with interval bounds when ``widths``.

    Parameters
    ----------
    y_pred : ndarray of shape (steps,)
    widths : ndarray of shape (n_levels, steps) or None
    levels : float, tuple of float or None
        As checked by :func:`~._conformal.check_levels`; names the bound columns.
    """
    if widths is None:
        return pd.Series(y_pred, index=future, name=name)
    bounds = {"forecast": y_pred}
    names = iter(interval_columns(levels))
    for width in widths:  # one level after the other, in increasing order
        bounds[next(names)] = y_pred - width
        bounds[next(names)] = y_pred + width
    return pd.DataFrame(bounds, index=future)


def forecast(estimator, history, steps=None, *, freq=None, interval=None, residuals=None,
             target=None, future=None, quantiles=False):
    """Forecast the values after a history, indexed by the future timestamps.

    The last ``n_timesteps_in_`` rows of ``history`` (all columns, in order, as the
    features of one window) are forecast ``steps`` values ahead as by
    :func:`~rnnforecast.forecasting.recursive_forecast`: one ``predict`` call up to
    the trained horizon ``n_outputs_``, predictions fed back beyond it (a univariate
    history, or one whose other columns are known in advance and given in ``future``).

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
        Spacing of the future index, see
        :func:`~rnnforecast.forecasting.future_index`; inferred from
        ``history.index`` when None (arrays continue their row numbers). Needed for
        an irregular index only: one that labels the steps otherwise than a regular
        index's own spacing is refused, each forecast step being one of the history.
    interval : float in (0, 1) or list of float, default=None
        Coverage of split-conformal prediction intervals, e.g. 0.9; a list or tuple
        such as ``[0.8, 0.95]`` gives one interval per level (distinct levels, any
        order), all from the same residuals and nested.
    residuals : array-like of shape (n_calibration, horizon), default=None
        Calibration residuals ``y - y_pred`` with ``horizon >= steps``, for
        ``interval``; default ``estimator.conformal_residuals_``. For ``steps`` beyond
        the trained horizon use :func:`~rnnforecast.forecasting.recursive_residuals`.
    target : str, int or None, default=None
        Column holding the forecast variable (names the output); default the
        estimator's ``target_feature`` if it has one, else the first column. An
        estimator with ``target_feature`` forecasts that column: naming another is
        refused.
    future : pandas.DataFrame or array-like of shape (n_rows, n_known), default=None
        Values of the columns known in advance, for a model trained on windows of
        ``make_windows(..., known=[...])`` (it records them as ``known_features_``):
        a DataFrame with exactly those columns, indexed by the ``n_rows`` timestamps
        after ``history`` (``future_index(history.index, n_rows)``), where ``n_rows =
        n_outputs_`` for ``steps <= n_outputs_`` and ``ceil(steps / n_outputs_) *
        n_outputs_`` beyond (every step the recursion reads); an array in the order of
        ``known_features_`` for an array history. Refused for a model without known
        columns, and required by one with them.
    quantiles : bool or "calibrated", default=False
        Add a column per quantile level of a forecaster fitted with
        ``loss="quantile"`` (``quantiles_``), named ``q<p>`` after its percentage
        (``q10``, ``q50``, ``q90``; never crossing), from ``predict_quantiles`` of the
        last window; "calibrated" shifts them by their held-out residuals
        (``predict_quantiles(X, calibrated=True)``). Up to the trained horizon only:
        the levels of a recursive forecast are not those of the network.

    Returns
    -------
    forecast : pandas.Series of shape (steps,) or pandas.DataFrame of shape \
(steps, 1 + 2 * n_levels [+ n_quantiles])
        Indexed by the ``steps`` labels after ``history``'s last one. A Series named
        after the target column ("forecast" for arrays and unnamed Series); with
        one ``interval`` level, a DataFrame with columns ``forecast``, ``lower``,
        ``upper``; with a list of levels, the columns ``forecast`` then
        ``lower_<p>``, ``upper_<p>`` for each level in increasing order, ``<p>`` its
        percentage: ``interval=[0.95, 0.8]`` gives ``forecast``, ``lower_80``,
        ``upper_80``, ``lower_95``, ``upper_95``. With ``quantiles``, a DataFrame
        whose last columns are the quantile levels, ``q10``, ``q50``, ...

    Raises
    ------
    ValueError
        For a history that is too short, has the wrong number of columns, non-numeric
        columns, NaN/inf in the last window or an unsorted / duplicated index; an
        irregular index without ``freq``; an invalid ``steps``, ``interval`` (a level
        outside (0, 1), an empty list, a level given twice) or ``residuals``; missing
        residuals for ``interval``, or too few for its highest level; ``future``
        missing, not expected, with missing, extra or misaligned rows or columns, or
        NaN.

    Examples
    --------
    >>> from rnnforecast.datasets import load_airline
    >>> from rnnforecast.forecasting import SeasonalNaiveForecaster
    >>> from rnnforecast import make_windows
    >>> y = load_airline()
    >>> model = SeasonalNaiveForecaster(seasonal_period=12).fit(*make_windows(y, 24, 12))
    >>> list(forecast(model, y, interval=[0.95, 0.8]).columns)
    ['forecast', 'lower_80', 'upper_80', 'lower_95', 'upper_95']
    """
    n_timesteps, n_features, horizon = window_shape(estimator, OWNER)
    levels = None if interval is None else check_levels(interval, "interval", OWNER)
    _check_quantiles(quantiles, steps, horizon)
    q_levels = quantile_levels_of(estimator, OWNER) if quantiles else None
    values, index, columns = as_2d_array(history, "history", OWNER, ensure_finite=False)
    window = _last_window(values, index, columns, n_timesteps, n_features,
                          window_columns_of(estimator))
    target_feature = _target_feature(estimator, target, columns, n_features)
    n_known = n_known_of(estimator, n_features, target_feature, OWNER)
    steps = check_steps(horizon if steps is None else steps, n_features, horizon, OWNER,
                        n_known)
    labels = pd.RangeIndex(len(values)) if index is None else index
    known = known_rows(estimator, window, future, steps=steps, horizon=horizon,
                       target_feature=target_feature, names=columns, labels=labels,
                       freq=freq, owner=OWNER)
    timestamps = extend_index(labels, steps, freq, owner=OWNER, name="history")
    X = window[np.newaxis]  # (1, T, D)
    widths = None
    if levels is not None:
        stored = calibration(estimator, residuals, owner=OWNER, coverage=interval)
        checked = check_calibration(*stored, steps, levels, OWNER)
        widths = level_widths(*checked, X, levels, target_feature)[:, 0]  # (n_levels, steps)
    y_pred = recursive_predict(estimator, X, steps, horizon, target_feature, known)[0]
    name = _forecast_name(history, columns, target_feature)
    result = _to_pandas(y_pred, widths, levels, timestamps, name)
    if not quantiles:
        return result
    first = X if known is None else lead_rows(X, known, 0, horizon)  # as predict reads it
    y_q = quantile_block(estimator, first, horizon, len(q_levels), quantiles == "calibrated")
    frame = result.to_frame("forecast") if isinstance(result, pd.Series) else result
    for k, level in enumerate(q_levels):
        frame[f"q{level_label(level)}"] = y_q[0, :steps, k]
    return frame


def _check_quantiles(quantiles, steps, horizon):
    """``quantiles`` is False, True or "calibrated", with ``steps`` up to ``horizon``."""
    if quantiles is not False and quantiles is not True and quantiles != "calibrated":
        raise ValueError(
            f"The 'quantiles' parameter of {OWNER} must be False, True or 'calibrated'. "
            f"Got {quantiles!r} instead.")
    if quantiles and steps is not None and steps > horizon:
        raise ValueError(
            f"The 'quantiles' parameter of {OWNER} gives the network's levels up to its "
            f"trained horizon n_outputs_ = {horizon}; got steps={steps}. A recursive "
            "forecast feeds back one value per step, so its later levels would not be "
            f"the network's. Ask for steps <= {horizon}, or use interval= with "
            "recursive_residuals for longer horizons.")
