"""RNNSeq2Seq: an encoder–decoder network from a sequence to a sequence of labels of
another length (e.g. spelled-out dates to digits)."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted

from .._validation import check_no_missing_labels
from ..nn import _seq2seq as s2s
from ..nn.losses import LOSSES, softmax
from ..preprocessing import WindowScaler
from ._base import options
from ._encoder_decoder import Targets, _EncoderDecoder, _batches, _cut, _part
from ._sequences import lengths_of, real_steps
from ._training import stratified_split


class RNNSeq2Seq(_EncoderDecoder):
    """Encoder–decoder recurrent network: a sequence in, a sequence of labels out, of
    lengths that need not match (Sutskever et al., 2014; Cho et al., 2014).

    An encoder network reads ``X``; its final state starts a decoder network that emits
    one label per output step. The decoder's input at step ``k`` is the one-hot code of
    the label of step ``k - 1`` (a start code at step 0): in training the *true* label
    (teacher forcing, all steps in one batched call), in prediction the label it chose
    itself, one step at a time (greedy, or a beam search with ``beam_width > 1``)::

        X   x_1 x_2 ... x_Tin  -> encoder -> state
        U   <start>  y_1  y_2 ... y_{Tout-1}     (decoder inputs)
        Y   y_1      y_2  y_3 ... y_Tout         (decoder outputs, softmax)

    Softmax outputs with the cross-entropy loss give the output delta
    ``softmax(z) - onehot(y)``, averaged over every counted output step.

    Parameters
    ----------
    cell : {"gru", "lstm", "rnn"}, default="gru"
        Cell of both networks. The Jordan network is refused: its state is its previous
        output, not a hidden state a decoder can start from.
    hidden_size : int, default=64
    num_layers : int, default=1
        Layers of each network; the encoder's final state of layer ``l`` starts the
        decoder's layer ``l``.
    nonlinearity : {"tanh", "relu"}, default="tanh"
        For ``cell="rnn"``.
    dropout : float in [0, 1), default=0.0
        Dropout between stacked layers during training.
    solver : {"adam", "sgd", "rmsprop"}, default="adam"
    learning_rate_init : float, default=0.01
    batch_size : int, default=32
    max_iter : int, default=200
        Number of epochs.
    tol : float, default=1e-4
    early_stopping : bool, default=False
        Hold out a shuffled ``validation_fraction`` of the pairs (pairs are
        exchangeable), stop when their teacher-forced loss has not improved by ``tol``
        for ``n_iter_no_change`` epochs, keep the best weights; ``validation_scores_``
        records their exact-match accuracy (greedy decoding).
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=20
    alpha : float, default=1e-4
        L2 penalty on the weights, divided by the batch size (as in RNNForecaster).
    clip_norm : float or None, default=5.0
    dtype : {"float32", "float64"}, default="float32"
    n_threads : int, default=1
    random_state : int, RandomState instance or None, default=None
    verbose : bool or int, default=0
    warm_start : bool, default=False
        Continue the fitted network; its vocabularies and scaling are kept, so the new
        ``X`` and ``y`` may only use known tokens and labels.
    input_encoding : {"values", "onehot", "embedding"}, default="values"
        "values": ``X`` holds numbers, (n_samples, n_timesteps_in, n_features) or 2-D
        univariate (n_samples, n_timesteps_in), standardised per feature with
        statistics of the training pairs; sequences of different lengths come as a
        list of arrays of shape (T_i, n_features) (or (T_i,)), or as a 3-D array
        padded with NaN after each sequence's end. "onehot": ``X`` holds tokens of any
        type (a string's characters, words, ids), (n_samples, n_timesteps_in), or a
        list of token sequences of different lengths; each token is fed as the one-hot
        code of its position in ``input_tokens_`` (learned in fit). Either way the
        encoder reads each sequence to its own end (the padding never reaches the
        decoder: every sequence is decoded as if alone), and ``predict`` takes
        sequences of any length. "embedding": tokens as with "onehot", each read as its row of a learned
        embedding ``encoder.embedding.weight`` of shape (n_tokens, ``embedding_dim``)
        (``nn/_embedding.py``, PyTorch's ``nn.Embedding``, initialised from N(0, 1)),
        which keeps the encoder's input small for large vocabularies.
    end_label : label or None, default=None
        A label in ``y`` that ends an output sequence: steps after the first one are
        padding, left out of the loss, and predicted as ``end_label`` too (whatever
        follows the first end label in ``y``, ``score`` reads as ``end_label``). None:
        every step of ``y`` counts and is predicted.
    beam_width : int, default=1
        Prefixes kept at every output step of ``predict``: 1 is greedy decoding, more
        is a beam search for the sequence of highest probability (sum of the steps'
        log-probabilities).
    embedding_dim : int, default=16
        Width of the token embedding (``input_encoding="embedding"`` only).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The output labels (sorted).
    input_tokens_ : ndarray of shape (n_tokens,)
        The input tokens (``input_encoding="onehot"`` only).
    n_features_in_ : int
        Columns of 2-D ``X``, or features per step of 3-D ``X``.
    n_timesteps_in_ : int or None
        The input length seen in fit; None after a fit on sequences of different
        lengths.
    n_step_features_in_ : int
        Features per encoder step (the number of tokens with "onehot").
    n_timesteps_out_ : int
        Output steps, the width of ``y``.
    loss_curve_, n_iter_, best_epoch_, validation_scores_, validation_loss_curve_
        As in :class:`RNNClassifier`.

    Examples
    --------
    >>> from rnnforecast.estimators import RNNSeq2Seq
    >>> X = [list("one  "), list("two  "), list("three")] * 20
    >>> y = [["1", "$"], ["2", "$"], ["3", "$"]] * 20
    >>> model = RNNSeq2Seq(input_encoding="onehot", hidden_size=8, max_iter=50,
    ...                    random_state=0).fit(X, y)
    >>> model.predict([list("two  ")]).tolist()
    [['2', '$']]
    """

    _FITTED_OPTIONS = ("input_encoding", "end_label")

    _parameter_constraints = {
        **_EncoderDecoder._parameter_constraints,
        "input_encoding": [options("values", "onehot", "embedding")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "end_label": "no_validation",
        "beam_width": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, cell="gru", hidden_size=64, num_layers=1, nonlinearity="tanh",
                 dropout=0.0, solver="adam", learning_rate_init=0.01, batch_size=32,
                 max_iter=200, tol=1e-4, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=20, alpha=1e-4, clip_norm=5.0, dtype="float32",
                 n_threads=1, random_state=None, verbose=0, warm_start=False,
                 input_encoding="values", end_label=None, beam_width=1, embedding_dim=16):
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
        self.input_encoding = input_encoding
        self.end_label = end_label
        self.beam_width = beam_width
        self.embedding_dim = embedding_dim

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags

    def _loss_name(self):
        return "softmax_cross_entropy"

    # ----------------------------------------------------------------- fit
    def fit(self, X, y):
        """Fit to input sequences ``X`` and output label sequences ``y``.

        X : array-like of shape (n_samples, n_timesteps_in, n_features) or
            (n_samples, n_timesteps_in), or a list of sequences of different lengths
            (see ``input_encoding``)
        y : array-like of shape (n_samples, n_timesteps_out) of labels of any type, or
            (n_samples,) for one output step (``predict`` then returns (n_samples,))

        Returns self.
        """
        first = self._start_fit(incremental=False)
        self._check_y_given(y)
        X, lengths = self._check_inputs(X, reset=first)
        Y = self._check_labels(y, X, reset=first)
        codes = self._codes(Y)
        weights = self._loss_weights(codes)
        split = (stratified_split(np.zeros(len(X)), self.validation_fraction, self._rng)
                 if self.early_stopping else None)
        if first and self.input_encoding == "values":
            train = slice(None) if split is None else split[0]
            self._scaler = WindowScaler().fit(real_steps(X[train], _part(lengths, train)))
        Xs = self._scaled(X)
        K = len(self.classes_)
        if self.input_encoding == "embedding":
            spec = self._seq2seq_spec(self.embedding_dim, K + 1, K,
                                      vocabulary_size=len(self.input_tokens_))
        else:
            spec = self._seq2seq_spec(Xs.shape[2], K + 1, K)
        return self._fit_pairs(Xs, Targets(self._teacher_inputs(codes), codes, lengths),
                               spec, self._validation(Xs, codes, weights, lengths), split,
                               sample_weight=weights)

    #: Input sequences may differ in length (see ``input_encoding``).
    _VARIABLE_LENGTHS = True

    def _check_inputs(self, X, reset):
        """X as (n, T_in, D) float64 ("values", NaN after the end of shorter sequences)
        or (n, T_in) tokens, and the sequences' lengths (None when all have T_in)."""
        if not reset:
            self._check_fitted_options()
        if self.input_encoding == "values":
            X = self._check_X(X, reset)
            return X, lengths_of(X)
        X, lengths = _padded_tokens(X)
        X = check_array(X, dtype=None, input_name="X")
        real = np.ones(X.shape, bool) if lengths is None else \
            np.arange(X.shape[1])[None, :] < lengths[:, None]     # (n, T_in)
        if reset:
            self.input_tokens_ = np.unique(X[real])
            self.n_features_in_, self._input_ndim = X.shape[1], 2
            self.n_timesteps_in_ = X.shape[1] if lengths is None else None
            self.n_step_features_in_ = len(self.input_tokens_)
        _check_known(X[real], self.input_tokens_, "X", "input_tokens_")
        return X, lengths

    def _scaled(self, X):
        """Encoder inputs: (n, T_in, D) float64 scaled values (padding as 0) or one-hot
        tokens, or (n, T_in) token ids for the embedding (padding: any token)."""
        if self.input_encoding == "values":
            return np.nan_to_num(self._scaler.transform(X)[0], nan=0.0)
        ids = np.searchsorted(self.input_tokens_, X)
        ids = np.minimum(ids, len(self.input_tokens_) - 1)          # padding: a known id
        return ids if self.input_encoding == "embedding" else np.eye(len(self.input_tokens_))[ids]

    def _check_labels(self, Y, X, reset):
        if np.ndim(Y) not in (1, 2):
            raise ValueError(
                "y must have shape (n_samples, n_timesteps_out), one label per output step "
                f"(or (n_samples,) for one step). Got an array of shape {np.shape(Y)} "
                "instead.")
        check_no_missing_labels(Y)
        Y = check_array(Y, dtype=None, ensure_2d=False, input_name="y")
        if len(Y) != len(X):
            raise ValueError(f"X and y have different numbers of samples: {len(X)} and "
                             f"{len(Y)}.")
        check_classification_targets(Y.ravel())
        if reset:
            self._y_ndim = Y.ndim
        Y = Y.reshape(len(Y), -1)
        if reset:
            self.classes_, self.n_timesteps_out_ = np.unique(Y), Y.shape[1]
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 different labels in y; got "
                    f"1 class: {self.classes_.tolist()[0]!r}.")
        elif Y.shape[1] != self.n_timesteps_out_:
            raise ValueError(
                f"y has {Y.shape[1]} output steps but the fitted {type(self).__name__} "
                f"has n_timesteps_out_={self.n_timesteps_out_}; warm_start needs outputs "
                "of the same length.")
        _check_known(Y, self.classes_, "y", "classes_")
        if self.end_label is not None and self.end_label not in self.classes_.tolist():
            raise ValueError(
                f"The 'end_label' parameter of {type(self).__name__} must be one of the "
                f"labels of y. Got {self.end_label!r}, not among "
                f"{self.classes_.tolist()[:20]}. Set it to the label that ends your "
                "output sequences, or None.")
        return Y

    def _codes(self, Y):
        return np.searchsorted(self.classes_, Y)

    def _end_code(self):
        if self.end_label is None:
            return None
        return int(np.searchsorted(self.classes_, self.end_label))

    def _after_end(self, codes):
        """Mask (n, T_out) of the steps after each row's first end code."""
        end = self._end_code()
        if end is None:
            return np.zeros(codes.shape, dtype=bool)
        return np.cumsum(codes == end, axis=1) - (codes == end) > 0

    def _loss_weights(self, codes):
        """1 for counted steps, 0 after the end label; None when every step counts."""
        after = self._after_end(codes)
        return None if not after.any() else (~after).astype(np.float64)

    def _teacher_inputs(self, codes):
        """One-hot codes (n, T_out, K + 1) of the start code then the true labels."""
        K = len(self.classes_)
        previous = np.concatenate([np.full((len(codes), 1), K), codes[:, :-1]], axis=1)
        return np.eye(K + 1)[previous]

    def _validation(self, Xs, codes, weights, lengths):
        def validation(idx):
            L = _part(lengths, idx)
            raw = self._teacher_forced(Xs[idx], self._teacher_inputs(codes[idx]), L)
            w = None if weights is None else weights[idx].reshape(-1)
            loss = LOSSES["softmax_cross_entropy"](raw.reshape(-1, raw.shape[-1]),
                                                   codes[idx].reshape(-1), sample_weight=w)
            return loss[0], self._exact_match(self._decode(Xs[idx], L), codes[idx])
        return validation

    # ----------------------------------------------------------------- prediction
    def _decode(self, Xs, lengths=None):
        """Decoded class codes (n, T_out), steps after the end label set to it."""
        params, spec = self._network.params64(), self._network.spec
        K, T_out = len(self.classes_), self.n_timesteps_out_
        parts = []
        for batch in _batches(len(Xs)):
            Xb, Lb = _cut(Xs[batch], _part(lengths, batch))
            parts.append(s2s.beam_decode(params, spec, Xb, K, T_out, self.beam_width,
                                         self._end_code(), lengths=Lb))
        return self._fill_after_end(np.concatenate(parts))

    def _fill_after_end(self, codes):
        codes = codes.copy()
        codes[self._after_end(codes)] = self._end_code() if self.end_label is not None else 0
        return codes

    def _exact_match(self, predicted, codes):
        return float(np.mean(np.all(predicted == self._fill_after_end(codes), axis=1)))

    def _shaped(self, labels):
        return labels.reshape(len(labels)) if self._y_ndim == 1 else labels

    def predict(self, X):
        """Decoded labels, (n_samples, n_timesteps_out) (or (n_samples,) after a fit on
        1-D ``y``): greedy, or the best sequence of a beam search (``beam_width``)."""
        check_is_fitted(self, "_network")
        X, lengths = self._check_inputs(X, reset=False)
        return self._shaped(self.classes_[self._decode(self._scaled(X), lengths)])

    def predict_proba(self, X):
        """Probabilities of every label at every output step, (n_samples,
        n_timesteps_out, n_classes), along the decoded sequence: step ``k``'s are
        conditioned on the labels ``predict`` chose at the steps before it."""
        check_is_fitted(self, "_network")
        X, lengths = self._check_inputs(X, reset=False)
        Xs = self._scaled(X)
        raw = self._teacher_forced(Xs, self._teacher_inputs(self._decode(Xs, lengths)),
                                   lengths)
        return softmax(raw.reshape(-1, raw.shape[-1])).reshape(raw.shape)

    def score(self, X, y):
        """Exact-match accuracy: the share of sequences whose every output step is
        right (after ``end_label``, if set, only the steps up to it count). The
        per-step accuracy is ``np.mean(model.predict(X) == y)``."""
        check_is_fitted(self, "_network")
        X, lengths = self._check_inputs(X, reset=False)
        Y = check_array(y, dtype=None, ensure_2d=False, input_name="y")
        if len(Y) != len(X) or Y.reshape(len(Y), -1).shape[1] != self.n_timesteps_out_:
            raise ValueError(
                f"y must have shape ({len(X)}, {self.n_timesteps_out_}) (n_samples, "
                f"n_timesteps_out_), one label per output step of each sequence of X. Got "
                f"an array of shape {Y.shape} instead.")
        Y = Y.reshape(len(Y), -1)
        _check_known(Y, self.classes_, "y", "classes_")
        return self._exact_match(self._decode(self._scaled(X), lengths), self._codes(Y))


def _padded_tokens(X):
    """Token sequences of different lengths (a list of 1-D sequences) as one
    right-padded (n, max length) array and their lengths; anything else as it is,
    with lengths None. The padding repeats a real token (the encoder never reads it)."""
    if not isinstance(X, (list, tuple)) or not X:
        return X, None
    rows = [np.asarray(x) for x in X]
    if any(r.ndim != 1 or len(r) == 0 for r in rows):
        shapes = sorted({np.shape(r) for r in rows if r.ndim != 1 or len(r) == 0})
        raise ValueError(
            "X must be a list of 1-D token sequences of at least one token each (their "
            f"lengths may differ), or a 2-D array. Got items of shape {shapes[:5]}.")
    lengths = np.array([len(r) for r in rows])
    if np.all(lengths == lengths[0]):
        return np.stack(rows), None
    padded = np.empty((len(rows), lengths.max()), dtype=np.result_type(*rows))
    padded[:] = rows[0][0]
    for i, r in enumerate(rows):
        padded[i, :len(r)] = r
    return padded, lengths


def _check_known(values, known, name, attribute):
    """Raise naming the values of ``values`` that are not in ``known``."""
    unknown = ~np.isin(values, known)
    if np.any(unknown):
        raise ValueError(
            f"{name} contains values not seen in fit: {np.unique(values[unknown]).tolist()[:10]}"
            f"; known ones are {attribute} = {known.tolist()[:20]}. Fit on data that "
            "holds every value, or map the new ones to a known one.")
