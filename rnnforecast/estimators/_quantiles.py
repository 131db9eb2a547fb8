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

Levels learned by the pinball loss cover less than their nominal share on new data when
the network fits its training windows closely. ``predict_quantiles(X, calibrated=True)``
shifts each level by a rank of its residuals on held-out windows
(:func:`conformal_shifts`, kept as ``quantile_residuals_`` beside the conformal
residuals) and sorts the shifted levels again.

References
----------
Chernozhukov, V., Fernández-Val, I. & Galichon, A. (2010). Quantile and probability
curves without crossing. Econometrica, 78(3), 1093-1125.
Romano, Y., Patterson, E. & Candès, E. (2019). Conformalized quantile regression.
Advances in Neural Information Processing Systems 32.
"""

import math
import numbers

import numpy as np

__all__ = ["check_quantiles", "conformal_shifts", "levels_in_units", "split_levels"]


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


def _rank(n, level):
    """1-based rank of the one-sided conformal bound of ``level`` among ``n`` sorted
    residuals: ``ceil((n + 1) level)`` for an upper level (>= 0.5), ``floor((n + 1)
    level)`` for a lower one (float noise rounded away)."""
    position = round((n + 1) * level, 10)
    return math.ceil(position) if level >= 0.5 else math.floor(position)


def conformal_shifts(residuals, levels):
    """Shift of every level that calibrates it on held-out residuals (one-sided split
    conformal, the asymmetric form of conformalized quantile regression, Romano, Patterson
    & Candès, 2019).

    With ``n`` residuals ``r_i = y_i - q_tau(x_i)`` of the level ``tau`` (one target and
    lead time), sorted, the shifted level ``q_tau(x) + r_(k)`` has
    ``P(y <= q_tau(x) + r_(k)) >= k / (n + 1) >= tau`` for ``k = ceil((n + 1) tau)`` (upper
    levels), and ``P(y < q_tau(x) + r_(k)) <= k / (n + 1) <= tau`` for
    ``k = floor((n + 1) tau)`` (lower levels), when the held-out windows and the new one
    are exchangeable; an interval between a lower and an upper level then holds ``y``
    with probability at least their difference.

    Parameters
    ----------
    residuals : ndarray of shape (n_calibration, n_outputs, K)
    levels : ndarray of shape (K,)

    Returns
    -------
    shifts : ndarray of shape (n_outputs, K)
    """
    n = len(residuals)
    ranks = [_rank(n, level) for level in levels]
    refused = [f"{level:g}" for level, k in zip(levels, ranks) if not 1 <= k <= n]
    if refused:
        raise ValueError(
            f"The calibrated levels need more calibration residuals: {n} give no finite "
            f"conformal bound for level(s) {', '.join(refused)} (level tau needs "
            "ceil((n + 1) tau) <= n above the median and floor((n + 1) tau) >= 1 below "
            "it). Fit on more windows (or a larger validation_fraction), or use levels "
            "closer to 0.5.")
    ordered = np.sort(residuals, axis=0)                             # (n, O, K)
    return np.stack([ordered[k - 1, :, j] for j, k in enumerate(ranks)], axis=-1)
