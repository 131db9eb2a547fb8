"""Empirical coverage of 80 % and 95 % conformal intervals over many forecast origins.

At every origin of a rolling-origin evaluation (expanding window, refit at every origin)
the forecaster the command used to build (an LSTM with early stopping, below) is fitted
on the rows before the origin and forecasts the next ``horizon`` rows with
``forecast(model, history, interval=[0.8, 0.95])``; each model calibrates on its own
held-out last windows (``conformal_residuals_``). Two kinds of interval from the same
fits:

* ``plain``: split conformal on the raw residuals (passed as ``residuals=``, which
  leaves out the local scales);
* ``scaled``: scores normalised by each window's local scale (the default).

When a model has too few calibration residuals for 95 % (fewer than 19), ``forecast``
refuses that level; the origin then counts for 80 % only, and the table says how many
origins were refused.

Series: the three shipped ones, and with ``--suite`` five long series of the public
suite (``/work/shared/benchmarks``), whose origins lie in the train part only (the
suite's last ``H`` points are never read). Seed 0 everywhere.

``--no-early-stopping`` fits every model with ``early_stopping=False``: the network
trains on every window and its calibration residuals come from a second network trained
without the last 20 % of the windows (``calibration="auto"``, ``calibration_ ==
"refit"``); before that option existed such models had no residuals, hence no intervals.

``--quantile`` also fits, at every origin, the same forecaster with
``loss="quantile", quantiles=QUANTILES`` and reads its 80 % and 95 % intervals from the
levels 0.1 / 0.9 and 0.025 / 0.975 of ``predict_quantiles`` on the last window (kind
``quantile``), and from the same levels calibrated on the model's held-out windows
(``predict_quantiles(X, calibrated=True)``, kind ``calibrated``; with too few held-out
windows for the levels 0.025 / 0.975, at least 39, the 95 % interval is refused as
``forecast`` refuses it, and the 80 % one comes from the levels 0.1 / 0.5 / 0.9 alone).
For every kind the table gives the pinball loss of the levels 0.1, 0.5 and
0.9 (the conformal intervals' bounds and their point forecast, the quantile model's
levels), averaged over origins and lead times, in the series' units.

With ``n_origins`` origins, the coverage of one series has a standard error of roughly
``sqrt(c (1 - c) / n_origins)`` at most (the lead times of one origin are correlated):
0.09 for 80 % and 0.05 for 95 % with 20 origins. The pooled row averages the series.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_coverage.py --suite \\
        | tee benchmarks/results/coverage_levels.txt
    PYTHONPATH=. python benchmarks/bench_coverage.py --suite --defaults --quantile \\
        | tee benchmarks/results/coverage_quantile.txt
    PYTHONPATH=. python benchmarks/bench_coverage.py --suite --defaults \\
        --no-early-stopping | tee benchmarks/results/coverage_refit.txt
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

import argparse
import sys
import time
import warnings

import numpy as np
from joblib import Parallel, delayed

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.datasets import load_airline, load_ibm, load_seattle_weather
from rnnforecast.estimators._quantiles import conformal_shifts
from rnnforecast.forecasting import default_window, forecast

LEVELS = (0.8, 0.95)
#: Levels of the ``--quantile`` models: the bounds of 95 % and 80 % and the median.
QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)
#: Levels whose pinball loss the table compares (granted at every origin).
PINBALL_LEVELS = (0.1, 0.5, 0.9)
#: Every setting that shapes the fit is written out, so that a change of a default
#: does not change what is measured.
CLI_FORECASTER = dict(cell="lstm", hidden_size=32, max_iter=300, early_stopping=True,
                      validation_fraction=0.2, n_iter_no_change=30, learning_rate_init=0.005,
                      batch_size=32, tol=1e-4, alpha=1e-4, linear_skip=False,
                      random_state=0)
#: ``--defaults``: RNNForecaster's own defaults instead (the linear skip, early stopping
#: when ten windows are left to train on, the growing batch), as the command's
#: ``backtest`` now builds it (with its epochs and patience).
DEFAULTS_FORECASTER = dict(max_iter=300, n_iter_no_change=30, random_state=0)
SUITE = "/work/shared/benchmarks"
#: Public-suite series: id -> (n_origins, rows between origins).
SUITE_SERIES = {
    "us_electricity_generation": (12, 6),
    "canadian_gas_production": (12, 6),
    "us_retail_employment": (12, 6),
    "puerto_rico_deaths": (12, 14),
    "djia_close": (12, 14),
}


def shipped_specs():
    """name -> (Series, horizon, n_origins, rows between origins)."""
    return {
        "IBM close": (load_ibm()["close"], 5, 20, 40),
        "Seattle temp_max": (load_seattle_weather()["temp_max"], 7, 20, 15),
        "airline": (load_airline(), 12, 12, 3),
    }


def suite_specs():
    """The public series' train parts (the last H points dropped, never read)."""
    sys.path.insert(0, SUITE)
    from evaluate import load_manifest, load_series, split

    manifest = {meta["id"]: meta for meta in load_manifest("forecasting")["series"]}
    specs = {}
    for name, (n_origins, step) in SUITE_SERIES.items():
        meta = manifest[name]
        train, _ = split(load_series(meta), meta["H"])
        specs[name] = (train, meta["H"], n_origins, step)
    return specs


