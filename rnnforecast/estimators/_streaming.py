"""Stateful, step-by-step prediction: the classic ``timestep(x)`` view of an RNN.

A fitted many-to-one :class:`RNNForecaster` maps a window to a prediction by running
the recurrence over the window from a zero state. ``StreamingForecaster`` keeps that
state between calls instead: each ``update(x_t)`` advances the network by one time step
(one small forward call, not a whole window) and returns the prediction the head reads
from the new state, that is ``predict`` of everything read since ``reset()`` as one
window. After ``reset()`` and ``n_timesteps_in_`` updates with the values of a window,
the prediction equals ``estimator.predict`` on that window.

It is the public face of one mechanism: ``estimator.stepper(window="growing")``
(:class:`~rnnforecast.estimators.Stepper`, ``_stepping.py``) carries the state, adds the
linear skip and maps the outputs back to the original units; this class checks that the
forecaster can be streamed, names its refusals after itself, and shapes every
prediction as (n_outputs,).

Per-window normalisation needs the whole window before the first step, so streaming
requires a forecaster fitted with ``window_normalization=None``. A linear skip
(``linear_skip``) reads the last ``n_lags_`` observations of the target (the window's
length, up to ``MAX_LAGS``): until the stream has read that many, ``update`` returns NaN
rather than a forecast from lags filled with made-up values.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._forecaster import RNNForecaster
from ._stepping import Stepper


class StreamingForecaster:
    """Feed one observation at a time and get the next prediction.

    Parameters
    ----------
    estimator : fitted RNNForecaster
        Many-to-one, fitted with ``window_normalization=None``, without columns known
        in advance.

    Attributes
    ----------
    estimator : RNNForecaster
    n_steps_ : int
        Observations read since the last ``reset()``.

    Notes
    -----
    The stream reads the estimator's weights when it is made and at every ``reset()``;
    after a ``fit``, ``partial_fit`` or ``load_state_dict`` of the estimator, ``update``
    refuses to go on until ``reset()``. A forecaster reloaded with
    ``rnnforecast.persistence.load`` or refitted from ``sklearn.base.clone`` streams as
    the original.

    Examples
    --------
    >>> stream = StreamingForecaster(model)            # doctest: +SKIP
    >>> for value in new_observations:                 # doctest: +SKIP
    ...     next_values = stream.update(value)
    """

    def __init__(self, estimator):
        self.estimator = estimator
        self._check_estimator()
        self._stepper = Stepper(estimator, window="growing")

    def _check_estimator(self):
        """What streaming needs from the estimator as it is now (at every reset: it may
        have been refitted with other parameters)."""
        estimator = self.estimator
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
                f"{estimator.window_normalization!r}. Refit with window_normalization=None, "
                "or use estimator.stepper() (predict of the last n_timesteps_in_ "
                "observations at every step).")
        if estimator.return_sequences:
            raise ValueError("StreamingForecaster needs a many-to-one forecaster; got "
                             "return_sequences=True. Use estimator.stepper(), which "
                             "returns the last step's output of the sequence read so far.")
        if getattr(estimator, "known_features_", ()):
            raise ValueError(
                "StreamingForecaster cannot feed a forecaster trained with columns known "
                f"in advance (known_features_={list(estimator.known_features_)}): each "
                "step of its windows reads those columns led by the horizon, which one "
                "observation per update does not carry. Use rnnforecast.forecasting."
                "forecast(model, history, future=...) instead.")

    @property
    def n_steps_(self):
        return self._stepper.n_steps_

    def reset(self):
        """Forget the state: the next update starts a new sequence. The weights are read
        again (a refitted estimator is followed). Returns self."""
        self._check_estimator()
        self._stepper.reset()
        return self

    def update(self, x):
        """Advance one time step with observation ``x`` and return the prediction.

        x : float or array-like of shape (n_features,)

        Returns ndarray of shape (n_outputs,): ``predict`` of the observations read
        since ``reset()`` as one window (the median level for a forecaster fitted with
        ``loss="quantile"``, as its ``predict``); NaN while a linear skip has fewer
        than ``n_lags_`` observations to read.
        """
        return np.reshape(self._stepper.step(x), self.estimator.n_outputs_)

    def update_many(self, values):
        """``update`` each row of ``values`` (n_steps, n_features) in turn; returns the
        predictions, shape (n_steps, n_outputs)."""
        return self._stepper.step_many(values).reshape(-1, self.estimator.n_outputs_)
