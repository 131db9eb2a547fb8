"""Panels (a DataFrame indexed by (series id, time)) in fit_many, forecast_many and
GlobalForecaster: read as the equivalent long frame, forecasts returned as a panel."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, load, save
from rnnforecast.forecasting import (GlobalForecaster, NaiveForecaster, fit_many,
                                     forecast_many)

WINDOW, HORIZON, N_TIME = 6, 2, 30


@pytest.fixture(autouse=True)
def _quiet_convergence():
    """The tiny models stop after a few epochs on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def tiny(**params):
    return RNNForecaster(**{"cell": "gru", "hidden_size": 3, "max_iter": 2, "batch_size": 16,
                            "random_state": 0, **params})


def make_panel(ids=("b", "a"), times=None, names=("store", "month"), shuffle=True):
    """A panel of len(ids) series with a value column 'sales' and a column 'price';
    rows shuffled (neither ids nor times sorted) unless ``shuffle`` is False."""
    times = pd.date_range("2020-01-01", periods=N_TIME, freq="MS") if times is None else times
    index = pd.MultiIndex.from_product([list(ids), times], names=list(names))
    t = np.tile(np.arange(len(times)), len(ids))
    level = np.repeat(np.arange(len(ids)), len(times))
    panel = pd.DataFrame({"sales": 10.0 * level + np.sin(t / 2.0) + 0.1 * t,
                          "price": np.cos(t / 3.0) + level}, index=index)
    return panel.sample(frac=1.0, random_state=0) if shuffle else panel


def long_of(panel, id_name="store", time_name="month"):
    """The long frame the panel stands for, built independently of the package."""
    return pd.DataFrame({id_name: panel.index.get_level_values(0),
                         time_name: panel.index.get_level_values(1),
                         **{c: panel[c].to_numpy() for c in panel.columns}})


def as_expected_panel(long_table, names):
    """The long table of forecasts indexed as the panel's forecasts should be."""
    return long_table.set_index(list(long_table.columns[:2])).rename_axis(names)


def assert_same_weights(a, b):
    weights_a, weights_b = a.state_dict(), b.state_dict()
    assert weights_a.keys() == weights_b.keys()
    for key in weights_a:
        np.testing.assert_array_equal(weights_a[key], weights_b[key], err_msg=key)


# ---------------------------------------------------------------------------
# fit_many / forecast_many
# ---------------------------------------------------------------------------


def test_fit_many_on_a_panel_equals_the_long_frame_and_returns_a_panel():
    panel = make_panel()[["sales"]]
    copy = panel.copy()
    models = fit_many(tiny(early_stopping=True), panel, window=WINDOW, horizon=HORIZON,
                      n_jobs=2, backend="threading")
    same = fit_many(tiny(early_stopping=True), long_of(panel), window=WINDOW,
                    horizon=HORIZON, id_column="store", time_column="month",
                    value_column="sales")
    assert list(models) == list(same) == ["b", "a"]
    for name in models:
        assert_same_weights(models[name], same[name])
    out = forecast_many(models, panel, interval=0.8)
    expected = forecast_many(same, long_of(panel), interval=0.8, id_column="store",
                             time_column="month", value_column="sales")
    pd.testing.assert_frame_equal(out, as_expected_panel(expected, ["store", "month"]))
    assert list(out.index.names) == ["store", "month"]
    assert list(out.columns) == ["forecast", "lower", "upper"]
    assert out.index.get_level_values("month")[0] == pd.Timestamp("2022-07-01")
    pd.testing.assert_frame_equal(panel, copy)


def test_the_other_columns_of_a_panel_are_exogenous_and_target_picks_the_value():
    panel = make_panel()[["price", "sales"]]
    models = fit_many(tiny(), panel, window=WINDOW, target="sales")
    same = fit_many(tiny(), long_of(panel), window=WINDOW, id_column="store",
                    time_column="month", value_column="sales")
    for name in models:
        assert_same_weights(models[name], same[name])
        assert models[name].n_step_features_in_ == 2
    by_value_column = forecast_many(models, panel, value_column="sales")
    pd.testing.assert_frame_equal(by_value_column, forecast_many(models, panel, target="sales"))
    # without target the first column is the value, as for a dict of DataFrames
    first = fit_many(NaiveForecaster(), panel, window=WINDOW)
    last_price = panel.sort_index().groupby(level=0)["price"].last()
    out = forecast_many(first, panel)
    np.testing.assert_array_equal(out.xs("a")["forecast"], last_price["a"])


