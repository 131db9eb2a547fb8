"""The window-forecaster contract, written once.

A *window forecaster* is any fitted object that forecasts from windows of a series:

=========================  =============================================================
``predict(X)``             ``X`` of shape (n_samples, n_timesteps, n_features) to
                           predictions of shape (n_samples, horizon), or (n_samples,)
                           when ``horizon == 1``
``n_timesteps_in_``        the window length ``T`` seen in fit
``n_step_features_in_``    the features per time step ``D`` seen in fit
``n_outputs_``             the trained horizon ``H``
``target_feature``         optional: feature of the window holding the forecast
                           variable (default 0)
``conformal_residuals_``   optional: calibration residuals ``y - y_pred`` of shape
                           (n_calibration, H), for prediction intervals
``conformal_scales_``      optional: local scale of each calibration window, shape
                           (n_calibration,), for locally scaled intervals
``known_features_``        optional: features known in advance, read ``known_lead_``
``known_lead_``            steps ahead (``make_windows(..., known=[...])``); default
                           none
``window_columns_``        optional: names of the window's features, from the
                           DataFrame its windows were made of (several columns)
``quantiles_``,            optional: quantile levels of the outputs and
``predict_quantiles(X)``   ``X -> (n_samples, horizon, n_levels)``, sorted levels
=========================  =============================================================

``RNNForecaster`` is one, and so are :class:`~rnnforecast.forecasting.NaiveForecaster`
and :class:`~rnnforecast.forecasting.SeasonalNaiveForecaster`; nothing here imports them
(structural typing). This module is the one place that reads these attributes: the
rest of the package asks :func:`window_shape`, :func:`target_feature_of`,
:func:`calibration`, :func:`known_layout_of`, :func:`window_columns_of` and
:func:`predict_block`, and fits clones made by
:func:`with_target_feature`, which sets the ``target_feature`` parameter of an unfitted
estimator to the column being forecast.
"""

from typing import Protocol, runtime_checkable

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from .._validation import check_int

__all__ = ["WindowForecaster", "agreed_target_feature", "calibration", "known_layout_of", "predict_block",
           "quantile_block", "quantile_levels_of",
           "target_feature_of", "window_columns_of", "window_shape", "with_target_feature"]

#: Fitted attributes every window forecaster has, in the order of :func:`window_shape`.
SHAPE_ATTRIBUTES = ("n_timesteps_in_", "n_step_features_in_", "n_outputs_")


@runtime_checkable
class WindowForecaster(Protocol):
    """A fitted forecaster of windows; see the module docstring for the contract.

    ``isinstance(estimator, WindowForecaster)`` checks the required members only.

    Attributes
    ----------
    n_timesteps_in_ : int
    n_step_features_in_ : int
    n_outputs_ : int
    """

    n_timesteps_in_: int
    n_step_features_in_: int
    n_outputs_: int

    def predict(self, X):
        """Forecasts of shape (n_samples, n_outputs_) or (n_samples,) for windows ``X``."""


