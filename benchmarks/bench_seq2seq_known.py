"""Columns known in advance read by the encoder-decoder forecaster, per decoder step.

Seattle daily maximum temperature (shipped) with its calendar (Fourier terms of the
month and the day of the week, ``rnnforecast.forecasting.calendar_features``) as
columns known in advance: a rolling-origin backtest (horizon 7, window 28, the last 6
blocks of 61 days, as ``bench_backtest.py``) of

* ``RNNSeq2SeqForecaster`` (GRU, hidden 32, early stopping, seed 0) without the
  calendar, and with it (``backtest(..., known=[...])``: the decoder's step k reads the
  calendar of the k-th forecast day);
* ``RNNForecaster`` (as the CLI builds it) without and with the same known columns,
  for reference.

Run from the repository root::

    python benchmarks/bench_seq2seq_known.py | tee benchmarks/results/seq2seq_known.txt
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time
import warnings

import pandas as pd

from bench_backtest import CLI_FORECASTER
from bench_seq2seq import SEQ2SEQ
from rnnforecast import RNNForecaster, RNNSeq2SeqForecaster
from rnnforecast.datasets import load_seattle_weather
from rnnforecast.forecasting import calendar_features
from rnnforecast.model_selection import backtest

HORIZON, WINDOW, N_ORIGINS, STEP = 7, 28, 6, 61


def main():
    series = load_seattle_weather()["temp_max"]
    calendar = calendar_features(series.index, cycles=["month", "day_of_week"])
    data = pd.concat([series, calendar], axis=1)
    known = list(calendar.columns)
    initial = len(data) - (N_ORIGINS - 1) * STEP - HORIZON
    models = [("seq2seq gru", RNNSeq2SeqForecaster(cell="gru", **SEQ2SEQ)),
              ("rnn cli", RNNForecaster(**CLI_FORECASTER))]
    print(f"Seattle temp_max, {len(data)} days, horizon {HORIZON}, window {WINDOW}, "
          f"{N_ORIGINS} origins {STEP} days apart; known columns: {known}")
    print(f"{'model':<14}{'known':>7}{'MASE':>8}{'MAE':>8}{'seconds':>9}")
    for label, model in models:
        for columns in (None, known):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = data if columns else data[["temp_max"]]
                result = backtest(model, frame, window=WINDOW, horizon=HORIZON,
                                  initial_train_size=initial, step=STEP, target="temp_max",
                                  known=columns)
            print(f"{label:<14}{'yes' if columns else 'no':>7}"
                  f"{result.metrics['MASE']:>8.3f}{result.metrics['MAE']:>8.3f}"
                  f"{time.perf_counter() - start:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
