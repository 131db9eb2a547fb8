"""Accuracy of the estimators on the shipped data sets, against published or naive baselines.

Two checks, each over several seeds (one BLAS thread per fit, fits run in parallel):

* GunPoint (UCR, official split, 50 train / 150 test series of 150 steps, univariate):
  ``RNNClassifier`` test accuracy against the published 1-NN DTW accuracy 0.907.
* Airline passengers (monthly, 1949-1960): ``RNNForecaster`` trained on all but the last
  12 months (windows of 24 months, the 12 following months as one many-to-one target)
  forecasts the last 12 months; MAE against naive and seasonal naive (m=12), for
  several ``window_normalization`` and ``learning_rate_init`` values.

Run from the repository root::

    python benchmarks/bench_accuracy.py | tee benchmarks/results/accuracy.txt
    python benchmarks/bench_accuracy.py --quick     # one seed, fewer configurations
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import time
import warnings

import numpy as np
from joblib import Parallel, delayed

from rnnforecast import RNNClassifier, RNNForecaster, make_windows
from rnnforecast.datasets import load_airline, load_gunpoint

PUBLISHED_DTW_1NN = 0.907  # UCR archive, GunPoint, 1-NN DTW (full window)

#: The forecaster as the CLI builds it (``rnnforecast.cli.build_forecaster`` defaults).
CLI_FORECASTER = dict(cell="lstm", hidden_size=32, learning_rate_init=0.005, max_iter=300,
                      early_stopping=True, validation_fraction=0.2, n_iter_no_change=30)

GUNPOINT_CONFIGS = {
    "gru h32 lr0.01 200ep": dict(cell="gru", hidden_size=32, learning_rate_init=0.01),
    "gru h64 lr0.005 200ep": dict(cell="gru", hidden_size=64, learning_rate_init=0.005),
    "lstm h32 lr0.01 200ep": dict(cell="lstm", hidden_size=32, learning_rate_init=0.01),
}
GUNPOINT_COMMON = dict(max_iter=200, n_iter_no_change=200, batch_size=16)


def _airline_configs(quick):
    """Name -> RNNForecaster parameters; the CLI's forecaster with one or two changes."""
    configs = {}
    for norm in ("last", "mean", None):
        for lr in ((0.005,) if quick else (0.001, 0.005, 0.01)):
            configs[f"cli norm={norm} lr={lr}"] = dict(
                CLI_FORECASTER, window_normalization=norm, learning_rate_init=lr)
    if not quick:
        configs["cli gru"] = dict(CLI_FORECASTER, cell="gru")
        configs["cli hidden=64"] = dict(CLI_FORECASTER, hidden_size=64)
        configs["cli hidden=16"] = dict(CLI_FORECASTER, hidden_size=16)
        configs["no early stop, 300ep, lr=0.005"] = dict(CLI_FORECASTER, early_stopping=False)
        configs["no early stop, 300ep, lr=0.001"] = dict(
            CLI_FORECASTER, early_stopping=False, learning_rate_init=0.001)
        configs["estimator defaults"] = dict()
    return configs


# ----------------------------------------------------------------------------- GunPoint
def _gunpoint_fit(params, seed, data):
    X_train, y_train, X_test, y_test = data
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = RNNClassifier(random_state=seed, **params).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return model.score(X_test, y_test), model.score(X_train, y_train), seconds, model.n_iter_


