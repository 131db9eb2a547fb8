"""RNNForecaster: a recurrent regressor on windows of a time series.

This module owns the estimator's public face: its parameters and their constraints,
``fit``/``partial_fit`` (whose steps are :class:`~._forecaster_fit.WindowFitting`'s),
the outputs of a fitted model (the network plus the linear skip, mapped back to the
original units: ``predict``, ``score``, ``transform``, ``forecast``, ``stepper``) and
the forecaster's entries of the state dict (the linear skip, the quantile levels of
loaded weights). Quantile levels are ``_quantiles.py``'s, the skip ``_linear.py``'s.
"""

from numbers import Integral

import numpy as np
from sklearn.base import RegressorMixin, TransformerMixin
from sklearn.metrics import r2_score
from sklearn.utils import TransformerTags
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..forecasting import forecast
from ..nn.network import encode
from ..preprocessing import SQUARES_SAFE, WindowScaler
from ._base import PREDICT_BATCH, _BaseRNN, limit_blas_threads, options
from ._forecaster_fit import WindowFitting
from ._linear import LinearSkip
from ._quantiles import QuantileLevels, check_quantiles
from ._stepping import Stepper


class RNNForecaster(RegressorMixin, TransformerMixin, QuantileLevels, WindowFitting,
                    _BaseRNN):
    """Recurrent neural network regressor for windows of time series.

    Many-to-one (default): a window ``X`` of shape (n_samples, n_timesteps, n_features)
    maps to ``y`` of shape (n_samples,) or (n_samples, n_outputs), e.g. a whole forecast
    horizon predicted at once from the last hidden state. Many-to-many
    (``return_sequences=True``): ``y`` has one value per time step, shape
    (n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs).

    Inside, each window is first made relative (``window_normalization``), then inputs are
    standardised per feature and targets per output, with statistics learned in float64
    on the training windows (:class:`rnnforecast.preprocessing.WindowScaler`);
    predictions are mapped back to the original units.

    Parameters
    ----------
    cell : {"rnn", "jordan", "lstm", "gru"}, default="lstm"
        Recurrent layer. "rnn" is Elman's network (``nonlinearity`` tanh or relu);
        "jordan" feeds the previous output back instead of the hidden state.
    hidden_size : int, default=32
    num_layers : int, default=1
    nonlinearity : {"tanh", "relu"}, default="tanh"
        For ``cell="rnn"`` and ``cell="jordan"``.
    dropout : float in [0, 1), default=0.0
        Dropout between stacked layers during training.
    solver : {"adam", "sgd", "rmsprop"}, default="adam"
        "sgd" uses Nesterov momentum 0.9.
    learning_rate_init : float, default=0.005
        Adam's step size. On the airline hold-out 0.005 reached the accuracy of 0.001 in
        3x fewer epochs (benchmarks/README.md, Accuracy).
    batch_size : int or "auto", default="auto"
        Windows per gradient step. "auto" takes 32, or more on long series so that an
        epoch makes at most ``AUTO_BATCH_STEPS`` (64) steps: ``max(32, ceil(n / 64))``
        for ``n`` training windows, at most 1024. An epoch then costs about the same on
        long series as on a few thousand windows.
    max_iter : int, default=200
        Number of epochs.
    tol : float, default=1e-4
    early_stopping : "auto" or bool, default="auto"
        Hold out the *last* ``validation_fraction`` of the windows (time order), after a
        purge gap of ``n_outputs - 1`` windows whose targets overlap the held-out ones;
        stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the weights of the best epoch. Also
        stores ``conformal_residuals_``. "auto" does so when at least
        ``MIN_TRAIN_WINDOWS`` (10) windows are left to train on (``do_early_stopping_``
        says whether it did); without early stopping, training stops when the training
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.2
    n_iter_no_change : int, default=20
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases), divided by the batch size as in
        scikit-learn's MLPRegressor: ``loss + 0.5 * alpha * ||W||^2 / batch_size``.
    clip_norm : float or None, default=5.0
        Global gradient-norm clipping threshold (Pascanu et al., 2013).
    bptt_truncate : int or None, default=None
        Backpropagate through at most this many time steps (truncated BPTT).
    return_sequences : bool, default=False
        Many-to-many: one output per time step.
    dtype : {"float32", "float64"}, default="float32"
    n_threads : int, default=1
        BLAS threads used during fit and predict. Only the matrix products run on
        them, so a second thread shortens a training step for large hidden sizes
        (0.7-0.85x with hidden 128-256 on 2 cores, ``benchmarks/``) and not for small
        ones. To use several cores for many fits, run the fits in parallel instead
        (``n_jobs`` of ``GridSearchCV``, ``rnnforecast.forecasting.fit_many``).
        The same data and ``random_state`` give bit-identical weights for one
        ``n_threads``; with another, BLAS may sum a product in another order, and
        the weights differ by float rounding (about 1e-8 in float32 after a few
        epochs of a hidden size of 96).
    random_state : int, RandomState instance or None, default=None
    verbose : bool or int, default=0
        Print one line per epoch (loss, validation score, elapsed time).
    warm_start : bool, default=False
    weight_norm : bool or "recurrent", default=False
        Train every recurrent layer's weights as a length and a direction per row,
        ``w_i = g_i * v_i / ||v_i||`` (weight normalisation, Salimans & Kingma, 2016;
        PyTorch's ``weight_norm(dim=0)``): True for ``weight_ih_l*`` and ``weight_hh_l*``,
        "recurrent" for ``weight_hh_l*`` only. Only training changes: the fitted model
        holds the effective weights (``state_dict``, ``predict``, save and export are
        those of a plain network). The L2 penalty (``alpha``) is that of the effective
        weights, which reaches g alone (``||w_i|| = |g_i|``). See
        ``rnnforecast/nn/_weight_norm.py``.
    loss : {"squared_error", "absolute_error", "huber", "quantile"}, \
            default="squared_error"
        "quantile" trains one output per target and level of ``quantiles`` with the
        pinball loss (:func:`rnnforecast.nn.losses.pinball`); ``predict`` then returns
        the median and ``predict_quantiles`` every level.
    window_normalization : {"last", "mean"} or None, default="last"
        Subtract from every feature of a window its last value ("last") or its mean
        ("mean") and add it back to the predictions (the target feature's offset), which
        lets a network trained on one price level forecast another. With
        ``return_sequences`` the offsets stay causal: inputs relative to the window's
        first row, the target of step ``t`` relative to the value (or mean) up to ``t``
        (see :class:`rnnforecast.preprocessing.WindowScaler`).
    target_feature : int, default=0
        Which input feature is the target series (for ``window_normalization``,
        intervals and recursive forecasts). ``fit`` refuses windows whose ``y`` follows
        another feature (e.g. ``make_windows(frame, ..., target="wind")`` with "wind" in
        column 1 needs ``target_feature=1``).
    linear_skip : "auto" or bool, default="auto"
        Add to the network's output a linear map of the window's last target values
        (at most ``MAX_LAGS``, 1000), fitted first in closed form (ridge regression on
        every scaled window); the network then learns what it leaves
        (:class:`rnnforecast.estimators._linear.LinearSkip`). "auto" uses it for
        many-to-one windows and not with ``return_sequences`` (where it does not
        apply). ``partial_fit`` and ``warm_start`` keep the skip of the first fit, as
        they keep the scaling. With ``loss="quantile"`` the skip's output is added to
        every level (it is a mean estimate; the network learns the quantiles of what it
        leaves).
    quantiles : array-like of float, default=(0.1, 0.5, 0.9)
        Levels learned with ``loss="quantile"`` (ignored by the other losses): distinct,
        in (0, 1), in increasing order, and including 0.5, the median that ``predict``
        returns.
    calibration : "auto" or bool, default="auto"
        Keep calibration residuals (``conformal_residuals_``) for prediction intervals.
        With early stopping they are its held-out windows' residuals. Without it, the
        network trains on every window as asked, and a second network with the same
        parameters is trained on the windows before the last ``validation_fraction``
        (and the purge gap); its residuals on those last windows are kept. That costs one
        more fit on ``1 - validation_fraction`` of the windows. "auto" does so when
        ``MIN_TRAIN_WINDOWS`` (10) windows are left to train the second network on (none
        are kept otherwise), True whenever one is (it raises before training otherwise);
        False trains no second network (early stopping's residuals are still kept).
        Fits that continue a network (``warm_start``, ``partial_fit``) keep none.

    Attributes
    ----------
    n_features_in_ : int
    n_timesteps_in_ : int or None
        Window length seen in fit (None after ``load_state_dict`` on an unfitted
        estimator: any length is accepted).
    n_step_features_in_ : int
        Features per time step seen in fit.
    n_outputs_ : int
        Outputs per window (or per time step), e.g. the forecast horizon.
    loss_curve_ : list of float
    n_iter_ : int
    validation_loss_curve_ : list of float
        Validation loss per epoch, the training loss on the held-out windows (only with
        ``early_stopping``); early stopping follows it.
    validation_scores_ : list of float
        Validation R^2 per epoch (only with ``early_stopping``).
    best_validation_score_ : float
        Validation R^2 of the epoch whose weights are kept.
    best_epoch_ : int
        Epoch whose weights are kept (the last one without early stopping).
    interrupted_ : bool
        Present and True when a KeyboardInterrupt stopped the last fit; the estimator
        keeps the weights of the last complete (or best) epoch, and the interrupt
        propagates to the caller. Interrupted before any epoch was complete, it is left
        unfitted (``predict`` raises ``NotFittedError``) rather than predict with the
        random initial weights.
    conformal_residuals_ : ndarray of shape (n_validation, n_outputs)
        ``y - prediction`` on the held-out last windows (many-to-one, see
        ``calibration``), used for prediction intervals by ``forecast``. The linear skip
        is fitted on every window, so these residuals use one refitted on the training
        windows alone: no part of the prediction has seen the held-out targets.
    calibration_ : str
        Where ``conformal_residuals_`` come from: "early_stopping" (the held-out
        windows of early stopping), "refit" (a second network trained without the last
        windows) or "none".
    quantiles_ : ndarray of shape (n_quantiles,)
        The levels of ``predict_quantiles`` (only with ``loss="quantile"``).
    quantile_residuals_ : ndarray of shape (n_validation, n_outputs, n_quantiles)
        ``y - level`` on the windows of ``conformal_residuals_`` (only with
        ``loss="quantile"``), for ``predict_quantiles(X, calibrated=True)``.
    conformal_scales_ : ndarray of shape (n_validation,)
        Local scale of each of those windows (mean absolute one-step change of the
        target); intervals are scaled by the scale of the forecast's own window
        (see ``rnnforecast.forecasting.local_scale``).
    linear_skip_ : bool
        Whether the fitted model adds the linear skip to the network's output.
    do_early_stopping_ : bool
        Whether the last fit held out windows and stopped early.
    """

    _FITTED_OPTIONS = ("window_normalization", "target_feature", "linear_skip",
                       "return_sequences")

    _parameter_constraints = {
        **_BaseRNN._parameter_constraints,
        "loss": [options("squared_error", "absolute_error", "huber", "quantile")],
        "quantiles": ["array-like"],
        "calibration": [options("auto"), "boolean"],
        "window_normalization": [options("last", "mean"), None],
        "target_feature": [Interval(Integral, 0, None, closed="left")],
        "early_stopping": [options("auto"), "boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left"), options("auto")],
        "linear_skip": [options("auto"), "boolean"],
    }

    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, nonlinearity="tanh",
                 dropout=0.0, solver="adam", learning_rate_init=0.005, batch_size="auto",
                 max_iter=200, tol=1e-4, early_stopping="auto", validation_fraction=0.2,
                 n_iter_no_change=20, alpha=1e-4, clip_norm=5.0, bptt_truncate=None,
                 return_sequences=False, dtype="float32", n_threads=1, random_state=None,
                 verbose=0, warm_start=False, loss="squared_error",
                 window_normalization="last", target_feature=0, linear_skip="auto",
                 quantiles=(0.1, 0.5, 0.9), calibration="auto",
                 weight_norm=False):
        super().__init__(
            cell=cell, hidden_size=hidden_size, num_layers=num_layers,
            nonlinearity=nonlinearity, dropout=dropout, solver=solver,
            learning_rate_init=learning_rate_init, batch_size=batch_size, max_iter=max_iter,
            tol=tol, early_stopping=early_stopping, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, alpha=alpha, clip_norm=clip_norm,
            bptt_truncate=bptt_truncate, return_sequences=return_sequences, dtype=dtype,
            n_threads=n_threads, random_state=random_state, verbose=verbose,
            warm_start=warm_start)
        self.loss = loss
        self.window_normalization = window_normalization
        self.target_feature = target_feature
        self.linear_skip = linear_skip
        self.quantiles = quantiles
        self.calibration = calibration
        self.weight_norm = weight_norm

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags

    # ----------------------------------------------------------------- fit
    def fit(self, X, y):
        """Fit the network to windows ``X`` and targets ``y``.

        X : array-like of shape (n_samples, n_timesteps, n_features) or
            (n_samples, n_timesteps)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs); with
            ``return_sequences`` (n_samples, n_timesteps[, n_outputs])

        Returns self.
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current weights. Returns self.

        The scaling (window offsets aside, the input and target means and scales) is
        learned from the data of the *first* call and kept afterwards, so that the
        network keeps seeing inputs on one scale: make the first batch representative
        (or ``fit`` first and continue with ``partial_fit``). The network's shape
        parameters (``cell``, ``hidden_size``, ``num_layers``, ``nonlinearity``,
        ``return_sequences``, ``dtype``) cannot change between calls. Calibration
        residuals of an earlier ``fit`` are dropped: they were measured on other weights.
        """
        return self._fit(X, y, incremental=True)

    # ----------------------------------------------------------------- predict
    def _raw_outputs(self, Xs, skip=None):
        """Scaled predictions for scaled float64 windows: the network's outputs plus
        the linear skip's (``skip``, default the fitted one); (n, O) or (n, T, O), and
        with quantile levels (n, O, K) or (n, T, O, K) (see ``_quantiles.py``)."""
        raw, skip = self._forward_raw(Xs), skip or getattr(self, "_skip", None)
        return self._add_skip(raw, None if skip is None else skip.predict(Xs))

    def _predict_windows(self, X, skip=None):
        """Predictions (n, O) or (n, T, O) in original units for checked X (n, T, D)
        (with ``skip`` instead of the fitted linear skip, if given)."""
        return self._predict_both(X, skip)[0]

    def _predict_both(self, X, skip=None):
        """Point predictions and sorted quantile levels (or None) in original units for
        checked X (with ``skip`` instead of the fitted linear skip, if given)."""
        Xs, offsets = self._scaler.transform(X)
        return self._in_units(self._raw_outputs(Xs, skip), offsets)

    def predict(self, X):
        """Predict targets for windows ``X``.

        X : array-like of shape (n_samples, n_timesteps, n_features) or
            (n_samples, n_timesteps)

        Returns ndarray shaped like the ``y`` seen in fit: (n_samples,),
        (n_samples, n_outputs), or with ``return_sequences`` (n_samples, n_timesteps[,
        n_outputs]).
        """
        check_is_fitted(self, "_network")
        Y = self._predict_windows(self._check_X(X, reset=False))
        return Y[..., 0] if self._y_ndim < Y.ndim else Y

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions, averaged uniformly over all outputs (and time steps).

        X : array-like of shape (n_samples, n_timesteps[, n_features])
        y : array-like shaped like the ``y`` of fit
        sample_weight : array-like of shape (n_samples,), default=None

        Returns float.
        """
        pred = self.predict(X)
        y, n = np.asarray(y), len(pred)
        if y.ndim == 0 or len(y) != n or y.size != pred.size:
            raise ValueError(
                f"The 'y' argument of RNNForecaster.score must have one row per window of "
                f"X, shaped like the predictions {pred.shape}. Got an array of shape "
                f"{y.shape} instead.")
        unit = _squares_safe_unit(y)          # R^2 does not change when both are divided
        return r2_score(y.reshape(n, -1) / unit, pred.reshape(n, -1) / unit,
                        sample_weight=sample_weight)

    def stepper(self, window=None):
        """A :class:`~rnnforecast.estimators.Stepper` that feeds this forecaster one
        observation at a time: by default each ``step(x)`` returns ``predict`` of the
        window of the last ``n_timesteps_in_`` observations; ``window="growing"``
        carries the network's state (with ``window_normalization=None`` or
        ``return_sequences``). See ``rnnforecast.estimators._stepping``."""
        return Stepper(self, window)

    def transform(self, X):
        """Final hidden state of the top layer for each window: (n_samples, hidden_size)."""
        check_is_fitted(self, "_network")
        Xs, _ = self._scaler.transform(self._check_X(X, reset=False))
        return _last_hidden(self._network, Xs, self.n_threads)

    def forecast(self, history, steps=None, *, freq=None, interval=None, residuals=None,
                 future=None, quantiles=False):
        """Forecast the ``steps`` values after ``history``, indexed by future timestamps.

        history : pandas Series or DataFrame (or array) of shape (n_time[, n_features])
            with at least ``n_timesteps_in_`` rows, its columns in the order used in fit.
        steps : int, default=None
            Number of future values; default the trained horizon ``n_outputs_``; longer
            horizons are produced recursively (univariate input only).
        freq : str or pandas offset, default=None
            Frequency of the future index; inferred from the history's index if None.
        interval : float in (0, 1) or list of float, default=None
            Add ``lower``/``upper`` columns of a split-conformal prediction interval with
            this coverage, or for several levels ``lower_80``, ``upper_80``, ... (see
            :func:`rnnforecast.forecasting.forecast`); needs ``conformal_residuals_``
            (stored by early stopping, on by default) or ``residuals``.
        future : pandas.DataFrame, default=None
            For a network trained on windows of ``make_windows(..., known=[...])``: the
            values of those columns at the future timestamps (see
            :func:`rnnforecast.forecasting.forecast`); required then, refused otherwise.
        quantiles : bool or "calibrated", default=False
            With ``loss="quantile"``: add the columns ``q10``, ``q50``, ... of
            ``predict_quantiles`` on the last window (shifted by their held-out residuals
            for "calibrated"), up to the trained horizon.

        Returns pandas Series (or DataFrame with ``forecast`` and the interval and
        quantile columns).
        """
        if getattr(self, "n_timesteps_in_", 0) is None:
            raise ValueError(
                "RNNForecaster.forecast needs the window length the network was trained "
                "on, and this estimator got its weights from load_state_dict without a "
                "fit: it has no window length and no scaling. Fit it, or load the weights "
                "into an estimator fitted on the same data.")
        return forecast(self, history, steps, freq=freq, interval=interval,
                        residuals=residuals, future=future, quantiles=quantiles)

    # ----------------------------------------------------------------- state dict
    def state_dict(self):
        """The weights as a dict of arrays, named and laid out as PyTorch's.

        The network's (see :meth:`RNNClassifier.state_dict`), and with a linear skip
        ``skip.weight`` of shape (n_outputs, n_lags) and ``skip.bias`` of shape
        (n_outputs,), as a ``torch.nn.Linear`` reading the window's last ``n_lags``
        scaled target values. The arrays are copies. ``load_state_dict`` reads them
        back; a state_dict without them gives a model without a skip.
        """
        state = super().state_dict()
        skip = getattr(self, "_skip", None)
        if skip is not None:
            state["skip.weight"], state["skip.bias"] = skip.coef_.copy(), \
                skip.intercept_.copy()
        return state

    _EXTRA_STATE = ("skip.weight", "skip.bias")

    def _check_extra_state(self, extra, spec, keep_scaling):
        """The linear skip of the state_dict (or None), checked against the network;
        the head's outputs must be one per target and quantile level."""
        n_levels = len(self._loaded_levels(keep_scaling))
        if spec.output_size % n_levels:
            raise ValueError(
                f"The state_dict has {spec.output_size} outputs, which is not one per target "
                f"and level of quantiles={self.quantiles!r} ({n_levels} levels). Set the "
                "quantiles the weights were trained with, or loss to another value.")
        if not extra:
            return None
        skip = LinearSkip.from_arrays(extra.get("skip.weight"), extra.get("skip.bias"),
                                      self.target_feature)
        if skip.intercept_.shape != (spec.output_size // n_levels,):
            raise ValueError(
                f"The state_dict entry 'skip.bias' must have one value per target, "
                f"({spec.output_size // n_levels},) for 'head.bias' of shape "
                f"({spec.output_size},) and {n_levels} quantile level(s). Got "
                f"{skip.intercept_.shape}.")
        n_timesteps = self.n_timesteps_in_ if keep_scaling else None
        if n_timesteps is not None and skip.n_lags_ > n_timesteps:
            raise ValueError(
                f"The state_dict entry 'skip.weight' reads {skip.n_lags_} time steps, more "
                f"than the {n_timesteps} of this estimator's windows.")
        return skip

    def _set_extra_state(self, skip):
        self._skip, self.linear_skip_ = skip, skip is not None

    def _after_load_state_dict(self, spec, keep_scaling):
        if keep_scaling:
            return
        self.__dict__.pop("quantiles_", None)
        if self.loss == "quantile":
            self.quantiles_ = check_quantiles(self.quantiles)
        self.n_features_in_ = self.n_step_features_in_ = spec.input_size
        self.n_timesteps_in_ = None
        self.n_outputs_ = spec.output_size // self._n_levels()
        self._y_ndim = 3 if self.return_sequences else 2
        self._scaler = WindowScaler.identity(spec.input_size, self.n_outputs_)  # raw windows


def _squares_safe_unit(y):
    """1, or the largest magnitude of ``y`` when squares of its values would overflow
    or underflow float64 (R^2 would be NaN or a false 1.0)."""
    big = float(np.max(np.abs(y), initial=0.0))
    low, high = SQUARES_SAFE
    return big if np.isfinite(big) and big > 0 and not low < big < high else 1.0


def _last_hidden(network, Xs, n_threads):
    """Final hidden state of the top layer, (n_samples, hidden_size), computed in float64
    batches like the predictions (no backward cache)."""
    params = network.params64()
    with limit_blas_threads(n_threads):
        parts = [encode(params, network.spec, Xs[i:i + PREDICT_BATCH])
                 for i in range(0, len(Xs), PREDICT_BATCH)]
    return np.concatenate(parts)
