"""Naive window forecasters: the baselines a recurrent network has to beat.

They take the windows of :func:`~rnnforecast.make_windows` like ``RNNForecaster``
and have the same fitted attributes (``n_timesteps_in_``, ``n_step_features_in_``,
``n_outputs_``), so :func:`~rnnforecast.forecasting.forecast` and
:func:`~rnnforecast.model_selection.backtest` treat them alike. For a window
``x_1 .. x_T`` of the target feature and lead time ``h = 1 .. H``::

    NaiveForecaster                      ŷ_{T+h} = x_T
    SeasonalNaiveForecaster(m)           ŷ_{T+h} = x_{T - m + 1 + (h - 1) mod m}

i.e. the last value, or the value one season before the forecast time. Fitting
learns nothing from the training windows, so their residuals are genuine
out-of-sample errors: ``fit`` keeps them as ``conformal_residuals_`` for prediction
intervals, with each window's local scale (``conformal_scales_``, the mean absolute
one-step change of its target, :func:`~rnnforecast.forecasting.local_scale`), so that
the intervals follow the level and volatility of the last window rather than those of
the whole history (locally scaled split conformal, as for the other forecasters; on the
main job's rolling origins it moved a stock price's 80 % coverage from 0.55 to 0.75,
``benchmarks/README.md``).
"""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import check_finite, check_int
from ..windowing import known_layout, window_columns
from ._conformal import local_scale

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster"]


def _as_windows(X, name):
    """Windows as a finite float array of shape (n_samples, n_timesteps, n_features)."""
    values = np.asarray(X, dtype=np.float64)
    if values.ndim == 2:
        values = values[:, :, np.newaxis]  # univariate windows (N, T) -> (N, T, 1)
    if values.ndim != 3 or values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(
            f"The 'X' parameter of {name} must be non-empty windows of shape (n_samples, "
            f"n_timesteps, n_features) or (n_samples, n_timesteps). Got shape "
            f"{values.shape} instead. Make them with make_windows(series, window, horizon)."
        )
    return check_finite(values, "X", name)


def _as_targets(y, n_samples, name):
    """Targets as a finite float array of shape (n_samples, horizon)."""
    given = np.asarray(y, dtype=np.float64)
    values = given[:, np.newaxis] if given.ndim == 1 else given  # (N, H)
    if values.ndim != 2 or len(values) != n_samples or values.shape[1] == 0:
        raise ValueError(
            f"The 'y' parameter of {name} must have shape (n_samples,) or (n_samples, "
            f"horizon) with n_samples = {n_samples}, the number of windows in X. Got "
            f"shape {given.shape} instead."
        )
    return check_finite(values, "y", name)


class _WindowBaseline(RegressorMixin, BaseEstimator):
    """Forecast each lead time by copying one position of the target feature."""

    def _positions(self, n_timesteps, horizon):
        """Window position copied for each lead time, ndarray of shape (horizon,)."""
        raise NotImplementedError

    def _check_params(self, n_timesteps, n_features):
        """Validate the parameters against the shape of the windows."""
        name = type(self).__name__
        check_int(self.target_feature, "target_feature", 0, name, max_value=n_features - 1)

    def fit(self, X, y):
        """Remember the window shape and horizon; keep the in-sample residuals.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps)
            Training windows.
        y : array-like of shape (n_samples,) or (n_samples, horizon)
            The values after each window.

        Returns
        -------
        self
        """
        name = type(self).__name__
        columns = window_columns(X)  # before the copy, which drops the names and the
        known = known_layout(X, name)  # columns known in advance (read by forecast)
        X = _as_windows(X, name)
        Y = _as_targets(y, len(X), name)
        self._check_params(*X.shape[1:])
        self._record_window_columns(columns)
        self.known_features_, self.known_lead_ = known  # (), 0 without such columns
        self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1:]
        self.n_features_in_ = self.n_step_features_in_
        self.n_outputs_ = Y.shape[1]
        self._fitted_params = self.get_params()  # what the residuals were made with
        self.conformal_residuals_ = Y - self._forecast(X)  # (n_samples, horizon)
        self.conformal_scales_ = local_scale(X, self.target_feature)
        return self

    def _record_window_columns(self, columns):
        """Keep the column names of windows made from a DataFrame (``window_columns_``,
        so that ``forecast`` refuses a history whose columns come in another order:
        the copied feature is read by position); drop those of an earlier fit."""
        if columns is not None:
            self.window_columns_ = [str(c) for c in columns]
        elif hasattr(self, "window_columns_"):
            del self.window_columns_

    def predict(self, X):
        """Forecast the ``n_outputs_`` values after each window.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps_in_, n_step_features_in_) or \
(n_samples, n_timesteps_in_)

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_outputs_), or (n_samples,) when
            ``n_outputs_ == 1``
        """
        check_is_fitted(self)
        name = type(self).__name__
        self._check_fitted_params()
        X = _as_windows(X, name)
        expected = (self.n_timesteps_in_, self.n_step_features_in_)
        if X.shape[1:] != expected:
            raise ValueError(
                f"The 'X' parameter of {name}.predict must have windows of shape "
                f"(n_timesteps_in_, n_step_features_in_) = {expected}, as in fit. Got "
                f"{X.shape[1:]} instead."
            )
        Y = self._forecast(X)
        return Y[:, 0] if self.n_outputs_ == 1 else Y

    def _check_fitted_params(self):
        """Refuse parameters changed by ``set_params`` since fit: the calibration
        residuals (and the recorded columns) follow the fitted ones, so forecasting with
        the new ones would pair another forecast with their intervals."""
        fitted = getattr(self, "_fitted_params", None) or {}
        changed = [(k, old, getattr(self, k)) for k, old in fitted.items()
                   if getattr(self, k) != old]
        if changed:
            raise ValueError(
                f"{type(self).__name__} was fitted with other parameters than it has now "
                "(changed by set_params after fit):" +
                "".join(f"\n    {k}: {old!r} in fit, now {new!r}" for k, old, new in changed)
                + "\nIts calibration residuals follow the fitted values. Set them back "
                f"with set_params({', '.join(f'{k}={old!r}' for k, old, _ in changed)}), "
                "or fit again to use the new values.")

    def _forecast(self, X):
        """Copied values, ndarray of shape (n_samples, n_outputs_)."""
        positions = self._positions(X.shape[1], self.n_outputs_)
        return X[:, positions, self.target_feature]


