"""Series collections in, tables of forecasts out: the layouts of the many-series API.

:func:`~rnnforecast.forecasting.fit_many`, :func:`~rnnforecast.forecasting.forecast_many`
and :class:`~rnnforecast.forecasting.GlobalForecaster` take a collection of series in
either of two layouts (a panel, a DataFrame indexed by (series id, time), is read as the
long layout by ``_panel.py`` first)::

    dict ("wide")                        long DataFrame
    {"sine":  Series or DataFrame,       series  timestamp   value  [feature ...]
     "trend": Series or DataFrame}       sine    2024-01-01  0.00
                                         sine    2024-01-02  0.26
                                         trend   2024-01-01  10.0
                                         ...

This module turns either into ``{name: data}``, the target column first
(:func:`target_first`), checks what the windows need of them (a sortable time column, one
row per time step, ``window + horizon`` rows), reads the ``future`` values of columns
known in advance per series (:func:`future_frames`), and gathers the forecasts of every
series into one long table (:func:`long_forecast`).
"""

import numpy as np
import pandas as pd

__all__ = ["LONG_DEFAULTS", "check_lengths", "check_output_names", "future_frames",
           "long_forecast", "long_layout", "shown", "target_first"]

#: How many names an error message lists before summarising the rest.
MAX_SHOWN = 5
#: Long layout: parameter -> (default column name, nixtla's name), read when not given.
LONG_DEFAULTS = {"id_column": ("series", "unique_id"), "time_column": ("timestamp", "ds"),
                 "value_column": ("value", "y")}


# ---------------------------------------------------------------------------
# Series collections: a dict or a long DataFrame -> {name: DataFrame}
# ---------------------------------------------------------------------------


def shown(names):
    """Up to MAX_SHOWN names as a list literal, with a count of the others."""
    names = list(names)
    text = repr(names[:MAX_SHOWN])
    if len(names) > MAX_SHOWN:
        text += f" and {len(names) - MAX_SHOWN} more"
    return text


def long_layout(series, id_column=None, time_column=None, value_column=None):
    """The id, time and value column names of a long DataFrame.

    A name given is kept. The roles left unnamed take this package's defaults
    (``series``, ``timestamp``, ``value``), unless one of those is not a column while
    nixtla's names for the same roles (``unique_id``, ``ds``, ``y``) all are; then they
    take nixtla's. The choice is made for the unnamed roles together, never one by one,
    so an exogenous column called ``value`` beside ``unique_id, ds, y`` stays a feature.

    Parameters
    ----------
    series : pandas.DataFrame or dict
        For a dict, the names not given are the defaults (they name the output only).
    id_column, time_column, value_column : hashable or None

    Returns
    -------
    id_column, time_column, value_column
        Unchecked: :func:`_from_long` checks that they are columns.
    """
    given = {"id_column": id_column, "time_column": time_column,
             "value_column": value_column}
    unnamed = [name for name, column in given.items() if column is None]
    columns = set(series.columns) if isinstance(series, pd.DataFrame) else set()
    ours = all(LONG_DEFAULTS[name][0] in columns for name in unnamed)
    nixtla = bool(unnamed) and all(LONG_DEFAULTS[name][1] in columns for name in unnamed)
    choice = 1 if nixtla and not ours else 0
    return tuple(LONG_DEFAULTS[name][choice] if column is None else column
                 for name, column in given.items())


def _check_columns(frame, columns, owner):
    """Raise if a column named by ``id_column``/``time_column``/``value_column`` is missing."""
    for parameter, column in columns.items():
        if column not in frame.columns:
            ours, nixtla = LONG_DEFAULTS[parameter]
            raise ValueError(
                f"The '{parameter}' parameter of {owner} must name a column of the long "
                f"'series' DataFrame, one of {shown(frame.columns)}. Got {column!r} "
                f"instead. Pass {parameter}=<column name>, or name the column {ours!r} "
                f"(or {nixtla!r} together with nixtla's other column names)."
            )
    if len(set(columns.values())) < len(columns):
        raise ValueError(
            f"The id_column, time_column and value_column parameters of {owner} must name "
            f"three different columns of the long 'series' DataFrame. Got "
            f"{', '.join(f'{p}={c!r}' for p, c in columns.items())}."
        )


