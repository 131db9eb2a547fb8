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
from sklearn.utils.validation import check_is_fitted

__all__ = ["QuantileLevels", "check_quantiles", "conformal_shifts", "levels_in_units",
           "split_levels"]


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


class QuantileLevels:
    """The forecaster's quantile levels (``loss="quantile"``): their checks at fit and
    load time, the head's layout with the linear skip, the sorted levels in the original
    units and ``predict_quantiles``. Mixed into ``RNNForecaster``, which provides
    ``quantiles``, ``loss``, ``quantiles_``, ``_scaler``, ``_check_X`` and
    ``_predict_both``."""

    def predict_quantiles(self, X, calibrated=False):
        """Predict every quantile level of ``quantiles_`` (``loss="quantile"``).

        X : array-like of shape (n_samples, n_timesteps, n_features) or
            (n_samples, n_timesteps)
        calibrated : bool, default=False
            Shift each level (per target) by a rank of its residuals on the held-out
            windows (``quantile_residuals_``; one-sided split conformal, see
            :func:`rnnforecast.estimators._quantiles.conformal_shifts`), so that on new
            windows exchangeable with them a level ``tau`` above the median is exceeded
            with probability at most ``1 - tau``, one below it at most ``tau``; the
            shifted levels are sorted again. The network's own levels cover less than
            their share when it fits its training windows closely
            (``benchmarks/README.md``). Needs the held-out residuals (many-to-one, early
            stopping or ``calibration``) and enough of them for the outer levels.

        Returns ndarray of shape (n_samples, n_outputs, n_quantiles), or with
        ``return_sequences`` (n_samples, n_timesteps, n_outputs, n_quantiles), the output
        axis kept even for a 1-D ``y``. The levels never cross: they are sorted along the
        last axis (see ``rnnforecast.estimators._quantiles``), and the median level equals
        ``predict``.
        """
        check_is_fitted(self, "_network")
        if getattr(self, "quantiles_", None) is None:
            raise ValueError(
                f"predict_quantiles needs a forecaster fitted with loss='quantile'; this "
                f"one was fitted with loss={self.loss!r} and predicts one value per "
                "target. Refit with loss='quantile', quantiles=(0.1, 0.5, 0.9), or use "
                "forecast(..., interval=0.8) for conformal intervals.")
        if calibrated and not hasattr(self, "quantile_residuals_"):
            raise ValueError(
                "predict_quantiles(calibrated=True) needs the quantile levels' residuals "
                "on held-out windows (quantile_residuals_), which this forecaster does not "
                f"have (calibration_={getattr(self, 'calibration_', 'none')!r}). Fit a "
                "many-to-one forecaster with early stopping or calibration='auto' on "
                "enough windows, or use calibrated=False.")
        shifts = conformal_shifts(self.quantile_residuals_, self.quantiles_) if \
            calibrated else None                                      # checked first
        levels = self._predict_both(self._check_X(X, reset=False))[1]
        return levels if shifts is None else np.sort(levels + shifts, axis=-1)

    def _check_levels(self, first):
        """The checked ``quantiles`` with ``loss="quantile"`` (else None); a continued
        fit must keep the levels its network was trained for."""
        levels = check_quantiles(self.quantiles) if self.loss == "quantile" else None
        if first:
            return levels
        fitted = getattr(self, "quantiles_", None)
        if (levels is None) != (fitted is None) or (
                levels is not None and not np.array_equal(levels, fitted)):
            raise ValueError(
                "RNNForecaster cannot continue training (partial_fit or warm_start) with "
                "other quantile levels: the network has one output per target and level. "
                f"Fitted with {'no levels' if fitted is None else tuple(fitted.tolist())}, "
                f"got loss={self.loss!r}, quantiles={self.quantiles!r}. Set them back, or "
                "call fit with warm_start=False to start a new network.")
        return levels

    def _n_levels(self):
        """Network outputs per target: the number of fitted quantile levels, or 1."""
        levels = getattr(self, "quantiles_", None)
        return 1 if levels is None else len(levels)

    def _add_skip(self, raw, skip_part):
        """The network's raw outputs (..., O * K) with the skip's part (..., O) or None
        added to every level; quantile levels are laid out as (..., O, K)."""
        if getattr(self, "quantiles_", None) is not None:
            raw = split_levels(raw, len(self.quantiles_))
            skip_part = None if skip_part is None else skip_part[..., np.newaxis]
        return raw if skip_part is None else raw + skip_part

    def _in_units(self, scaled, offsets):
        """Scaled predictions in the original units: the point predictions (the median
        of sorted quantile levels), and the sorted levels or None."""
        levels = getattr(self, "quantiles_", None)
        if levels is None:
            return self._scaler.inverse_targets(scaled, offsets), None
        in_units = levels_in_units(scaled, offsets, self._scaler)
        return in_units[..., int(np.flatnonzero(levels == 0.5)[0])], in_units

    def _loaded_levels(self, keep_scaling):
        """Quantile levels of loaded weights: the fitted ones when the estimator keeps
        its scaling, else those of the parameters (``loss="quantile"``); (1,) for none."""
        if keep_scaling:
            levels = getattr(self, "quantiles_", None)
        else:
            levels = check_quantiles(self.quantiles) if self.loss == "quantile" else None
        return np.ones(1) if levels is None else levels
