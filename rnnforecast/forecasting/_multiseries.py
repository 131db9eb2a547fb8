"""One model per series: fit many window forecasters in parallel and forecast them all.

Many collections of time series (stores, sensors, products) are modelled one series at a
time: every series gets its own :func:`~sklearn.base.clone` of the same estimator,
trained on the windows of that series only. :func:`fit_many` fits the clones in
parallel through joblib and :func:`forecast_many` gathers their forecasts in one long
table.

The series come in either of two layouts::

    dict ("wide")                        long DataFrame
    {"sine":  Series or DataFrame,       series  timestamp   value  [feature ...]
     "trend": Series or DataFrame}       sine    2024-01-01  0.00
                                         sine    2024-01-02  0.26
                                         trend   2024-01-01  10.0
                                         ...

In the long layout each series is the rows of one ``id_column`` value, ordered by
``time_column``; its columns are ``value_column`` first, then every other column as an
exogenous feature. The three columns are named by the caller, or else found under the
default names ``series``, ``timestamp``, ``value``, or else under nixtla's
``unique_id``, ``ds``, ``y`` (:func:`long_layout`); the forecasts of a long DataFrame
use the same id and time column names. Both layouts give bit-identical models for the
same data and ``random_state``, whatever ``n_jobs`` or joblib backend is used (each
clone keeps the estimator's ``random_state``).

Parallelism follows joblib: ``n_jobs`` workers, on the backend named by ``backend``
(``"loky"``, ``"threading"``, or ``"dask"`` when a ``distributed.Client`` exists), or on
the backend of an enclosing ``joblib.parallel_config`` / ``parallel_backend`` block.
"""

import contextlib

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_backend

from .._jobs import recording, show
from .._validation import check_int
from ..windowing import make_windows, resolve_known
from ._conformal import check_levels, interval_columns
from ._forecast import forecast
from ._protocol import target_feature_of, with_target_feature

__all__ = ["fit_many", "forecast_many"]

#: How many names an error message lists before summarising the rest.
MAX_SHOWN = 5
#: Long layout: parameter -> (default column name, nixtla's name), read when not given.
LONG_DEFAULTS = {"id_column": ("series", "unique_id"), "time_column": ("timestamp", "ds"),
                 "value_column": ("value", "y")}


# ---------------------------------------------------------------------------
# Series collections: a dict or a long DataFrame -> {name: DataFrame}
# ---------------------------------------------------------------------------


def _shown(names):
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
                f"'series' DataFrame, one of {_shown(frame.columns)}. Got {column!r} "
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
            f"None), at index {_shown(frame.index[missing])}; they would be dropped "
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
            f"{_shown(repeated)}. Aggregate or drop the repeated rows first, e.g. "
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
        f"{name!r} has columns {_shown(options)}. Got {target!r} instead."
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


def _target_first(series, target, layout, owner):
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


def _check_lengths(collection, window, horizon, owner="fit_many"):
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


# ---------------------------------------------------------------------------
# fit_many
# ---------------------------------------------------------------------------


def _fit_one(estimator, data, window, horizon, known=None, name=None):
    """Fit ``estimator`` on the windows of one series (target in column 0), its
    ``known`` columns led by the horizon; a problem with the data names the series."""
    try:
        X, y = make_windows(data, window, horizon, known=known)  # (n, window, F), (n, H)
    except ValueError as error:
        raise ValueError(f"Series {name!r}: {error}") from None
    return estimator.fit(X, y[:, 0] if horizon == 1 else y)


def _forecast_one(name, model, data, steps, **options):
    """:func:`forecast` of one series, its errors naming the series."""
    try:
        return forecast(model, data, steps, **options)
    except ValueError as error:
        raise ValueError(f"Series {name!r}: {error}") from None


def _check_known_columns(collection, known, owner):
    """Every series has the ``known`` columns, none of them its target (column 0)."""
    if known is None:
        return
    for name, (data, _, _) in collection.items():
        columns = list(data.columns) if isinstance(data, pd.DataFrame) else None
        n_features = 1 if np.ndim(data) == 1 else np.shape(data)[1]
        try:
            resolve_known(known, columns, n_features, 0, owner)
        except ValueError as error:
            raise ValueError(f"Series {name!r}: {error}") from None


