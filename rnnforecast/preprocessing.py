"""Scalers for sequence input of shape (n_samples, n_timesteps, n_features).

sklearn's scalers see a 3-D batch of windows as an error, and a 2-D one as one
feature per time step. :class:`SequenceScaler` instead pools samples *and* time
steps, so every feature gets one statistic that applies at every step — the scaling
an RNN needs, whatever the window length it is later asked to read.
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import check_finite, check_option

__all__ = ["SequenceScaler"]


def _standard_statistics(values):
    """Mean and standard deviation of each column.

    Parameters
    ----------
    values : ndarray of shape (n_values, n_features)

    Returns
    -------
    offset, scale : ndarray of shape (n_features,)
    """
    return values.mean(axis=0), values.std(axis=0)


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


def _nonzero_scale(scale, offset):
    """Replace the scale of constant features by 1 so they map to 0, not to NaN.

    A scale at rounding level relative to the offset counts as zero: the standard
    deviation of a constant float column is rarely exactly 0.
    """
    eps = np.finfo(np.float64).eps
    constant = (scale == 0) | (scale <= 10 * eps * np.abs(offset))
    return np.where(constant, 1.0, scale)


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
        self.scale_ = _nonzero_scale(scale, offset)
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
