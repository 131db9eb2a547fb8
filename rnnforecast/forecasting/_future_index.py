"""Timestamps that follow a time index: where a forecast goes on the time axis.

The frequency of a ``DatetimeIndex`` is found in this order:

1. the ``freq`` argument, when given;
2. ``index.freq`` (set by ``pd.date_range`` or ``asfreq``);
3. ``pd.infer_freq(index)``, which needs a perfectly regular index;
4. business days ``"B"``: trading data skip weekends *and* holidays, so step 3
   fails on them. The index is taken as business-day data when every timestamp
   is a weekday at the same time of day and most gaps (more than half) are one
   business day (Friday -> Monday counts as one; a holiday makes a gap of two).

Anything else is irregular and needs an explicit ``freq``.

:func:`default_window` also lives here: the window length the command line picks from
the frequency of the data.
"""

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .._validation import check_int, check_time_index

__all__ = ["DEFAULT_WINDOW", "check_index_kind", "default_window", "extend_index",
           "future_index"]

# Share of one-business-day gaps above which weekday-only data count as "B".
BUSINESS_DAY_SHARE = 0.5

FREQ_EXAMPLES = "e.g. freq='D' (daily), 'B' (business days), 'MS' (month start) or 'h'"

#: Window length per base frequency, e.g. two years of months, four weeks of days.
DEFAULT_WINDOW = {"MS": 24, "M": 24, "ME": 24, "QS": 12, "W": 26, "D": 28, "B": 20, "h": 48}
#: Window length for any other (or an unknown) frequency.
FALLBACK_WINDOW = 24


def _to_offset(freq, owner):
    """``pandas.DateOffset`` of a frequency string or offset, with a clear error."""
    try:
        return to_offset(freq)
    except (TypeError, ValueError):
        raise ValueError(
            f"The 'freq' parameter of {owner} must be a pandas frequency string or "
            f"DateOffset, {FREQ_EXAMPLES}. Got {freq!r} instead."
        ) from None


def _dates_offset(index):
    """Frequency inferred from the timestamps of a DatetimeIndex alone, or None."""
    with warnings.catch_warnings():  # pandas >= 3 warns that a str is returned
        warnings.simplefilter("ignore", DeprecationWarning)
        freq = pd.infer_freq(index)
    return None if freq is None else to_offset(freq)


def _inferred_offset(index):
    """Frequency of a regular DatetimeIndex as a DateOffset, or None."""
    if index.freq is not None:
        return index.freq
    return _dates_offset(index) if len(index) >= 3 else None


def _is_business_daily(index):
    """Whether a DatetimeIndex looks like trading days (weekdays, holidays missing).

    Parameters
    ----------
    index : pandas.DatetimeIndex of length n_time, sorted and unique

    Returns
    -------
    is_business : bool
    """
    if len(index) < 3 or (index.day_of_week >= 5).any():
        return False
    time_of_day = index - index.normalize()
    if (time_of_day != time_of_day[0]).any():
        return False
    days = index.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
    gaps = np.busday_count(days[:-1], days[1:])  # (n_time - 1,) in business days
    return np.mean(gaps == 1) > BUSINESS_DAY_SHARE


def _format_gap(gap):
    """A Timedelta as "3 days" when it is a whole number of days, else pandas' text."""
    if gap != pd.Timedelta(days=gap.days):
        return str(gap)
    return f"{gap.days} day{'s' * (gap.days != 1)}"


def _describe_gaps(index):
    """Most frequent gaps between timestamps, e.g. "1 day (5 times), 2 days (1 time)"."""
    counts = pd.Series(index[1:] - index[:-1]).value_counts().head(3)
    return ", ".join(f"{_format_gap(gap)} ({n} time{'s' * (n > 1)})" for gap, n in counts.items())


