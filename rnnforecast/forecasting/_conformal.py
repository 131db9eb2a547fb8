"""Split-conformal prediction intervals for multi-step forecasts.

Given ``n`` calibration residuals ``r_i = y_i - ŷ_i`` of a forecaster on windows it
was **not** trained on, the interval for a new forecast ``ŷ`` with coverage
``1 - α`` is ``[ŷ - q, ŷ + q]`` with ``q`` the ``k``-th smallest ``|r_i|``::

    k = ceil((n + 1) · (1 - α))

i.e. the empirical quantile of ``|r|`` at level ``ceil((n + 1)(1 - α)) / n``. If the
calibration and test points are exchangeable, ``P(y ∈ [ŷ - q, ŷ + q]) >= 1 - α``
(Vovk et al. 2005; Lei et al. 2018). Each forecast step ``h`` gets its own ``q_h``
from the residuals of step ``h``, so intervals widen as errors grow with the lead
time. Residuals of overlapping windows of one series are only approximately
exchangeable, so the coverage is approximate too.

If ``k > n`` (fewer than ``(1 - α) / α`` residuals), no finite quantile has the
guarantee: :func:`conformal_quantiles` returns ``q = inf`` with a warning, and
``forecast``, ``backtest`` and ``forecast_many`` refuse the coverage with an error.

**Several levels at once.** ``interval=[0.8, 0.95]`` asks for one interval per level
from the same residuals, sorted once: the half-width of a level is the ``k``-th
smallest score with ``k`` growing with the level, so a higher level is never
narrower, at every step and for every window (the intervals are nested). The bounds
of level ``c`` are named after its percentage, ``lower_80`` / ``upper_80``
(:func:`interval_columns`); a single number keeps the columns ``lower`` / ``upper``.

**Beyond the trained horizon.** Residuals of a direct ``H``-step model say nothing
about step ``H + 1``, which the recursive procedure produces from its own
predictions. :func:`recursive_residuals` (``_recursive_residuals.py``) measures them
instead: it runs the very
procedure of :func:`~rnnforecast.forecasting.recursive_forecast` on every
calibration window and returns the empirical residuals of every step. Intervals are
thus calibrated on the errors of the procedure that made the forecast; no step is
extrapolated by a formula.

**Locally scaled intervals.** A series whose level or volatility drifts (a growing
seasonal amplitude, a calmer or busier market) makes the residuals of the last windows
poor stand-ins for the next one. When a forecaster also keeps the local scale ``s_i`` of
each calibration window (``conformal_scales_``: the mean absolute one-step change of the
target inside the window, :func:`local_scale`), the scores are ``|r_i| / s_i`` and the
half-width of a new forecast is ``q · s`` with ``s`` the scale of its own window —
normalised nonconformity scores (Papadopoulos, Vovk & Gammerman 2008; Lei et al. 2018,
"locally weighted" conformal). The guarantee is the same, under exchangeability of the
scaled scores. On rolling-origin backtests of the shipped series it moved the empirical
90 % coverage from 0.79 / 0.88 / 0.94 (airline / Seattle / IBM) to 0.88 / 0.93 / 0.92
(benchmarks/README.md).

References
----------
Papadopoulos, H., Vovk, V. & Gammerman, A. (2008). Normalized nonconformity measures for
regression conformal prediction. Proc. IASTED AIA, 64-69.
Vovk, V., Gammerman, A. & Shafer, G. (2005). Algorithmic Learning in a Random World.
Springer.
Lei, J., G'Sell, M., Rinaldo, A., Tibshirani, R. J. & Wasserman, L. (2018).
Distribution-free predictive inference for regression. Journal of the American
Statistical Association, 113(523), 1094-1111.
"""

import math
import numbers
import warnings

import numpy as np

from .._validation import check_finite

__all__ = ["check_calibration", "check_coverage", "check_levels", "conformal_quantiles",
           "highest_coverage", "interval_columns", "interval_widths", "level_label",
           "level_widths", "local_scale"]



def check_coverage(coverage, name, owner):
    """Check that ``coverage`` is a real number strictly between 0 and 1."""
    is_real = isinstance(coverage, numbers.Real) and not isinstance(coverage, (bool, np.bool_))
    if not is_real or not 0 < coverage < 1:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a float in the range (0, 1), the "
            f"coverage of the prediction interval. Got {coverage!r} instead. Use e.g. "
            f"{name}=0.9 for a 90 % interval."
        )
    return float(coverage)


