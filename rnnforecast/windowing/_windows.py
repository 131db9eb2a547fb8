"""Cut a time series into supervised windows: :func:`make_windows`.

``X`` of shape ``(n_windows, window, n_features)`` for an RNN and ``y`` holding the
values that follow each window. The number of samples shrinks, so it lives outside
pipelines (see :mod:`._lags` for the transformer that keeps one row per row).
"""

import warnings

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .._validation import as_2d_array, check_int
from ._known import KnownWindows, lead_known

def _check_float_dtype(dtype, owner):
    """Return ``numpy.dtype(dtype)`` if it is a floating dtype, else raise."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        raise ValueError(
            f"The 'dtype' parameter of {owner} must be a floating dtype such as "
            f"numpy.float32 or numpy.float64. Got {dtype!r} instead."
        )
    return resolved


def resolve_target(target, columns, n_features, owner="make_windows", name="data"):
    """Position of the target column: a column name for pandas, an int for arrays.

    Parameters
    ----------
    target : str, int or None
        A column name for pandas data, a column position for arrays; ``None`` means
        the first column.
    columns : list of length n_features or None
        Column names of pandas data, ``None`` for an array.
    n_features : int
    owner, name : str, default="make_windows", "data"
        Function and data argument named in error messages.

    Returns
    -------
    target_feature : int in [0, n_features - 1]
    """
    if target is None:
        return 0
    if columns is None:
        return check_int(target, "target", 0, owner, max_value=n_features - 1)
    if target not in columns:
        raise ValueError(
            f"The 'target' parameter of {owner} must be one of the columns of '{name}': "
            f"{columns}. Got {target!r} instead."
        )
    return columns.index(target)


def check_unique_columns(columns, name, owner):
    """Refuse a DataFrame whose column names repeat: a target, a known column or the
    column order checked at forecast time, all named, would be ambiguous.

    Parameters
    ----------
    columns : list or None
        The names of a pandas input's columns; None for an array.
    name, owner : str
        The argument and the function receiving it, for the message.
    """
    if columns is None:
        return
    names = pd.Index(columns)
    repeated = list(dict.fromkeys(names[names.duplicated()]))
    if repeated:
        raise ValueError(
            f"The '{name}' parameter of {owner} must have distinct column names. Got "
            f"{repeated} more than once among {list(columns)}. Rename or drop the "
            f"repeated columns, e.g. {name}.loc[:, ~{name}.columns.duplicated()].")


def _known_column(column, columns, n_features, owner):
    """Position of one known column: a name of ``columns``, else an int position."""
    if columns is not None and column in columns:
        return columns.index(column)
    is_int = isinstance(column, (int, np.integer)) and not isinstance(column, bool)
    if columns is None and is_int and 0 <= column < n_features:
        return int(column)
    what = (f"a column position in [0, {n_features - 1}]" if columns is None else
            f"one of the columns {columns}")
    raise ValueError(f"The 'known' parameter of {owner} must hold only {what}. Got "
                     f"{column!r} instead.")


def resolve_known(known, columns, n_features, target_feature, owner="make_windows"):
    """Positions of the known-in-advance columns, sorted; the target may not be one.

    Parameters
    ----------
    known : list of str or int
        Column names for pandas data, positions for arrays.
    columns : list of length n_features or None
    n_features, target_feature : int

    Returns
    -------
    known_features : list of int
    """
    if isinstance(known, (str, int, np.integer)) or not hasattr(known, "__iter__"):
        raise ValueError(
            f"The 'known' parameter of {owner} must be a list of column "
            f"{'positions' if columns is None else 'names'}. Got {known!r} instead; e.g. "
            f"known=[{known!r}].")
    features = [_known_column(k, columns, n_features, owner) for k in known]
    if len(set(features)) != len(features):
        raise ValueError(f"The 'known' parameter of {owner} names a column more than once. "
                         f"Got {list(known)!r}.")
    if target_feature in features:
        raise ValueError(
            f"The 'known' parameter of {owner} must not hold the target column (feature "
            f"{target_feature}): its future values are what is forecast. Got "
            f"{list(known)!r}.")
    return sorted(features)


def _window_starts(n_time, window, horizon, stride):
    """First row of each window, aligned so the last window uses the last row.

    Returns
    -------
    starts : ndarray of shape (n_windows,)
    """
    needed = window + horizon
    if n_time < needed:
        raise ValueError(
            "The 'data' parameter of make_windows must have at least window + horizon"
            f" = {window} + {horizon} = {needed} rows (time steps) to make one window. "
            f"Got {n_time} rows instead. Use a smaller window or horizon, or a longer "
            "history."
        )
    last = n_time - needed
    return np.arange(last % stride, last + 1, stride)


def _input_windows(values, starts, window):
    """Gather rows ``[s, s + window)`` for every start ``s``.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_features)
    starts : ndarray of shape (n_windows,)
    window : int

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        A fresh C-contiguous, writeable array.
    """
    view = sliding_window_view(values, window, axis=0)  # (n_time - window + 1, F, window)
    X = np.empty((len(starts), window, values.shape[1]), dtype=values.dtype)
    np.take(view.transpose(0, 2, 1), starts, axis=0, out=X)  # (n_windows, window, F)
    return X


def _target_windows(series, starts, window, horizon, return_sequences):
    """Target values that follow each window (see :func:`make_windows`).

    Parameters
    ----------
    series : ndarray of shape (n_time,)
    starts : ndarray of shape (n_windows,)

    Returns
    -------
    y : ndarray of shape (n_windows, horizon), or (n_windows, window) / \
