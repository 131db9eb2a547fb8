"""Tests of rnnforecast.forecasting.future_index: the timestamps after a time index."""

import re
import warnings

import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from _forecasting_helpers import stamps
from rnnforecast.forecasting import future_index
from rnnforecast.forecasting._future_index import default_window


@pytest.mark.parametrize(
    "history, expected",
    [
        (stamps("2024-02-26", "2024-02-27", "2024-02-28"), ["2024-02-29", "2024-03-01"]),
        (stamps("2023-11-01", "2023-12-01", "2024-01-01"), ["2024-02-01", "2024-03-01"]),
        (stamps("2023-11-30", "2023-12-31", "2024-01-31"), ["2024-02-29", "2024-03-31"]),
        (
            stamps("2024-03-30 22:00", "2024-03-30 23:00", "2024-03-31 00:00"),
            ["2024-03-31 01:00", "2024-03-31 02:00"],
        ),
    ],
    ids=["daily", "month-start", "month-end", "hourly"],
)
def test_future_index_infers_regular_frequencies(history, expected):
    assert history.freq is None
    future = future_index(history, 2)
    assert_array_equal(future, pd.DatetimeIndex(expected))


def test_future_index_uses_the_frequency_of_the_index():
    history = pd.date_range("2024-01-01", periods=2, freq="W-MON", name="week")
    future = future_index(history, 2)  # two timestamps are too few to infer from
    assert_array_equal(future, pd.DatetimeIndex(["2024-01-15", "2024-01-22"]))
    assert future.name == "week"


def test_future_index_detects_business_days_with_missing_holidays():
    # Mon 23 .. Fri 27 Dec without Christmas (Wed 25), then without New Year (Wed 1)
    history = stamps("2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27",
                     "2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas warning leaks out of the inference
        future = future_index(history, 3)
    assert_array_equal(future, pd.DatetimeIndex(["2025-01-06", "2025-01-07", "2025-01-08"]))
    assert future.freqstr == "B"


def test_future_index_continues_integer_indexes():
    assert_array_equal(future_index(pd.RangeIndex(5), 3), [5, 6, 7])
    assert_array_equal(future_index(pd.RangeIndex(0, 10, 2), 2), [10, 12])
    assert_array_equal(future_index(pd.Index([3, 5, 7]), 2), [9, 11])
    assert isinstance(future_index(pd.RangeIndex(5), 3), pd.RangeIndex)


def test_future_index_continues_periods():
    history = pd.period_range("2023-11", periods=3, freq="M")
    assert_array_equal(future_index(history, 2), pd.period_range("2024-02", periods=2, freq="M"))


def test_future_index_keeps_the_time_zone():
    history = pd.date_range("2024-01-01", periods=4, freq="h", tz="Europe/Paris")
    assert future_index(history, 1)[0] == pd.Timestamp("2024-01-01 04:00", tz="Europe/Paris")


def test_explicit_freq_overrides_inference():
    irregular = stamps("2024-01-01", "2024-01-02", "2024-01-05")
    assert_array_equal(future_index(irregular, 2, freq="D"),
                       pd.DatetimeIndex(["2024-01-06", "2024-01-07"]))
    # Fri 2024-01-05 -> the next business days skip the weekend
    assert_array_equal(future_index(irregular, 2, freq="B"),
                       pd.DatetimeIndex(["2024-01-08", "2024-01-09"]))


def test_irregular_index_without_freq_is_refused():
    irregular = stamps("2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06")  # has a Saturday
    with pytest.raises(ValueError, match=re.escape(
        "The 'freq' parameter of future_index is needed because the frequency of the time "
        "index cannot be inferred: its 4 timestamp(s) from 2024-01-01 00:00:00 to "
        "2024-01-06 00:00:00 are not evenly spaced (nor business days). Gaps seen: "
        "1 day (2 times), 3 days (1 time). Got freq=None. Pass the frequency explicitly, "
        "e.g. freq='D'"
    )):
        future_index(irregular, 2)


def test_two_timestamps_without_freq_are_refused():
    with pytest.raises(ValueError, match="The 'freq' parameter of future_index is needed"):
        future_index(stamps("2024-01-01", "2024-01-02"), 1)


def test_unknown_freq_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'freq' parameter of future_index must be a pandas frequency string or "
        "DateOffset, e.g. freq='D' (daily), 'B' (business days), 'MS' (month start) or "
        "'h'. Got 'fortnightly' instead."
    )):
        future_index(stamps("2024-01-01", "2024-01-02", "2024-01-03"), 1, freq="fortnightly")


def test_irregular_integer_index_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'freq' parameter of future_index is needed because the integer index is not "
        "increasing in even steps: gaps [1, 3]. Got freq=None. Pass the step between "
        "future labels as an int, e.g. freq=1."
    )):
        future_index(pd.Index([0, 1, 4]), 1)
    assert_array_equal(future_index(pd.Index([0, 1, 4]), 2, freq=1), [5, 6])


@pytest.mark.parametrize(
    "index, steps, message",
    [
        (pd.RangeIndex(3), 0,
         "The 'steps' parameter of future_index must be an int in the range [1, inf). "
         "Got 0 instead."),
        (pd.Index(["a", "b"]), 1,
         "The 'index' parameter of future_index must be a DatetimeIndex, PeriodIndex, "
         "RangeIndex or integer index. Got Index of dtype"),
        (pd.RangeIndex(0), 1,
         "The 'index' parameter of future_index must be a non-empty pandas Index."),
        (stamps("2024-01-02", "2024-01-01"), 1,
         "The 'index' parameter of future_index must have a time index sorted in "
         "increasing order."),
    ],
    ids=["steps", "type", "empty", "unsorted"],
)
def test_future_index_input_errors(index, steps, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        future_index(index, steps)


# ---------------------------------------------------------------------------
# default_window (the command line's window length)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "index, horizon, n_rows, expected",
    [
        (pd.date_range("1949-01-01", periods=144, freq="MS"), 12, 144, 24),
        (pd.date_range("2012-01-01", periods=1461, freq="D"), 7, 1461, 28),
        (pd.date_range("2024-01-01", periods=500, freq="h"), 1, 500, 48),
        (pd.date_range("2024-01-01", periods=60, freq="W"), 1, 60, 20),   # 26, a third: 20
        (pd.date_range("2024-01-01", periods=300, freq="B"), 5, 300, 20),
        (pd.date_range("2024-01-01", periods=1000, freq="D"), 40, 1000, 40),  # >= horizon
        (pd.date_range("2024-01-01", periods=60, freq="min"), 1, 60, 20),  # other: 24
        (stamps("2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27"), 1, 99, 24),  # no freq
        (pd.date_range("2024-01-01", periods=3, freq="D"), 1, 3, 2),     # at least 2
        (pd.RangeIndex(90), 1, 90, 24),
    ],
    ids=["monthly", "daily", "hourly", "weekly-short", "business", "long-horizon", "minutes",
         "trading-days", "tiny", "integers"],
)
def test_default_window(index, horizon, n_rows, expected):
    assert default_window(index, horizon, n_rows) == expected
