"""The history as AutoForecaster reads it: checked in ``fit`` and ``predict`` under their
own names, the target moved first, and the Fourier terms of the season's phase added as
the networks' extra inputs."""

import numpy as np
import pandas as pd

from .._validation import check_int
from ..windowing import check_unique_columns
from ._conformal import _needed as needed_residuals
from ._conformal import check_enough


def check_length(n_rows, window, horizon, given):
    """Refuse a history too short for one window and its horizon."""
    if n_rows >= window + horizon:
        return
    rule = "the 'window' parameter" if given else "the window chosen from the dates"
    raise ValueError(
        f"The 'history' parameter of AutoForecaster.fit must have at least window + "
        f"horizon = {window} + {horizon} = {window + horizon} rows to make one window "
        f"({rule}). Got {n_rows} rows instead. Pass a longer history, a smaller "
        f"horizon, or a smaller window (AutoForecaster(window=...), at least 2).")


def as_frame(history, target):
    """The history as a DataFrame whose first column is the target."""
    if isinstance(history, pd.Series):
        return history.to_frame("y" if history.name is None else history.name)
    if not isinstance(history, pd.DataFrame):
        values = np.asarray(history, dtype=np.float64)
        if values.ndim not in (1, 2):
            raise ValueError(
                f"The 'history' parameter of AutoForecaster.fit must be the series itself, "
                f"of shape (n_time,) or (n_time, n_features). Got an array of shape "
                f"{values.shape} instead. AutoForecaster cuts its own windows: pass the "
                "history, not make_windows' windows (and use it alone, not with fit_many).")
        history = pd.DataFrame(values.reshape(len(values), -1))
    check_unique_columns(list(history.columns), "history", "AutoForecaster.fit")
    if isinstance(target, (np.ndarray, pd.Series, pd.DataFrame, list, dict, set)):
        raise ValueError(
            f"The 'target' parameter of AutoForecaster.fit must be a column name or "
            f"position of history. Got a {type(target).__name__} instead. AutoForecaster "
            "is fitted on the history itself, fit(history, target=None), not on windows "
            "and their targets.")
    if target is None:
        return history
    column = history.columns[target] if isinstance(target, int) and \
        target not in history.columns else target
    if column not in history.columns:
        raise ValueError(f"The 'target' parameter of AutoForecaster.fit must be a column "
                         f"of history. Got {target!r} instead; columns: "
                         f"{list(history.columns)}.")
    return history[[column, *(c for c in history.columns if c != column)]]


def check_steps(steps, horizon):
    """``steps`` as an int in [1, horizon] (numpy integers too)."""
    owner = "AutoForecaster.predict"
    if isinstance(steps, (int, np.integer)) and not isinstance(steps, bool) and \
            steps > horizon:
        raise ValueError(
            f"The 'steps' parameter of {owner} must be an int in the range [1, "
            f"{horizon}], the horizon the candidates were chosen for. Got {steps} "
            f"instead. Fit with horizon={steps} to forecast further.")
    return check_int(steps, "steps", 1, owner, max_value=horizon)


def check_fallback_enough(n_residuals, coverage):
    """Refuse a coverage that even the fallback's residuals (seasonal naive's on every
    window of the history, the most there are) cannot give a finite interval."""
    check_enough(n_residuals, coverage, "AutoForecaster.predict",
                 got=f"The history gives {n_residuals} (one per window, the most there "
                     "are)", advice="fit on a longer history")


def too_few(model, coverage):
    """Whether the model's calibration residuals are too few for ``coverage``."""
    residuals = getattr(model, "conformal_residuals_", None)
    return residuals is None or len(residuals) < needed_residuals(coverage)


def with_fourier(frame, m, n_terms):
    """The history with sin and cos of the season's phase as extra columns.

    frame : DataFrame of shape (n_time, n_features); row ``t`` gets
    ``sin(2 pi k t / m)`` and ``cos(2 pi k t / m)`` for ``k = 1 .. n_terms``.
    """
    t = np.arange(len(frame))
    prefix = ""  # names apart from the history's own: a column "sin1" was overwritten
    while any(f"{prefix}{f}{k}" in frame.columns for k in range(1, n_terms + 1)
              for f in ("sin", "cos")):
        prefix += "season_"
    extra = {f"{prefix}{f.__name__}{k}": f(2 * np.pi * k * t / m)
             for k in range(1, n_terms + 1) for f in (np.sin, np.cos)}
    return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