def test_a_series_panel_has_one_value_column_and_recursive_steps_match():
    panel = make_panel()["sales"]
    models = fit_many(tiny(), panel, window=WINDOW)
    out = forecast_many(models, panel, steps=5)  # recursive beyond the horizon 1
    expected = forecast_many(models, long_of(panel.to_frame()), steps=5, id_column="store",
                             time_column="month", value_column="sales")
    pd.testing.assert_frame_equal(out, as_expected_panel(expected, ["store", "month"]))
    assert out.shape == (10, 1)


def test_unnamed_levels_take_the_default_or_given_names_and_stay_unnamed():
    panel = make_panel(names=(None, None), shuffle=False)[["sales"]]
    models = fit_many(NaiveForecaster(), panel, window=WINDOW)
    out = forecast_many(models, panel)
    assert list(out.index.names) == [None, None]
    long = long_of(panel, "series", "timestamp").rename(columns={"sales": "value"})
    expected = forecast_many(models, long)
    pd.testing.assert_frame_equal(out, as_expected_panel(expected, [None, None]))
    named = forecast_many(models, panel, id_column="store", time_column="month")
    assert list(named.index.names) == ["store", "month"]


@pytest.mark.parametrize("kind", ["float", "categorical", "period", "tz"])
def test_id_and_time_dtypes_behave_as_in_the_long_frame(kind):
    ids, times = ["b", "a"], pd.date_range("2020-01-01", periods=N_TIME, freq="D")
    if kind == "float":
        ids = [2.5, 1.0]
    elif kind == "period":
        times = pd.period_range("2020-01", periods=N_TIME, freq="M")
    elif kind == "tz":
        times = pd.date_range("2020-01-01", periods=N_TIME, freq="h", tz="Europe/Paris")
    panel = make_panel(ids=ids, times=times)[["sales"]]
    if kind == "categorical":
        panel.index = panel.index.set_levels(pd.CategoricalIndex(["a", "b"]), level=0)
    long = long_of(panel)
    models = fit_many(NaiveForecaster(), panel, window=WINDOW)
    out = forecast_many(models, panel)
    expected = forecast_many(fit_many(NaiveForecaster(), long, window=WINDOW,
                                      id_column="store", time_column="month",
                                      value_column="sales"),
                             long, id_column="store", time_column="month",
                             value_column="sales")
    pd.testing.assert_frame_equal(out, as_expected_panel(expected, ["store", "month"]))
    assert out.index.levels[1].dtype == panel.index.levels[1].dtype


# ---------------------------------------------------------------------------
# GlobalForecaster
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("static", [None, "id", "attributes"])
def test_global_model_on_a_panel_equals_the_long_frame(static):
    panel = make_panel(ids=("c", "a", "b"))[["sales"]]
    copy = panel.copy()
    if static == "attributes":
        static = pd.DataFrame({"size": [1.0, 2.0, 3.0]}, index=["a", "b", "c"])
    model = GlobalForecaster(tiny(early_stopping=True), window=WINDOW, horizon=HORIZON,
                             static=static).fit(panel)
    same = GlobalForecaster(tiny(early_stopping=True), window=WINDOW, horizon=HORIZON,
                            static=static).fit(long_of(panel), id_column="store",
                                               time_column="month", value_column="sales")
    assert_same_weights(model.estimator_, same.estimator_)
    np.testing.assert_array_equal(model.scale_, same.scale_)
    assert model.ids_ == same.ids_ == ["a", "b", "c"]
    out = model.forecast(panel, interval=[0.5, 0.8])
    expected = same.forecast(long_of(panel), interval=[0.5, 0.8], id_column="store",
                             time_column="month", value_column="sales")
    pd.testing.assert_frame_equal(out, as_expected_panel(expected, ["store", "month"]))
    assert list(out.columns) == ["forecast", "lower_50", "upper_50", "lower_80", "upper_80"]
    pd.testing.assert_frame_equal(forecast_many(model, panel, interval=[0.5, 0.8]), out)
    pd.testing.assert_frame_equal(panel, copy)


