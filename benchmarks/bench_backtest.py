"""Rolling-origin backtest of the CLI's forecaster on every shipped series, against baselines.

For each series a clone of each model is refitted at every origin on all rows before it
(expanding window, :func:`rnnforecast.forecasting.backtest`) and forecasts the next
``horizon`` rows directly (many-to-one, one ``predict`` call):

====================  ================  =======  ======  ===================  ==============
series                rows              horizon  window  origins              seasonal naive
====================  ================  =======  ======  ===================  ==============
IBM close             3,270 (trading)   5        24      6, 60 rows apart     m=5
Seattle temp_max      1,461 (daily)     7        28      6, 61 rows apart     m=7, m=365
airline passengers    144 (monthly)     12       24      4, 12 rows apart     m=12
====================  ================  =======  ======  ===================  ==============

Windows are those the CLI picks (``rnnforecast.forecasting.default_window``). Models:

* ``rnn cli``: ``RNNForecaster`` exactly as ``rnnforecast.cli.build_forecaster`` builds it
  (LSTM, hidden 32, learning rate 0.005, early stopping on the last 20 % of the windows,
  patience 30, at most 300 epochs, ``window_normalization="last"``, seed 0), and variants
  of it that change one setting (``--variants``);
* ``naive``, ``seasonal naive`` (:mod:`rnnforecast.baselines`; m=365 straight from the
  series, since it needs more than one window);
* ``ridge lags``: scikit-learn ``Ridge`` on the same windows flattened, one output per lead
  time (direct multi-output).

Printed per series and model: MASE (scaled by the in-sample MAE of the naive forecast —
seasonal naive m=12 for the airline series — on the first training part), MAE, and
for models with conformal residuals the empirical coverage and mean half-width of the
90 % split-conformal intervals (``backtest(..., interval=0.9)``).

Run from the repository root::

    python benchmarks/bench_backtest.py | tee benchmarks/results/backtest.txt
    python benchmarks/bench_backtest.py --variants | tee benchmarks/results/backtest_variants.txt
"""

import os

os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")  # workers' ConvergenceWarning
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge

from rnnforecast import RNNForecaster
from rnnforecast.forecasting import NaiveForecaster, SeasonalNaiveForecaster
from rnnforecast.forecasting import default_window
from rnnforecast.datasets import load_airline, load_ibm, load_seattle_weather
from rnnforecast.model_selection import backtest
from rnnforecast.metrics import mase

#: RNNForecaster as ``rnnforecast.cli.build_forecaster`` builds it with the CLI's defaults.
CLI_FORECASTER = dict(cell="lstm", hidden_size=32, max_iter=300, early_stopping=True,
                      validation_fraction=0.2, n_iter_no_change=30, learning_rate_init=0.005,
                      random_state=0)

#: Variants: name -> (changed RNNForecaster parameters, window multiplier).
VARIANTS = {
    "rnn norm=mean": (dict(window_normalization="mean"), 1),
    "rnn norm=None": (dict(window_normalization=None), 1),
    "rnn lr=0.001": (dict(learning_rate_init=0.001), 1),
    "rnn lr=0.01": (dict(learning_rate_init=0.01), 1),
    "rnn hidden=64": (dict(hidden_size=64), 1),
    "rnn gru": (dict(cell="gru"), 1),
    "rnn window x2": (dict(), 2),
    "rnn no early stop": (dict(early_stopping=False), 1),
}