def window_shape(estimator, owner):
    """Window length, features per step and horizon of a fitted window forecaster.

    This is the fitted check of every public forecasting function.

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
    missing = [name for name in SHAPE_ATTRIBUTES if not hasattr(estimator, name)]
    missing += [] if callable(getattr(estimator, "predict", None)) else ["predict()"]
    if missing and hasattr(estimator, "model_") and hasattr(estimator, "chosen_"):
        raise ValueError(
            f"The 'estimator' parameter of {owner} must be a fitted window forecaster, "
            f"which forecasts from windows of any history. Got a fitted "
            f"{type(estimator).__name__}, which forecasts after the history it was fitted "
            "on: call its predict(steps, interval=...) instead, after fitting it on the "
            "history to forecast.")
    if missing:
        raise NotFittedError(
            f"The 'estimator' parameter of {owner} must be a fitted window forecaster "
            f"with predict() and the attributes {', '.join(SHAPE_ATTRIBUTES)}. Got "
            f"a {type(estimator).__name__} without {', '.join(missing)}. Fit it first, "
            "e.g. estimator.fit(*make_windows(series, window, horizon))."
        )
    unknown = [name for name in SHAPE_ATTRIBUTES if getattr(estimator, name) is None]
    if unknown:
        raise ValueError(
            f"The 'estimator' parameter of {owner} must know its window shape, but the "
            f"{type(estimator).__name__} has {', '.join(unknown)} = None (e.g. weights "
            "set by load_state_dict without a fit, which also come without their "
            "scaling). Fit it, or load the weights into an estimator fitted on the same "
            "data."
        )
    return tuple(int(getattr(estimator, name)) for name in SHAPE_ATTRIBUTES)


def target_feature_of(estimator, n_features, owner):
    """The estimator's ``target_feature`` (0 when it has none), checked against ``D``.

    Parameters
    ----------
    estimator : window forecaster
    n_features : int
        Features per time step ``D``.
    owner : str

    Returns
    -------
    target_feature : int in [0, n_features - 1]
    """
    target_feature = getattr(estimator, "target_feature", 0)
    return check_int(target_feature, "target_feature", 0, owner, max_value=n_features - 1)


def agreed_target_feature(estimator, column, n_features, owner, label=None,
                          name="history"):
    """``column``, the forecast variable a caller names, checked against the estimator's
    own ``target_feature`` (when it has that attribute).

    An estimator with ``target_feature`` predicts that feature whatever the caller says:
    a ``target`` naming another column would only rename its forecast, and scale its
    intervals and feed the recursion by the wrong column.

    Parameters
    ----------
    estimator : window forecaster
    column : int
        Position of the column the caller names, in ``[0, n_features - 1]``.
    n_features : int
    owner : str
    label : object or None, default=None
        Name of that column, for the message.
    name : str, default="history"
        The argument holding the columns, for the message.

    Returns
    -------
    target_feature : int
    """
    if not hasattr(estimator, "target_feature"):
        return column
    own = target_feature_of(estimator, n_features, owner)
    if own != column:
        where = _describe_column(column, label)
        raise ValueError(
            f"The 'target' parameter of {owner} selects {where} of the {name} as the "
            f"forecast variable, but the {type(estimator).__name__} forecasts feature "
            f"{own} of its windows (its target_feature): its forecast would be labelled "
            f"and scaled as another column. Got target="
            f"{column if label is None else label!r}. "
            f"Drop target=..., or fit an estimator with target_feature={column} to "
            "forecast that column.")
    return column


def window_columns_of(estimator):
    """Names of the window's features recorded in fit (a list of str), or None."""
    columns = getattr(estimator, "window_columns_", None)
    return None if columns is None else [str(c) for c in columns]


def known_layout_of(estimator, n_features, target_feature, owner):
    """The features known in advance and their lead, as recorded in fit; checked.

    Parameters
    ----------
    estimator : window forecaster
    n_features, target_feature : int
        ``D`` and the feature of the forecast variable.
    owner : str

    Returns
    -------
    known_features : tuple of int
        Empty when the estimator records none.
    lead : int
        0 when it records none.
    """
    features = tuple(getattr(estimator, "known_features_", None) or ())
    if not features:
        return (), 0
    lead = getattr(estimator, "known_lead_", None)
    valid = all(isinstance(f, (int, np.integer)) and 0 <= f < n_features for f in features)
    if not valid or target_feature in features or not isinstance(lead, (int, np.integer)) \
            or lead < 1:
        raise ValueError(
            f"The 'estimator' parameter of {owner} records known-in-advance features "
            f"{list(features)} led by {lead!r} steps, which do not fit its "
            f"{n_features} feature(s) with the forecast variable in feature "
            f"{target_feature}. Refit it on windows of make_windows(..., known=[...]).")
    return tuple(int(f) for f in features), int(lead)


def _describe_column(column, label):
    """A column for messages: column 1 ('unemp'), or column 1 when it has no name."""
    return f"column {column}" + ("" if label is None else f" ({label!r})")


