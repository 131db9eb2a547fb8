"""Shared machinery of the recurrent estimators: parameters, input checks, training loop."""

import logging
import time
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, validate_data
from threadpoolctl import ThreadpoolController

from .._validation import as_sequence_array, padded_lengths, sequence_columns
from ..nn._embedding import EMBEDDING_KEY, embedding_forward
from ..nn.initialization import init_params
from ..windowing import as_sequences, check_not_newest_first, known_layout, window_columns
from ..nn.network import CELLS, NetworkSpec, predict
from ..nn.losses import LOSSES
from ..nn.optimizers import OPTIMIZERS
from ._sequences import by_length
from ._training import EarlyStopping, TrainingDiverged, run_epoch, time_ordered_split
from ._weights import DTYPES, _Network, _WeightsMixin
from ._weight_norm import reparametrised

SOLVER_ARGS = {"sgd": {"momentum": 0.9, "nesterov": True}, "rmsprop": {}, "adam": {}}
#: Where every epoch's figures go (see ``_BaseRNN._report``); route it with ``logging``.
TRAINING_LOG = logging.getLogger("rnnforecast.training")
#: Parameters (and NetworkSpec fields) that shape the weights: fixed once trained.
SHAPE_PARAMETERS = ("cell", "hidden_size", "num_layers", "nonlinearity", "return_sequences",
                    "bidirectional")
#: A training loss this many times that of predicting the mean means divergence.
DIVERGENCE_FACTOR = 10.0
PREDICT_BATCH = 512
_THREADPOOLS = []


def limit_blas_threads(n_threads):
    """Context manager limiting BLAS to ``n_threads`` (one cached controller)."""
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=n_threads, user_api="blas")


def options(*names):
    """The ``StrOptions`` constraint of ``names``, listed in this order in error messages
    (a set would list them in a different order in every Python process)."""
    return StrOptions(dict.fromkeys(names).keys())


