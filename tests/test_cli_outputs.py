"""The command never loses a file: outputs are checked before training, written whole.

Every run here happens in ``tmp_path`` (the working directory) on a 60-day CSV with a
tiny model. A refused run must exit with status 2, print one line on stderr naming the
option, print no "Fitting" line (the check comes before training), and leave the
directory exactly as it was: existing outputs untouched, no new or temporary files.
"""

import os
import re

import numpy as np
import pandas as pd
import pytest

from _cli_helpers import FAST, assert_refused, enter_workdir, run
from rnnforecast.cli import main

OLD = {"forecast.csv": "old forecast\n", "forecast.png": "old plot\n"}

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """tmp_path as the working directory, holding data.csv (60 days) and old outputs."""
    enter_workdir(tmp_path, monkeypatch)
    for name, text in OLD.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _snapshot(directory):
    """{relative path: bytes} of every file under ``directory``."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _assert_refused_untouched(workdir, capsys, options, pattern):
    """``forecast data.csv`` with ``options`` is refused; the directory stays as it was."""
    (workdir / "sub").mkdir()
    before = _snapshot(workdir)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                 *options]), pattern)
    assert _snapshot(workdir) == before


# ------------------------------------------------------------ item 1: same file twice
SAME_FILE = {
    "output is the input": (["--output", "data.csv"],
                            r"--output data\.csv is the input file data\.csv"),
    "output is the input, other spelling": (
        ["--output", "./sub/../data.csv"], r"--output \./sub/\.\./data\.csv is the input file"),
    "plot is the input": (["--plot", "data.csv"], r"--plot data\.csv is the input file"),
    "output is the plot": (["--output", "x.png", "--plot", "x.png"],
                           r"--output x\.png and --plot x\.png are the same file"),
}


@pytest.mark.parametrize("case", list(SAME_FILE))
def test_two_roles_for_one_file_are_refused(case, workdir, capsys):
    _assert_refused_untouched(workdir, capsys, *SAME_FILE[case])


# ------------------------------------------- item 2: a failing run writes nothing
def _irregular_csv(directory):
    """60 dates 2 or 3 days apart: no frequency fits them."""
    gaps = np.where(np.arange(60) % 2, 2, 3)
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.cumsum(gaps), unit="D")
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "y": np.arange(60.0)}).to_csv(
        directory / "irregular.csv", index=False)
    return "irregular.csv"


FAILING = {
    "plot extension": (["--plot", "plot.xyz"],
                       r"--plot plot\.xyz: matplotlib cannot write \.xyz files; .*\.png"),
    "plot directory missing": (["--plot", "no/such/plot.png"],
                               r"--plot no/such/plot\.png: directory no/such does not exist"),
    "output directory missing": (["--output", "nodir/f.csv"],
                                 r"--output nodir/f\.csv: directory nodir does not exist"),
    "output is a directory": (["--output", "sub"], r"--output sub is a directory"),
    "plot is a directory": (["--plot", "sub/"], r"--plot sub/ is a directory"),
    "bad frequency": (["--freq", "fortnightly"],
                      r"argument --freq: 'fortnightly' is not a pandas frequency"),
    "outdated frequency": (["--freq", "M"], r"argument --freq: 'M' .*'ME'"),
}


@pytest.mark.parametrize("case", list(FAILING))
def test_failing_run_leaves_existing_outputs_untouched(case, workdir, capsys):
    _assert_refused_untouched(workdir, capsys, *FAILING[case])


def test_irregular_dates_are_refused_before_training(workdir, capsys):
    name = _irregular_csv(workdir)
    before = _snapshot(workdir)
    assert_refused(*run(capsys, ["forecast", name, "--target", "y", *FAST]),
                   r"dates in column 'date' of irregular\.csv are not evenly spaced "
                   r"\(gaps: 2 days \(30 times\), 3 days \(29 times\)\); pass --freq")
    assert _snapshot(workdir) == before


def test_irregular_dates_with_freq_are_forecast(workdir, capsys):
    name = _irregular_csv(workdir)
    status, out, err = run(capsys, ["forecast", name, "--target", "y", *FAST,
                                    "--freq", "D", "--plot", ""])
    assert status == 0, err
    table = pd.read_csv("forecast.csv", parse_dates=["date"])
    last = pd.read_csv(name, parse_dates=["date"])["date"].iloc[-1]
    assert list(table["date"]) == list(pd.date_range(last, periods=4, freq="D")[1:])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a POSIX user for whom directory permissions apply")
def test_unwritable_output_directory_is_refused(workdir, capsys):
    locked = workdir / "locked"
    locked.mkdir(mode=0o500)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                 "--output", "locked/f.csv"]),
                   r"--output locked/f\.csv: directory locked is not writable")


def test_outputs_are_replaced_only_when_both_are_written(workdir, capsys, monkeypatch):
    """The plot fails while saving: the old CSV and plot stay, no temporary file stays."""
    import matplotlib.figure

    def failing_savefig(self, fname, *args, **kwargs):
        with open(fname, "wb") as f:
            f.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", failing_savefig)
    before = _snapshot(workdir)
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST])
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert "No space left on device" in err
    assert _snapshot(workdir) == before


def test_successful_run_replaces_old_outputs_and_keeps_permissions(workdir, capsys):
    """An existing output keeps its mode; a new one gets the mode the umask gives."""
    os.chmod("forecast.csv", 0o640)
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                    "--plot", "new.png"])
    assert status == 0, err
    assert pd.read_csv("forecast.csv").columns.tolist() == ["date", "forecast", "lower",
                                                            "upper"]
    assert (workdir / "new.png").read_bytes()[:4] == b"\x89PNG"
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat("forecast.csv").st_mode & 0o777 == 0o640
    assert os.stat("new.png").st_mode & 0o777 == 0o666 & ~mask
    assert sorted(os.listdir(workdir)) == ["data.csv", "forecast.csv", "forecast.png",
                                           "new.png"]


def _option_help(text, option):
    """The help of one option: its line and the indented lines after it, joined."""
    block = re.search(rf"^  {option} [A-Z]+(.*\n(?: {{20,}}.*\n)*)", text, re.MULTILINE)
    return " ".join(block[1].split())


@pytest.mark.parametrize("command, options", [("forecast", ["--output", "--plot"]),
                                              ("backtest", ["--output"]),
                                              ("demo", ["--output", "--plot"])])
def test_help_says_existing_files_are_replaced(command, options, capsys):
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    for option in options:
        assert _option_help(text, option).endswith("an existing file is replaced"), option


# --------------------------------------------- item 6: the path written is reported
def test_plot_without_extension_is_written_as_png_and_reported(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                    "--plot", "name"])
    assert status == 0, err
    assert (workdir / "name.png").read_bytes()[:4] == b"\x89PNG"
    assert not (workdir / "name").exists()
    assert "Plot written to name.png" in out


@pytest.mark.parametrize("extension, magic", [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_plot_format_follows_the_extension(extension, magic, workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                    "--plot", f"p.{extension}"])
    assert status == 0, err
    assert (workdir / f"p.{extension}").read_bytes().startswith(magic)


# --------------------------------------------------- item 10: backtest and demo too
BACKTEST = [*FAST, "--folds", "2"]


@pytest.mark.parametrize("options, pattern", [
    (["--output", "data.csv"], r"--output data\.csv is the input file"),
    (["--output", "nodir/b.csv"], r"--output nodir/b\.csv: directory nodir does not exist"),
    (["--output", "forecast.csv", "--freq", "fortnightly"], r"argument --freq"),
])
def test_backtest_validates_its_output_first(options, pattern, workdir, capsys):
    before = _snapshot(workdir)
    status, out, err = run(capsys, ["backtest", "data.csv", "--target", "y", *BACKTEST,
                                    *options])
    assert_refused(status, out, err, pattern)
    assert "Backtest" not in out
    assert _snapshot(workdir) == before


def test_backtest_output_is_written(workdir, capsys):
    status, out, err = run(capsys, ["backtest", "data.csv", "--target", "y", *BACKTEST,
                                    "--output", "b.csv"])
    assert status == 0, err
    assert len(pd.read_csv("b.csv")) == 2 * 3
    assert "Backtest forecasts written to b.csv" in out


def test_demo_validates_its_plot_first(workdir, capsys):
    before = _snapshot(workdir)
    status, out, err = run(capsys, ["demo", "--epochs", "2", "--hidden-size", "4",
                                    "--plot", "demo.xyz"])
    assert_refused(status, out, err, r"--plot demo\.xyz: matplotlib cannot write")
    assert _snapshot(workdir) == before


def test_progress_messages_go_through_the_cli_logger(workdir, caplog):
    """An application can route the command's messages; the command shows them on stdout."""
    import logging
    with caplog.at_level(logging.INFO, logger="rnnforecast.cli"):
        status = main(["forecast", "data.csv", "--target", "y", *FAST])
    assert status == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "rnnforecast.cli"]
    assert any(m.startswith("Fitting") for m in messages)
    assert any(m.startswith("Forecast written to") for m in messages)