def _datetime_offset(index, freq, owner):
    """DateOffset of the steps after a DatetimeIndex; see the module docstring."""
    if freq is not None:
        return _to_offset(freq, owner)
    offset = _inferred_offset(index)
    if offset is None and _is_business_daily(index):
        offset = to_offset("B")
    if offset is None:
        gaps = f" Gaps seen: {_describe_gaps(index)}." if len(index) > 1 else ""
        raise ValueError(
            f"The 'freq' parameter of {owner} is needed because the frequency of the "
            f"time index cannot be inferred: its {len(index)} timestamp(s) from "
            f"{index[0]} to {index[-1]} are not evenly spaced (nor business days).{gaps} "
            f"Got freq=None. Pass the frequency explicitly, {FREQ_EXAMPLES}, or "
            "resample the data first, e.g. data.asfreq('D')."
        )
    return offset


def _future_datetimes(index, steps, freq, owner):
    """The ``steps`` timestamps after the last one of a DatetimeIndex."""
    offset = _datetime_offset(index, freq, owner)
    first = index[-1] + offset
    future = pd.date_range(first, periods=steps, freq=offset, name=index.name)
    return future.as_unit(index.unit)


def _future_periods(index, steps, freq, owner):
    """The ``steps`` periods after the last one of a PeriodIndex."""
    offset = index.freq if freq is None else _to_offset(freq, owner)
    return pd.period_range(index[-1].asfreq(offset) + 1, periods=steps, name=index.name)


def _integer_spacing(index, freq, owner):
    """Step between consecutive integers of an index: ``freq``, or its constant spacing."""
    if freq is not None:
        return check_int(freq, "freq", 1, owner)
    if isinstance(index, pd.RangeIndex):
        return index.step
    spacing = np.unique(np.diff(index.to_numpy()))  # (n_distinct_gaps,)
    if len(spacing) > 1 or (len(spacing) == 1 and spacing[0] < 1):
        raise ValueError(
            f"The 'freq' parameter of {owner} is needed because the integer index is not "
            f"increasing in even steps: gaps {spacing[:5].tolist()}. Got freq=None. "
            "Pass the step between future labels as an int, e.g. freq=1."
        )
    return int(spacing[0]) if len(spacing) else 1


def _future_integers(index, steps, freq, owner):
    """The ``steps`` integers after the last one of an integer index."""
    spacing = _integer_spacing(index, freq, owner)
    start = int(index[-1]) + spacing
    return pd.RangeIndex(start, start + steps * spacing, spacing, name=index.name)


def _future_builder(index, owner, name):
    """The function that extends ``index``, looked up from its type."""
    if isinstance(index, pd.DatetimeIndex):
        return _future_datetimes
    if isinstance(index, pd.PeriodIndex):
        return _future_periods
    if pd.api.types.is_integer_dtype(index.dtype):
        return _future_integers
    verb = "be" if name == "index" else "have"
    raise ValueError(
        f"The '{name}' parameter of {owner} must {verb} a DatetimeIndex, PeriodIndex, "
        f"RangeIndex or integer index. Got {type(index).__name__} of dtype "
        f"{index.dtype} instead. Convert it first, e.g. with pd.to_datetime(index)."
    )


def _own_spacing(index, steps, build):
    """The labels after ``index`` at its own spacing, or None when it has none (dates
    that are only taken for business days count as none: a custom business day with
    the market's holidays places them better)."""
    if isinstance(index, pd.DatetimeIndex) and _inferred_offset(index) is None:
        return None
    try:
        return build(index, steps, None, "")
    except ValueError:  # irregular: only an explicit freq places the future
        return None


def _check_spacing(index, steps, freq, future, build, owner, name):
    """Refuse a ``freq`` whose labels are not those of the index's own spacing: a
    forecast's steps are the history's steps, so other labels would misplace them."""
    expected = _own_spacing(index, steps, build)
    if expected is None or future.equals(expected):
        return
    raise ValueError(
        f"The 'freq' parameter of {owner} must give the spacing of the '{name}' time "
        f"index, which is regular: each forecast step is one step of the {name}. Got "
        f"freq={freq!r}, which labels the steps {', '.join(map(str, future[:2]))}, ... "
        f"instead of {', '.join(map(str, expected[:2]))}, .... Drop freq=..., or "
        f"resample the {name} to that frequency before fitting, e.g. "
        ".resample(freq).mean()."
    )


