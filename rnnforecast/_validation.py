"""Input checks shared by the public entry points.

Every check raises a ``ValueError`` whose message names the argument, states the
rule, shows what was received and, where one exists, suggests a fix::

    The 'window' parameter of make_windows must be an int in the range [1, inf).
    Got 0 instead.

The helpers know nothing about estimators or networks: they take plain values,
NumPy arrays and pandas objects, so any module of the package can use them.
"""

import numbers

import numpy as np
import pandas as pd

from sklearn.utils.validation import validate_data


__all__ = [
    "as_2d_array",
    "check_finite",
    "check_int",
    "check_numeric_columns",
    "check_option",
    "check_time_index",
    "validate_data",
]

# How many offending entries an error message prints before summarising the rest.
MAX_SHOWN = 5

# Index types whose order is the order of time; these must be sorted and unique.
TIME_INDEX_TYPES = (pd.DatetimeIndex, pd.PeriodIndex, pd.TimedeltaIndex)


def _subject(name, owner=None):
    """Start of every message: "The 'name' parameter[ of owner]"."""
    where = f" of {owner}" if owner else ""
    return f"The '{name}' parameter{where}"


def _bulleted(lines, n_total):
    """Indent ``lines`` and add a "... and k more" line when some were cut."""
    text = "".join(f"\n    {line}" for line in lines)
    if n_total > len(lines):
        text += f"\n    ... and {n_total - len(lines)} more"
    return text


def _format_range(min_value, max_value):
    """Interval notation such as "[1, inf)" or "[0, 3]"."""
    low = "-inf" if min_value is None else str(min_value)
    high = "inf)" if max_value is None else f"{max_value}]"
    opening = "(" if min_value is None else "["
    return f"{opening}{low}, {high}"


def check_int(value, name, min_value=None, owner=None, *, max_value=None, allow_none=False):
    """Check that ``value`` is an integer in ``[min_value, max_value]``.

    Parameters
    ----------
    value : object
        The value to check. ``bool`` is rejected even though it is an ``int``.
    name : str
        Name of the parameter, used in the message.
    min_value, max_value : int or None
        Inclusive bounds; ``None`` means unbounded.
    owner : str, optional
        Function or class the parameter belongs to, used in the message.
    allow_none : bool, default=False
        Whether ``None`` is accepted (and returned unchanged).

    Returns
    -------
    value : int or None

    Examples
    --------
    >>> check_int(0, "window", 1, owner="make_windows")
    Traceback (most recent call last):
    ...
    ValueError: The 'window' parameter of make_windows must be an int in the range [1, inf). Got 0 instead.
    """
    if value is None and allow_none:
        return None
    is_int = isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))
    too_low = is_int and min_value is not None and value < min_value
    too_high = is_int and max_value is not None and value > max_value
    if not is_int or too_low or too_high:
        rule = f"an int in the range {_format_range(min_value, max_value)}"
        rule += " or None" if allow_none else ""
        raise ValueError(f"{_subject(name, owner)} must be {rule}. Got {value!r} instead.")
    return int(value)


def check_option(value, name, options, owner=None):
    """Check that ``value`` is one of the strings in ``options``.

    Parameters
    ----------
    value : object
    name : str
    options : iterable of str
        Accepted values, typically the keys of a module-level lookup dict.
    owner : str, optional

    Returns
    -------
    value : str
    """
    options = sorted(options)
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(option) for option in options)
        raise ValueError(
            f"{_subject(name, owner)} must be a str among {{{listed}}}. Got {value!r} instead."
        )
    return value


def _label(position, labels):
    """Readable label of ``position`` along an axis, with its position if labelled."""
    if labels is None:
        return str(position)
    return f"{labels[position]!r} (position {position})"


def _describe_entry(position, values, index, columns):
    """One line naming a non-finite entry, e.g. "row 3, column 'close': nan"."""
    value = values[tuple(position)]
    if values.ndim != 2:
        return f"position {tuple(int(p) for p in position)}: {value}"
    row = position[0] if index is None else index[position[0]]
    column = _label(position[1], columns)
    return f"row {row}, column {column}: {value}"


