"""The three commands: forecast a CSV, backtest on it, or forecast the shipped demo."""

import math
from pathlib import Path

import pandas as pd

from ..datasets import dataset_path
from ._csv import check_features, read_future_csv, read_series_csv
from ._gaps import check_future_dates, check_future_rows, handle_missing
from ._messages import LOG, CLIError
from ._outputs import check_outputs, staged, write_forecast
from ..forecasting import auto_window, seasonal_period
from ..forecasting._auto_known import MIN_MONTH_YEARS, calendar_cycles
from ..forecasting._conformal import _needed as needed_residuals
from ..model_selection import backtest
from ._training import (SigintRecorder, build_auto_forecaster, check_memory,
                        check_plausible, fit_auto_forecaster)

DEMO = {"file": "airline_passengers_monthly.csv", "target": "passengers", "horizon": 12}


def load_series(args):
    """(data, freq): FILE read, checked and filled; the future dates' frequency."""
    data = read_series_csv(args)
    return handle_missing(data, args, Path(args.file).name)


def _check_length(data, args):
    m = args.seasonal_period or seasonal_period(data.index)
    window = args.window or auto_window(data.index, args.horizon, len(data), m)
    needed = window + args.horizon + 10
    if len(data) < needed:
        raise CLIError(f"{len(data)} rows in {Path(args.file).name} are too few for a window "
                       f"of {window} and --horizon {args.horizon}: need at least {needed}")
    return window


def _check_interval(n_rows, window, args, rows):
    """Refuse an --interval level that the residuals of every window of ``n_rows`` rows
    (the most an interval can be calibrated on) cannot make finite."""
    if args.interval is None:
        return
    levels = args.interval if isinstance(args.interval, list) else [args.interval]
    n_windows = n_rows - window - args.horizon + 1
    highest = max(levels)
    if n_windows >= needed_residuals(highest):
        return
    most = math.floor(1000 * n_windows / (n_windows + 1)) / 1000
    raise CLIError(f"--interval {highest:g} needs at least {needed_residuals(highest)} "
                   f"windows of --horizon {args.horizon} after a window of {window} to "
                   f"calibrate on; {rows} give {n_windows}: use --interval {most:g} or "
                   "lower, or a longer history")


def _check_known(args):
    """Columns known in advance: those of --future (read now) or --known, which FILE
    must hold too (added to --features). Returns the --future table or None."""
    if args.holidays and not args.calendar:
        raise CLIError("--holidays gives the dates of the calendar's holiday column; add "
                       "--calendar")
    future = None if not args.future else read_future_csv(args, args.target)
    if future is not None:
        args.known = list(future.columns)
    if args.target in args.known:
        raise CLIError(f"--known lists the --target column {args.target!r}: its future "
                       "values are what is forecast")
    args.features = [*args.features, *(c for c in args.known if c not in args.features)]
    return future


def _check_calendar(index, args, rows):
    """Refuse --calendar without --holidays when no calendar cycle suits the dates."""
    if not args.calendar:
        return
    try:
        calendar_cycles(index, args.holidays, "AutoForecaster.fit")
    except ValueError:
        raise CLIError(f"--calendar adds the calendar cycles that suit the dates, and "
                       f"none suits {rows} ({index[0]} to {index[-1]}): yearly dates, or "
                       f"months over less than {MIN_MONTH_YEARS} years; drop --calendar or "
                       "add --holidays") from None


def run_forecast(args):
    check_features(args.target, args.features)
    future = _check_known(args)
    outputs = check_outputs(args)
    data, freq = load_series(args)
    window = _check_length(data, args)
    _check_calendar(data.index, args, f"the dates of {Path(args.file).name}")
    _check_interval(len(data), window, args, f"the {len(data)} rows of "
                    f"{Path(args.file).name}")
    check_future_dates(data.index, args.horizon, freq, Path(args.file).name)
    if future is not None:
        future = check_future_rows(future, data.index, args.horizon, freq,
                                   Path(args.future).name)
    check_memory(args, data.shape[1])
    model, notes = fit_auto_forecaster(args, data)
    result = model.predict(interval=args.interval, freq=freq, future=future)
    if getattr(model, "interval_fallback_", False):
        highest = max(args.interval) if isinstance(args.interval, list) else args.interval
        notes.append(f"Note: {model._label(model.chosen_)} has too few held-out residuals "
                     f"for a {highest:g} interval; the interval uses seasonal naive's "
                     "residuals on every window.")
    table = result if isinstance(result, pd.DataFrame) else result.rename("forecast").to_frame()
    history = data[args.target]
    check_plausible(table, history, args)
    for note in notes:
        LOG.info(note)
    write_forecast(table, history, outputs)
    print(table.to_string(float_format=lambda v: f"{v:.2f}"))
    return table


def run_backtest(args):
    """The forecast command's model (AutoForecaster) refitted at every origin."""
    check_features(args.target, args.features)
    _check_known(args)
    output = check_outputs(args)["--output"]
    data, _ = load_series(args)
    m = args.seasonal_period or seasonal_period(data.index)
    window = args.window or auto_window(data.index, args.horizon, len(data), m)
    step = args.horizon
    initial = len(data) - args.folds * step
    if initial < window + args.horizon + 10:
        raise CLIError(f"{len(data)} rows are too few for {args.folds} folds of "
                       f"{args.horizon} steps after a window of {window}")
    if isinstance(args.interval, list):
        raise CLIError(f"backtest scores one --interval level; got "
                       f"{','.join(f'{v:g}' for v in args.interval)}: pass one, e.g. "
                       f"--interval {max(args.interval):g}")
    first = args.window or auto_window(data.index[:initial], args.horizon, initial, m)
    _check_calendar(data.index[:initial], args, "the rows before the first origin")
    _check_interval(initial, first, args, f"the {initial} rows before the first origin")
    check_memory(args, data.shape[1])
    with SigintRecorder():
        result = backtest(
            build_auto_forecaster(args, verbose=0), data, horizon=args.horizon,
            target=args.target, initial_train_size=initial, step=step,
            seasonal_period=m, interval=args.interval, n_jobs=args.n_jobs)
    columns = [c for c in ("forecast", "lower", "upper") if c in result.predictions]
    check_plausible(result.predictions[columns], data[args.target], args)
    LOG.info(f"Backtest of the forecast command's model (the choice between "
             f"{', '.join(args.candidates)}, made again on the history before each "
             f"origin), {len(result.fold_metrics)} folds, horizon {args.horizon}, MASE "
             f"against seasonal naive of period {m}:")
    for name, value in result.metrics.items():
        LOG.info(f"  {name:<6} {value:.4f}")
    if args.interval is not None:  # how often the --interval held
        LOG.info(f"  {result._coverage_line()}")
    if output is not None:
        with staged([output]) as part:
            result.predictions.to_csv(part[output], index=False)
        LOG.info(f"Backtest forecasts written to {output}")
    return result


def run_demo(args):
    args.file = str(dataset_path(DEMO["file"]))
    args.target, args.horizon = DEMO["target"], DEMO["horizon"]
    LOG.info(f"Demo: forecasting the next {args.horizon} months of {args.target} "
          f"({Path(args.file).name}, shipped with rnnforecast)")
    return run_forecast(args)
