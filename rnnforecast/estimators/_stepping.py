"""Stateful stepping of a fitted estimator: feed one observation, get the next output.

``estimator.stepper()`` (or ``Stepper(estimator)``) returns an object with ``step(x)``,
``step_many(X)`` and ``reset()``. What a step returns is always an output the estimator
itself gives for some input, named here and tested to equal it:

=====================================  ================================================
estimator                              ``step(x)`` after the observations since reset
=====================================  ================================================
RNNClassifier (``window="growing"``)   ``predict_proba`` of the sequence read so far
                                       (with ``embedding_dim``, x is one token id)
RNNForecaster, many-to-one             ``predict`` of the window of the last
(``window="rolling"``, its default)    ``n_timesteps_in_`` observations (NaN before)
RNNForecaster, many-to-one,            ``predict`` of everything read since reset, as one
``window="growing"``                   window (``n_timesteps_in_`` steps: the window);
                                       with a linear skip, NaN until it has its lags
RNNForecaster, ``return_sequences``    ``predict`` of the sequence read so far, its
(``window="growing"``)                 last step
=====================================  ================================================

Whether a step costs one step of the network or a whole pass is ``carries_state``:

* The state is carried (one step of every layer per call, ``nn._stepper``) when each
  step's input, once scaled, never changes again: the classifier without per-sequence
  normalisation, reverse direction or block means; the forecaster's growing window with
  ``window_normalization=None``; and ``return_sequences``, whose offsets are causal
  (the window's first row, the target's value or running mean at the step).
* Otherwise the stepper keeps the observations and runs the estimator on them at every
  step, exactly as the batched call does. This is the case of the forecaster's
  defaults: ``window_normalization="last"`` subtracts the window's *last* value from
  every step, so each new observation changes every scaled input of the window, and no
  state computed from the earlier inputs survives it. A rolling window is never carried
  either: dropping the oldest observation cannot be undone in a recurrent state. It is
  also the case of the classifier's default ``bidirectional="auto"`` (both directions):
  the reverse direction reads the sequence from its last step.

The scaled inputs, the linear skip and the mapping back to the original units are the
estimator's own, in float64 (``_add_skip`` and ``_in_units``: a quantile model steps
its median, as its ``predict``), and the outputs equal the batched ones to rounding
(``tests/test_stepping.py`` holds them to 1e-12, the recomputed ones bit for bit).

The linear skip reads the last ``n_lags_`` target values of a window. A carried step
keeps them, and returns NaN until it has read that many observations: a forecast from
lags filled with made-up values (zeros) would be a number no window of observations
gives. ``StreamingForecaster`` (``_streaming.py``) is the growing window's public face
for a many-to-one forecaster; it steps through this class.

A carried step runs no BLAS threads of its own (``n_threads`` does not apply): its
products are matrix-vector products that OpenBLAS runs on one thread.

An encoder-decoder (``RNNSeq2Seq``) is refused: its ``predict`` already runs the decoder
one step at a time from the encoder's state (``nn/_seq2seq.py``).
"""

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted

from ..nn._embedding import EMBEDDING_KEY, check_ids
from ..nn._stepper import NetworkStepper
from ..nn.losses import softmax
from ..nn.network import NetworkSpec
from ..preprocessing import normalize_sequences, piecewise_mean
from ._base import _BaseRNN

__all__ = ["Stepper"]

WINDOWS = ("rolling", "growing")


