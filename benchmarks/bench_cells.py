"""Backtest MASE of the CLI forecaster with LSTM vs GRU cells, 3 seeds, on every shipped series.

Same origins as bench_backtest.py. Run: PYTHONPATH=. python benchmarks/bench_cells.py
"""
import os; os.environ["OPENBLAS_NUM_THREADS"]="1"
import warnings; warnings.simplefilter("ignore")
import numpy as np, sys

from rnnforecast import RNNForecaster
from rnnforecast.cli import default_window
from rnnforecast.datasets import load_airline, load_ibm, load_seattle_weather
from rnnforecast.forecasting import backtest
from rnnforecast.metrics import mase
CFG = dict(hidden_size=32, max_iter=300, early_stopping=True, validation_fraction=0.2,
           n_iter_no_change=30, learning_rate_init=0.005)
S = {"ibm": (load_ibm()["close"], 5, 6, 60, 1), "seattle": (load_seattle_weather()["temp_max"], 7, 6, 61, 1),
     "airline": (load_airline(), 12, 4, 12, 12)}
for name, (data, h, n_or, step, m) in S.items():
    w = default_window(data.index, h, len(data))
    initial = len(data) - h - (n_or - 1) * step
    for cell in ["lstm", "gru"]:
        r = [backtest(RNNForecaster(cell=cell, random_state=s, **CFG), data, window=w, horizon=h,
                      initial_train_size=initial, step=step, seasonal_period=m, n_jobs=2).metrics["MASE"]
             for s in range(3)]
        print(name, cell, np.round(r, 3), "mean %.3f" % np.mean(r), flush=True)