def run_gunpoint(seeds, n_jobs, quick):
    data = (*load_gunpoint("train"), *load_gunpoint("test"))
    configs = dict(list(GUNPOINT_CONFIGS.items())[:1]) if quick else GUNPOINT_CONFIGS
    jobs = [(name, seed) for name in configs for seed in seeds]
    results = Parallel(n_jobs=n_jobs)(
        delayed(_gunpoint_fit)(dict(GUNPOINT_COMMON, **configs[name]), seed, data)
        for name, seed in jobs)
    print(f"GunPoint: official split, train {data[0].shape}, test {data[2].shape}, full "
          f"150 steps; common settings {GUNPOINT_COMMON}; seeds {list(seeds)}")
    print(f"published 1-NN DTW test accuracy: {PUBLISHED_DTW_1NN}")
    print(f"{'configuration':<24}{'acc mean':>9}{'acc min':>9}{'acc max':>9}"
          f"{'train acc':>10}{'fit s':>8}  per seed")
    for name in configs:
        rows = np.array([r for (n, _), r in zip(jobs, results) if n == name])
        print(f"{name:<24}{rows[:, 0].mean():>9.3f}{rows[:, 0].min():>9.3f}"
              f"{rows[:, 0].max():>9.3f}{rows[:, 1].mean():>10.3f}{rows[:, 2].mean():>8.1f}  "
              + " ".join(f"{a:.3f}" for a in rows[:, 0]))
    print()


# ----------------------------------------------------------------------------- airline
def _mae(a, b):
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b))))


def _airline_fit(params, seed, X, y, last_window, actual):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = RNNForecaster(random_state=seed, **params).fit(X, y)
    seconds = time.perf_counter() - start
    pred = model.predict(last_window)[0]
    return _mae(actual, pred), seconds, model.n_iter_


def run_airline(seeds, n_jobs, quick, window=24, horizon=12):
    series = load_airline().to_numpy(dtype=float)
    train, actual = series[:-horizon], series[-horizon:]
    X, y = make_windows(train, window, horizon)  # (n, 24, 1), (n, 12)
    last_window = train[-window:].reshape(1, window, 1)
    naive = _mae(actual, np.repeat(train[-1], horizon))
    seasonal = _mae(actual, train[-12:])  # m = 12 = horizon: repeat the last year
    configs = _airline_configs(quick)
    jobs = [(name, seed) for name in configs for seed in seeds]
    results = Parallel(n_jobs=n_jobs)(
        delayed(_airline_fit)(configs[name], seed, X, y, last_window, actual)
        for name, seed in jobs)
    print(f"Airline passengers: train on the first {len(train)} months ({len(X)} windows of "
          f"{window}, many-to-one horizon {horizon}), test on the last {horizon} months")
    print(f"CLI forecaster: {CLI_FORECASTER}; seeds {list(seeds)}")
    print(f"naive MAE {naive:.2f}   seasonal naive (m=12) MAE {seasonal:.2f}")
    print(f"{'configuration':<34}{'MAE mean':>9}{'min':>8}{'max':>8}{'beat sn':>8}"
          f"{'epochs':>7}{'fit s':>7}")
    summary = {}
    for name in configs:
        rows = np.array([r for (n, _), r in zip(jobs, results) if n == name])
        wins = int(np.sum(rows[:, 0] < seasonal))
        summary[name] = rows[:, 0].mean()
        print(f"{name:<34}{rows[:, 0].mean():>9.2f}{rows[:, 0].min():>8.2f}"
              f"{rows[:, 0].max():>8.2f}{wins:>5}/{len(seeds):<2}{rows[:, 2].mean():>7.0f}"
              f"{rows[:, 1].mean():>7.1f}")
    best = min(summary, key=summary.get)
    print(f"best mean MAE: {best} ({summary[best]:.2f}; seasonal naive {seasonal:.2f})")
    print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="one seed, fewer configurations")
    parser.add_argument("--only", choices=["gunpoint", "airline"], default=None)
    args = parser.parse_args(argv)
    seeds = range(1 if args.quick else args.seeds)
    start = time.perf_counter()
    if args.only in (None, "gunpoint"):
        run_gunpoint(seeds, args.n_jobs, args.quick)
    if args.only in (None, "airline"):
        run_airline(seeds, args.n_jobs, args.quick)
    print(f"total {time.perf_counter() - start:.0f} s, n_jobs={args.n_jobs}, "
          f"1 BLAS thread per fit")


if __name__ == "__main__":
    main()