def _backend_context(backend):
    """``joblib.parallel_backend(backend)``, or no change when ``backend`` is None."""
    if backend is None:
        return contextlib.nullcontext()
    if not isinstance(backend, str):
        raise ValueError(
            "The 'backend' parameter of fit_many must be the name of a joblib backend "
            f"(e.g. 'loky', 'threading', 'dask') or None. Got {backend!r} instead."
        )
    return parallel_backend(backend)


def fit_many(estimator, series, *, window, horizon=1, target=None, known=None, n_jobs=None,
             backend=None, id_column=None, time_column=None, value_column=None):
    """Fit one clone of ``estimator`` per series, in parallel.

    Each clone is fitted on ``make_windows(data, window, horizon)`` of its own series
    (direct multi-step: ``y`` of shape (n_windows, horizon), or (n_windows,) when
    ``horizon == 1``). The target column is moved first, and each clone's
    ``target_feature`` parameter, when it has one, is set to 0 to match: leave it at
    its default and choose the target with ``target``.

    Parameters
    ----------
    estimator : unfitted window forecaster
        Anything with ``fit(X, y)`` on ``X`` of shape (n_windows, window, n_features),
        e.g. :class:`~rnnforecast.RNNForecaster`. It is cloned, never fitted itself.
    series : dict of name -> pandas.Series or pandas.DataFrame, or pandas.DataFrame
        Either a dict of series (each of shape (n_time,) or (n_time, n_features), time
        index sorted and unique), or a long DataFrame with one row per series and time
        step (see ``id_column``, ``time_column``, ``value_column``).
    window : int
        Input window length (``>= 1``).
    horizon : int, default=1
        Values predicted after each window (``>= 1``).
    target : str, int or None, default=None
        Target column of the dict's DataFrames (a name, or a position for arrays);
        default the first column. Ignored for the long layout, whose target is
        ``value_column``.
    known : list of str, default=None
        Columns known in advance (planned prices, calendar), read led by the horizon as
        ``make_windows(..., known=known)`` reads them; every series must have them.
        Forecast with ``forecast_many(..., future=...)``.
    n_jobs : int, default=None
        Number of parallel fits for ``joblib.Parallel`` (``-1``: all workers).
    backend : str, default=None
        Name of the joblib backend to run on, e.g. ``"loky"``, ``"threading"`` or
        ``"dask"`` (needs a running ``distributed.Client``); default the backend of
        the enclosing ``joblib.parallel_config``, else loky.
    id_column : str, default=None
        Long layout: column naming the series of each row; default ``"series"``, or
        nixtla's ``"unique_id"`` (see below).
    time_column : str, default=None
        Long layout: column of the time stamps, becomes the index of each series;
        default ``"timestamp"``, or nixtla's ``"ds"``.
    value_column : str, default=None
        Long layout: column of the values to forecast; default ``"value"``, or
        nixtla's ``"y"``. Every other column is an exogenous feature, after the value.
        The columns not named take the defaults ``series``, ``timestamp``, ``value``,
        unless one of those is missing and nixtla's ``unique_id``, ``ds``, ``y`` are
        all columns: then nixtla's.

    Returns
    -------
    models : dict of name -> fitted estimator
        In the order of ``series`` (order of first appearance for the long layout).

    Warns
    -----
    ConvergenceWarning
        Once, with how many fits stopped before converging, instead of once per
        series. The fits' other warnings are shown through the caller's filters too,
        also when the fits run in other processes.

    Raises
    ------
    ValueError
        If ``series`` is neither a dict nor a DataFrame, is empty, lacks a named column,
        or holds a series shorter than ``window + horizon`` rows (all listed); if
        ``window``, ``horizon`` or ``backend`` is invalid; if the estimator's
        ``target_feature`` names another column than ``target``; and as
        ``make_windows`` for NaN, non-numeric columns, unsorted or duplicated
        timestamps.

    Examples
    --------
    >>> from rnnforecast import RNNForecaster
    >>> index = pd.date_range("2024-01-01", periods=40, freq="D")
    >>> series = {"sine": pd.Series(np.sin(np.arange(40) / 3), index=index),
    ...           "trend": pd.Series(np.arange(40.0), index=index)}
    >>> estimator = RNNForecaster(hidden_size=4, max_iter=5, random_state=0)
    >>> models = fit_many(estimator, series, window=8, n_jobs=2)  # doctest: +SKIP
    >>> forecast_many(models, series, steps=3).shape  # doctest: +SKIP
    (6, 3)
    """
    window = check_int(window, "window", 1, "fit_many")
    horizon = check_int(horizon, "horizon", 1, "fit_many")
    layout = long_layout(series, id_column, time_column, value_column)
    collection = _target_first(series, target, layout, "fit_many")
    _check_lengths({name: data for name, (data, _, _) in collection.items()}, window, horizon)
    _check_known_columns(collection, known, "fit_many")
    clones = [with_target_feature(estimator, column, "fit_many", label=label, moved_first=True)
              for _, column, label in collection.values()]
    jobs = (
        delayed(recording)(_fit_one, model, data, window, horizon, known, name)
        for model, (name, (data, _, _)) in zip(clones, collection.items())
    )
    with _backend_context(backend):
        results = Parallel(n_jobs=n_jobs)(jobs)
    show([caught for _, caught in results], "fit_many", stacklevel=3)
    return dict(zip(collection, [model for model, _ in results]))