def check_finite(values, name, owner=None, *, index=None, columns=None):
    """Check that an array holds no NaN or infinite value.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_features) or any shape
        Numeric array to check.
    name : str
        Name of the argument the array came from.
    owner : str, optional
    index : sequence of length n_time, optional
        Row labels (e.g. timestamps) printed instead of row positions; 2-D only.
    columns : sequence of length n_features, optional
        Column names printed beside column positions; 2-D only.

    Returns
    -------
    values : ndarray
        The input, unchanged.
    """
    bad = ~np.isfinite(values)
    if not bad.any():
        return values
    positions = np.argwhere(bad)
    lines = [_describe_entry(pos, values, index, columns) for pos in positions[:MAX_SHOWN]]
    raise ValueError(
        f"{_subject(name, owner)} must contain only finite values. Got "
        f"{len(positions)} NaN or infinite value(s) at:{_bulleted(lines, len(positions))}\n"
        "Fill or drop them first, e.g. with pandas' interpolate(), ffill() or dropna()."
    )


def check_numeric_columns(frame, name, owner=None):
    """Check that every column of a DataFrame has a numeric (or boolean) dtype.

    Parameters
    ----------
    frame : pandas.DataFrame of shape (n_time, n_features)
    name : str
    owner : str, optional

    Returns
    -------
    frame : pandas.DataFrame
        The input, unchanged.
    """
    is_numeric = frame.dtypes.map(pd.api.types.is_numeric_dtype)
    bad = [(column, frame[column].dtype) for column in frame.columns[~is_numeric.to_numpy()]]
    if bad:
        lines = [f"{column!r} (dtype {dtype})" for column, dtype in bad[:MAX_SHOWN]]
        raise ValueError(
            f"{_subject(name, owner)} must have numeric columns only. Got non-numeric "
            f"column(s):{_bulleted(lines, len(bad))}\n"
            "Drop them or encode them as numbers, e.g. with pandas.to_numeric()."
        )
    return frame


def check_time_index(index, name, owner=None):
    """Check that a time index is sorted in increasing order and has no duplicates.

    Only time-like indexes (``DatetimeIndex``, ``PeriodIndex``, ``TimedeltaIndex``)
    are checked; any other index is returned as is.

    Parameters
    ----------
    index : pandas.Index of length n_time
    name : str
        Name of the argument the index belongs to.
    owner : str, optional

    Returns
    -------
    index : pandas.Index
        The input, unchanged.
    """
    if not isinstance(index, TIME_INDEX_TYPES):
        return index
    duplicated = index[index.duplicated()].unique()
    if len(duplicated):
        lines = [str(stamp) for stamp in duplicated[:MAX_SHOWN]]
        raise ValueError(
            f"{_subject(name, owner)} must have a time index without duplicates. Got "
            f"duplicated timestamp(s):{_bulleted(lines, len(duplicated))}\n"
            "Aggregate or drop them, e.g. data.groupby(level=0).mean() or "
            "data[~data.index.duplicated()]."
        )
    if not index.is_monotonic_increasing:
        backwards = np.flatnonzero(index[1:] < index[:-1]) + 1
        lines = [f"{index[i]} comes after {index[i - 1]}" for i in backwards[:MAX_SHOWN]]
        raise ValueError(
            f"{_subject(name, owner)} must have a time index sorted in increasing order. "
            f"Got timestamps out of order:{_bulleted(lines, len(backwards))}\n"
            "Sort it first with data.sort_index()."
        )
    return index


def _frame_to_array(frame, name, owner, dtype):
    """Values of a numeric DataFrame as a float array, missing values as NaN."""
    if frame.shape[1] == 0:
        raise ValueError(f"{_subject(name, owner)} must have at least one column. Got none.")
    check_numeric_columns(frame, name, owner)
    check_time_index(frame.index, name, owner)
    return frame.to_numpy(dtype=dtype, na_value=np.nan)


def _ndarray_to_2d(data, name, owner, dtype):
    """Convert array-like ``data`` of shape (n_time,) or (n_time, n_features) to 2-D."""
    array = np.asarray(data)
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{_subject(name, owner)} must be 1-D (n_time,) or 2-D (n_time, n_features). "
            f"Got an array of shape {array.shape} instead."
        )
    try:
        values = array.astype(dtype) if array.dtype.kind != "c" else None
    except (TypeError, ValueError):
        values = None
    if values is None:
        raise ValueError(
            f"{_subject(name, owner)} must hold numbers. Got an array of dtype "
            f"{array.dtype} instead. Convert it first, e.g. with array.astype(float)."
        )
    return values[:, np.newaxis] if values.ndim == 1 else values  # (n_time, n_features)


