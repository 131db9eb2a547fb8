"""What the command reads: date formats, separators, missing values and missing dates.

Each CSV is written to ``tmp_path`` (the working directory); models are tiny. Accepted
input must produce a forecast whose dates continue the file's; refused input must exit
with status 2 and one line on stderr naming the column, the value and the option that
fixes it, before any training.
"""

import numpy as np
import pandas as pd
import pytest

from _cli_helpers import FAST as TINY, assert_refused, run, write_csv, write_text

FAST = [*TINY, "--plot", ""]  # no plot: these tests read the forecast CSV only

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _days(n=60, start="2000-01-01"):
    return pd.date_range(start, periods=n, freq="D")


def _forecast_dates():
    return list(pd.read_csv("forecast.csv")["date"])


# ------------------------------------------------------------------ item 4: dates
DATE_FORMATS = {
    "month name": (lambda d: f"{d:%b} {d.day} {d:%Y}", [], "2000-03-01"),
    "month first": (lambda d: f"{d:%m/%d/%Y}", [], "2000-03-01"),
    "day first": (lambda d: f"{d:%d/%m/%Y}", ["--dayfirst"], "2000-03-01"),
    "date format": (lambda d: f"{d:%d.%m.%Y}", ["--date-format", "%d.%m.%Y"], "2000-03-01"),
}


@pytest.mark.parametrize("case", list(DATE_FORMATS))
def test_dates_in_other_formats_are_read(case, capsys):
    write_date, options, first_future = DATE_FORMATS[case]
    name = write_csv("data.csv", [write_date(d) for d in _days()])
    status, out, err = run(capsys, ["forecast", name, "--target", "y", *FAST, *options])
    assert status == 0, err
    assert _forecast_dates()[0] == first_future


def test_year_and_month_name_are_read_as_months(capsys):
    months = pd.date_range("1991-07-01", periods=60, freq="MS")
    name = write_csv("monthly.csv", [f"{d:%Y %b}" for d in months])
    status, out, err = run(capsys, ["forecast", name, "--target", "y", *FAST])
    assert status == 0, err
    assert _forecast_dates() == ["1996-07-01", "1996-08-01", "1996-09-01"]


def test_daylight_saving_offsets_are_converted_to_utc(capsys):
    local = pd.date_range("2021-03-27 12:00", periods=60, freq="h", tz="Europe/Berlin")
    name = write_csv("dst.csv", [d.isoformat(sep=" ") for d in local])
    assert "+01:00" in open(name).read() and "+02:00" in open(name).read()
    status, out, err = run(capsys, ["forecast", name, "--target", "y", *FAST])
    assert status == 0, err
    assert "UTC offsets change" in out and "converted to UTC" in out
    last = local[-1].tz_convert("UTC")
    expected = [str(last + pd.Timedelta(hours=h)) for h in (1, 2, 3)]
    assert _forecast_dates() == expected


def test_month_first_reading_of_ambiguous_dates_is_noted(capsys):
    name = write_csv("data.csv", [f"{d:%m/%d/%Y}" for d in _days(60, "2000-01-01")])
    status, out, err = run(capsys, ["forecast", name, "--target", "y", *FAST])
    assert status == 0, err
    assert "month first" not in out  # 01/13/2000 shows the month comes first
    days = pd.date_range("2000-01-01", periods=60, freq="MS")  # day always 1: ambiguous
    name = write_csv("ambiguous.csv", [f"{d:%m/%d/%Y}" for d in days])
    status, out, err = run(capsys, ["forecast", name, "--target", "y", *FAST])
    assert status == 0, err
    assert "read month first; pass --dayfirst if the day comes first" in out


def _bad_date(name, position, text, write=lambda d: f"{d:%Y-%m-%d}"):
    dates = [write(d) for d in _days()]
    dates[position] = text
    return write_csv(name, dates)


