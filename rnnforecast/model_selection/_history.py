"""Backtests of a forecaster that is fitted on the history itself, not on windows.

:class:`~rnnforecast.forecasting.AutoForecaster` (what the ``rnnforecast forecast``
command runs) chooses its own window, seasonal period and candidate from the history it
is given. ``backtest`` refits a clone of it on the rows before every origin, as a
DataFrame with their timestamps, and reads the ``horizon`` values it forecasts, and the
half-widths of its intervals. Its columns known in advance (``known``) are known at the
origin for the ``horizon`` rows after it: they are given to ``predict`` from the data.
"""

import numpy as np
import pandas as pd

from ..forecasting import AutoForecaster

__all__ = ["check_history_forecaster", "fit_history_and_forecast", "is_history_forecaster"]


def is_history_forecaster(estimator):
    return isinstance(estimator, AutoForecaster)


def check_history_forecaster(estimator, window, horizon, refit, owner):
    """Refuse the settings a history forecaster does not take; returns the window
    length that bounds the first training part (its own rules choose the real one)."""
    if window is not None:
        raise ValueError(
            f"The 'window' parameter of {owner} must be None for an AutoForecaster, which "
            f"chooses its window from the history. Got {window!r}; set "
            "AutoForecaster(window=...) to fix it instead.")
    if estimator.horizon != horizon:
        raise ValueError(
            f"The 'horizon' parameter of {owner} must equal the AutoForecaster's horizon "
            f"({estimator.horizon}), the horizon its candidates are chosen for. Got "
            f"{horizon}.")
    if not refit:
        raise ValueError(
            f"The 'refit' parameter of {owner} must be True for an AutoForecaster: it "
            "forecasts from the end of the history it was fitted on. Got refit=False.")
    return 1


def _known_future(estimator, values, origin, labels, columns):
    """The known columns' values at the ``horizon`` rows after ``origin``, or None."""
    known = list(estimator.known)
    if not known:
        return None
    names = list(range(values.shape[1])) if columns is None else list(columns)
    rows = slice(origin, origin + estimator.horizon)
    return pd.DataFrame(values[rows][:, [names.index(k) for k in known]],
                        index=labels[rows], columns=known)


def fit_history_and_forecast(estimator, values, start, origin, labels, columns,
                             target_feature, coverage):
    """One refit job: fit on rows ``start .. origin - 1``, forecast the next rows.

    Returns
    -------
    forecasts : ndarray of shape (1, horizon)
    widths : ndarray of shape (1, horizon) or None
    """
    history = pd.DataFrame(values[start:origin], index=labels[start:origin],
                           columns=columns)
    model = estimator.fit(history, target=history.columns[target_feature])
    result = model.predict(interval=coverage, future=_known_future(
        estimator, values, origin, labels, columns))
    if coverage is None:
        return np.asarray(result, dtype=np.float64)[np.newaxis], None
    forecast = result["forecast"].to_numpy(dtype=np.float64)
    half = (result["upper"].to_numpy(dtype=np.float64) -
            result["lower"].to_numpy(dtype=np.float64)) / 2
    return forecast[np.newaxis], half[np.newaxis]
