"""The ``rnnforecast`` command: the main job, the demo, the backtest and bad input.

Commands run in-process through ``rnnforecast.cli.main`` (fast, output captured with
``capsys``); one test runs ``python -m rnnforecast`` as a subprocess to prove that the
module entry point works. Bad input must exit with status 2 and print exactly one line
on stderr naming the problem, never a traceback.
"""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli_helpers import one_line, run, subprocess_env, write_csv, write_text
from rnnforecast.cli import main
from rnnforecast.datasets import dataset_path

AIRLINE = str(dataset_path("airline"))
SEATTLE = str(dataset_path("seattle_weather"))
FAST = ["--epochs", "5", "--hidden-size", "8"]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _check_forecast_csv(path, horizon=12):
    """The forecast CSV holds the 12 months after 1960-12 with a sane interval."""
    table = pd.read_csv(path, parse_dates=["date"], index_col="date")
    expected = pd.date_range("1961-01-01", periods=horizon, freq="MS")
    pd.testing.assert_index_equal(table.index, expected, check_names=False,
                                   check_freq=False)
    assert list(table.columns) == ["forecast", "lower", "upper"]
    assert np.isfinite(table.to_numpy()).all()
    assert (table["lower"] <= table["forecast"]).all()
    assert (table["forecast"] <= table["upper"]).all()