(n_windows, window, horizon) when ``return_sequences``
    """
    steps = np.arange(window) if return_sequences else np.array([window - 1])
    offsets = steps[:, np.newaxis] + np.arange(1, horizon + 1)  # (n_steps, horizon)
    y = series[starts[:, np.newaxis, np.newaxis] + offsets]  # (n_windows, n_steps, horizon)
    if not return_sequences:
        return y[:, 0, :]  # (n_windows, horizon)
    return y[:, :, 0] if horizon == 1 else y


def _target_index(index, starts, window):
    """Label of the first target row of every window (row positions for arrays)."""
    positions = starts + window
    if index is None:
        return pd.Index(positions)
    return index[positions]


def make_windows(
    data,
    window,
    horizon=1,
    *,
    target=None,
    stride=1,
    return_sequences=False,
    return_index=False,
    dtype=np.float64,
    many_to_many=None,
    known=None,
):
    """Cut a time series into input windows and the target values that follow them.

    Window ``i`` starts at row ``s_i`` and reads ``window`` consecutive rows of every
    column; its targets are the next ``horizon`` values of the target column::

        X[i]      = data[s_i : s_i + window, :]
        y[i, k]   = target[s_i + window + k]              k = 0 .. horizon - 1
        s_i       = offset + i * stride,   offset = (n_time - window - horizon) % stride
        n_windows = (n_time - window - horizon) // stride + 1

    Example with ``n_time=10, window=3, horizon=2, stride=1`` (``x`` input, ``y`` target)::

        time    0 1 2 3 4 5 6 7 8 9
        i = 0   x x x y y
        i = 1     x x x y y
        ...
        i = 5             x x x y y

    With ``stride > 1`` the windows are aligned on the **end** of the series: the last
    window always ends with the last possible target, and up to ``stride - 1`` rows at
    the start are left unused (``offset`` above). Every value in ``X[i]`` comes
    strictly before every value in ``y[i]``: a window never sees its own future.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame or array-like of shape (n_time,) or \
