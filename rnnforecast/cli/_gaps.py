"""Missing values and missing dates (``--fill``), and the dates after the history.

:func:`find_missing_dates` finds the step of a mostly regular date index and the dates
of that step it lacks; :func:`handle_missing` refuses, fills or drops what is missing as
``--fill`` says; :func:`check_future_dates` makes sure the forecast's dates can be built.
"""

from functools import partial

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ..forecasting import future_index
from ._messages import LISTED, LOG, CLIError, count, dates_text, one_line

FREQ_EXAMPLES = "e.g. D (daily), B (business days), W (weekly), MS (month start), h (hourly)"
FREQ_NAMES = {"D": "daily", "B": "business-day", "W": "weekly", "MS": "monthly",
              "ME": "monthly", "QS": "quarterly", "QE": "quarterly", "YS": "yearly",
              "YE": "yearly", "h": "hourly", "min": "minutely", "s": "secondly"}
#: --fill choice -> how missing values are filled, and how that is said.
FILLS = {"interpolate": (lambda data: data.interpolate(method="time", limit_area="inside"),
                         "by interpolation"),
         "ffill": (lambda data: data.ffill(), "with the previous value")}
FILL_CHOICES = ["none", "interpolate", "ffill", "drop"]


def _candidate_offsets(index):
    """Frequencies a gappy index may have, coarsest first: calendar ones anchored at
    its first date, then its most common gap."""
    first = index[0]
    month, day = first.strftime("%b").upper(), first.strftime("%a").upper()
    names = [f"YS-{month}", f"YE-{month}", f"QS-{month}", f"QE-{month}", "MS", "ME",
             f"W-{day}"]
    step = pd.Series(index[1:] - index[:-1]).mode().iloc[0]
    whole_days = step == pd.Timedelta(days=step.days)  # "D", not "24h"
    return [to_offset(n) for n in [*names, f"{step.days}D" if whole_days else step]]


#: Future dates compared to tell a --freq from the data's own spacing (a month of days).
SPACING_CHECKED = 31


def _grid(index, offset):
    """The dates of ``offset`` from the first to the last of ``index`` when the index
    holds more than half of them and no other date; else None."""
    try:  # fixed steps: count the dates before making them
        too_fine = (index[-1] - index[0]) / pd.Timedelta(offset) >= 2 * len(index)
    except ValueError:  # calendar offsets step a business day or more: few dates
        too_fine = False
    if too_fine:
        return None
    full = pd.date_range(index[0], index[-1], freq=offset)
    return full if len(full) < 2 * len(index) and index.isin(full).all() else None


def _own_offset(index):
    """The frequency of a regular (or business-day) DatetimeIndex, else None."""
    try:
        return future_index(index, 1).freq
    except ValueError:
        return None


def _kind(offset):
    return f"{FREQ_NAMES.get(offset.name.split('-')[0], 'regular')} ({offset.freqstr})"


def find_missing_dates(index, freq, name):
    """(offset, missing): the step of a mostly regular DatetimeIndex (``freq`` when
    given) and the dates of that step it lacks; (None, empty) if it has no such step.

    An index that pandas finds regular, or that looks like business days (holidays are
    not missing dates), lacks nothing; a ``freq`` that does not fit it is refused.
    """
    none, own = index[:0], _own_offset(index)
    if freq is None and own is not None:
        return own, none
    if own is not None and not future_index(index, SPACING_CHECKED, freq).equals(
            future_index(index, SPACING_CHECKED)):
        # e.g. --freq B on daily dates with weekends: the forecast's dates would not
        # be the steps of the data
        raise CLIError(f"--freq {freq} does not fit the dates of {name}, which are "
                       f"{_kind(own)}; leave out --freq")
    candidates = [to_offset(freq)] if freq else (
        _candidate_offsets(index) if len(index) > 2 else [])
    for offset in candidates:
        if offset.name in ("B", "C"):
            return offset, none
        full = _grid(index, offset)
        if full is not None:
            return offset, full.difference(index)
    if own is not None:
        raise CLIError(f"--freq {freq} does not fit the dates of {name}, which are "
                       f"{_kind(own)}; leave out --freq")
    return None, none


def _refuse_missing(data, offset, missing, name):
    """--fill none: refuse missing values, then missing dates."""
    if data.isna().any().any():
        column = data.columns[data.isna().any()][0]
        where = data.index[data[column].isna()]
        raise CLIError(f"column {column!r} of {name} has {count(len(where), 'missing value')}"
                       f" ({dates_text(where)}); pass --fill interpolate, ffill or drop")
    if len(missing):
        raise CLIError(f"{name} lacks {count(len(missing), 'date')} of its {_kind(offset)} "
                       f"sequence: {dates_text(missing)}; pass --fill "
                       "interpolate or ffill to fill them, or --fill drop to skip them")
    return data


def _drop_missing(data, offset, missing, name):
    """--fill drop: drop rows with missing values; missing dates stay missing."""
    kept = data.dropna()
    done = []
    if len(kept) < len(data):
        done.append(f"Dropped {count(len(data) - len(kept), 'row')} with missing values")
    if len(missing):
        done.append(f"{count(len(missing), 'missing date')} skipped (the windows span "
                    "the gaps)")
    if done:
        LOG.info("; ".join(done) + ".")
    return kept


