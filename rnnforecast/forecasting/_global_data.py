"""The data side of the global model: series values, their scaling, static covariates
and the pooled, time-ordered windows of a collection.

:class:`~rnnforecast.forecasting.GlobalForecaster` (``_global.py``) fits one window
forecaster on the windows of every series. Here each series becomes one column of
numbers on its own scale, each window gets the series' static covariates as constant
extra features, and the windows of all series are laid out so that an estimator which
holds out its *last* windows (early stopping, conformal residuals) holds out the most
recent windows of every series, after a purge gap inside every series.
"""

import numpy as np
import pandas as pd

from .._validation import as_2d_array, check_finite
from ._collection import shown

__all__ = ["SCALINGS", "check_scaling", "check_static", "pooled_layout", "series_values",
           "static_matrix", "window_features"]


# ---------------------------------------------------------------------------
# Values of every series
# ---------------------------------------------------------------------------


def _extra_columns_error(name, columns, long, owner):
    """The error for a series with more than one column (exogenous columns)."""
    fix = ("drop the other columns of the long DataFrame, e.g. "
           "series[[id_column, time_column, value_column]] (of a panel indexed by (id, "
           "time): series[[value_column]])" if long else
           "pass target=<column> to forecast that column alone (the others are not read)")
    return ValueError(
        f"The 'series' parameter of {owner} must hold one value column per series, "
        f"besides the columns named in known=[...]: the global model reads no other "
        f"exogenous columns. Series {name!r} has the columns {shown(columns)}. Name the "
        f"ones known in advance in known=, use fit_many for other exogenous columns, or "
        f"{fix}."
    )


def _one_column(name, data, label, long, owner):
    """The target column of one series (already moved first) and its time index."""
    n_columns = 1 if np.ndim(data) == 1 else np.shape(data)[1]
    if n_columns > 1:
        if long or label is None:
            columns = list(data.columns) if isinstance(data, pd.DataFrame) else list(
                range(n_columns))
            raise _extra_columns_error(name, columns, long, owner)
        data = data.iloc[:, 0] if isinstance(data, pd.DataFrame) else np.asarray(data)[:, 0]
    values, index, _ = as_2d_array(data, "series", owner, ensure_finite=False)
    index = pd.RangeIndex(len(values)) if index is None else index
    _check_steps_order(name, index, owner)
    return values[:, 0], index


def _check_steps_order(name, index, owner):
    """Refuse repeated or unsorted integer time steps (time indexes are checked by
    ``as_2d_array``): two rows for one step would be read as two steps."""
    if index.dtype.kind not in "iuf" or (index.is_unique and index.is_monotonic_increasing):
        return
    problem = "repeated" if not index.is_unique else "unsorted"
    raise ValueError(
        f"The 'series' parameter of {owner} must give each series one row per time step, "
        f"in increasing order. Series {name!r} has {problem} time steps in its index "
        f"(first {shown(index)}). Sort the rows and aggregate or drop the repeated "
        "steps first."
    )


def series_values(collection, long, owner):
    """Every series as a float64 vector and its time index.

    Parameters
    ----------
    collection : dict of name -> (data, column, label)
        As returned by ``_collection.target_first`` (target column first).
    long : bool
        Whether the series came as a long DataFrame (changes the advice of errors).
    owner : str

    Returns
    -------
    values : dict of name -> ndarray of shape (n_time,)
        Unchecked for NaN: the caller checks the rows it reads.
    indexes : dict of name -> pandas.Index of length n_time
        The series' time index (a RangeIndex for arrays), sorted and unique.
    """
    values, indexes = {}, {}
    for name, (data, _, label) in collection.items():
        values[name], indexes[name] = _one_column(name, data, label, long, owner)
    return values, indexes


def check_all_finite(name, values, index, owner):
    """Refuse NaN or inf in a series whose every value is read (fit, scaling)."""
    check_finite(values[:, np.newaxis], f"series[{name!r}]", owner, index=index,
                 columns=["value"])


