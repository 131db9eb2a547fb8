"""The ``rnnforecast`` command: forecast a CSV, backtest it, or run the demo.

    rnnforecast forecast FILE.csv --target COLUMN [--date-column date] [--horizon 12]
        [--window 24] [--cell lstm] [--epochs 300] [--interval 0.9] [--fill none]
        [--output forecast.csv] [--plot forecast.png]
    rnnforecast backtest FILE.csv --target COLUMN [--folds 4] [--seasonal-period 12] ...
    rnnforecast demo [--output forecast.csv] [--plot forecast.png]

Everything that can be checked is checked before training: the options, the output
paths (their directory exists and is writable, no file plays two roles, matplotlib
writes the plot's format), the CSV (dates, numeric columns, missing values, missing
dates) and the future dates. Bad input prints one line naming the problem and the
option that fixes it and exits with status 2; any other error is one line too (status
1); Ctrl-C exits with status 130. Outputs are written to temporary files beside them
and renamed over the old files only once all are complete, so a failed or interrupted
run leaves no output behind and never touches an existing file.

Dates are read in one format for the whole column: ``--date-format``, else the format
pandas guesses from the first row (``--dayfirst`` for day/month/year). Timestamps whose
UTC offset changes (daylight saving) are converted to UTC.
"""

import argparse
import os
import re
import signal
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format
from pandas.tseries.frequencies import to_offset
from sklearn.exceptions import ConvergenceWarning

from . import RNNForecaster, make_windows
from .datasets import dataset_path
from .forecasting import future_index

DEFAULT_WINDOW = {"MS": 24, "M": 24, "ME": 24, "QS": 12, "W": 26, "D": 28, "B": 20, "h": 48}
DEMO = {"file": "airline_passengers_monthly.csv", "target": "passengers", "horizon": 12}
FREQ_EXAMPLES = "e.g. D (daily), B (business days), W (weekly), MS (month start), h (hourly)"
FREQ_NAMES = {"D": "daily", "B": "business-day", "W": "weekly", "MS": "monthly",
              "ME": "monthly", "QS": "quarterly", "QE": "quarterly", "YS": "yearly",
              "YE": "yearly", "h": "hourly", "min": "minutely", "s": "secondly"}
#: --fill choice -> how missing values are filled, and how that is said.
FILLS = {"interpolate": (lambda data: data.interpolate(method="time"), "by interpolation"),
         "ffill": (lambda data: data.ffill(), "with the previous value")}
FILL_CHOICES = ["none", "interpolate", "ffill", "drop"]
SEPARATORS = {";": "';'", "\t": "'\\t'", "|": "'|'"}  # suggested for a one-column file
LISTED = 3  # dates named in a message about missing values or dates
#: Forecasts more than this many history ranges beyond the history are refused.
IMPLAUSIBLE_SPANS = 10
#: Memory per weight while training: float32 weights, gradients, two Adam moments, the
#: last-epoch and best snapshots (6 x 4 bytes), and the float64 copy for prediction.
BYTES_PER_WEIGHT = 32
GATES = {"lstm": 4, "gru": 3, "rnn": 1, "jordan": 1}
#: Estimator parameters named in library messages -> the command's options.
OPTION_NAMES = {"learning_rate_init": "--learning-rate", "hidden_size": "--hidden-size",
                "max_iter": "--epochs", "n_iter_no_change": "--patience",
                "random_state": "--seed"}


class CLIError(Exception):
    """A problem with the command's input, reported as one line."""


# ------------------------------------------------------------- outputs, checked first
def _output_path(text, option, suffix=None):
    """The file ``option`` will write (``suffix`` added when it has none), or None."""
    if not text:
        return None
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        raise CLIError(f"{option} {text} is a directory; give a file name, e.g. "
                       f"{option} {path / ('forecast' + (suffix or '.csv'))}")
    if suffix and not path.suffix:
        path = path.with_name(path.name + suffix)
    if not path.parent.is_dir():
        raise CLIError(f"{option} {text}: directory {path.parent} does not exist; create "
                       f"it or choose another {option}")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise CLIError(f"{option} {text}: directory {path.parent} is not writable; choose "
                       f"another {option}")
    if path.exists() and not os.access(path, os.W_OK):
        raise CLIError(f"{option} {text} exists and is read-only; choose another {option}")
    return path


