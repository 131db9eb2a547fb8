"""Backtest MASE of the CLI forecaster with an LSTM vs a GRU cell, three seeds.

Same series, horizons and origins as ``bench_backtest.py`` (expanding window, refit at
every origin, MASE scaled by the in-sample naive error; seasonal naive m=12 for the
airline series). Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_cells.py | tee benchmarks/results/cells.txt
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import warnings

import numpy as np

from rnnforecast import RNNForecaster
from rnnforecast.forecasting import default_window
from rnnforecast.datasets import load_airline, load_ibm, load_seattle_weather
from rnnforecast.model_selection import backtest

CLI_FORECASTER = dict(hidden_size=32, max_iter=300, early_stopping=True,
                      validation_fraction=0.2, n_iter_no_change=30, learning_rate_init=0.005)
SEEDS = (0, 1, 2)


def series_specs():
    """name -> (Series, horizon, n_origins, step between origins, MASE period)."""
    return {
        "ibm": (load_ibm()["close"], 5, 6, 60, 1),
        "seattle": (load_seattle_weather()["temp_max"], 7, 6, 61, 1),
        "airline": (load_airline(), 12, 4, 12, 12),
    }


def mase_per_seed(cell, data, horizon, n_origins, step, period):
    window = default_window(data.index, horizon, len(data))
    initial = len(data) - horizon - (n_origins - 1) * step
    return [backtest(RNNForecaster(cell=cell, random_state=seed, **CLI_FORECASTER), data,
                     window=window, horizon=horizon, initial_train_size=initial, step=step,
                     seasonal_period=period, n_jobs=2).metrics["MASE"] for seed in SEEDS]


def main():
    warnings.simplefilter("ignore")
    for name, spec in series_specs().items():
        for cell in ("lstm", "gru"):
            scores = mase_per_seed(cell, *spec)
            print(name, cell, np.round(scores, 3), f"mean {np.mean(scores):.3f}", flush=True)


if __name__ == "__main__":
    main()