def as_2d_array(data, name, owner=None, *, dtype=np.float64, ensure_finite=True):
    """Convert a Series, DataFrame or array to a 2-D float array plus its labels.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame or array-like of shape (n_time,) or \
(n_time, n_features)
        Time-ordered observations, one row per time step.
    name : str
        Name of the argument, used in messages.
    owner : str, optional
        Function or class receiving ``data``, used in messages.
    dtype : numpy floating dtype, default=numpy.float64
        Dtype of the returned values.
    ensure_finite : bool, default=True
        Whether to reject NaN and infinite values.

    Returns
    -------
    values : ndarray of shape (n_time, n_features)
        The data as a C-contiguous float array (a 1-D input becomes one column).
    index : pandas.Index of length n_time or None
        Row labels of a pandas input, ``None`` for an array.
    columns : list of length n_features or None
        Column names of a pandas input (an unnamed Series gives ``[0]``), ``None``
        for an array.
    """
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if isinstance(data, pd.DataFrame):
        values = _frame_to_array(data, name, owner, dtype)
        index, columns = data.index, list(data.columns)
    else:
        values, index, columns = _ndarray_to_2d(data, name, owner, dtype), None, None
    if ensure_finite:
        check_finite(values, name, owner, index=index, columns=columns)
    return np.ascontiguousarray(values), index, columns


# ---------------------------------------------------------------------------
# Sequences of different lengths
# ---------------------------------------------------------------------------

def _sequence_rows(item, position, name):
    """One sequence of a list as an array (T_i, ...) (a DataFrame's values)."""
    if isinstance(item, (pd.DataFrame, pd.Series)):
        return item.to_numpy()
    array = np.asarray(item)
    if array.ndim == 0:
        raise ValueError(
            f"{_subject(name)} must be a list of sequences, each of shape (n_timesteps,) "
            f"or (n_timesteps, n_features). Got the scalar {item!r} at position "
            f"{position} instead.")
    return array


def as_sequence_array(X, name="X", pad=np.nan):
    """A list of sequences of different lengths as one right-padded array.

    Parameters
    ----------
    X : list or tuple of array-like or DataFrame, each of shape (T_i,) or (T_i, D)
    name : str, the argument's name in messages
    pad : scalar, the value of the padded steps (NaN for values, -1 for token ids)

    Returns
    -------
    X : ndarray of shape (n_samples, max T_i, D) (or (n_samples, max T_i) for 1-D
        sequences), or ``np.asarray(X)`` when every sequence has the same shape.
        ``X`` itself is never modified.
    """
    items = [_sequence_rows(item, i, name) for i, item in enumerate(X)]
    missing = [i for i, a in enumerate(items)
               if np.issubdtype(a.dtype, np.floating) and np.isnan(a).any()]
    if missing:  # in a list every step is real: a NaN is a missing value, not padding
        raise ValueError(
            f"{_subject(name)} is a list of sequences, each holding its real steps only, "
            f"but the sequences at positions {missing[:MAX_SHOWN]} contain NaN: missing "
            "values, which would be read as padding and drop steps. Fill or drop them "
            "first (NaN padding is for 3-D arrays, after each sequence's end).")
    if not items or len({a.shape for a in items}) == 1:
        return np.asarray(items) if items else np.asarray(X)
    ndims = {a.ndim for a in items}
    widths = {a.shape[1:] for a in items}
    if len(ndims) > 1 or ndims > {1, 2} or len(widths) > 1:
        shown = [f"position {i}: shape {a.shape}" for i, a in enumerate(items)][:MAX_SHOWN]
        raise ValueError(
            f"{_subject(name)} must be a list of sequences of shape (n_timesteps,) or "
            "(n_timesteps, n_features) with the same n_features; their lengths may "
            "differ. Got:" + _bulleted(shown, len(items)))
    if any(len(a) == 0 for a in items):
        empty = [i for i, a in enumerate(items) if len(a) == 0]
        raise ValueError(
            f"{_subject(name)} holds empty sequences (no time step) at positions "
            f"{empty[:MAX_SHOWN]}. Drop them: every sequence needs at least one step.")
    T = max(len(a) for a in items)
    kind = np.result_type(*items)
    dtype = kind if np.issubdtype(kind, np.integer) and not np.isnan(pad) else np.float64
    out = np.full((len(items), T) + items[0].shape[1:], pad, dtype=dtype)
    for i, a in enumerate(items):
        out[i, :len(a)] = a
    return out


