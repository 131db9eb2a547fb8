"""Does weight normalisation help? ReLU Elman networks, where gradients explode.

A ReLU Elman network (``cell="rnn", nonlinearity="relu"``) has no saturating
nonlinearity to damp its recurrence: with a recurrent matrix of spectral radius above 1
its states and gradients grow geometrically along a long window. Weight normalisation
(``weight_norm``; Salimans & Kingma, 2016) gives every row of the weights a length of
its own, so a step of the optimizer changes directions and lengths separately.

The task: one-step forecasts of Seattle's daily maximum temperature
(``rnnforecast.datasets.load_seattle_weather``) from windows of ``--window`` days, the
network alone (``linear_skip=False``), trained for a fixed number of epochs (no early
stopping) with Adam at a high learning rate, with and without gradient clipping. For
every setting and seed: whether training diverged (the estimator raises), the final
training loss, and the MAE of the last 20 % of the windows (held out, after a purge gap
of one window) in degrees Celsius::

    python benchmarks/bench_weight_norm.py              # a few minutes
    python benchmarks/bench_weight_norm.py --quick      # seconds
"""

import argparse
import statistics
import subprocess
import time
import warnings

import numpy as np

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.datasets import load_seattle_weather

OPTIONS = (False, "recurrent", True)


def data(window):
    frame = load_seattle_weather()
    series = frame["temp_max"].to_numpy(dtype=float)
    X, y = make_windows(series, window)
    cut = int(len(X) * 0.8)
    return X[:cut - 1], y[:cut - 1].ravel(), X[cut:], y[cut:].ravel()


def run(option, clip_norm, seed, args, split):
    X, y, X_test, y_test = split
    model = RNNForecaster(cell="rnn", nonlinearity="relu", hidden_size=args.hidden,
                          learning_rate_init=args.lr, clip_norm=clip_norm,
                          max_iter=args.epochs, early_stopping=False, tol=0.0,
                          n_iter_no_change=args.epochs, linear_skip=False,
                          weight_norm=option, random_state=seed)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
    except ValueError as exc:
        if "diverged" not in str(exc):
            raise
        return {"diverged": True, "seconds": time.perf_counter() - start}
    mae = float(np.mean(np.abs(model.predict(X_test) - y_test)))
    return {"diverged": False, "loss": model.loss_curve_[-1], "mae": mae,
            "seconds": time.perf_counter() - start}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.02)
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.window = 1, 2, 20
    split = data(args.window)
    print("# load: " + subprocess.run(["uptime"], capture_output=True,
                                      text=True).stdout.strip())
    print(f"# ReLU Elman, hidden {args.hidden}, window {args.window}, Adam lr {args.lr}, "
          f"{args.epochs} epochs, {len(split[0])} training windows, seeds 0-{args.seeds - 1}")
    print(f"{'clip_norm':>9s} {'weight_norm':>11s} {'diverged':>8s} {'MAE median':>10s} "
          f"{'MAE per seed':<40s} {'loss median':>11s} {'s/fit':>6s}")
    for clip_norm in (None, 5.0):
        for option in OPTIONS:
            runs = [run(option, clip_norm, seed, args, split) for seed in range(args.seeds)]
            ok = [r for r in runs if not r["diverged"]]
            maes = " ".join("div" if r["diverged"] else f"{r['mae']:.2f}" for r in runs)
            mae = f"{statistics.median(r['mae'] for r in ok):.3f}" if ok else "-"
            loss = f"{statistics.median(r['loss'] for r in ok):.4f}" if ok else "-"
            seconds = statistics.median(r["seconds"] for r in runs)
            print(f"{str(clip_norm):>9s} {str(option):>11s} {len(runs) - len(ok):>8d} "
                  f"{mae:>10s} {maes:<40s} {loss:>11s} {seconds:6.1f}", flush=True)
    print("# load: " + subprocess.run(["uptime"], capture_output=True,
                                      text=True).stdout.strip())


if __name__ == "__main__":
    main()
