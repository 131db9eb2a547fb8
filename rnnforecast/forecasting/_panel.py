"""Panels: many series in one DataFrame indexed by (series id, time).

pandas and sktime keep a collection of series in one DataFrame (or Series) whose index
is a two-level MultiIndex, level 0 the series id and level 1 the time::

    panel                                  long DataFrame (read as)
                        sales              store  month       sales
    store  month                           a      2020-01-01  1.0
    a      2020-01-01   1.0      ----->    a      2020-02-01  2.0
           2020-02-01   2.0                b      2020-01-01  7.0
    b      2020-01-01   7.0                ...
    ...

:func:`as_long` reads such a panel as the long layout of ``_collection.py``: the id and
time columns are the index levels (under their names, else ``id_column`` /
``time_column``, else ``series`` / ``timestamp``), the value columns are the panel's
columns (of a Series: one, its name). The value column is ``value_column``, else
``target``, else the first column; the others are exogenous features (``fit_many``)
or columns known in advance (``GlobalForecaster(known=...)``). Every check of the long
layout then applies. :func:`as_panel` turns the long table of forecasts back into a
panel indexed by (id, time) under the caller's level names, and :func:`panel_future`
reads a ``future=`` given as a panel. The caller's objects are never modified.
"""

import pandas as pd

from ._collection import LONG_DEFAULTS, shown

__all__ = ["as_long", "as_panel", "is_panel", "panel_future"]

#: The index levels of a panel: (parameter naming the level, its position).
LEVELS = (("id_column", 0), ("time_column", 1))


def is_panel(data):
    """Whether ``data`` is a DataFrame or Series indexed by a MultiIndex."""
    return isinstance(data, (pd.DataFrame, pd.Series)) and isinstance(data.index, pd.MultiIndex)


def _check_shape(panel, argument, owner):
    """Refuse a MultiIndex of other than two levels, and a MultiIndex on the columns."""
    index = panel.index
    if index.nlevels != 2:
        raise ValueError(
            f"The '{argument}' parameter of {owner} must be indexed by a MultiIndex of two "
            f"levels, (series id, time), when it is a panel. Got {index.nlevels} level(s) "
            f"named {list(index.names)}. Keep the id and time levels only, e.g. "
            f"{argument}.droplevel(<other level>), or pass a long DataFrame "
            f"({argument}.reset_index()) with id_column= and time_column=.")
    if isinstance(panel, pd.DataFrame) and isinstance(panel.columns, pd.MultiIndex):
        raise ValueError(
            f"The '{argument}' parameter of {owner} must have one level of column names "
            f"(the value columns). Got a MultiIndex on the columns, "
            f"{shown(panel.columns)}. Flatten them first, e.g. "
            f"{argument}.columns = ['_'.join(map(str, c)) for c in {argument}.columns].")


def _check_time_level(index, owner):
    """Refuse a time level that does not sort in time (text, floats), as the long layout
    refuses such a time column, with a fix for a panel."""
    times = index.levels[1]
    if times.dtype.kind in "iuM" or isinstance(times.dtype, (pd.DatetimeTZDtype,
                                                              pd.PeriodDtype)):
        return
    raise ValueError(
        f"The 'series' parameter of {owner} must have a time level (level 1 of its index) "
        f"of dates, periods or integers, which sort in time. Got dtype {times.dtype} "
        f"(first value {times[0] if len(times) else None!r}). Convert it first, e.g. "
        "series.index = series.index.set_levels(pd.to_datetime(series.index.levels[1]), "
        "level=1).")


def _check_ids(index, owner):
    """Refuse rows without a series id: grouping would drop them silently."""
    missing = index.get_level_values(0).isna()
    if missing.any():
        raise ValueError(
            f"The 'series' parameter of {owner} must give every row a series id. Got "
            f"{missing.sum()} row(s) whose id (level 0 of the index) is missing (NaN or "
            f"None), at {shown(index[missing])}; they would be dropped silently. Fill "
            "these ids or drop the rows, e.g. "
            "series[series.index.get_level_values(0).notna()].")


def _level_names(index, given, owner):
    """The id and time column names of a panel: each level's name, else the name given
    (``id_column``, ``time_column``), else the default (``series``, ``timestamp``)."""
    names = []
    for parameter, level in LEVELS:
        name, asked = index.names[level], given[level]
        if name is not None and asked is not None and asked != name:
            raise ValueError(
                f"The '{parameter}' parameter of {owner} must agree with the name of level "
                f"{level} of the panel's index, {name!r}, or be None. Got {asked!r}. Pass "
                f"{parameter}=None, or rename the level, e.g. "
                f"series.rename_axis([...]).")
        names.append(name if name is not None else
                     asked if asked is not None else LONG_DEFAULTS[parameter][0])
    if names[0] == names[1]:
        raise ValueError(
            f"The 'series' parameter of {owner} must name its two index levels (series id, "
            f"time) differently. Got {names[0]!r} for both. Rename them, e.g. "
            "series.rename_axis(['series', 'timestamp']).")
    return names


