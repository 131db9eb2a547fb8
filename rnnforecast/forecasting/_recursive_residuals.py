"""Calibration residuals of the recursive forecast: the errors of the very procedure of
:func:`~rnnforecast.forecasting.recursive_forecast` on every calibration window, for
intervals beyond a model's trained horizon (see ``_conformal.py``)."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._validation import as_2d_array
from ..windowing import make_windows, resolve_target
from ._covariates import KnownRows, future_rows
from ._protocol import agreed_target_feature, known_layout_of, target_feature_of
from ._protocol import window_columns_of, window_shape
from ._recursive import check_steps, recursive_predict

__all__ = ["recursive_residuals"]


def _check_calibration_length(series, n_timesteps, steps):
    """Refuse a calibration series too short for one window and its ``steps`` targets."""
    needed = n_timesteps + steps
    if len(series) < needed:
        raise ValueError(
            "The 'series' parameter of recursive_residuals must have at least "
            f"n_timesteps_in_ + steps = {n_timesteps} + {steps} = {needed} rows for one "
            f"calibration window. Got {len(series)} rows instead. Pass a longer "
            "calibration part or fewer steps."
        )


def recursive_residuals(estimator, series, steps=None, *, target=None, stride=1):
    """Calibration residuals of the recursive forecast, for every step up to ``steps``.

    Every window of ``n_timesteps_in_`` rows of ``series`` that is followed by
    ``steps`` rows is forecast exactly as :func:`recursive_forecast` would (one
    ``predict`` call per ``n_outputs_`` steps, predictions fed back), and the errors
    are returned. Use a part of the series the estimator was not trained on, e.g. the
    last 20 %, so the residuals are honest out-of-sample errors::

        time      |------------- train -------------|------ calibration ------|
        windows                                     [x x x y y y]
                                                      [x x x y y y]  ...

    (the calibration windows may start ``n_timesteps_in_`` rows before the end of
    the training part, since inputs that the model saw as targets do no harm).

    Parameters
    ----------
    estimator : fitted window forecaster
    series : pandas.Series, pandas.DataFrame or array-like of shape (n_time,) or \
(n_time, n_features)
        Calibration data, with the columns the estimator was trained on; it needs at
        least ``n_timesteps_in_ + steps`` rows.
    steps : int, default=None
        Largest lead time to calibrate; default ``n_outputs_``. ``steps >
        n_outputs_`` needs univariate data, or other columns all known in advance (see
        :func:`recursive_forecast`): for a model trained with such columns, each window
        is followed by the rows whose known values the recursion reads (``series``
        needs ``n_timesteps_in_ + known_lead_ + (ceil(steps / n_outputs_) - 1) *
        n_outputs_`` rows).
    target : str, int or None, default=None
        Target column, as in :func:`~rnnforecast.make_windows` (default: the first).
    stride : int, default=1
        Rows between the starts of consecutive calibration windows.

    Returns
    -------
    residuals : ndarray of shape (n_windows, steps)
        ``y - y_pred`` per window (row) and lead time (column), to pass as
        ``forecast(..., residuals=residuals)``.
    """
    owner = "recursive_residuals"
    n_timesteps, n_features, horizon = window_shape(estimator, owner)
    target = _calibration_target(estimator, series, target, n_features, owner)
    if getattr(estimator, "known_features_", None):
        return _known_residuals(estimator, series, steps, target, stride, owner)
    steps = check_steps(horizon if steps is None else steps, n_features, horizon, owner)
    _check_calibration_length(series, n_timesteps, steps)
    X, y = make_windows(series, n_timesteps, steps, target=target, stride=stride)
    if X.shape[2] != n_features:
        raise ValueError(
            f"The 'series' parameter of {owner} must have n_step_features_in_ = "
            f"{n_features} column(s), those the estimator was trained on. Got "
            f"{X.shape[2]} instead."
        )
    target_feature = target_feature_of(estimator, n_features, owner)
    y_pred = recursive_predict(estimator, X, steps, horizon, target_feature)  # (N, steps)
    return y - y_pred  # (n_windows, steps)


def _calibration_target(estimator, series, target, n_features, owner):
    """The target of ``series`` as ``make_windows`` takes it (a name for pandas, a
    position for arrays): ``target``, agreeing with the estimator's ``target_feature``,
    or by default that feature. The columns must come in the order of fit."""
    values, _, columns = as_2d_array(series, "series", owner, ensure_finite=False)
    expected = window_columns_of(estimator)
    if expected is not None and columns is not None and \
            [str(c) for c in columns] != expected:
        raise ValueError(
            f"The 'series' parameter of {owner} must have the columns the estimator's "
            f"windows were made from, in the same order: {expected}. Got "
            f"{[str(c) for c in columns]} instead; the estimator reads the features by "
            f"position. Reorder them: series[{expected}].")
    if values.shape[1] != n_features:
        return target  # make_windows' windows are refused for their width
    if target is None:
        column = target_feature_of(estimator, n_features, owner)
    else:
        column = resolve_target(target, columns, n_features, owner, "series")
        agreed_target_feature(estimator, column, n_features, owner,
                              None if columns is None else columns[column], name="series")
    return column if columns is None else columns[column]


def _known_residuals(estimator, series, steps, target, stride, owner):
    """:func:`recursive_residuals` of a model with features known in advance: each
    window is followed by the ``future_rows`` rows whose known values the recursion
    reads, taken from ``series`` (they are known at the window's end)."""
    n_timesteps, n_features, horizon = window_shape(estimator, owner)
    values, _, columns = as_2d_array(series, "series", owner)
    target_feature = resolve_target(target, columns, values.shape[1], owner, "series")
    features, lead = known_layout_of(estimator, n_features, target_feature, owner)
    steps = check_steps(horizon if steps is None else steps, n_features, horizon, owner,
                        len(features))
    n_rows = future_rows(steps, horizon, lead)
    if len(values) < n_timesteps + n_rows:
        raise ValueError(
            f"The 'series' parameter of {owner} must have at least n_timesteps_in_ + "
            f"{n_rows} = {n_timesteps + n_rows} rows: one window and the {n_rows} rows "
            f"whose known values the recursion over {steps} step(s) reads. Got "
            f"{len(values)} rows instead. Pass a longer calibration part or fewer steps.")
    X, y = make_windows(values, n_timesteps, n_rows, target=target_feature, stride=stride)
    if X.shape[2] != n_features:
        raise ValueError(
            f"The 'series' parameter of {owner} must have n_step_features_in_ = "
            f"{n_features} column(s), those the estimator was trained on. Got "
            f"{X.shape[2]} instead.")
    last = len(values) - n_timesteps - n_rows  # the windows' starts, as make_windows
    starts = np.arange(last % stride, last + 1, stride)
    spans = sliding_window_view(values[:, list(features)], n_timesteps + n_rows, axis=0)
    rows = spans[starts].transpose(0, 2, 1)  # (n_windows, T + R, n_known)
    known = KnownRows(features, lead, rows)
    y_pred = recursive_predict(estimator, X, steps, horizon, target_feature, known)
    return y[:, :steps] - y_pred  # (n_windows, steps)
