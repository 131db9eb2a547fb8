"""Default ``RNNClassifier`` on the public classification suite and GunPoint.

For each set: test accuracy of ``RNNClassifier(random_state=0)`` (official split, one BLAS
thread) beside 1-NN Euclidean and 1-NN DTW (``baselines.json`` of the suite; GunPoint's
published figures), the fit seconds and the load average when the fit ended. The suite
lives in ``../shared/benchmarks`` (``--suite`` to point elsewhere); only the train part is
given to ``fit``.

Run from the repository root::

    python benchmarks/bench_classify_suite.py | tee benchmarks/results/classify_suite.txt
    python benchmarks/bench_classify_suite.py --sets Trace GunPoint \\
        --param cell='"gru"' --param pooling='"mean"'      # an experiment
    python benchmarks/bench_classify_suite.py --jobs 2      # two sets at a time

``--param name=value`` reads ``value`` as JSON and passes it to the estimator;
``--seeds 0 1 2`` repeats with several ``random_state`` values (the table then shows the
mean and the minimum); ``--ensemble 3`` averages the probabilities of 3 fits per seed. Seconds are wall-clock on a shared 2-core machine: compare them
with the load average printed beside them.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_info

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's package

from rnnforecast import RNNClassifier
from rnnforecast.datasets import load_gunpoint

SUITE = Path(__file__).resolve().parents[1] / ".." / "shared" / "benchmarks"
SETS = ("JapaneseVowels", "PickupGestureWiimoteZ", "ACSF1", "Coffee", "PigCVP", "Trace",
        "GunPoint")
#: GunPoint is not in the suite: the UCR archive's published test accuracies.
GUNPOINT_BASELINES = {"1nn_ed": 0.913, "1nn_dtw": 0.907}


def load_set(suite, name):
    """(X_train, y_train, X_test, y_test), X of shape (n, T, D)."""
    if name == "GunPoint":
        (X_tr, y_tr), (X_te, y_te) = load_gunpoint("train"), load_gunpoint("test")
        return X_tr[:, :, None], y_tr, X_te[:, :, None], y_te
    data = np.load(suite / "classification" / f"{name}.npz")
    return data["X_train"], data["y_train"], data["X_test"], data["y_test"]


def baselines(suite, name):
    if name == "GunPoint":
        return GUNPOINT_BASELINES
    table = json.loads((suite / "baselines.json").read_text())["classification"]["datasets"]
    return {k: table[name][k]["accuracy"] for k in ("1nn_ed", "1nn_dtw")}


def run_one(suite, name, params, seed, ensemble=1):
    """Fit on the train part, score on the test part; a dict of figures. With
    ``ensemble`` > 1, that many fits (seeds ``seed * 1000 + k``) average their class
    probabilities; seconds are their sum."""
    X_tr, y_tr, X_te, y_te = load_set(suite, name)
    seeds = [seed] if ensemble == 1 else [seed * 1000 + k for k in range(ensemble)]
    models, start = [], time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in seeds:
            models.append(RNNClassifier(**dict(params, random_state=s)).fit(X_tr, y_tr))
    seconds = time.perf_counter() - start

    def accuracy(X, y):
        proba = np.mean([m.predict_proba(X) for m in models], axis=0)
        return float(np.mean(models[0].classes_[proba.argmax(axis=1)] == y))

    return {"set": name, "seed": seed, "accuracy": accuracy(X_te, y_te),
            "train_accuracy": accuracy(X_tr, y_tr), "seconds": seconds,
            "epochs": int(np.mean([m.n_iter_ for m in models])),
            "best_epoch": int(np.mean([m.best_epoch_ for m in models])),
            "load": os.getloadavg()[0]}


def blas_kernel():
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')}"
                     for i in blas) or "unknown"


def table(rows, suite, sets):
    lines = ["| set | ours | min | 1-NN ED | 1-NN DTW | seconds | epochs (best) | load |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    ours, dtw, wins = [], [], 0
    for name in sets:
        runs = [r for r in rows if r["set"] == name]
        acc = np.mean([r["accuracy"] for r in runs])
        base = baselines(suite, name)
        ours.append(acc)
        dtw.append(base["1nn_dtw"])
        wins += acc >= base["1nn_dtw"] - 1e-9
        lines.append(
            f"| {name} | {acc:.3f} | {min(r['accuracy'] for r in runs):.3f} | "
            f"{base['1nn_ed']:.3f} | {base['1nn_dtw']:.3f} | "
            f"{np.mean([r['seconds'] for r in runs]):.1f} | "
            f"{np.mean([r['epochs'] for r in runs]):.0f} "
            f"({np.mean([r['best_epoch'] for r in runs]):.0f}) | "
            f"{np.mean([r['load'] for r in runs]):.2f} |")
    lines.append(f"| mean | {np.mean(ours):.3f} | | | {np.mean(dtw):.3f} | "
                 f"{sum(r['seconds'] for r in rows) / len(rows) * len(sets):.0f} total | | |")
    lines.append(f"\nat or above 1-NN DTW on {wins} of {len(sets)} sets")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--param", action="append", default=[], metavar="NAME=JSON",
                        help="an RNNClassifier parameter, e.g. cell='\"gru\"'")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--jobs", type=int, default=1, help="fits run in parallel")
    parser.add_argument("--ensemble", type=int, default=1,
                        help="average the probabilities of this many fits per seed")
    parser.add_argument("--suite", type=Path, default=SUITE)
    parser.add_argument("--json", type=Path, help="also write every run to this file")
    args = parser.parse_args()
    params = {}
    for item in args.param:
        name, _, value = item.partition("=")
        params[name] = json.loads(value)
    print(f"RNNClassifier({', '.join(f'{k}={v!r}' for k, v in params.items())}), "
          f"seeds {args.seeds}, ensemble of {args.ensemble}, {args.jobs} job(s), BLAS: {blas_kernel()}, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    jobs = [(name, seed) for name in args.sets for seed in args.seeds]
    rows = []
    for r in Parallel(n_jobs=args.jobs, return_as="generator")(
            delayed(run_one)(args.suite, name, params, seed, args.ensemble)
            for name, seed in jobs):
        rows.append(r)
        print(f"{r['set']:>22s} seed {r['seed']}: test {r['accuracy']:.3f}  train "
              f"{r['train_accuracy']:.3f}  {r['seconds']:.1f}s  epochs {r['epochs']} "
              f"(best {r['best_epoch']})  load {r['load']:.2f}", flush=True)
    print()
    print(table(rows, args.suite, args.sets))
    if args.json:
        args.json.write_text(json.dumps({"params": params, "runs": rows}, indent=1))


if __name__ == "__main__":
    main()