def test_global_model_with_known_columns_and_a_panel_future():
    full = make_panel(shuffle=False)
    history = full.groupby(level=0, group_keys=False).apply(lambda f: f.iloc[:-HORIZON])
    future = full.groupby(level=0, group_keys=False).apply(lambda f: f.iloc[-HORIZON:])
    future = future[["price"]].iloc[::-1].sort_index(level=1, kind="stable")  # ids mixed
    history = history[["sales", "price"]].sample(frac=1.0, random_state=3)
    history_copy, future_copy = history.copy(), future.copy()
    model = GlobalForecaster(tiny(), window=WINDOW, horizon=HORIZON, static="id",
                             known=["price"]).fit(history)
    columns = {"id_column": "store", "time_column": "month", "value_column": "sales"}
    same = GlobalForecaster(tiny(), window=WINDOW, horizon=HORIZON, static="id",
                            known=["price"]).fit(long_of(history), **columns)
    assert_same_weights(model.estimator_, same.estimator_)
    out = model.forecast(history, future=future)
    expected = same.forecast(long_of(history), future=long_of(future), **columns)
    pd.testing.assert_frame_equal(out, as_expected_panel(expected, ["store", "month"]))
    # the future's levels may be unnamed; a long future works with a panel history
    unnamed = future.rename_axis([None, None])
    pd.testing.assert_frame_equal(model.forecast(history, future=unnamed), out)
    pd.testing.assert_frame_equal(model.forecast(history, future=long_of(future)), out)
    pd.testing.assert_frame_equal(forecast_many(model, history, future=future), out)
    pd.testing.assert_frame_equal(history, history_copy)
    pd.testing.assert_frame_equal(future, future_copy)
    # as in the long layout, each series' future rows come in time order
    with pytest.raises(ValueError, match=r"must give series '\w' the 2 timestamps after its "
                                         "history, .* in time order"):
        model.forecast(history, future=future.iloc[::-1])
    with pytest.raises(ValueError, match="The 'future' parameter of GlobalForecaster must "
                                         "name level 0 of its index like the id_column"):
        model.forecast(history, future=future.rename_axis(["shop", "month"]))


def test_a_global_model_fitted_on_a_panel_survives_clone_save_and_load(tmp_path):
    panel = make_panel()[["sales"]]
    model = GlobalForecaster(tiny(), window=WINDOW, horizon=HORIZON).fit(panel)
    refit = clone(model).fit(panel)
    assert_same_weights(model.estimator_, refit.estimator_)
    save(model, tmp_path / "global.npz")
    pd.testing.assert_frame_equal(load(tmp_path / "global.npz").forecast(panel),
                                  model.forecast(panel))


# ---------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------


def three_levels():
    panel = make_panel()
    return panel.set_index(pd.Index(np.zeros(len(panel)), name="extra"), append=True)


def one_level():
    panel = make_panel()
    return panel.set_axis(pd.MultiIndex.from_arrays([np.arange(len(panel))]), axis=0)


def repeated_pair():
    panel = make_panel(shuffle=False)
    return pd.concat([panel, panel.iloc[[3]]])


def text_times():
    panel = make_panel()
    return panel.set_axis(panel.index.set_levels(
        panel.index.levels[1].strftime("%Y-%m"), level=1), axis=0)


def missing_ids():
    panel = make_panel(shuffle=False)
    ids = panel.index.get_level_values(0).to_numpy(dtype=object).copy()
    ids[:3] = None
    return panel.set_axis(pd.MultiIndex.from_arrays(
        [ids, panel.index.get_level_values(1)], names=panel.index.names), axis=0)


def column_levels():
    panel = make_panel()
    return panel.set_axis(pd.MultiIndex.from_tuples([("x", "sales"), ("x", "price")]),
                          axis=1)