# ---------------------------------------------------------------------------
# Per-series scaling
# ---------------------------------------------------------------------------


def _standard(values):
    return values.mean(), values.std()


def _mean_abs(values):
    return 0.0, np.abs(values).mean()


def _unscaled(values):
    return 0.0, 1.0


#: scaling option -> function of a series' training values giving (location, scale).
SCALINGS = {"standard": _standard, "mean_abs": _mean_abs, None: _unscaled}


def check_scaling(scaling, owner):
    """``scaling`` checked against the keys of :data:`SCALINGS`."""
    if isinstance(scaling, str) and scaling in SCALINGS:
        return scaling
    if scaling is None:
        return None
    raise ValueError(
        f"The 'scaling' parameter of {owner} must be 'standard', 'mean_abs' or None. Got "
        f"{scaling!r} instead."
    )


def series_statistics(values, scaling):
    """Location and scale of one series from its values; scale 1 for a flat series.

    A scale at rounding level relative to the location counts as zero (the same rule as
    :func:`rnnforecast.preprocessing.nonzero_scale`), so a constant series maps to 0
    instead of to NaN or to rounding noise.

    Parameters
    ----------
    values : ndarray of shape (n_time,), finite
    scaling : key of :data:`SCALINGS`

    Returns
    -------
    location, scale : float
    """
    location, scale = (float(v) for v in SCALINGS[scaling](values))
    eps = np.finfo(np.float64).eps
    if scale == 0 or scale <= 10 * eps * abs(location):
        scale = 1.0
    return location, scale


# ---------------------------------------------------------------------------
# Static covariates
# ---------------------------------------------------------------------------


def _static_refused(static, owner, rule):
    return ValueError(
        f"The 'static' parameter of {owner} must be None, 'id' (a one-hot column per "
        "series id), a DataFrame of numeric series attributes indexed by series id, or "
        f"a list of both, e.g. ['id', attributes]; {rule}. Got {static!r} instead."
    )


def _check_attributes(frame, owner):
    """A DataFrame of attributes: unique ids, numeric finite columns."""
    if frame.shape[1] == 0:
        raise ValueError(
            f"The 'static' parameter of {owner} must have at least one attribute column. "
            "Got a DataFrame without columns. Pass static=None for no attributes.")
    duplicated = frame.index[frame.index.duplicated()].unique()
    if len(duplicated):
        raise ValueError(
            f"The 'static' parameter of {owner} must have one row per series id (its "
            f"index). Got duplicated ids {shown(duplicated)}. Keep one row per id, e.g. "
            "static[~static.index.duplicated()].")
    bad = [c for c in frame.columns if frame[c].dtype.kind not in "fiub"]
    if bad:
        raise ValueError(
            f"The 'static' parameter of {owner} must have numeric columns (or bool). Got "
            f"non-numeric columns {shown(bad)}. Encode them first, e.g. "
            "pandas.get_dummies(static, columns=[...], dtype=float).")
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    check_finite(values, "static", owner, index=frame.index, columns=list(frame.columns))
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def check_static(static, owner):
    """Whether ids are one-hot encoded, and the attributes (a float copy) or None.

    Returns
    -------
    use_id : bool
    attributes : pandas.DataFrame of shape (n_ids, n_attributes) or None
        Float64 values, indexed by series id; never the caller's frame itself.
    """
    parts = list(static) if isinstance(static, (list, tuple)) else [static]
    if static is None:
        return False, None
    if not parts:
        raise _static_refused(static, owner, "an empty list gives no covariate")
    ids = [part for part in parts if isinstance(part, str)]
    frames = [part for part in parts if isinstance(part, pd.DataFrame)]
    if len(ids) + len(frames) != len(parts) or any(part != "id" for part in ids):
        raise _static_refused(static, owner, "each item must be 'id' or a DataFrame")
    if len(ids) > 1 or len(frames) > 1:
        raise _static_refused(static, owner, "give 'id' and the attributes once each")
    return bool(ids), (_check_attributes(frames[0], owner) if frames else None)


