"""The ``rnnforecast`` command: forecast a CSV, backtest it, or run the demo.

    rnnforecast forecast FILE.csv --target COLUMN [--date-column date] [--horizon 12]
        [--window 24] [--cell lstm] [--epochs 200] [--interval 0.9]
        [--output forecast.csv] [--plot forecast.png]
    rnnforecast backtest FILE.csv --target COLUMN [--folds 4] [--seasonal-period 12] ...
    rnnforecast demo [--output forecast.csv] [--plot forecast.png]

Bad input prints one line naming the problem and exits with status 2.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from . import RNNForecaster, make_windows
from .datasets import dataset_path

DEFAULT_WINDOW = {"MS": 24, "M": 24, "ME": 24, "QS": 12, "W": 26, "D": 28, "B": 20, "h": 48}
DEMO = {"file": "airline_passengers_monthly.csv", "target": "passengers", "horizon": 12}


class CLIError(Exception):
    """A problem with the command's input, reported as one line."""


def read_series_csv(path, target, date_column=None, features=()):
    """Read FILE.csv into a DataFrame indexed by its dates, holding target + features."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"file not found: {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CLIError(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}") from None
    frame = _index_by_dates(frame, date_column, path)
    columns = [target, *features]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CLIError(f"column {missing[0]!r} not in {path.name}; columns are "
                       f"{', '.join(map(str, frame.columns))}")
    data = frame[columns]
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise CLIError(f"column {bad[0]!r} is not numeric (dtype {data[bad[0]].dtype}); "
                       "choose a numeric --target/--features column")
    return data


def _index_by_dates(frame, date_column, path):
    column = date_column or ("date" if "date" in frame.columns else frame.columns[0])
    if column not in frame.columns:
        raise CLIError(f"date column {column!r} not in {path.name}; pass --date-column")
    try:
        dates = pd.to_datetime(frame[column], format="ISO8601")
    except (ValueError, TypeError):
        raise CLIError(f"column {column!r} of {path.name} does not hold dates; pass "
                       "--date-column with the name of the date column") from None
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise CLIError(f"column {column!r} of {path.name} has a missing date in data row "
                       f"{row + 1}; fill or drop that row")
    if dates.duplicated().any():
        raise CLIError(f"duplicated dates in column {column!r}, e.g. "
                       f"{dates[dates.duplicated()].iloc[0].date()}")
    if not dates.is_monotonic_increasing:
        raise CLIError(f"dates in column {column!r} are not in increasing order; sort the file")
    return frame.drop(columns=column).set_index(pd.DatetimeIndex(dates, name=column))


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


def run_forecast(args):
    data = read_series_csv(args.file, args.target, args.date_column, args.features)
    window = args.window or default_window(data.index, args.horizon, len(data))
    needed = window + args.horizon + 10
    if len(data) < needed:
        raise CLIError(f"{len(data)} rows in {Path(args.file).name} are too few for a window "
                       f"of {window} and --horizon {args.horizon}: need at least {needed}")
    X, y = make_windows(data, window, args.horizon, target=args.target)
    model = build_forecaster(args)
    print(f"Fitting {args.cell.upper()} (hidden {args.hidden_size}) on {len(X)} windows of "
          f"{window} steps, horizon {args.horizon} ...", flush=True)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    print(f"Fitted in {model.n_iter_} epochs ({time.perf_counter() - start:.1f} s), best "
          f"validation R^2 {model.best_validation_score_:.3f}", flush=True)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        print(f"Note: stopped at --epochs {args.epochs} while the validation score was still "
              "improving; more epochs may help.", flush=True)
    result = model.forecast(data, args.horizon, interval=args.interval, freq=args.freq)
    table = result if isinstance(result, pd.DataFrame) else result.rename("forecast").to_frame()
    _write_outputs(table, data[args.target], args)
    return table


def _write_outputs(table, history, args):
    if args.output:
        table.to_csv(args.output, index_label=history.index.name or "date")
        print(f"Forecast written to {args.output}")
    if args.plot:
        from .plotting import plot_forecast
        ax = plot_forecast(history, table, title=f"{history.name}: {len(table)}-step forecast",
                           history_tail=max(4 * len(table), 48))
        ax.figure.savefig(args.plot, dpi=110, bbox_inches="tight")
        print(f"Plot written to {args.plot}")
    print(table.to_string(float_format=lambda v: f"{v:.2f}"))


def run_backtest(args):
    from .forecasting import backtest
    data = read_series_csv(args.file, args.target, args.date_column, args.features)
    window = args.window or default_window(data.index, args.horizon, len(data))
    step = args.horizon
    initial = len(data) - args.folds * step
    if initial < window + args.horizon + 10:
        raise CLIError(f"{len(data)} rows are too few for {args.folds} folds of "
                       f"{args.horizon} steps after a window of {window}")
    result = backtest(build_forecaster(args), data, window=window, horizon=args.horizon,
                      target=args.target, initial_train_size=initial, step=step,
                      seasonal_period=args.seasonal_period, n_jobs=args.n_jobs)
    print(f"Backtest of {len(result.fold_metrics)} folds, horizon {args.horizon}:")
    for name, value in result.metrics.items():
        print(f"  {name:<6} {value:.4f}")
    if args.output:
        result.predictions.to_csv(args.output, index=False)
        print(f"Backtest forecasts written to {args.output}")
    return result


def run_demo(args):
    args.file = str(dataset_path(DEMO["file"]))
    args.target, args.horizon = DEMO["target"], DEMO["horizon"]
    print(f"Demo: forecasting the next {args.horizon} months of {args.target} "
          f"({Path(args.file).name}, shipped with rnnforecast)")
    return run_forecast(args)


def _add_model_options(p):
    p.add_argument("--horizon", type=_positive_int, default=12, help="steps to forecast")
    p.add_argument("--window", type=_positive_int, default=None,
                   help="input window length (default: from the data's frequency)")
    p.add_argument("--cell", choices=["lstm", "gru", "rnn", "jordan"], default="lstm")
    p.add_argument("--hidden-size", type=_positive_int, default=32)
    p.add_argument("--epochs", type=_positive_int, default=300, help="maximum epochs")
    p.add_argument("--patience", type=_positive_int, default=30,
                   help="epochs without validation improvement before stopping")
    p.add_argument("--learning-rate", type=float, default=0.005)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--freq", default=None, help="frequency of the future dates (e.g. B, D, MS)")
    p.add_argument("--interval", type=_coverage, default=0.9,
                   help="prediction-interval coverage in (0, 1); 0 for none")
    p.add_argument("-v", "--verbose", action="store_true", help="print one line per epoch")
    p.add_argument("--output", default="forecast.csv")


def _add_data_options(p):
    p.add_argument("file", help="CSV file with a date column")
    p.add_argument("--target", required=True, help="column to forecast")
    p.add_argument("--date-column", default=None, help="default: 'date' or the first column")
    p.add_argument("--features", type=lambda s: [c for c in s.split(",") if c], default=[],
                   help="extra input columns, comma-separated")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _coverage(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value or None


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def make_parser():
    parser = _Parser(prog="rnnforecast", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("forecast", help="fit on a CSV and forecast the next values")
    _add_data_options(p)
    _add_model_options(p)
    p.add_argument("--plot", default="forecast.png", help="PNG file for the plot ('' for none)")
    p.set_defaults(run=run_forecast)
    p = sub.add_parser("backtest", help="rolling-origin evaluation of the forecaster")
    _add_data_options(p)
    _add_model_options(p)
    p.add_argument("--folds", type=_positive_int, default=4)
    p.add_argument("--seasonal-period", type=_positive_int, default=1)
    p.add_argument("--n-jobs", type=int, default=None)
    p.set_defaults(run=run_backtest, output=None)
    p = sub.add_parser("demo", help="forecast a shipped dataset (airline passengers)")
    _add_model_options(p)
    p.add_argument("--plot", default="forecast.png")
    p.set_defaults(run=run_demo, date_column=None, features=[])
    return parser


def main(argv=None):
    """Entry point; returns the exit status (2 for bad input, with one line on stderr)."""
    try:
        args = make_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code
    try:
        args.run(args)
    except CLIError as exc:
        print(f"rnnforecast: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        message = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        print(f"rnnforecast: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rnnforecast: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