def _check_unique_pairs(index, argument, owner):
    """Refuse a panel with two rows at one (id, time): which one is the value?"""
    repeated = index[index.duplicated()].unique()
    if len(repeated):
        raise ValueError(
            f"The '{argument}' parameter of {owner} must have one row per (series id, time) "
            f"pair. Got {len(repeated)} repeated pair(s): {shown(repeated)}. Aggregate or "
            f"drop the repeated rows first, e.g. "
            f"{argument}[~{argument}.index.duplicated()].")


def _value_column(frame, value_column, target, owner):
    """``value_column``, else ``target``, else the first column; it must be a column."""
    if value_column is not None and target is not None and value_column != target:
        raise ValueError(
            f"The 'target' and 'value_column' parameters of {owner} both name the value "
            f"column of the panel and must agree. Got target={target!r} and "
            f"value_column={value_column!r}. Pass one of them.")
    chosen = value_column if value_column is not None else target
    if chosen is None:
        if frame.shape[1] == 0:
            raise ValueError(
                f"The 'series' parameter of {owner} must have at least one value column. "
                "Got a panel without columns.")
        return frame.columns[0]
    if chosen not in frame.columns:
        parameter = "value_column" if value_column is not None else "target"
        raise ValueError(
            f"The '{parameter}' parameter of {owner} must name a column of the panel, one "
            f"of {shown(frame.columns)}. Got {chosen!r} instead.")
    return chosen


def _as_frame(panel, value_column, target):
    """A Series panel as a one-column DataFrame named by its name (else the value column
    asked for, else ``value``); a DataFrame as it is."""
    if isinstance(panel, pd.DataFrame):
        return panel
    name = panel.name
    if name is None:
        name = next((c for c in (value_column, target) if c is not None), "value")
    return panel.to_frame(name)


def _long(frame, names, argument, owner):
    """The panel's rows with its index levels as the first two columns, a new frame."""
    clash = [name for name in names if name in frame.columns]
    if clash:
        raise ValueError(
            f"The '{argument}' parameter of {owner} names index levels and columns alike: "
            f"{clash} is both. Rename the level or the column, e.g. "
            f"{argument}.rename_axis([...]).")
    return frame.set_axis(frame.index.set_names(names), axis=0).reset_index()


def as_long(series, columns, target, owner):
    """A panel as the long layout; anything else unchanged.

    Parameters
    ----------
    series : pandas.DataFrame, pandas.Series, dict, ...
        The caller's ``series``; a panel when indexed by a MultiIndex.
    columns : (id_column, time_column, value_column)
        The caller's layout arguments (None when not given).
    target : hashable or None
        For a panel, another way to name the value column.

    Returns
    -------
    series : the long DataFrame of a panel, else ``series``
    columns : (id_column, time_column, value_column)
        All three named for a panel, else ``columns``.
    index_names : list of length 2, or None
        The level names of the forecasts' index: the panel's, else the names given
        (None where neither); None when ``series`` is not a panel.
    """
    if not is_panel(series):
        return series, columns, None
    _check_shape(series, "series", owner)
    _check_time_level(series.index, owner)
    _check_ids(series.index, owner)
    names = _level_names(series.index, columns, owner)
    _check_unique_pairs(series.index, "series", owner)
    frame = _as_frame(series, columns[2], target)
    value = _value_column(frame, columns[2], target, owner)
    index_names = [level if level is not None else asked
                   for level, asked in zip(series.index.names, columns[:2])]
    return _long(frame, names, "series", owner), (*names, value), index_names


def as_panel(table, columns, index_names):
    """The long table of forecasts indexed by (id, time) under ``index_names``; the table
    unchanged when ``index_names`` is None (the series were not a panel)."""
    if index_names is None:
        return table
    return table.set_index(list(columns[:2])).rename_axis(index_names)


def panel_future(future, columns, owner):
    """A ``future=`` panel as a long DataFrame with the id and time columns of the series
    (``columns``); anything else unchanged. Its levels must be unnamed or named so."""
    if not is_panel(future):
        return future
    _check_shape(future, "future", owner)
    for (parameter, level), expected in zip(LEVELS, columns):
        name = future.index.names[level]
        if name is not None and name != expected:
            raise ValueError(
                f"The 'future' parameter of {owner} must name level {level} of its index "
                f"like the {parameter} of the series, {expected!r}, or leave it unnamed. "
                f"Got {name!r}. Rename it, e.g. "
                f"future.rename_axis({list(columns)!r}).")
    _check_unique_pairs(future.index, "future", owner)
    frame = future if isinstance(future, pd.DataFrame) else future.to_frame()
    return _long(frame, list(columns), "future", owner)
