"""plot_forecast draws one band per level of a multi-level forecast frame."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from _forecasting_helpers import LastPlusStep, daily_series, fitted  # noqa: E402
from rnnforecast.forecasting import forecast  # noqa: E402
from rnnforecast.plotting import plot_forecast  # noqa: E402


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def _band_tops(ax):
    """Highest point of each drawn band, in drawing order."""
    tops = []
    for band in ax.collections:
        vertices = band.get_paths()[0].vertices
        tops.append(vertices[:, 1].max())
    return tops


@pytest.fixture
def levels_frame():
    history = daily_series(np.arange(30.0))
    model = fitted(LastPlusStep(), window=4, horizon=3)
    model.conformal_residuals_ = np.random.default_rng(0).normal(size=(40, 3))
    return history, forecast(model, history, interval=[0.8, 0.5, 0.95])


def test_one_band_per_level_widest_first(levels_frame, tmp_path):
    history, table = levels_frame
    ax = plot_forecast(history, table, actual=table["forecast"] + 0.1)
    assert len(ax.collections) == 3
    assert _legend_texts(ax) == ["history", "forecast", "95 % interval", "80 % interval",
                                 "50 % interval", "actual"]
    tops = _band_tops(ax)
    assert tops == sorted(tops, reverse=True)
    assert tops[0] == pytest.approx(table["upper_95"].max())
    ax.figure.savefig(tmp_path / "levels.png")


def test_a_single_level_frame_still_draws_one_interval(levels_frame):
    history, table = levels_frame
    single = table[["forecast", "lower_80", "upper_80"]].rename(
        columns={"lower_80": "lower", "upper_80": "upper"})
    ax = plot_forecast(history, single)
    assert _legend_texts(ax) == ["history", "forecast", "interval"]


def test_a_level_without_its_other_bound_is_refused(levels_frame):
    history, table = levels_frame
    with pytest.raises(ValueError, match="Got the column 'upper_95' without 'lower_95'"):
        plot_forecast(history, table.drop(columns="lower_95"))


def test_other_columns_are_not_read_as_levels(levels_frame):
    history, table = levels_frame
    extra = table[["forecast"]].assign(lower_bound=0.0, upper_limit=1.0, lower_x=2.0)
    ax = plot_forecast(history, extra)
    assert len(ax.collections) == 0
    assert isinstance(extra.index, pd.DatetimeIndex)