def _fill(data, offset, missing, name, how):
    """--fill interpolate or ffill: add the missing dates, fill every missing value."""
    given = data
    if len(missing):
        data = data.asfreq(offset)
    method, words = FILLS[how]
    data = method(data)
    filled = data.dropna()  # leading rows have nothing to fill from, and trailing
    # ones nothing to interpolate to: pandas would repeat the last value there, and the
    # forecast would start after values the file does not have
    if filled.empty:
        raise CLIError(f"no row of {name} is left with every column filled {words}")
    lead = int((data.index < filled.index[0]).sum())
    trail = int((data.index > filled.index[-1]).sum())
    n_values = int(given[given.index.isin(filled.index)].isna().to_numpy().sum())
    n_dates = int(pd.Index(missing).isin(filled.index).sum())
    done = [count(n, noun) for n, noun in ((n_values, "missing value"),
                                            (n_dates, "missing date")) if n]
    parts = [f"filled {' and '.join(done)} {words}"] if done else []
    if lead:
        parts.append(f"dropped {count(lead, 'leading row')} with nothing before them")
    if trail:
        parts.append(f"dropped {count(trail, 'last row')} with nothing after them "
                     f"({dates_text(data.index[-trail:])})")
    if parts:
        text = "; ".join(parts)
        LOG.info(f"{text[0].upper()}{text[1:]}.")
    return filled


#: --fill choice -> what is done with missing values and dates.
FILL_HANDLERS = {"none": _refuse_missing, "drop": _drop_missing,
                 **{how: partial(_fill, how=how) for how in FILLS}}


def _refuse_infinite(data, name):
    infinite = np.isinf(data.to_numpy())
    if infinite.any():
        column = data.columns[infinite.any(axis=0)][0]
        where = data.index[np.isinf(data[column].to_numpy())]
        raise CLIError(f"column {column!r} of {name} has {count(len(where), 'infinite value')}"
                       f" ({dates_text(where)}); fix or remove them in the file")


def _drop_unfilled_end(data, target, name):
    """--fill ffill: rows at the end of the file without a value of the target (e.g. the
    dates to forecast, left empty) are dropped and said so. Filled forward, the last
    value would be repeated over them, and the forecast would start after values the file
    does not have (interpolation drops them too: nothing after them to interpolate to)."""
    last = data[target].last_valid_index()
    if last is None:
        return data  # no value at all: refused with the other checks
    trail = data.index > last
    if trail.any():
        LOG.info(f"Dropped {count(int(trail.sum()), 'last row')} without a value of "
                 f"{target!r} ({dates_text(data.index[trail])}): --fill ffill does not "
                 "repeat the target over the end of the file; the forecast starts there.")
    return data[~trail]


def handle_missing(data, args, name):
    """(data, freq): data with missing values and dates handled as --fill says, and the
    frequency of the future dates (None: inferred from the index)."""
    _refuse_infinite(data, name)
    if args.fill == "ffill":
        data = _drop_unfilled_end(data, args.target, name)
    offset, missing = find_missing_dates(data.index, args.freq, name)
    data = FILL_HANDLERS[args.fill](data, offset, missing, name)
    if args.freq is None and offset is not None and _own_offset(data.index) is None:
        return data, offset.freqstr  # dropped rows: the dates keep their gaps
    return data, args.freq


def _describe_gaps(index):
    counts = pd.Series(index[1:] - index[:-1]).value_counts().head(LISTED)
    text = [(count(gap.days, "day") if gap == pd.Timedelta(days=gap.days) else
             str(gap).removeprefix("0 days ")) + f" ({count(n, 'time')})"
            for gap, n in counts.items()]
    return ", ".join(text)


def check_future_dates(index, horizon, freq, name):
    """The future dates can be built (checked before training)."""
    try:
        future_index(index, horizon, freq)
    except ValueError as exc:
        if freq is None:
            raise CLIError(f"dates in column {index.name!r} of {name} are not evenly spaced "
                           f"(gaps: {_describe_gaps(index)}); pass --freq for the future "
                           f"dates, {FREQ_EXAMPLES}") from None
        raise CLIError(f"cannot make the {horizon} dates after {index[-1]} with --freq "
                       f"{freq}: {one_line(exc)}") from None


def check_future_rows(future, index, horizon, freq, name):
    """``--future`` holds exactly the ``horizon`` dates after FILE's (checked before
    training); returns it unchanged."""
    expected = future_index(index, horizon, freq)
    if future.index.equals(expected):
        return future
    missing = expected.difference(future.index)
    extra = future.index.difference(expected)
    problems = ([f"missing {dates_text(missing)}"] if len(missing) else []) + \
        ([f"extra {dates_text(extra)}"] if len(extra) else [])
    raise CLIError(f"--future {name} must have one row for each of the {horizon} dates "
                   f"after the last one of FILE ({dates_text(expected[:1])} to "
                   f"{dates_text(expected[-1:])}), in order; "
                   f"{'; '.join(problems) or 'its dates are out of order'}")