REFUSED = {
    "three levels": (three_levels, {}, r"must be indexed by a MultiIndex of two levels, "
                     r"\(series id, time\), when it is a panel. Got 3 level\(s\)"),
    "one level": (one_level, {}, r"of two levels, .* Got 1 level\(s\)"),
    "id_column": (make_panel, {"id_column": "shop"}, r"The 'id_column' parameter of \w+ "
                  r"must agree with the name of level 0 of the panel's index, 'store'"),
    "time_column": (make_panel, {"time_column": "date"}, r"The 'time_column' parameter .* "
                    r"level 1 of the panel's index, 'month', or be None. Got 'date'"),
    "repeated pair": (repeated_pair, {}, r"must have one row per \(series id, time\) pair. "
                      r"Got 1 repeated pair\(s\): \[\('b', Timestamp\('2020-04-01"),
    "text times": (text_times, {}, r"must have a time level \(level 1 of its index\) of "
                   r"dates, periods or integers.*Got dtype \w+ \(first value '2020-01'\)"),
    "missing ids": (missing_ids, {}, r"must give every row a series id. Got 3 row\(s\) "
                    r"whose id \(level 0 of the index\) is missing"),
    "column levels": (column_levels, {}, r"must have one level of column names .* Got a "
                      r"MultiIndex on the columns"),
    "same level names": (lambda: make_panel(names=("store", "store")), {},
                         r"must name its two index levels \(series id, time\) differently"),
    "level is a column": (lambda: make_panel().rename(columns={"price": "store"}), {},
                          r"names index levels and columns alike: \['store'\] is both"),
    "value_column": (make_panel, {"value_column": "units"}, r"The 'value_column' parameter "
                     r"of \w+ must name a column of the panel, one of \['sales', 'price'\]"),
    "target and value_column": (make_panel, {"target": "sales", "value_column": "price"},
                                r"The 'target' and 'value_column' parameters .* must agree"),
}


@pytest.mark.parametrize("case", list(REFUSED))
@pytest.mark.parametrize("door", ["fit_many", "forecast_many", "GlobalForecaster.fit",
                                  "GlobalForecaster.forecast"])
def test_refusals_name_the_argument_and_leave_the_panel_unchanged(case, door):
    build, params, message = REFUSED[case]
    panel = build()
    copy = panel.copy()
    fitted = {"b": NaiveForecaster().fit(np.zeros((1, WINDOW, 1)), np.zeros(1))}
    calls = {
        "fit_many": lambda: fit_many(NaiveForecaster(), panel, window=WINDOW, **params),
        "forecast_many": lambda: forecast_many(fitted, panel, **params),
        "GlobalForecaster.fit": lambda: GlobalForecaster(NaiveForecaster(), window=WINDOW)
        .fit(panel, **params),
        "GlobalForecaster.forecast": lambda: GlobalForecaster(
            NaiveForecaster(), window=WINDOW).fit(make_panel()[["sales"]])
        .forecast(panel, **params),
    }
    with pytest.raises(ValueError, match=message):
        calls[door]()
    pd.testing.assert_frame_equal(panel, copy)
    assert panel.index.names == copy.index.names


def test_a_level_named_like_a_forecast_column_is_refused_with_a_panel_fix():
    panel = make_panel(names=("forecast", "month"))[["sales"]]
    models = fit_many(NaiveForecaster(), panel, window=WINDOW)
    with pytest.raises(ValueError, match=r"The 'id_column' parameter of forecast_many names a "
                       r"column of the table of forecasts.*Rename that level of the panel"):
        forecast_many(models, panel)
    model = GlobalForecaster(NaiveForecaster(), window=WINDOW).fit(panel)
    with pytest.raises(ValueError, match=r"Rename that level of the panel's index"):
        model.forecast(panel["sales"])


def test_the_global_model_refuses_other_columns_of_a_panel_as_of_a_long_frame():
    panel = make_panel()
    with pytest.raises(ValueError, match=r"must hold one value column per series.*of a "
                       r"panel indexed by \(id, time\): series\[\[value_column\]\]"):
        GlobalForecaster(NaiveForecaster(), window=WINDOW).fit(panel, target="sales")


def test_fit_many_with_known_columns_takes_a_panel_future():
    full = make_panel(shuffle=False)[["sales", "price"]]
    history = full.groupby(level=0, group_keys=False).apply(lambda f: f.iloc[:-HORIZON])
    future = full.groupby(level=0, group_keys=False).apply(lambda f: f.iloc[-HORIZON:])
    models = fit_many(tiny(), history, window=WINDOW, horizon=HORIZON, known=["price"])
    out = forecast_many(models, history, future=future[["price"]])
    columns = {"id_column": "store", "time_column": "month", "value_column": "sales"}
    expected = forecast_many(models, long_of(history), future=long_of(future[["price"]]),
                             **columns)
    pd.testing.assert_frame_equal(out, as_expected_panel(expected, ["store", "month"]))
    other = forecast_many(models, history, future=1.0 - future[["price"]])
    assert not np.allclose(other["forecast"], out["forecast"])
