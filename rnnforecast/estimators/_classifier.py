"""RNNClassifier: a recurrent classifier for whole sequences or every time step."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import TransformerTags
from sklearn.base import ClassifierMixin, TransformerMixin
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (_check_sample_weight, check_array, check_is_fitted,
                                      column_or_1d)

from .._validation import check_no_missing_labels
from ..nn.losses import LOSSES, smooth_labels, softmax
from ..nn.network import POOLINGS
from ..preprocessing import (SEQUENCE_NORMALIZATIONS, WindowScaler, normalize_sequences,
                             piecewise_mean)
from ._base import DTYPES, _BaseRNN, limit_blas_threads, options
from ._sequences import encode_by_length, lengths_of, per_sequence, ragged_labels, real_steps
from ._tokens import _TokenInputMixin
from ._training import LEARNING_RATE_SCHEDULES, stratified_split
from ._forecaster import _last_hidden
from ._stepping import Stepper


class RNNClassifier(ClassifierMixin, TransformerMixin, _TokenInputMixin, _BaseRNN):
    """Recurrent neural network classifier for sequences.

    Many-to-one (default): a sequence ``X`` of shape (n_samples, n_timesteps, n_features)
    (or 2-D univariate (n_samples, n_timesteps)) gets one label; ``y`` is (n_samples,).
    Many-to-many (``return_sequences=True``): one label per time step, ``y`` of shape
    (n_samples, n_timesteps), e.g. next-character prediction. Labels may be of any type.

    The head produces one logit per class; softmax output with cross-entropy loss gives
    the output delta ``softmax(z) - onehot(y)``. Whole sequences (many-to-one) are read
    through three steps: each may be normalised on its own (``window_normalization``),
    long ones are shortened to block means (``max_timesteps``), then every feature is
    standardised with statistics learned in fit; the head reads the top layer's hidden
    states pooled over time (``pooling``).

    The defaults were chosen on the classification suite of ``benchmarks/`` (6 UCR/UEA
    sets and GunPoint; ``benchmarks/README.md``, Sequence classification): a GRU, the
    maximum of its hidden states over time, sequences shortened to at most 250 steps,
    Adam at 0.01 annealed by a cosine schedule over 200 epochs.

    Parameters
    ----------
    cell : {"rnn", "jordan", "lstm", "gru"}, default="gru"
        Recurrent layer (see :class:`RNNForecaster`). On the suite the GRU averaged
        0.831 accuracy and the LSTM 0.762, losing some seeds on the small sets.
    hidden_size : int, default=64
    num_layers : int, default=1
    nonlinearity : {"tanh", "relu"}, default="tanh"
        For ``cell="rnn"`` and ``cell="jordan"``.
    dropout : float in [0, 1), default=0.0
        Dropout between stacked layers during training.
    solver : {"adam", "sgd", "rmsprop"}, default="adam"
    learning_rate_init : float, default=0.01
    batch_size : int, default=32
    max_iter : int, default=200
        Number of epochs (and the length of the cosine schedule).
    tol : float, default=1e-4
    early_stopping : bool, default=False
        Hold out a stratified shuffled ``validation_fraction`` of the sequences, stop
        when the validation loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs and keep the weights of the best epoch. Without it, training stops when
        the training loss has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=50
        Patience of either stopping rule. Recurrent networks on long sequences often sit
        on a plateau for tens of epochs before they learn; 10 stopped them there.
    alpha : float, default=1e-4
    clip_norm : float or None, default=5.0
    bptt_truncate : int or None, default=None
    return_sequences : bool, default=False
        One label per time step (sequences are then read as they are:
        ``window_normalization``, ``max_timesteps`` and ``pooling`` do not apply).
    dtype : {"float32", "float64"}, default="float32"
    n_threads : int, default=1
    random_state : int, RandomState instance or None, default=None
    verbose : bool or int, default=0
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
    pooling : {"last", "mean", "max"}, default="max"
        What the head reads: the last hidden state of the top layer, the mean of its
        hidden states over time, or their element-wise maximum (the Jordan network pools
        its outputs). "last" must carry the whole sequence in one state; "max" lets a
        unit report a pattern wherever it occurred. Pooling adds no weights: the
        ``state_dict`` names are the same for all three; in PyTorch terms the head reads
        ``output[:, -1]``, ``output.mean(dim=1)`` or ``output.amax(dim=1)`` of the
        recurrent layer's ``output``.
    window_normalization : {"zscore", "mean"} or None, default=None
        Normalise each sequence on its own, per feature, before the scaling learned in
        fit: "zscore" subtracts its mean and divides by its standard deviation (the
        UCR archive's z-normalisation), "mean" subtracts its mean. It discards each
        sequence's level and amplitude, which carry the class on some sets (on
        JapaneseVowels "zscore" cost 0.25 accuracy), so it is off by default.
    max_timesteps : int or None, default=250
        Sequences longer than this are shortened to block means of
        ``k = ceil(n_timesteps / max_timesteps)`` steps (piecewise aggregate
        approximation, :func:`rnnforecast.preprocessing.piecewise_mean`), at fit and
        predict time. None reads every step. On the suite's longest sets (1,460 and
        2,000 steps) 500 steps or every step were more accurate than 250, at 2-8 times
        the fit time.
    learning_rate : {"constant", "cosine"}, default="cosine"
        Schedule of the optimizer's step size over the epochs: constant
        ``learning_rate_init``, or cosine annealing from ``learning_rate_init`` to 0 at
        ``max_iter`` (PyTorch's ``CosineAnnealingLR``; Loshchilov & Hutter, 2017). Each
        ``fit`` (also with ``warm_start``) starts the schedule again; ``partial_fit``
        runs at ``learning_rate_init``.
    class_weight : dict, "balanced" or None, default=None
        Weight of each class in the loss, as in scikit-learn: ``{label: weight}``, or
        "balanced" for ``n_samples / (n_classes * np.bincount(y))``.
    bidirectional : "auto" or bool, default="auto"
        Every recurrent layer also reads the sequence backwards with its own weights
        (PyTorch's ``bidirectional=True``, ``state_dict`` names ``*_reverse``); the next
        layer and the head read both directions' states, ``2 * hidden_size`` wide. For
        the cells "rnn", "gru" and "lstm", with full BPTT (``bptt_truncate=None``). With
        ``pooling="last"`` the reverse half of the last step has read one step only, as
        PyTorch's ``output[:, -1]``; "max" and "mean" read every step of both. On the
        suite, ``bidirectional=True`` with ``label_smoothing`` 0.1, 0.15 or 0.2
        averaged 0.852, 0.857 and 0.861 over three seeds against 0.831 with one
        direction and no smoothing, at about 1.4 times the fit time; with 0.15 every
        set was at or above 1-NN DTW (``benchmarks/README.md``). "auto" is therefore
        bidirectional for whole sequences, and one direction where the reverse one
        does not apply: the cell "jordan", truncated BPTT, and ``return_sequences``,
        where the reverse direction would read the step a label may stand for (the
        next character, say). ``True`` with ``return_sequences`` (e.g. tagging every
        step of a fully observed sequence) is the user's choice.
    label_smoothing : float in [0, 1], default=0.15
        The cross-entropy's targets become ``(1 - eps) * onehot(y) + eps / n_classes``,
        as PyTorch's ``CrossEntropyLoss(label_smoothing=eps)``, in training and in the
        validation loss of early stopping. Alone it did not help on the suite (0.823);
        with ``bidirectional=True`` it did (see above). The probabilities of
        ``predict_proba`` are then less extreme than the data's frequencies (at most
        ``1 - eps + eps / n_classes`` in the limit); set 0 for a plain cross-entropy.
    embedding_dim : int or None, default=None
        Read ``X`` as integer token ids (an int array (n_samples, n_timesteps) or a list
        of 1-D int sequences of any lengths), each looked up in a learned embedding of
        this width (PyTorch's ``nn.Embedding``, ``state_dict`` key
        ``"embedding.weight"`` of shape (vocabulary_size_, embedding_dim), initialised
        N(0, 1)) before the recurrent layers. None reads X as values; float data are
        never read as ids. ``window_normalization`` and ``max_timesteps`` do not apply
        to ids. The exports refuse an embedding.
    vocabulary_size : int or None, default=None
        Number of token ids, ``0 .. vocabulary_size - 1``; None takes the largest id
        seen in fit plus one. Ids outside the vocabulary are refused at predict time
        (map unknown tokens to an id reserved for them in fit).

    Sequences of different lengths: ``X`` may be a list of arrays or DataFrames of
    shape (T_i, n_features) (or (T_i,)), or a 3-D array whose padded steps, at the end of
    each sequence, are NaN in every feature. Each sequence is computed exactly as if it
    were alone: the network carries its state over the padded steps, the pooling reads
    real steps only, the reverse direction starts at each sequence's own last step
    (``rnnforecast.nn._masking``); batches group similar lengths. Per-sequence
    normalisation and ``max_timesteps`` (block means of ``ceil(T_i / max_timesteps)``
    steps) apply to each sequence's own steps. With ``return_sequences``, ``y`` is a
    list of label arrays of the sequences' lengths, and ``predict``/``predict_proba``
    return lists. A classifier fitted on 3-D windows of one length reads sequences of
    any length (2-D input keeps scikit-learn's column count). Truncated BPTT needs one
    length; the exports refuse a classifier fitted on different lengths.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_, n_timesteps_in_, n_step_features_in_ : int
        ``n_timesteps_in_`` is None after a fit on sequences of different lengths; with
        ``embedding_dim``, ``n_features_in_`` and ``n_step_features_in_`` are 1.
    vocabulary_size_ : int
        Number of token ids (only with ``embedding_dim``).
    loss_curve_ : list of float
    n_iter_ : int
    validation_scores_ : list of float
        Validation accuracy per epoch (only with ``early_stopping``).
    best_validation_score_ : float
    best_epoch_ : int
        Epoch whose weights are kept (the last one without early stopping).

    References
    ----------
    Loshchilov, I. & Hutter, F. (2017). SGDR: stochastic gradient descent with warm
    restarts. ICLR.
    Keogh, E., Chakrabarti, K., Pazzani, M. & Mehrotra, S. (2001). Dimensionality
    reduction for fast similarity search in large time series databases. Knowledge and
    Information Systems, 3(3), 263-286.
    """

    _FITTED_OPTIONS = ("window_normalization", "max_timesteps", "return_sequences")

    _parameter_constraints = {
        **_BaseRNN._parameter_constraints,
        "pooling": [options(*POOLINGS)],
        "window_normalization": [options(*SEQUENCE_NORMALIZATIONS), None],
        "max_timesteps": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [options(*LEARNING_RATE_SCHEDULES)],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "bidirectional": [options("auto"), "boolean"],
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "vocabulary_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    _VARIABLE_LENGTHS = True

    def __init__(self, cell="gru", hidden_size=64, num_layers=1, nonlinearity="tanh",
                 dropout=0.0, solver="adam", learning_rate_init=0.01, batch_size=32,
                 max_iter=200, tol=1e-4, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=50, alpha=1e-4, clip_norm=5.0, bptt_truncate=None,
                 return_sequences=False, dtype="float32", n_threads=1, random_state=None,
                 verbose=0, warm_start=False, pooling="max", window_normalization=None,
                 max_timesteps=250, learning_rate="cosine", class_weight=None,
                 bidirectional="auto", label_smoothing=0.15, embedding_dim=None,
                 vocabulary_size=None, weight_norm=False):
        super().__init__(
            cell=cell, hidden_size=hidden_size, num_layers=num_layers,
            nonlinearity=nonlinearity, dropout=dropout, solver=solver,
            learning_rate_init=learning_rate_init, batch_size=batch_size, max_iter=max_iter,
            tol=tol, early_stopping=early_stopping, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, alpha=alpha, clip_norm=clip_norm,
            bptt_truncate=bptt_truncate, return_sequences=return_sequences, dtype=dtype,
            n_threads=n_threads, random_state=random_state, verbose=verbose,
            warm_start=warm_start)
        self.pooling = pooling
        self.window_normalization = window_normalization
        self.max_timesteps = max_timesteps
        self.learning_rate = learning_rate
        self.class_weight = class_weight
        self.bidirectional = bidirectional
        self.label_smoothing = label_smoothing
        self.embedding_dim = embedding_dim
        self.vocabulary_size = vocabulary_size
        self.weight_norm = weight_norm

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags

    def _make_spec(self, n_features, n_outputs):
        return super()._make_spec(n_features, n_outputs)._replace(
            pooling=self.pooling, bidirectional=self._bidirectional())

    def _spec_from_shapes(self, params):
        return super()._spec_from_shapes(params)._replace(pooling=self.pooling)

    def _learning_rate_at(self, epoch, max_iter):
        return LEARNING_RATE_SCHEDULES[self.learning_rate](self.learning_rate_init, epoch,
                                                           max_iter)

    def _check_X(self, X, reset):
        """Validated sequences, each normalised on its own (``window_normalization``) and
        shortened to ``max_timesteps`` block means; as they are with one label per time
        step (``return_sequences``) and after ``load_state_dict`` on an unfitted
        estimator."""
        if self.embedding_dim is not None if reset else getattr(self, "_token_input", False):
            return self._check_tokens(X, reset)
        X = super()._check_X(X, reset)
        if reset:
            self._raw_input, self._token_input = False, False
        if getattr(self, "_raw_input", False) or self.return_sequences:
            return X
        return per_sequence(lambda s: piecewise_mean(normalize_sequences(
            s, self.window_normalization), self.max_timesteps), X, lengths_of(X))

    def _loss_name(self):
        return "softmax_cross_entropy"

    def fit(self, X, y, sample_weight=None):
        """Fit to sequences ``X`` and labels ``y`` ((n_samples,) or, with
        ``return_sequences``, (n_samples, n_timesteps)).

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss (with ``return_sequences``, of each of
            its time steps), multiplied by the ``class_weight`` of its label. Weights are
            scaled to mean 1 over the training sequences; a mini-batch's loss is
            ``sum_i w_i l_i / batch_size``, so an integer weight acts as that many
            copies of the sequence in expectation over the shuffled batches.

        Returns self.
        """
        return self._fit(X, y, classes=None, incremental=False, sample_weight=sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y) from the current weights. ``classes`` (all labels) is
        required on the first call; ``sample_weight`` as in ``fit``. Returns self."""
        fitted = hasattr(self, "_network")
        if not fitted and classes is None:
            raise ValueError(
                "The 'classes' argument of RNNClassifier.partial_fit must list every label "
                "on the first call, e.g. classes=np.unique(y_all). Got None instead.")
        if fitted and classes is not None and \
                not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"The 'classes' argument of RNNClassifier.partial_fit must equal classes_ "
                f"after the first call. Got {np.unique(classes).tolist()} instead of "
                f"{self.classes_.tolist()}.")
        return self._fit(X, y, classes=classes, incremental=True,
                         sample_weight=sample_weight)

    def _bidirectional(self):
        """Whether the network reads both directions ("auto": where it applies)."""
        if isinstance(self.bidirectional, str):  # "auto"
            return self.cell != "jordan" and self.bptt_truncate is None and \
                not self.return_sequences
        return bool(self.bidirectional)

    def _check_bidirectional(self):
        """Refuse the combinations that have no reverse direction (see ``nn.network``)."""
        if isinstance(self.bidirectional, str) or not self.bidirectional:
            return
        if self.cell == "jordan":
            raise ValueError(
                "The 'bidirectional' parameter of RNNClassifier needs cell 'rnn', 'gru' or "
                "'lstm'. Got bidirectional=True with cell='jordan', whose output, fed back "
                "into every layer, would depend on the reverse direction's future steps. "
                "Set cell='gru' (or another) or bidirectional=False.")
        if self.bptt_truncate is not None:
            raise ValueError(
                "The 'bidirectional' parameter of RNNClassifier needs full BPTT. Got "
                f"bidirectional=True with bptt_truncate={self.bptt_truncate!r}. Set "
                "bptt_truncate=None or bidirectional=False.")

    def _targets(self, Y):
        """What the loss reads: the class codes, or their smoothed rows (..., n_classes)
        with ``label_smoothing``."""
        if not self.label_smoothing:
            return Y
        return smooth_labels(Y, len(self.classes_), self.label_smoothing)

    def _reference_loss(self, Y):
        """The loss of equal class probabilities on the targets (codes or rows)."""
        K = len(self.classes_)
        rows = Y.reshape(-1, K) if Y.dtype.kind == "f" else Y.reshape(-1)
        return float(LOSSES["softmax_cross_entropy"](np.zeros((len(rows), K)), rows)[0])

    def _fit(self, X, y, classes, incremental, sample_weight=None):
        first = self._start_fit(incremental)
        self._check_bidirectional()
        self._check_y_given(y)
        X = self._check_X(X, reset=first)
        lengths = lengths_of(X)
        y = self._check_labels(y, X, lengths)
        if first:
            self._set_classes(y if classes is None else np.asarray(classes))
        Y = self._encode(y)
        weights = self._loss_weights(Y, sample_weight, X, lengths)
        split = self._validation_split(X, Y) if self.early_stopping and not incremental \
            else None
        if first:  # warm_start and partial_fit keep the scaling of the first fit
            train = slice(None) if split is None else split[0]
            self._scaler = WindowScaler.identity(1) if self._token_input else \
                WindowScaler().fit(real_steps(X[train], None if lengths is None else
                                              lengths[train]))
        Xs = self._network_input(X, DTYPES[self.dtype])
        return self._fit_network(Xs, self._targets(Y), len(self.classes_),
                                 self._validation(X, Y, weights), split,
                                 incremental=incremental, sample_weight=weights,
                                 lengths=lengths)

    def _loss_weights(self, Y, sample_weight, X, lengths=None):
        """Weight of every loss term, shaped like the codes ``Y`` ((n,) or (n, T)): the
        sample's weight times its label's ``class_weight``, 0 at padded steps; None when
        all are 1."""
        real = None
        if lengths is not None and Y.ndim == 2:                    # one label per step
            real = np.arange(Y.shape[1])[None, :] < lengths[:, None]
        if sample_weight is None and self.class_weight is None and real is None:
            return None
        weights = np.ones(Y.shape) if real is None else real.astype(np.float64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
            weights *= sample_weight.reshape((-1,) + (1,) * (Y.ndim - 1))
        if isinstance(self.class_weight, dict):
            known = self.classes_.tolist()
            unknown = [label for label in self.class_weight if label not in known]
            if unknown:
                raise ValueError(
                    f"The 'class_weight' parameter of RNNClassifier names labels that are "
                    f"not classes of y: {unknown}. The classes are {known}; a class left "
                    "out of class_weight gets weight 1. Use the labels of y as keys.")
        if self.class_weight is not None:
            per_class = np.ones(len(self.classes_))
            codes = Y.ravel() if real is None else Y[real]
            present = np.unique(codes)
            per_class[present] = compute_class_weight(
                self.class_weight, classes=self.classes_[present],
                y=self.classes_[codes])
            weights *= per_class[Y]
        return weights

    def _validation_split(self, X, Y):
        """A shuffled split that keeps the share of every class (sequences are
        exchangeable, unlike the windows of one series); shuffled only for one label per
        time step."""
        labels = Y if Y.ndim == 1 else np.zeros(len(Y), dtype=int)
        return stratified_split(labels, self.validation_fraction, self._rng)

    def _validation(self, X, Y, weights=None):
        """Validation cross-entropy (weighted like the training loss) and accuracy of the
        sequences ``idx``."""
        def validation(idx):
            raw = self._forward_raw(self._network_input(X[idx]), lengths_of(X[idx]))
            w = None if weights is None else weights[idx].reshape(-1)
            if w is not None and not w.sum() > 0:
                w = None
            loss = LOSSES["softmax_cross_entropy"](
                raw.reshape(-1, raw.shape[-1]), Y[idx].reshape(-1), sample_weight=w,
                label_smoothing=self.label_smoothing)[0]
            real = slice(None) if w is None else w > 0             # not padded steps
            return loss, accuracy_score(Y[idx].ravel()[real],
                                        np.argmax(raw, axis=-1).ravel()[real])
        return validation

    def _check_labels(self, y, X, lengths=None):
        if self.return_sequences and lengths is not None:
            y = ragged_labels(y, lengths)   # padded with each sequence's first label
        shape = np.asarray(y).shape
        if self.return_sequences:
            if shape != X.shape[:2]:
                raise ValueError(
                    "y must have shape (n_samples, n_timesteps) = "
                    f"{X.shape[:2]}, one label per time step, with return_sequences=True. "
                    f"Got an array of shape {shape} instead.")
            y = check_array(y, dtype=None, input_name="y")
        else:
            if len(shape) == 2 and shape[1] != 1:
                raise ValueError(
                    "y must have shape (n_samples,), one label per sequence; for one label "
                    "per time step set return_sequences=True. Got an array of shape "
                    f"{shape} instead.")
            y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"X and y have different numbers of samples: {len(X)} and "
                             f"{len(y)}.")
        check_no_missing_labels(y)
        check_classification_targets(y.ravel())
        return y

    def _set_classes(self, labels):
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                "RNNClassifier needs samples of at least 2 classes in y; got 1 class: "
                f"{self.classes_.tolist()[0]!r}.")

    def _encode(self, y):
        codes = np.searchsorted(self.classes_, y)
        codes = np.minimum(codes, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if np.any(unknown):
            raise ValueError(f"y contains labels not in classes_: "
                             f"{np.unique(y[unknown]).tolist()}; known classes are "
                             f"{self.classes_.tolist()}.")
        return codes

    def predict_proba(self, X):
        """Class probabilities, (n_samples, n_classes) or, with ``return_sequences``,
        (n_samples, n_timesteps, n_classes); rows sum to 1. With ``return_sequences`` and
        sequences of different lengths, a list of (T_i, n_classes) arrays."""
        check_is_fitted(self, "_network")
        return self._proba_checked(self._check_X(X, reset=False))

    def _proba_checked(self, X):
        lengths = lengths_of(X)
        raw = self._forward_raw(self._network_input(X), lengths)
        proba = softmax(raw.reshape(-1, raw.shape[-1])).reshape(raw.shape)
        if lengths is not None and self.return_sequences:          # one array per sequence
            return [proba[i, :L] for i, L in enumerate(lengths)]
        return proba.astype(np.float64)

    def _predict_checked(self, X):
        proba = self._proba_checked(X)
        if isinstance(proba, list):
            return [self.classes_[np.argmax(p, axis=-1)] for p in proba]
        return self.classes_[np.argmax(proba, axis=-1)]

    def predict(self, X):
        """Labels, (n_samples,) or, with ``return_sequences``, (n_samples, n_timesteps)
        (for sequences of different lengths, a list of (T_i,) arrays)."""
        check_is_fitted(self, "_network")
        return self._predict_checked(self._check_X(X, reset=False))

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        return np.log(self.predict_proba(X))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (over all time steps with ``return_sequences``).

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence; with ``return_sequences`` of each of its time steps
            (or (n_samples, n_timesteps), one per step), as in ``fit``.
        """
        pred = self.predict(X)
        if not self.return_sequences:
            return accuracy_score(np.asarray(y), pred, sample_weight=sample_weight)
        lengths = np.array([len(p) for p in pred])
        weights = None if sample_weight is None else _step_weights(sample_weight, lengths)
        if isinstance(pred, list):      # different lengths
            y = ragged_labels(y, lengths)
            return accuracy_score(np.concatenate([row[:len(p)] for row, p in zip(y, pred)]),
                                  np.concatenate(pred), sample_weight=weights)
        return accuracy_score(np.asarray(y).ravel(), pred.ravel(), sample_weight=weights)

    def stepper(self, window=None):
        """A :class:`~rnnforecast.estimators.Stepper` that feeds this classifier one time
        step at a time: each ``step(x)`` returns ``predict_proba`` of the sequence read
        since ``reset()``, carrying the network's state when the classifier reads its
        steps as they come (one direction, no per-sequence normalisation). See
        ``rnnforecast.estimators._stepping``."""
        return Stepper(self, window)

    def transform(self, X):
        """What the head reads for each sequence, (n_samples, hidden_size) (twice as
        wide with ``bidirectional``): the top layer's hidden states pooled over time
        (``pooling``; "last": the final one)."""
        check_is_fitted(self, "_network")
        X = self._check_X(X, reset=False)
        lengths = lengths_of(X)
        if lengths is None and not self._token_input:
            return _last_hidden(self._network, self._scaler.transform(X)[0], self.n_threads)
        with limit_blas_threads(self.n_threads):
            return encode_by_length(self._network, self._network_input(X), lengths)

    def _check_loaded_outputs(self, spec):
        if hasattr(self, "_network") and len(self.classes_) != spec.output_size:
            raise ValueError(
                f"The state_dict has {spec.output_size} outputs but this fitted "
                f"RNNClassifier has {len(self.classes_)} classes_ "
                f"{self.classes_.tolist()}: its labels would be lost. Load the weights "
                "into a new RNNClassifier() (its classes_ are then 0 .. n_outputs - 1).")

    def _after_load_state_dict(self, spec, keep_scaling):
        if keep_scaling:
            return
        self.n_features_in_ = self.n_step_features_in_ = spec.input_size
        self.n_timesteps_in_ = None
        self._raw_input, self._token_input = True, False
        if not hasattr(self, "classes_") or len(self.classes_) != spec.output_size:
            self.classes_ = np.arange(spec.output_size)
        self._scaler = WindowScaler.identity(spec.input_size)


def _step_weights(sample_weight, lengths):
    """One weight per real time step, concatenated over the sequences: each sequence's
    weight repeated over its ``lengths[i]`` steps, or its row of per-step weights."""
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim not in (1, 2) or len(w) != len(lengths) or (
            w.ndim == 2 and w.shape[1] < lengths.max(initial=0)):
        raise ValueError(
            f"The 'sample_weight' argument of RNNClassifier.score must have shape "
            f"({len(lengths)},), one weight per sequence, or ({len(lengths)}, "
            f"{lengths.max(initial=0)}), one per time step. Got shape {w.shape} instead.")
    return np.concatenate([np.full(L, w[i]) if w.ndim == 1 else w[i, :L]
                           for i, L in enumerate(lengths)])
