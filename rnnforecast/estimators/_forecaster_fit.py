"""What ``RNNForecaster.fit`` and ``partial_fit`` do with windows and targets.

:class:`WindowFitting`, mixed into :class:`~rnnforecast.estimators.RNNForecaster`, owns
the fit-time half of the forecaster, in the order ``_fit`` runs it:

1. the targets' checks: the shape of ``y`` against the windows, and that ``y`` follows
   the feature ``target_feature`` names (``_features_followed``, also read by
   ``RNNSeq2SeqForecaster``);
2. the held-out windows: early stopping's last windows after the purge gap
   (``_purge_gap``), or the calibration network's (``_calibration.py``);
3. the window scaling (``WindowScaler``) and the linear skip (``_linear.py``), learned
   on the first fit only, then the network trained on what the skip leaves
   (``_BaseRNN._fit_network``, with the ``batch_size="auto"`` rule and the loss of
   ``_loss_name``);
4. the calibration residuals of the held-out windows (``_store_residuals``).

The outputs of a fitted forecaster (network plus skip, in the original units) are the
estimator's own (``_forecaster.py``, ``_quantiles.py``).
"""

from functools import partial

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_array

from ..forecasting import local_scale
from ..nn.losses import LOSSES
from ..preprocessing import WindowScaler
from ._base import DTYPES
from ._calibration import calibration_split, refit_predictions
from ._linear import LinearSkip

__all__ = ["AUTO_BATCH_RANGE", "AUTO_BATCH_STEPS", "MIN_TRAIN_WINDOWS", "WindowFitting"]

#: Fewest training windows for which ``early_stopping="auto"`` holds some out.
MIN_TRAIN_WINDOWS = 10
#: Most gradient steps per epoch with ``batch_size="auto"`` (larger batches beyond).
AUTO_BATCH_STEPS = 64
#: Smallest and largest batch with ``batch_size="auto"``.
AUTO_BATCH_RANGE = (32, 1024)