def check_index_kind(index, owner, name):
    """Refuse an index whose future cannot be labelled (text, floats, ...)."""
    _future_builder(index, owner, name)


def extend_index(index, steps, freq=None, *, owner="future_index", name="index",
                 check_spacing=True):
    """:func:`future_index` with the function and argument named in error messages.

    With ``check_spacing`` (the labels of forecasts), a ``freq`` other than the
    spacing of a regular ``index`` is refused; :func:`future_index` itself takes any.
    """
    steps = check_int(steps, "steps", 1, owner)
    if not isinstance(index, pd.Index) or len(index) == 0:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a non-empty pandas Index. "
            f"Got {index!r} instead."
        )
    check_time_index(index, name, owner)
    build = _future_builder(index, owner, name)
    future = build(index, steps, freq, owner)
    if freq is not None and check_spacing:
        _check_spacing(index, steps, freq, future, build, owner, name)
    return future


def future_index(index, steps, freq=None):
    """The ``steps`` labels that follow the last label of a time index.

    Parameters
    ----------
    index : pandas.DatetimeIndex, pandas.PeriodIndex, pandas.RangeIndex or integer \
pandas.Index of shape (n_time,)
        Labels of the observed rows, sorted and unique.
    steps : int
        Number of future labels (``>= 1``).
    freq : str, pandas.DateOffset, int or None, default=None
        Spacing of the future labels: a pandas frequency (``"D"``, ``"B"``, ``"MS"``,
        ``"ME"``, ``"h"``, ...) for a DatetimeIndex or PeriodIndex, an int for an
        integer index. ``None`` infers it (see the module docstring); pass it for an
        irregular index.

    Returns
    -------
    future : pandas.Index of shape (steps,)
        Same type and name as ``index``; a DatetimeIndex carries the frequency used
        and keeps the time zone and resolution of ``index``.

    Raises
    ------
    ValueError
        If ``steps`` is not a positive int, ``index`` is empty, unsorted, duplicated
        or of another type, ``freq`` is unknown, or the frequency cannot be inferred.

    Examples
    --------
    >>> weekdays = pd.date_range("2024-01-29", periods=5, freq="B")  # Mon .. Fri
    >>> future_index(weekdays, 2).strftime("%a %Y-%m-%d").tolist()
    ['Mon 2024-02-05', 'Tue 2024-02-06']
    >>> future_index(pd.RangeIndex(10), 3)
    RangeIndex(start=10, stop=13, step=1)
    """
    return extend_index(index, steps, freq, check_spacing=False)


def default_window(index, horizon, n_rows):
    """A window length suited to the data's frequency, at most a third of the rows.

    The base frequency (``"MS"``, ``"D"``, ``"h"``, ... without its anchor such as
    ``"-SUN"``) of a regular DatetimeIndex (or PeriodIndex) of at least 3 timestamps
    picks a length from
    :data:`DEFAULT_WINDOW` (``FALLBACK_WINDOW`` for other or unknown frequencies, and
    for trading days with holidays missing); the window is then at least
    ``horizon`` and at most ``n_rows // 3``, and never below 2::

        window = max(2, min(max(DEFAULT_WINDOW[base], horizon), n_rows // 3))

    Parameters
    ----------
    index : pandas.Index of shape (n_time,)
        Time index of the data.
    horizon : int
        Number of values to forecast.
    n_rows : int
        Number of rows available for training.

    Returns
    -------
    window : int

    Examples
    --------
    >>> default_window(pd.date_range("2000-01-01", periods=144, freq="MS"), 12, 144)
    24
    """
    if isinstance(index, pd.PeriodIndex):  # periods read as their start dates
        index = index.to_timestamp()
    regular = isinstance(index, pd.DatetimeIndex) and len(index) >= 3
    # read the spacing of the dates themselves, not a ``freq`` attached to the index:
    # weekly dates are "W" whether the index says "7D", "W-SUN" or nothing
    offset = _dates_offset(index) if regular else None
    base = None if offset is None else offset.freqstr.split("-")[0]
    window = max(DEFAULT_WINDOW.get(base, FALLBACK_WINDOW), horizon)
    return max(2, min(window, n_rows // 3))
