"""Scaling of sequence input of shape (n_samples, n_timesteps, n_features).

sklearn's scalers see a 3-D batch of windows as an error, and a 2-D one as one
feature per time step. Here samples *and* time steps are pooled, so every feature gets
one statistic that applies at every step — the scaling an RNN needs, whatever the
window length it is later asked to read.

- :class:`SequenceScaler`: a public scikit-learn transformer (standard or min-max).
- :class:`WindowScaler`: how the estimators present windows to the network — a
  per-window offset, per-feature input standardisation and per-output target
  standardisation, all computed in float64 — and how they map network outputs back.
- :func:`normalize_sequences` and :func:`piecewise_mean`: per-sequence normalisation
  and shortening of long sequences, as the classifier reads whole series.

Both use one rule for a constant feature (:func:`nonzero_scale`).
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import check_finite, check_option

__all__ = ["SequenceScaler", "WindowScaler", "nonzero_scale", "normalize_sequences",
           "piecewise_mean"]


def _standard_statistics(values):
    """Mean and standard deviation of each column.

    Parameters
    ----------
    values : ndarray of shape (n_values, n_features)

    Returns
    -------
    offset, scale : ndarray of shape (n_features,)
    """
    return values.mean(axis=0), spread(values, axis=0)


#: Magnitudes whose squares overflow or underflow float64 (about 1e-308 .. 1e308).
SQUARES_SAFE = (1e-150, 1e150)


def spread(values, axis, keepdims=False):
    """``values.std(axis)``, computed on values divided by their largest magnitude when
    squaring them would overflow (beyond 1e150) or underflow (below 1e-150), which
    would make a standard deviation infinite or zero; other values take NumPy's path
    unchanged."""
    big = np.max(np.abs(values), axis=axis, keepdims=True)
    if np.all(((big > SQUARES_SAFE[0]) | (big == 0)) & (big < SQUARES_SAFE[1])) or \
            not np.all(np.isfinite(big)):
        return values.std(axis=axis, keepdims=keepdims)
    unit = np.where(big > 0, big, 1.0)
    scale = (values / unit).std(axis=axis, keepdims=True) * unit
    return scale if keepdims else np.squeeze(scale, axis=axis)


def _minmax_statistics(values):
    """Minimum and range (maximum - minimum) of each column.

    Parameters
    ----------
    values : ndarray of shape (n_values, n_features)

    Returns
    -------
    offset, scale : ndarray of shape (n_features,)
    """
    low = values.min(axis=0)
    return low, values.max(axis=0) - low


# method -> (statistics function, name of the fitted offset attribute)
METHODS = {
    "standard": (_standard_statistics, "mean_"),
    "minmax": (_minmax_statistics, "min_"),
}


def nonzero_scale(scale, offset):
    """Replace the scale of constant features by 1 so they map to 0, not to NaN.

    A scale at rounding level relative to the offset counts as zero: the standard
    deviation of a constant float column is rarely exactly 0.

    Parameters
    ----------
    scale, offset : ndarray of shape (n_features,) or float

    Returns
    -------
    scale : ndarray of shape (n_features,) or float64 scalar
    """
    scale = np.asarray(scale, dtype=np.float64)
    eps = np.finfo(np.float64).eps
    constant = (scale == 0) | (scale <= 10 * eps * np.abs(offset))
    return np.where(constant, 1.0, scale)


def _sequence_centered(X):
    """Each sequence minus its mean, per feature."""
    return X - X.mean(axis=1, keepdims=True)                      # (n, T, D)


def _sequence_zscores(X):
    """Each sequence minus its mean, divided by its standard deviation, per feature."""
    offset = X.mean(axis=1, keepdims=True)                        # (n, 1, D)
    return (X - offset) / nonzero_scale(spread(X, axis=1, keepdims=True), offset)


#: ``normalization`` option -> the per-sequence transformation.
SEQUENCE_NORMALIZATIONS = {
    "mean": _sequence_centered,
    "zscore": _sequence_zscores,
}


def normalize_sequences(X, normalization):
    """Normalise every sequence on its own, per feature (no statistic is learned).

    ``"zscore"``: ``(x_t - mean_t(x)) / std_t(x)``, the z-normalisation of the UCR
    archive (a constant sequence maps to zeros); ``"mean"``: ``x_t - mean_t(x)``; None:
    ``X`` unchanged.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features), float64
    normalization : {"zscore", "mean"} or None

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    """
    if normalization is None:
        return X
    return SEQUENCE_NORMALIZATIONS[normalization](X)


def piecewise_mean(X, max_timesteps):
    """Shorten sequences longer than ``max_timesteps`` to block means (piecewise
    aggregate approximation, Keogh et al. 2001).

    With ``k = ceil(T / max_timesteps)``, step ``j`` of the result is the mean of steps
    ``jk .. jk + k - 1`` (the last block may be shorter)::

        T = 7, max_timesteps = 3, k = 3:  [x0 x1 x2 | x3 x4 x5 | x6]
                                              m0         m1      m2

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    max_timesteps : int or None
        None (or ``T <= max_timesteps``) returns ``X`` unchanged.

    Returns
    -------
    X : ndarray of shape (n_samples, ceil(T / k), n_features)

    References
    ----------
    Keogh, E., Chakrabarti, K., Pazzani, M. & Mehrotra, S. (2001). Dimensionality
    reduction for fast similarity search in large time series databases. Knowledge and
    Information Systems, 3(3), 263-286.
    """
    T = X.shape[1]
    if max_timesteps is None or T <= max_timesteps:
        return X
    k = -(-T // max_timesteps)
    starts = np.arange(0, T, k)
    counts = np.diff(np.append(starts, T))                        # (T',)
    return np.add.reduceat(X, starts, axis=1) / counts[:, None]   # (n, T', D)


def _as_3d(X, method_name):
    """Validate sequence input and view it as 3-D.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)

    Returns
    -------
    values : ndarray of shape (n_samples, n_timesteps, n_features)
        float32 input stays float32, anything else becomes float64.
    """
    owner = f"SequenceScaler.{method_name}"
    values = np.asarray(X)
    if values.ndim not in (2, 3) or values.shape[0] == 0:
        raise ValueError(
            f"The 'X' parameter of {owner} must be a non-empty 2-D array (n_samples, "
            "n_timesteps) or 3-D array (n_samples, n_timesteps, n_features). Got an "
            f"array of shape {values.shape} instead."
        )
    dtype = np.float32 if values.dtype == np.float32 else np.float64
    values = check_finite(values.astype(dtype, copy=False), "X", owner)
    return values[..., np.newaxis] if values.ndim == 2 else values


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Scale each feature of a batch of sequences with statistics over samples and time.

    For ``X`` of shape ``(n_samples, n_timesteps, n_features)``, feature ``f`` is
    scaled with one offset and one scale computed over all ``X[:, :, f]``::

        X_scaled[:, :, f] = (X[:, :, f] - offset[f]) / scale[f]

    ``"standard"``: offset = mean, scale = standard deviation (zero mean, unit
    variance). ``"minmax"``: offset = minimum, scale = maximum - minimum (values in
    [0, 1]). A constant feature gets ``scale_ = 1``. A 2-D input is read as
    ``(n_samples, n_timesteps)`` windows of a single feature. Since the statistics do
    not depend on the time step, sequences of any length can be transformed.

    Parameters
    ----------
    method : {"standard", "minmax"}, default="standard"
        Which offset and scale to use.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean (``method="standard"`` only).
    min_ : ndarray of shape (n_features,)
        Per-feature minimum (``method="minmax"`` only). Unlike sklearn's
        ``MinMaxScaler.min_``, this is the data minimum itself.
    scale_ : ndarray of shape (n_features,)
        Per-feature standard deviation or range, 1 for constant features.
    n_features_in_ : int
        Number of features: ``n_features`` for 3-D input, 1 for 2-D input.

    Examples
    --------
    >>> X = np.arange(12.0).reshape(2, 3, 2)
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_
    array([5., 6.])
    >>> np.allclose(scaler.inverse_transform(scaler.transform(X)), X)
    True
    """

    def __init__(self, method="standard"):
        self.method = method

    def fit(self, X, y=None):
        """Compute the per-feature offset and scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps)
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
        """
        check_option(self.method, "method", METHODS, "SequenceScaler")
        statistics, offset_name = METHODS[self.method]
        values = _as_3d(X, "fit")
        n_features = values.shape[2]
        offset, scale = statistics(values.reshape(-1, n_features).astype(np.float64))
        self._offset = offset
        self.scale_ = nonzero_scale(scale, offset)
        setattr(self, offset_name, offset)
        self.n_features_in_ = n_features
        return self

    def transform(self, X):
        """Scale ``X`` with the fitted statistics.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps)
            Any number of time steps; ``n_features`` must match ``fit``.

        Returns
        -------
        X_scaled : ndarray of the same shape as X
        """
        values, shape = self._checked(X, "transform")
        offset, scale = self._offset.astype(values.dtype), self.scale_.astype(values.dtype)
        return ((values - offset) / scale).reshape(shape)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or \