# ---------------------------------------------------------------------------
# forecast_many
# ---------------------------------------------------------------------------


def _check_known(models, collection):
    """Raise if a series has no fitted model in ``models``."""
    if not isinstance(models, dict):
        raise ValueError(
            "The 'models' parameter of forecast_many must be the dict {name: fitted "
            f"estimator}} returned by fit_many. Got {type(models).__name__} instead."
        )
    unknown = [name for name in collection if name not in models]
    if unknown:
        raise ValueError(
            "The 'series' parameter of forecast_many holds unknown series id(s) "
            f"{_shown(unknown)}: 'models' has no fitted model for them. Known ids: "
            f"{_shown(models)}. Fit them with fit_many or leave them out."
        )


def _check_target_first(name, model, data):
    """Refuse a model whose target feature is not the first column, where the target is."""
    n_columns = 1 if np.ndim(data) == 1 else np.shape(data)[1]
    target_feature = target_feature_of(model, n_columns, "forecast_many")
    if target_feature != 0:
        raise ValueError(
            f"The 'models' parameter of forecast_many holds a model for series {name!r} "
            f"whose target_feature is {target_feature}, but forecast_many puts the target "
            "column first, as fit_many does: the model would forecast another column. "
            "Fit the models with fit_many, or pass target=None and each series in the "
            "column order its model was fitted on."
        )


def _check_output_names(id_name, time_name, values, series, owner="forecast_many"):
    """Refuse an id or time column name that the table of forecasts already uses."""
    for parameter, column in (("id_column", id_name), ("time_column", time_name)):
        taken = list(values) if parameter == "id_column" else [id_name, *values]
        if column not in taken:
            continue
        fix = ("Rename that column of the long 'series' DataFrame and pass its new name"
               if isinstance(series, pd.DataFrame) else f"Pass another {parameter}")
        raise ValueError(
            f"The '{parameter}' parameter of {owner} names a column of the table of "
            f"forecasts, beside the columns {_shown(taken)}. Got {column!r}, which is "
            f"already one of them. {fix}."
        )


def _long_forecast(name, prediction, id_name, time_name):
    """One series' forecast (Series or DataFrame) as rows of the long table."""
    frame = prediction.to_frame("forecast") if isinstance(prediction, pd.Series) else prediction
    frame = frame.rename_axis(time_name).reset_index()
    frame.insert(0, id_name, name)
    return frame


def _future_frames(future, names, id_name, time_name, owner="forecast_many"):
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
                f"are {_shown(future.columns)}. Name them as in 'series'.")
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
            f"{_shown(unknown)}. Drop them, or add their histories to 'series'.")
    return frames


