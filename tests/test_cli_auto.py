"""The forecast command's choice between candidates (AutoForecaster): what it reports,
its options (--seasonal-period, --candidates, --members, --quiet) and its warning."""

import re

import numpy as np
import pandas as pd
import pytest

from _cli_helpers import enter_workdir, one_line, run

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: A tiny network, every other setting the command's default.
TINY = ["--epochs", "3", "--hidden-size", "4", "--members", "2", "--horizon", "3"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    return enter_workdir(tmp_path, monkeypatch)


def _weekly_pattern(path, weeks=12):
    """Daily values repeating one week exactly: seasonal naive is perfect."""
    dates = pd.date_range("2020-01-06", periods=7 * weeks, freq="D")
    values = np.tile([3.0, 9, 4, 8, 1, 12, 5], weeks) + 100
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "y": values}).to_csv(path, index=False)


def test_the_command_reports_its_choice_and_writes_the_interval(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *TINY,
                                    "--plot", ""])
    assert status == 0, err
    chose = [line for line in out.splitlines() if line.startswith("Chose ")]
    assert len(chose) == 1, out
    assert re.search(r"validation MASE \d+\.\d\d vs seasonal naive \d+\.\d\d", chose[0])
    assert "seasonal period 7" in chose[0]
    table = pd.read_csv("forecast.csv")
    assert list(table.columns) == ["date", "forecast", "lower", "upper"]
    assert len(table) == 3
    assert err == ""  # no progress line on a stderr that is not a terminal


def test_seasonal_period_option_overrides_the_dates(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *TINY,
                                    "--seasonal-period", "5", "--plot", ""])
    assert status == 0, err
    assert "(window 20, seasonal period 5)" in out


def test_warns_when_the_chosen_forecaster_validated_worse_than_seasonal_naive(
        workdir, capsys):
    _weekly_pattern("weekly.csv")
    status, out, err = run(capsys, ["forecast", "weekly.csv", "--target", "y", *TINY,
                                    "--window", "14", "--candidates", "naive",
                                    "--plot", ""])
    assert status == 0, err
    assert "Chose naive" in out
    assert re.fullmatch(r"rnnforecast: warning: UserWarning: the chosen forecaster "
                        r"validated worse than seasonal naive \(MASE \d+\.\d\d vs "
                        r"0\.00\); add seasonal_naive to --candidates", one_line(err))


def test_no_warning_when_seasonal_naive_is_a_candidate(workdir, capsys):
    _weekly_pattern("weekly.csv")
    status, out, err = run(capsys, ["forecast", "weekly.csv", "--target", "y", *TINY,
                                    "--window", "14", "--plot", ""])
    assert status == 0, err
    assert "Chose seasonal naive" in out and err == ""


def test_unknown_candidate_is_refused_before_training(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y",
                                    "--candidates", "rnn,arima"])
    assert status == 2 and "Fitting" not in out
    line = one_line(err)
    assert "argument --candidates: 'rnn,arima' names no candidate or an unknown one " \
           "(arima); use a comma-separated list of rnn, ridge, drift, seasonal_naive, naive" in line


def test_quiet_and_verbose(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *TINY,
                                    "--quiet", "--plot", ""])
    assert status == 0 and err == ""
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *TINY,
                                    "--verbose", "--plot", ""])
    assert status == 0, err
    assert re.search(r"^Epoch\s+1\s+loss", out, re.MULTILINE), out


def test_a_flat_series_gets_no_note_about_scores_that_print_equal(workdir, capsys):
    dates = pd.date_range("2020-01-01", periods=120, freq="D")
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "y": 5.0}).to_csv("flat.csv",
                                                                       index=False)
    status, out, err = run(capsys, ["forecast", "flat.csv", "--target", "y", "--horizon", "7",
                                    "--plot", ""])  # defaults: the networks reach 0.00 too
    assert status == 0, err
    assert not re.search(r"validated worse than seasonal naive \(MASE (\S+) vs \1\)", out)
    assert (pd.read_csv("forecast.csv")["forecast"] == 5.0).all()
