"""Forecasts from fitted window forecasters, over and beyond their trained horizon.

The forecaster is any fitted *window forecaster* (see :mod:`._protocol`): ``predict``
on windows of ``T`` rows and ``D`` features, trained for a horizon of ``H`` values.
Beyond ``H`` steps the forecasts are fed back as inputs (one-to-many generation)::

    window  [x_1 .. x_T]             -> predict ŷ_{T+1} .. ŷ_{T+H}
    window  [x_{H+1} .. ŷ_{T+H}]     -> predict ŷ_{T+H+1} .. ŷ_{T+2H}
    ...

which is only possible when the window holds the target alone (``D == 1``), or when
every other feature is known in advance (``make_windows(..., known=[...])``): their
values at the forecast times are taken from ``future`` (see :mod:`._covariates`).
"""

import numpy as np
import pandas as pd

from .._validation import check_finite, check_int
from ._covariates import KnownRows, check_future, future_rows, lead_rows, refuse_future
from ._covariates import missing_future
from ._future_index import extend_index
from ._protocol import agreed_target_feature, known_layout_of, predict_block
from ._protocol import target_feature_of, window_shape

__all__ = ["check_steps", "known_rows", "n_known_of", "recursive_forecast",
           "recursive_predict"]


def check_steps(steps, n_features, horizon, owner, n_known=0):
    """Checked number of values to forecast.

    Forecasting past the trained horizon feeds predictions back as inputs, which
    needs a window of the target alone, or of the target and features known in
    advance (``n_known`` of them): it is refused when other features are left.

    Returns
    -------
    steps : int
    """
    steps = check_int(steps, "steps", 1, owner)
    if steps > horizon and n_known and n_features > 1 + n_known:
        raise ValueError(
            f"The 'steps' parameter of {owner} must be at most n_outputs_ = {horizon}: "
            f"besides the target and {n_known} feature(s) known in advance, the input has "
            f"{n_features - 1 - n_known} feature(s) whose future values are unknown, so "
            f"forecasting further cannot feed predictions back. Got {steps} instead. "
            f"Train with horizon={steps}, or mark those columns known=[...] if their "
            "future values are known."
        )
    if steps > horizon and n_features > 1 and not n_known:
        raise ValueError(
            f"The 'steps' parameter of {owner} must be at most n_outputs_ = {horizon}, "
            f"the horizon the estimator was trained on, because its input has "
            f"n_step_features_in_ = {n_features} features: forecasting further would "
            "feed predictions back as inputs and needs the future values of the other "
            f"(exogenous) features, which are unknown. Got {steps} instead. Train with "
            f"horizon={steps} (e.g. make_windows(..., horizon={steps})) or on the target "
            "series alone."
        )
    return steps


def _slide(X, block, target_feature):
    """Append predicted rows to every window and drop as many of its oldest rows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    block : ndarray of shape (n_samples, horizon)
    target_feature : int
        Feature the predictions are written into.

    Returns
    -------
    X_next : ndarray of shape (n_samples, n_timesteps, n_features)
    """
    n_samples, n_timesteps, n_features = X.shape
    rows = np.full((n_samples, block.shape[1], n_features), np.nan)  # (N, H, D)
    rows[:, :, target_feature] = block
    return np.concatenate([X, rows], axis=1)[:, -n_timesteps:]  # (N, T, D)


def recursive_predict(estimator, X, steps, horizon, target_feature=0, known=None):
    """Forecast ``steps`` values after each window, feeding predictions back if needed.

    Receives checked values: a fitted estimator of horizon ``horizon``, windows of
    its shape and ``steps`` from :func:`check_steps`; with ``known``, the windows' rows
    as observed (their known features are overwritten with the led values of each
    block).

    Parameters
    ----------
    estimator : fitted window forecaster
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    steps : int
        Values to forecast after each window (``>= 1``).
    horizon : int
        The estimator's ``n_outputs_``.
    target_feature : int, default=0
        Feature of the window that the predictions are fed back into.
    known : KnownRows or None, default=None
        Values of the features known in advance over and after each window, with
        ``future_rows(steps, horizon, lead)`` rows past it.

    Returns
    -------
    y_pred : ndarray of shape (n_samples, steps)
        ``ceil(steps / horizon)`` predict calls, each on all windows at once.
    """
    def block_input(X, block):
        return X if known is None else lead_rows(X, known, block, horizon)

    blocks = [predict_block(estimator, block_input(X, 0), horizon)]  # list of (N, H)
    while len(blocks) * horizon < steps:
        X = _slide(X, blocks[-1], target_feature)
        blocks.append(predict_block(estimator, block_input(X, len(blocks)), horizon))
    return np.concatenate(blocks, axis=1)[:, :steps]  # (N, steps)


