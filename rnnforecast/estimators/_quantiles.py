"""The forecaster's quantile levels: their check, the network's output layout, and
non-crossing predictions.

With ``loss="quantile"`` the network's head has ``n_outputs * K`` outputs for ``K``
levels, target-major (``nn.losses.pinball``): the scaled outputs of one window are read
as an (n_outputs, K) block. The linear skip is a mean estimate (ridge regression), so
it is added to every level as a shared offset, and the network learns the quantiles
of what the skip leaves::

    scaled[i, j, k] = network(Xs_i)[j * K + k] + skip(Xs_i)[j]

Back in the original units (``WindowScaler.inverse_targets`` for each level), the
levels of every window, output and step are sorted in increasing order. Separately
trained quantile outputs can cross; sorting them (the rearrangement of Chernozhukov,
Fernández-Val & Galichon, 2010) never increases the pinball loss of the set of levels
against any target, and it leaves levels that do not cross unchanged.

References
----------
Chernozhukov, V., Fernández-Val, I. & Galichon, A. (2010). Quantile and probability
curves without crossing. Econometrica, 78(3), 1093-1125.
"""

import numbers

import numpy as np

__all__ = ["check_quantiles", "levels_in_units", "split_levels"]


def _refused(quantiles, rule):
    return ValueError(
        f"The 'quantiles' parameter of RNNForecaster must be a list of distinct levels "
        f"in (0, 1), in increasing order and including 0.5 (the median, which predict "
        f"returns); {rule}. Got {quantiles!r} instead. Use e.g. quantiles=(0.1, 0.5, 0.9).")


def check_quantiles(quantiles):
    """The checked levels of ``loss="quantile"``.

    Parameters
    ----------
    quantiles : array-like of shape (K,) of float

    Returns
    -------
    levels : ndarray of shape (K,) of float64
        Strictly increasing, in (0, 1), 0.5 among them. The input is not modified.
    """
    if isinstance(quantiles, (str, bytes)) or np.ndim(quantiles) != 1:
        raise _refused(quantiles, "a flat list is needed, one level per item")
    items = list(quantiles)
    for level in items:
        is_real = isinstance(level, numbers.Real) and not isinstance(level, (bool, np.bool_))
        if not is_real or not 0 < level < 1:
            raise _refused(quantiles, f"{level!r} is not a number strictly between 0 and 1")
    levels = np.array(items, dtype=np.float64)
    if np.any(np.diff(levels) <= 0):
        rule = ("a level is repeated" if len(np.unique(levels)) < len(levels) else
                f"they are not in increasing order (sorted: {tuple(np.sort(levels).tolist())})")
        raise _refused(quantiles, rule)
    if not np.any(levels == 0.5):
        raise _refused(quantiles, "0.5 is missing")
    return levels


def split_levels(raw, n_levels):
    """The network's outputs (..., n_outputs * K) as (..., n_outputs, K)."""
    return raw.reshape(raw.shape[:-1] + (-1, n_levels))


def levels_in_units(scaled, offsets, scaler):
    """Scaled levels (..., n_outputs, K) in the original units, sorted along the levels.

    Parameters
    ----------
    scaled : ndarray of shape (n, n_outputs, K) or (n, n_timesteps, n_outputs, K)
    offsets : the target offsets of ``WindowScaler.transform``
    scaler : fitted ``WindowScaler``

    Returns
    -------
    levels : ndarray of the shape of ``scaled``, non-decreasing along the last axis
    """
    per_level = [scaler.inverse_targets(scaled[..., k], offsets)
                 for k in range(scaled.shape[-1])]
    return np.sort(np.stack(per_level, axis=-1), axis=-1)