class RidgeOnLags(RegressorMixin, BaseEstimator):
    """Ridge regression on flattened windows, one output per lead time (direct strategy).

    X : (n_samples, n_timesteps, n_features) windows; y : (n_samples,) or
    (n_samples, n_outputs).
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1:]
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.ridge_ = Ridge(alpha=self.alpha).fit(X.reshape(len(X), -1), y)
        return self

    def predict(self, X):
        X = np.asarray(X, dtype=float)
        return self.ridge_.predict(X.reshape(len(X), -1))


def _series():
    """name -> (values as a pandas Series, horizon, n_origins, step, seasonal periods,
    MASE period)."""
    return {
        "IBM close": (load_ibm()["close"], 5, 6, 60, (5,), 1),
        "Seattle temp_max": (load_seattle_weather()["temp_max"], 7, 6, 61, (7, 365), 1),
        "airline": (load_airline(), 12, 4, 12, (12,), 12),
    }


def _coverage(predictions):
    if "lower" not in predictions:
        return np.nan, np.nan
    inside = (predictions["actual"] >= predictions["lower"]) & (
        predictions["actual"] <= predictions["upper"])
    half = (predictions["upper"] - predictions["lower"]).mean() / 2
    return float(inside.mean()), float(half)


def _seasonal_from_series(values, origins, horizon, m):
    """Seasonal-naive forecasts ``y[t - m * ceil(h / m)]`` for rows origin .. origin+h-1."""
    steps = np.arange(1, horizon + 1)
    rows = origins[:, None] + steps - 1  # (n_origins, horizon)
    return values[rows - m * np.ceil(steps / m).astype(int)], values[rows]


def run_series(name, spec, models, n_jobs):
    data, horizon, n_origins, step, periods, mase_period = spec
    values = data.to_numpy(dtype=float)
    base_window = default_window(data.index, horizon, len(data))
    initial = len(values) - (n_origins - 1) * step - horizon
    origins = np.arange(initial, len(values) - horizon + 1, step)
    scale_part = values[:initial]
    print(f"== {name}: {len(values)} rows, horizon {horizon}, window {base_window}, "
          f"{len(origins)} origins {step} rows apart (first training part {initial} rows), "
          f"MASE scaled by in-sample seasonal naive m={mase_period}")
    print(f"{'model':<22}{'MASE':>7}{'MAE':>9}{'cover90':>9}{'half-width':>11}{'seconds':>9}")
    rows = []
    baselines = [("naive", NaiveForecaster(), 1)]
    baselines += [(f"seasonal naive m={m}", SeasonalNaiveForecaster(seasonal_period=m), 1)
                  for m in periods if m <= base_window]
    baselines += [("ridge lags", RidgeOnLags(), 1)]
    for label, estimator, factor in baselines + models:
        window = base_window * factor
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            has_residuals = getattr(estimator, "early_stopping", True)
            interval = 0.9 if has_residuals and not isinstance(estimator, RidgeOnLags) else None
            result = backtest(estimator, data, window=window, horizon=horizon,
                              initial_train_size=initial, step=step,
                              seasonal_period=mase_period, interval=interval,
                              n_jobs=n_jobs if isinstance(estimator, RNNForecaster) else 1)
        seconds = time.perf_counter() - start
        cover, half = _coverage(result.predictions)
        rows.append((label, result.metrics["MASE"], result.metrics["MAE"], cover, half))
        print(f"{label:<22}{result.metrics['MASE']:>7.3f}{result.metrics['MAE']:>9.3f}"
              f"{cover:>9.2f}{half:>11.3f}{seconds:>9.1f}", flush=True)
    for m in periods:
        if m > base_window:
            pred, actual = _seasonal_from_series(values, origins, horizon, m)
            score = mase(actual.ravel(), pred.ravel(), scale_part, mase_period)
            mae = float(np.mean(np.abs(actual - pred)))
            rows.append((f"seasonal naive m={m}", score, mae, np.nan, np.nan))
            print(f"{f'seasonal naive m={m}':<22}{score:>7.3f}{mae:>9.3f}{'':>9}{'':>11}")
    best = min(rows, key=lambda r: r[1])
    print(f"lowest MASE: {best[0]} ({best[1]:.3f})\n", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", action="store_true",
                        help="also backtest variants of the CLI forecaster (one change each)")
    parser.add_argument("--series", nargs="*", default=None, help="subset of series names")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    models = [("rnn cli", RNNForecaster(**CLI_FORECASTER), 1)]
    if args.variants:
        models += [(label, RNNForecaster(**dict(CLI_FORECASTER, **change)), factor)
                   for label, (change, factor) in VARIANTS.items()]
    start = time.perf_counter()
    for name, spec in _series().items():
        if args.series and name not in args.series:
            continue
        run_series(name, spec, models, args.n_jobs)
    print(f"total {time.perf_counter() - start:.0f} s, n_jobs={args.n_jobs} (refits of one "
          "model in parallel), 1 BLAS thread per fit")


if __name__ == "__main__":
    main()