def _missing_attributes(names, attributes, owner):
    missing = [name for name in names if name not in attributes.index]
    if missing:
        raise ValueError(
            f"The 'static' parameter of {owner} must have a row for every series. Got no "
            f"row for the series id(s) {shown(missing)}; its ids are "
            f"{shown(attributes.index)}. Add their attributes (the ids must match, "
            "type included: 1 is not '1').")


def static_matrix(names, known_ids, use_id, attributes, owner):
    """The static covariates of the series ``names``, one row each.

    Parameters
    ----------
    names : list of length n_series
        Series ids, in the order of the rows to return.
    known_ids : list
        The ids seen in fit, in the order of the one-hot columns.
    use_id : bool
    attributes : pandas.DataFrame or None
        As returned by :func:`check_static`.
    owner : str

    Returns
    -------
    static : ndarray of shape (n_series, n_static)
        The one-hot columns (``len(known_ids)`` of them when ``use_id``), then the
        attribute columns.
    """
    blocks = [np.zeros((len(names), 0))]
    if use_id:
        position = {name: i for i, name in enumerate(known_ids)}
        unknown = [name for name in names if name not in position]
        if unknown:
            raise ValueError(
                f"The 'series' parameter of {owner} holds series id(s) {shown(unknown)} "
                "not seen in fit, and the model reads a one-hot column per fitted id "
                f"(static='id'); it knows {shown(known_ids)}. Forecast only fitted ids, "
                "or fit with static=None or with attributes alone to forecast new ids.")
        blocks.append(np.eye(len(known_ids))[[position[name] for name in names]])
    if attributes is not None:
        _missing_attributes(names, attributes, owner)
        blocks.append(attributes.loc[list(names)].to_numpy(dtype=np.float64))
    return np.concatenate(blocks, axis=1)


def static_names(known_ids, use_id, attributes):
    """Names of the static features, in their order: ``id=<name>``, then attributes."""
    names = [f"id={name}" for name in known_ids] if use_id else []
    return names + ([] if attributes is None else list(attributes.columns))


# ---------------------------------------------------------------------------
# Window features
# ---------------------------------------------------------------------------


#: Window offsets the global model removes itself when there are static features
#: (an estimator's own offset would subtract each static feature's constant value).
WINDOW_OFFSETS = {
    "last": lambda Z: Z[:, -1],
    "mean": lambda Z: Z.mean(axis=1),
    None: lambda Z: np.zeros(len(Z)),
}


def window_features(Z, static, offset):
    """Windows of scaled values with their static covariates as extra features.

    Parameters
    ----------
    Z : ndarray of shape (n_windows, n_timesteps)
        Windows of per-series scaled values.
    static : ndarray of shape (n_windows, n_static)
        Static covariates of each window's series.
    offset : key of :data:`WINDOW_OFFSETS`
        Offset removed from the values of each window (not from the static features).

    Returns
    -------
    X : ndarray of shape (n_windows, n_timesteps, 1 + n_static)
        Feature 0 holds ``Z - offset``, the others the static values at every step.
    offsets : ndarray of shape (n_windows,)
        To add back to predictions (and to remove from targets).
    """
    offsets = WINDOW_OFFSETS[offset](Z)  # (N,)
    n_windows, n_timesteps = Z.shape
    X = np.empty((n_windows, n_timesteps, 1 + static.shape[1]))  # (N, T, 1 + S)
    X[:, :, 0] = Z - offsets[:, np.newaxis]
    X[:, :, 1:] = static[:, np.newaxis, :]
    return X, offsets


# ---------------------------------------------------------------------------
# Pooled, time-ordered windows
# ---------------------------------------------------------------------------


def _n_held_out(n_windows, validation_fraction):
    """Windows an estimator holds out of ``n_windows``: ``max(1, round(n * fraction))``
    (RNNForecaster's rule for ``validation_fraction``)."""
    return max(1, int(round(n_windows * validation_fraction)))


