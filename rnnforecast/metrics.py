"""Accuracy measures of point forecasts.

scikit-learn already has the scale-dependent errors (``mean_absolute_error``,
``root_mean_squared_error``); this module adds the ones time-series work reports
beside them and :func:`evaluate`, which returns all five at once. With
``e_i = y_i - ŷ_i`` over the ``n`` forecast points and a training series
``z_1 .. z_m`` (``m`` values)::

    MAE   = mean |e_i|
    RMSE  = sqrt(mean e_i²)
    MAPE  = 100 · mean |e_i| / |y_i|                       (percent)
    sMAPE = 100 · mean 2 |e_i| / (|y_i| + |ŷ_i|)           (percent, 0 .. 200)
    MASE  = MAE / scale,   scale = mean_{t > s} |z_t - z_{t-s}|

where ``s`` is the seasonal period, so ``scale`` is the in-sample MAE of the
seasonal-naive forecast on the training series (Hyndman & Koehler 2006). MASE < 1
means the forecasts beat that naive method on average.

**Division by zero.** A ratio ``0 / 0`` counts as 0 (an exact forecast of a zero
is perfect) and ``x / 0`` with ``x > 0`` as ``inf``. So MAPE is ``inf`` as soon as
one actual value is 0 and its forecast is not, sMAPE is always finite (its
denominator vanishes only when actual and forecast are both 0), and MASE is
``inf`` when the training series is constant at lag ``s`` but the forecasts err.

All inputs may have any shape (e.g. ``(n_origins, horizon)``); errors are pooled
over every entry.

References
----------
Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast
accuracy. International Journal of Forecasting, 22(4), 679-688.
"""

import numpy as np
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from ._validation import check_finite, check_int

__all__ = ["mape", "smape", "mase", "evaluate", "seasonal_naive_scale", "METRICS"]


def _as_flat(values, name, owner):
    """Finite float array of any shape, flattened to shape (n_values,)."""
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size == 0:
        raise ValueError(f"The '{name}' parameter of {owner} must not be empty. Got 0 values.")
    return check_finite(array, name, owner)


def _check_pair(y_true, y_pred, owner):
    """Flatten ``y_true`` and ``y_pred`` after checking that their shapes agree."""
    shape_true, shape_pred = np.shape(y_true), np.shape(y_pred)
    if shape_true != shape_pred:
        raise ValueError(
            f"The 'y_pred' parameter of {owner} must have the shape of 'y_true', "
            f"{shape_true}. Got shape {shape_pred} instead."
        )
    return _as_flat(y_true, "y_true", owner), _as_flat(y_pred, "y_pred", owner)


def _safe_ratio(numerator, denominator):
    """Elementwise ``numerator / denominator`` with ``0 / 0 = 0`` and ``x / 0 = inf``.

    Parameters
    ----------
    numerator, denominator : ndarray of shape (n_values,)
        Non-negative values.

    Returns
    -------
    ratio : ndarray of shape (n_values,)
    """
    zero = denominator == 0
    ratio = numerator / np.where(zero, 1.0, denominator)
    return np.where(zero, np.where(numerator == 0, 0.0, np.inf), ratio)


def _mape(y_true, y_pred):
    """MAPE of validated arrays of shape (n_values,)."""
    return float(100.0 * np.mean(_safe_ratio(np.abs(y_true - y_pred), np.abs(y_true))))


def _smape(y_true, y_pred):
    """sMAPE of validated arrays of shape (n_values,)."""
    terms = _safe_ratio(2.0 * np.abs(y_true - y_pred), np.abs(y_true) + np.abs(y_pred))
    return float(100.0 * np.mean(terms))


def _mase(y_true, y_pred, scale):
    """MASE of validated arrays of shape (n_values,) given the naive ``scale``."""
    mae = np.mean(np.abs(y_true - y_pred))
    return float(_safe_ratio(np.array([mae]), np.array([scale]))[0])


def mape(y_true, y_pred):
    """Mean absolute percentage error, in percent.

    ``MAPE = 100 · mean |y - ŷ| / |y|``. A term with ``y = 0`` is 0 when
    ``ŷ = 0`` and ``inf`` otherwise (scikit-learn's ``mean_absolute_percentage_error``
    returns a fraction and divides by a tiny epsilon instead).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or any shape
        Actual values.
    y_pred : array-like of the shape of ``y_true``
        Forecasts.

    Returns
    -------
    mape : float
        Non-negative, possibly ``inf``.

    Examples
    --------
    >>> mape([100.0, 200.0], [110.0, 180.0])
    10.0
    """
    return _mape(*_check_pair(y_true, y_pred, "mape"))