def _bounds(model, history, residuals):
    """{level: (lower, upper)} of each level ``forecast`` grants, and the forecast
    (point) itself."""
    try:
        table = forecast(model, history, interval=list(LEVELS), residuals=residuals)
        levels = LEVELS
    except ValueError as error:  # too few residuals for 95 %: the lower level alone
        if "calibration residuals" not in str(error):
            raise
        table = forecast(model, history, interval=[LEVELS[0]], residuals=residuals)
        levels = LEVELS[:1]
    bounds = {}
    for level in levels:
        name = f"{100 * level:g}"
        bounds[level] = (table[f"lower_{name}"].to_numpy(), table[f"upper_{name}"].to_numpy())
    return bounds, table["forecast"].to_numpy()


def pinball(actual, predicted, tau):
    """Pinball loss of each lead time, shape (horizon,)."""
    u = actual - predicted
    return np.maximum(tau * u, (tau - 1) * u)


def _quantile_bounds(history, window, X, y, params):
    """({level: (lower, upper)}, median) of a ``loss="quantile"`` model: of its own
    levels, and of its calibrated levels."""
    model = RNNForecaster(**params, loss="quantile", quantiles=QUANTILES).fit(X, y)
    last = history.to_numpy(dtype=float)[-window:].reshape(1, window, 1)
    levels = model.predict_quantiles(last)[0]                         # (horizon, K)
    own = ({0.8: (levels[:, 1], levels[:, 3]), 0.95: (levels[:, 0], levels[:, 4])},
           levels[:, 2])
    try:
        cal = model.predict_quantiles(last, calibrated=True)[0]
        return own, ({0.8: (cal[:, 1], cal[:, 3]), 0.95: (cal[:, 0], cal[:, 4])},
                     cal[:, 2])
    except ValueError as error:          # too few held-out windows for 0.025 / 0.975
        if "no finite conformal bound" not in str(error):
            raise
    inner = [1, 2, 3]
    shifts = conformal_shifts(model.quantile_residuals_[:, :, inner],
                              model.quantiles_[inner])[0]
    cal = np.sort(levels[:, inner] + shifts, axis=-1)
    return own, ({0.8: (cal[:, 0], cal[:, 2])}, cal[:, 1])


def _score(bounds, point, actual):
    """Which actuals each level holds, and the pinball loss of PINBALL_LEVELS."""
    hits = {level: (low <= actual) & (actual <= up) for level, (low, up) in bounds.items()}
    low, up = bounds[0.8]
    loss = np.mean([pinball(actual, low, 0.1), pinball(actual, point, 0.5),
                    pinball(actual, up, 0.9)])
    return hits, loss