def level_label(level):
    """The percentage that names the bounds of ``level``: 0.8 -> "80", 0.975 -> "97.5".

    Float noise is rounded away (``100 * 0.07`` is 7.000000000000001, its label "7"),
    unless rounding would give 0 or 100.
    """
    percent = round(100 * level, 10)
    if not 0 < percent < 100:
        percent = 100 * level
    return np.format_float_positional(percent, trim="-")


def _levels_refused(interval, name, owner, rule):
    """The error for a list of levels that breaks ``rule``."""
    return ValueError(
        f"The '{name}' parameter of {owner} must be a coverage in (0, 1) or a list of "
        f"distinct coverages in (0, 1), one prediction interval each; {rule}. Got "
        f"{interval!r} instead. Use e.g. {name}=[0.8, 0.95] for 80 % and 95 % intervals."
    )


def _check_level_list(interval, name, owner):
    """Several levels, checked and sorted in increasing order."""
    if not isinstance(interval, (list, tuple)) and np.ndim(interval) != 1:
        raise _levels_refused(interval, name, owner, "a list must be flat, one level per "
                              "item")
    if len(interval) == 0:
        raise _levels_refused(interval, name, owner, "a list must hold at least one level")
    levels = list(interval)
    for level in levels:
        is_real = isinstance(level, numbers.Real) and not isinstance(level, (bool, np.bool_))
        if not is_real or not 0 < level < 1:
            raise _levels_refused(interval, name, owner,
                                  f"{level!r} is not a number strictly between 0 and 1")
    labels = [level_label(float(level)) for level in levels]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise _levels_refused(interval, name, owner, "level(s) " + ", ".join(
            f"{label} %" for label in repeated) + " repeated; give each level once")
    return tuple(sorted(float(level) for level in levels))


def _is_sequence(interval):
    """Whether ``interval`` holds several levels: a list, tuple or array (pandas too)."""
    if isinstance(interval, (list, tuple)):
        return True
    return hasattr(interval, "__array__") and np.ndim(interval) >= 1


def check_levels(interval, name, owner):
    """Checked interval level(s): a float for one number, a sorted tuple for a list.

    Parameters
    ----------
    interval : float or list, tuple or array-like of shape (n_levels,) of float
        Coverage(s) in (0, 1).
    name, owner : str
        Argument and function named in error messages.

    Returns
    -------
    levels : float or tuple of float
        One coverage (the bounds are then ``lower``/``upper``), or the distinct
        coverages in increasing order (bounds named by :func:`interval_columns`).
    """
    if _is_sequence(interval):
        return _check_level_list(interval, name, owner)
    return check_coverage(interval, name, owner)


def highest_coverage(interval, name, owner):
    """The highest checked level of ``interval`` (a number or a list), or None for None.

    It decides whether the calibration residuals are enough for every level.
    """
    if interval is None:
        return None
    levels = check_levels(interval, name, owner)
    return levels[-1] if isinstance(levels, tuple) else levels


def interval_columns(levels):
    """Names of the bound columns, lower then upper of each level in increasing order.

    ``0.9`` gives ``["lower", "upper"]``; ``(0.8, 0.95)`` gives
    ``["lower_80", "upper_80", "lower_95", "upper_95"]``.
    """
    if not isinstance(levels, tuple):
        return ["lower", "upper"]
    return [f"{side}_{level_label(level)}" for level in levels for side in ("lower", "upper")]


def _check_residuals(residuals, name, owner):
    """Residuals as a finite float array of shape (n_calibration, horizon)."""
    values = np.asarray(residuals, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, np.newaxis]  # (n_calibration, 1)
    if values.ndim != 2 or values.size == 0:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a non-empty array of shape "
            f"(n_calibration, horizon): one row of y - y_pred per calibration window. Got "
            f"shape {values.shape} instead."
        )
    return check_finite(values, name, owner)


def _ceil(value):
    """``ceil`` that ignores float noise: (9 + 1) * 0.7 is 7.000000000000001, its rank 7."""
    return math.ceil(round(value, 10))


def _rank(n_calibration, coverage):
    """``k = ceil((n + 1) · coverage)``, the 1-based rank of the conformal quantile."""
    return _ceil((n_calibration + 1) * coverage)


def _needed(coverage):
    """Fewest residuals with a finite quantile (``k <= n`` iff ``n >= c / (1 - c)``)."""
    return _ceil(coverage / (1 - coverage))


def _quantiles(scores, coverage):
    """The ``k``-th smallest score of each column, ``k = ceil((n + 1) · coverage)``.

    Parameters
    ----------
    scores : ndarray of shape (n_calibration, steps)
        Checked, non-negative nonconformity scores.
    coverage : float in (0, 1)

    Returns
    -------
    quantiles : ndarray of shape (steps,)
        ``inf`` when ``k > n_calibration``.
    """
    return _quantiles_at(np.sort(scores, axis=0), (coverage,))[0]


