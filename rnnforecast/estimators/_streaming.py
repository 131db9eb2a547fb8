"""Stateful, step-by-step prediction: the classic ``timestep(x)`` view of an RNN.

A fitted many-to-one :class:`RNNForecaster` maps a window to a prediction by running
the recurrence over the window from a zero state. ``StreamingForecaster`` keeps that
state between calls instead: each ``update(x_t)`` advances the network by one time step
(one small forward call, not a whole window) and returns the prediction the head reads
from the new state. After ``reset()`` and ``n_timesteps_in_`` updates with the values of
a window, the prediction equals ``estimator.predict`` on that window.

Per-window normalisation needs the whole window before the first step, so streaming
requires a forecaster fitted with ``window_normalization=None``. A linear skip
(``linear_skip``) reads the last observations, which the stream keeps (zeros before the
first ones, in the scaled space).
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..nn.network import predict
from ._base import limit_blas_threads
from ._forecaster import RNNForecaster


class StreamingForecaster:
    """Feed one observation at a time and get the next prediction.

    Parameters
    ----------
    estimator : fitted RNNForecaster
        Many-to-one, fitted with ``window_normalization=None``.

    Examples
    --------
    >>> stream = StreamingForecaster(model)            # doctest: +SKIP
    >>> for value in new_observations:                 # doctest: +SKIP
    ...     next_values = stream.update(value)
    """

    def __init__(self, estimator):
        if not isinstance(estimator, RNNForecaster):
            raise ValueError(
                "The 'estimator' parameter of StreamingForecaster must be a fitted "
                f"RNNForecaster. Got a {type(estimator).__name__} instead; a classifier's "
                "step-by-step output is not a forecast.")
        check_is_fitted(estimator, "_network")
        if estimator._scaler.offset is not None:
            raise ValueError(
                "StreamingForecaster needs a forecaster fitted with "
                "window_normalization=None: an offset taken from the whole window (its "
                "last value or mean) changes with every new observation, so the state "
                "carried between steps would be stale. Got window_normalization="
                f"{estimator.window_normalization!r}. Refit with window_normalization=None.")
        if estimator.return_sequences:
            raise ValueError("StreamingForecaster needs a many-to-one forecaster; got "
                             "return_sequences=True.")
        if getattr(estimator, "known_features_", ()):
            raise ValueError(
                "StreamingForecaster cannot feed a forecaster trained with columns known "
                f"in advance (known_features_={list(estimator.known_features_)}): each "
                "step of its windows reads those columns led by the horizon, which one "
                "observation per update does not carry. Use rnnforecast.forecasting."
                "forecast(model, history, future=...) instead.")
        self.estimator = estimator
        self._scaler = estimator._scaler
        self._params = estimator._network.params64()
        self._spec = estimator._network.spec
        self._skip = getattr(estimator, "_skip", None)
        self.reset()

    def reset(self):
        """Forget the state: the next update starts a new sequence. Returns self."""
        self._state, self.n_steps_ = None, 0
        if self._skip is not None:  # the last scaled observations the skip reads
            self._recent = np.zeros((1, self._skip.n_lags_, self.estimator.n_step_features_in_))
        return self

    def update(self, x):
        """Advance one time step with observation ``x`` and return the prediction.

        x : float or array-like of shape (n_features,)

        Returns ndarray of shape (n_outputs,): the forecast made after seeing ``x``
        (the median level for a forecaster fitted with ``loss="quantile"``, as its
        ``predict``).
        """
        est = self.estimator
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        if x.shape != (est.n_step_features_in_,):
            raise ValueError(f"x must hold {est.n_step_features_in_} feature value(s) per "
                             f"time step. Got an array of shape {x.shape} instead.")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"x contains NaN or infinity: {x!r}.")
        xs, offsets = self._scaler.transform(x.reshape(1, 1, -1))  # (N=1, T=1, D)
        with limit_blas_threads(est.n_threads):
            out, self._state = predict(self._params, self._spec, xs, self._state)
        skip_part = None
        if self._skip is not None:
            self._recent = np.concatenate([self._recent[:, 1:], xs], axis=1)
            skip_part = self._skip.predict(self._recent)
        self.n_steps_ += 1
        point, _ = est._in_units(est._add_skip(out, skip_part), offsets)
        return point[0]                                            # (n_outputs,)

    def update_many(self, values):
        """``update`` each row of ``values`` (n_steps, n_features) in turn; returns the
        predictions, shape (n_steps, n_outputs)."""
        values = np.asarray(values, dtype=np.float64)
        values = values.reshape(len(values), -1)
        return np.stack([self.update(v) for v in values])
