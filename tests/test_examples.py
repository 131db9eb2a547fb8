"""Every script in examples/ runs (fast mode) and writes outputs that make sense.

Each example runs as a subprocess with ``RNNFORECAST_FAST=1`` (small models, few
epochs) and ``RNNFORECAST_OUTPUT_DIR`` set to a temporary folder, from inside that
folder, so nothing is written into the source tree. The checks are about the shape and
sanity of the outputs, not about accuracy, which a fast run cannot promise.
"""

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def run_example(name, tmp_path):
    """Run examples/<name>.py; return its stdout after checking the exit status."""
    env = {**os.environ, "RNNFORECAST_FAST": "1", "RNNFORECAST_OUTPUT_DIR": str(tmp_path),
           "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                        os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc.stdout


def check_png(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert len(data) > 5000, f"{path} is suspiciously small ({len(data)} bytes)"


def read_number(pattern, text):
    match = re.search(pattern, text)
    assert match, f"no match for {pattern!r} in:\n{text}"
    return float(match.group(1))


def check_interval_table(path, first_date, n_rows):
    table = pd.read_csv(path, parse_dates=["date"], index_col="date")
    assert list(table.columns) == ["forecast", "lower", "upper"]
    assert len(table) == n_rows and table.index[0] == pd.Timestamp(first_date)
    assert table.index.is_monotonic_increasing and table.index.is_unique
    assert np.isfinite(table.to_numpy()).all()
    assert (table["lower"] <= table["forecast"]).all()
    assert (table["forecast"] <= table["upper"]).all()
    return table


def test_every_example_is_tested():
    """Each script in examples/ is run by a test: here, or named in another test file."""
    here = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    elsewhere = " ".join(path.read_text() for path in (REPO / "tests").glob("test_*.py")
                         if path.name != Path(__file__).name)
    untested = [path.stem for path in sorted(EXAMPLES.glob("*.py"))
                if path.stem not in here and path.stem not in elsewhere]
    assert not untested, f"examples without a test: {untested}"


def test_forecast_ibm_stock(tmp_path):
    out = run_example("forecast_ibm_stock", tmp_path)
    table = check_interval_table(tmp_path / "ibm_forecast.csv", "2013-03-04", 5)
    assert (table.index.day_of_week < 5).all()  # business days only
    assert table["forecast"].between(100, 400).all()  # IBM closed near 200 in 2013
    check_png(tmp_path / "ibm_forecast.png")
    assert read_number(r"validation R\^2 " + NUMBER, out) <= 1


def test_weather_multivariate(tmp_path):
    out = run_example("weather_multivariate", tmp_path)
    assert "X (366, 28, 4)" in out  # 3-D windows: 4 weather series
    gru = read_number(r"GRU " + NUMBER, out)
    naive = read_number(r"naive " + NUMBER, out)
    assert 0 <= gru < 20 and 0 <= naive < 20  # degrees C
    table = check_interval_table(tmp_path / "weather_forecast.csv", "2016-01-01", 7)
    assert table["forecast"].between(-20, 45).all()
    check_png(tmp_path / "weather_forecast.png")


def test_airline_backtest(tmp_path):
    out = run_example("airline_backtest", tmp_path)
    header = next(line for line in out.splitlines() if "MASE" in line).split()
    for model in ("LSTM", "seasonal naive"):
        row = next(line for line in out.splitlines() if line.startswith(model))
        values = dict(zip(header, map(float, row[len(model):].split())))
        assert np.isfinite(list(values.values())).all() and values["MAE"] > 0
        assert values["MASE"] > 0
    check_png(tmp_path / "airline_backtest.png")


def test_gunpoint_classification(tmp_path):
    out = run_example("gunpoint_classification", tmp_path)
    accuracy = read_number(r"Test accuracy: " + NUMBER, out)
    assert 0 <= accuracy <= 1
    counts = [list(map(int, line.split()[1:])) for line in out.splitlines()
              if re.fullmatch(r"\s+[12](\s+\d+){2}", line)]
    assert len(counts) == 2 and np.sum(counts) == 150  # the 150 test series
    assert np.trace(counts) / 150 == pytest.approx(accuracy, abs=1e-3)
    check_png(tmp_path / "gunpoint_confusion.png")


def test_grid_search_pipeline(tmp_path):
    out = run_example("grid_search_pipeline", tmp_path)
    best = ast.literal_eval(re.search(r"Best parameters: (\{.*\})", out).group(1))
    assert best["scale__method"] in {"standard", "minmax"}
    assert best["rnn__hidden_size"] in {4, 8}
    for gap in re.findall(r"\(gap (\d+)\)", out):
        assert int(gap) == 12  # window 12 + horizon 1 - 1
    assert read_number(r"Best cross-validated MAE \(log passengers\): " + NUMBER, out) > 0
    results = pd.read_csv(tmp_path / "grid_search_results.csv")
    assert len(results) == 4 and set(results["rank_test_score"]) <= {1, 2, 3, 4}


def test_char_rnn(tmp_path):
    out = run_example("char_rnn", tmp_path)
    assert 0 <= read_number(r"next-character accuracy " + NUMBER, out) <= 1
    first, last = re.search(r"loss " + NUMBER + " -> " + NUMBER, out).groups()
    assert float(last) < float(first)
    samples = json.loads((tmp_path / "char_rnn_samples.json").read_text())
    assert set(samples) == {"0.5", "1.0"}  # one text per temperature
    for text in samples.values():
        assert text.startswith("the river runs p")  # the 16-character seed
        assert len(text) == 16 + 60
        assert set(text) <= set("abcdefghijklmnopqrstuvwxyz .,\n")


def test_export_to_pytorch(tmp_path):
    out = run_example("export_to_pytorch", tmp_path)
    if importlib.util.find_spec("torch") is None:
        assert out.strip() == "torch not installed; skipping"
        return
    assert "rnnforecast and PyTorch give the same predictions" in out
    weights = np.load(tmp_path / "airline_lstm_state_dict.npz")
    assert {"weight_ih_l0", "weight_hh_l1", "head.weight"} <= set(weights.files)


def test_export_to_onnx(tmp_path):
    out = run_example("export_to_onnx", tmp_path)
    if importlib.util.find_spec("onnxruntime") is None:
        assert out.strip() == "onnxruntime not installed; skipping"
        return
    assert "reloaded probabilities identical: True" in out
    gap = float(re.search(r"max \|onnxruntime - predict_proba\|: " + NUMBER, out).group(1))
    assert gap < 1e-4
    assert (tmp_path / "gunpoint.onnx").stat().st_size > 0
