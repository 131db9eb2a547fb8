"""Columns known in advance in the global model (``GlobalForecaster(known=[...])``).

Each series carries, beside its value column, the columns named in ``known`` (planned
prices, promotions, calendar terms). They are scaled per series and per column (mean and
standard deviation of that series' fit history; scale 1 for a flat column) and read
**led by the horizon** ``H``, as :func:`~rnnforecast.make_windows` reads ``known``
columns: in a window whose last value is at time ``t``, step ``j`` of a known column holds
its value at ``t - T + 1 + j + H``, so the window's last ``H`` steps carry the known
values at the ``H`` forecast times. Forecasting needs their future values
(``future``): ``ceil(steps / H) * H`` rows after each series' history.
"""

import numpy as np
import pandas as pd

from .._validation import as_2d_array, check_finite
from ._future_index import extend_index
from ._global_data import series_statistics
from ._collection import future_frames

__all__ = ["check_known", "future_known", "known_scaling", "known_window", "split_known"]


def check_known(known, owner):
    """``known`` as a tuple of distinct column names (empty for None)."""
    if known is None:
        return ()
    if isinstance(known, str) or not hasattr(known, "__iter__"):
        raise ValueError(
            f"The 'known' parameter of {owner} must be a list of column names. Got "
            f"{known!r} instead; e.g. known=[{known!r}].")
    names = tuple(known)
    if not names or len(set(names)) != len(names):
        raise ValueError(
            f"The 'known' parameter of {owner} must name at least one column, each once. "
            f"Got {list(names)!r}.")
    return names


def split_known(collection, known, owner):
    """The collection without its known columns, and those columns as arrays.

    Parameters
    ----------
    collection : dict of name -> (data, column, label)
        As returned by ``_collection.target_first`` (target column first).
    known : tuple of str

    Returns
    -------
    collection : dict of name -> (data, column, label), the target column alone
    values : dict of name -> ndarray of shape (n_time, n_known), float64 (NaN kept)
    """
    kept, values = {}, {}
    for name, (data, column, label) in collection.items():
        columns = list(data.columns) if isinstance(data, pd.DataFrame) else []
        missing = [k for k in known if k not in columns]
        if not missing and columns[:1] and columns[0] in known:
            raise ValueError(
                f"The 'series' parameter of {owner} reads the first column of each series "
                f"as its values. Series {name!r} has the columns {columns}, the first of "
                f"which, {columns[0]!r}, is known in advance. Pass target=<value column>, "
                "or put the value column first.")
        if missing:
            raise ValueError(
                f"The 'series' parameter of {owner} must give every series the columns "
                f"known in advance {list(known)}, beside its value column. Series "
                f"{name!r} has the columns {columns}; missing {missing}. Add them, or "
                "fit without known=.")
        block, _, _ = as_2d_array(data[list(known)], f"series[{name!r}]", owner,
                                  ensure_finite=False)
        values[name] = block
        kept[name] = (data.iloc[:, :1], column, label)
    return kept, values


def known_scaling(values):
    """Location and scale of every known column of one series, shape (n_known, 2)."""
    return np.array([series_statistics(values[:, k], "standard")
                     for k in range(values.shape[1])])


def known_window(full, n_time, window, horizon, block):
    """The led known values of forecast block ``block`` of one series.

    Parameters
    ----------
    full : ndarray of shape (n_time + n_future, n_known)
        The series' known values, history then future, scaled.
    n_time : int
        Rows of history.
    window, horizon, block : int

    Returns
    -------
    values : ndarray of shape (window, n_known)
        Rows ``n_time - window + horizon * (block + 1)`` onwards: the window that ends
        ``block * horizon`` steps after the history, led by ``horizon``.
    """
    start = n_time - window + horizon * (block + 1)
    return full[start:start + window]


def future_known(future, names, indexes, known, n_rows, layout, freq, owner):
    """The future values of the known columns of every series, checked.

    Parameters
    ----------
    future : dict of name -> pandas.DataFrame, or a long pandas.DataFrame
        Per series, the known columns indexed by the ``n_rows`` timestamps after its
        history; or one long frame with the id and time columns of ``layout``.
    names : list of series names to forecast
    indexes : dict of name -> pandas.Index, the histories' time indexes
    known : tuple of str
    n_rows : int
    layout : (id_column, time_column, value_column)
    freq : spacing of the future timestamps, or None

    Returns
    -------
    values : dict of name -> ndarray of shape (n_rows, n_known)
    """
    if future is None:
        raise ValueError(
            f"The 'future' parameter of {owner} is needed: the model reads the columns "
            f"{list(known)} known in advance. Pass their values for the next {n_rows} "
            "time step(s) of every series, as a dict {name: DataFrame} indexed by the "
            "future timestamps, or as a long DataFrame with the id and time columns.")
    frames = future_frames(future, names, *layout[:2], owner)
    lacking = [name for name in names if name not in frames]
    if lacking:
        raise ValueError(
            f"The 'future' parameter of {owner} has no rows for the series {lacking}. "
            f"Give each series its {n_rows} future row(s).")
    out = {}
    for name in names:
        frame = frames[name]
        expected = extend_index(indexes[name], n_rows, freq, owner=owner, name="series")
        columns = list(frame.columns)
        if sorted(columns) != sorted(known):
            raise ValueError(
                f"The 'future' parameter of {owner} must hold exactly the columns known in "
                f"advance, {list(known)}, for series {name!r}. Got {columns}.")
        if len(frame.index) != len(expected) or not frame.index.equals(expected):
            raise ValueError(
                f"The 'future' parameter of {owner} must give series {name!r} the "
                f"{n_rows} timestamps after its history, {expected[0]} to {expected[-1]}, "
                f"one row each in time order. Got {len(frame)} row(s) from "
                f"{frame.index[0] if len(frame) else None} to "
                f"{frame.index[-1] if len(frame) else None}.")
        values, _, _ = as_2d_array(frame[list(known)], f"future[{name!r}]", owner,
                                   ensure_finite=False)
        out[name] = check_finite(values, f"future[{name!r}]", owner, index=expected,
                                 columns=list(known))
    return out