def _check_window(window, n_timesteps, n_features, owner):
    """The most recent rows as a finite float array of shape (T, D)."""
    values = np.asarray(window, dtype=np.float64)
    if values.ndim == 1 and n_features == 1:
        values = values[:, np.newaxis]  # (T, 1)
    if values.shape != (n_timesteps, n_features):
        raise ValueError(
            f"The 'window' parameter of {owner} must have shape (n_timesteps_in_, "
            f"n_step_features_in_) = ({n_timesteps}, {n_features}), the most recent rows "
            f"of the series. Got shape {values.shape} instead. Pass e.g. "
            f"values[-{n_timesteps}:]."
        )
    return check_finite(values, "window", owner)


def known_rows(estimator, window_rows, future, *, steps, horizon, target_feature, names,
               labels, freq, owner):
    """The known features' values over the window and after it, or None; checked.

    Parameters
    ----------
    window_rows : ndarray of shape (n_timesteps, n_features)
        The window's rows as observed.
    future : see :func:`recursive_forecast` and :func:`~._forecast.forecast`
    names : list of str or None
        Names of the window's features (pandas history), None for arrays.
    labels : pandas.Index
        Labels of the history, which ``future``'s index must continue.
    freq : str, pandas.DateOffset, int or None
        Spacing of the future labels (see :func:`~._future_index.future_index`).

    Returns
    -------
    known : KnownRows or None
        With ``values`` of shape (1, n_timesteps + n_rows, n_known).
    """
    n_features = window_rows.shape[1]
    features, lead = known_layout_of(estimator, n_features, target_feature, owner)
    if not features:
        if future is not None:
            raise refuse_future(estimator, owner)
        return None
    n_rows = future_rows(steps, horizon, lead)
    known_names = None if names is None else [names[f] for f in features]
    if future is None:
        raise missing_future(known_names or list(features), n_rows, owner)
    expected = extend_index(labels, n_rows, freq, owner=owner, name="history")
    values = check_future(future, names=known_names, expected=expected,
                          n_known=len(features), owner=owner)
    rows = np.concatenate([window_rows[:, list(features)], values])  # (T + R, k)
    return KnownRows(features, lead, rows[np.newaxis])


def n_known_of(estimator, n_features, target_feature, owner):
    """Number of features the estimator records as known in advance."""
    return len(known_layout_of(estimator, n_features, target_feature, owner)[0])


def recursive_forecast(estimator, window, steps, *, target=None, future=None):
    """Forecast the ``steps`` values that follow one window.

    With ``steps <= n_outputs_`` this is a single ``predict`` call whose first
    ``steps`` outputs are returned. Longer horizons feed the forecasts back into the
    window, ``n_outputs_`` values at a time (see the module docstring); this needs a
    univariate window (``n_step_features_in_ == 1``) or one whose other features are
    known in advance.

    Parameters
    ----------
    estimator : fitted window forecaster
        Has ``predict``, ``n_timesteps_in_``, ``n_step_features_in_`` and ``n_outputs_``.
    window : array-like of shape (n_timesteps_in_, n_step_features_in_)
        The most recent rows, oldest first; shape (n_timesteps_in_,) is accepted for
        a univariate window.
    steps : int
        Number of future values (``>= 1``).
    target : int or None, default=None
        Column of ``window`` holding the forecast variable, into which the forecasts
        are fed back; default the estimator's ``target_feature`` (0 when it has
        none). Another column than an estimator's ``target_feature`` is refused.
    future : array-like of shape (n_rows, n_known), default=None
        For a model trained with features known in advance (``known_features_``):
        their values at the next ``n_rows = known_lead_ + (ceil(steps / n_outputs_)
        - 1) * n_outputs_`` time steps, in the order of ``known_features_``
        (``n_rows = n_outputs_`` for ``steps <= n_outputs_``). ``window`` then holds
        the observed rows, known features at their own times.

    Returns
    -------
    y_pred : ndarray of shape (steps,)

    Raises
    ------
    ValueError
        If ``window`` has the wrong shape or non-finite values, ``steps`` is not a
        positive int, ``steps > n_outputs_`` with more than one feature not known in
        advance, or ``future`` is missing, given to a model without known features, of
        the wrong shape or not finite.
    """
    owner = "recursive_forecast"
    n_timesteps, n_features, horizon = window_shape(estimator, owner)
    if target is None:
        target_feature = target_feature_of(estimator, n_features, owner)
    else:
        target_feature = agreed_target_feature(estimator, check_int(
            target, "target", 0, owner, max_value=n_features - 1), n_features, owner,
            name="window")
    n_known = n_known_of(estimator, n_features, target_feature, owner)
    steps = check_steps(steps, n_features, horizon, owner, n_known)
    values = _check_window(window, n_timesteps, n_features, owner)
    known = known_rows(estimator, values, future, steps=steps, horizon=horizon,
                       target_feature=target_feature, names=None,
                       labels=pd.RangeIndex(n_timesteps), freq=None, owner=owner)
    X = values[np.newaxis]  # (1, T, D)
    return recursive_predict(estimator, X, steps, horizon, target_feature, known)[0]
