"""One global model for a collection of series: :class:`GlobalForecaster`.

:func:`~rnnforecast.forecasting.fit_many` fits one model per series. A *global* model
is one window forecaster fitted on the windows of every series at once (the default of
darts and neuralforecast), which gives a network many more windows to learn from on
collections of short related series, and one fit instead of hundreds::

    series a ─scale a─> windows ─┐
    series b ─scale b─> windows ─┼─> one estimator ─> forecasts, unscaled per series
    series c ─scale c─> windows ─┘     (+ static covariates of each series)

1. **Per-series scaling.** Each series is mapped to ``z = (y - location) / scale`` with
   the location and scale of its own training values (``scaling``), so series of
   different levels and units share one network. A flat series gets scale 1.
2. **Static covariates** (``static``): a one-hot column per series id (``"id"``)
   and/or numeric attributes from a DataFrame indexed by series id, appended to every
   time step of every window as constant features. An estimator's own window offset
   (``RNNForecaster(window_normalization="last")``) would subtract those constants and
   erase them, so with static covariates the global model removes the offset of the
   value feature itself and fits the estimator with ``window_normalization=None``:
   the same arithmetic on the values, the static features kept.
3. **Time-ordered pooling.** The windows of all series are ordered by their distance
   from the end of their series, so an estimator that holds out its last windows
   (early stopping, conformal residuals) validates on the most recent windows of
   every series, with a purge gap inside every series
   (:func:`~._global_data.pooled_layout`).
4. **Forecasts** are made in scaled units from each series' last window (recursive
   beyond the trained horizon: static covariates are known in the future), mapped
   back with the series' location and scale and indexed by the timestamps after that
   series' last one. Intervals come from the estimator's conformal residuals, which are
   in scaled units: each series' half-widths are multiplied by its own scale, which is
   exact since ``y - ŷ = scale · (z - ẑ)``.
5. **Layouts.** The series come as a dict, a long DataFrame or a panel indexed by
   (series id, time) (``_collection.py``, ``_panel.py``); a panel's forecasts are a
   panel.
6. **Columns known in advance** (``known``): scaled per series and column, read led by
   the horizon between the value and the static features (``_global_known.py``), and
   given for the forecast dates in ``forecast(..., future=...)``.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._validation import check_finite, check_int
from ..windowing import make_windows
from ._conformal import check_calibration, check_levels, interval_columns, level_widths
from ._future_index import extend_index
from ._global_data import (check_all_finite, check_scaling, check_static, pooled_layout,
                           series_statistics, series_values, static_matrix, static_names,
                           window_features)
from ._global_known import check_known, future_known, known_scaling, known_window, split_known
from ._collection import (check_lengths, check_output_names, long_forecast, long_layout,
                          target_first)
from ._panel import as_long, as_panel, panel_future
from ._protocol import calibration, predict_block, with_target_feature
from ._recursive import check_steps

__all__ = ["GlobalForecaster"]

OWNER = "GlobalForecaster"


def _with_known(X, known):
    """Window features (N, T, 1 + S) with the led known values (N, T, K) put after the
    value feature: (N, T, 1 + K + S)."""
    if known.shape[2] == 0:
        return X
    return np.concatenate([X[:, :, :1], known, X[:, :, 1:]], axis=2)


def _default_estimator():
    """``RNNForecaster(random_state=0)``; imported here, as the estimators import this
    layer."""
    from ..estimators import RNNForecaster  # the global model's default network

    return RNNForecaster(random_state=0)


def _sorted_ids(names):
    """Series ids in sorted order (first appearance when they do not sort, e.g. mixed
    types), so that the model does not depend on the order of the rows or the dict."""
    try:
        return sorted(names)
    except TypeError:
        return list(names)


def _holdout(estimator):
    """The fraction of its last windows the estimator may hold out, or None.

    ``RNNForecaster`` holds out its last ``validation_fraction`` of the windows, after a
    purge gap of ``horizon - 1``, for early stopping or for the calibration residuals of
    a second fit (``calibration``).
    """
    params = estimator.get_params()
    holds_out = params.get("early_stopping") or params.get("calibration")
    return params.get("validation_fraction") if holds_out else None


class GlobalForecaster(BaseEstimator):
    """One window forecaster fitted on many series, with per-series scaling.

    See the module docstring for what ``fit`` and ``forecast`` do.

    Parameters
    ----------
    estimator : unfitted window forecaster or None, default=None
        Anything with ``fit(X, y)`` on windows, e.g.
        :class:`~rnnforecast.RNNForecaster`; cloned, never fitted itself. Default
        ``RNNForecaster(random_state=0)``.
    window : int
        Input window length (``>= 1``); every series needs ``window + horizon`` rows.
    horizon : int, default=1
        Values predicted after each window (direct multi-step); ``forecast`` goes
        further recursively.
    static : None, "id", pandas.DataFrame or list, default=None
        Static covariates: ``"id"`` adds a one-hot column per fitted series id (such a
        model forecasts only the ids it was fitted on); a DataFrame indexed by series
        id with numeric (or bool) columns adds those attributes; ``["id", frame]``
        both. The frame may hold more ids than the series (a lookup table); every
        series needs a row.
    scaling : {"standard", "mean_abs"} or None, default="standard"
        Per-series scaling from the series' training values: ``"standard"`` subtracts
        the mean and divides by the standard deviation; ``"mean_abs"`` divides by the
        mean absolute value (keeps zeros at zero, e.g. for counts); None leaves the
        values as they are.
    known : list of str, default=None
        Columns known in advance (planned prices, calendar terms) that every series
        carries beside its value column. Each is standardised per series (from its fit
        history) and read led by the horizon, as ``make_windows(..., known=...)`` does;
        :meth:`forecast` needs their future values (``future``).

    Attributes
    ----------
    estimator_ : fitted window forecaster
        Fitted on the windows of every series; its inputs are scaled values
        (feature 0) and the static covariates (features 1, 2, ...).
    ids_ : list of length n_series
        The fitted series ids, sorted (first appearance when they cannot be sorted).
    location_, scale_ : ndarray of shape (n_series,)
        Each fitted series' location and scale, in the order of ``ids_``.
    static_names_ : list of str
        Names of the static features: ``id=<name>`` per fitted id, then the attributes.
    attributes_ : pandas.DataFrame of shape (n_ids, n_attributes) or None
        The attributes given in ``static`` (float64 copy), for forecasting.
    window_offset_ : {"last", "mean"} or None
        The window offset the global model removes itself (with static covariates).
    n_windows_ : int
        Windows the estimator was fitted on.
    n_validation_ : int
        Of those, the most recent windows held out by the estimator (0 if none).
    window_, horizon_ : int
        The checked ``window`` and ``horizon``.
    scaling_ : str or None
        The checked ``scaling``, also used for series first seen in ``forecast``.
    use_id_ : bool
        Whether one-hot id columns are among the static features.
    known_ : tuple of str
        The checked ``known`` (empty without).
    known_scaling_ : ndarray of shape (n_series, n_known, 2)
        Location and scale of every known column of every fitted series.

    Examples
    --------
    >>> from rnnforecast import RNNForecaster
    >>> index = pd.date_range("2024-01-01", periods=40, freq="D")
    >>> series = {"sine": pd.Series(np.sin(np.arange(40) / 3), index=index),
    ...           "trend": pd.Series(np.arange(40.0), index=index)}
    >>> model = GlobalForecaster(RNNForecaster(hidden_size=4, max_iter=5, random_state=0),
    ...                          window=8, horizon=3, static="id")
    >>> model.fit(series).forecast(series).shape  # doctest: +SKIP
    (6, 3)
    """

    def __init__(self, estimator=None, *, window, horizon=1, static=None,
                 scaling="standard", known=None):
        self.estimator = estimator
        self.window = window
        self.horizon = horizon
        self.static = static
        self.scaling = scaling
        self.known = known

    # ----------------------------------------------------------------- fit
    def _checked_params(self):
        """window, horizon, scaling, (use_id, attributes), and the unfitted clone."""
        window = check_int(self.window, "window", 1, OWNER)
        horizon = check_int(self.horizon, "horizon", 1, OWNER)
        scaling = check_scaling(self.scaling, OWNER)
        static = check_static(self.static, OWNER)
        estimator = _default_estimator() if self.estimator is None else self.estimator
        model = with_target_feature(estimator, 0, OWNER)
        return window, horizon, scaling, static, model

    def _collection(self, series, target, layout, owner, known=()):
        """Values and time index of every series, one column each, and the values of
        its ``known`` columns (None without)."""
        collection = target_first(series, target, layout, owner)
        known_values = None
        if known:
            collection, known_values = split_known(collection, known, owner)
        values, indexes = series_values(collection, isinstance(series, pd.DataFrame), owner)
        return values, indexes, known_values

    def fit(self, series, *, target=None, id_column=None, time_column=None,
            value_column=None):
        """Fit one clone of the estimator on the windows of every series.

        Parameters
        ----------
        series : dict of name -> pandas.Series, pandas.DataFrame or array, or \