def smape(y_true, y_pred):
    """Symmetric mean absolute percentage error, in percent on the 0-200 scale.

    ``sMAPE = 100 · mean 2 |y - ŷ| / (|y| + |ŷ|)`` (the M3/M4 competition
    definition). A term with ``y = ŷ = 0`` counts as 0; every other term lies in
    ``[0, 200]``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or any shape
    y_pred : array-like of the shape of ``y_true``

    Returns
    -------
    smape : float
        In ``[0, 200]``.

    Examples
    --------
    >>> smape([100.0, 0.0], [300.0, 0.0])
    50.0
    """
    return _smape(*_check_pair(y_true, y_pred, "smape"))


def seasonal_naive_scale(y_train, seasonal_period=1, owner="mase"):
    """In-sample MAE of the seasonal-naive forecast: ``mean_{t > s} |z_t - z_{t-s}|``.

    Parameters
    ----------
    y_train : array-like of shape (n_train,)
        Training series ``z``, in time order.
    seasonal_period : int, default=1
        Lag ``s`` of the naive forecast (1: last value; 12: same month last year).
    owner : str, default="mase"
        Function named in error messages.

    Returns
    -------
    scale : float
    """
    seasonal_period = check_int(seasonal_period, "seasonal_period", 1, owner)
    z = _as_flat(y_train, "y_train", owner)
    if len(z) <= seasonal_period:
        raise ValueError(
            f"The 'y_train' parameter of {owner} must hold more than seasonal_period = "
            f"{seasonal_period} values to scale by the seasonal-naive error. Got "
            f"{len(z)} values instead. Pass a longer training series or a smaller "
            "seasonal_period."
        )
    return float(np.mean(np.abs(z[seasonal_period:] - z[:-seasonal_period])))


def mase(y_true, y_pred, y_train, seasonal_period=1):
    """Mean absolute scaled error (Hyndman & Koehler 2006).

    ``MASE = MAE(y, ŷ) / mean_{t > s} |z_t - z_{t-s}|`` where ``z`` is the training
    series and ``s = seasonal_period``. If the scale is 0, MASE is 0 for exact
    forecasts and ``inf`` otherwise.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or any shape
    y_pred : array-like of the shape of ``y_true``
    y_train : array-like of shape (n_train,)
        The series the forecaster was trained on, in time order; it must hold more
        than ``seasonal_period`` values.
    seasonal_period : int, default=1

    Returns
    -------
    mase : float

    Examples
    --------
    >>> mase([5.0, 6.0], [4.0, 4.0], y_train=[1.0, 2.0, 4.0])
    1.0
    """
    y_true, y_pred = _check_pair(y_true, y_pred, "mase")
    return _mase(y_true, y_pred, seasonal_naive_scale(y_train, seasonal_period, "mase"))


#: Name of every metric reported by :func:`evaluate` -> function of
#: ``(y_true, y_pred, scale)`` on validated flat arrays, ``scale`` being the
#: seasonal-naive MAE of the training series.
METRICS = {
    "MAE": lambda y, p, scale: float(mean_absolute_error(y, p)),
    "RMSE": lambda y, p, scale: float(root_mean_squared_error(y, p)),
    "MAPE": lambda y, p, scale: _mape(y, p),
    "sMAPE": lambda y, p, scale: _smape(y, p),
    "MASE": _mase,
}


def evaluate(y_true, y_pred, y_train, seasonal_period=1):
    """MAE, RMSE, MAPE, sMAPE and MASE of a set of forecasts.

    See the module docstring for the formulas and the handling of zeros.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or any shape
        Actual values.
    y_pred : array-like of the shape of ``y_true``
        Forecasts.
    y_train : array-like of shape (n_train,)
        Training series, for the MASE scale.
    seasonal_period : int, default=1
        Lag of the seasonal-naive forecast that scales MASE.

    Returns
    -------
    scores : dict of str -> float
        Keys ``"MAE"``, ``"RMSE"``, ``"MAPE"``, ``"sMAPE"``, ``"MASE"``, in this order.

    Examples
    --------
    >>> evaluate([5.0, 6.0], [4.0, 4.0], y_train=[1.0, 2.0, 4.0])["MASE"]
    1.0
    """
    y_true, y_pred = _check_pair(y_true, y_pred, "evaluate")
    scale = seasonal_naive_scale(y_train, seasonal_period, "evaluate")
    return {name: metric(y_true, y_pred, scale) for name, metric in METRICS.items()}