def _most_recent(counts, n_val):
    """How many of its last windows each series gives to validation, ``n_val`` in all,
    in proportion to its number of windows (the smallest relative distances first)."""
    distance = np.concatenate([(np.arange(n) + 0.5) / n for n in counts])
    owner = np.repeat(np.arange(len(counts)), counts)
    chosen = owner[np.argsort(distance, kind="stable")[:n_val]]
    return np.bincount(chosen, minlength=len(counts))


def _plan(counts, n_val, gap):
    """Per series: how many of its last windows are held out (``k``) and how many
    windows before them are purged (``p``: ``gap``, or fewer in a short series)."""
    k = _most_recent(counts, n_val)
    p = np.where(k > 0, np.minimum(gap, counts - k), 0)
    return k, p


def _order(counts, k, p, gap, drop):
    """Pooled positions (series, distance from the end) in fitting order.

    Training windows oldest first, then ``gap`` windows the estimator leaves out
    (purged windows, else the oldest training windows), then the validation windows
    oldest first; ``drop`` more of the oldest training windows are left out.
    """
    train, purged, valid = [], [], []
    for s, (n, k_s, p_s) in enumerate(zip(counts, k, p)):
        valid += [(s, d) for d in range(k_s)]
        purged += [(s, d) for d in range(k_s, k_s + p_s)]
        train += [(s, d) for d in range(k_s + p_s, n)]
    by_age = lambda rows: sorted(rows, key=lambda sd: (-sd[1], sd[0]))  # noqa: E731
    train, purged, valid = by_age(train), by_age(purged), by_age(valid)
    filler = purged[:gap]
    if len(filler) < gap:
        train, filler = train[gap - len(filler):], train[:gap - len(filler)] + filler
    return train[drop:] + filler + valid


def pooled_layout(counts, validation_fraction=None, gap=0):
    """The windows of many series in one time-ordered array, and how many are held out.

    Windows are ordered by their distance from the end of their series, oldest first,
    so the most recent windows of every series come last. An estimator that holds out
    its last ``max(1, round(n * validation_fraction))`` windows after a purge gap of
    ``gap`` windows (``RNNForecaster`` with early stopping, ``gap = horizon - 1``) gets
    exactly the last windows of every series (in proportion to its length) as
    validation windows, and inside *every* series the ``gap`` windows before them are
    left out of training (a purge gap per series, not only one in the pooled array)::

        series a   t t t t t t p p v v         t train, p purged (left out),
        series b       t t t t p p v v         v validation (held out)
        pooled     t t t t t t t t t t | p p | v v v v      (gap = 2)

    With ``gap > 0`` the number of validation windows depends on the length of the
    pooled array, which depends on how many are purged; the layout leaves out a few of
    the oldest training windows if needed so that the estimator's own count falls
    exactly on the planned one.

    Parameters
    ----------
    counts : list of int, length n_series
        Windows of each series (each ``>= 1``).
    validation_fraction : float in (0, 1) or None, default=None
        The estimator's held-out fraction; None when it holds none out.
    gap : int, default=0

    Returns
    -------
    order : list of (series, distance) of length n_pooled
        Series position and distance of the window from the end of its series (0 for
        its last window), in the order to fit.
    n_validation : int
        The pooled windows the estimator will hold out (0 when it holds none out).
    """
    counts = np.asarray(counts)
    if validation_fraction is None:
        return _order(counts, np.zeros_like(counts), np.zeros_like(counts), 0, 0), 0
    for n_val in range(_n_held_out(counts.sum(), validation_fraction), 0, -1):
        k, p = _plan(counts, n_val, gap)
        n_full = counts.sum() - p.sum() + min(gap, p.sum())
        n_kept = n_full
        while n_kept >= n_val + gap and _n_held_out(n_kept, validation_fraction) > n_val:
            n_kept -= 1
        if n_kept >= n_val + gap + 1 and _n_held_out(n_kept, validation_fraction) == n_val:
            return _order(counts, k, p, gap, n_full - n_kept), n_val
    return _order(counts, np.zeros_like(counts), np.zeros_like(counts), 0, 0), 0