def _same_file(a, b):
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _check_distinct(named):
    """Refuse two roles for one file; ``named``: (label, text, path) with FILE first."""
    seen = []
    for label, text, path in (n for n in named if n[2] is not None):
        for other_label, other_text, other in seen:
            if not _same_file(path, other):
                continue
            if other_label == "FILE":
                raise CLIError(f"{label} {text} is the input file {other_text}; writing it "
                               f"would replace the data, choose another {label}")
            raise CLIError(f"{other_label} {other_text} and {label} {text} are the same "
                           "file; give them different names")
        seen.append((label, text, path))


def _check_plot_format(path, text):
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise CLIError(f"--plot {text}: matplotlib cannot write {path.suffix} files; end the "
                       f"name with one of {', '.join('.' + f for f in sorted(formats))}")


def check_outputs(args):
    """{option: Path or None} of the files the run writes, all checked."""
    _check_input_file(Path(args.file))
    texts = {"--output": args.output, "--plot": getattr(args, "plot", None)}
    paths = {"--output": _output_path(texts["--output"], "--output"),
             "--plot": _output_path(texts["--plot"], "--plot", ".png")}
    _check_distinct([("FILE", args.file, Path(args.file)),
                     *((option, texts[option], paths[option]) for option in paths)])
    if paths["--plot"] is not None:
        _check_plot_format(paths["--plot"], texts["--plot"])
    return paths


def _file_mode(path):
    """Permissions for ``path``: those of the file it replaces, else what the umask allows."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def staged(paths):
    """{path: temporary path} beside each path; renamed over them if the block succeeds."""
    temporary = {}
    try:
        for path in paths:
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                            dir=path.parent)
            os.close(handle)
            temporary[path] = Path(name)
        yield temporary
        for path, part in temporary.items():
            os.chmod(part, _file_mode(path))
        for path, part in temporary.items():
            os.replace(part, path)
    finally:
        for part in temporary.values():
            part.unlink(missing_ok=True)


# ------------------------------------------------------------------------ reading
def _check_input_file(path):
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
            print(f"Note: the UTC offsets change within column {column!r} (daylight "
                  "saving); its dates are converted to UTC.")
        elif not date_format and re.match(r"%m\W%d", fmt) and (dates.dt.day <= 12).all():
            print(f"Note: dates such as {text.iloc[0]!r} are read month first; pass "
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
                       f"{_dates_text(pd.DatetimeIndex(dates[dates.duplicated()]))}")
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


def read_series_csv(args):
    """FILE's target and feature columns as floats, indexed by its dates, checked."""
    path = Path(args.file)
    _check_input_file(path)
    frame = _index_by_dates(_read_csv(path, args.sep, args.decimal), args, path.name)
    return _select_columns(frame, args.target, args.features, path.name)


# --------------------------------------------------------- missing values and dates
def _dates_text(dates):
    """The first LISTED dates, as dates when they are midnights without time zone."""
    plain = dates.tz is None and (dates == dates.normalize()).all()
    text = [str(d.date()) if plain else str(d) for d in dates[:LISTED]]
    return ", ".join(text + ["..."] * (len(dates) > LISTED))


def _count(n, noun):
    return f"{n} {noun}{'s' * (n != 1)}"


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
        raise CLIError(f"column {column!r} of {name} has {_count(len(where), 'missing value')}"
                       f" ({_dates_text(where)}); pass --fill interpolate, ffill or drop")
    if len(missing):
        raise CLIError(f"{name} lacks {_count(len(missing), 'date')} of its {_kind(offset)} "
                       f"sequence: {_dates_text(missing)}; pass --fill "
                       "interpolate or ffill to fill them, or --fill drop to skip them")
    return data


