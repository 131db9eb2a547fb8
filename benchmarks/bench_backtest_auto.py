"""The forecast command's model (AutoForecaster) in the rolling-origin backtests of
``bench_backtest.py``: the same series, origins and MASE scaling, refitted at every
origin on the rows before it (``backtest(AutoForecaster(horizon=h), ...)``, seed 0),
with the empirical coverage of its 90 % intervals.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_backtest_auto.py | tee benchmarks/results/backtest_auto.txt
"""

import time
import warnings

from rnnforecast.datasets import load_airline, load_ibm, load_seattle_weather
from rnnforecast.forecasting import AutoForecaster
from rnnforecast.model_selection import backtest

#: (name, series, horizon, rows before the first origin, rows between origins, MASE lag),
#: as in bench_backtest.py.
CASES = [("IBM close", lambda: load_ibm()["close"], 5, 2965, 60, 1),
         ("Seattle temp_max", lambda: load_seattle_weather()["temp_max"], 7, 1149, 61, 1),
         ("airline", load_airline, 12, 96, 12, 12)]


def main():
    warnings.simplefilter("ignore")  # the networks' epoch budget, by design
    for name, load, horizon, initial, step, m in CASES:
        start = time.perf_counter()
        result = backtest(AutoForecaster(horizon=horizon, verbose=0), load(),
                          horizon=horizon, initial_train_size=initial, step=step,
                          seasonal_period=m, interval=0.9)
        rows = result.predictions
        inside = ((rows.actual >= rows.lower) & (rows.actual <= rows.upper)).mean()
        print(f"{name}: {len(result.fold_metrics)} origins, MASE {result.metrics['MASE']:.3f}, "
              f"MAE {result.metrics['MAE']:.3f}, cover90 {inside:.2f}, "
              f"{time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