(n_samples, n_timesteps)

        Returns
        -------
        X_original : ndarray of the same shape as X
        """
        values, shape = self._checked(X, "inverse_transform")
        offset, scale = self._offset.astype(values.dtype), self.scale_.astype(values.dtype)
        return (values * scale + offset).reshape(shape)

    def _checked(self, X, method_name):
        """Fitted check, validation and feature count check.

        Returns
        -------
        values : ndarray of shape (n_samples, n_timesteps, n_features)
        shape : tuple
            Shape of ``X`` as given, to restore on output.
        """
        check_is_fitted(self)
        values = _as_3d(X, method_name)
        if values.shape[2] != self.n_features_in_:
            raise ValueError(
                f"The 'X' parameter of SequenceScaler.{method_name} must have "
                f"{self.n_features_in_} feature(s) on its last axis, as seen in fit. "
                f"Got an array of shape {np.shape(X)} instead."
            )
        return values, np.shape(X)


# ---------------------------------------------------------------------------
# WindowScaler: the estimators' view of their input and targets
# ---------------------------------------------------------------------------

#: Per-window offset of every feature, ndarray of shape (n_samples, n_features).
WINDOW_OFFSETS = {
    None: lambda X: np.zeros((X.shape[0], X.shape[2])),
    "last": lambda X: X[:, -1, :],
    "mean": lambda X: X.mean(axis=1),
}

#: Causal per-step offset of the target, x of shape (n_samples, n_timesteps) -> same
#: shape: at step t only the values of steps 0 .. t are used.
STEP_OFFSETS = {
    None: np.zeros_like,
    "last": lambda x: x,
    "mean": lambda x: np.cumsum(x, axis=1) / np.arange(1, x.shape[1] + 1),
}


class WindowScaler:
    """Offset and standardise windows (and targets) as the network sees them.

    Many-to-one: for a window ``X_i`` of shape (n_timesteps, n_features) with offset
    ``o_i`` of shape (n_features,) (its last value, its mean, or zero; see ``offset``)::

        X_scaled_i = (X_i - o_i - x_mean) / x_scale          per feature
        Y_scaled_i = (Y_i - o_i[target] - y_mean) / y_scale  per output

    Many-to-many (``sequences=True``) must stay causal: the output at step ``t`` may
    depend on steps ``0 .. t`` only. An offset taken from the whole window (its last
    value or mean) would tell every step something about its future, so there the
    inputs are made relative to the window's *first* row, and the target of step ``t``
    to the target's value at step ``t`` (``"last"``) or its mean over steps ``0 .. t``
    (``"mean"``)::

        X_scaled_i = (X_i - X_i[0] - x_mean) / x_scale
        Y_scaled_i[t] = (Y_i[t] - o_i[t] - y_mean) / y_scale

    ``x_mean``/``x_scale`` pool all windows and steps of each feature, ``y_mean``/
    ``y_scale`` all windows (and steps) of each output, so outputs of different units
    (or lead times of different spread) are standardised on their own. Every statistic
    and every subtraction runs in float64, and only the result is cast to the network's
    dtype, so a series at a level of 1e8 keeps its small changes. The offset makes
    windows relative, which lets a network trained at one level forecast at another;
    predictions get it back in :meth:`inverse_targets`.

    This is a plain object owned by an estimator (not a scikit-learn transformer):
    the estimator validates its input and calls :meth:`fit` once per fit.

    Parameters
    ----------
    offset : {"last", "mean"} or None, default=None
        Per-window offset; None subtracts nothing.
    target : int or None, default=None
        Feature whose offset is added back to the predictions; None when the targets
        are labels (no target scaling).
    sequences : bool, default=False
        Causal offsets for one output per time step (see above).

    Attributes
    ----------
    x_mean_, x_scale_ : ndarray of shape (n_features,)
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        Only when fitted with targets.
    """

    def __init__(self, offset=None, target=None, sequences=False):
        self.offset = offset
        self.target = target
        self.sequences = sequences

    @classmethod
    def identity(cls, n_features, n_outputs=1):
        """A fitted scaler that changes nothing (weights loaded without scaling)."""
        scaler = cls(offset=None, target=0)
        scaler.x_mean_, scaler.x_scale_ = np.zeros(n_features), np.ones(n_features)
        scaler.y_mean_, scaler.y_scale_ = np.zeros(n_outputs), np.ones(n_outputs)
        return scaler

    def offsets(self, X):
        """Offsets of the inputs and of the target.

        X : ndarray of shape (n_samples, n_timesteps, n_features), float64

        Returns
        -------
        input_offsets : ndarray of shape (n_samples, 1, n_features)
        target_offsets : ndarray of shape (n_samples, 1, 1), or (n_samples, n_timesteps,
            1) with ``sequences``; None without a target
        """
        if not self.sequences:
            offsets = WINDOW_OFFSETS[self.offset](X)[:, np.newaxis, :]  # (n, 1, D)
            target = None if self.target is None else offsets[:, :, self.target:self.target + 1]
            return offsets, target
        first = X[:, :1, :] if self.offset is not None else np.zeros_like(X[:, :1, :])
        if self.target is None:
            return first, None
        return first, STEP_OFFSETS[self.offset](X[:, :, self.target])[:, :, np.newaxis]

    @staticmethod
    def _broadcast(target_offsets, Y):
        """Target offsets (n, 1, 1) or (n, T, 1) shaped to broadcast against Y."""
        if Y.ndim == 2:                                   # (n, O): many-to-one
            return target_offsets[:, -1, :]
        return target_offsets                             # (n, T, O)

    def fit(self, X, Y=None):
        """Learn the statistics of the windows ``X`` (and targets ``Y``); returns self.

        X : ndarray of shape (n_samples, n_timesteps, n_features), float64
        Y : ndarray of shape (n_samples, n_outputs) or (n_samples, n_timesteps,
            n_outputs), float64, or None
        """
        offsets, target_offsets = self.offsets(X)
        Xr = X - offsets
        self.x_mean_ = Xr.mean(axis=(0, 1))
        self.x_scale_ = nonzero_scale(spread(Xr, axis=(0, 1)), self.x_mean_)
        if Y is not None:
            Yr = (Y - self._broadcast(target_offsets, Y)).reshape(-1, Y.shape[-1])
            self.y_mean_ = Yr.mean(axis=0)
            self.y_scale_ = nonzero_scale(spread(Yr, axis=0), self.y_mean_)
        return self

    def transform(self, X, dtype=np.float64):
        """Scaled windows and the target offsets needed to map predictions back.

        X : ndarray of shape (n_samples, n_timesteps, n_features), float64

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_timesteps, n_features) of ``dtype``
        target_offsets : ndarray, see :meth:`offsets`
        """
        offsets, target_offsets = self.offsets(X)
        X_scaled = (X - offsets - self.x_mean_) / self.x_scale_
        return X_scaled.astype(dtype, copy=False), target_offsets

    def transform_targets(self, Y, target_offsets, dtype=np.float64):
        """Scaled targets, same shape as Y (n, O) or (n, T, O), of ``dtype``."""
        Y_scaled = (Y - self._broadcast(target_offsets, Y) - self.y_mean_) / self.y_scale_
        return Y_scaled.astype(dtype, copy=False)

    def inverse_targets(self, raw, target_offsets):
        """Network outputs (n, O) or (n, T, O) back in the units of the targets."""
        return raw * self.y_scale_ + self.y_mean_ + self._broadcast(target_offsets, raw)