def _check_ids(frame, id_column, owner):
    """Refuse rows without a series id: grouping would drop them silently."""
    missing = frame[id_column].isna().to_numpy()
    if missing.any():
        raise ValueError(
            f"The 'series' parameter of {owner} must give every row a series id. Got "
            f"{missing.sum()} row(s) whose id_column {id_column!r} is missing (NaN or "
            f"None), at index {shown(frame.index[missing])}; they would be dropped "
            "silently. Fill these ids or drop the rows, e.g. "
            f"series.dropna(subset=[{id_column!r}])."
        )


def _from_long(frame, id_column, time_column, value_column, owner):
    """Split a long DataFrame into one frame per series, indexed by time.

    Returns
    -------
    collection : dict of name -> pandas.DataFrame of shape (n_time, 1 + n_exogenous)
        Columns ``value_column`` first, then the other columns in their order; rows
        sorted by ``time_column``.
    """
    names = {"id_column": id_column, "time_column": time_column, "value_column": value_column}
    _check_columns(frame, names, owner)
    _check_ids(frame, id_column, owner)
    _check_time_column(frame[time_column], time_column, owner)
    others = [c for c in frame.columns if c not in (id_column, time_column, value_column)]
    columns = [value_column, *others]
    collection = {}
    for name, group in frame.groupby(id_column, sort=False):
        ordered = group.sort_values(time_column, kind="stable")
        _check_unique_times(name, ordered[time_column], id_column, time_column, owner)
        collection[name] = ordered.set_index(time_column)[columns]
    return collection


def _check_time_column(times, time_column, owner):
    """Refuse a time column that does not sort in time: text sorts '2020-1-10' before
    '2020-1-9', so each series would be fitted in another order than its dates."""
    kind = times.dtype.kind
    if kind in "iuM" or isinstance(times.dtype, (pd.DatetimeTZDtype, pd.PeriodDtype)):
        return
    raise ValueError(
        f"The 'series' parameter of {owner} must have a time column of dates, periods or "
        f"integers, which sort in time. Its {time_column!r} column has dtype "
        f"{times.dtype} (first value {times.iloc[0]!r}). Convert it first, e.g. "
        f"series[{time_column!r}] = pd.to_datetime(series[{time_column!r}]).")


def _check_unique_times(name, times, id_column, time_column, owner):
    """Refuse a series with two rows at one integer (or float) time step: windows would
    read them as two consecutive steps. Timestamps are checked with the series' index
    (``check_time_index``)."""
    if times.dtype.kind not in "iuf":
        return
    repeated = times[times.duplicated()].unique()
    if len(repeated):
        raise ValueError(
            f"The 'series' parameter of {owner} must give each series one row per time in "
            f"its {time_column!r} column. Series {name!r} has several rows at "
            f"{shown(repeated)}. Aggregate or drop the repeated rows first, e.g. "
            f"series.drop_duplicates(subset=[{id_column!r}, {time_column!r}]).")


def _as_collection(series, layout, owner):
    """``series`` (a dict or a long DataFrame) as a non-empty dict of pandas objects."""
    if isinstance(series, pd.DataFrame):
        collection = _from_long(series, *layout, owner)
    elif isinstance(series, dict):
        collection = dict(series)
    else:
        raise ValueError(
            f"The 'series' parameter of {owner} must be a dict {{name: Series or "
            "DataFrame} or a long DataFrame with id, time and value columns. Got "
            f"{type(series).__name__} instead."
        )
    if not collection:
        raise ValueError(f"The 'series' parameter of {owner} must hold at least one series. "
                         "Got none.")
    return collection


def _unknown_target(name, target, options, owner):
    """The error for a ``target`` that is not a column of series ``name``."""
    return ValueError(
        f"The 'target' parameter of {owner} must be a column of every series; series "
        f"{name!r} has columns {shown(options)}. Got {target!r} instead."
    )


