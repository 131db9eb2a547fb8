"""The ``rnnforecast`` command: forecast a CSV, backtest it, or run the demo.

    rnnforecast forecast FILE.csv --target COLUMN [--date-column date] [--horizon 12]
        [--seasonal-period M] [--window W] [--candidates rnn,ridge,drift,...]
        [--members 2] [--cell lstm] [--epochs 300] [--interval 0.9] [--fill none]
        [--output forecast.csv] [--plot forecast.png] [--quiet]
        [--future FUT.csv] [--calendar [--holidays 2024-12-25,...]]
    rnnforecast backtest FILE.csv --target COLUMN [--folds 4] [--seasonal-period 12]
        [--known COL,...] [--calendar] [--interval 0.9] ...
    rnnforecast demo [--output forecast.csv] [--plot forecast.png]

Everything that can be checked is checked before training: the options, the output
paths (their directory exists and is writable, no file plays two roles, matplotlib
writes the plot's format), the CSV (dates, numeric columns, missing values, missing
dates) and the future dates. Bad input prints one line naming the problem and the
option that fixes it and exits with status 2; any other error is one line too (status
1); Ctrl-C exits with status 130. Outputs are written to temporary files beside them
and renamed over the old files only once all are complete, so a failed or interrupted
run leaves no output behind and never touches an existing file.

``forecast`` (and ``demo``) fit an :class:`~rnnforecast.forecasting.AutoForecaster`:
candidates (an LSTM ensemble, ridge on lags, drift, seasonal naive, naive) compared on
the last windows of the data, the best refitted; the command prints which one and how
it validated against seasonal naive. ``backtest`` refits that model at every origin.

Columns known in advance (planned prices, promotions, weather forecasts): ``--future
FUT.csv`` holds their values at the ``--horizon`` dates after FILE's last one (every
column besides the date; FILE holds their past values), checked before training;
``--calendar`` adds Fourier terms of the month, weekday and hour of the forecast dates
(``--holidays``: a holiday column). ``backtest --known COL,...`` reads such columns of
FILE at each origin's forecast dates.

Dates are read in one format for the whole column: ``--date-format``, else the format
pandas guesses from the first row (``--dayfirst`` for day/month/year). Timestamps whose
UTC offset changes (daylight saving) are converted to UTC.

Layout: ``_parser`` (options and their checks), ``_csv`` (reading FILE: separators,
dates, numeric columns), ``_gaps`` (missing values and dates, ``--fill``, the future
dates), ``_training`` (window, forecaster, memory, fit and its report), ``_outputs``
(output paths, atomic writes, the plot), ``_commands`` (forecast, backtest, demo) and
``_messages`` (:class:`CLIError` and its one-line messages).
"""

import os
import sys
import warnings

from sklearn.exceptions import ConvergenceWarning

from ._commands import load_series, run_backtest, run_demo, run_forecast
from ._csv import parse_dates, read_series_csv
from ._gaps import check_future_dates, find_missing_dates, handle_missing
from ._messages import CLIError, console, one_line, with_option_names
from ._outputs import check_outputs, staged
from ._parser import make_parser
from ..forecasting import default_window
from ..forecasting._future_index import DEFAULT_WINDOW
from ._training import (SigintRecorder, best_epoch, build_forecaster, check_memory,
                        check_plausible, fit_forecaster, training_report)

__all__ = [
    "CLIError",
    "DEFAULT_WINDOW",
    "SigintRecorder",
    "best_epoch",
    "build_forecaster",
    "check_future_dates",
    "check_memory",
    "check_outputs",
    "check_plausible",
    "default_window",
    "find_missing_dates",
    "fit_forecaster",
    "handle_missing",
    "load_series",
    "main",
    "make_parser",
    "parse_dates",
    "read_series_csv",
    "run_backtest",
    "run_demo",
    "run_forecast",
    "staged",
    "training_report",
]


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
        detail = f" ({one_line(exc)})" if one_line(exc) else ""
        return _fail(f"out of memory{detail}; use a smaller --hidden-size or --window", 2)
    except (ValueError, OSError) as exc:
        return _fail(with_option_names(one_line(exc)), 2)
    except Exception as exc:  # a bug or an unforeseen environment: still one line
        return _fail(f"{type(exc).__name__}: {one_line(exc)}", 1)
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
        line = f"{w.category.__name__}: {one_line(w.message)}"
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
    with warnings.catch_warnings(record=True) as caught, console():
        status = _run(args)
    if status == 0:
        _print_warnings(caught)
    return status
