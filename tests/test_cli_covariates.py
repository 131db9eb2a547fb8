"""The commands' columns known in advance: --future FUT.csv, --known and --calendar."""

import numpy as np
import pandas as pd
import pytest

from _cli_helpers import assert_refused, enter_workdir, run

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: Ridge and the baselines only: fast, and deterministic.
QUICK = ["--candidates", "ridge,seasonal_naive,naive", "--horizon", "3", "--plot", "",
         "--quiet"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """data.csv: 120 days of a target that follows a planned column; fut.csv: the plan
    for the 3 days after."""
    enter_workdir(tmp_path, monkeypatch)
    rng = np.random.default_rng(0)
    dates = pd.date_range("2020-01-01", periods=123, freq="D")
    plan = rng.normal(0, 5, 123)
    y = 50 + plan + rng.normal(0, 0.1, 123)
    pd.DataFrame({"date": dates[:120].strftime("%Y-%m-%d"), "y": y[:120],
                  "plan": plan[:120]}).to_csv("data.csv", index=False)
    pd.DataFrame({"date": dates[120:].strftime("%Y-%m-%d"), "plan": plan[120:]}).to_csv(
        "fut.csv", index=False)
    return y[120:]


def test_forecast_with_future_reads_the_planned_values(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y",
                                    "--future", "fut.csv", *QUICK])
    assert status == 0, err
    table = pd.read_csv("forecast.csv")
    assert list(table["date"]) == ["2020-04-30", "2020-05-01", "2020-05-02"]
    np.testing.assert_allclose(table["forecast"], workdir, atol=1.0)
    assert "Chose ridge on lags" in out


def test_forecast_without_the_options_ignores_the_planned_column(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y", *QUICK])
    assert status == 0, err
    far = np.abs(pd.read_csv("forecast.csv")["forecast"].to_numpy() - workdir)
    assert far.max() > 1.0  # without the plan the noise of the plan is not forecast


@pytest.mark.parametrize("rows, pattern", [
    (slice(0, 2), r"--future fut\.csv must have one row for each of the 3 dates after "
                  r"the last one of FILE \(2020-04-30 to 2020-05-02\), in order; missing "
                  r"2020-05-02"),
    (slice(1, 3), r"missing 2020-04-30"),
])
def test_future_with_missing_dates_is_refused_before_training(workdir, capsys, rows,
                                                              pattern):
    frame = pd.read_csv("fut.csv").iloc[rows]
    frame.to_csv("fut.csv", index=False)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y",
                                 "--future", "fut.csv", *QUICK]), pattern)


def test_future_with_extra_dates_or_gaps_is_refused(workdir, capsys):
    frame = pd.read_csv("fut.csv")
    extra = pd.concat([frame, frame.iloc[-1:].assign(date="2020-05-03")])
    extra.to_csv("fut.csv", index=False)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y",
                                 "--future", "fut.csv", *QUICK]), r"extra 2020-05-03")
    frame.assign(plan=[1.0, None, 2.0]).to_csv("fut.csv", index=False)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y",
                                 "--future", "fut.csv", *QUICK]),
                   r"column 'plan' has a missing value on 2020-05-01")


def test_future_columns_must_be_in_the_data_and_not_the_target(workdir, capsys):
    pd.read_csv("fut.csv").assign(y=1.0).to_csv("fut.csv", index=False)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y",
                                 "--future", "fut.csv", *QUICK]),
                   r"holds the --target column 'y'")
    pd.read_csv("fut.csv").drop(columns="y").rename(columns={"plan": "cost"}).to_csv(
        "fut.csv", index=False)
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y",
                                 "--future", "fut.csv", *QUICK]),
                   r"column 'cost' not in data\.csv")


def test_calendar_option_forecasts_without_a_future_file(workdir, capsys):
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y",
                                    "--calendar", "--holidays", "2020-05-01", *QUICK])
    assert status == 0, err
    assert len(pd.read_csv("forecast.csv")) == 3


def test_holidays_need_the_calendar(workdir, capsys):
    assert_refused(*run(capsys, ["forecast", "data.csv", "--target", "y",
                                 "--holidays", "2020-05-01", *QUICK]),
                   r"--holidays .* add --calendar")
    status, out, err = run(capsys, ["forecast", "data.csv", "--target", "y",
                                    "--calendar", "--holidays", "May Day", *QUICK])
    assert status == 2 and "must be dates separated by commas" in err


def test_backtest_with_known_columns_reads_them_from_the_file(workdir, capsys):
    scores = {}
    for extra in ([], ["--known", "plan"]):
        status, out, err = run(capsys, ["backtest", "data.csv", "--target", "y",
                                        "--features", "plan", *QUICK[:-3], "--quiet",
                                        *extra])
        assert status == 0, err
        scores[bool(extra)] = float(out.split("MASE")[-1].split()[0])
    assert scores[True] < 0.1 < 0.5 < scores[False]