class _BaseRNN(_WeightsMixin, BaseEstimator):
    """Parameters and training loop shared by RNNForecaster and RNNClassifier."""

    _parameter_constraints = {
        "cell": [options(*CELLS)],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "nonlinearity": [options("tanh", "relu")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "solver": [options(*OPTIMIZERS)],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "bptt_truncate": [Interval(Integral, 1, None, closed="left"), None],
        "return_sequences": ["boolean"],
        "dtype": [options(*DTYPES)],
        "n_threads": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "weight_norm": ["boolean", StrOptions({"recurrent"})],
    }

    def __init__(self, cell="lstm", hidden_size=32, num_layers=1, nonlinearity="tanh",
                 dropout=0.0, solver="adam", learning_rate_init=0.005, batch_size=32,
                 max_iter=200, tol=1e-4, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, alpha=1e-4, clip_norm=5.0, bptt_truncate=None,
                 return_sequences=False, dtype="float32", n_threads=1, random_state=None,
                 verbose=0, warm_start=False):
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
        self.bptt_truncate = bptt_truncate
        self.return_sequences = return_sequences
        self.dtype = dtype
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ----------------------------------------------------------------- input checks
    def _check_X(self, X, reset):
        """Validate X and return it as (n_samples, n_timesteps, n_features) float64.

        Offsets and scaling are removed in float64 (``WindowScaler``); only the scaled
        windows are cast to the training ``dtype``.

        2-D input (arrays, DataFrames) is read as univariate windows
        ``(n_samples, n_timesteps)``; its ``n_features_in_`` is ``n_timesteps`` as
        scikit-learn counts columns. For 3-D input ``n_features_in_`` is ``n_features``.
        After ``load_state_dict`` on an unfitted estimator ``n_timesteps_in_`` is None
        and windows of any length are accepted.

        Sequences of different lengths (estimators with ``_VARIABLE_LENGTHS``): a list of
        arrays or DataFrames of shape (T_i, n_features) (or (T_i,)), or a 3-D array whose
        padded steps, at the end of each sequence, are NaN in every feature. They come
        back as one NaN-padded array (``_sequences``); ``n_timesteps_in_`` is then None.
        """
        if not reset:
            self._check_fitted_options()
        dtype = np.float64
        ragged = False
        columns = window_columns(X)   # of windows made from a DataFrame, or None
        if isinstance(X, (list, tuple)):
            columns = sequence_columns(X, "X")       # of a list of DataFrames
            X = as_sequence_array(X, "X")
            ragged = X.dtype.kind == "f" and bool(np.isnan(X).any())  # NaN-padded
            if ragged and X.ndim == 2:               # 1-D sequences of different lengths
                X = X[:, :, None]
        if reset:  # columns led by make_windows(..., known=...), read by forecast()
            self.known_features_, self.known_lead_ = known_layout(X, type(self).__name__)
            self._record_window_columns(columns)
        else:
            self._check_window_columns(columns)
        check_not_newest_first(X, type(self).__name__)  # skforecast's lag_1 first
        X = as_sequences(X)  # WindowTransformer's lags -> (n, window, n_features)
        ndim = getattr(X, "ndim", 2)
        if ndim == 3:
            X = check_array(X, allow_nd=True, dtype=dtype, input_name="X",
                            ensure_all_finite="allow-nan" if self._VARIABLE_LENGTHS or
                            ragged else True)
            self._check_padding(X)
            if reset:
                self.n_features_in_, self._input_ndim = X.shape[2], 3
                if hasattr(self, "feature_names_in_"):  # left from a fit on a DataFrame
                    del self.feature_names_in_
        elif ndim == 2 and (reset or getattr(self, "_input_ndim", 3) == 2):
            X = validate_data(self, X, reset=reset, dtype=dtype)[:, :, None]
            self._input_ndim = 2
        elif ndim == 2:  # windows of one feature, for a 3-D fit or loaded weights
            X = check_array(X, dtype=dtype, input_name="X")[:, :, None]
        else:
            raise ValueError(
                "X must be 2-D (n_samples, n_timesteps) or 3-D (n_samples, n_timesteps, "
                f"n_features). Got an array of shape {np.shape(X)} instead. Reshape your "
                "data: X.reshape(1, -1) is one window; a whole series is cut into "
                "windows with rnnforecast.make_windows.")
        if reset:
            self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1:]
            self._variable_lengths = ndim == 3 and padded_lengths(X) is not None
            if self._variable_lengths:
                self.n_timesteps_in_ = None          # sequences of different lengths
        else:
            self._check_window_shape(X)
        return X

    #: Whether the estimator reads sequences of different lengths (see ``_check_X``).
    _VARIABLE_LENGTHS = False

    def _check_padding(self, X):
        """Refuse NaN inside sequences, and padding where lengths must be equal."""
        lengths = padded_lengths(X, "X")
        if lengths is not None and not self._VARIABLE_LENGTHS:
            raise ValueError(
                f"{type(self).__name__} needs windows of one length: its windows, scaling "
                "and forecasts read the last n_timesteps_in_ steps of each. Got sequences "
                f"of lengths {np.unique(lengths)[:5].tolist()} (NaN padding, or a list of "
                "arrays of different lengths). Cut windows of one length, e.g. with "
                "rnnforecast.make_windows, or fill the missing values.")

    def _record_window_columns(self, columns):
        """Keep the column names of windows made from a DataFrame (``window_columns_``),
        and drop those of an earlier fit."""
        if columns is not None:
            self.window_columns_ = list(columns)
        elif hasattr(self, "window_columns_"):
            del self.window_columns_

    def _check_window_columns(self, columns):
        """Refuse named features in another order (or others) than those of the fit: the
        network reads features by position. Unnamed input is read as given."""
        fitted = getattr(self, "window_columns_", None)
        if columns is None or fitted is None or list(columns) == list(fitted):
            return
        raise ValueError(
            f"X has the features {list(columns)} but {type(self).__name__} was fitted on "
            f"{list(fitted)}, in that order: the network reads features by position, so "
            "one would be read as another. Make X from the columns in the fitted order, "
            f"e.g. frame[{list(fitted)}].")

    def _check_window_shape(self, X):
        if self._VARIABLE_LENGTHS and X.shape[2:] == (self.n_step_features_in_,):
            return                                   # any length
        expected = (self.n_timesteps_in_ or X.shape[1], self.n_step_features_in_)
        if X.shape[1:] != expected:
            raise ValueError(
                f"X has windows of shape {X.shape[1:]} (n_timesteps, n_features) but "
                f"{type(self).__name__} was fitted on windows of shape {expected}. Make the "
                "windows with the same window length and columns as in fit.")

    # ----------------------------------------------------------------- fitted options
    #: Parameters that a fitted model's outputs depend on beyond the network's shape
    #: (read again when predicting, stepping, exporting or continuing a fit): recorded
    #: with each new network, and a later change is refused until the next fresh fit.
    _FITTED_OPTIONS = ()

    def _record_fitted_options(self):
        """Remember the ``_FITTED_OPTIONS`` the new network is trained (or loaded) with."""
        self._fitted_options = {name: getattr(self, name) for name in self._FITTED_OPTIONS}

    def _check_fitted_options(self):
        """Refuse options changed by ``set_params`` since the network was made: the
        fitted scaling, skip and weights follow the old value, so using either the old
        or the new one would answer another question than the caller asked."""
        fitted = getattr(self, "_fitted_options", None) or {}
        changed = [(name, old, getattr(self, name)) for name, old in fitted.items()
                   if not _same_option(old, getattr(self, name))]
        if not changed:
            return
        name = type(self).__name__
        raise ValueError(
            f"{name} was fitted with other parameters than it has now (changed by "
            "set_params after fit):" +
            "".join(f"\n    {n}: {old!r} in fit, now {new!r}" for n, old, new in changed) +
            "\nThe fitted model (its scaling and weights) depends on them, "
            "so predictions, stepping, exports and continued fits (partial_fit, "
            "warm_start) cannot follow the new values. Set them back with "
            f"set_params({', '.join(f'{n}={old!r}' for n, old, _ in changed)}), or fit "
            "again with warm_start=False to use the new values.")

    # ----------------------------------------------------------------- network
    def _make_spec(self, n_features, n_outputs):
        return NetworkSpec(self.cell, n_features, self.hidden_size, n_outputs,
                           num_layers=self.num_layers, nonlinearity=self.nonlinearity,
                           dropout=self.dropout, return_sequences=self.return_sequences,
                           bptt_truncate=self.bptt_truncate)

    def _make_rng(self):
        """One numpy Generator per fit, seeded from ``random_state``."""
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return np.random.default_rng(seed)

    def _continues(self, incremental):
        """Whether this fit continues the fitted network (warm_start or partial_fit)."""
        return hasattr(self, "_network") and (self.warm_start or incremental)

    def _check_architecture(self, spec):
        """Refuse to continue a network whose shape parameters have changed since."""
        old = self._network.spec
        changed = [f"{name}: {getattr(old, name)!r} -> {getattr(spec, name)!r}"
                   for name in SHAPE_PARAMETERS if getattr(old, name) != getattr(spec, name)]
        dtype = self._network.params["head.weight"].dtype
        if dtype != DTYPES[self.dtype]:
            changed.append(f"dtype: {dtype.name!r} -> {self.dtype!r}")
        if changed:
            raise ValueError(
                f"{type(self).__name__} cannot continue training (partial_fit or "
                "warm_start) after a change of the network's shape:" +
                "".join(f"\n    {line}" for line in changed) +
                "\nSet the parameters back, or call fit with warm_start=False to start "
                "a new network.")

    def _new_optimizer(self):
        return OPTIMIZERS[self.solver](learning_rate=self.learning_rate_init,
                                       **SOLVER_ARGS[self.solver])

    def _init_network(self, n_features, n_outputs):
        spec = self._make_spec(n_features, n_outputs)
        params = init_params(spec, self._rng, DTYPES[self.dtype])
        if getattr(self, "embedding_dim", None) is not None:   # first, as in a module
            weight = self._rng.standard_normal((self.vocabulary_size_, self.embedding_dim))
            params = {EMBEDDING_KEY: weight.astype(DTYPES[self.dtype]), **params}  # N(0, 1)
        self._network = _Network(spec, params)
        self._optimizer = self._new_optimizer()
        self._reset_training_record()
        self._record_fitted_options()

    def _reset_training_record(self):
        self.loss_curve_, self.n_iter_, self.best_loss_ = [], 0, np.inf
        for name in ("validation_scores_", "validation_loss_curve_",
                     "best_validation_score_", "best_epoch_", "interrupted_"):
            if hasattr(self, name):  # left from an earlier fit
                delattr(self, name)

    def _start_fit(self, incremental):
        """Checks and generator of a fit, before any data is read; returns whether the
        fit starts afresh (False: continue the network, its scaling and shapes)."""
        self._validate_params()
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(
                f"dropout={self.dropout} has no effect with num_layers=1: dropout acts "
                "between stacked layers. Set num_layers >= 2 or dropout=0.", UserWarning)
        if not hasattr(self, "_rng") or not self._continues(incremental):
            self._rng = self._make_rng()
        return not self._continues(incremental)

    def _validation_split(self, X, Y):
        """(train, validation) window indices for early stopping: the last windows,
        after a purge gap (see ``time_ordered_split``); the classifier overrides it."""
        return time_ordered_split(len(X), self.validation_fraction, self._purge_gap(X, Y))

    def _purge_gap(self, X, Y):
        """Windows left out between training and validation windows: none by default."""
        return 0

    def _forward_raw(self, X, lengths=None):
        """Raw network outputs for scaled float64 X (n, T, D) (token ids (n, T) with an
        embedding), in batches: (n, O) or (n, T, O). Prediction runs in float64 (see
        ``_Network``). Sequences of ``lengths`` (zero-padded) run in batches of similar
        lengths cut to their longest one; with one output per step, the outputs at
        padded steps are 0."""
        net = self._network
        params = net.params64()
        if lengths is None:
            with limit_blas_threads(self.n_threads):
                outs = [self._predict_batch(params, X[i:i + PREDICT_BATCH], None)
                        for i in range(0, len(X), PREDICT_BATCH)]
            out = np.concatenate(outs) if len(outs) > 1 else outs[0]
        else:
            out = self._forward_by_length(params, X, lengths)
        self._check_finite_outputs(out)
        return out

    def _predict_batch(self, params, X, lengths):
        if EMBEDDING_KEY in params:
            X = embedding_forward(params[EMBEDDING_KEY], X)[0]      # (n, T, E)
        return predict(params, self._network.spec, X, lengths=lengths)[0]

    def _forward_by_length(self, params, X, lengths):
        """Outputs of zero-padded sequences, predicted by batches of similar lengths."""
        parts = []
        with limit_blas_threads(self.n_threads):
            for idx in by_length(lengths, PREDICT_BATCH):
                T = int(lengths[idx].max())
                parts.append((idx, T, self._predict_batch(params, X[idx, :T], lengths[idx])))
        sequences = parts[0][2].ndim == 3                      # (n_b, T_b, O)
        out = np.zeros((len(X),) + ((X.shape[1],) if sequences else ()) +
                       parts[0][2].shape[-1:])
        for idx, T, part in parts:
            if sequences:
                out[idx, :T] = part
            else:
                out[idx] = part
        if sequences:
            out[np.arange(X.shape[1])[None, :] >= lengths[:, None]] = 0
        return out

    def _check_finite_outputs(self, out):
        if not np.all(np.isfinite(out)):
            raise ValueError(
                "The network produced non-finite outputs. The weights have diverged or the "
                "input is far outside the training range; refit with a lower "
                "learning_rate_init or a smaller clip_norm.")
        return out

    # ----------------------------------------------------------------- training
    def _check_y_given(self, y):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the "
                             "target y is None.")

    def _fit_network(self, X, Y, n_outputs, validation, split, incremental=False,
                     sample_weight=None, lengths=None):
        """Train on scaled X (n, T, D) and encoded targets Y; the estimators' common fit.

        validation : callable(indices) -> (loss, score), the validation loss (the training
            loss on the windows ``indices``, lower is better) and score (R^2 or accuracy).
        split : (train, validation) index arrays when early stopping, else None.
        sample_weight : ndarray of shape (n,) or (n, T) (one weight per loss term), or
            None; scaled to mean 1 over the training windows (see ``weighted_loss``).
        lengths : ndarray of shape (n,), the lengths of zero-padded sequences, or None.
        """
        n_features = X.shape[2] if X.ndim == 3 else self.embedding_dim   # ids: (n, T)
        spec = self._make_spec(n_features, n_outputs)
        if self._continues(incremental):
            self._check_architecture(spec)
            self._network.spec = spec  # dropout and bptt_truncate may change
        else:
            self._init_network(n_features, n_outputs)
        self._optimizer.learning_rate = self.learning_rate_init
        max_iter = 1 if incremental else self.max_iter
        with self._unfitted_if_untrained(), limit_blas_threads(self.n_threads), \
                reparametrised(self):
            self._train(X, Y, max_iter, validation, split, warn=not incremental,
                        sample_weight=sample_weight, lengths=lengths)
        return self

    @contextmanager
    def _unfitted_if_untrained(self):
        """Around a fit's epochs: an interrupt before any epoch of the network was
        complete leaves the estimator unfitted, since its weights are the random initial
        ones, which predict must not pass off as a trained model."""
        try:
            yield
        except KeyboardInterrupt:
            if self.n_iter_ == 0:
                del self._network
            raise

    def _learning_rate_at(self, epoch, max_iter):
        """The learning rate of the epoch (0-based) of a fit of ``max_iter`` epochs."""
        return self.learning_rate_init

    def _train(self, X, Y, max_iter, validation, split, warn=True, sample_weight=None,
               lengths=None):
        """The epochs of one fit: train, record, stop early, detect divergence; then keep
        the best weights. A KeyboardInterrupt keeps them too and then propagates."""
        train, val = split if split is not None else (np.arange(len(X)), None)
        if val is not None and not hasattr(self, "validation_scores_"):
            self.validation_scores_, self.validation_loss_curve_ = [], []
        stopper = EarlyStopping(self.tol, self.n_iter_no_change)
        X_train, Y_train = X[train], Y[train]
        W_train = None if sample_weight is None else _mean_one(sample_weight[train])
        L_train = None if lengths is None else lengths[train]
        reference = self._reference_loss(Y_train)
        stopped, interrupted, start = False, False, time.perf_counter()
        try:
            for epoch in range(max_iter):
                snapshot = {k: v.copy() for k, v in self._network.params.items()}
                self._optimizer.learning_rate = self._learning_rate_at(epoch, max_iter)
                loss = self._epoch(X_train, Y_train, snapshot, W_train, L_train)
                self._check_divergence(loss, reference, stopper, snapshot)
                score = self._record_epoch(loss, val, validation)
                self._report(epoch, loss, start)
                if stopper.update(score, self._network.params, self.n_iter_):
                    stopped = True
                    break
        except KeyboardInterrupt:
            interrupted = True
        self._finish_training(stopper, val is not None, stopped or interrupted, max_iter,
                              warn)
        if interrupted:
            self.interrupted_ = True
            raise KeyboardInterrupt

    def _batch_size(self, n_samples):
        """Windows per gradient step for ``n_samples`` training windows."""
        return min(self.batch_size, n_samples)

    def _epoch(self, X, Y, snapshot, sample_weight=None, lengths=None):
        batch_size = self._batch_size(len(X))
        with self._guarded_epoch(snapshot):
            return run_epoch(self._network, self._optimizer, X, Y, batch_size=batch_size,
                             loss=self._loss_name(), alpha=self.alpha,
                             clip_norm=self.clip_norm, rng=self._rng,
                             sample_weight=sample_weight, lengths=lengths)

    @contextmanager
    def _guarded_epoch(self, snapshot):
        """Around one epoch's in-place updates: an interrupt or a divergence restores the
        weights of ``snapshot`` (an epoch counts only when complete, non-finite weights
        are never kept; a divergence becomes a ValueError with advice), and the network
        is told its weights changed."""
        try:
            yield
        except KeyboardInterrupt:
            self._network.set_params(snapshot)  # an epoch counts only when complete
            raise
        except TrainingDiverged as exc:
            self._network.set_params(snapshot)  # never keep non-finite weights
            raise ValueError(
                f"Training diverged at epoch {self.n_iter_ + 1}: {exc}. The weights of the "
                "previous epoch were restored. Lower learning_rate_init (now "
                f"{self.learning_rate_init}), set clip_norm (now {self.clip_norm}) or scale "
                "the inputs.") from None
        finally:
            self._network.changed()  # the weights were updated in place

    def _reference_loss(self, Y):
        """The training loss of a network that outputs zeros (the scaled targets' mean,
        or equal class probabilities): the scale that tells a diverging loss."""
        loss, n_outputs = LOSSES[self._loss_name()], self._network.spec.output_size
        if Y.dtype.kind != "f":                                    # class codes
            return float(loss(np.zeros((Y.size, n_outputs)), Y.reshape(-1))[0])
        zeros = np.zeros((Y.size // n_outputs, n_outputs))
        # at least the loss of targets of unit size: constant targets scale to zeros
        return max(float(loss(zeros, Y.reshape(zeros.shape))[0]),
                   float(loss(zeros[:1], np.ones((1, n_outputs)))[0]))

    def _check_divergence(self, loss, reference, stopper, snapshot):
        """Raise when the epoch's loss exploded relative to the reference loss, after
        restoring the best weights seen so far (or those before the epoch)."""
        if loss <= DIVERGENCE_FACTOR * reference:
            return
        best = stopper.best_params if stopper.best_params is not None else snapshot
        self._network.set_params(best)
        kept = (f"epoch {stopper.best_epoch}" if stopper.best_params is not None else
                "the previous epoch")
        raise ValueError(
            f"Training diverged at epoch {self.n_iter_ + 1}: the training loss {loss:.4g} "
            f"is more than {DIVERGENCE_FACTOR} times {reference:.4g}, the loss of "
            f"predicting the mean. The weights of {kept} were restored. Lower "
            f"learning_rate_init (now {self.learning_rate_init}) or clip_norm (now "
            f"{self.clip_norm}).")

    def _record_epoch(self, loss, val, validation):
        """Append the epoch's figures; return the score that early stopping tracks
        (higher is better): minus the validation loss, else minus the training loss."""
        self.n_iter_ += 1
        self.loss_curve_.append(float(loss))
        self.best_loss_ = min(self.best_loss_, float(loss))
        if val is None:
            return -float(loss)
        val_loss, score = validation(val)
        self.validation_loss_curve_.append(float(val_loss))
        self.validation_scores_.append(float(score))
        return -float(val_loss)

    def _report(self, epoch, loss, start):
        """One record per epoch on the ``rnnforecast.training`` logger (DEBUG level, with
        the figures as attributes ``epoch``, ``loss``, ``validation_loss``, ``score`` and
        ``elapsed``), printed too when ``verbose``."""
        validating = bool(getattr(self, "validation_scores_", None))
        figures = {"estimator": type(self).__name__, "epoch": self.n_iter_,
                   "loss": float(loss), "elapsed": time.perf_counter() - start,
                   "validation_loss": self.validation_loss_curve_[-1] if validating else None,
                   "score": self.validation_scores_[-1] if validating else None}
        line = f"Epoch {self.n_iter_:>4d}  loss {loss:.6f}"
        if validating:
            line += (f"  validation loss {figures['validation_loss']:.6f}"
                     f"  score {figures['score']:.6f}")
        line += f"  elapsed {figures['elapsed']:.1f}s"
        TRAINING_LOG.debug("%s", line, extra=figures)
        if self.verbose:
            print(line, flush=True)

    def _finish_training(self, stopper, early_stopping, stopped, max_iter, warn):
        """Keep the best weights (early stopping) and record which epoch they are from."""
        self.best_epoch_ = self.n_iter_
        if early_stopping and stopper.best_params is not None:
            self._network.set_params(stopper.best_params)
            self.best_epoch_ = stopper.best_epoch
            back = self.n_iter_ - stopper.best_epoch  # epochs run after the best one
            self.best_validation_score_ = self.validation_scores_[-1 - back]
        if not stopped and warn:  # partial_fit's single epoch does not warn
            warnings.warn(f"Stochastic optimizer: maximum iterations ({max_iter}) reached and "
                          "the optimization hasn't converged yet.", ConvergenceWarning)


def _same_option(a, b):
    """Whether two values of one parameter are the same setting (1 == True, 0 == 0.0)."""
    try:
        return bool(a == b) and (a is None) == (b is None)
    except (TypeError, ValueError):   # e.g. arrays of different shapes
        return False


def _mean_one(weights):
    """Weights divided by their mean (all zeros stay zeros)."""
    mean = weights.mean()
    return weights / mean if mean > 0 else weights