def _quantiles_at(ordered, levels):
    """The conformal quantile of each level from scores sorted once.

    Parameters
    ----------
    ordered : ndarray of shape (n_calibration, steps)
        Non-negative scores, each column sorted in increasing order.
    levels : tuple of float in (0, 1)

    Returns
    -------
    quantiles : ndarray of shape (n_levels, steps)
        ``inf`` for a level whose rank exceeds ``n_calibration``. The rank grows with
        the level, so each column is non-decreasing down the levels when they are
        sorted: nested intervals.
    """
    n_calibration, steps = ordered.shape
    quantiles = np.full((len(levels), steps), np.inf)
    for i, level in enumerate(levels):
        rank = _rank(n_calibration, level)
        if rank <= n_calibration:
            quantiles[i] = ordered[rank - 1]
    return quantiles


def conformal_quantiles(residuals, coverage):
    """Half-widths of split-conformal intervals, one per forecast step.

    ``q_h`` is the ``k``-th smallest ``|residuals[:, h]|`` with
    ``k = ceil((n + 1) · coverage)`` (see the module docstring), i.e.
    ``np.quantile(|R|, k / n, axis=0, method="inverted_cdf")``.

    Parameters
    ----------
    residuals : array-like of shape (n_calibration, horizon) or (n_calibration,)
        ``y - y_pred`` on calibration windows the forecaster was not trained on.
    coverage : float in (0, 1)
        Target probability that the interval holds the actual value, e.g. 0.9.

    Returns
    -------
    quantiles : ndarray of shape (horizon,)
        Non-negative half-widths; ``inf`` (with a warning) when
        ``n_calibration < coverage / (1 - coverage)``. The forecasting functions
        (``forecast``, ``backtest``, ``forecast_many``) refuse such a coverage instead.

    Examples
    --------
    >>> conformal_quantiles([[1.0], [-2.0], [3.0], [-4.0], [5.0]], coverage=0.6)
    array([4.])
    """
    owner = "conformal_quantiles"
    coverage = check_coverage(coverage, "coverage", owner)
    values = _check_residuals(residuals, "residuals", owner)
    n_calibration = len(values)
    if _rank(n_calibration, coverage) > n_calibration:
        warnings.warn(
            f"{n_calibration} calibration residuals are too few for coverage {coverage}: "
            f"at least {_needed(coverage)} are needed for a finite interval. Returning "
            "infinite half-widths.",
            UserWarning,
            stacklevel=2,
        )
    return _quantiles(np.abs(values), coverage)


def local_scale(windows, target_feature=0):
    """Local scale of each window: mean absolute one-step change of its target.

    Parameters
    ----------
    windows : ndarray of shape (n_windows, n_timesteps, n_features)
    target_feature : int, default=0
        Position of the target feature.

    Returns
    -------
    scales : ndarray of shape (n_windows,)
        Non-negative; 0 for a constant window (see :func:`interval_widths`).
    """
    values = np.asarray(windows, dtype=np.float64)[:, :, target_feature]  # (n_windows, T)
    if values.shape[1] < 2:
        return np.ones(len(values))
    return np.mean(np.abs(np.diff(values, axis=1)), axis=1)


def _positive(scales, reference):
    """Replace zero scales (constant windows) by the mean positive reference scale."""
    positive = reference[reference > 0]
    fill = positive.mean() if positive.size else 1.0
    return np.where(scales > 0, scales, fill)


#: How to get more calibration residuals, for a window forecaster.
MORE_RESIDUALS = ("calibrate on more windows: a longer series, a larger validation_fraction "
                  "(RNNForecaster with early_stopping=True), or more residuals from "
                  "recursive_residuals")


def check_enough(n_calibration, coverage, owner, *, got=None, advice=MORE_RESIDUALS):
    """Refuse a coverage whose conformal quantile would be infinite.

    ``got`` says where the ``n_calibration`` residuals came from (default "Got n
    calibration residuals instead"), ``advice`` how to get more."""
    if _rank(n_calibration, coverage) <= n_calibration:
        return
    highest = math.floor(1000 * n_calibration / (n_calibration + 1)) / 1000
    got = got or f"Got {n_calibration} calibration residuals instead"
    raise ValueError(
        f"The 'interval' parameter of {owner} asks for coverage {coverage:g}, which needs "
        f"at least ceil(interval / (1 - interval)) = {_needed(coverage)} calibration "
        f"residuals for a finite interval. {got}. Use a lower interval (at most "
        f"{highest:g} with {n_calibration} residuals), or {advice}."
    )