pandas.DataFrame
            A dict of series, a long DataFrame with id, time and value columns, or a
            panel indexed by (series id, time) (see
            :func:`~rnnforecast.forecasting.fit_many`); one value column per series.
            Every series needs ``window + horizon`` rows and finite values.
        target : str, int or None, default=None
            The column of the dict's DataFrames to forecast (the others are not read);
            needed when they have several columns. Of a panel: its value column, as
            ``value_column`` (the others must be ``known``).
        id_column, time_column, value_column : str, default=None
            Long layout column names, with :func:`~rnnforecast.forecasting.fit_many`'s
            defaults (``series``, ``timestamp``, ``value``, or nixtla's ``unique_id``,
            ``ds``, ``y``).

        Returns
        -------
        self : GlobalForecaster

        Raises
        ------
        ValueError
            For an invalid parameter, an empty collection, a series with several
            columns (without ``target``), NaN/inf values, an unsorted or duplicated
            time index, fewer than ``window + horizon`` rows, static attributes that
            are not numeric or lack a series; if the estimator held out another number
            of windows than the time-ordered layout planned.
        """
        window, horizon, scaling, (use_id, attributes), model = self._checked_params()
        known = check_known(self.known, OWNER)
        series, columns, _ = as_long(series, (id_column, time_column, value_column), target,
                                     OWNER)
        layout = long_layout(series, *columns)
        values, indexes, known_values = self._collection(series, target, layout, OWNER,
                                                         known)
        check_lengths(values, window, horizon, owner=OWNER)
        ids = _sorted_ids(values)
        for name in ids:
            check_all_finite(name, values[name], indexes[name], OWNER)
            if known:
                check_finite(known_values[name], f"series[{name!r}]", OWNER,
                             index=indexes[name], columns=list(known))
        stats = np.array([series_statistics(values[name], scaling) for name in ids])
        known_stats = np.array([known_scaling(known_values[name]) for name in ids]) \
            if known else np.zeros((len(ids), 0, 2))
        scaled_known = [(known_values[name] - s[:, 0]) / s[:, 1]
                        for name, s in zip(ids, known_stats)] if known else None
        static = static_matrix(ids, ids, use_id, attributes, OWNER)  # (n_series, S)
        offset = None
        if static.shape[1] and "window_normalization" in model.get_params():
            offset = model.get_params()["window_normalization"]
            model.set_params(window_normalization=None)
        fraction = _holdout(model)
        X, y, n_validation = self._pooled_windows(
            [(values[name] - loc) / scale for name, (loc, scale) in zip(ids, stats)],
            static, offset, window, horizon, fraction, scaled_known)
        model.fit(X, y[:, 0] if horizon == 1 else y)
        if fraction is not None:
            self._check_held_out(model, n_validation)
        self.estimator_, self.ids_ = model, ids
        self.location_, self.scale_ = stats[:, 0].copy(), stats[:, 1].copy()
        self.static_names_ = static_names(ids, use_id, attributes)
        self.use_id_, self.attributes_, self.window_offset_ = use_id, attributes, offset
        self.n_windows_, self.n_validation_ = len(X), n_validation
        self.window_, self.horizon_, self.scaling_ = window, horizon, scaling
        self.known_, self.known_scaling_ = known, known_stats
        return self

    @staticmethod
    def _pooled_windows(scaled, static, offset, window, horizon, fraction, known=None):
        """Windows of every scaled series, with statics, in time order (see
        :func:`~._global_data.pooled_layout`).

        Returns
        -------
        X : ndarray of shape (n_pooled, window, 1 + n_known + n_static)
        y : ndarray of shape (n_pooled, horizon)
            Targets minus the window offsets.
        n_validation : int
        """
        if known is None:
            cut = [make_windows(z, window, horizon) for z in scaled]  # (n_s, T, 1), (n_s, H)
        else:  # the known columns led by the horizon: (n_s, T, 1 + K)
            cut = [make_windows(np.column_stack([z, k]), window, horizon,
                                known=list(range(1, 1 + k.shape[1])))
                   for z, k in zip(scaled, known)]
        counts = np.array([len(Xs) for Xs, _ in cut])
        order, n_validation = pooled_layout(counts, fraction, horizon - 1)
        series, distance = np.array(order).T  # (N,), (N,)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])  # first row of each series
        rows = first[series] + counts[series] - 1 - distance  # (N,) rows of the stacks
        stacked = np.concatenate([np.asarray(Xs) for Xs, _ in cut])[rows]  # (N, T, 1 + K)
        Y = np.concatenate([ys for _, ys in cut])[rows]  # (N, H)
        X, offsets = window_features(stacked[:, :, 0], static[series], offset)
        X = _with_known(X, stacked[:, :, 1:])
        return X, Y - offsets[:, np.newaxis], n_validation

    @staticmethod
    def _check_held_out(model, n_validation):
        """Refuse a fit whose held-out windows are not the ones the layout planned."""
        residuals = getattr(model, "conformal_residuals_", None)
        held_out = 0 if residuals is None else len(residuals)
        if residuals is not None and held_out != n_validation:
            raise ValueError(
                f"The 'estimator' of {OWNER} held out {held_out} validation window(s) "
                f"where the time-ordered layout of the series planned {n_validation}: its "
                "validation windows would not be the most recent windows of every series "
                "behind a purge gap, and its validation loss and intervals would be "
                "optimistic. Use early_stopping=False and calibration=False, or more or "
                "longer series.")

    # ----------------------------------------------------------------- forecast
    def _series_scaling(self, name, values, index, owner):
        """Location and scale of a series: those of fit for a fitted id, else its own."""
        if name in self._positions():
            i = self._positions()[name]
            return self.location_[i], self.scale_[i]
        check_all_finite(name, values, index, owner)
        return series_statistics(values, self.scaling_)

    def _positions(self):
        return {name: i for i, name in enumerate(self.ids_)}

    def _last_windows(self, values, indexes, names, owner):
        """Scaled last windows (n_series, window), and each series' (location, scale)."""
        short = {name: len(values[name]) for name in names
                 if len(values[name]) < self.window_}
        if short:
            lines = "".join(f"\n    {name!r}: {n} rows" for name, n in short.items())
            raise ValueError(
                f"The 'series' parameter of {owner} must hold series of at least window = "
                f"{self.window_} rows, the window the model reads. Got {len(short)} "
                f"shorter series:{lines}\nPass longer histories or drop these series.")
        stats, rows = [], []
        for name in names:
            last = values[name][-self.window_:]
            check_finite(last[:, np.newaxis], f"series[{name!r}]", owner,
                         index=indexes[name][-self.window_:], columns=["value"])
            loc, scale = self._series_scaling(name, values[name], indexes[name], owner)
            stats.append((loc, scale))
            rows.append((last - loc) / scale)
        return np.stack(rows), np.array(stats)  # (n, T), (n, 2)

    def _predict_scaled(self, Z, static, steps, known=None):
        """Scaled forecasts (n, steps) from scaled windows Z (n, T), recursive beyond
        the trained horizon; returns also the features of the first windows. ``known``:
        a function of the block number giving the led known values (n, T, K)."""
        blocks, X_first = [], None
        while len(blocks) * self.horizon_ < steps:
            X, offsets = window_features(Z, static, self.window_offset_)
            if known is not None:
                X = _with_known(X, known(len(blocks)))
            X_first = X if X_first is None else X_first
            block = predict_block(self.estimator_, X, self.horizon_) + offsets[:, None]
            blocks.append(block)  # (n, H)
            Z = np.concatenate([Z, block], axis=1)[:, -self.window_:]  # (n, T)
        return np.concatenate(blocks, axis=1)[:, :steps], X_first

    def _known_blocks(self, known_values, indexes, ids, future, steps, layout, freq, owner):
        """A function of the block number: the led, scaled known values of every series'
        window of that block, (n, T, K), from its history and ``future``."""
        T, H = self.window_, self.horizon_
        n_rows = -(-steps // H) * H  # every step the recursion reads
        given = future_known(future, ids, indexes, self.known_, n_rows, layout, freq, owner)
        full, sizes = [], []
        for name in ids:
            history = known_values[name]
            used = history[len(history) - T + H:]  # the history rows the first block reads
            check_finite(used, f"series[{name!r}]", owner, index=indexes[name][len(history)
                         - T + H:], columns=list(self.known_))
            if name in self._positions():
                stats = self.known_scaling_[self._positions()[name]]
            else:
                check_finite(history, f"series[{name!r}]", owner, index=indexes[name],
                             columns=list(self.known_))
                stats = known_scaling(history)
            full.append((np.concatenate([history, given[name]]) - stats[:, 0]) / stats[:, 1])
            sizes.append(len(history))

        def block(b):
            return np.stack([known_window(f, n, T, H, b) for f, n in zip(full, sizes)])
        return block

    def _calibration(self, levels, interval, steps, owner):
        """The estimator's residuals and scales (scaled units), checked for ``steps``."""
        if steps > self.horizon_:
            raise ValueError(
                f"The 'interval' parameter of {owner} gives intervals up to the trained "
                f"horizon = {self.horizon_} steps: the conformal residuals say nothing "
                f"about the recursive steps after it. Got steps={steps}. Fit with "
                f"horizon={steps}, or ask for at most {self.horizon_} steps with "
                "intervals.")
        stored = calibration(self.estimator_, owner=owner, coverage=interval,
                             fitted_here=True)
        return check_calibration(*stored, steps, levels, owner)

    def forecast(self, series, steps=None, *, interval=None, freq=None, target=None,
                 future=None, id_column=None, time_column=None, value_column=None):
        """Forecast every series after its history, in one long table.

        Parameters
        ----------
        series : dict, long pandas.DataFrame or panel
            The histories, in a layout of :meth:`fit`; at least ``window`` rows each,
            finite in the last ``window`` rows. Ids seen in fit are scaled as in fit;
            new ids (refused with ``static="id"``; with attributes they need a row in
            them) are scaled by their own history, which must then be finite.
        steps : int, default=None
            Future values per series; default the trained horizon (recursive beyond).
        interval : float in (0, 1) or list of float, default=None
            Split-conformal intervals from the estimator's residuals (e.g. the default
            ``RNNForecaster``'s early stopping), up to the trained horizon, as in
            :func:`~rnnforecast.forecasting.forecast_many`.
        freq : str, pandas.DateOffset, int or None, default=None
            Spacing of the future timestamps; default inferred from each series.
        future : dict of name -> pandas.DataFrame, or pandas.DataFrame, default=None
            With ``known``: the known columns' values after every series' history,
            ``ceil(steps / horizon) * horizon`` rows each, indexed by the future
            timestamps (a dict), a long DataFrame with the id and time columns, or a
            panel indexed by (id, time).
            Required then, refused otherwise.
        target, id_column, time_column, value_column : default None
            The layout arguments of :meth:`fit`.

        Returns
        -------
        forecasts : pandas.DataFrame of shape (n_series * steps, 3 + 2 * n_levels)
            The columns of :func:`~rnnforecast.forecasting.forecast_many`: the id and
            time columns under the caller's names, ``forecast``, and the bounds; for a
            panel ``series``, a panel indexed by (id, time) under its level names.
        """
        return self._forecast(series, steps, interval, freq, target,
                              (id_column, time_column, value_column), OWNER, future)

    def _forecast(self, series, steps, interval, freq, target, columns, owner, future=None):
        """:meth:`forecast`, with the function named in error messages (``owner``)."""
        check_is_fitted(self, "estimator_")
        steps = check_steps(self.horizon_ if steps is None else steps, 1, self.horizon_,
                            owner)
        given = series
        series, columns, index_names = as_long(series, columns, target, owner)
        layout = long_layout(series, *columns)
        levels = None if interval is None else check_levels(interval, "interval", owner)
        names = ["forecast", *([] if levels is None else interval_columns(levels))]
        check_output_names(*layout[:2], names, given, owner)
        calibrated = None if levels is None else self._calibration(levels, interval,
                                                                   steps, owner)
        known = getattr(self, "known_", ())
        if future is not None and not known:
            raise ValueError(
                f"The 'future' parameter of {owner} is for a GlobalForecaster fitted with "
                "known=[...]; this one reads no columns known in advance. Pass "
                "future=None.")
        values, indexes, known_values = self._collection(series, target, layout, owner,
                                                         known)
        ids = list(values)
        futures = [extend_index(indexes[name], steps, freq, owner=owner, name="series")
                   for name in ids]
        static = static_matrix(ids, self.ids_, self.use_id_, self.attributes_, owner)
        Z, stats = self._last_windows(values, indexes, ids, owner)  # (n, T), (n, 2)
        led = None
        if known:
            led = self._known_blocks(known_values, indexes, ids,
                                     panel_future(future, layout[:2], owner), steps,
                                     layout[:3], freq, owner)
        Z_pred, X = self._predict_scaled(Z, static, steps, led)
        y_pred = stats[:, :1] + stats[:, 1:] * Z_pred  # (n, steps)
        bounds = []
        if calibrated is not None:  # half-widths in scaled units, times each scale
            widths = level_widths(*calibrated, X, levels, 0) * stats[None, :, 1:]
            bounds = [y_pred + sign * width for width in widths for sign in (-1, 1)]
        frames = [long_forecast(name, pd.DataFrame(
            dict(zip(names, [y_pred[i], *(b[i] for b in bounds)])), index=future),
            *layout[:2]) for i, (name, future) in enumerate(zip(ids, futures))]
        return as_panel(pd.concat(frames, ignore_index=True), layout, index_names)
