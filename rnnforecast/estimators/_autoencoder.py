"""RNNAutoencoder: a sequence autoencoder whose encoder gives label-free embeddings."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import TransformerTags
from sklearn.utils.validation import check_is_fitted

from ..preprocessing import WindowScaler
from ._encoder_decoder import Targets, _EncoderDecoder, _part
from ._sequences import lengths_of, real_steps
from ._training import stratified_split


class RNNAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _EncoderDecoder):
    """Sequence autoencoder: an encoder network reads a sequence, a decoder network
    started from the encoder's final state rebuilds it; the final state is a fixed-size
    embedding learned without labels (Srivastava, Mansimov & Salakhutdinov, 2015;
    Dai & Le, 2015).

    The decoder is *unconditioned*: it reads nothing but its own state, so everything
    it rebuilds must pass through the encoder's final state (a decoder fed the
    previous value could rebuild a smooth series from that value alone). By default
    it rebuilds the sequence in reverse order, so that the first step to rebuild is the
    last one read (Sutskever et al., 2014)::

        X   x_1 x_2 ... x_T  -> encoder -> state h  (transform returns h)
        U   (nothing)                                (decoder inputs, 0 features)
        Y   x_T x_{T-1} ... x_1                      (decoder outputs, reverse=True)

    Inputs are standardised per feature with statistics of the training sequences;
    the loss is the squared error of the standardised values (linear outputs, output
    delta ``y_pred - y``), so every feature weighs the same.

    Sequences may differ in length (a list of arrays or DataFrames of shape (T_i, D), or
    a 3-D array NaN-padded at the end of the shorter ones): the encoder carries its state
    over the padding (``nn/_masking.py``), so each embedding is that of the sequence
    alone; the decoder rebuilds each sequence to its own length, the loss counting its
    real steps only; batches group similar lengths. A model fitted on one length
    encodes any length. ``reconstruct`` then returns a list of arrays.

    Parameters
    ----------
    cell : {"gru", "lstm", "rnn"}, default="gru"
    hidden_size : int, default=16
        Size of the embedding.
    num_layers : int, default=1
        The embedding is the top layer's final hidden state.
    nonlinearity, dropout, solver, learning_rate_init, batch_size, max_iter, tol, \
