"""Option lists, files and assertions shared by the command-line tests (test_cli*.py)."""

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from rnnforecast.cli import main

REPO = Path(__file__).resolve().parents[1]

#: A tiny model on a short window: two epochs, enough to run the whole command.
FAST = ["--epochs", "2", "--hidden-size", "4", "--window", "5", "--horizon", "3"]


def subprocess_env():
    """The environment for ``python -m rnnforecast``: this checkout first on PYTHONPATH."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def enter_workdir(tmp_path, monkeypatch):
    """Make tmp_path the working directory, holding data.csv: 60 days near 100."""
    monkeypatch.chdir(tmp_path)
    dates = pd.date_range("2020-01-01", periods=60, freq="D")
    values = 100 + 10 * np.sin(np.arange(60) / 3)
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "y": values}).to_csv(
        "data.csv", index=False)
    return tmp_path


def write_text(path, text):
    """Write ``text`` to ``path``; return the path as a string."""
    Path(path).write_text(text)
    return str(path)


def write_csv(path, dates, values=None, sep=",", header="date,y"):
    """A two-column CSV of ``dates`` (strings) and ``values`` (default 100, 101, ...)."""
    values = 100 + np.arange(len(dates), dtype=float) if values is None else values
    lines = [header.replace(",", sep), *(f"{d}{sep}{v}" for d, v in zip(dates, values))]
    return write_text(path, "\n".join(lines) + "\n")


def run(capsys, argv):
    """Run the command in-process: (exit status, stdout, stderr)."""
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def one_line(err):
    """The only line of ``err``, which holds no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def assert_refused(status, out, err, pattern):
    """Exit status 2, one line on stderr matching ``pattern``, and no training."""
    assert status == 2, err
    line = one_line(err)
    assert re.search(pattern, line), line
    assert "Fitting" not in out, "the error must come before training"
