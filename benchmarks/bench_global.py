"""One global model (GlobalForecaster) against one model per series (fit_many).

Two kinds of collections:

(a) the public suite's series grouped by frequency (``/work/shared/benchmarks``:
    monthly, quarterly, yearly), each series split by the suite's harness (train = all
    but the last ``H`` points) and scored with its MASE (scale from the train part,
    season ``m``). One horizon per group, the longest ``H`` of the group; each series
    is scored on its own first ``H`` values.
(b) many short related series cut from the shipped datasets: Seattle's daily
    ``temp_max``, ``temp_min`` and ``wind`` and IBM's daily close, one piece per
    calendar quarter (48 + 52 = 100 series of 61-92 rows); the last 7 rows of every
    piece are its test part, MASE with lag-1 scaling.

Every model is ``RNNForecaster(random_state=0)`` with its defaults (per series through
``fit_many(..., n_jobs=1)``, or once through ``GlobalForecaster``), so the seconds
compare one process against one process. On the monthly and quarterly groups of (a),
"global, calendar" also gives the global model the month's Fourier terms
(``calendar_features(index, cycles=["month"])``, two harmonics) as columns known in
advance (``GlobalForecaster(..., known=[...])``, their future values from
``future_index``). Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_global.py | tee benchmarks/results/global_suite.txt

``--max-iter 2`` runs everything with two epochs (a check that the script works).
"""

import argparse
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

from rnnforecast import RNNForecaster
from rnnforecast.datasets import load_ibm, load_seattle_weather
from rnnforecast.forecasting import (GlobalForecaster, calendar_features, fit_many,
                                     forecast_many, future_index)

SUITE = "/work/shared/benchmarks"
sys.path.insert(0, SUITE)
from evaluate import load_manifest, load_series, mase, mase_scale, split  # noqa: E402

#: suite frequency -> (group name, window)
GROUPS = {"MS": ("monthly", 24), "QS": ("quarterly", 12), "YS": ("yearly", 8)}
#: many-series set: test rows per piece and window
SHORT_H, SHORT_WINDOW = 7, 14


def suite_collections():
    """(name, trains, tests, seasons, window) per frequency group of the suite."""
    groups = {}
    for meta in load_manifest("forecasting")["series"]:
        if meta["freq"] in GROUPS:
            train, test = split(load_series(meta), int(meta["H"]))
            groups.setdefault(meta["freq"], []).append((meta["id"], train, test, meta["m"]))
    for freq, rows in groups.items():
        name, window = GROUPS[freq]
        yield (name, {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows},
               {r[0]: r[3] for r in rows}, window)


def quarterly_pieces():
    """100 short series: a piece per calendar quarter of 3 weather columns and IBM."""
    weather, close = load_seattle_weather(), load_ibm()["close"]
    pieces, kinds = {}, {}
    for column in ("temp_max", "temp_min", "wind"):
        for quarter, piece in weather[column].groupby(weather.index.to_period("Q")):
            pieces[f"{column} {quarter}"], kinds[f"{column} {quarter}"] = piece, column
    for quarter, piece in close.groupby(close.index.to_period("Q")):
        if len(piece) >= 55:  # the first and last quarters are partial
            name = f"ibm {quarter}"
            pieces[name] = piece.reset_index(drop=True)  # trading days: positions
            kinds[name] = "ibm_close"
    attributes = pd.get_dummies(pd.Series(kinds), dtype=float)  # one column per kind
    trains = {n: p.iloc[:-SHORT_H] for n, p in pieces.items()}
    tests = {n: p.iloc[-SHORT_H:] for n, p in pieces.items()}
    return trains, tests, attributes


def score(trains, tests, seasons, table):
    """MASE per series of the long table of forecasts (first len(test) values), and the
    share of test values inside the interval (NaN without one)."""
    scores, inside = {}, []
    for name, group in table.groupby("series", sort=False):
        test = tests[name].to_numpy()
        prediction = group["forecast"].to_numpy()[:len(test)]
        scores[name] = mase(test, prediction, mase_scale(trains[name].to_numpy(),
                                                         seasons[name]))
        if "lower" in group:
            inside += list((group["lower"].to_numpy()[:len(test)] <= test)
                           & (test <= group["upper"].to_numpy()[:len(test)]))
    return scores, (np.mean(inside) if inside else np.nan)


