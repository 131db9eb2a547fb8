"""Reading FILE: the CSV itself, its date column and its numeric columns.

Dates are read in one format for the whole column: ``--date-format``, else the format
pandas guesses from the first row (``--dayfirst`` for day/month/year). Timestamps whose
UTC offset changes (daylight saving) are converted to UTC.
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from ._messages import LOG, CLIError, dates_text

#: Separator -> how to pass it; suggested when a file reads as one column.
SEPARATORS = {";": "';'", "\t": "'\\t'", "|": "'|'"}


def check_input_file(path):
    if path.is_dir():
        raise CLIError(f"FILE {path} is a directory, not a CSV file; give the path of a "
                       "CSV file")
    if not path.is_file():
        raise CLIError(f"file not found: {path}")


def _read_csv(path, sep, decimal):
    try:
        frame = pd.read_csv(path, sep=sep, decimal=decimal, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CLIError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from None
    if not isinstance(frame.index, pd.RangeIndex):
        hint = ("; numbers with a decimal comma need another separator: --sep ';' "
                "--decimal ','" if sep == "," else "; quote fields holding --sep")
        raise CLIError(f"data rows of {path.name} have more fields than its header "
                       f"({len(frame.columns)}){hint}")
    header = str(frame.columns[0])
    found = [s for s in SEPARATORS if s in header and s != sep]
    if len(frame.columns) == 1 and found:
        raise CLIError(f"{path.name} has one column named {header!r}; its fields seem "
                       f"separated by {SEPARATORS[found[0]]}: pass --sep {SEPARATORS[found[0]]}")
    if frame.empty:
        raise CLIError(f"{path.name} has a header but no data rows")
    return frame


def _date_parse_format(fmt):
    """What pd.to_datetime is given for a format: ISO 8601 in any precision, or as is."""
    return "ISO8601" if fmt.startswith("%Y-%m-%d") else fmt


def _date_error(text, column, name, fmt, given, dayfirst):
    """The CLIError for a date column that fails to parse, naming the first bad row."""
    parsed = pd.to_datetime(text, format=_date_parse_format(fmt), dayfirst=dayfirst,
                            utc=True, errors="coerce")
    rows = np.flatnonzero(parsed.isna().to_numpy())
    row = int(rows[0]) if len(rows) else 0
    value = text.iloc[row]
    if row == 0 and not given:
        return CLIError(f"column {column!r} of {name} does not hold dates (first value "
                        f"{value!r}); pass --date-column with the name of the date column, "
                        "or --date-format")
    where = "" if fmt == "mixed" else \
        f" in the format {fmt!r} of {'--date-format' if given else 'the first row'}"
    fix = "fix the row or pass --date-format" + (
        " or --dayfirst" if fmt.startswith("%m") and not given else "")
    return CLIError(f"column {column!r} of {name}: cannot parse {value!r} in data row "
                    f"{row + 1} as a date{where}; {fix}")


def parse_dates(values, column, name, date_format=None, dayfirst=False):
    """The dates of a CSV column, in one format: ``date_format`` or the first row's."""
    text = values.astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy()
    if empty.any():
        raise CLIError(f"column {column!r} of {name} has a missing date in data row "
                       f"{int(np.flatnonzero(empty)[0]) + 1}; fill or drop that row")
    fmt = date_format or guess_datetime_format(text.iloc[0], dayfirst=dayfirst) or "mixed"
    for utc in (False, True):  # True: offsets that change with daylight saving
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dates = pd.to_datetime(text, format=_date_parse_format(fmt),
                                       dayfirst=dayfirst, utc=utc)
        except (ValueError, TypeError, OverflowError):
            continue
        if utc:
            LOG.info(f"Note: the UTC offsets change within column {column!r} (daylight "
                  "saving); its dates are converted to UTC.")
        elif not date_format and re.match(r"%m\W%d", fmt) and (dates.dt.day <= 12).all():
            LOG.info(f"Note: dates such as {text.iloc[0]!r} are read month first; pass "
                  "--dayfirst if the day comes first.")
        return dates
    raise _date_error(text, column, name, fmt, bool(date_format), dayfirst)


def _index_by_dates(frame, args, name):
    column = args.date_column or ("date" if "date" in frame.columns else frame.columns[0])
    if column not in frame.columns:
        raise CLIError(f"date column {column!r} not in {name}; pass --date-column, one of "
                       f"{', '.join(map(str, frame.columns))}")
    dates = parse_dates(frame[column], column, name, args.date_format, args.dayfirst)
    if dates.duplicated().any():
        raise CLIError(f"duplicated dates in column {column!r}, e.g. "
                       f"{dates_text(pd.DatetimeIndex(dates[dates.duplicated()]))}")
    if not dates.is_monotonic_increasing:
        raise CLIError(f"dates in column {column!r} are not in increasing order; sort the file")
    return frame.drop(columns=column).set_index(pd.DatetimeIndex(dates, name=column))


def _numeric_error(values, column):
    numbers = pd.to_numeric(values, errors="coerce")
    rows = np.flatnonzero((numbers.isna() & values.notna()).to_numpy())
    row = int(rows[0]) if len(rows) else 0
    value = str(values.iloc[row]).strip()
    where = "first value" if row == 0 else f"data row {row + 1} holds"
    fix = ("the numbers seem to have a decimal comma: pass --decimal ','"
           if re.fullmatch(r"[-+]?\d+,\d+", value) else
           "choose a numeric --target/--features column")
    return CLIError(f"column {column!r} is not numeric ({where} {value!r}); {fix}")


def check_features(target, features):
    if target in features:
        raise CLIError(f"--features {','.join(features)} includes the --target column "
                       f"{target!r}; the target is always an input, list only other columns")
    repeated = [f for i, f in enumerate(features) if f in features[:i]]
    if repeated:
        raise CLIError(f"--features lists {repeated[0]!r} twice")


def _select_columns(frame, target, features, name):
    columns = [target, *features]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CLIError(f"column {missing[0]!r} not in {name}; columns are "
                       f"{', '.join(map(str, frame.columns))}")
    for column in columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise _numeric_error(frame[column], column)
    return frame[columns].astype(float)


def read_future_csv(args, target):
    """``--future``: the values known in advance, indexed by their dates, checked.

    Read like FILE (``--sep``, ``--decimal``, ``--date-column``, ``--date-format``,
    ``--dayfirst``); every column besides the dates is a column known in advance.
    """
    path = Path(args.future)
    if not path.is_file():
        raise CLIError(f"--future file not found: {path}")
    frame = _index_by_dates(_read_csv(path, args.sep, args.decimal), args, path.name)
    if frame.shape[1] == 0:
        raise CLIError(f"--future {path.name} has only a date column; add the columns "
                       "known in advance")
    if target in frame.columns:
        raise CLIError(f"--future {path.name} holds the --target column {target!r}: its "
                       "future values are what is forecast; drop that column")
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise _numeric_error(frame[column], column)
        missing = np.flatnonzero(frame[column].isna().to_numpy())
        if len(missing):
            raise CLIError(f"--future {path.name}: column {column!r} has a missing value "
                           f"on {dates_text(frame.index[missing])}; known values must be "
                           "given for every future date")
    return frame.astype(float)


def read_series_csv(args):
    """FILE's target and feature columns as floats, indexed by its dates, checked."""
    path = Path(args.file)
    check_input_file(path)
    frame = _index_by_dates(_read_csv(path, args.sep, args.decimal), args, path.name)
    return _select_columns(frame, args.target, args.features, path.name)
