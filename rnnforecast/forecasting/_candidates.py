"""The window forecasters that :class:`~rnnforecast.forecasting.AutoForecaster` chooses
between, besides the naive baselines: a ridge regression on lags and an ensemble of
fitted networks, both optionally learning the residual over seasonal naive.

Both follow the window-forecaster contract (``_protocol.py``): ``predict(X)`` on windows
of shape (n_samples, n_timesteps, n_features), ``n_timesteps_in_``,
``n_step_features_in_``, ``n_outputs_``, ``target_feature`` and, once calibrated,
``conformal_residuals_`` and ``conformal_scales_``.

Learning the residual over seasonal naive (``seasonal_period=m``): for a window ending
at ``x_T`` with seasonal-naive forecast ``s_{T+h}``, a model trained on windows made
relative to their last value learns ``y_{T+h} - x_T``; it is given ``y_{T+h} - s_{T+h}
+ x_T`` instead, so that what it learns is the departure from seasonal naive, and
``s_{T+h} - x_T`` is added back to its predictions. A model that learns nothing then
forecasts seasonal naive rather than the last value.
"""

import numpy as np
from sklearn.linear_model import Ridge

from ..windowing import known_layout
from ._conformal import local_scale

__all__ = ["DriftForecaster", "EnsembleForecaster", "RidgeLagForecaster", "seasonal_shift"]


def seasonal_shift(X, horizon, seasonal_period, target_feature=0):
    """``s_{T+h} - x_T`` for each window and lead time: seasonal naive minus naive.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    horizon : int
    seasonal_period : int or None
        ``None`` or 1 gives zeros (no seasonal residual).

    Returns
    -------
    shift : ndarray of shape (n_samples, horizon)
    """
    values = np.asarray(X, dtype=np.float64)[:, :, target_feature]  # (N, T)
    if not seasonal_period or seasonal_period <= 1:
        return np.zeros((len(values), horizon))
    n_timesteps = values.shape[1]
    assert seasonal_period <= n_timesteps, "the window must hold one season"
    positions = n_timesteps - seasonal_period + np.arange(horizon) % seasonal_period
    return values[:, positions] - values[:, -1:]  # (N, H)


class _Calibrated:
    """Shape attributes and the conformal calibration shared by the candidates."""

    def _remember_shape(self, X, Y, known=((), 0)):
        """Window shape and horizon; ``known``: the led features, from
        :func:`~rnnforecast.windowing.known_layout` of the windows given to fit."""
        self.known_features_, self.known_lead_ = known
        self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1:]
        self.n_features_in_ = self.n_step_features_in_
        self.n_outputs_ = Y.shape[1]

    def calibrate(self, X, Y):
        """Keep ``Y - predict(X)`` on held-out windows as the conformal residuals.

        X : ndarray of shape (n_calibration, n_timesteps_in_, n_step_features_in_)
        Y : ndarray of shape (n_calibration, n_outputs_)
        """
        self.conformal_residuals_ = Y - self._predict(X)
        self.conformal_scales_ = local_scale(X, self.target_feature)
        return self

    def predict(self, X):
        """Forecasts of shape (n_samples, n_outputs_) for windows X."""
        return self._predict(np.asarray(X, dtype=np.float64))


class RidgeLagForecaster(_Calibrated):
    """Ridge regression on the window's lags, one output per lead time (direct).

    Each window is made relative to its last target value and divided by ``scale``,
    the mean absolute one-step change of the training series, so that ``alpha`` means
    the same on every series; with ``seasonal_period`` the targets are the residuals
    over seasonal naive (module docstring). All features of the window are inputs, but
    those known in advance (``make_windows(..., known=[...])``, led by the horizon)
    are standardised over the training windows instead of made relative, so that they
    keep their level (e.g. the month).

    Parameters
    ----------
    alpha : float, default=1.0
    seasonal_period : int or None, default=None
    target_feature : int, default=0
    n_inputs : int or None, default=None
        Features of the window used as inputs, the first ``n_inputs`` (default all).
    """

    def __init__(self, alpha=1.0, seasonal_period=None, target_feature=0, n_inputs=None):
        self.alpha = alpha
        self.seasonal_period = seasonal_period
        self.target_feature = target_feature
        self.n_inputs = n_inputs

    def _inputs(self, X):
        known = self._known_inputs(X.shape[2])
        lags = np.delete(X[:, :, :self.n_inputs], known, axis=2)   # (N, T, D')
        last = lags[:, -1:, :]                                     # (N, 1, D')
        inputs = ((lags - last) / self.scale_).reshape(len(X), -1)  # (N, T * D')
        if not known:
            return inputs
        # known columns: standardised, not relative (they keep their level)
        values = (X[:, :, known] - self.known_mean_) / self.known_scale_  # (N, T, K)
        return np.concatenate([inputs, values.reshape(len(X), -1)], axis=1)

    def fit(self, X, Y):
        """Fit on windows X (N, T, D) and targets Y (N, H). Returns self."""
        known = known_layout(X, "RidgeLagForecaster.fit")
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        self._remember_shape(X, Y, known)
        steps = np.abs(np.diff(X[:, :, self.target_feature], axis=1))
        self.scale_ = float(np.mean(steps)) if steps.size and np.mean(steps) > 0 else 1.0
        if self._known_inputs(X.shape[2]):
            values = X[:, :, self._known_inputs(X.shape[2])]
            values = values.reshape(-1, values.shape[2])             # (N * T, K)
            self.known_mean_ = values.mean(axis=0)                  # (K,)
            spread = values.std(axis=0)
            self.known_scale_ = np.where(spread > 0, spread, 1.0)   # (K,)
        last = X[:, -1, self.target_feature][:, np.newaxis]       # (N, 1)
        shift = seasonal_shift(X, Y.shape[1], self.seasonal_period, self.target_feature)
        targets = (Y - last - shift) / self.scale_                  # (N, H)
        self.model_ = Ridge(alpha=self.alpha).fit(self._inputs(X), targets)
        return self

    def _known_inputs(self, n_features):
        """The known features among the inputs (the first ``n_inputs``)."""
        n_inputs = n_features if self.n_inputs is None else self.n_inputs
        return [f for f in self.known_features_ if f < n_inputs]

    def _predict(self, X):
        last = X[:, -1, self.target_feature][:, np.newaxis]
        shift = seasonal_shift(X, self.n_outputs_, self.seasonal_period,
                               self.target_feature)
        return self.model_.predict(self._inputs(X)) * self.scale_ + last + shift