def _drop_missing(data, offset, missing, name):
    """--fill drop: drop rows with missing values; missing dates stay missing."""
    kept = data.dropna()
    done = []
    if len(kept) < len(data):
        done.append(f"Dropped {_count(len(data) - len(kept), 'row')} with missing values")
    if len(missing):
        done.append(f"{_count(len(missing), 'missing date')} skipped (the windows span "
                    "the gaps)")
    if done:
        print("; ".join(done) + ".")
    return kept


def _fill(data, offset, missing, name, how):
    """--fill interpolate or ffill: add the missing dates, fill every missing value."""
    n_values = int(data.isna().to_numpy().sum())
    if len(missing):
        data = data.asfreq(offset)
    method, words = FILLS[how]
    data = method(data)
    filled = data.dropna()  # leading rows have nothing to fill from
    done = [_count(n, noun) for n, noun in ((n_values, "missing value"),
                                            (len(missing), "missing date")) if n]
    dropped = len(data) - len(filled)
    if done:
        print(f"Filled {' and '.join(done)} {words}" + (
            f"; dropped {_count(dropped, 'leading row')} with nothing before them"
            if dropped else "") + ".")
    return filled


#: --fill choice -> what is done with missing values and dates.
FILL_HANDLERS = {"none": _refuse_missing, "drop": _drop_missing,
                 **{how: partial(_fill, how=how) for how in FILLS}}


def _refuse_infinite(data, name):
    infinite = np.isinf(data.to_numpy())
    if infinite.any():
        column = data.columns[infinite.any(axis=0)][0]
        where = data.index[np.isinf(data[column].to_numpy())]
        raise CLIError(f"column {column!r} of {name} has {_count(len(where), 'infinite value')}"
                       f" ({_dates_text(where)}); fix or remove them in the file")


def handle_missing(data, args, name):
    """(data, freq): data with missing values and dates handled as --fill says, and the
    frequency of the future dates (None: inferred from the index)."""
    _refuse_infinite(data, name)
    offset, missing = find_missing_dates(data.index, args.freq, name)
    data = FILL_HANDLERS[args.fill](data, offset, missing, name)
    if args.freq is None and offset is not None and _own_offset(data.index) is None:
        return data, offset.freqstr  # dropped rows: the dates keep their gaps
    return data, args.freq


def _describe_gaps(index):
    counts = pd.Series(index[1:] - index[:-1]).value_counts().head(LISTED)
    text = [(_count(gap.days, "day") if gap == pd.Timedelta(days=gap.days) else
             str(gap).removeprefix("0 days ")) + f" ({_count(n, 'time')})"
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
                       f"{freq}: {_one_line(exc)}") from None


def load_series(args):
    """(data, freq): FILE read, checked and filled; the future dates' frequency."""
    data = read_series_csv(args)
    return handle_missing(data, args, Path(args.file).name)


