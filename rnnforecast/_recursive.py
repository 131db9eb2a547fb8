"""Forecasts from fitted window forecasters, over and beyond their trained horizon.

A *window forecaster* is any fitted object with

- ``predict(X)``: ``X`` of shape (n_samples, n_timesteps, n_features) to predictions
  of shape (n_samples, horizon), or (n_samples,) when ``horizon == 1``;
- ``n_timesteps_in_`` (the window length ``T``), ``n_step_features_in_`` (the
  features per time step ``D``) and ``n_outputs_`` (the trained horizon ``H``).

``RNNForecaster`` is one, and so are the baselines of :mod:`rnnforecast.baselines`;
nothing here imports them (duck typing).

Beyond ``H`` steps the forecasts are fed back as inputs (one-to-many generation)::

    window  [x_1 .. x_T]             -> predict ŷ_{T+1} .. ŷ_{T+H}
    window  [x_{H+1} .. ŷ_{T+H}]     -> predict ŷ_{T+H+1} .. ŷ_{T+2H}
    ...

which is only possible when the window holds the target alone (``D == 1``): the
future values of other features are unknown.
"""

import numpy as np
from sklearn.exceptions import NotFittedError

from ._validation import check_finite, check_int

__all__ = [
    "check_window_forecaster",
    "predict_block",
    "recursive_forecast",
    "recursive_predict",
    "target_position",
]

#: Fitted attributes every window forecaster has.
FORECASTER_ATTRIBUTES = ("n_timesteps_in_", "n_step_features_in_", "n_outputs_")


def check_window_forecaster(estimator, owner):
    """Window length, features per step and horizon of a fitted window forecaster.

    Parameters
    ----------
    estimator : object
    owner : str
        Function named in error messages.

    Returns
    -------
    n_timesteps, n_features, horizon : int
        ``T``, ``D`` and ``H`` as described in the module docstring.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        (a ``ValueError``) if an attribute or ``predict`` is missing.
    """
    missing = [name for name in FORECASTER_ATTRIBUTES if not hasattr(estimator, name)]
    missing += [] if callable(getattr(estimator, "predict", None)) else ["predict()"]
    if missing:
        raise NotFittedError(
            f"The 'estimator' parameter of {owner} must be a fitted window forecaster "
            f"with predict() and the attributes {', '.join(FORECASTER_ATTRIBUTES)}. Got "
            f"a {type(estimator).__name__} without {', '.join(missing)}. Fit it first, "
            "e.g. estimator.fit(*make_windows(series, window, horizon))."
        )
    return tuple(int(getattr(estimator, name)) for name in FORECASTER_ATTRIBUTES)


def predict_block(estimator, X, horizon):
    """One ``predict`` call, shaped as one row of ``horizon`` values per window.

    Parameters
    ----------
    estimator : fitted window forecaster
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    horizon : int
        The estimator's ``n_outputs_``.

    Returns
    -------
    y_pred : ndarray of shape (n_samples, horizon)
    """
    y_pred = np.asarray(estimator.predict(X), dtype=np.float64)
    if y_pred.size != len(X) * horizon:
        raise ValueError(
            f"The 'estimator' parameter must predict n_outputs_ = {horizon} value(s) per "
            f"window. Got predictions of shape {y_pred.shape} for {len(X)} window(s). "
            "Check that n_outputs_ matches the y the estimator was fitted on."
        )
    return y_pred.reshape(len(X), horizon)


def _check_recursion(steps, n_features, horizon, owner):
    """Refuse to forecast past the trained horizon when exogenous features exist."""
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


def _slide(X, block, target):
    """Append predicted rows to every window and drop as many of its oldest rows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    block : ndarray of shape (n_samples, horizon)
    target : int
        Feature the predictions are written into.

    Returns
    -------
    X_next : ndarray of shape (n_samples, n_timesteps, n_features)
    """
    n_samples, n_timesteps, n_features = X.shape
    rows = np.full((n_samples, block.shape[1], n_features), np.nan)  # (N, H, D)
    rows[:, :, target] = block
    return np.concatenate([X, rows], axis=1)[:, -n_timesteps:]  # (N, T, D)


def recursive_predict(estimator, X, steps, *, target=0, owner="recursive_predict"):
    """Forecast ``steps`` values after each window, feeding predictions back if needed.

    Parameters
    ----------
    estimator : fitted window forecaster
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Windows, validated by the caller.
    steps : int
        Values to forecast after each window (``>= 1``).
    target : int, default=0
        Feature of the window that the predictions are fed back into.
    owner : str
        Function named in error messages.

    Returns
    -------
    y_pred : ndarray of shape (n_samples, steps)
        ``ceil(steps / n_outputs_)`` predict calls, each on all windows at once.
    """
    _, n_features, horizon = check_window_forecaster(estimator, owner)
    _check_recursion(steps, n_features, horizon, owner)
    blocks = [predict_block(estimator, X, horizon)]  # list of (N, H)
    while len(blocks) * horizon < steps:
        X = _slide(X, blocks[-1], target)
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
    n_timesteps, n_features, _ = check_window_forecaster(estimator, owner)
    steps = check_int(steps, "steps", 1, owner)
    target = check_int(target, "target", 0, owner, max_value=n_features - 1)
    values = _check_window(window, n_timesteps, n_features, owner)
    X = values[np.newaxis]  # (1, T, D)
    return recursive_predict(estimator, X, steps, target=target, owner=owner)[0]


def target_position(target, columns, n_features, owner, name="data"):
    """Column position of the forecast variable.

    Parameters
    ----------
    target : str, int or None
        A column name for pandas data, a column position for arrays; ``None`` means
        the first column (as in :func:`~rnnforecast.make_windows`).
    columns : list of length n_features or None
        Column names of pandas data, ``None`` for an array.
    n_features : int
    owner, name : str
        Function and data argument named in error messages.

    Returns
    -------
    position : int
    """
    if target is None:
        return 0
    if columns is None:
        return check_int(target, "target", 0, owner, max_value=n_features - 1)
    if target not in columns:
        raise ValueError(
            f"The 'target' parameter of {owner} must be one of the columns of '{name}': "
            f"{columns}. Got {target!r} instead."
        )
    return columns.index(target)