def _check_png(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_forecast_writes_csv_and_png(tmp_path, capsys):
    out, plot = tmp_path / "forecast.csv", tmp_path / "forecast.png"
    status = main(["forecast", AIRLINE, "--target", "passengers", *FAST,
                   "--output", str(out), "--plot", str(plot)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    _check_forecast_csv(out)
    _check_png(plot)
    assert "Forecast written to" in captured.out and "1961-12-01" in captured.out


def test_forecast_without_interval_or_plot(tmp_path, capsys):
    out = tmp_path / "f.csv"
    status = main(["forecast", AIRLINE, "--target", "passengers", *FAST, "--interval", "0",
                   "--horizon", "3", "--output", str(out), "--plot", ""])
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(out, index_col="date")
    assert list(table.columns) == ["forecast"] and len(table) == 3
    assert not list(tmp_path.glob("*.png"))


def test_forecast_with_exogenous_features(tmp_path, capsys):
    out = tmp_path / "weather.csv"
    status = main(["forecast", SEATTLE, "--target", "temp_max", "--features",
                   "temp_min,wind", "--horizon", "7", "--window", "14", *FAST,
                   "--output", str(out), "--plot", ""])
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(out, parse_dates=["date"], index_col="date")
    assert table.index[0] == pd.Timestamp("2016-01-01") and len(table) == 7


def test_demo(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status = main(["demo", *FAST])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert captured.out.startswith("Demo:")
    _check_forecast_csv(tmp_path / "forecast.csv")
    _check_png(tmp_path / "forecast.png")


def test_backtest_prints_metrics(tmp_path, capsys):
    out = tmp_path / "backtest.csv"
    status = main(["backtest", AIRLINE, "--target", "passengers", "--epochs", "2",
                   "--hidden-size", "8", "--folds", "2", "--seasonal-period", "12",
                   "--output", str(out)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    lines = {line.split()[0]: line.split()[1] for line in captured.out.splitlines()
             if line.startswith("  ")}
    for name in ("MAE", "MASE"):
        assert np.isfinite(float(lines[name])) and float(lines[name]) >= 0
    assert "Backtest of the forecast command's model (the choice between rnn, ridge, drift, " \
        "seasonal_naive, naive, made again on the history before each origin), 2 folds, " \
        "horizon 12, MASE against seasonal naive of period 12:" in captured.out


def test_backtest_evaluates_what_forecast_would_have_forecast(tmp_path, capsys):
    """Each origin's forecasts are those of the forecast command on the rows before it."""
    from rnnforecast.forecasting import AutoForecaster
    from rnnforecast.datasets import load_airline
    out = tmp_path / "backtest.csv"
    options = ["--target", "passengers", "--epochs", "2", "--hidden-size", "4",
               "--members", "1", "--folds", "2"]
    assert main(["backtest", AIRLINE, *options, "--output", str(out)]) == 0
    capsys.readouterr()
    predictions = pd.read_csv(out, parse_dates=["origin", "timestamp"])
    air = load_airline()
    last = predictions[predictions["origin"] == predictions["origin"].max()]
    history = air[air.index <= last["origin"].iloc[0]]
    expected = AutoForecaster(horizon=12, n_members=1, max_epochs=2, hidden_size=4,
                              verbose=0).fit(history).predict()
    np.testing.assert_allclose(last["forecast"].to_numpy(), expected.to_numpy(), rtol=1e-10)
    predictions = pd.read_csv(out)
    assert len(predictions) == 2 * 12 and predictions["origin"].nunique() == 2


def test_help_returns_zero(capsys):
    assert main(["--help"]) == 0
    assert "forecast" in capsys.readouterr().out


def test_python_dash_m_entry_point(tmp_path):
    out = tmp_path / "forecast.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "rnnforecast", "forecast", AIRLINE, "--target",
         "passengers", *FAST, "--output", str(out), "--plot", str(tmp_path / "f.png")],
        capture_output=True, text=True, cwd=tmp_path, env=subprocess_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    _check_forecast_csv(out)
    _check_png(tmp_path / "f.png")


# --------------------------------------------------------------------------- bad input
def _daily_csv(tmp_path, name, dates, values=None):
    values = np.arange(len(dates), dtype=float) if values is None else values
    return write_csv(tmp_path / name, dates, values)


def _dates(n):
    return [str(d.date()) for d in pd.date_range("2020-01-01", periods=n, freq="D")]


def _junk_dates(tmp_path):
    dates = _dates(60)
    dates[7] = "not-a-date"
    return _daily_csv(tmp_path, "junk.csv", dates)


def _unsorted_dates(tmp_path):
    dates = _dates(60)
    dates[10], dates[11] = dates[11], dates[10]
    return _daily_csv(tmp_path, "unsorted.csv", dates)


def _duplicated_dates(tmp_path):
    dates = _dates(60)
    dates[21] = dates[20]
    return _daily_csv(tmp_path, "dup.csv", dates)


def _missing_date(tmp_path):
    dates = _dates(60)
    dates[30] = ""
    return _daily_csv(tmp_path, "missing.csv", dates)


def _missing_value(tmp_path):
    values = np.arange(60, dtype=float).astype(str)
    values[45] = ""
    return _daily_csv(tmp_path, "nan.csv", _dates(60), values)


BAD_INPUT = {
    "missing file": (lambda tmp: ["forecast", str(tmp / "nope.csv"), "--target", "y"],
                     r"file not found: .*nope\.csv"),
    "unknown target": (lambda tmp: ["forecast", AIRLINE, "--target", "sales"],
                       r"column 'sales' not in airline_passengers_monthly\.csv; columns "
                       r"are passengers"),
    "unknown feature": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers",
                                     "--features", "price"], r"column 'price' not in"),
    "non-numeric target": (lambda tmp: ["forecast", SEATTLE, "--target", "weather"],
                           r"column 'weather' is not numeric"),
    "too short": (lambda tmp: ["forecast", _daily_csv(tmp, "short.csv", _dates(8)),
                               "--target", "y"],
                  r"8 rows in short\.csv are too few .* need at least"),
    "too short for backtest": (lambda tmp: ["backtest", AIRLINE, "--target", "passengers",
                                            "--folds", "11"],
                               r"144 rows are too few for 11 folds"),
    "junk dates": (lambda tmp: ["forecast", _junk_dates(tmp), "--target", "y"],
                   r"column 'date' of junk\.csv: cannot parse 'not-a-date' in data row 8 as "
                   r"a date in the format '%Y-%m-%d' of the first row"),
    "wrong date column": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers",
                                       "--date-column", "day"],
                          r"date column 'day' not in airline"),
    "missing date": (lambda tmp: ["forecast", _missing_date(tmp), "--target", "y"],
                     r"missing date in data row 31"),
    "unsorted dates": (lambda tmp: ["forecast", _unsorted_dates(tmp), "--target", "y"],
                       r"dates in column 'date' are not in increasing order"),
    "duplicated dates": (lambda tmp: ["forecast", _duplicated_dates(tmp), "--target", "y"],
                         r"duplicated dates in column 'date', e\.g\. 2020-01-21"),
    "missing value": (lambda tmp: ["forecast", _missing_value(tmp), "--target", "y",
                                   "--window", "5", "--horizon", "2", "--epochs", "1"],
                      r"column 'y' of nan\.csv has 1 missing value \(2020-02-15\); pass "
                      r"--fill interpolate, ffill or drop"),
    "empty file": (lambda tmp: ["forecast", write_text(tmp / "empty.csv", ""),
                                "--target", "y"],
                   r"cannot read .*empty\.csv as CSV"),
    "interval too large": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers",
                                        "--interval", "1.5"],
                           r"argument --interval: must be in \[0, 1\), got 1\.5"),
    "interval not a number": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers",
                                           "--interval", "ninety"],
                              r"argument --interval: must be a number in \[0, 1\), got "
                              r"'ninety'"),
    "horizon zero": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers",
                                  "--horizon", "0"],
                     r"argument --horizon: must be a positive integer, got 0"),
    "horizon not an int": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers",
                                        "--horizon", "1.5"],
                           r"argument --horizon: must be a positive integer, got '1\.5'"),
    "horizon too long": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers",
                                      "--horizon", "200"],
                         r"144 rows .* too few .* --horizon 200"),
    "bad frequency": (lambda tmp: ["forecast", AIRLINE, "--target", "passengers", "--freq",
                                   "fortnightly", "--epochs", "1", "--output", "",
                                   "--plot", ""],
                      r"argument --freq: 'fortnightly' is not a pandas frequency"),
    "missing target option": (lambda tmp: ["forecast", AIRLINE],
                              r"required: --target"),
    "unknown command": (lambda tmp: ["predict", AIRLINE], r"invalid choice: 'predict'"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_line(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written into the source tree
    make_argv, pattern = BAD_INPUT[case]
    status, out, err = run(capsys, make_argv(tmp_path))
    assert status == 2, err
    line = one_line(err)
    assert line.startswith("rnnforecast")
    assert re.search(pattern, line), line


def test_hitting_the_epoch_limit_is_a_note_on_stdout(tmp_path, capsys):
    code = main(["forecast", AIRLINE, "--target", "passengers", "--epochs", "2",
                 "--output", str(tmp_path / "f.csv"), "--plot", ""])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert "Note: stopped at --epochs 2" in out
