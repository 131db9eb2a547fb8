"""The forecast command with several interval levels: --interval 0.8,0.95."""

import numpy as np
import pandas as pd
import pytest

from _cli_helpers import FAST, assert_refused, enter_workdir, run

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    return enter_workdir(tmp_path, monkeypatch)


def test_several_levels_give_level_named_columns(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                    "--interval", "0.95,0.5", "-q"])
    assert status == 0, err
    table = pd.read_csv("forecast.csv")
    assert list(table.columns) == ["date", "forecast", "lower_50", "upper_50", "lower_95",
                                   "upper_95"]
    assert np.all(table["lower_95"] <= table["lower_50"])
    assert np.all(table["lower_50"] <= table["forecast"])
    assert np.all(table["forecast"] <= table["upper_50"])
    assert np.all(table["upper_50"] <= table["upper_95"])
    assert "lower_95" in out  # the printed table


@pytest.mark.parametrize("value, pattern", [
    ("0.8,0.8", r"argument --interval: must be distinct numbers in \(0, 1\) separated by "
                r"commas, e.g\. 0\.8,0\.95; got 80 % more than once in '0\.8,0\.8'"),
    ("0.8,1", r"argument --interval: .*; got 1 in '0\.8,1'"),
    ("0,0.9", r"argument --interval: .*; got 0 in '0,0\.9'"),
    ("0.8,", r"argument --interval: .*; got '' in '0\.8,'"),
    ("0.8,high", r"argument --interval: .*; got 'high' in '0\.8,high'"),
])
def test_invalid_levels_are_refused_before_training(workdir, capsys, value, pattern):
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y", *FAST,
                                 "--interval", value]), pattern)


def test_the_parser_sorts_the_levels():
    from rnnforecast.cli._parser import make_parser

    args = make_parser().parse_args(["forecast", "x.csv", "--target", "y",
                                     "--interval", "0.95, 0.8"])
    assert args.interval == [0.8, 0.95]
    args = make_parser().parse_args(["forecast", "x.csv", "--target", "y",
                                     "--interval", "0.9"])
    assert args.interval == 0.9