class WindowFitting:
    """Fit-time steps of ``RNNForecaster`` (module docstring); a mixin placed before
    ``_BaseRNN``, whose ``_purge_gap`` and ``_batch_size`` it overrides."""

    # ----------------------------------------------------------------- loss
    def _loss_name(self):
        """The training loss: a name of ``LOSSES``, or the pinball loss of the fitted
        levels."""
        levels = getattr(self, "quantiles_", None)
        return self.loss if levels is None else partial(LOSSES["quantile"],
                                                        quantiles=tuple(levels))

    def _reference_loss(self, Y):
        """The training loss of zero outputs (see ``_BaseRNN._reference_loss``), here
        with one column per target whatever the number of levels."""
        loss, rows = self._loss_name(), Y.reshape(-1, self.n_outputs_)
        loss = LOSSES[loss] if isinstance(loss, str) else loss
        width = self._network.spec.output_size
        return max(float(loss(np.zeros((len(rows), width)), rows)[0]),
                   float(loss(np.zeros((1, width)), np.ones((1, self.n_outputs_)))[0]))

    # ----------------------------------------------------------------- fit
    def _fit(self, X, y, incremental):
        """``fit`` (``incremental=False``) and ``partial_fit``: the steps of the module
        docstring, in order. Returns self."""
        first = self._start_fit(incremental)
        levels = self._check_levels(first)
        self._check_y_given(y)
        X = self._check_X(X, reset=first)
        Y = self._check_y(y, X, reset=first)
        self._check_target_feature(X, Y)
        split = self._early_stopping_split(X, Y, incremental)
        refit = None  # the second network's windows (``calibration``), before training
        if split is None and first and not incremental and self.calibration and \
                not self.return_sequences:
            refit = calibration_split(self, X, Y, MIN_TRAIN_WINDOWS)
        if first:  # warm_start and partial_fit keep the scaling of the first fit
            self._fit_scaler(*((X, Y) if split is None else (X[split[0]], Y[split[0]])))
        Xs, offsets = self._scaler.transform(X)
        Ys = self._scaler.transform_targets(Y, offsets)
        if first:
            self._fit_skip(Xs, Ys)
        if getattr(self, "_skip", None) is not None:  # the network learns the rest
            Ys = Ys - self._skip.predict(Xs).reshape(Ys.shape)
        dtype = DTYPES[self.dtype]
        if first:  # set with the new network only, never beside the old one
            self.__dict__.pop("quantiles_", None)
            if levels is not None:
                self.quantiles_ = levels
        self._fit_network(Xs.astype(dtype), Ys.astype(dtype), self.n_outputs_ *
                          self._n_levels(), self._validation(X, Y), split,
                          incremental=incremental)
        self._store_residuals(X, Y, split, refit)
        return self

    # ----------------------------------------------------------------- targets
    def _check_y(self, y, X, reset):
        """y -> (n, O) or (n, T, O) float array; records how to shape predictions."""
        y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float64, input_name="y")
        if len(y) != len(X):
            raise ValueError(f"X and y have different numbers of samples: {len(X)} and "
                             f"{len(y)}.")
        step_ndim = 2 if self.return_sequences else 1
        if y.ndim not in (step_ndim, step_ndim + 1):
            raise ValueError(self._y_shape_message(y))
        if self.return_sequences and y.shape[1] != X.shape[1]:
            raise ValueError(self._y_shape_message(y))
        if reset:
            self._y_ndim = y.ndim
        Y = y.reshape(y.shape + (1,)) if y.ndim == step_ndim else y
        if reset:
            self.n_outputs_ = Y.shape[-1]
        elif Y.shape[-1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[-1]} outputs per sample but {type(self).__name__} was "
                f"fitted with n_outputs_={self.n_outputs_}; partial_fit and warm_start "
                "need targets of the same shape as the first fit.")
        return Y

    def _y_shape_message(self, y):
        expected = ("(n_samples, n_timesteps) or (n_samples, n_timesteps, n_outputs) with "
                    "return_sequences=True" if self.return_sequences else
                    "(n_samples,) or (n_samples, n_outputs)")
        return f"y must have shape {expected}. Got an array of shape {y.shape} instead."

    def _check_target_feature(self, X, Y=None):
        """``target_feature`` must be a feature of X, and the one that ``Y`` follows."""
        if self.target_feature >= X.shape[2]:
            raise ValueError(
                f"The 'target_feature' parameter of RNNForecaster must be a feature index "
                f"below n_features={X.shape[2]}. Got {self.target_feature} instead.")
        followed = [] if Y is None else _features_followed(X, Y, self.return_sequences)
        if followed and self.target_feature not in followed:
            raise ValueError(
                f"y follows feature {followed[0]} of X (its values are those of feature "
                f"{followed[0]} one step later, as in windows made with make_windows(..., "
                f"target=...)), but target_feature={self.target_feature}: window "
                "normalization, intervals and recursive forecasts would read the wrong "
                f"feature. Set target_feature={followed[0]}, or make the windows with the "
                "target as the first column.")

    # ----------------------------------------------------------------- scaling and linear skip
    def _fit_scaler(self, X, Y):
        """Learn the window scaling on the training windows (float64)."""
        self._scaler = WindowScaler(self.window_normalization, self.target_feature,
                                    self.return_sequences).fit(X, Y)

    def _fit_skip(self, Xs, Ys):
        """Fit the linear skip on every scaled window (or drop it): it learns from the
        most recent windows too, which early stopping holds out from the network."""
        if self.linear_skip is True and self.return_sequences:
            raise ValueError(
                "The 'linear_skip' parameter of RNNForecaster must be False or 'auto' with "
                "return_sequences=True: the skip maps a whole window to its outputs, and "
                "one output per time step may only read the steps before it. Got "
                "linear_skip=True.")
        self._skip = None
        if self.linear_skip and not self.return_sequences:
            self._skip = LinearSkip(self.target_feature).fit(Xs, Ys)
        self.linear_skip_ = self._skip is not None

    # ----------------------------------------------------------------- held-out windows
    def _early_stopping_split(self, X, Y, incremental):
        """(train, validation) indices when early stopping, else None; "auto" stops
        early when the split leaves ``MIN_TRAIN_WINDOWS`` windows to train on, and
        ``partial_fit`` never does."""
        self.do_early_stopping_ = bool(self.early_stopping) and not incremental
        if self.early_stopping == "auto" and not incremental:
            gap = self._purge_gap(X, Y)
            n_val = max(1, round(len(X) * self.validation_fraction))
            self.do_early_stopping_ = len(X) - n_val - gap >= MIN_TRAIN_WINDOWS
        return self._validation_split(X, Y) if self.do_early_stopping_ else None

    def _purge_gap(self, X, Y):
        """Windows whose targets overlap the first validation window's: with stride-1
        windows, ``n_outputs - 1`` (and ``n_timesteps - 1`` more for one output per
        step)."""
        return Y.shape[-1] - 1 + (X.shape[1] - 1 if self.return_sequences else 0)

    def _validation(self, X, Y):
        """Validation loss (the training loss on scaled targets) and R^2 in original
        units of the windows ``idx``, for early stopping."""
        def validation(idx):
            Xs, offsets = self._scaler.transform(X[idx])
            raw = self._raw_outputs(Xs)
            Ys = self._scaler.transform_targets(Y[idx], offsets)
            rows = Ys.size // self.n_outputs_
            loss = self._loss_name()
            loss = LOSSES[loss] if isinstance(loss, str) else loss
            loss = loss(raw.reshape(rows, -1), Ys.reshape(rows, -1))[0]
            pred = self._in_units(raw, offsets)[0]
            return loss, r2_score(Y[idx].reshape(len(idx), -1), pred.reshape(len(idx), -1))
        return validation

    def _store_residuals(self, X, Y, split, refit):
        """Keep residuals of held-out windows for conformal intervals (``calibration``):
        early stopping's (``split``), or those of a second network trained on the
        windows ``refit[0]`` (a fresh fit without early stopping). Drop any that an
        earlier fit left (a partial_fit changes the weights they were measured on)."""
        for name in ("conformal_residuals_", "conformal_scales_", "quantile_residuals_"):
            self.__dict__.pop(name, None)
        self.calibration_ = "none"
        if self.return_sequences:
            return
        if split is not None:
            train, val = split
            skip = None  # the linear skip saw the held-out windows: refit it without them
            if getattr(self, "_skip", None) is not None:
                Xs, offsets = self._scaler.transform(X[train])
                skip = LinearSkip(self.target_feature).fit(
                    Xs, self._scaler.transform_targets(Y[train], offsets))
            (point, levels), self.calibration_ = self._predict_both(X[val], skip), \
                "early_stopping"
        elif refit is not None:
            split = refit
            (point, levels), self.calibration_ = refit_predictions(self, X, Y, *split), \
                "refit"
        else:
            return
        val = split[1]
        self.conformal_residuals_ = Y[val] - point
        self.conformal_scales_ = local_scale(X[val], self.target_feature)
        if levels is not None:
            self.quantile_residuals_ = Y[val][:, :, np.newaxis] - levels  # (n, O, K)

    # ----------------------------------------------------------------- batches
    def _batch_size(self, n_samples):
        """Windows per gradient step: ``batch_size``, or with "auto" 32, or enough for
        ``AUTO_BATCH_STEPS`` steps an epoch, at most 1024 (the class docstring)."""
        if self.batch_size != "auto":
            return min(self.batch_size, n_samples)
        low, high = AUTO_BATCH_RANGE
        return min(n_samples, max(low, min(high, -(-n_samples // AUTO_BATCH_STEPS))))


def _features_followed(X, Y, sequences):
    """Features of X whose values the targets repeat one step later, i.e. the target
    column of windows made by ``make_windows`` (empty if none or undecidable).

    X : ndarray of shape (n_samples, n_timesteps, n_features)
    Y : ndarray of shape (n_samples, n_outputs) or (n_samples, n_timesteps, n_outputs)
    """
    n_samples, n_timesteps, n_features = X.shape
    if n_features == 1:
        return []
    if sequences:                            # Y[i, t, 0] = x[i, t + 1] for t < T - 1
        return [c for c in range(n_features) if np.array_equal(Y[:, :-1, 0], X[:, 1:, c])]
    if n_samples < 2:
        return []
    for stride in range(1, n_timesteps + 1):  # Y[i, 0] = X[i + 1, T - stride]
        followed = [c for c in range(n_features)
                    if np.array_equal(Y[:-1, 0], X[1:, n_timesteps - stride, c])]
        if followed:
            return followed
    return []
