"""Forecasts from fitted window forecasters, over and beyond their trained horizon.

The forecaster is any fitted *window forecaster* (see :mod:`._protocol`): ``predict``
on windows of ``T`` rows and ``D`` features, trained for a horizon of ``H`` values.
Beyond ``H`` steps the forecasts are fed back as inputs (one-to-many generation)::

    window  [x_1 .. x_T]             -> predict ŷ_{T+1} .. ŷ_{T+H}
    window  [x_{H+1} .. ŷ_{T+H}]     -> predict ŷ_{T+H+1} .. ŷ_{T+2H}
    ...

which is only possible when the window holds the target alone (``D == 1``): the
future values of other features are unknown.
"""

import numpy as np

from .._validation import check_finite, check_int
from ._protocol import predict_block, window_shape

__all__ = ["check_steps", "recursive_forecast", "recursive_predict"]


def check_steps(steps, n_features, horizon, owner):
    """Checked number of values to forecast.

    Forecasting past the trained horizon feeds predictions back as inputs, which
    needs a window of the target alone: it is refused when ``n_features > 1``.

    Returns
    -------
    steps : int
    """
    steps = check_int(steps, "steps", 1, owner)
    if steps > horizon and n_features > 1:
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


def recursive_predict(estimator, X, steps, horizon, target_feature=0):
    """Forecast ``steps`` values after each window, feeding predictions back if needed.

    Receives checked values: a fitted estimator of horizon ``horizon``, windows of
    its shape and ``steps`` from :func:`check_steps`.

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

    Returns
    -------
    y_pred : ndarray of shape (n_samples, steps)
        ``ceil(steps / horizon)`` predict calls, each on all windows at once.
    """
    blocks = [predict_block(estimator, X, horizon)]  # list of (N, H)
    while len(blocks) * horizon < steps:
        X = _slide(X, blocks[-1], target_feature)
        blocks.append(predict_block(estimator, X, horizon))
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


def recursive_forecast(estimator, window, steps, *, target=0):
    """Forecast the ``steps`` values that follow one window.

    With ``steps <= n_outputs_`` this is a single ``predict`` call whose first
    ``steps`` outputs are returned. Longer horizons feed the forecasts back into the
    window, ``n_outputs_`` values at a time (see the module docstring); this needs a
    univariate window (``n_step_features_in_ == 1``).

    Parameters
    ----------
    estimator : fitted window forecaster
        Has ``predict``, ``n_timesteps_in_``, ``n_step_features_in_`` and ``n_outputs_``.
    window : array-like of shape (n_timesteps_in_, n_step_features_in_)
        The most recent rows, oldest first; shape (n_timesteps_in_,) is accepted for
        a univariate window.
    steps : int
        Number of future values (``>= 1``).
    target : int, default=0
        Column of ``window`` holding the forecast variable, into which the forecasts
        are fed back.

    Returns
    -------
    y_pred : ndarray of shape (steps,)

    Raises
    ------
    ValueError
        If ``window`` has the wrong shape or non-finite values, ``steps`` is not a
        positive int, or ``steps > n_outputs_`` with more than one feature.
    """
    owner = "recursive_forecast"
    n_timesteps, n_features, horizon = window_shape(estimator, owner)
    steps = check_steps(steps, n_features, horizon, owner)
    target_feature = check_int(target, "target", 0, owner, max_value=n_features - 1)
    values = _check_window(window, n_timesteps, n_features, owner)
    X = values[np.newaxis]  # (1, T, D)
    return recursive_predict(estimator, X, steps, horizon, target_feature)[0]