alpha, clip_norm, dtype, n_threads, random_state, verbose, warm_start
        As in :class:`RNNSeq2Seq`; defaults 0.01 for ``learning_rate_init`` and 200
        for ``max_iter``.
    early_stopping : bool, default=False
        Hold out a shuffled ``validation_fraction`` of the sequences and stop when their
        reconstruction error has not improved by ``tol`` for ``n_iter_no_change``
        epochs (``validation_scores_`` holds ``score``, minus that error).
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=20
    reverse : bool, default=True
        Rebuild the sequence last step first.

    Attributes
    ----------
    n_features_in_ : int
        Columns of 2-D ``X`` (time steps), or features per step of 3-D ``X``.
    n_timesteps_in_, n_step_features_in_ : int
    loss_curve_, n_iter_, best_epoch_ : as in :class:`RNNClassifier`

    Examples
    --------
    >>> import numpy as np
    >>> from rnnforecast.estimators import RNNAutoencoder
    >>> t = np.linspace(0, 2 * np.pi, 30)
    >>> X = np.array([np.sin(t + p) for p in np.linspace(0, 3, 40)])  # (40, 30)
    >>> model = RNNAutoencoder(hidden_size=4, max_iter=20, random_state=0).fit(X)
    >>> model.transform(X).shape
    (40, 4)
    """

    _FITTED_OPTIONS = ("reverse",)

    _parameter_constraints = {
        **_EncoderDecoder._parameter_constraints,
        "reverse": ["boolean"],
    }

    def __init__(self, cell="gru", hidden_size=16, num_layers=1, nonlinearity="tanh",
                 dropout=0.0, solver="adam", learning_rate_init=0.01, batch_size=32,
                 max_iter=200, tol=1e-4, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=20, alpha=1e-4, clip_norm=5.0, dtype="float32",
                 n_threads=1, random_state=None, verbose=0, warm_start=False,
                 reverse=True):
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
        self.reverse = reverse

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags

    def _loss_name(self):
        return "squared_error"

    @property
    def _n_features_out(self):
        """Width of the fitted encoding (not ``hidden_size``, which set_params may
        have changed since)."""
        return self._network.spec.encoder.hidden_size

    #: Sequences may differ in length (see the class docstring).
    _VARIABLE_LENGTHS = True

    def fit(self, X, y=None):
        """Learn to rebuild the sequences ``X`` from their encodings.

        X : array-like of shape (n_samples, n_timesteps, n_features) or
            (n_samples, n_timesteps), or a list of sequences of different lengths
        y : None
            Ignored (unsupervised).

        Returns self.
        """
        first = self._start_fit(incremental=False)
        X = self._check_X(X, reset=first)
        lengths = lengths_of(X)
        split = (stratified_split(np.zeros(len(X)), self.validation_fraction, self._rng)
                 if self.early_stopping else None)
        if first:
            train = slice(None) if split is None else split[0]
            self._scaler = WindowScaler().fit(real_steps(X[train], _part(lengths, train)))
        Xs = self._scaled(X)
        spec = self._seq2seq_spec(Xs.shape[2], 0, Xs.shape[2])
        targets = Targets(self._decoder_inputs(Xs), self._target(Xs, lengths), lengths,
                          lengths)
        return self._fit_pairs(Xs, targets, spec, self._validation(Xs, lengths), split)

    def _scaled(self, X):
        """Standardised sequences (n, T, D), the padding (NaN) as zeros."""
        Xs = self._scaler.transform(X)[0]
        return Xs if lengths_of(X) is None else np.nan_to_num(Xs, nan=0.0)

    @staticmethod
    def _decoder_inputs(Xs):
        """The unconditioned decoder's inputs: nothing at each of the T steps, (n, T, 0)."""
        return np.zeros(Xs.shape[:2] + (0,), Xs.dtype)

    def _target(self, Xs, lengths=None):
        """What the decoder rebuilds: the scaled sequence, reversed with ``reverse``
        (each within its own length, the padding after it)."""
        return _reversed(Xs, lengths) if self.reverse else Xs

    def _reconstructed(self, Xs, lengths=None):
        """Scaled reconstructions (n, T, D) in time order (zeros after each length)."""
        out = self._teacher_forced(Xs, self._decoder_inputs(Xs), lengths)
        return _reversed(out, lengths) if self.reverse else out

    def _squared_errors(self, Xs, lengths):
        """Squared reconstruction errors of the real steps of the scaled Xs, flat."""
        errors = (self._reconstructed(Xs, lengths) - Xs) ** 2            # (n, T, D)
        return errors if lengths is None else \
            errors[np.arange(Xs.shape[1])[None, :] < lengths[:, None]]

    def _validation(self, Xs, lengths):
        def validation(idx):
            error = float(np.mean(self._squared_errors(Xs[idx], _part(lengths, idx))))
            return 0.5 * error, -error
        return validation

    def transform(self, X):
        """The embeddings: the encoder's final hidden state of the top layer, (n_samples,
        hidden_size)."""
        check_is_fitted(self, "_network")
        X = self._check_X(X, reset=False)
        return self._encodings(self._scaled(X), lengths_of(X))

    def reconstruct(self, X):
        """The decoder's rebuild of every sequence, in the units of ``X``: an array
        (n_samples, n_timesteps, n_features) (3-D even for 2-D ``X``), or for sequences
        of different lengths a list of arrays (T_i, n_features)."""
        check_is_fitted(self, "_network")
        X = self._check_X(X, reset=False)
        lengths = lengths_of(X)
        out = self._reconstructed(self._scaled(X), lengths)
        out = out * self._scaler.x_scale_ + self._scaler.x_mean_
        return out if lengths is None else [out[i, :L] for i, L in enumerate(lengths)]

    def score(self, X, y=None):
        """Minus the mean squared reconstruction error of the standardised values (each
        feature divided by its training standard deviation) over every real step;
        higher is better."""
        check_is_fitted(self, "_network")
        X = self._check_X(X, reset=False)
        return -float(np.mean(self._squared_errors(self._scaled(X), lengths_of(X))))


def _reversed(A, lengths):
    """Each sequence of A (n, T, D) reversed within its own length; the steps after a
    length (the padding) hold zeros. Without lengths, ``A[:, ::-1]``."""
    if lengths is None:
        return A[:, ::-1]
    steps = np.arange(A.shape[1])[None, :]                             # (1, T)
    source = np.clip(lengths[:, None] - 1 - steps, 0, None)           # (n, T)
    out = np.take_along_axis(A, source[:, :, None], axis=1)
    out[steps >= lengths[:, None]] = 0.0
    return out