(n_time, n_features)
        Observations in time order, one row per time step. All columns, the target
        included, are input features, so exogenous columns travel with the target.
        A time index (``DatetimeIndex``, ``PeriodIndex``) must be sorted and unique.
    window : int
        Number of time steps in each input window (``>= 1``).
    horizon : int, default=1
        Number of target values after each window (``>= 1``).
    target : str, int or None, default=None
        Target column: a column name for a DataFrame (or the name of a Series), an
        integer column position for an array. ``None`` means the only column, or the
        **first** column of multi-column data.
    stride : int, default=1
        Number of time steps between the starts of consecutive windows.
    return_sequences : bool, default=False
        If True, return a next-step target for every input step (sequence labelling,
        teacher-forced training): ``y[i, t] = target[s_i + t + 1]`` for
        ``t = 0 .. window - 1``, or ``y[i, t, k] = target[s_i + t + 1 + k]`` when
        ``horizon > 1``. The last step ``y[i, -1]`` equals the many-to-one ``y[i]``.
        The same name as the estimators' parameter for one output per step.
    return_index : bool, default=False
        If True, also return the label of the first target of each window, i.e. the
        index value of row ``s_i + window``.
    dtype : numpy floating dtype, default=numpy.float64
        Dtype of ``X`` and ``y`` (``numpy.float32`` is what the networks train in).
    many_to_many : bool or None, default=None
        Former name of ``return_sequences``; still accepted, with a FutureWarning.
    known : list of str or int, default=None
        Columns known in advance (calendar, planned prices, weather forecasts): names
        for a DataFrame, positions for an array; not the target. They are read **led by
        the horizon**, ``X[i, j, f] = data[s_i + j + horizon, f]``, so the last
        ``horizon`` steps of each window hold their values at the target times (see
        :mod:`rnnforecast.windowing._known`)::

            time          0 1 2 3 4 5 6 7 8 9     window=3, horizon=2
            i = 0  value  x x x y y
                   known      k k k

        An estimator fitted on these windows records the layout (``known_features_``,
        ``known_lead_``); ``forecast(..., future=...)`` then takes the future values.
        Not with ``return_sequences``.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        Input windows, C-contiguous and writeable (a copy, not a view of ``data``);
        with ``known``, or from a DataFrame of several columns, a
        :class:`~rnnforecast.windowing.KnownWindows` array that remembers the led
        features and the column names: an estimator fitted on it records them
        (``window_columns_``), and ``forecast`` refuses a history whose columns come in
        another order.
    y : ndarray of shape (n_windows, horizon)
        Targets. With ``return_sequences=True``: of shape (n_windows, window) when
        ``horizon == 1``, else (n_windows, window, horizon).
    target_index : pandas.Index of shape (n_windows,)
        Only when ``return_index=True``: the index labels (e.g. timestamps) of the
        first target of each window; row positions when ``data`` is an array.

    Raises
    ------
    ValueError
        If ``window``, ``horizon`` or ``stride`` is not a positive int, ``data`` has
        fewer than ``window + horizon`` rows, NaN or infinite values, non-numeric
        columns or an unsorted / duplicated time index, ``target`` is unknown, or
        ``known`` names an unknown column, the target, or comes with
        ``return_sequences``.

    Examples
    --------
    >>> X, y = make_windows(np.arange(10), window=3, horizon=2)
    >>> X.shape, y.shape
    ((6, 3, 1), (6, 2))
    >>> X[0, :, 0], y[0]
    (array([0., 1., 2.]), array([3., 4.]))
    """
    if many_to_many is not None:
        warnings.warn("The 'many_to_many' parameter of make_windows is now called "
                      "'return_sequences', as in the estimators; pass "
                      f"return_sequences={many_to_many!r}.", FutureWarning, stacklevel=2)
        return_sequences = many_to_many
    window = check_int(window, "window", 1, "make_windows")
    horizon = check_int(horizon, "horizon", 1, "make_windows")
    stride = check_int(stride, "stride", 1, "make_windows")
    dtype = _check_float_dtype(dtype, "make_windows")
    values, index, columns = as_2d_array(data, "data", "make_windows", dtype=dtype)
    check_unique_columns(columns, "data", "make_windows")
    target_feature = resolve_target(target, columns, values.shape[1])
    starts = _window_starts(len(values), window, horizon, stride)
    if known is None:
        X = _input_windows(values, starts, window)
    else:
        if return_sequences:
            raise ValueError(
                "The 'known' parameter of make_windows leads the known columns by the "
                "horizon, which has no meaning for one target per step: it cannot come "
                "with return_sequences=True. Got known="
                f"{list(known)!r}. Use return_sequences=False.")
        features = resolve_known(known, columns, values.shape[1], target_feature)
        X = _input_windows(lead_known(values, features, horizon), starts, window)
        X = KnownWindows.of(X, features, horizon) if features else X
    if columns is not None and len(columns) > 1:  # names, to check a history's order
        X = KnownWindows.of(X, getattr(X, "known_features", ()), getattr(X, "lead", 0),
                            columns)
    y = _target_windows(values[:, target_feature], starts, window, horizon, return_sequences)
    if return_index:
        return X, y, _target_index(index, starts, window)
    return X, y