def forecast_many(models, series, steps=None, *, interval=None, freq=None, target=None,
                  future=None, id_column=None, time_column=None, value_column=None):
    """Forecast every series after its history with its own fitted model.

    Each series is forecast with :func:`~rnnforecast.forecasting.forecast`: the model
    reads the last ``window`` rows of the series and predicts ``steps`` values, indexed
    by the timestamps that follow the series' last one.

    Parameters
    ----------
    models : dict of name -> fitted window forecaster, or GlobalForecaster
        As returned by :func:`fit_many`, or one fitted
        :class:`~rnnforecast.forecasting.GlobalForecaster` for every series (the same
        as its ``forecast`` method).
    series : dict of name -> pandas.Series or pandas.DataFrame, or pandas.DataFrame
        The histories, in either layout of :func:`fit_many` and with the columns used
        there. May hold a subset of the models' series; every series needs a model.
    steps : int, default=None
        Number of future values; default each model's trained horizon ``n_outputs_``
        (recursive beyond it, univariate series only).
    interval : float in (0, 1) or list of float, default=None
        Coverage of split-conformal intervals from each model's
        ``conformal_residuals_`` (e.g. ``RNNForecaster(early_stopping=True)``); a
        list such as ``[0.8, 0.95]`` gives one nested interval per level, as
        :func:`~rnnforecast.forecasting.forecast` does.
    freq : str, pandas.DateOffset, int or None, default=None
        Spacing of the future timestamps; default inferred from each series' index.
    future : dict of name -> pandas.DataFrame, or pandas.DataFrame, default=None
        For models fitted with ``fit_many(..., known=[...])``: the values of the
        columns known in advance after each series, as ``forecast``'s ``future`` (a
        DataFrame indexed by the future timestamps), per series in a dict or as a long
        DataFrame with the id and time columns of ``series`` and the known columns.
        Required for such models, refused for the others (by ``forecast``).
    target, id_column, time_column, value_column : default None
        The same layout arguments as given to :func:`fit_many`, with the same
        defaults (``series``, ``timestamp``, ``value``, or nixtla's ``unique_id``,
        ``ds``, ``y``).

    Returns
    -------
    forecasts : pandas.DataFrame of shape (n_series * steps, 3 + 2 * n_levels)
        One row per series and future time step. Columns: the id and time columns
        under the caller's names (``id_column``, ``time_column``; for a long
        DataFrame without them, ``series``, ``timestamp`` or nixtla's ``unique_id``,
        ``ds`` as found in it; for a dict, ``series`` and ``timestamp``), then
        ``forecast``, and with ``interval`` the bounds of
        :func:`~rnnforecast.forecasting.forecast`: ``lower``, ``upper`` for one level,
        ``lower_80``, ``upper_80``, ... for a list.

    Raises
    ------
    ValueError
        If ``models`` is not a dict, ``series`` holds an id without a model, a model's
        ``target_feature`` is not 0 although the target is moved first (``target``
        given, or the long layout), ``id_column`` or ``time_column`` is the name of
        another column of the forecasts (e.g. ``"forecast"``), or as
        :func:`~rnnforecast.forecasting.forecast` (history too short, wrong columns,
        NaN in the last window, invalid ``steps`` or ``interval``).
    """
    from ._global import GlobalForecaster  # imported here: _global imports this module

    if isinstance(models, GlobalForecaster):  # one model for every series
        return models._forecast(series, steps, interval, freq, target,
                                (id_column, time_column, value_column), "forecast_many",
                                future)
    layout = long_layout(series, id_column, time_column, value_column)
    levels = None if interval is None else check_levels(interval, "interval", "forecast_many")
    values = ["forecast", *([] if levels is None else interval_columns(levels))]
    _check_output_names(*layout[:2], values, series)
    collection = _target_first(series, target, layout, "forecast_many")
    _check_known(models, collection)
    if isinstance(series, pd.DataFrame) or target is not None:
        for name, (data, _, _) in collection.items():
            _check_target_first(name, models[name], data)
    futures = _future_frames(future, list(collection), *layout[:2])
    frames = [
        _long_forecast(name, _forecast_one(name, models[name], data, steps, freq=freq,
                                           interval=interval,
                                           future=_future_of(futures, name)), *layout[:2])
        for name, (data, _, _) in collection.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _future_of(futures, name):
    """The future values of series ``name``, or None."""
    return None if futures is None else futures.get(name)
