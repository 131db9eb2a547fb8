"""Deterministic window forecasters and series shared by the forecasting tests.

The forecasters are small stand-ins with the structural interface of a fitted window
forecaster (``predict``, ``n_timesteps_in_``, ``n_step_features_in_``, ``n_outputs_``;
see ``rnnforecast.forecasting.WindowForecaster``), so expected values can be typed out.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import Ridge


class _WindowStandIn(BaseEstimator):
    """Records the window shape and horizon in fit, like a real window forecaster."""

    def fit(self, X, y):
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1:]
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self._fit(X, y.reshape(len(y), -1))
        return self

    def _fit(self, X, Y):
        pass

    def predict(self, X):
        Y = self._predict(np.asarray(X, dtype=float))  # (n_samples, n_outputs_)
        return Y[:, 0] if self.n_outputs_ == 1 else Y


class LastPlusStep(_WindowStandIn):
    """ŷ_{T+h} = x_T + h, from feature 0: exact, so forecasts can be typed out."""

    def _predict(self, X):
        return X[:, -1, :1] + np.arange(1, self.n_outputs_ + 1)


class TrainMean(_WindowStandIn):
    """Predicts the mean of the training targets (shows which rows a fit saw)."""

    def _fit(self, X, Y):
        self.mean_ = Y.mean(axis=0)

    def _predict(self, X):
        return np.tile(self.mean_, (len(X), 1))


class RidgeWindows(_WindowStandIn):
    """Ridge regression on flattened windows."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def _fit(self, X, Y):
        self.ridge_ = Ridge(alpha=self.alpha).fit(X.reshape(len(X), -1), Y)

    def _predict(self, X):
        return self.ridge_.predict(X.reshape(len(X), -1)).reshape(len(X), -1)


class CountingCalls(LastPlusStep):
    """LastPlusStep that counts its predict calls."""

    def predict(self, X):
        self.n_calls_ = getattr(self, "n_calls_", 0) + 1
        return super().predict(X)


def fitted(model, window, horizon, n_features=1):
    """Fit ``model`` on zero windows of the given shape (for rule-based stand-ins)."""
    return model.fit(np.zeros((3, window, n_features)), np.zeros((3, horizon)).squeeze())


def sine_series(n=80):
    """A smooth, deterministic series with a trend."""
    t = np.arange(n, dtype=float)
    return np.sin(t / 3.0) + 0.05 * t


def daily_series(values, start="2024-01-01", name="load"):
    index = pd.date_range(start, periods=len(values), freq="D")
    return pd.Series(values, index=index, name=name)


def stamps(*values):
    """A DatetimeIndex without a set frequency (so it must be inferred)."""
    return pd.DatetimeIndex(list(values))
