"""From a fitted window forecaster to forecasts: future values, timestamps, intervals.

Everything here works with any fitted *window forecaster*
(:class:`WindowForecaster`): an object with ``predict(X)`` on windows of shape
(n_samples, n_timesteps, n_features) and the attributes ``n_timesteps_in_``,
``n_step_features_in_`` and ``n_outputs_`` — ``RNNForecaster``, the baselines below,
or a wrapper around any regressor.

===============================  ========================================================
:func:`forecast`                 next values after a pandas history, indexed by future
                                 timestamps, optionally with conformal intervals
:func:`recursive_forecast`       next values after one window (ndarray), recursive
                                 beyond the trained horizon
:func:`future_index`             timestamps after a time index (daily, business days,
                                 monthly, hourly, ... or integers)
:func:`default_window`           a window length suited to the data's frequency
:func:`conformal_quantiles`      split-conformal half-widths per forecast step
:func:`local_scale`              local scale of windows, for locally scaled intervals
:func:`recursive_residuals`      calibration residuals of the recursive procedure
:func:`fit_many`                 one model per series, fitted in parallel
:func:`forecast_many`            forecasts of many series in one long table (a panel
                                 indexed by (series id, time) for a panel's series)
:class:`GlobalForecaster`        one model fitted on many series (per-series scaling,
                                 static covariates), forecasting them all
:class:`NaiveForecaster`         last value; :class:`SeasonalNaiveForecaster`: last season
:class:`WindowForecaster`        the contract above, as a ``typing.Protocol``
:class:`AutoForecaster`          one call: a forecaster chosen on the history's last
                                 windows (networks, ridge on lags, baselines), refitted
:func:`seasonal_period`          the season length of a time index
:func:`calendar_features`        Fourier terms of month, weekday and hour, and holidays,
                                 of any timestamps (columns known in advance)
===============================  ========================================================

Prediction intervals are split conformal (see :mod:`rnnforecast.forecasting._conformal`):
residuals of held-out windows give one half-width per lead time and level (one level,
``interval=0.9``: columns ``lower``, ``upper``; several, ``interval=[0.8, 0.95]``:
``lower_80``, ``upper_80``, ``lower_95``, ``upper_95``, nested). For lead times
beyond the trained horizon the residuals must come from the recursive procedure
itself (:func:`recursive_residuals`); they are never extrapolated.

Rolling-origin evaluation (``backtest``) lives in :mod:`rnnforecast.model_selection`.

Layout: ``_protocol`` (the contract), ``_recursive`` (predictions over and beyond the
horizon), ``_future_index`` (timestamps), ``_conformal`` (intervals), ``_forecast``
(:func:`forecast`), ``_multiseries`` (series layouts in ``_collection``
and ``_panel``), ``_global`` (with ``_global_data``) and
``_baselines``.
"""

import warnings

from ._auto import AutoForecaster
from ._auto_rules import auto_window, seasonal_period, training_budget
from ._baselines import NaiveForecaster, SeasonalNaiveForecaster
from ._calendar import calendar_features
from ._conformal import conformal_quantiles, local_scale
from ._recursive_residuals import recursive_residuals
from ._forecast import forecast
from ._future_index import default_window, future_index
from ._global import GlobalForecaster
from ._multiseries import fit_many, forecast_many
from ._protocol import WindowForecaster
from ._recursive import recursive_forecast

__all__ = [
    "AutoForecaster",
    "GlobalForecaster",
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "WindowForecaster",
    "auto_window",
    "calendar_features",
    "conformal_quantiles",
    "default_window",
    "fit_many",
    "forecast",
    "forecast_many",
    "future_index",
    "local_scale",
    "recursive_forecast",
    "recursive_residuals",
    "seasonal_period",
    "training_budget",
]

#: Names that moved to rnnforecast.model_selection; still importable from here, with a warning.
MOVED_TO_MODEL_SELECTION = ("BacktestResult", "backtest")


def __getattr__(name):
    """``backtest`` and ``BacktestResult`` from their new home, with a FutureWarning."""
    if name not in MOVED_TO_MODEL_SELECTION:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    warnings.warn(
        f"rnnforecast.forecasting.{name} moved to rnnforecast.model_selection; import it "
        f"with `from rnnforecast.model_selection import {name}`. The old path will be "
        "removed in a future version.",
        FutureWarning,
        stacklevel=2,
    )
    from .. import model_selection

    return getattr(model_selection, name)
