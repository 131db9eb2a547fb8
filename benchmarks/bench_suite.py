"""The main job and the one-call library path on every series of the public suite.

The suite (``../shared/benchmarks`` beside the repository, or ``--suite DIR``) holds 29
real series with a fixed split: train = every point but the last ``H``, test = the last
``H``. For each series this script

1. writes the train part to ``train.csv`` (columns ``date, value``) in a temporary
   directory and runs the command exactly as a user runs it, from this source tree::

       python -m rnnforecast forecast train.csv --target value --horizon H \\
           --output forecast.csv --plot ''

   (nothing else: window, seasonal period, candidates and budget are the defaults), and
   reads its ``forecast`` column back;
2. calls the library's one-call path on the train part as a pandas Series::

       AutoForecaster(horizon=H, verbose=0).fit(train).predict()

3. (``--paths plain``) fits ``RNNForecaster()`` with its plain defaults on the windows
   of ``make_windows(train, default_window(...), H)`` and forecasts with ``forecast``.

Only the train part reaches either; the test part is read here to score them. Printed
per series: MASE and sMAPE of each path (the suite's metrics, ``evaluate.py``), the
seasonal-naive MASE and the best baseline's (``baselines.json``), what the library
chose, and the wall-clock seconds (the command's include starting Python). Then the
mean and median MASE, the series on which each path beats seasonal naive and the best
baseline, those on which it is worse than seasonal naive and by how much, the total
and largest seconds, the load average before and after (``os.getloadavg``) and the
BLAS kernel (``threadpoolctl``).

``--shipped`` runs the same on the package's own series instead, each split the suite's
way (train = all but the last ``H``): airline passengers (MS, H=12, m=12), IBM close
(trading days, H=5, m=1) and Seattle temp_max (D, H=7, m=7), univariate. ``--source
DIR`` runs the command of another source tree (e.g. a ``git worktree`` of an older
commit, for "before" figures).

Run from the repository root::

    python benchmarks/bench_suite.py                          # both paths, all 29 series
    python benchmarks/bench_suite.py --paths cli --series nile_flow,a10_drug_sales
    python benchmarks/bench_suite.py --json benchmarks/results/suite_after.json
    python benchmarks/bench_suite.py --shipped
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUITE = ROOT.parent / "shared" / "benchmarks"
SEED = 0
#: The shipped series, split like the suite's: (id, file, column, freq, m, H).
SHIPPED = [("airline_passengers", "airline_passengers_monthly.csv", "passengers", "MS", 12, 12),
           ("ibm_close", "ibm_daily.csv", "close", "B", 1, 5),
           ("seattle_temp_max", "seattle_weather_daily.csv", "temp_max", "D", 7, 7)]


def _load_harness(suite):
    sys.path.insert(0, str(suite))
    import evaluate  # the suite's harness: loaders and metrics (numpy + pandas only)
    return evaluate


def _blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl missing)"
    import numpy  # noqa: F401  (load the BLAS before asking)
    infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} "
                     f"({i.get('num_threads')} threads)" for i in infos) or "none found"


def run_cli(train, horizon, workdir, source=ROOT):
    """Forecast of the command on ``train`` (a Series), and its seconds."""
    path = Path(workdir) / "train.csv"
    train.rename("value").rename_axis("date").to_csv(path)
    out = Path(workdir) / "forecast.csv"
    env = {**os.environ, "PYTHONPATH": str(source)}
    cmd = [sys.executable, "-m", "rnnforecast", "forecast", str(path), "--target", "value",
           "--horizon", str(horizon), "--output", str(out), "--plot", ""]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
    table = pd.read_csv(out)
    return table["forecast"].to_numpy(dtype=float), seconds, _chosen_line(done.stdout)


def startup_seconds(source=ROOT, repeats=3):
    """Seconds the command takes to start and print its help (Python and imports):
    the part of every run that does not depend on the data; the median of a few."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rnnforecast", "forecast", "--help"],
                       env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _chosen_line(stdout):
    lines = [line for line in stdout.splitlines() if line.startswith("Chose")]
    return lines[0] if lines else ""


def run_library(train, horizon):
    """Forecast of the one-call library path on ``train``, its seconds and its choice."""
    from rnnforecast.forecasting import AutoForecaster
    start = time.perf_counter()
    model = AutoForecaster(horizon=horizon, random_state=SEED, verbose=0).fit(train)
    values = model.predict().to_numpy(dtype=float)
    return values, time.perf_counter() - start, model.chosen_


