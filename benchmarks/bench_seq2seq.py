"""Rolling-origin backtest of the encoder-decoder forecaster beside RNNForecaster.

The same series, horizons, windows, origins and baselines as ``bench_backtest.py`` (its
``run_series``); the models:

* ``rnn cli``: ``RNNForecaster`` as the CLI builds it (LSTM, hidden 32, early stopping,
  linear skip, seed 0), for reference;
* ``seq2seq gru`` and ``seq2seq lstm``: ``RNNSeq2SeqForecaster`` with the CLI's training
  settings (hidden 32, learning rate 0.005, early stopping on the last 20 % of the
  windows, patience 30, at most 300 epochs, ``window_normalization="last"``, seed 0):
  an encoder reads the window, the decoder runs one step per horizon step reading its
  previous forecast (no future-known inputs here: the series have none).

Run from the repository root::

    python benchmarks/bench_seq2seq.py | tee benchmarks/results/seq2seq_backtest.txt
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import time

from bench_backtest import CLI_FORECASTER, _series, run_series
from rnnforecast import RNNForecaster, RNNSeq2SeqForecaster

SEQ2SEQ = dict(hidden_size=32, max_iter=300, early_stopping=True, validation_fraction=0.2,
               n_iter_no_change=30, learning_rate_init=0.005, random_state=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="*", default=None, help="subset of series names")
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)
    models = [("rnn cli", RNNForecaster(**CLI_FORECASTER), 1),
              ("seq2seq gru", RNNSeq2SeqForecaster(cell="gru", **SEQ2SEQ), 1),
              ("seq2seq lstm", RNNSeq2SeqForecaster(cell="lstm", **SEQ2SEQ), 1)]
    start = time.perf_counter()
    for name, spec in _series().items():
        if args.series and name not in args.series:
            continue
        run_series(name, spec, models, args.n_jobs)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