BAD_DATES = {
    "junk in a later row": (
        lambda: ["forecast", _bad_date("junk.csv", 7, "not-a-date"), "--target", "y"],
        r"column 'date' of junk\.csv: cannot parse 'not-a-date' in data row 8 as a date "
        r"in the format '%Y-%m-%d' of the first row; fix the row or pass --date-format"),
    "date format that does not fit": (
        lambda: ["forecast", _bad_date("bad.csv", 4, "31.02.2000",
                                       lambda d: f"{d:%d.%m.%Y}"),
                 "--target", "y", "--date-format", "%d.%m.%Y"],
        r"column 'date' of bad\.csv: cannot parse '31\.02\.2000' in data row 5 as a date "
        r"in the format '%d\.%m\.%Y' of --date-format"),
    "day first without --dayfirst": (
        lambda: ["forecast", write_csv("dmy.csv", [f"{d:%d/%m/%Y}" for d in _days()]),
                 "--target", "y"],
        r"cannot parse '13/01/2000' in data row 13 as a date in the format '%m/%d/%Y' of "
        r"the first row; .*--dayfirst"),
    "not a date column": (
        lambda: ["forecast",
                 write_csv("data.csv", [str(i) for i in range(60)], header="a,y"),
                 "--target", "y", "--date-column", "y"],
        r"column 'y' of data\.csv does not hold dates \(first value '100\.0'\); pass "
        r"--date-column"),
    "date format without a directive": (
        lambda: ["forecast", write_csv("data.csv", [str(d.date()) for d in _days()]),
                 "--target", "y", "--date-format", "Y-m-d"],
        r"argument --date-format: 'Y-m-d' has no % directive"),
    "date format with an unknown directive": (
        lambda: ["forecast", write_csv("data.csv", [str(d.date()) for d in _days()]),
                 "--target", "y", "--date-format", "%Q-%m"],
        r"argument --date-format: 'Q' is a bad directive in format '%Q-%m'"),
}


@pytest.mark.parametrize("case", list(BAD_DATES))
def test_bad_dates_name_column_value_row_and_format(case, capsys):
    make_argv, pattern = BAD_DATES[case]
    assert_refused(*run(capsys, [*make_argv(), *FAST]), pattern)


# ------------------------------------------- item 4: what the file is, how it is split
def test_directory_as_file_is_named_a_directory(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    assert_refused(*run(capsys, ["forecast", "folder", "--target", "y"]),
                   r"FILE folder is a directory, not a CSV file")


def test_header_only_csv_has_no_data_rows(capsys):
    write_text("header.csv", "date,y\n")
    assert_refused(*run(capsys, ["forecast", "header.csv", "--target", "y"]),
                   r"header\.csv has a header but no data rows")


def test_semicolon_csv_suggests_sep(capsys):
    name = write_csv("semi.csv", [str(d.date()) for d in _days()], sep=";")
    assert_refused(*run(capsys, ["forecast", name, "--target", "y"]),
                   r"semi\.csv has one column named 'date;y'; .*pass --sep ';'")


def test_decimal_comma_suggests_decimal(capsys):
    values = [f"{100 + i},5" for i in range(60)]
    name = write_csv("comma.csv", [str(d.date()) for d in _days()], values, sep=";")
    assert_refused(*run(capsys, ["forecast", name, "--target", "y", "--sep", ";"]),
                   r"column 'y' is not numeric \(first value '100,5'\); .*--decimal ','")


def test_decimal_comma_in_a_comma_separated_file_is_explained(capsys):
    values = [f"{100 + i},5" for i in range(60)]
    name = write_csv("comma.csv", [str(d.date()) for d in _days()], values)
    assert_refused(*run(capsys, ["forecast", name, "--target", "y"]),
                   r"data rows of comma\.csv have more fields than its header \(2\); .*"
                   r"--sep ';' --decimal ','")


def test_sep_and_decimal_options_read_european_csv(capsys):
    values = [f"{100 + i},5" for i in range(60)]
    name = write_csv("eu.csv", [f"{d:%d.%m.%Y}" for d in _days()], values, sep=";")
    status, out, err = run(capsys, ["forecast", name, "--target", "y", "--sep", ";",
                                    "--decimal", ",", "--date-format", "%d.%m.%Y", *FAST])
    assert status == 0, err
    assert _forecast_dates()[0] == "2000-03-01"


# -------------------------------------------------------- item 3: features and target
@pytest.mark.parametrize("features, pattern", [
    ("y", r"--features y includes the --target column 'y'; the target is always an "
          r"input, list only other columns"),
    ("x,x", r"--features lists 'x' twice"),
])
def test_features_must_differ_from_target_and_each_other(features, pattern, capsys):
    frame = pd.DataFrame({"date": _days().strftime("%Y-%m-%d"), "y": np.arange(60.0),
                          "x": np.arange(60.0) ** 0.5})
    frame.to_csv("data.csv", index=False)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y", "--features",
                                 features, *FAST]), pattern)