# ------------------------------------------------------------------------ training
def default_window(index, horizon, n_rows):
    """A window length suited to the data's frequency, at most a third of the rows."""
    freq = None
    if len(index) > 2:
        with warnings.catch_warnings():  # pandas >= 3 warns that a str is returned
            warnings.simplefilter("ignore", DeprecationWarning)
            freq = pd.infer_freq(index)
    base = getattr(freq, "freqstr", freq).split("-")[0] if freq else None
    window = max(DEFAULT_WINDOW.get(base, 24), horizon)
    return max(2, min(window, n_rows // 3))


def build_forecaster(args, target_feature=0):
    return RNNForecaster(cell=args.cell, hidden_size=args.hidden_size, max_iter=args.epochs,
                         early_stopping=True, validation_fraction=0.2,
                         n_iter_no_change=args.patience, learning_rate_init=args.learning_rate,
                         random_state=args.seed, verbose=int(args.verbose),
                         target_feature=target_feature)


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _size(n_bytes):
    return f"{n_bytes / 1e12:.0f} TB" if n_bytes >= 1e12 else f"{n_bytes / 1e9:.1f} GB"


def check_memory(args, n_features):
    """Refuse a network whose weights alone would not fit in this machine's memory."""
    size = args.hidden_size
    n_weights = GATES[args.cell] * size * (n_features + size + 2) + size * args.horizon
    need, have = BYTES_PER_WEIGHT * n_weights, _physical_memory()
    if have and need > have:
        raise CLIError(f"--hidden-size {size} needs about {_size(need)} of memory for the "
                       f"weights alone, more than the {_size(have)} of this machine; use a "
                       "smaller --hidden-size")


class SigintRecorder:
    """Within the block, remembers a Ctrl-C (still raised as KeyboardInterrupt), so that
    an estimator that catches it to keep its best weights cannot hide it."""

    received = False

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: signals are not ours to handle
            self._previous = False
        return self

    def _handle(self, signum, frame):
        self.received = True
        raise KeyboardInterrupt

    def __exit__(self, *exc_info):
        if self._previous is not False:
            signal.signal(signal.SIGINT, self._previous or signal.SIG_DFL)
        if self.received and exc_info[0] is None:
            raise KeyboardInterrupt
        return False


def best_epoch(model):
    """The epoch (from 1) whose weights the fitted model keeps."""
    epoch = getattr(model, "best_epoch_", None)
    if epoch is not None:
        return int(epoch)
    scores = getattr(model, "validation_scores_", None)
    scores = np.asarray([] if scores is None else scores, dtype=float)
    if not scores.size:
        return int(model.n_iter_)
    return int(np.argmax(np.where(np.isfinite(scores), scores, -np.inf))) + 1


def training_report(model, epochs, patience, seconds):
    """Lines saying how training went; the "more epochs" note only when it is true:
    --epochs was reached and the kept weights come from the last few epochs (a third
    of --patience, at most a tenth of the epochs run)."""
    n_run, kept = int(model.n_iter_), best_epoch(model)
    score = getattr(model, "best_validation_score_", None)
    best = f" (best validation R^2 {score:.3f})" if score is not None and \
        np.isfinite(score) else ""
    lines = [f"Fitted: {_count(n_run, 'epoch')} run, weights of epoch {kept} kept{best}, "
             f"{seconds:.1f} s"]
    if n_run >= epochs and kept > n_run - max(1, min(patience // 3, n_run // 10)):
        lines.append(f"Note: stopped at --epochs {epochs} while the validation score was "
                     "still improving; more epochs may help.")
    return lines


def _with_option_names(message):
    for name, option in OPTION_NAMES.items():
        message = message.replace(name, option)
    return message


def fit_forecaster(args, X, y, window):
    """The fitted model and the notes on its training (printed once the forecast is
    found plausible); Ctrl-C during the fit raises KeyboardInterrupt."""
    model = build_forecaster(args)
    print(f"Fitting {args.cell.upper()} (hidden {args.hidden_size}) on {len(X)} windows of "
          f"{window} steps, horizon {args.horizon} ...", flush=True)
    start = time.perf_counter()
    try:
        with SigintRecorder():
            model.fit(X, y)
    except ValueError as exc:
        if "diverge" in str(exc):  # the estimator's own check; its first sentence
            first = re.split(r"\.\s", _one_line(exc))[0]
            raise CLIError(f"{first}{_divergence_fix(args)}") from None
        raise
    if getattr(model, "interrupted_", False):
        raise KeyboardInterrupt
    fitted, *notes = training_report(model, args.epochs, args.patience,
                                     time.perf_counter() - start)
    print(fitted, flush=True)
    return model, notes


def _divergence_fix(args):
    rate = args.learning_rate
    return f"; lower --learning-rate (now {rate:g}), e.g. --learning-rate {rate / 100:g}"


def check_plausible(table, history, args):
    """Refuse forecasts that are non-finite or far outside the history's range."""
    values = table.to_numpy(dtype=float)
    fix = f", so nothing was written; training probably diverged{_divergence_fix(args)}"
    if not np.isfinite(values).all():
        raise CLIError(f"the forecast holds non-finite values "
                       f"({values[~np.isfinite(values)][0]}){fix}")
    low, high = float(history.min()), float(history.max())
    span = (high - low) or abs(high) or 1.0
    forecast = table["forecast"].to_numpy(dtype=float)
    margin = IMPLAUSIBLE_SPANS * span
    far = (forecast > high + margin) | (forecast < low - margin)
    if far.any():
        raise CLIError(f"the forecast {forecast[far][0]:g} lies far outside the history of "
                       f"{history.name!r} ({low:g} to {high:g}){fix}")


# ---------------------------------------------------------------------- commands
def _check_length(data, args):
    window = args.window or default_window(data.index, args.horizon, len(data))
    needed = window + args.horizon + 10
    if len(data) < needed:
        raise CLIError(f"{len(data)} rows in {Path(args.file).name} are too few for a window "
                       f"of {window} and --horizon {args.horizon}: need at least {needed}")
    return window


def run_forecast(args):
    _check_features(args.target, args.features)
    outputs = check_outputs(args)
    data, freq = load_series(args)
    window = _check_length(data, args)
    check_future_dates(data.index, args.horizon, freq, Path(args.file).name)
    check_memory(args, data.shape[1])
    X, y = make_windows(data, window, args.horizon, target=args.target)
    model, notes = fit_forecaster(args, X, y, window)
    result = model.forecast(data, args.horizon, interval=args.interval, freq=freq)
    table = result if isinstance(result, pd.DataFrame) else result.rename("forecast").to_frame()
    history = data[args.target]
    check_plausible(table, history, args)
    print(*notes, sep="\n", end="\n" * bool(notes))
    _write_outputs(table, history, outputs)
    print(table.to_string(float_format=lambda v: f"{v:.2f}"))
    return table


def _write_outputs(table, history, outputs):
    paths = [p for p in outputs.values() if p is not None]
    with staged(paths) as part:
        if outputs["--output"] is not None:
            table.to_csv(part[outputs["--output"]], index_label=history.index.name or "date")
        if outputs["--plot"] is not None:
            from .plotting import plot_forecast
            ax = plot_forecast(history, table, title=f"{history.name}: {len(table)}-step "
                               "forecast", history_tail=max(4 * len(table), 48))
            ax.figure.savefig(part[outputs["--plot"]], dpi=110, bbox_inches="tight",
                              format=outputs["--plot"].suffix[1:].lower())
    for option, what in (("--output", "Forecast"), ("--plot", "Plot")):
        if outputs[option] is not None:
            print(f"{what} written to {outputs[option]}")


def _backtest_function():
    try:
        from .model_selection import backtest
    except ImportError:
        from .forecasting import backtest
    return backtest


def run_backtest(args):
    _check_features(args.target, args.features)
    output = check_outputs(args)["--output"]
    data, _ = load_series(args)
    window = args.window or default_window(data.index, args.horizon, len(data))
    step = args.horizon
    initial = len(data) - args.folds * step
    if initial < window + args.horizon + 10:
        raise CLIError(f"{len(data)} rows are too few for {args.folds} folds of "
                       f"{args.horizon} steps after a window of {window}")
    check_memory(args, data.shape[1])
    with SigintRecorder():
        result = _backtest_function()(
            build_forecaster(args), data, window=window, horizon=args.horizon,
            target=args.target, initial_train_size=initial, step=step,
            seasonal_period=args.seasonal_period, n_jobs=args.n_jobs)
    columns = [c for c in ("forecast", "lower", "upper") if c in result.predictions]
    check_plausible(result.predictions[columns], data[args.target], args)
    print(f"Backtest of {len(result.fold_metrics)} folds, horizon {args.horizon}:")
    for name, value in result.metrics.items():
        print(f"  {name:<6} {value:.4f}")
    if output is not None:
        with staged([output]) as part:
            result.predictions.to_csv(part[output], index=False)
        print(f"Backtest forecasts written to {output}")
    return result


def run_demo(args):
    args.file = str(dataset_path(DEMO["file"]))
    args.target, args.horizon = DEMO["target"], DEMO["horizon"]
    print(f"Demo: forecasting the next {args.horizon} months of {args.target} "
          f"({Path(args.file).name}, shipped with rnnforecast)")
    return run_forecast(args)


# ------------------------------------------------------------------------ options
def _check_features(target, features):
    if target in features:
        raise CLIError(f"--features {','.join(features)} includes the --target column "
                       f"{target!r}; the target is always an input, list only other columns")
    repeated = [f for i, f in enumerate(features) if f in features[:i]]
    if repeated:
        raise CLIError(f"--features lists {repeated[0]!r} twice")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32), got {text!r}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = np.nan
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _coverage(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value or None


def _frequency(text):
    try:
        to_offset(text)
    except ValueError as exc:
        hint = re.search(r"Did you mean \w+\?|Please use '\w+' instead", str(exc))
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a pandas frequency{f' ({hint[0]})' if hint else ''}; use "
            f"{FREQ_EXAMPLES}") from None
    return text


def _date_format(text):
    if "%" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} has no % directive; give a strftime "
                                         "format such as %d.%m.%Y")
    try:  # pandas refuses unknown directives whatever the values
        pd.to_datetime(pd.Series(["2000"]), format=text, errors="coerce")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{_one_line(exc)}; give a strftime format such "
                                         "as %d.%m.%Y") from None
    return text