def _ordered(name, data, target, owner):
    """``data`` with the target column first, and the target's position before the move.

    ``target`` is a column name for pandas input, a column position for arrays, or None
    for the first column (``data`` unchanged).

    Returns
    -------
    data : pandas.Series, pandas.DataFrame or ndarray
        The target column first, then the others in their order.
    column : int
        Position of the target column in the given ``data``.
    """
    if target is None:
        return data, 0
    if isinstance(data, pd.Series):
        if target != data.name:
            raise _unknown_target(name, target, [data.name], owner)
        return data, 0
    if isinstance(data, pd.DataFrame):
        if target not in data.columns:
            raise _unknown_target(name, target, list(data.columns), owner)
        others = [c for c in data.columns if c != target]
        return data[[target, *others]], list(data.columns).index(target)
    array = np.asarray(data)
    n_columns = 1 if array.ndim == 1 else array.shape[1]
    if target not in range(n_columns):
        raise _unknown_target(name, target, list(range(n_columns)), owner)
    if array.ndim == 1:
        return array, 0
    return array[:, [target, *(j for j in range(n_columns) if j != target)]], int(target)


def target_first(series, target, layout, owner):
    """Every series with its target column first, and that column's original position.

    Returns
    -------
    collection : dict of name -> (data, column, label)
        ``label`` names the target column (``value_column`` in the long layout, whose
        frames already start with it), or is None for the default first column.
    """
    collection = _as_collection(series, layout, owner)
    if isinstance(series, pd.DataFrame):
        return {name: (data, 0, layout[2]) for name, data in collection.items()}
    return {name: (*_ordered(name, data, target, owner), target)
            for name, data in collection.items()}


def check_lengths(collection, window, horizon, owner="fit_many"):
    """Raise, listing them, if some series have fewer than ``window + horizon`` rows."""
    needed = window + horizon
    short = {name: len(data) for name, data in collection.items() if len(data) < needed}
    if short:
        lines = "".join(f"\n    {name!r}: {n_rows} rows" for name, n_rows in short.items())
        raise ValueError(
            f"The 'series' parameter of {owner} must hold series of at least window + "
            f"horizon = {window} + {horizon} = {needed} rows (time steps) to make one "
            f"window. Got {len(short)} shorter series:{lines}\nUse a smaller window or "
            "horizon, or drop these series."
        )

def check_output_names(id_name, time_name, values, series, owner="forecast_many"):
    """Refuse an id or time column name that the table of forecasts already uses."""
    for parameter, column in (("id_column", id_name), ("time_column", time_name)):
        taken = list(values) if parameter == "id_column" else [id_name, *values]
        if column not in taken:
            continue
        if isinstance(getattr(series, "index", None), pd.MultiIndex):  # a panel
            fix = "Rename that level of the panel's index, e.g. series.rename_axis([...])"
        elif isinstance(series, pd.DataFrame):
            fix = "Rename that column of the long 'series' DataFrame and pass its new name"
        else:
            fix = f"Pass another {parameter}"
        raise ValueError(
            f"The '{parameter}' parameter of {owner} names a column of the table of "
            f"forecasts, beside the columns {shown(taken)}. Got {column!r}, which is "
            f"already one of them. {fix}."
        )


def long_forecast(name, prediction, id_name, time_name):
    """One series' forecast (Series or DataFrame) as rows of the long table."""
    frame = prediction.to_frame("forecast") if isinstance(prediction, pd.Series) else prediction
    frame = frame.rename_axis(time_name).reset_index()
    frame.insert(0, id_name, name)
    return frame


def future_frames(future, names, id_name, time_name, owner="forecast_many"):
    """``future`` (a dict, or a long DataFrame with the id and time columns) as one
    DataFrame per series, indexed by time; None stays None."""
    if future is None:
        return None
    if isinstance(future, dict):
        frames = dict(future)
    elif isinstance(future, pd.DataFrame):
        missing = [c for c in (id_name, time_name) if c not in future.columns]
        if missing:
            raise ValueError(
                f"The 'future' parameter of {owner} must be a dict {{name: DataFrame}} or "
                f"a long DataFrame with the id and time columns of the series, "
                f"{[id_name, time_name]}. Got a DataFrame without {missing}; its columns "
                f"are {shown(future.columns)}. Name them as in 'series'.")
        frames = {name: group.drop(columns=id_name).set_index(time_name)
                  for name, group in future.groupby(id_name, sort=False)}
    else:
        raise ValueError(
            f"The 'future' parameter of {owner} must be a dict {{name: DataFrame}} or a long "
            f"DataFrame. Got {type(future).__name__} instead.")
    unknown = [name for name in frames if name not in names]
    if unknown:
        raise ValueError(
            f"The 'future' parameter of {owner} holds series that 'series' does not: "
            f"{shown(unknown)}. Drop them, or add their histories to 'series'.")
    return frames