class EnsembleForecaster(_Calibrated):
    """The mean forecast of fitted members, plus the seasonal-naive shift.

    Members are fitted window forecasters (e.g. ``RNNForecaster`` with different
    seeds) trained on targets ``y - shift`` (module docstring); their calibration
    residuals, measured on the same held-out windows, average to the ensemble's.

    Parameters
    ----------
    members : list of fitted window forecasters
    seasonal_period : int or None
    target_feature : int, default=0
    """

    def __init__(self, members, seasonal_period=None, target_feature=0):
        self.members = members
        self.seasonal_period = seasonal_period
        self.target_feature = target_feature
        first = members[0]
        self.n_timesteps_in_ = first.n_timesteps_in_
        self.n_step_features_in_ = self.n_features_in_ = first.n_step_features_in_
        self.n_outputs_ = first.n_outputs_
        self.known_features_ = getattr(first, "known_features_", ())
        self.known_lead_ = getattr(first, "known_lead_", 0)
        residuals = [getattr(m, "conformal_residuals_", None) for m in members]
        if all(r is not None for r in residuals):
            self.conformal_residuals_ = np.mean(residuals, axis=0)
            self.conformal_scales_ = first.conformal_scales_

    def _predict(self, X):
        preds = [np.asarray(m.predict(X), dtype=np.float64).reshape(len(X), -1)
                 for m in self.members]
        shift = seasonal_shift(X, self.n_outputs_, self.seasonal_period,
                               self.target_feature)
        return np.mean(preds, axis=0) + shift


class DriftForecaster(_Calibrated):
    """Naive (or seasonal naive) plus the window's average change per step.

    For a window ``x_1 .. x_T`` the slope is ``(x_T - x_1) / (T - 1)``, or with a
    season of ``m <= T / 2`` steps the change between the means of the first and the
    last season divided by ``T - m``; lead time ``h`` adds ``h`` slopes to the last
    value, or to seasonal naive ``m * ceil(h / m)`` slopes (the random walk with drift
    and its seasonal version; Hyndman & Athanasopoulos, *Forecasting: Principles and
    Practice*, 5.2). Nothing is learned, so ``fit`` keeps the residuals of every
    training window for intervals.

    Parameters
    ----------
    seasonal_period : int or None, default=None
    target_feature : int, default=0
    """

    def __init__(self, seasonal_period=None, target_feature=0):
        self.seasonal_period = seasonal_period
        self.target_feature = target_feature

    def fit(self, X, Y):
        """Remember the shapes; keep the predictions of X (``conformal_predictions_``)
        and their residuals. Returns self."""
        X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
        self._remember_shape(X, Y)
        self.conformal_predictions_ = self._predict(X)
        return self.calibrate(X, Y)

    def _predict(self, X):
        values = X[:, :, self.target_feature]                      # (N, T)
        n_timesteps, m = values.shape[1], self.seasonal_period or 1
        lead = np.arange(1, self.n_outputs_ + 1)                   # (H,)
        if 1 < m <= n_timesteps // 2:
            slope = (values[:, -m:].mean(1) - values[:, :m].mean(1)) / (n_timesteps - m)
            steps = m * np.ceil(lead / m)
            base = values[:, -1:] + seasonal_shift(X, self.n_outputs_, m,
                                                   self.target_feature)
        else:
            slope = (values[:, -1] - values[:, 0]) / max(1, n_timesteps - 1)
            steps, base = lead, values[:, -1:]
        return base + slope[:, np.newaxis] * steps                 # (N, H)
