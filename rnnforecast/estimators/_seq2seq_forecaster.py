"""RNNSeq2SeqForecaster: an encoder–decoder forecaster, the decoder unrolled over the
horizon one step per future time."""

from numbers import Integral

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted

from ..forecasting import local_scale
from ..nn import _seq2seq as s2s
from ..nn.losses import LOSSES
from ..preprocessing import WindowScaler, nonzero_scale, spread
from ._base import limit_blas_threads, options
from ._encoder_decoder import Targets, _EncoderDecoder
from ._forecaster_fit import _features_followed
from ._training import time_ordered_split


class RNNSeq2SeqForecaster(RegressorMixin, _EncoderDecoder):
    """Encoder–decoder forecaster of windows: the encoder reads the window, the decoder
    runs one step per future time and emits that time's value.

    The decoder's input at horizon step ``k`` is the target's value at the step before
    (the window's last observed value at ``k = 0``; in training the true value, teacher
    forcing; in prediction its own forecast) beside the *future-known* inputs of step
    ``k`` (``future``: calendar features, planned prices, ...), if any::

        X       x_1 ... x_T  (the window)   -> encoder -> state
        U[k]    [y_{T+k} ; future_k]        (y_T: last observed target value)
        out[k]  y_{T+k+1}                   (linear output, squared error)

    Unlike :class:`RNNForecaster`, which emits the whole horizon from one state, every
    step reads the previous value and its own known inputs, so the horizon's steps are
    tied together; like it, the model follows the window-forecaster contract
    (``n_timesteps_in_``, ``n_step_features_in_``, ``n_outputs_``, ``target_feature``,
    ``predict(X)``), so ``rnnforecast.forecasting.forecast`` and
    ``rnnforecast.model_selection.backtest`` take it.

    Future-known inputs come one of two ways. Windows made by
    ``make_windows(..., horizon=H, known=[...])`` carry the known columns led by the
    horizon, so their last ``H`` steps hold the values at the ``H`` target times: the
    decoder's step ``k`` reads those of step ``T - H + k`` (and ``forecast(...,
    future=...)``, ``backtest(..., known=...)`` build such windows). Or ``fit`` and
    ``predict`` take them as an array ``future`` of shape (n_samples, H,
    n_future_features); the forecasting functions cannot pass such an array, so a
    model fitted that way serves ``predict`` only.

    Scaling: each window is made relative (``window_normalization``) and standardised
    per feature as in :class:`RNNForecaster`; the targets of every horizon step and the
    fed-back values share one mean and scale (so the decoder reads and writes the same
    units); ``future`` inputs are standardised per feature.

    Parameters
    ----------
    cell : {"gru", "lstm", "rnn"}, default="gru"
    hidden_size : int, default=32
    num_layers, nonlinearity, dropout, solver, batch_size, max_iter, tol, alpha, \
clip_norm, dtype, n_threads, random_state, verbose, warm_start
        As in :class:`RNNForecaster`.
    learning_rate_init : float, default=0.005
    early_stopping : bool, default=False
        Hold out the *last* ``validation_fraction`` of the windows after a purge gap of
        ``n_outputs - 1`` windows (as :class:`RNNForecaster`), stop on their
        teacher-forced loss, keep the best weights and store ``conformal_residuals_``
        of their decoded forecasts for intervals.
    validation_fraction : float, default=0.2
    n_iter_no_change : int, default=20
    loss : {"squared_error", "absolute_error", "huber"}, default="squared_error"
    window_normalization : {"last", "mean"} or None, default="last"
    target_feature : int, default=0
        Feature of the window that holds the forecast variable (the value fed back).

    Attributes
    ----------
    n_features_in_, n_timesteps_in_, n_step_features_in_ : int
    n_outputs_ : int
        The horizon.
    n_future_features_ : int
        Future-known inputs per step (0 without ``future``).
    loss_curve_, n_iter_, best_epoch_, validation_scores_ (R^2 of the decoded
    forecasts), validation_loss_curve_
    conformal_residuals_ : ndarray of shape (n_validation, n_outputs)
        Only with ``early_stopping``.
    conformal_scales_ : ndarray of shape (n_validation,)
    """

    _FITTED_OPTIONS = ("window_normalization", "target_feature")

    _parameter_constraints = {
        **_EncoderDecoder._parameter_constraints,
        "loss": [options("squared_error", "absolute_error", "huber")],
        "window_normalization": [options("last", "mean"), None],
        "target_feature": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, cell="gru", hidden_size=32, num_layers=1, nonlinearity="tanh",
                 dropout=0.0, solver="adam", learning_rate_init=0.005, batch_size=32,
                 max_iter=200, tol=1e-4, early_stopping=False, validation_fraction=0.2,
                 n_iter_no_change=20, alpha=1e-4, clip_norm=5.0, dtype="float32",
                 n_threads=1, random_state=None, verbose=0, warm_start=False,
                 loss="squared_error", window_normalization="last", target_feature=0):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.nonlinearity = nonlinearity
        self.dropout = dropout
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.alpha = alpha
        self.clip_norm = clip_norm
        self.dtype = dtype
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.loss = loss
        self.window_normalization = window_normalization
        self.target_feature = target_feature

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.three_d_array = True
        return tags

    def _loss_name(self):
        return self.loss

    # ----------------------------------------------------------------- fit
    def fit(self, X, y, future=None):
        """Fit to windows ``X``, their next ``n_outputs`` values ``y`` and, optionally,
        the inputs known in advance for each of those steps.

        X : array-like of shape (n_samples, n_timesteps, n_features) or
            (n_samples, n_timesteps)
        y : array-like of shape (n_samples, horizon) or (n_samples,) (horizon 1)
        future : array-like of shape (n_samples, horizon, n_future_features) or
            (n_samples, horizon), default=None

        Returns self.
        """
        first = self._start_fit(incremental=False)
        self._check_y_given(y)
        X = self._check_X(X, reset=first)
        Y = self._check_y(y, X, reset=first)
        F = self._future_inputs(X, future, reset=first)
        split = (time_ordered_split(len(X), self.validation_fraction, Y.shape[1] - 1)
                 if self.early_stopping else None)
        if first:
            train = slice(None) if split is None else split[0]
            self._scaler = WindowScaler(offset=self.window_normalization,
                                        target=self.target_feature).fit(X[train],
                                                                        Y[train, :, None])
            self._future_mean_ = F[train].mean(axis=(0, 1))
            self._future_scale_ = nonzero_scale(spread(F[train], axis=(0, 1)),
                                               self._future_mean_)
        Xs, offsets = self._scaler.transform(X)
        Ys = self._scaler.transform_targets(Y[:, :, None], offsets)     # (n, H, 1)
        U = np.concatenate([self._last_value(X, offsets), Ys[:, :-1]], axis=1)
        U = np.concatenate([U, self._scaled_future(F)], axis=2)          # (n, H, 1 + F)
        spec = self._seq2seq_spec(Xs.shape[2], U.shape[2], 1)
        self._fit_pairs(Xs, Targets(U, Ys), spec, self._validation(X, Y, F, Xs, U, Ys),
                        split)
        self._store_residuals(X, Y, F, split)
        return self

    def _check_y(self, y, X, reset):
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim not in (1, 2) or len(y) != len(X):
            raise ValueError(
                f"y must have shape (n_samples, horizon) or (n_samples,) with n_samples = "
                f"{len(X)}, the number of windows. Got an array of shape {y.shape} instead.")
        if reset:
            self._y_ndim = y.ndim
        Y = y.reshape(len(y), -1)
        if reset:
            self.n_outputs_ = Y.shape[1]
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has a horizon of {Y.shape[1]} but the fitted {type(self).__name__} has "
                f"n_outputs_={self.n_outputs_}; warm_start needs the same horizon.")
        if self.target_feature >= X.shape[2]:
            raise ValueError(
                f"The 'target_feature' parameter of {type(self).__name__} must be a feature "
                f"index of X, below {X.shape[2]}. Got {self.target_feature} instead.")
        followed = _features_followed(X, Y, sequences=False)
        if followed and self.target_feature not in followed:
            raise ValueError(
                f"y follows feature {followed[0]} of X (its values are those of feature "
                f"{followed[0]} one step later, as in windows made with make_windows(..., "
                f"target=...)), but target_feature={self.target_feature}: the decoder "
                "would start from the last value of another feature. Set "
                f"target_feature={followed[0]}, or make the windows with the target as the "
                "first column.")
        return Y

    def _future_inputs(self, X, future, reset):
        """The decoder's known inputs (n, H, F): the led known columns of windows made
        by ``make_windows(..., known=[...])`` (their last H steps hold the values at the
        H target times), else ``future``."""
        known = list(getattr(self, "known_features_", ()) or ())
        if not known:
            return self._check_future(future, X, reset)
        H, name = self.n_outputs_, type(self).__name__
        if future is not None:
            raise ValueError(
                f"The 'future' argument of {name} must be None for windows with columns "
                f"known in advance (features {known}, made by make_windows(..., "
                "known=...)): the decoder reads them from the windows' last steps. Got "
                "an array too; give the known inputs one way only.")
        if reset and (self.known_lead_ != H or X.shape[1] < H):
            raise ValueError(
                f"{name} reads the known columns {known} of the windows' last n_outputs_ "
                f"= {H} steps, which needs windows made with make_windows(..., "
                f"horizon={H}, known=...) and a window of at least {H} steps. Got columns "
                f"led by {self.known_lead_} steps and windows of {X.shape[1]} steps.")
        if reset:
            self.n_future_features_ = len(known)
        return X[:, X.shape[1] - H:, known]                        # (n, H, F)

    def _check_future(self, future, X, reset):
        """future as (n, H, F) float64 ((n, H, 0) when None), checked against the fit."""
        H, expected = self.n_outputs_, getattr(self, "n_future_features_", None)
        if future is None:
            F = np.zeros((len(X), H, 0))
        else:
            F = check_array(future, ensure_2d=False, allow_nd=True, dtype=np.float64,
                            input_name="future")
            F = F[:, :, None] if F.ndim == 2 else F
            if F.ndim != 3 or F.shape[:2] != (len(X), H):
                raise ValueError(
                    f"The 'future' argument of {type(self).__name__} must have shape "
                    f"(n_samples, horizon, n_future_features) = ({len(X)}, {H}, ...): the "
                    "inputs known in advance for each forecast step. Got an array of "
                    f"shape {np.shape(future)} instead.")
        if reset:
            self.n_future_features_ = F.shape[2]
        elif F.shape[2] != expected:
            raise ValueError(
                f"The 'future' argument of {type(self).__name__} must hold "
                f"{expected} feature(s) per step, as in fit. Got "
                f"{'None' if future is None else F.shape[2]}."
                + (" Forecasting functions cannot pass future inputs: fit without "
                   "future to use forecast() or backtest()." if future is None else ""))
        return F

    def _last_value(self, X, offsets):
        """The scaled last observed target value of each window, (n, 1, 1)."""
        tf = self.target_feature
        return self._scaler.transform_targets(X[:, -1:, tf:tf + 1], offsets)

    def _scaled_future(self, F):
        return (F - self._future_mean_) / self._future_scale_

    def _validation(self, X, Y, F, Xs, U, Ys):
        def validation(idx):
            raw = self._teacher_forced(Xs[idx], U[idx])
            loss = LOSSES[self.loss](raw.reshape(-1, 1), Ys[idx].reshape(-1, 1))[0]
            return loss, r2_score(Y[idx], self._forecast(X[idx], F[idx]))
        return validation

    def _store_residuals(self, X, Y, F, split):
        for name in ("conformal_residuals_", "conformal_scales_"):
            self.__dict__.pop(name, None)
        if split is not None:
            val = split[1]
            self.conformal_residuals_ = Y[val] - self._forecast(X[val], F[val])
            self.conformal_scales_ = local_scale(X[val], self.target_feature)

    # ----------------------------------------------------------------- prediction
    def _forecast(self, X, F):
        """Decoded forecasts (n, H) in the units of y, for checked float64 X and F."""
        Xs, offsets = self._scaler.transform(X)
        Fs, u0 = self._scaled_future(F), self._last_value(X, offsets)[:, 0]
        params, spec = self._network.params64(), self._network.spec

        def next_input(k, out):                                # own forecast + known
            return np.concatenate([out, Fs[:, k + 1]], axis=1)

        with limit_blas_threads(self.n_threads):
            outs, _ = s2s.greedy_decode(params, spec, Xs, np.concatenate([u0, Fs[:, 0]], 1),
                                        self.n_outputs_, next_input)
        return self._scaler.inverse_targets(outs, offsets)[:, :, 0]

    def predict(self, X, future=None):
        """Forecasts, (n_samples, horizon) (or (n_samples,) after a fit on 1-D ``y``).

        future : array-like of shape (n_samples, horizon, n_future_features), required
            when fit had one.
        """
        check_is_fitted(self, "_network")
        X = self._check_X(X, reset=False)
        y_pred = self._forecast(X, self._future_inputs(X, future, reset=False))
        return y_pred[:, 0] if self._y_ndim == 1 else y_pred
