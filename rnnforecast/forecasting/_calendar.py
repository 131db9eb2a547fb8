"""Calendar features of timestamps: Fourier terms of the month, weekday and hour, and
holidays. They need no user data, so they are known in advance for any future time.

For a timestamp with phase ``p`` in ``[0, 1)`` within a cycle, the terms of order
``k = 1 .. order`` are ``sin(2 pi k p)`` and ``cos(2 pi k p)``::

    cycle          phase p                          column names
    month          (month - 1) / 12                 month_sin1, month_cos1, ...
    day_of_week    day_of_week / 7  (Monday = 0)    day_of_week_sin1, ...
    hour           (hour + minute / 60) / 24        hour_sin1, hour_cos1, ...
    holiday        1.0 on a listed date, else 0.0   holiday

The cycles that suit the spacing of the timestamps are chosen by default: the hour for
sub-daily data, the weekday for data at most a day apart, the month for data less than a
year apart (monthly data: the month only; yearly data: none). Fourier terms rather than
one-hot columns keep the inputs few and smooth across the cycle (Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice*, 7.4 and 12.1).
"""

import numpy as np
import pandas as pd

from .._validation import check_int, check_time_index

__all__ = ["CYCLES", "calendar_features", "default_cycles"]


def _month_phase(times):
    return (times.month.to_numpy() - 1) / 12


def _weekday_phase(times):
    return times.day_of_week.to_numpy() / 7


def _hour_phase(times):
    return (times.hour.to_numpy() + times.minute.to_numpy() / 60) / 24


#: Cycle name -> (phase in [0, 1) of a DatetimeIndex, longest spacing it suits).
CYCLES = {
    "month": (_month_phase, pd.Timedelta(days=365)),
    "day_of_week": (_weekday_phase, pd.Timedelta(days=1)),
    "hour": (_hour_phase, pd.Timedelta(hours=12)),
}
#: Highest Fourier order: below half of the shortest cycle's length (7 days).
MAX_ORDER = 3


def _as_timestamps(index, owner):
    """The timestamps of a DatetimeIndex or PeriodIndex (a period's start)."""
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    if isinstance(index, pd.DatetimeIndex):
        return index
    raise ValueError(
        f"The 'index' parameter of {owner} must be a DatetimeIndex or PeriodIndex. Got "
        f"{type(index).__name__} of dtype {getattr(index, 'dtype', None)} instead. Convert "
        "it first, e.g. with pd.to_datetime(index), or give the data a date index."
    )


def _spacing(times, owner):
    """The smallest gap between consecutive timestamps."""
    if len(times) < 2:
        raise ValueError(
            f"The 'index' parameter of {owner} must have at least 2 timestamps to choose "
            f"the calendar cycles from their spacing. Got {len(times)}. Pass "
            "cycles=[...] explicitly (e.g. the cycles_ chosen on the history).")
    return (times[1:] - times[:-1]).min()


def default_cycles(index, owner="default_cycles"):
    """The calendar cycles that suit the spacing of ``index`` (module docstring).

    Parameters
    ----------
    index : pandas.DatetimeIndex or pandas.PeriodIndex of shape (n_time,)
        At least 2 timestamps, sorted and unique.

    Returns
    -------
    cycles : list of str
        Keys of :data:`CYCLES`, longest cycle first; empty for yearly data.
    """
    check_time_index(index, "index", owner)
    spacing = _spacing(_as_timestamps(index, owner), owner)
    return [name for name, (_, longest) in CYCLES.items() if spacing <= longest
            and not (name == "month" and spacing >= pd.Timedelta(days=365))]


def _check_cycles(cycles, owner):
    if isinstance(cycles, str) or not all(c in CYCLES for c in cycles):
        raise ValueError(
            f"The 'cycles' parameter of {owner} must be a list of {list(CYCLES)}. Got "
            f"{cycles!r} instead.")
    return [c for c in CYCLES if c in cycles]  # in the documented column order


def _holiday_flags(times, holidays, owner):
    """1.0 where the date of a timestamp is one of ``holidays``, else 0.0."""
    try:
        dates = pd.DatetimeIndex(pd.to_datetime(list(holidays)))
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The 'holidays' parameter of {owner} must be a list of dates, e.g. "
            f"['2024-12-25', '2025-01-01']. Got {holidays!r} instead ({exc}).") from None
    days = times.tz_localize(None) if times.tz is not None else times
    wanted = set(dates.tz_localize(None).normalize() if dates.tz is not None
                 else dates.normalize())
    return np.array([day in wanted for day in days.normalize()], dtype=np.float64)


def calendar_features(index, *, cycles=None, order=2, holidays=None):
    """Calendar features of timestamps, past or future: Fourier terms and holidays.

    Parameters
    ----------
    index : pandas.DatetimeIndex or pandas.PeriodIndex of shape (n_time,)
        Sorted, unique timestamps, e.g. ``history.index`` or
        ``future_index(history.index, 12)``. A period stands for its start.
    cycles : list of {"month", "day_of_week", "hour"}, default=None
        Cycles whose Fourier terms to compute; default those that suit the spacing
        of ``index`` (:func:`default_cycles`, which needs 2 timestamps). Pass the same
        list for the history and the future so the columns match.
    order : int in [1, 3], default=2
        Harmonics per cycle: columns ``<cycle>_sin<k>``, ``<cycle>_cos<k>`` for ``k = 1
        .. order``.
    holidays : list of dates, default=None
        Dates (str, datetime or Timestamp) whose timestamps get ``holiday = 1.0``: a
        whole day for sub-daily data. Adds the column ``holiday``.

    Returns
    -------
    features : pandas.DataFrame of shape (n_time, 2 * order * n_cycles [+ 1])
        Indexed by ``index``; columns cycle by cycle in the order month, day_of_week,
        hour, each ``sin1, cos1, sin2, cos2, ...``; then ``holiday``.

    Raises
    ------
    ValueError
        For another index type, an unsorted or duplicated index, an unknown cycle,
        ``order`` outside [1, 3], dates that do not parse, or no column at all (yearly
        data without holidays).

    Examples
    --------
    >>> days = pd.date_range("2024-01-01", periods=3, freq="D")  # Mon, Tue, Wed
    >>> calendar_features(days, cycles=["day_of_week"], order=1).round(3)
                day_of_week_sin1  day_of_week_cos1
    2024-01-01             0.000             1.000
    2024-01-02             0.782             0.623
    2024-01-03             0.975            -0.223
    """
    owner = "calendar_features"
    check_time_index(index, "index", owner)
    times = _as_timestamps(index, owner)
    chosen = default_cycles(index, owner) if cycles is None else _check_cycles(cycles, owner)
    order = check_int(order, "order", 1, owner, max_value=MAX_ORDER)
    columns = {}
    for name in chosen:
        phase = CYCLES[name][0](times)  # (n_time,)
        for k in range(1, order + 1):
            columns[f"{name}_sin{k}"] = np.sin(2 * np.pi * k * phase)
            columns[f"{name}_cos{k}"] = np.cos(2 * np.pi * k * phase)
    if holidays is not None:
        columns["holiday"] = _holiday_flags(times, holidays, owner)
    if not columns:
        raise ValueError(
            f"The 'index' parameter of {owner} is spaced a year or more apart, so no "
            "calendar cycle suits it, and no holidays were given. Got cycles=[]. Pass "
            "holidays=[...] or cycles=['month'].")
    return pd.DataFrame(columns, index=index)