def with_target_feature(estimator, column, owner, *, label=None, moved_first=False):
    """An unfitted clone of ``estimator`` that forecasts column ``column`` of the data.

    The windows hold that column in feature ``column``, or in feature 0 when the caller
    ``moved_first`` it. The clone's ``target_feature`` parameter is set to that feature,
    so its window normalization, intervals and recursion read the forecast variable.

    Parameters
    ----------
    estimator : unfitted window forecaster with ``get_params``
    column : int
        Position of the forecast variable among the data's columns.
    owner : str
        Function named in error messages.
    label : str or None, default=None
        Name of the column, for error messages.
    moved_first : bool, default=False
        Whether the caller puts the forecast variable first in every window.

    Returns
    -------
    estimator : unfitted clone

    Raises
    ------
    ValueError
        If the estimator's ``target_feature`` names another column (a value other than
        its default 0 and ``column``), or if it has no ``target_feature`` parameter and
        the forecast variable is not feature 0, the feature the contract then assumes.
    """
    model = clone(estimator)
    feature = 0 if moved_first else column
    params = model.get_params()
    name, where = type(model).__name__, _describe_column(column, label)
    if "target_feature" not in params:
        if feature != 0:
            raise ValueError(
                f"The 'target' parameter of {owner} selects {where} of the data as the "
                f"forecast variable, but the {name} has no target_feature parameter, so "
                "it is taken to forecast feature 0 of its windows: its forecasts would "
                "be scored against another column. Put the target column first, or use "
                "an estimator with a target_feature parameter (e.g. RNNForecaster, "
                "NaiveForecaster)."
            )
        return model
    current = params["target_feature"]
    if current not in (0, column):
        raise ValueError(
            f"The 'target_feature' parameter of the {name} is {current}, but {owner} "
            f"forecasts {where} of the data (its 'target' parameter). Leave target_feature "
            f"at its default 0 and choose the forecast variable with 'target' alone: "
            f"{owner} sets target_feature to match."
        )
    return model.set_params(target_feature=feature)


def _missing_calibration(estimator, owner, coverage, fitted_here):
    """The error for an interval without calibration residuals."""
    if fitted_here:
        return ValueError(
            f"The 'interval' parameter of {owner} needs calibration residuals from every "
            f"fitted model, but the fitted {type(estimator).__name__} has no "
            "conformal_residuals_ attribute. Use an estimator that stores them (e.g. "
            "RNNForecaster(early_stopping=True) or the baselines of "
            "rnnforecast.forecasting) or interval=None."
        )
    return ValueError(
        f"The 'residuals' parameter of {owner} is needed for interval={coverage}: "
        f"the {type(estimator).__name__} has no conformal_residuals_ attribute. Got "
        "residuals=None. Pass calibration residuals of data the estimator was not "
        "trained on, e.g. residuals=recursive_residuals(estimator, held_out_data, "
        "steps=steps), or fit an estimator that stores them (RNNForecaster with "
        "early_stopping=True keeps those of its validation windows)."
    )


def calibration(estimator, residuals=None, *, owner, coverage, fitted_here=False):
    """Calibration residuals and local scales for intervals: given, else stored.

    Parameters
    ----------
    estimator : window forecaster
    residuals : array-like of shape (n_calibration, horizon) or None, default=None
        Residuals passed by the user; they come without scales.
    owner : str
        Function named in error messages.
    coverage : float
        The requested coverage, named in error messages.
    fitted_here : bool, default=False
        Whether ``owner`` fitted the estimator itself (as ``backtest`` does), so the
        user could not have passed residuals; only changes the advice of the error.

    Returns
    -------
    residuals : array-like of shape (n_calibration, horizon)
        Unchecked.
    scales : array-like of shape (n_calibration,) or None
        ``conformal_scales_`` with the stored residuals, else None.

    Raises
    ------
    ValueError
        If ``residuals`` is None and the estimator stores none.
    """
    if residuals is not None:
        return residuals, None
    stored = getattr(estimator, "conformal_residuals_", None)
    if stored is None:
        raise _missing_calibration(estimator, owner, coverage, fitted_here)
    return stored, getattr(estimator, "conformal_scales_", None)


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


def quantile_levels_of(estimator, owner):
    """The quantile levels of a forecaster fitted with ``loss="quantile"``, checked.

    Returns tuple of float; raises a ValueError for an estimator without them.
    """
    levels = getattr(estimator, "quantiles_", None)
    if levels is None or not hasattr(estimator, "predict_quantiles"):
        raise ValueError(
            f"The 'quantiles' parameter of {owner} needs a forecaster fitted with "
            f"loss='quantile'; got a {type(estimator).__name__} without quantile levels "
            "(no quantiles_). Refit it with loss='quantile', quantiles=(0.1, 0.5, 0.9), "
            "or use interval= for conformal intervals.")
    return tuple(float(q) for q in levels)


def quantile_block(estimator, X, horizon, n_levels, calibrated):
    """One ``predict_quantiles`` call, shaped (n_samples, horizon, n_levels).

    Receives checked values (``n_levels`` from :func:`quantile_levels_of`); with
    ``calibrated``, the levels shifted by their held-out residuals.
    """
    y_q = np.asarray(estimator.predict_quantiles(X, calibrated=calibrated), np.float64)
    return y_q.reshape(len(X), horizon, n_levels)