def one_origin(data, origin, window, horizon, params, quantile):
    """Fit on rows before ``origin``; which actuals each level's intervals hold.

    Returns
    -------
    hits : dict of kind -> dict of level -> ndarray of shape (horizon,) of bool
    losses : dict of kind -> float, the mean pinball loss of PINBALL_LEVELS
    n_calibration : int
    """
    history = data.iloc[:origin]
    X, y = make_windows(history, window, horizon)
    model = RNNForecaster(**params).fit(X, y)
    actual = data.iloc[origin:origin + horizon].to_numpy()
    hits, losses = {}, {}
    for kind, residuals in (("plain", model.conformal_residuals_), ("scaled", None)):
        hits[kind], losses[kind] = _score(*_bounds(model, history, residuals), actual)
    if quantile:
        own, calibrated = _quantile_bounds(history, window, X, y, params)
        hits["quantile"], losses["quantile"] = _score(*own, actual)
        hits["calibrated"], losses["calibrated"] = _score(*calibrated, actual)
    return hits, losses, len(model.conformal_residuals_)


def run(name, spec, n_jobs, params, kinds):
    """Coverage and pinball loss of every kind and level on one series; prints one line
    per kind."""
    data, horizon, n_origins, step = spec
    window = default_window(data.index, horizon, len(data))
    initial = len(data) - horizon - (n_origins - 1) * step
    origins = initial + step * np.arange(n_origins)
    print(f"== {name}: horizon {horizon}, window {window}, {n_origins} origins {step} rows "
          f"apart, first training part {initial} rows", flush=True)
    start = time.perf_counter()
    results = Parallel(n_jobs=n_jobs)(
        delayed(one_origin)(data, int(origin), window, horizon, params, "quantile" in kinds)
        for origin in origins)
    n_cal = [n for _, _, n in results]
    row = {}
    for kind in kinds:
        row[kind] = {}
        for level in LEVELS:
            hits = [r[kind][level] for r, _, _ in results if level in r[kind]]
            coverage = float(np.mean(hits)) if hits else float("nan")
            row[kind][level] = (coverage, len(hits))
        row[kind]["pinball"] = float(np.mean([loss[kind] for _, loss, _ in results]))
        text = "  ".join(f"{100 * level:g} %: {row[kind][level][0]:.3f} "
                         f"({row[kind][level][1]} origins)" for level in LEVELS)
        print(f"  {kind:<10} {text}  pinball {row[kind]['pinball']:.4g}", flush=True)
    print(f"  calibration residuals per origin {min(n_cal)}-{max(n_cal)}  "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--suite", action="store_true",
                        help="also five series of the public suite (train parts only)")
    parser.add_argument("--defaults", action="store_true",
                        help="RNNForecaster's own defaults instead of the old command's "
                             "settings (DEFAULTS_FORECASTER)")
    parser.add_argument("--no-early-stopping", action="store_true",
                        help="early_stopping=False: residuals of the second network "
                             "(calibration='auto')")
    parser.add_argument("--quantile", action="store_true",
                        help="also the loss='quantile' model's intervals (kinds quantile "
                             "and calibrated)")
    parser.add_argument("--series", nargs="+", default=None,
                        help="only these series, in this order (names as printed)")
    args = parser.parse_args(argv)
    params = dict(DEFAULTS_FORECASTER if args.defaults else CLI_FORECASTER)
    if args.no_early_stopping:
        params["early_stopping"] = False
    kinds = ("plain", "scaled") + (("quantile", "calibrated") if args.quantile else ())
    print(f"forecaster: RNNForecaster(**{params})")
    warnings.simplefilter("ignore")
    specs = shipped_specs()
    if args.suite:
        specs.update(suite_specs())
    if args.series is not None:
        unknown = [name for name in args.series if name not in specs]
        if unknown:
            parser.error(f"--series: unknown {unknown}; known: {list(specs)}")
        specs = {name: specs[name] for name in args.series}
    rows = {name: run(name, spec, args.n_jobs, params, kinds)
            for name, spec in specs.items()}
    print("== mean over the series (each level over the series that got it); pinball: "
          "mean over the series of its ratio to the scaled conformal one")
    for kind in kinds:
        text = "  ".join(
            f"{100 * level:g} %: {np.nanmean([r[kind][level][0] for r in rows.values()]):.3f}"
            for level in LEVELS)
        ratio = np.mean([r[kind]["pinball"] / r["scaled"]["pinball"] for r in rows.values()])
        print(f"  {kind:<10} {text}  pinball ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