# ------------------------------------------------ item 5: missing values and dates
def _with_nan(name="nan.csv", positions=(45,)):
    values = (100 + np.arange(60.0)).astype(object)
    for position in positions:
        values[position] = ""
    return write_csv(name, [str(d.date()) for d in _days()], values)


def _with_gaps(name="gaps.csv", missing=(9, 10, 30)):
    days = _days(63).delete(list(missing))
    return write_csv(name, [str(d.date()) for d in days])


def test_missing_values_are_refused_with_fill_advice(capsys):
    assert_refused(*run(capsys, ["forecast", _with_nan(positions=(45, 50)), "--target",
                                 "y", *FAST]),
                   r"column 'y' of nan\.csv has 2 missing values \(2000-02-15, "
                   r"2000-02-20\); pass --fill interpolate, ffill or drop")


@pytest.mark.parametrize("fill, message", [
    ("interpolate", "Filled 1 missing value by interpolation"),
    ("ffill", "Filled 1 missing value with the previous value"),
    ("drop", "Dropped 1 row with missing values"),
])
def test_fill_handles_missing_values(fill, message, capsys):
    status, out, err = run(capsys, ["forecast", _with_nan(), "--target", "y", *FAST,
                                    "--fill", fill])
    assert status == 0, err
    assert message in out
    assert _forecast_dates() == ["2000-03-01", "2000-03-02", "2000-03-03"]


def test_missing_dates_are_refused_with_the_dates_listed(capsys):
    assert_refused(*run(capsys, ["forecast", _with_gaps(), "--target", "y", *FAST]),
                   r"gaps\.csv lacks 3 dates of its daily \(D\) sequence: 2000-01-10, "
                   r"2000-01-11, 2000-01-31; pass --fill interpolate or ffill to fill "
                   r"them, or --fill drop")


@pytest.mark.parametrize("freq, kind, listed", [
    ("MS", r"monthly \(MS\)", "2000-11-01, 2002-07-01, 2002-08-01"),
    ("W-SUN", r"weekly \(W-SUN\)", "2000-03-12, 2000-07-30, 2000-08-06"),
    ("h", r"hourly \(h\)", "2000-01-01 10:00:00, 2000-01-02 06:00:00, 2000-01-02 07:00:00"),
])
def test_missing_dates_are_found_at_any_frequency(freq, kind, listed, capsys):
    dates = pd.date_range("2000-01-01", periods=63, freq=freq).delete([10, 30, 31])
    name = write_csv("gaps.csv", [str(d) for d in dates])
    assert_refused(*run(capsys, ["forecast", name, "--target", "y", *FAST]),
                   rf"gaps\.csv lacks 3 dates of its {kind} sequence: {listed}; pass --fill")


def test_fill_fills_missing_dates(capsys):
    status, out, err = run(capsys, ["forecast", _with_gaps(), "--target", "y", *FAST,
                                    "--fill", "interpolate"])
    assert status == 0, err
    assert "Filled 3 missing dates by interpolation" in out
    assert _forecast_dates() == ["2000-03-04", "2000-03-05", "2000-03-06"]


def test_fill_drop_keeps_the_gaps_and_the_frequency(capsys):
    status, out, err = run(capsys, ["forecast", _with_gaps(), "--target", "y", *FAST,
                                    "--fill", "drop"])
    assert status == 0, err
    assert "3 missing dates skipped" in out
    assert _forecast_dates() == ["2000-03-04", "2000-03-05", "2000-03-06"]


def test_infinite_values_are_refused(capsys):
    values = (100 + np.arange(60.0)).astype(object)
    values[20] = "inf"
    name = write_csv("inf.csv", [str(d.date()) for d in _days()], values)
    assert_refused(*run(capsys, ["forecast", name, "--target", "y", *FAST,
                                 "--fill", "interpolate"]),
                   r"column 'y' of inf\.csv has 1 infinite value \(2000-01-21\); fix")


@pytest.mark.parametrize("freq, kind", [("s", r"daily \(D\)"), ("MS", r"daily \(D\)")])
def test_freq_that_does_not_fit_regular_dates_is_refused(freq, kind, capsys):
    name = write_csv("data.csv", [str(d.date()) for d in _days()])
    assert_refused(*run(capsys, ["forecast", name, "--target", "y", *FAST, "--freq", freq]),
                   rf"--freq {freq} does not fit the dates of data\.csv, which are {kind}; "
                   r"leave out --freq")