class NaiveForecaster(_WindowBaseline):
    """Repeat the last value of the window: ``ŷ_{T+h} = x_T`` for every lead time.

    The random-walk forecast, optimal for a random walk and the scale of MASE.

    Parameters
    ----------
    target_feature : int, default=0
        Feature of the window that holds the forecast variable.

    Attributes
    ----------
    n_timesteps_in_, n_step_features_in_, n_features_in_ : int
        Window length and features per step seen in fit.
    n_outputs_ : int
        Horizon seen in fit.
    conformal_residuals_ : ndarray of shape (n_samples, n_outputs_)
        ``y - predict(X)`` on the training windows.
    conformal_scales_ : ndarray of shape (n_samples,)
        Local scale of each training window (mean absolute one-step change of the
        target).
    known_features_, known_lead_ : tuple of int, int
        The features of the windows known in advance and their lead
        (``make_windows(..., known=...)``; ``()`` and 0 without), so that ``forecast``
        builds the same windows from the history and ``future``.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    >>> NaiveForecaster().fit(X, [[4.0, 5.0], [5.0, 6.0]]).predict(X)
    array([[3., 3.],
           [4., 4.]])
    """

    def __init__(self, target_feature=0):
        self.target_feature = target_feature

    def _positions(self, n_timesteps, horizon):
        return np.full(horizon, n_timesteps - 1)


class SeasonalNaiveForecaster(_WindowBaseline):
    """Repeat the last season of the window: ``ŷ_{T+h} = x_{T+h-m·ceil(h/m)}``.

    Lead time ``h`` copies the value ``m`` (or ``2m``, ...) steps before it that is
    inside the window, i.e. position ``T - m + 1 + (h - 1) mod m`` (1-based). The
    windows need at least ``m`` time steps.

    Parameters
    ----------
    seasonal_period : int, default=1
        Season length ``m`` in time steps, e.g. 12 for monthly data, 7 for daily.
        ``m = 1`` is :class:`NaiveForecaster`.
    target_feature : int, default=0
        Feature of the window that holds the forecast variable.

    Attributes
    ----------
    n_timesteps_in_, n_step_features_in_, n_features_in_ : int
    n_outputs_ : int
    conformal_residuals_ : ndarray of shape (n_samples, n_outputs_)
        ``y - predict(X)`` on the training windows.
    conformal_scales_ : ndarray of shape (n_samples,)
        Local scale of each training window (mean absolute one-step change of the
        target).
    known_features_, known_lead_ : tuple of int, int
        The features of the windows known in advance and their lead
        (``make_windows(..., known=...)``; ``()`` and 0 without), so that ``forecast``
        builds the same windows from the history and ``future``.

    Examples
    --------
    >>> X = np.array([[1.0, 5.0, 2.0, 6.0]])  # season of length 2
    >>> SeasonalNaiveForecaster(2).fit(X, [[0.0, 0.0, 0.0]]).predict(X)
    array([[2., 6., 2.]])
    """

    def __init__(self, seasonal_period=1, target_feature=0):
        self.seasonal_period = seasonal_period
        self.target_feature = target_feature

    def _check_params(self, n_timesteps, n_features):
        super()._check_params(n_timesteps, n_features)
        period = check_int(self.seasonal_period, "seasonal_period", 1, type(self).__name__)
        if period > n_timesteps:
            raise ValueError(
                f"The 'seasonal_period' parameter of {type(self).__name__} must be at most "
                f"the window length n_timesteps = {n_timesteps}, because the forecast "
                f"copies the last season of the window. Got {period} instead. Make "
                f"windows of at least {period} time steps."
            )

    def _positions(self, n_timesteps, horizon):
        period = self.seasonal_period
        return n_timesteps - period + np.arange(horizon) % period  # 0-based
