"""One model per series: fit many window forecasters in parallel and forecast them all.

Many collections of time series (stores, sensors, products) are modelled one series at a
time: every series gets its own :func:`~sklearn.base.clone` of the same estimator,
trained on the windows of that series only. :func:`fit_many` fits the clones in
parallel through joblib and :func:`forecast_many` gathers their forecasts in one long
table.

The series come as a dict of series, a long DataFrame with id, time and value columns,
or a panel (a DataFrame indexed by (series id, time)); ``_collection.py`` reads the first
two and ``_panel.py`` the third. In the long layout each series is the rows of one
``id_column`` value, ordered by ``time_column``; its columns are ``value_column`` first,
then every other column as an exogenous feature. The three columns are named by the
caller, or else found under the default names ``series``, ``timestamp``, ``value``, or
else under nixtla's ``unique_id``, ``ds``, ``y`` (:func:`~._collection.long_layout`); the
forecasts of a long DataFrame use the same id and time column names, those of a panel are
a panel. All layouts give bit-identical models for the same data and ``random_state``,
whatever ``n_jobs`` or joblib backend is used (each clone keeps the estimator's
``random_state``).

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
from ._collection import (check_lengths, check_output_names, future_frames, long_forecast,
                          long_layout, shown, target_first)
from ._conformal import check_levels, interval_columns
from ._forecast import forecast
from ._panel import as_long, as_panel, panel_future
from ._protocol import target_feature_of, with_target_feature

__all__ = ["fit_many", "forecast_many"]



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
        step (see ``id_column``, ``time_column``, ``value_column``), or a panel: a
        DataFrame (or Series) indexed by a two-level MultiIndex (series id, time), read
        as the long DataFrame whose id and time columns are the levels (under their
        names, else ``id_column`` / ``time_column``, else the defaults) and whose other
        columns are its columns; its value column is ``value_column``, else ``target``,
        else its first column, and the other columns are exogenous features.
    window : int
        Input window length (``>= 1``).
    horizon : int, default=1
        Values predicted after each window (``>= 1``).
    target : str, int or None, default=None
        Target column of the dict's DataFrames (a name, or a position for arrays) or of
        a panel; default the first column. Ignored for the long layout, whose target is
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
        is a panel with other than two index levels, level names other than
        ``id_column`` / ``time_column``, repeated (id, time) pairs or a MultiIndex on
        its columns,
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
    series, columns, _ = as_long(series, (id_column, time_column, value_column), target,
                                 "fit_many")
    layout = long_layout(series, *columns)
    collection = target_first(series, target, layout, "fit_many")
    check_lengths({name: data for name, (data, _, _) in collection.items()}, window, horizon)
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
            f"{shown(unknown)}: 'models' has no fitted model for them. Known ids: "
            f"{shown(models)}. Fit them with fit_many or leave them out."
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
        The histories, in any layout of :func:`fit_many` (dict, long DataFrame, panel)
        and with the columns used there. May hold a subset of the models' series; every series needs a model.
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
        DataFrame indexed by the future timestamps), per series in a dict, as a long
        DataFrame with the id and time columns of ``series`` and the known columns, or
        as a panel indexed by (id, time) (levels unnamed or named as in ``series``).
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
        ``lower_80``, ``upper_80``, ... for a list. For a panel ``series``, the id and
        time are the levels of the index instead, under the panel's level names: a
        panel of shape (n_series * steps, 1 + 2 * n_levels).

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
    given = series
    series, columns, index_names = as_long(series, (id_column, time_column, value_column),
                                           target, "forecast_many")
    layout = long_layout(series, *columns)
    levels = None if interval is None else check_levels(interval, "interval", "forecast_many")
    values = ["forecast", *([] if levels is None else interval_columns(levels))]
    check_output_names(*layout[:2], values, given)
    collection = target_first(series, target, layout, "forecast_many")
    _check_known(models, collection)
    if isinstance(series, pd.DataFrame) or target is not None:
        for name, (data, _, _) in collection.items():
            _check_target_first(name, models[name], data)
    futures = future_frames(panel_future(future, layout[:2], "forecast_many"),
                            list(collection), *layout[:2])
    frames = [
        long_forecast(name, _forecast_one(name, models[name], data, steps, freq=freq,
                                           interval=interval,
                                           future=_future_of(futures, name)), *layout[:2])
        for name, (data, _, _) in collection.items()
    ]
    return as_panel(pd.concat(frames, ignore_index=True), layout, index_names)


def _future_of(futures, name):
    """The future values of series ``name``, or None."""
    return None if futures is None else futures.get(name)
