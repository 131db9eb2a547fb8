"""MASE with and without calendar features, on the series with calendar effects.

The daily, hourly and half-hourly series of the public suite (``../shared/benchmarks``
beside the repository, or ``--suite DIR``: train = all but the last ``H`` points, test =
the last ``H``, scored with the suite's ``evaluate.py``) and the shipped Seattle daily
maximum temperature (split the same way, ``H = 7``). For each series and model::

    AutoForecaster(horizon=H, seasonal_period=m, candidates=..., random_state=0,
                   verbose=0, calendar=flag).fit(train).predict()

with ``calendar`` False, then True (Fourier terms of the month, weekday and hour, as the
spacing suits, read as columns known in advance; ``rnnforecast.forecasting
.calendar_features``). Models: ``auto`` (the command's choice between every candidate),
``ridge`` (ridge on lags alone) and ``rnn`` (the LSTM ensemble alone). Only the train
part reaches the model. Printed: MASE of each, the change, what ``auto`` chose, seconds,
and the load average before and after.

Run from the repository root::

    python benchmarks/bench_covariates.py
    python benchmarks/bench_covariates.py --models ridge --series hyndsight_pageviews
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=DEFAULT_SUITE)
    parser.add_argument("--series", default=",".join(SUITE_SERIES))
    parser.add_argument("--models", default="ridge,auto,rnn")
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
        for model in args.models.split(","):
            row = {"series": name, "model": model, "H": H, "m": m}
            for flag in (False, True):
                forecast, chosen, seconds = _run(train, H, m, MODELS[model], flag)
                key = "calendar" if flag else "plain"
                row[key] = evaluate.forecast_scores(train, test, forecast, m)["mase"]
                row[f"{key}_chosen"], row[f"{key}_seconds"] = chosen, seconds
            rows.append(row)
            print(f"{name:<30} {model:<6} MASE {row['plain']:.3f} -> calendar "
                  f"{row['calendar']:.3f} ({row['calendar'] - row['plain']:+.3f})  chose "
                  f"{row['plain_chosen']} -> {row['calendar_chosen']}  "
                  f"{row['plain_seconds']:.1f} s / {row['calendar_seconds']:.1f} s",
                  flush=True)
    for model in args.models.split(","):
        plain = [r["plain"] for r in rows if r["model"] == model]
        calendar = [r["calendar"] for r in rows if r["model"] == model]
        better = sum(c < p for p, c in zip(plain, calendar))
        print(f"{model:<6} mean MASE {np.mean(plain):.3f} -> {np.mean(calendar):.3f}, "
              f"median {np.median(plain):.3f} -> {np.median(calendar):.3f}, calendar "
              f"better on {better} of {len(plain)}")
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