def check_calibration(residuals, scales, steps, coverage, owner):
    """Checked calibration of the first ``steps`` lead times, for :func:`interval_widths`.

    Parameters
    ----------
    residuals : array-like of shape (n_calibration, horizon) or (n_calibration,)
        ``y - y_pred`` of calibration windows; ``horizon`` must be at least ``steps``.
    scales : array-like of shape (n_calibration,) or None
        Local scales of the calibration windows; None for plain split conformal.
    steps : int
        Lead times needed.
    coverage : float in (0, 1) or tuple of float
        Checked coverage, or levels sorted in increasing order (:func:`check_levels`);
        ``n_calibration`` must reach ``c / (1 - c)`` for the highest level ``c``, so
        that no half-width is infinite.
    owner : str
        Function named in error messages.

    Returns
    -------
    residuals : ndarray of shape (n_calibration, steps)
    scales : ndarray of shape (n_calibration,) or None
        Positive: zero scales (constant windows) replaced by the mean positive one.
    """
    values = _check_residuals(residuals, "residuals", owner)
    if values.shape[1] < steps:
        raise ValueError(
            f"The 'residuals' parameter of {owner} must have one column per forecast "
            f"step, at least steps = {steps}. Got {values.shape[1]} column(s): residuals "
            "of a model trained for a shorter horizon say nothing about the steps after "
            "it. Calibrate the recursive procedure on held-out data instead: "
            f"residuals = recursive_residuals(estimator, calibration_data, steps={steps})."
        )
    check_enough(len(values), max(_as_levels(coverage)), owner)
    if scales is None:
        return values[:, :steps], None
    scales = np.asarray(scales, dtype=np.float64)
    if scales.shape != (len(values),):
        raise ValueError(
            f"The conformal scales given to {owner} must hold one value per calibration "
            f"residual row, shape ({len(values)},). Got shape {scales.shape} instead.")
    return values[:, :steps], _positive(scales, scales)


def _as_levels(coverage):
    """Checked level(s) as a tuple: ``(coverage,)`` for one float."""
    return coverage if isinstance(coverage, tuple) else (coverage,)


def interval_widths(residuals, scales, windows, coverage, target_feature=0):
    """Half-widths for forecasts from ``windows``, locally scaled when ``scales`` is given.

    Plain split conformal gives every window the same ``q_h``; with scales the
    scores are ``|r_i| / s_i`` and each window's half-widths are ``q_h · s`` with
    ``s`` its own :func:`local_scale` (see the module docstring).

    Parameters
    ----------
    residuals : ndarray of shape (n_calibration, steps)
    scales : ndarray of shape (n_calibration,) or None
        Both as returned by :func:`check_calibration`, which makes every half-width
        finite.
    windows : ndarray of shape (n_windows, n_timesteps, n_features)
        The windows the forecasts are made from.
    coverage : float in (0, 1)
    target_feature : int, default=0

    Returns
    -------
    widths : ndarray of shape (n_windows, steps)
    """
    return level_widths(residuals, scales, windows, (coverage,), target_feature)[0]


def level_widths(residuals, scales, windows, levels, target_feature=0):
    """Half-widths of several levels at once, from scores sorted once.

    Parameters
    ----------
    residuals : ndarray of shape (n_calibration, steps)
    scales : ndarray of shape (n_calibration,) or None
        Both as returned by :func:`check_calibration` for the highest level.
    windows : ndarray of shape (n_windows, n_timesteps, n_features)
    levels : float or tuple of float
        Checked levels in increasing order (:func:`check_levels`).
    target_feature : int, default=0

    Returns
    -------
    widths : ndarray of shape (n_levels, n_windows, steps)
        Non-decreasing along the levels: a higher level is never narrower.
    """
    levels = _as_levels(levels)
    n_windows, steps = len(windows), residuals.shape[1]
    if scales is None:
        q = _quantiles_at(np.sort(np.abs(residuals), axis=0), levels)  # (L, steps)
        return np.broadcast_to(q[:, np.newaxis, :], (len(levels), n_windows, steps))
    scores = np.abs(residuals) / scales[:, np.newaxis]  # (n_calibration, steps)
    q = _quantiles_at(np.sort(scores, axis=0), levels)  # (L, steps)
    current = _positive(local_scale(windows, target_feature), scales)  # (n_windows,)
    return q[:, np.newaxis, :] * current[np.newaxis, :, np.newaxis]  # (L, N, steps)
