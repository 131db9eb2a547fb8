"""MASE with and without calendar features, on the series with calendar effects.

The daily, hourly and half-hourly series of the public suite (``../shared/benchmarks``
beside the repository, or ``--suite DIR``: train = all but the last ``H`` points, test =
the last ``H``, scored with the suite's ``evaluate.py``) and the shipped Seattle daily
maximum temperature (split the same way, ``H = 7``). For each series and model::

    AutoForecaster(horizon=H, seasonal_period=m, candidates=..., random_state=0,
                   verbose=0, calendar=flag).fit(train).predict()

with ``calendar`` False, then True (Fourier terms of the month, weekday and hour, as the
spacing suits, read as columns known in advance; ``rnnforecast.forecasting
.calendar_features``). Models: ``auto`` (the command's choice between every candidate)
and ``rnn`` (the LSTM ensemble alone); ``ridge`` (ridge on lags alone) is the same with
and without the calendar since the ridge no longer reads it (it made the ridge worse:
mean MASE over 5 origins 0.939 -> 1.093 on these 6 series, measured at commit 7571c9a).

One test window of ``H`` points says little, so each series is forecast from
``--origins`` origins (default 5): the suite's own split (``test``, the official score)
and the ``origins - 1`` blocks of ``H`` points before it, each fitted on the points
before its origin only (a rolling-origin backtest that never reads the test part except
to score the last origin). MASE is scaled by the points before each origin, as the
suite does. Printed per series and model: the suite-test MASE and the mean over the
origins, without and with the calendar, what ``auto`` chose, seconds; then the means
and medians over the series, and the load average before and after.

Run from the repository root::

    python benchmarks/bench_covariates.py
    python benchmarks/bench_covariates.py --models ridge --series hyndsight_pageviews
    python benchmarks/bench_covariates.py --origins 1          # the suite's split only
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SUITE = ROOT.parent / "shared" / "benchmarks"
SEED = 0
#: Suite series with calendar effects: daily (weekly cycle), hourly and half-hourly.
SUITE_SERIES = ("hyndsight_pageviews", "puerto_rico_deaths", "nox_lucerne_daily",
                "nyc_jfk_temperature_hourly", "vic_electricity_halfhourly")
MODELS = {"auto": ("rnn", "ridge", "drift", "seasonal_naive", "naive"),
          "ridge": ("ridge",), "rnn": ("rnn",)}


def _suite_series(suite, ids):
    sys.path.insert(0, str(suite))
    import evaluate  # the suite's harness: loaders and metrics

    manifest = {m["id"]: m for m in evaluate.load_manifest("forecasting")["series"]}
    for series_id in ids:
        meta = manifest[series_id]
        H, m = int(meta["H"]), int(meta["m"])
        train, test = evaluate.split(evaluate.load_series(meta), H)
        yield series_id, train, test, H, m, evaluate


def _seattle(evaluate):
    from rnnforecast.datasets import load_seattle_weather

    series = load_seattle_weather()["temp_max"]
    train, test = evaluate.split(series, 7)
    return "seattle_temp_max (shipped)", train, test, 7, 7, evaluate


def _run(train, H, m, candidates, calendar):
    from rnnforecast.forecasting import AutoForecaster

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoForecaster(horizon=H, seasonal_period=m, candidates=candidates,
                               random_state=SEED, verbose=0, calendar=calendar).fit(train)
        forecast = model.predict().to_numpy(dtype=float)
    return forecast, model.chosen_, time.perf_counter() - start


def _origins(series, H, n_origins):
    """(train, test) pairs: the suite's split last, the blocks of H before it first."""
    n = len(series)
    return [(series.iloc[:n - k * H - H], series.iloc[n - k * H - H:n - k * H])
            for k in range(n_origins - 1, -1, -1)]


def _score(series, H, m, candidates, calendar, n_origins, evaluate):
    """MASE per origin (the suite's split last), the last choice and the seconds."""
    scores, seconds = [], 0.0
    for train, test in _origins(series, H, n_origins):
        forecast, chosen, spent = _run(train, H, m, candidates, calendar)
        scores.append(evaluate.forecast_scores(train, test, forecast, m)["mase"])
        seconds += spent
    return scores, chosen, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE)
    parser.add_argument("--series", default=",".join(SUITE_SERIES))
    parser.add_argument("--models", default="auto,rnn")
    parser.add_argument("--origins", type=int, default=5)
    parser.add_argument("--no-shipped", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    load_before = os.getloadavg()
    cases = list(_suite_series(args.suite, [s for s in args.series.split(",") if s]))
    if not args.no_shipped:
        cases.append(_seattle(cases[0][-1] if cases else _harness(args.suite)))
    rows = []
    for name, train, test, H, m, evaluate in cases:
        series = pd.concat([train, test])
        for model in args.models.split(","):
            row = {"series": name, "model": model, "H": H, "m": m}
            for key, flag in (("plain", False), ("calendar", True)):
                scores, chosen, seconds = _score(series, H, m, MODELS[model], flag,
                                                 args.origins, evaluate)
                row.update({key: scores[-1], f"{key}_mean": float(np.mean(scores)),
                            f"{key}_scores": scores, f"{key}_chosen": chosen,
                            f"{key}_seconds": seconds})
            rows.append(row)
            print(f"{name:<28} {model:<5} test MASE {row['plain']:.3f} -> "
                  f"{row['calendar']:.3f}; mean of {args.origins} origins "
                  f"{row['plain_mean']:.3f} -> {row['calendar_mean']:.3f}; chose "
                  f"{row['plain_chosen']} -> {row['calendar_chosen']}; "
                  f"{row['plain_seconds']:.0f} s / {row['calendar_seconds']:.0f} s",
                  flush=True)
    for model in args.models.split(","):
        for suffix, label in (("", "test"), ("_mean", f"mean of {args.origins} origins")):
            plain = [r["plain" + suffix] for r in rows if r["model"] == model]
            calendar = [r["calendar" + suffix] for r in rows if r["model"] == model]
            better = sum(c < p for p, c in zip(plain, calendar))
            print(f"{model:<5} {label:<20} mean MASE {np.mean(plain):.3f} -> "
                  f"{np.mean(calendar):.3f}, median {np.median(plain):.3f} -> "
                  f"{np.median(calendar):.3f}, calendar better on {better} of {len(plain)}")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}; "
          f"seed {SEED}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


def _harness(suite):
    sys.path.insert(0, str(suite))
    import evaluate

    return evaluate


if __name__ == "__main__":
    main()
