"""Empirical coverage of 90 % conformal intervals on the shipped series, many origins.

A rolling-origin backtest (``rnnforecast.forecasting.backtest``, expanding window, refit
at every origin) of the forecaster the CLI builds, with ``interval=0.9``. Each origin's
model calibrates on its own held-out last windows (``conformal_residuals_``). Two kinds
of interval from the same fits:

* ``plain``: split conformal on the raw residuals (the ``conformal_scales_`` attribute
  hidden from the backtest);
* ``scaled``: scores normalised by each window's local scale (the default).

Printed per series: number of forecasts, coverage, mean half-width, and coverage per lead
time. With ``n`` forecasts from ``n_origins`` origins, coverage has a standard error of
roughly ``sqrt(0.09 / n_origins)`` at most (lead times of one origin are correlated).

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_coverage.py | tee benchmarks/results/coverage.txt
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

import argparse
import time
import warnings

import numpy as np

from rnnforecast import RNNForecaster
from rnnforecast.forecasting import default_window
from rnnforecast.datasets import load_airline, load_ibm, load_seattle_weather
from rnnforecast.model_selection import backtest

CLI_FORECASTER = dict(cell="lstm", hidden_size=32, max_iter=300, early_stopping=True,
                      validation_fraction=0.2, n_iter_no_change=30, learning_rate_init=0.005,
                      random_state=0)


class PlainIntervals(RNNForecaster):
    """The same forecaster with the local scales dropped after fit (plain conformal)."""

    def fit(self, X, y):
        super().fit(X, y)
        if hasattr(self, "conformal_scales_"):
            del self.conformal_scales_
        return self


def series_specs():
    """name -> (Series, horizon, n_origins, step between origins)."""
    return {
        "IBM close": (load_ibm()["close"], 5, 20, 40),
        "Seattle temp_max": (load_seattle_weather()["temp_max"], 7, 20, 15),
        "airline": (load_airline(), 12, 12, 3),
    }


def run(name, spec, n_jobs):
    data, horizon, n_origins, step = spec
    window = default_window(data.index, horizon, len(data))
    initial = len(data) - horizon - (n_origins - 1) * step
    print(f"== {name}: horizon {horizon}, window {window}, {n_origins} origins {step} rows "
          f"apart, first training part {initial} rows", flush=True)
    for label, cls in (("plain", PlainIntervals), ("scaled", RNNForecaster)):
        start = time.perf_counter()
        result = backtest(cls(**CLI_FORECASTER), data, window=window, horizon=horizon,
                          initial_train_size=initial, step=step, interval=0.9, n_jobs=n_jobs)
        p = result.predictions
        inside = (p["actual"] >= p["lower"]) & (p["actual"] <= p["upper"])
        by_step = inside.groupby(p["step"]).mean().to_numpy()
        width = ((p["upper"] - p["lower"]) / 2).mean()
        print(f"  {label:<7} n={len(p):4d}  coverage {inside.mean():.3f}  mean half-width "
              f"{width:8.3f}  per lead time {np.array2string(by_step, precision=2)}  "
              f"({time.perf_counter() - start:.0f} s)", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    for name, spec in series_specs().items():
        run(name, spec, args.n_jobs)


if __name__ == "__main__":
    main()
