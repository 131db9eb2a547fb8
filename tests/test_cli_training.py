"""The command around training: what it reports, and how it fails.

- the epoch whose weights are kept is reported, and the "more epochs" note only when
  the best weights came from the last epochs;
- a diverged fit (absurd forecasts) is refused, not written;
- Ctrl-C exits 130 with one line and writes nothing, also when the estimator itself
  catches the interrupt to keep its best weights;
- out of memory and unexpected errors are one line, never a traceback.
"""

import os
import re
import signal
import subprocess
import sys
import time
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from _cli_helpers import FAST, enter_workdir, one_line, run, subprocess_env
from rnnforecast import RNNForecaster
from rnnforecast.forecasting import AutoForecaster

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """tmp_path as the working directory, holding data.csv: 60 days near 100."""
    return enter_workdir(tmp_path, monkeypatch)


def _written(directory):
    return sorted(p.name for p in directory.iterdir() if p.name != "data.csv")


# ------------------------------------------------- item 7: which weights are kept
def _fitted(scores, **extra):
    return SimpleNamespace(validation_scores_=scores, n_iter_=len(scores),
                           best_validation_score_=max(scores), **extra)


@pytest.mark.parametrize("scores, epochs, expected, note", [
    # best weights from epoch 1 of 40 run: early stopping, no note
    ([0.5] + [0.4] * 39, 300, "40 epochs run, weights of epoch 1 kept", False),
    # the limit was hit, but the best epoch is 25 epochs back: no note
    ([0.01 * i for i in range(10)] + [0.5] + [0.4] * 25, 36,
     "36 epochs run, weights of epoch 11 kept", False),
    # the limit was hit while still improving: note
    ([0.1 * i for i in range(36)], 36, "36 epochs run, weights of epoch 36 kept", True),
])
def test_training_report_names_the_epoch_kept(scores, epochs, expected, note):
    from rnnforecast.cli import training_report

    lines = training_report(_fitted(scores), epochs=epochs, patience=30, seconds=1.25)
    assert lines[0].startswith(f"Fitted: {expected} (best validation R^2 ")
    assert lines[0].endswith(", 1.2 s")
    assert (len(lines) == 2) == note
    if note:
        assert lines[1] == (f"Note: stopped at --epochs {epochs} while the validation "
                            "score was still improving; more epochs may help.")


def test_training_report_prefers_best_epoch_attribute():
    from rnnforecast.cli import training_report

    lines = training_report(_fitted([0.1, 0.2, 0.3], best_epoch_=2), epochs=3,
                            patience=30, seconds=0)
    assert "3 epochs run, weights of epoch 2 kept" in lines[0]


def test_forecast_prints_the_epoch_kept(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                    "--plot", ""])
    assert status == 0, err
    assert re.search(r"^Fitted: 2 epochs run, weights of epoch [12] kept \(best "
                     r"validation R\^2 -?\d+\.\d{3}\), \d+\.\d s$", out, re.MULTILINE), out
    assert "Fitted in" not in out


# ------------------------------------------------------------- item 8: divergence
def test_diverged_training_is_refused_not_written(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                    "--learning-rate", "1e6"])
    line = one_line(err)
    assert status == 2
    assert re.search(r"lower --learning-rate \(now 1e\+06\)", line), line
    assert "more epochs may help" not in out
    assert _written(workdir) == []


@pytest.mark.parametrize("bad, pattern", [
    (np.nan, r"the forecast holds non-finite values \(nan\)"),
    (13242764.0, r"the forecast 1\.32428e\+07 lies far outside the history of 'y' "
                 r"\(\d+(\.\d+)? to \d+(\.\d+)?\)"),
])
def test_implausible_forecasts_are_refused(bad, pattern, workdir, capsys, monkeypatch):
    original = AutoForecaster.predict  # what the command forecasts with

    def predict(self, *args, **kwargs):
        table = original(self, *args, **kwargs)
        table.iloc[1, 0] = bad
        return table

    monkeypatch.setattr(AutoForecaster, "predict", predict)
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST])
    line = one_line(err)
    assert status == 2 and re.search(pattern, line), line
    assert "--learning-rate" in line
    assert _written(workdir) == []


# ------------------------------------------------------------- item 9: interrupts
def test_ctrl_c_during_fit_exits_130_and_writes_nothing(workdir, capsys, monkeypatch):
    def fit(self, X, y):
        raise KeyboardInterrupt

    monkeypatch.setattr(RNNForecaster, "fit", fit)
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST])
    assert status == 130
    assert one_line(err) == "rnnforecast: interrupted"
    assert _written(workdir) == []


def test_ctrl_c_caught_by_the_estimator_still_stops_the_command(workdir, capsys,
                                                                 monkeypatch):
    """The estimator keeps its best weights on Ctrl-C and returns; the command stops."""
    original = RNNForecaster.fit

    def fit(self, X, y):
        original(self, X, y)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted; the estimator keeps the best weights.")
        return self

    monkeypatch.setattr(RNNForecaster, "fit", fit)
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST])
    assert status == 130
    assert one_line(err) == "rnnforecast: interrupted"
    assert _written(workdir) == []


def test_sigint_to_the_command_exits_130_and_writes_nothing(workdir):
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnforecast", "forecast", "data.csv", "--target", "y",
         "--window", "5", "--horizon", "3", "--hidden-size", "4", "--epochs", "100000",
         "--patience", "100000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=workdir,
        env=subprocess_env())
    try:
        first = proc.stdout.readline()
        assert first.startswith("Fitting"), first + proc.stderr.read()
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert one_line(err) == "rnnforecast: interrupted"
    assert _written(workdir) == []


# -------------------------------------------- item 3: memory and unexpected errors
@pytest.mark.skipif(not hasattr(os, "sysconf"), reason="needs the machine's memory size")
def test_huge_hidden_size_is_refused_before_training(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                    "--hidden-size", str(10**6)])
    line = one_line(err)
    assert status == 2 and "Fitting" not in out
    assert re.search(r"--hidden-size 1000000 needs about \d+ TB of memory for the "
                     r"weights alone, more than the \S+ [GT]B of this machine; use a "
                     r"smaller --hidden-size", line), line


def test_out_of_memory_is_one_line(workdir, capsys, monkeypatch):
    def fit(self, X, y):
        raise MemoryError("Unable to allocate 7.28 TiB for an array")

    monkeypatch.setattr(RNNForecaster, "fit", fit)
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST])
    assert status == 2
    assert re.fullmatch(r"rnnforecast: error: out of memory \(Unable to allocate 7\.28 "
                        r"TiB for an array\); use a smaller --hidden-size or --window",
                        one_line(err))
    assert _written(workdir) == []


def test_unexpected_error_is_one_line_with_its_type(workdir, capsys, monkeypatch):
    def fit(self, X, y):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(RNNForecaster, "fit", fit)
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST])
    assert status == 1
    assert one_line(err) == "rnnforecast: error: RuntimeError: boom second line"
    assert _written(workdir) == []