def _separator(text):
    text = "\t" if text in ("\\t", "tab") else text
    if not text:
        raise argparse.ArgumentTypeError("must not be empty; e.g. --sep ';'")
    return text


def _decimal(text):
    if len(text) != 1:
        raise argparse.ArgumentTypeError(f"must be one character, e.g. ',', got {text!r}")
    return text


def _feature_list(text):
    return [c.strip() for c in text.split(",") if c.strip()]


REPLACED = "; an existing file is replaced"


def _add_model_options(p, output=("forecast.csv", "CSV file for the forecast")):
    p.add_argument("--horizon", type=_positive_int, default=12, help="steps to forecast")
    p.add_argument("--window", type=_positive_int, default=None,
                   help="input window length (default: from the data's frequency)")
    p.add_argument("--cell", choices=list(GATES), default="lstm")
    p.add_argument("--hidden-size", type=_positive_int, default=32)
    p.add_argument("--epochs", type=_positive_int, default=300, help="maximum epochs")
    p.add_argument("--patience", type=_positive_int, default=30,
                   help="epochs without validation improvement before stopping")
    p.add_argument("--learning-rate", type=_positive_float, default=0.005)
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--freq", type=_frequency, default=None,
                   help="frequency of the dates (e.g. B, D, W, MS, h); default: inferred")
    p.add_argument("--interval", type=_coverage, default=0.9,
                   help="prediction-interval coverage in (0, 1); 0 for none")
    p.add_argument("-v", "--verbose", action="store_true", help="print one line per epoch")
    p.add_argument("--output", default=output[0],
                   help=f"{output[1]} (default {output[0] or 'none'}; '' for none){REPLACED}")