def per_series(trains, window, horizon, max_iter, interval=None):
    models = fit_many(RNNForecaster(random_state=0, max_iter=max_iter), trains,
                      window=window, horizon=horizon, n_jobs=1)
    return (forecast_many(models, trains, interval=interval),
            sum(m.n_iter_ for m in models.values()))


def global_model(trains, window, horizon, max_iter, static=None, interval=None):
    model = GlobalForecaster(RNNForecaster(random_state=0, max_iter=max_iter),
                             window=window, horizon=horizon, static=static).fit(trains)
    return model.forecast(trains, interval=interval), model.estimator_.n_iter_


def global_calendar(trains, window, horizon, max_iter, interval=None):
    """The global model with the month's Fourier terms known in advance."""
    def month(index):
        return calendar_features(index, cycles=["month"])
    frames = {name: pd.concat([s.rename("value").to_frame(), month(s.index)], axis=1)
              for name, s in trains.items()}
    known = [c for c in next(iter(frames.values())).columns if c != "value"]
    model = GlobalForecaster(RNNForecaster(random_state=0, max_iter=max_iter),
                             window=window, horizon=horizon, known=known).fit(frames)
    future = {name: month(future_index(s.index, horizon)) for name, s in trains.items()}
    return (model.forecast(frames, future=future, interval=interval),
            model.estimator_.n_iter_)


def run(label, trains, tests, seasons, window, horizon, methods, interval=None):
    """Fit every method, print its MASE summary and seconds (and the coverage of its
    ``interval``); return per-series MASE. Epochs are summed over the fits."""
    rows = {}
    print(f"\n## {label}: {len(trains)} series, window {window}, horizon {horizon}")
    print(f"{'method':<26} {'mean MASE':>10} {'median':>8} {'seconds':>8} {'epochs':>7}"
          + ("" if interval is None else f"  coverage of {interval:.0%} intervals"))
    for method, fit in methods.items():
        start = time.perf_counter()
        table, epochs = fit(trains, window, horizon, interval)
        seconds = time.perf_counter() - start
        rows[method], coverage = score(trains, tests, seasons, table)
        values = list(rows[method].values())
        print(f"{method:<26} {np.mean(values):>10.3f} {statistics.median(values):>8.3f} "
              f"{seconds:>8.1f} {epochs:>7}"
              + ("" if interval is None else f"  {coverage:.3f}"), flush=True)
    return rows


def print_series(rows):
    methods = list(rows)
    print(f"{'MASE per series':<28}" + "".join(f"{m:>22}" for m in methods))
    for name in rows[methods[0]]:
        print(f"{name:<28}" + "".join(f"{rows[m][name]:>22.3f}" for m in methods))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--only", choices=["suite", "short"], default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # convergence warnings of the epoch budget
    it = args.max_iter
    print("uptime at start:", subprocess.run(["uptime"], capture_output=True,
                                             text=True).stdout.strip())
    print(f"RNNForecaster(random_state=0, max_iter={it}), otherwise its defaults")
    methods = {
        "one model per series": lambda t, w, h, i: per_series(t, w, h, it, i),
        "global": lambda t, w, h, i: global_model(t, w, h, it, None, i),
        "global, static='id'": lambda t, w, h, i: global_model(t, w, h, it, "id", i),
    }
    if args.only in (None, "suite"):
        for name, trains, tests, seasons, window in suite_collections():
            horizon = max(len(t) for t in tests.values())
            group_methods = methods if name == "yearly" else {
                **methods, "global, calendar": lambda t, w, h, i: global_calendar(
                    t, w, h, it, i)}
            rows = run(f"suite, {name}", trains, tests, seasons, window, horizon,
                       group_methods)
            print_series(rows)
    if args.only in (None, "short"):
        trains, tests, attributes = quarterly_pieces()
        short_methods = {**methods, "global, static=kind": lambda t, w, h, i: global_model(
            t, w, h, it, attributes, i)}
        rows = run("quarterly pieces of Seattle weather and IBM", trains, tests,
                   dict.fromkeys(trains, 1), SHORT_WINDOW, SHORT_H, short_methods,
                   interval=0.8)
        for kind in attributes.columns:
            names = attributes.index[attributes[kind] == 1]
            print(f"  {kind:<12} ({len(names)} series) mean MASE: " + ", ".join(
                f"{m} {np.mean([rows[m][n] for n in names]):.3f}" for m in rows))
    print("\nuptime at end:", subprocess.run(["uptime"], capture_output=True,
                                             text=True).stdout.strip())


if __name__ == "__main__":
    main()