#: Parameters given to RNNForecaster by the plain path (none: its defaults);
#: ``--plain-params`` sets them for experiments.
PLAIN_PARAMS = {}


def run_plain(train, horizon):
    """Forecast of ``RNNForecaster()`` with its plain defaults, fitted on the windows
    ``make_windows`` gives with the frequency's default window, its seconds."""
    from rnnforecast import RNNForecaster
    from rnnforecast.forecasting import default_window, forecast
    from rnnforecast.windowing import make_windows
    start = time.perf_counter()
    window = default_window(train.index, horizon, len(train))
    X, y = make_windows(train, window, horizon)
    model = RNNForecaster(random_state=SEED, **PLAIN_PARAMS).fit(X, y)
    values = np.asarray(forecast(model, train), dtype=float).ravel()
    return values, time.perf_counter() - start, f"window {window}, {model.n_iter_} epochs"


PATHS = {"cli": run_cli, "lib": run_library, "plain": run_plain}


def _score(harness, train, test, values, m):
    if values is None or values.shape != (len(test),) or not np.isfinite(values).all():
        return {"mase": float("nan"), "smape": float("nan")}
    scores = harness.forecast_scores(train, test.to_numpy(), values, m)
    return {"mase": scores["mase"], "smape": scores["smape"]}


def _baselines(harness, series_id):
    stored = harness.load_baselines()["forecasting"]["series"][series_id]
    scores = {k: stored[k]["mase"] for k in harness.FORECAST_BASELINES if k in stored}
    best = min(scores, key=scores.get)
    return scores["snaive"], best, scores[best]


def _shipped(harness, name, file, column, freq, m, horizon):
    """(meta, series, seasonal-naive MASE, best baseline and its MASE) of a shipped one."""
    frame = pd.read_csv(ROOT / "datasets" / file, parse_dates=["date"], index_col="date")
    series = frame[column].astype(float).rename(name)
    if freq != "B":  # trading days miss holidays: no regular frequency
        series = series.asfreq(freq)
    train, test = harness.split(series, horizon)
    scale = harness.mase_scale(train.to_numpy(), m)
    snaive = harness.mase(test, harness.seasonal_naive(train, horizon, m), scale)
    naive = harness.mase(test, harness.naive(train, horizon), scale)
    best = min([("snaive", snaive), ("naive", naive)], key=lambda kv: kv[1])
    meta = {"id": name, "freq": freq, "m": m, "H": horizon, "n": len(series)}
    return meta, series, snaive, *best


def run_series(harness, meta, paths, source=ROOT, shipped=None):
    if shipped is None:
        series = harness.load_series(meta)
        snaive, best, best_mase = _baselines(harness, meta["id"])
    else:
        meta, series, snaive, best, best_mase = shipped
    horizon, m = int(meta["H"]), int(meta["m"])
    train, test = harness.split(series, horizon)
    row = {"id": meta["id"], "freq": meta["freq"], "m": m, "H": horizon, "n": meta["n"],
           "snaive": snaive, "best": best, "best_mase": best_mase}
    for name in paths:
        try:
            with tempfile.TemporaryDirectory() as workdir:
                args = (train, horizon, workdir, source) if name == "cli" else \
                    (train, horizon)
                values, seconds, chosen = PATHS[name](*args)
            error = None
        except Exception as exc:  # recorded; the series counts as a loss
            values, seconds, chosen, error = None, float("nan"), "", str(exc)
        row[name] = {**_score(harness, train, test, values, m), "seconds": seconds,
                     "chosen": chosen, "error": error}
    return row


def _print_row(row, paths):
    cells = [f"{row['id']:28s} {row['freq']:>5s} {row['m']:3d} {row['H']:3d}"]
    for name in paths:
        r = row[name]
        cells.append(f"{r['mase']:7.3f} {r['smape']:6.2f} {r['seconds']:6.1f}")
    cells.append(f"{row['snaive']:7.3f} {row['best']:>10s} {row['best_mase']:6.3f}")
    print("  ".join(cells) + f"  {row[paths[-1]]['chosen'] or row[paths[-1]]['error'] or ''}",
          flush=True)