def _add_data_options(p):
    p.add_argument("file", metavar="FILE", help="CSV file with a date column")
    p.add_argument("--target", required=True, help="column to forecast")
    p.add_argument("--features", type=_feature_list, default=[],
                   help="extra input columns, comma-separated")
    p.add_argument("--date-column", default=None, help="default: 'date' or the first column")
    p.add_argument("--date-format", type=_date_format, default=None,
                   help="strftime format of the dates, e.g. %%d.%%m.%%Y (default: guessed "
                        "from the first row); offsets that change (daylight saving) are "
                        "converted to UTC")
    p.add_argument("--dayfirst", action="store_true",
                   help="read dates such as 01/02/2000 day first (1 February)")
    p.add_argument("--sep", type=_separator, default=",",
                   help="field separator, e.g. ';' or '\\t' (default ',')")
    p.add_argument("--decimal", type=_decimal, default=".", help="decimal mark, e.g. ','")
    p.add_argument("--fill", choices=FILL_CHOICES, default="none",
                   help="missing values and missing dates: refuse them (none), interpolate "
                        "in time, repeat the previous value (ffill), or drop those rows and "
                        "keep the gaps (drop)")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def make_parser():
    parser = _Parser(prog="rnnforecast", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    plot_help = ("plot file, png/pdf/svg/jpg... by extension (png when none; '' for none)"
                 + REPLACED)
    p = sub.add_parser("forecast", help="fit on a CSV and forecast the next values")
    _add_data_options(p)
    _add_model_options(p)
    p.add_argument("--plot", default="forecast.png", help=plot_help)
    p.set_defaults(run=run_forecast)
    p = sub.add_parser("backtest", help="rolling-origin evaluation of the forecaster")
    _add_data_options(p)
    _add_model_options(p, output=("", "CSV file for the backtest forecasts"))
    p.add_argument("--folds", type=_positive_int, default=4)
    p.add_argument("--seasonal-period", type=_positive_int, default=1)
    p.add_argument("--n-jobs", type=int, default=None)
    p.set_defaults(run=run_backtest)
    p = sub.add_parser("demo", help="forecast a shipped dataset (airline passengers)")
    _add_model_options(p)
    p.add_argument("--plot", default="forecast.png", help=plot_help)
    p.set_defaults(run=run_demo, date_column=None, features=[], date_format=None,
                   dayfirst=False, sep=",", decimal=".", fill="none")
    return parser


# --------------------------------------------------------------------------- main
def _one_line(exc):
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def _fail(message, status):
    print(f"rnnforecast: error: {message}", file=sys.stderr)
    return status


def _run(args):
    """Run the command; the exit status, with one line on stderr for any error."""
    try:
        args.run(args)
    except CLIError as exc:
        return _fail(str(exc), 2)
    except KeyboardInterrupt:
        print("rnnforecast: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head: the reader wants no more
        _silence_stdout()
        return 141
    except MemoryError as exc:
        detail = f" ({_one_line(exc)})" if _one_line(exc) else ""
        return _fail(f"out of memory{detail}; use a smaller --hidden-size or --window", 2)
    except (ValueError, OSError) as exc:
        return _fail(_with_option_names(_one_line(exc)), 2)
    except Exception as exc:  # a bug or an unforeseen environment: still one line
        return _fail(f"{type(exc).__name__}: {_one_line(exc)}", 1)
    return 0


def _silence_stdout():
    """Point stdout at /dev/null, so that flushing it at exit raises nothing more."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a file (e.g. captured)
        pass


def _print_warnings(caught):
    """Warnings worth a user's attention, one line each (convergence has its own note)."""
    quiet = (ConvergenceWarning, DeprecationWarning, PendingDeprecationWarning)
    shown = set()
    for w in caught:
        line = f"{w.category.__name__}: {_one_line(w.message)}"
        if not issubclass(w.category, quiet) and line not in shown:
            shown.add(line)
            print(f"rnnforecast: warning: {line}", file=sys.stderr)


def main(argv=None):
    """Entry point; returns the exit status: 0, 2 for bad input, 1 for another error,
    130 for Ctrl-C, each failure with one line on stderr."""
    try:
        args = make_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code
    with warnings.catch_warnings(record=True) as caught:
        status = _run(args)
    if status == 0:
        _print_warnings(caught)
    return status


if __name__ == "__main__":
    sys.exit(main())