def check_no_missing_labels(y, name="y"):
    """Refuse missing labels (None or NaN) in an array of labels of any type, whose
    sorting would otherwise fail with a TypeError about comparing types."""
    values = np.asarray(y)
    if values.dtype.kind != "O":
        return
    flat = values.ravel()
    missing = [i for i, v in enumerate(flat)
               if v is None or (isinstance(v, float) and np.isnan(v))]
    if missing:
        raise ValueError(
            f"{_subject(name)} must hold a label at every position. Got missing labels "
            f"(None or NaN) at flat positions {missing[:MAX_SHOWN]}"
            f"{' and more' if len(missing) > MAX_SHOWN else ''}. Drop those samples or "
            "give them a label of their own.")


def sequence_columns(X, name="X"):
    """The column names of a list of DataFrames (one sequence each), the same in every
    one; None for a list without DataFrames or of one column.

    Parameters
    ----------
    X : list or tuple of array-like or DataFrame
    name : str, the argument's name in messages

    Returns
    -------
    columns : tuple of str or None

    Raises
    ------
    ValueError
        When the list mixes DataFrames with other sequences, or its DataFrames have
        different columns or the same columns in another order: the network reads
        features by position, so one of them would be read as another.
    """
    frames = [isinstance(item, pd.DataFrame) for item in X]
    if not any(frames):
        return None
    if not all(frames):
        others = [i for i, is_frame in enumerate(frames) if not is_frame]
        raise ValueError(
            f"{_subject(name)} is a list that mixes DataFrames with other sequences "
            f"(positions {others[:MAX_SHOWN]} are not DataFrames): the DataFrames' "
            "columns cannot be checked against the others. Give every sequence as a "
            "DataFrame with the same columns, or every one as an array.")
    first = list(X[0].columns)
    for i, item in enumerate(X):
        if list(item.columns) != first:
            raise ValueError(
                f"{_subject(name)} is a list of DataFrames whose columns differ: position "
                f"0 has {first}, position {i} has {list(item.columns)}. The network "
                "reads features by position, so one would be read as another. Give every "
                f"sequence the same columns in the same order, e.g. "
                f"[frame[{first}] for frame in X].")
    return tuple(str(c) for c in first) if len(first) >= 2 else None


def padded_lengths(X, name="X", owner=None):
    """Lengths of NaN-padded sequences, or None when no step is padding.

    X : ndarray of shape (n_samples, n_timesteps, n_features), float
        Padding is a run of steps, to the end of a sequence, whose features are all NaN.

    Returns ndarray of int of shape (n_samples,), or None. Raises a ValueError naming
    ``name`` for a NaN anywhere else (a missing value inside a sequence, a step with
    some features NaN, a sequence of padding only) or an infinite value.
    """
    missing = np.isnan(X)
    if np.isinf(X).any():
        raise ValueError(f"{_subject(name, owner)} must hold finite values; got "
                         f"{int(np.isinf(X).sum())} infinite value(s).")
    if not missing.any():
        return None
    step_missing = missing.all(axis=2)                              # (n, T)
    T = X.shape[1]
    lengths = T - np.argmin(step_missing[:, ::-1], axis=1)          # before trailing NaN
    lengths[step_missing.all(axis=1)] = 0
    inside = missing & (np.arange(T)[None, :, None] < lengths[:, None, None])
    if inside.any() or (lengths == 0).any():
        rows = np.unique(np.nonzero(inside)[0]).tolist() + np.flatnonzero(lengths == 0).tolist()
        raise ValueError(
            f"{_subject(name, owner)} may hold NaN only as padding: whole time steps (all "
            "features NaN) at the end of a sequence, after at least one real step. Got "
            f"NaN inside the sequences at positions {sorted(set(rows))[:MAX_SHOWN]}. Fill "
            "or drop the missing values first (e.g. pandas' interpolate).")
    return lengths