class Stepper:
    """Feed a fitted estimator one observation at a time.

    Parameters
    ----------
    estimator : fitted RNNForecaster or RNNClassifier
    window : {"rolling", "growing"} or None, default=None
        What a step's output reads (module docstring): "rolling", the last
        ``n_timesteps_in_`` observations (a many-to-one forecaster only; its default),
        or "growing", every observation since ``reset()`` (the default otherwise).

    Attributes
    ----------
    window : str
    carries_state : bool
        True when a step advances the network by one step from the carried state;
        False when it runs the network over the kept observations (see above).
    n_steps_ : int
        Observations read since the last ``reset()``.

    Examples
    --------
    >>> stepper = model.stepper()                      # doctest: +SKIP
    >>> for value in new_observations:                 # doctest: +SKIP
    ...     next_values = stepper.step(value)
    """

    def __init__(self, estimator, window=None):
        if not isinstance(estimator, _BaseRNN):
            raise ValueError(
                "The 'estimator' parameter of Stepper must be a fitted RNNForecaster or "
                f"RNNClassifier. Got a {type(estimator).__name__} instead.")
        check_is_fitted(estimator, "_network")
        if not isinstance(estimator._network.spec, NetworkSpec):
            raise ValueError(
                "The 'estimator' parameter of Stepper must be a fitted RNNForecaster or "
                f"RNNClassifier. Got a {type(estimator).__name__}, an encoder-decoder: its "
                "predict already runs the decoder one step at a time from the state the "
                "encoder leaves (nn/_seq2seq.py, greedy_decode); to step one decoder "
                "sequence yourself, start rnnforecast.nn._stepper.NetworkStepper from that "
                "state.")
        estimator._check_fitted_options()
        self.estimator = estimator
        self._classifier = is_classifier(estimator)
        self.window = self._check_window(window)
        self.reset()

    # ----------------------------------------------------------------- checks
    def _check_window(self, window):
        est = self.estimator
        many_to_one_forecaster = not (self._classifier or est.return_sequences)
        if window is None:
            return "rolling" if many_to_one_forecaster else "growing"
        if window not in WINDOWS:
            raise ValueError(f"The 'window' parameter of Stepper must be one of "
                             f"{list(WINDOWS)} or None. Got {window!r} instead.")
        if window == "rolling" and not many_to_one_forecaster:
            raise ValueError(
                "The 'window' parameter of Stepper can be 'rolling' only for a many-to-one "
                f"RNNForecaster. Got window='rolling' for a {type(est).__name__}"
                f"{' with return_sequences=True' if est.return_sequences else ''}, which "
                "reads whole sequences: use window='growing'.")
        return window

    def _check_estimator(self):
        """What the window needs from the estimator as it is now (checked at every
        reset: the estimator may have been refitted with other parameters)."""
        est = self.estimator
        if getattr(est, "known_features_", ()):
            raise ValueError(
                "Stepper cannot step a forecaster trained with columns known in advance "
                f"(known_features_={list(est.known_features_)}): each step of its windows "
                "reads those columns led by the horizon, which one observation per step "
                "does not carry. Use rnnforecast.forecasting.forecast(model, history, "
                "future=...) instead.")
        if self.window == "rolling" and est.n_timesteps_in_ is None:
            raise ValueError(
                "Stepper(window='rolling') needs the window length the forecaster was "
                "trained on, and this one got its weights from load_state_dict without a "
                "fit. Fit it, or use window='growing'.")
        if self.window == "rolling" or self._classifier:
            return
        # a many-to-one forecaster's growing window is carried, or refused: its
        # offsets would move every scaled input at every step
        if not est.return_sequences and est._scaler.offset is not None:
            raise ValueError(
                "Stepper(window='growing') of a many-to-one RNNForecaster needs "
                "window_normalization=None: the offset subtracted from every step of a "
                "window (its last value or mean) changes with each new observation, so "
                "no state carried from the earlier steps stays valid. Got "
                f"window_normalization={est.window_normalization!r}. Use "
                "window='rolling' (the default: predict of the last n_timesteps_in_ "
                "observations at every step), or refit with window_normalization=None.")

    def _carries(self):
        """Whether the state can be carried (module docstring) for this estimator."""
        est = self.estimator
        if self.window == "rolling" or est._network.spec.bidirectional:
            return False
        if self._classifier:
            raw = getattr(est, "_raw_input", False) or est.return_sequences or \
                getattr(est, "_token_input", False)
            return raw or est.window_normalization is None
        return True

    # ----------------------------------------------------------------- public
    def reset(self):
        """Forget what was read; the next step starts a new sequence. The weights are
        read again (a refitted estimator is followed). Returns self."""
        est = self.estimator
        self._check_window(self.window)           # a refit may have changed its kind
        self._check_estimator()
        self.n_features = est.n_step_features_in_
        self._network = est._network
        self._params = est._network.params64()
        self.carries_state = self._carries()
        self.n_steps_ = 0
        self._tokens = self._classifier and getattr(est, "_token_input", False)
        self._limit = self._step_limit() if self._classifier else None
        # the observations are kept when a step may have to run over them
        self._keeps = not self.carries_state or self._limit is not None
        self._kept = np.empty((8, self.n_features))     # observations, grown as needed
        if self.carries_state:
            self._net = NetworkStepper(self._params, est._network.spec)
            self._start_carried()
        return self

    def step(self, x):
        """Read one observation and return the output after it.

        x : float or array-like of shape (n_features,)

        Returns the row that the estimator gives for the input read so far (module
        docstring): a forecaster's ``predict`` row (a float for a 1-D ``y``, else shape
        (n_outputs,)); NaN for a rolling window not yet full); a classifier's
        ``predict_proba`` row, shape (n_classes,).
        """
        x = self._check_x(x)
        if self._keeps:
            self._keep(x)
        else:
            self.n_steps_ += 1
        if self.carries_state:
            return self._step_carried(x)
        return self._step_recomputed()

    def step_many(self, X):
        """``step`` each row of ``X`` (n_steps, n_features) in turn; returns the outputs
        stacked, shape (n_steps,) or (n_steps, n_outputs)."""
        X = np.asarray(X, dtype=np.float64)
        if X.size == 0:
            raise ValueError(
                f"X must hold at least one time step of {self.n_features} feature "
                f"value(s), shape (n_steps, {self.n_features}). Got an array of shape "
                f"{X.shape} instead.")
        X = X.reshape(len(X), -1) if X.ndim else X.reshape(1, 1)
        return np.stack([self.step(x) for x in X])

    # ----------------------------------------------------------------- helpers
    def _check_x(self, x):
        if self.estimator._network is not self._network or \
                self._network._params64 is not self._params:
            raise ValueError(
                "The estimator's weights changed after this stepper read them (a fit, "
                "partial_fit or load_state_dict). Call reset() to step with the new weights.")
        x = np.asarray(x, dtype=np.float64)
        if x.size != self.n_features or x.ndim > 1:
            raise ValueError(
                f"x must hold {self.n_features} feature value(s) for one time step, as "
                f"a float or an array of shape ({self.n_features},). Got an array of "
                f"shape {x.shape} instead.")
        if not np.isfinite(x).all():
            raise ValueError(f"x must hold finite values (no NaN or infinity). Got "
                             f"{x.tolist()!r}.")
        x = x.reshape(self.n_features)
        if self._tokens:
            self._check_token(x)
        return x

    def _keep(self, x):
        """Append x to the kept observations (a rolling window keeps the last T)."""
        T = self.estimator.n_timesteps_in_ if self.window == "rolling" else None
        kept = self._kept
        if T is not None and self.n_steps_ >= T:
            kept[:T - 1] = kept[1:T].copy()                       # drop the oldest
            kept[T - 1] = x
        else:
            if self.n_steps_ == len(kept):
                self._kept = kept = np.concatenate([kept, np.empty_like(kept)])
            kept[self.n_steps_] = x
        self.n_steps_ += 1

    def _read(self):
        """The observations a recomputed step reads, shape (1, t, n_features)."""
        n = self.n_steps_
        if self.window == "rolling":
            n = min(n, self.estimator.n_timesteps_in_)
        return self._kept[None, :n].copy()

    def _step_recomputed(self):
        est = self.estimator
        if self.window == "rolling" and self.n_steps_ < est.n_timesteps_in_:
            return self._nan_row()
        X = self._read()
        if not self._classifier:
            return est.predict(X)[0][-1] if est.return_sequences else est.predict(X)[0]
        if not (getattr(est, "_raw_input", False) or est.return_sequences):
            X = piecewise_mean(normalize_sequences(X, est.window_normalization),
                               est.max_timesteps)
        proba = est._proba_checked(X)[0]
        return proba[-1] if est.return_sequences else proba

    # ----------------------------------------------------------------- carried state
    def _start_carried(self):
        est = self.estimator
        self._anchor = None                      # return_sequences: the first row
        self._target_sum = 0.0                   # return_sequences, "mean": running sum
        skip = None if self._classifier else getattr(est, "_skip", None)
        self._skip = skip
        if skip is not None:
            self._lags = np.zeros(skip.n_lags_)  # the last scaled target values

    def _step_carried(self, x):
        est, scaler = self.estimator, self.estimator._scaler
        if self._limit is not None and self.n_steps_ > self._limit:
            self.carries_state = False           # block means from here on
            return self._step_recomputed()
        if self._tokens:
            raw = self._net.step(self._params[EMBEDDING_KEY][int(x[0])])
            return softmax(raw[None])[0].astype(np.float64)
        offset = 0.0
        if not self._classifier and est.return_sequences and scaler.offset is not None:
            if self._anchor is None:
                self._anchor = x.copy()
            offset = self._anchor                # causal: the window's first row
        xs = (x - offset - scaler.x_mean_) / scaler.x_scale_
        raw = self._net.step(xs)
        if self._classifier:
            return softmax(raw[None])[0].astype(np.float64)
        return self._forecast_row(raw, x, xs)

    def _check_token(self, x):
        """A classifier reading token ids: x must be one id of its vocabulary."""
        if x[0] != int(x[0]):
            raise ValueError(f"x must be a whole token id for a classifier fitted on token "
                             f"ids. Got {float(x[0])!r} instead.")
        check_ids(np.array([int(x[0])]), self.estimator.vocabulary_size_, "x")

    def _step_limit(self):
        """The classifier shortens sequences longer than ``max_timesteps`` to block
        means; a carried state reads single steps up to that length only (None: no
        limit)."""
        est = self.estimator
        if getattr(est, "_raw_input", False) or est.return_sequences or \
                getattr(est, "_token_input", False):
            return None
        return est.max_timesteps

    def _forecast_row(self, raw, x, xs):
        """The forecaster's row after a carried step: the network's scaled outputs
        ``raw`` (n_outputs * n_levels,) plus the linear skip's, back in the targets'
        units by the estimator's own ``_add_skip`` and ``_in_units`` (the median of
        sorted quantile levels); NaN while the skip lacks lags (module docstring)."""
        est = self.estimator
        offsets = np.full((1, 1, 1), self._target_offset(x))         # (N=1, 1, 1)
        skip_part = None
        if self._skip is not None:
            skip_part = self._skip_part(xs)
            if skip_part is None:
                return self._nan_row()
        point, _ = est._in_units(est._add_skip(raw[None], skip_part), offsets)
        return point[0, 0] if self._scalar_rows() else point[0]

    def _skip_part(self, xs):
        """The linear skip's scaled outputs (1, n_outputs) from the last ``n_lags_``
        scaled target values, or None until that many have been read."""
        skip, lags = self._skip, self._lags
        lags[:-1] = lags[1:].copy()
        lags[-1] = xs[skip.target_feature]
        if self.n_steps_ < skip.n_lags_:
            return None
        return lags[None] @ skip.coef_.T + skip.intercept_

    def _target_offset(self, x):
        """The target's offset at this step: with ``return_sequences``, its value
        ("last") or running mean ("mean") up to the step (``WindowScaler``); else 0,
        a carried many-to-one window having no offset."""
        est, scaler = self.estimator, self.estimator._scaler
        if not est.return_sequences or scaler.offset is None:
            return 0.0
        if scaler.offset == "last":
            return x[est.target_feature]
        self._target_sum += x[est.target_feature]
        return self._target_sum / self.n_steps_

    def _scalar_rows(self):
        """Whether a row of ``predict`` is a float (a 1-D ``y``, or one output per step)."""
        est = self.estimator
        return est._y_ndim < (3 if est.return_sequences else 2)

    def _nan_row(self):
        """A forecaster's row of NaN, shaped like a row of ``predict``."""
        return np.full(() if self._scalar_rows() else (self.estimator.n_outputs_,), np.nan)
