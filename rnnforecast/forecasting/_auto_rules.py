"""The defaults that AutoForecaster reads from the data: the seasonal period of a time
index, a window of at least two seasons, and how much a network trains (its budget).
"""

import math

import numpy as np
import pandas as pd

from ._future_index import _dates_offset, default_window

__all__ = ["SEASONAL_PERIODS", "auto_window", "seasonal_period", "training_budget"]

#: Seasonal period per base frequency of the dates (sub-daily spacings: one day).
SEASONAL_PERIODS = {"MS": 12, "M": 12, "ME": 12, "SMS": 24, "SM": 24, "QS": 4, "Q": 4,
                    "QE": 4, "BQS": 4, "BMS": 12, "W": 52, "D": 7, "B": 5, "C": 5,
                    "YS": 1, "Y": 1, "YE": 1, "A": 1, "AS": 1, "BYS": 1}


def seasonal_period(index):
    """The seasonal period of a time index: a year of months (12), quarters (4) or
    weeks (52), a week of days (7) or business days (5), a day of sub-daily steps
    (24 for hours, 48 for half hours), for dates or periods; 1 for years, integers
    or irregular dates.

    Parameters
    ----------
    index : pandas.Index of shape (n_time,)

    Returns
    -------
    m : int
    """
    if isinstance(index, pd.PeriodIndex):  # monthly periods are months, ...
        index = index.to_timestamp()
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return 1
    # the spacing of the dates themselves, as default_window reads it: daily dates are
    # "D" (m = 7) whether the index says "D", "24h" or nothing, weekly ones "W" (52)
    # whether it says "W-SUN" or "7D"
    offset = _dates_offset(index)
    offset = index.freq if offset is None else offset
    if offset is None:
        return 1
    base = offset.freqstr.split("-")[0].lstrip("1")
    if base in SEASONAL_PERIODS:
        return SEASONAL_PERIODS[base]
    try:
        step = pd.Timedelta(offset)
    except (TypeError, ValueError):  # calendar offsets without a fixed length
        return 1
    day = pd.Timedelta(days=1)
    return int(day // step) if pd.Timedelta(0) < step < day and day % step == \
        pd.Timedelta(0) else 1


def auto_window(index, horizon, n_rows, m):
    """A window of at least two seasons, the frequency's default and ``horizon``,
    at most a third of the rows, and never shorter than one season when the rows allow::

        window = min(max(default_window, 2 m, horizon), max(n_rows // 3, m))

    Returns
    -------
    window : int
    """
    wanted = max(default_window(index, horizon, n_rows), 2 * m, horizon)
    return max(2, min(wanted, max(n_rows // 3, m)))


def training_budget(n_windows, *, max_windows, max_steps, max_epochs, batch_size):
    """How a network trains on ``n_windows`` windows: (windows used, batch size, epochs).

    The most recent ``max_windows`` windows at most; the batch doubles from
    ``batch_size`` for every ``2000`` windows used; the epochs are what ``max_steps``
    gradient steps allow, between 20 and ``max_epochs``.
    """
    used = min(n_windows, max_windows)
    batch = batch_size * 2 ** (used // 2000)
    steps_per_epoch = max(1, math.ceil(0.8 * used / batch))
    epochs = int(np.clip(max_steps // steps_per_epoch, min(20, max_epochs), max_epochs))
    return used, batch, epochs
