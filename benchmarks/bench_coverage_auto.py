"""Coverage of the main job's intervals: ``AutoForecaster`` over rolling origins.

What a user of ``rnnforecast forecast --interval 0.8,0.95`` gets is
``AutoForecaster(horizon=H).fit(history).predict(interval=[0.8, 0.95])``: split conformal
intervals on the chosen candidate's residuals on the held-out windows of its choice (see
``rnnforecast/forecasting/_auto.py``). This script measures how often those intervals
hold the values that followed.

For every series, ``--origins`` origins (default 8) lie ``H`` rows apart, the last one
``H`` rows before the end of the data; at each, ``AutoForecaster`` with its defaults
(seed 0) is fitted on the rows before the origin and the next ``H`` rows are checked
against both intervals. Series: the 29 of the public suite (``../shared/benchmarks``,
or ``--suite DIR``), **train parts only** (the suite's last ``H`` points are never
read), with the suite's ``H``; and the three shipped series split as
``bench_suite.py --shipped`` splits them (their train parts too).

Printed per series: the coverage at 80 % and 95 %, the mean width of each interval in
units of the series' MASE scale (the mean absolute seasonal difference of the history
before the first origin; in the summary also the mean interval score, Gneiting & Raftery
2007: the width plus ``2 / alpha`` times the distance of a value outside, in the same
units, lower is better), the candidates chosen at the origins, how often the intervals
fell back to seasonal naive's residuals (``interval_fallback_``, "fb") and how often
``predict`` refused the 95 % level, too few residuals even for that ("ref": the origin
then counts for 80 % only; the user gets the error that says so). Then the mean
over series (each series weighs the same, as in the suite's scores) and the pooled
coverage of all forecast values, the mean absolute gap to nominal, and the series whose
coverage is more than 10 / 5 points from nominal at 80 / 95 %. With 8 origins the
coverage of one series has a standard error of up to about 0.14 at 80 % (the lead times
of one origin are correlated), so only the averages over series are measured targets.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_coverage_auto.py \\
        | tee benchmarks/results/coverage_auto.txt
    PYTHONPATH=. python benchmarks/bench_coverage_auto.py --series airline_passengers
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_suite import DEFAULT_SUITE, SHIPPED, _load_harness, _shipped  # noqa: E402

from rnnforecast.forecasting import AutoForecaster  # noqa: E402

LEVELS = (0.8, 0.95)
SEED = 0


def _columns(level):
    label = f"{round(level * 100):d}"
    return f"lower_{label}", f"upper_{label}"


def run_series(name, train, horizon, m, n_origins, params):
    """Coverage and width per level over the origins of one series (its train part)."""
    warnings.simplefilter("ignore")
    values = train.to_numpy(dtype=float)
    origins = [len(train) - horizon * (k + 1) for k in range(n_origins)][::-1]
    origins = [o for o in origins if o >= 2 * horizon + 4]
    first = values[:origins[0]]
    lag = m if len(first) > m else 1
    scale = float(np.mean(np.abs(first[lag:] - first[:-lag]))) or 1.0
    hits = {level: [] for level in LEVELS}
    widths = {level: [] for level in LEVELS}
    scores = {level: [] for level in LEVELS}
    chosen, fallbacks, refused = [], 0, 0
    start = time.perf_counter()
    for origin in origins:
        model = AutoForecaster(horizon=horizon, random_state=SEED, verbose=0,
                               **params).fit(train.iloc[:origin])
        try:
            result = model.predict(interval=list(LEVELS))
        except ValueError:  # too few residuals for 95 %, even seasonal naive's
            result = model.predict(interval=[LEVELS[0]])
            refused += 1
        actual = values[origin:origin + horizon]
        for level in LEVELS:
            if _columns(level)[0] not in result:
                continue
            low, high = (result[c].to_numpy() for c in _columns(level))
            hits[level].append((low <= actual) & (actual <= high))
            widths[level].append((high - low) / scale)
            alpha = 1 - level  # interval score: width + 2/alpha x the miss
            scores[level].append((high - low + 2 / alpha * (np.maximum(low - actual, 0) +
                                                            np.maximum(actual - high, 0)))
                                 / scale)
        chosen.append(model.chosen_)
        fallbacks += bool(model.interval_fallback_)
    return {"name": name, "origins": len(origins), "horizon": horizon,
            "coverage": {lv: float(np.mean(hits[lv])) if hits[lv] else np.nan
                         for lv in LEVELS},
            "hits": {lv: int(np.sum(hits[lv])) for lv in LEVELS},
            "n": {lv: len(hits[lv]) * horizon for lv in LEVELS},
            "width": {lv: float(np.mean(widths[lv])) if widths[lv] else np.nan
                      for lv in LEVELS},
            "score": {lv: float(np.mean(scores[lv])) if scores[lv] else np.nan
                      for lv in LEVELS},
            "chosen": chosen, "fallbacks": fallbacks, "refused": refused,
            "seconds": time.perf_counter() - start}


def _tasks(harness, names):
    tasks = []
    for meta in harness.load_manifest("forecasting")["series"]:
        train, _ = harness.split(harness.load_series(meta), meta["H"])
        tasks.append((meta["id"], train, meta["H"], meta["m"]))
    for row in SHIPPED:
        meta, series, *_ = _shipped(harness, *row)
        train, _ = harness.split(series, meta["H"])
        tasks.append((meta["id"], train, meta["H"], meta["m"]))
    return [t for t in tasks if names is None or t[0] in names]


def _print_row(r):
    counts = {}
    for c in r["chosen"]:
        counts[c] = counts.get(c, 0) + 1
    chosen = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"{r['name']:28s} {r['origins']:2d} x {r['horizon']:3d}  "
          f"{r['coverage'][0.8]:5.3f} {r['coverage'][0.95]:5.3f}  "
          f"{r['width'][0.8]:6.2f} {r['width'][0.95]:6.2f}  "
          f"{r['fallbacks']:2d} {r['refused']:2d}  {r['seconds']:5.1f}  {chosen}", flush=True)


def summarize(rows):
    for level, far in zip(LEVELS, (0.10, 0.05)):
        rows = [r for r in rows if r["n"][level]]
        per_series = np.array([r["coverage"][level] for r in rows])
        pooled = sum(r["hits"][level] for r in rows) / sum(r["n"][level] for r in rows)
        off = [f"{r['name']} {r['coverage'][level]:.2f}" for r in rows
               if abs(r["coverage"][level] - level) > far]
        print(f"{round(level * 100)} %: mean over {len(rows)} series {per_series.mean():.3f}"
              f" (median {np.median(per_series):.3f}), pooled {pooled:.3f}, mean |gap| "
              f"{np.mean(np.abs(per_series - level)):.3f}, mean width "
              f"{np.mean([r['width'][level] for r in rows]):.2f}, mean interval score "
              f"{np.mean([r['score'][level] for r in rows]):.2f}; more than "
              f"{round(far * 100)} points off on {len(off)}: {', '.join(off) or 'none'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE)
    parser.add_argument("--origins", type=int, default=8)
    parser.add_argument("--series", default=None, help="comma-separated ids")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--params", default="{}",
                        help="AutoForecaster parameters as a Python dict literal")
    args = parser.parse_args(argv)
    import ast
    params = ast.literal_eval(args.params)
    harness = _load_harness(args.suite)
    names = None if args.series is None else set(args.series.split(","))
    tasks = _tasks(harness, names)
    print(f"# AutoForecaster({', '.join(f'{k}={v!r}' for k, v in params.items())}) "
          f"intervals {LEVELS}, {args.origins} origins H apart per series, seed {SEED}, "
          f"{args.n_jobs} processes; load {os.getloadavg()[0]:.1f}")
    print(f"{'series':28s} origins x H  cov80 cov95  wid80  wid95  fb ref   sec  chosen")
    start = time.perf_counter()
    rows = Parallel(n_jobs=args.n_jobs)(
        delayed(run_series)(*task, args.origins, params) for task in tasks)
    for row in rows:
        _print_row(row)
    summarize(rows)
    print(f"# {time.perf_counter() - start:.0f} s; load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