def summarize(rows, name):
    mase = np.array([r[name]["mase"] for r in rows])
    seconds = np.array([r[name]["seconds"] for r in rows])
    ok = np.isfinite(mase)
    worse = [(r["id"], r[name]["mase"] / r["snaive"] - 1) for r in rows
             if not np.isfinite(r[name]["mase"]) or r[name]["mase"] > r["snaive"]]
    return {
        "mean_mase": float(np.mean(mase[ok])) if ok.any() else float("nan"),
        "median_mase": float(np.median(mase[ok])) if ok.any() else float("nan"),
        "mean_smape": float(np.nanmean([r[name]["smape"] for r in rows])),
        "beats_snaive": int(sum(r[name]["mase"] < r["snaive"] for r in rows)),
        "beats_best": int(sum(r[name]["mase"] < r["best_mase"] for r in rows)),
        "worse_than_snaive": worse,
        "failed": int((~ok).sum()),
        "seconds_total": float(np.nansum(seconds)),
        "seconds_max": float(np.nanmax(seconds)) if np.isfinite(seconds).any() else None,
        "n_series": len(rows),
    }


def _print_summary(name, s):
    worse = ", ".join(f"{i} {'+' if d >= 0 else ''}{100 * d:.0f}%" for i, d in
                      s["worse_than_snaive"]) or "none"
    print(f"{name}: mean MASE {s['mean_mase']:.3f}  median MASE {s['median_mase']:.3f}  "
          f"mean sMAPE {s['mean_smape']:.2f}  beats seasonal naive {s['beats_snaive']}/"
          f"{s['n_series']}  beats best baseline {s['beats_best']}/{s['n_series']}  "
          f"failed {s['failed']}  seconds total {s['seconds_total']:.1f} "
          f"max {s['seconds_max']:.1f}")
    print(f"  worse than seasonal naive on {len(s['worse_than_snaive'])}: {worse}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE)
    parser.add_argument("--series", default=None, help="comma-separated ids (default all)")
    parser.add_argument("--paths", default="cli,lib", help="comma-separated: cli, lib, plain")
    parser.add_argument("--json", type=Path, default=None, help="write the rows here")
    parser.add_argument("--shipped", action="store_true",
                        help="the package's own series instead of the suite")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="source tree whose command runs (default this one)")
    parser.add_argument("--plain-params", type=json.loads, default={},
                        help='parameters of the plain path\'s RNNForecaster, as JSON '
                        '(experiments; default none: its defaults)')
    args = parser.parse_args(argv)
    PLAIN_PARAMS.update(args.plain_params)
    sys.path.insert(0, str(ROOT))
    harness = _load_harness(args.suite)
    paths = [p for p in args.paths.split(",") if p]
    manifest = harness.load_manifest("forecasting")["series"]
    if args.series:
        wanted = set(args.series.split(","))
        manifest = [m for m in manifest if m["id"] in wanted]
    load_before = os.getloadavg()
    if PLAIN_PARAMS and "plain" in paths:
        print(f"plain path: RNNForecaster(**{PLAIN_PARAMS})")
    print(f"BLAS: {_blas()}; cores: {os.cpu_count()}; load average before "
          f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; seed {SEED}")
    head = "  ".join(f"{p + ' MASE':>7s} {'sMAPE':>6s} {'sec':>6s}" for p in paths)
    print(f"{'series':28s} {'freq':>5s} {'m':>3s} {'H':>3s}  {head}  {'snaive':>7s} "
          f"{'best':>10s} {'MASE':>6s}  chosen")
    rows = []
    jobs = [(meta, None) for meta in manifest] if not args.shipped else \
        [(None, _shipped(harness, *spec)) for spec in SHIPPED]
    for meta, shipped in jobs:
        rows.append(run_series(harness, meta, paths, args.source.resolve(), shipped))
        _print_row(rows[-1], paths)
    load_after = os.getloadavg()
    startup = startup_seconds(args.source.resolve()) if "cli" in paths else None
    summaries = {name: summarize(rows, name) for name in paths}
    for name in paths:
        _print_summary(name, summaries[name])
    print(f"load average after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    if startup is not None:
        print(f"the command's start (Python, imports, --help): {startup:.1f} s per run, "
              f"{startup * len(rows):.1f} s of the command's total")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"rows": rows, "summary": summaries,
                                         "load_before": load_before, "load_after": load_after,
                                         "startup_seconds": startup,
                                         "blas": _blas()}, indent=1))


if __name__ == "__main__":
    main()
