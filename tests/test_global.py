"""GlobalForecaster: one model on many series, per-series scaling, static covariates."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from rnnforecast import RNNForecaster, load, save
from rnnforecast.forecasting import GlobalForecaster, NaiveForecaster, forecast_many
from rnnforecast.forecasting._global_data import pooled_layout, window_features

WINDOW = 8
N_TIME = 48


@pytest.fixture(autouse=True)
def _quiet_convergence():
    """The tiny models stop after a few epochs on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def tiny(**params):
    params = {"cell": "gru", "hidden_size": 4, "max_iter": 3, "batch_size": 16,
              "random_state": 0, **params}
    return RNNForecaster(**params)


def tiny_global(**params):
    params = {"window": WINDOW, "horizon": 2, **params}
    return GlobalForecaster(params.pop("estimator", tiny()), **params)


@pytest.fixture
def collection():
    """Three daily series of different levels: a sine, an upward and a downward trend."""
    index = pd.date_range("2024-01-01", periods=N_TIME, freq="D", name="timestamp")
    t = np.arange(N_TIME)
    return {
        "sine": pd.Series(np.sin(2 * np.pi * t / 12), index=index, name="value"),
        "up": pd.Series(100.0 + 2.0 * t, index=index, name="value"),
        "down": pd.Series(5.0 - 0.05 * t + 0.1 * np.cos(t), index=index, name="value"),
    }


def to_long(collection, names=("series", "timestamp", "value")):
    """The long layout, rows shuffled (ids no longer in the dict's order)."""
    id_name, time_name, value_name = names
    frames = [s.rename(value_name).rename_axis(time_name).reset_index()
              .assign(**{id_name: n}) for n, s in collection.items()]
    long = pd.concat(frames, ignore_index=True)[[id_name, time_name, value_name]]
    return long.sample(frac=1.0, random_state=1)


def assert_same_model(a, b):
    weights_a, weights_b = a.estimator_.state_dict(), b.estimator_.state_dict()
    assert weights_a.keys() == weights_b.keys()
    for key in weights_a:
        np.testing.assert_array_equal(weights_a[key], weights_b[key], err_msg=key)
    np.testing.assert_array_equal(a.location_, b.location_)
    np.testing.assert_array_equal(a.scale_, b.scale_)
    assert a.ids_ == b.ids_


# ---------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("static", [None, "id"])
def test_a_dict_and_a_long_frame_give_the_same_model(collection, static):
    from_dict = tiny_global(static=static).fit(collection)
    reordered = {name: collection[name] for name in ["up", "down", "sine"]}
    from_reordered = tiny_global(static=static).fit(reordered)
    long = to_long(collection, ("unique_id", "ds", "y"))  # nixtla's names, found alone
    from_long = tiny_global(static=static).fit(long)
    assert_same_model(from_dict, from_long)
    assert_same_model(from_dict, from_reordered)
    assert from_dict.ids_ == ["down", "sine", "up"]
    expected = from_dict.forecast(collection, steps=3)
    from_long_table = from_long.forecast(long, steps=3)
    assert list(from_long_table.columns) == ["unique_id", "ds", "forecast"]
    np.testing.assert_array_equal(from_long_table["forecast"].to_numpy(),
                                  expected.sort_values("series", kind="stable")
                                  .set_index("series").loc[
                                      from_long_table["unique_id"].unique()]["forecast"])


def test_forecasts_use_the_callers_column_names(collection):
    long = to_long(collection, ("store", "day", "sales"))
    model = tiny_global().fit(long, id_column="store", time_column="day",
                              value_column="sales")
    table = model.forecast(long, id_column="store", time_column="day",
                           value_column="sales")
    assert list(table.columns) == ["store", "day", "forecast"]
    assert table["day"].tolist()[:2] == list(pd.date_range("2024-02-18", periods=2))


def test_forecast_many_takes_a_global_model(collection):
    model = tiny_global(estimator=tiny(early_stopping=True)).fit(collection)
    pd.testing.assert_frame_equal(forecast_many(model, collection, interval=0.8),
                                  model.forecast(collection, interval=0.8))


def test_the_table_has_one_row_per_series_and_step(collection):
    model = tiny_global().fit(collection)
    table = model.forecast({"up": collection["up"], "sine": collection["sine"]}, steps=5)
    assert table["series"].tolist() == ["up"] * 5 + ["sine"] * 5
    future = list(pd.date_range("2024-02-18", periods=5, freq="D"))
    assert table["timestamp"].tolist() == future * 2


def test_the_inputs_are_not_modified(collection):
    attributes = pd.DataFrame({"size": [1, 2, 3]}, index=["sine", "up", "down"])
    copies = {name: s.copy() for name, s in collection.items()}
    attributes_copy = attributes.copy()
    long = to_long(collection)
    long_copy = long.copy()
    model = tiny_global(static=["id", attributes]).fit(collection)
    model.forecast(collection, steps=3)
    tiny_global().fit(long).forecast(long)
    for name in collection:
        pd.testing.assert_series_equal(collection[name], copies[name])
    pd.testing.assert_frame_equal(attributes, attributes_copy)
    pd.testing.assert_frame_equal(long, long_copy)


def test_target_selects_the_column_of_dataframes(collection):
    frames = {name: pd.DataFrame({"noise": np.arange(N_TIME) % 3, "value": s})
              for name, s in collection.items()}
    from_frames = tiny_global().fit(frames, target="value")
    assert_same_model(from_frames, tiny_global().fit(collection))
    with pytest.raises(ValueError, match=r"one value column per series.*\['noise', "
                                         r"'value'\].*pass target=<column>"):
        tiny_global().fit(frames)
    long = to_long(collection).assign(price=1.0)
    with pytest.raises(ValueError, match=r"global model reads no other exogenous columns.*"
                                         r"\['value', 'price'\]"):
        tiny_global().fit(long)


# ---------------------------------------------------------------------------
# Scaling
# ---------------------------------------------------------------------------


def test_per_series_scaling_maps_a_rescaled_copy_to_a_rescaled_forecast(collection):
    sine = collection["sine"]
    twins = {"a": sine, "b": 1000.0 * sine + 5e6}  # the same series in other units
    model = tiny_global(estimator=tiny(dtype="float64", early_stopping=True)).fit(twins)
    np.testing.assert_allclose(model.scale_[1] / model.scale_[0], 1000.0, rtol=1e-12)
    table = model.forecast(twins, interval=0.8).set_index("series")
    a, b = table.loc["a"], table.loc["b"]
    np.testing.assert_allclose(b["forecast"], 1000.0 * a["forecast"] + 5e6, rtol=1e-9)
    np.testing.assert_allclose(b["upper"] - b["forecast"],
                               1000.0 * (a["upper"] - a["forecast"]), rtol=1e-6)


@pytest.mark.parametrize("scaling", ["standard", "mean_abs", None])
def test_flat_huge_and_tiny_series_give_finite_forecasts(scaling):
    index = pd.RangeIndex(40)
    t = np.arange(40.0)
    series = {"flat": pd.Series(np.full(40, 3.0), index=index),
              "huge": pd.Series(1e9 + 1e3 * np.sin(t), index=index),
              "tiny": pd.Series(1e-9 * np.sin(t), index=index),
              "zero": pd.Series(np.zeros(40), index=index)}
    model = tiny_global(scaling=scaling).fit(series)
    table = model.forecast(series, steps=3)
    assert np.isfinite(table["forecast"]).all()
    assert table["timestamp"].tolist()[:3] == [40, 41, 42]
    flat, zero = model.ids_.index("flat"), model.ids_.index("zero")
    assert model.scale_[zero] == 1.0
    assert model.scale_[flat] == {"standard": 1.0, "mean_abs": 3.0, None: 1.0}[scaling]
    if scaling == "standard":  # within a few standard deviations (707) of the series
        huge = table.loc[table["series"] == "huge", "forecast"]
        assert (np.abs(huge - 1e9) < 1e4).all()


# ---------------------------------------------------------------------------
# Static covariates
# ---------------------------------------------------------------------------


def test_one_hot_ids_change_the_forecasts(collection):
    plain = tiny_global().fit(collection).forecast(collection)
    with_ids = tiny_global(static="id").fit(collection)
    assert with_ids.static_names_ == ["id=down", "id=sine", "id=up"]
    assert with_ids.estimator_.n_step_features_in_ == 4
    assert not np.allclose(plain["forecast"], with_ids.forecast(collection)["forecast"])


def test_attributes_change_the_forecasts(collection):
    def forecasts(values):
        attributes = pd.DataFrame({"size": values}, index=["sine", "up", "down"])
        model = tiny_global(static=attributes).fit(collection)
        return model.forecast(collection)["forecast"]

    first, second = forecasts([1.0, 2.0, 3.0]), forecasts([3.0, 1.0, 2.0])
    assert not np.allclose(first, second)


def test_the_same_history_under_another_id_gets_another_forecast(collection):
    """Only the static row differs (no per-series scaling): the static features reach
    the network through the window offset."""
    model = tiny_global(static="id", scaling=None).fit(collection)
    history = collection["down"]
    as_down = model.forecast({"down": history})["forecast"].to_numpy()
    as_sine = model.forecast({"sine": history})["forecast"].to_numpy()
    assert np.abs(as_down - as_sine).max() > 1e-3
    attributes = pd.DataFrame({"size": [1.0, 2.0, 3.0, 0.0, 10.0]},
                              index=["sine", "up", "down", "x", "y"])
    model = tiny_global(static=attributes).fit(collection)
    as_x = model.forecast({"x": history})["forecast"].to_numpy()
    as_y = model.forecast({"y": history})["forecast"].to_numpy()
    assert np.abs(as_x - as_y).max() > 1e-3


def test_static_features_survive_the_window_offset(collection):
    """The estimator's offset would zero constant features: the global model removes the
    offset of the values itself and fits the estimator without one."""
    model = tiny_global(static="id").fit(collection)
    assert model.window_offset_ == "last"
    assert model.estimator_.get_params()["window_normalization"] is None
    assert tiny_global().fit(collection).window_offset_ is None  # no statics: unchanged
    Z = np.arange(6.0).reshape(2, 3)
    X, offsets = window_features(Z, np.array([[1.0, 0.0], [0.0, 7.0]]), "last")
    np.testing.assert_array_equal(offsets, [2.0, 5.0])
    np.testing.assert_array_equal(X[:, :, 0], [[-2, -1, 0], [-2, -1, 0]])
    np.testing.assert_array_equal(X[1, :, 1:], [[0, 7]] * 3)


@pytest.mark.parametrize("offset", ["last", "mean"])
def test_removing_the_offset_outside_the_estimator_is_the_same_arithmetic(offset):
    rng = np.random.default_rng(0)
    Z = np.cumsum(rng.normal(size=(60, 10)), axis=1)  # (n, T)
    y = Z[:, -1:] + rng.normal(size=(60, 2))
    inside = tiny(window_normalization=offset, dtype="float64").fit(Z[:, :, None], y)
    X, offsets = window_features(Z, np.zeros((60, 0)), offset)
    outside = tiny(window_normalization=None, dtype="float64").fit(
        X, y - offsets[:, None])
    np.testing.assert_allclose(outside.predict(X) + offsets[:, None],
                               inside.predict(Z[:, :, None]), rtol=1e-9, atol=1e-12)


def test_new_ids(collection):
    extra = {"new": collection["up"] * 2.0}
    plain = tiny_global().fit(collection)
    table = plain.forecast(extra)  # scaled by its own history
    assert table["series"].tolist() == ["new", "new"]
    with pytest.raises(ValueError, match=r"series id\(s\) \['new'\] not seen in fit.*"
                                         r"static='id'"):
        tiny_global(static="id").fit(collection).forecast(extra)
    attributes = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0]},
                              index=["sine", "up", "down", "new"])  # a lookup table
    model = tiny_global(static=attributes).fit(collection)
    assert len(model.forecast(extra)) == 2
    with pytest.raises(ValueError, match=r"no row for the series id\(s\) \['other'\]"):
        model.forecast({"other": collection["up"]})


@pytest.mark.parametrize("static, match", [
    ("ids", r"each item must be 'id' or a DataFrame"),
    (["id", "id"], r"give 'id' and the attributes once each"),
    ([], r"an empty list gives no covariate"),
    (pd.DataFrame({"kind": ["a", "b", "c"]}, index=["sine", "up", "down"]),
     r"numeric columns \(or bool\). Got non-numeric columns \['kind'\].*get_dummies"),
    (pd.DataFrame({"size": [1.0, 2.0, 3.0]}, index=["sine", "up", "up"]),
     r"one row per series id \(its index\). Got duplicated ids \['up'\]"),
    (pd.DataFrame({"size": [1.0, 2.0]}, index=["sine", "up"]),
     r"no row for the series id\(s\) \['down'\]"),
    (pd.DataFrame({"size": [1.0, np.nan, 3.0]}, index=["sine", "up", "down"]),
     r"'static'.*NaN"),
    (pd.DataFrame(index=["sine", "up", "down"]), r"at least one attribute column"),
])
def test_invalid_static_covariates_are_refused_before_training(collection, static, match):
    with pytest.raises(ValueError, match=match):
        tiny_global(static=static).fit(collection)


# ---------------------------------------------------------------------------
# Forecasts and intervals
# ---------------------------------------------------------------------------


def test_recursive_steps_continue_the_direct_ones(collection):
    model = tiny_global(static="id").fit(collection)
    short, long = model.forecast(collection, steps=2), model.forecast(collection, steps=7)
    np.testing.assert_array_equal(
        long.groupby("series", sort=False)["forecast"].apply(lambda s: s.iloc[:2].tolist())
        .sum(), short["forecast"].tolist())
    assert len(long) == 21


def test_a_horizon_one_naive_model_forecasts_the_last_value(collection):
    model = GlobalForecaster(NaiveForecaster(), window=3).fit(collection)
    table = model.forecast(collection, steps=4).set_index("series")
    for name, s in collection.items():
        np.testing.assert_allclose(table.loc[name, "forecast"], s.iloc[-1], rtol=1e-12)


def test_intervals_are_nested_and_scaled_per_series(collection):
    model = tiny_global(estimator=tiny(early_stopping=True)).fit(collection)
    table = model.forecast(collection, interval=[0.95, 0.8])
    assert list(table.columns) == ["series", "timestamp", "forecast", "lower_80",
                                   "upper_80", "lower_95", "upper_95"]
    assert (table["lower_95"] <= table["lower_80"]).all()
    assert (table["lower_80"] <= table["forecast"]).all()
    assert (table["upper_80"] <= table["upper_95"]).all()
    with pytest.raises(ValueError, match=r"intervals up to the trained horizon = 2 steps"):
        model.forecast(collection, steps=3, interval=0.8)


def test_intervals_need_residuals(collection):
    params = {"early_stopping": False}
    if "calibration" in RNNForecaster().get_params():  # no second fit for residuals
        params["calibration"] = False
    model = tiny_global(estimator=tiny(**params)).fit(collection)
    with pytest.raises(ValueError, match=r"no conformal_residuals_ attribute"):
        model.forecast(collection, interval=0.8)


def test_forecast_checks_the_histories(collection):
    model = tiny_global().fit(collection)
    with pytest.raises(ValueError, match=r"(?s)at least window = 8 rows.*'up': 5 rows"):
        model.forecast({"up": collection["up"].iloc[:5]})
    broken = collection["up"].copy()
    broken.iloc[-2] = np.nan
    with pytest.raises(ValueError, match=r"series\['up'\].*NaN"):
        model.forecast({"up": broken})
    with pytest.raises(NotFittedError):
        tiny_global().forecast(collection)


# ---------------------------------------------------------------------------
# Fit checks, the held-out windows, clone and persistence
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("params, match", [
    ({"window": 0}, r"'window' parameter of GlobalForecaster must be an int"),
    ({"horizon": 1.5}, r"'horizon' parameter of GlobalForecaster"),
    ({"scaling": "minmax"}, r"'scaling' parameter of GlobalForecaster must be 'standard'"),
    ({"window": 47}, r"at least window \+ horizon = 47 \+ 2 = 49 rows"),
    ({"estimator": tiny(target_feature=1)}, r"'target_feature' parameter"),
])
def test_invalid_parameters_are_refused(collection, params, match):
    with pytest.raises(ValueError, match=match):
        tiny_global(**params).fit(collection)


def test_nan_in_a_training_series_is_refused(collection):
    collection["down"] = collection["down"].copy()
    collection["down"].iloc[3] = np.nan
    with pytest.raises(ValueError, match=r"series\['down'\].*NaN"):
        tiny_global().fit(collection)


@pytest.mark.parametrize("counts", [[40, 40, 40], [5, 60, 23], [30], [3, 3, 100, 7]])
@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.35])
@pytest.mark.parametrize("gap", [0, 1, 5])
def test_the_pooled_layout_holds_out_the_last_windows_of_every_series(counts, fraction,
                                                                      gap):
    order, n_val = pooled_layout(counts, fraction, gap)
    assert n_val == max(1, int(round(len(order) * fraction)))  # the estimator's rule
    assert len(set(order)) == len(order)
    train, valid = order[:len(order) - n_val - gap], order[len(order) - n_val:]
    for s in range(len(counts)):
        held = sorted(d for series, d in valid if series == s)
        assert held == list(range(len(held)))  # the most recent windows of series s
        trained = [d for series, d in train if series == s]
        if held:  # no training target inside a validation window's targets
            assert min(trained, default=np.inf) >= len(held) + gap


def test_the_pooled_layout_by_eye():
    order, n_val = pooled_layout([4, 6], 0.2, gap=1)
    assert n_val == 2
    assert order == [(1, 5), (1, 4), (0, 3), (1, 3), (0, 2), (1, 2),  # train, oldest first
                     (0, 1),                                          # the estimator's gap
                     (0, 0), (1, 0)]                                  # validation
    assert pooled_layout([3, 2])[0] == [(0, 2), (0, 1), (1, 1), (0, 0), (1, 0)]


def test_the_estimator_holds_out_the_planned_windows(collection):
    model = tiny_global(estimator=tiny(early_stopping=True, validation_fraction=0.3),
                        horizon=4).fit(collection)
    assert model.n_validation_ == len(model.estimator_.conformal_residuals_) > 0
    assert model.n_windows_ < 3 * (N_TIME - WINDOW - 4 + 1)  # purged windows left out


def test_the_refit_calibration_holds_out_the_planned_windows(collection):
    """Without early stopping, RNNForecaster(calibration=True) trains a second network
    on the windows before its last ones: the same held-out windows as planned."""
    estimator = tiny(early_stopping=False, calibration=True, validation_fraction=0.25)
    model = tiny_global(estimator=estimator, horizon=3).fit(collection)
    assert model.estimator_.calibration_ == "refit"
    assert model.n_validation_ == len(model.estimator_.conformal_residuals_) > 0
    assert len(model.forecast(collection, interval=0.8)) == 9


def test_clone_and_get_params(collection):
    attributes = pd.DataFrame({"size": [1.0, 2.0, 3.0]}, index=["sine", "up", "down"])
    model = tiny_global(static=["id", attributes], scaling="mean_abs")
    copy = clone(model)
    assert copy.get_params()["window"] == WINDOW
    assert copy.get_params()["scaling"] == "mean_abs"
    assert_same_model(model.fit(collection), copy.fit(collection))
    assert not hasattr(model.estimator, "n_iter_")  # the template stays unfitted


def test_default_estimator(collection):
    model = GlobalForecaster(window=WINDOW, horizon=2)
    assert model.get_params()["estimator"] is None
    # the default network, trained for a few epochs only to keep the test fast
    model.set_params(estimator=clone(model._checked_params()[-1]).set_params(max_iter=2))
    assert model.fit(collection).estimator_.get_params()["random_state"] == 0


def test_save_and_load_give_the_same_forecasts(collection, tmp_path):
    attributes = pd.DataFrame({"size": [1.0, 2.0, 3.0]}, index=["sine", "up", "down"])
    model = tiny_global(estimator=tiny(early_stopping=True),
                        static=["id", attributes]).fit(collection)
    path = save(model, tmp_path / "global.npz")
    loaded = load(path)
    assert isinstance(loaded, GlobalForecaster)
    pd.testing.assert_frame_equal(loaded.forecast(collection, steps=4),
                                  model.forecast(collection, steps=4))
    pd.testing.assert_frame_equal(loaded.forecast(collection, interval=0.8),
                                  model.forecast(collection, interval=0.8))


def test_series_of_unequal_lengths_and_period_indexes():
    rng = np.random.default_rng(0)
    series = {name: pd.Series(np.cumsum(rng.normal(size=n)),
                              index=pd.period_range("2001-01", periods=n, freq="M"))
              for name, n in [("short", 16), ("mid", 45), ("long", 120)]}
    model = tiny_global(estimator=tiny(early_stopping=True), horizon=3).fit(series)
    assert model.n_validation_ == len(model.estimator_.conformal_residuals_)
    table = model.forecast(series, interval=0.8)
    last = {name: s.index[-1] for name, s in series.items()}
    for name, group in table.groupby("series", sort=False):
        assert group["timestamp"].tolist() == [last[name] + k for k in (1, 2, 3)]


def test_integer_ids_of_a_long_frame_round_trip(tmp_path):
    t = np.arange(40.0)
    long = pd.DataFrame({"unique_id": np.repeat([3, 1, 2], 40),
                         "ds": np.tile(np.arange(40), 3),
                         "y": np.concatenate([np.sin(t), t, -t])})
    attributes = pd.DataFrame({"a": [1.0, 2.0, 3.0], "flag": [True, False, True]},
                              index=[1, 2, 3])
    model = tiny_global(static=["id", attributes]).fit(long)
    assert model.ids_ == [1, 2, 3]
    assert model.static_names_ == ["id=1", "id=2", "id=3", "a", "flag"]
    loaded = load(save(model, tmp_path / "ints.npz"))
    table = loaded.forecast(long)
    pd.testing.assert_frame_equal(table, model.forecast(long))
    assert table["unique_id"].tolist() == [3, 3, 1, 1, 2, 2]
    assert table["ds"].tolist()[:2] == [40, 41]


class _HoldsOutOne(NaiveForecaster):
    """A forecaster that says it holds out its last windows but keeps one residual."""

    def __init__(self, early_stopping=True, validation_fraction=0.2):
        super().__init__()
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction

    def fit(self, X, y):
        super().fit(X, y)
        self.conformal_residuals_ = np.zeros((1, self.n_outputs_))
        return self


def test_a_held_out_part_other_than_planned_is_refused(collection):
    with pytest.raises(ValueError, match=r"held out 1 validation window\(s\) where the "
                                         r"time-ordered layout of the series planned 23"):
        tiny_global(estimator=_HoldsOutOne()).fit(collection)


@pytest.mark.parametrize("series, match", [
    ([1.0, 2.0], r"must be a dict \{name: Series or DataFrame\} or a long DataFrame"),
    ({}, r"must hold at least one series. Got none"),
    ({"a": pd.Series(np.arange(20.0), index=np.r_[0:10, 0:10])},
     r"one row per time step.*'a' has repeated time steps"),
    ({"a": pd.Series(np.arange(20.0), index=np.arange(20)[::-1])},
     r"'a' has unsorted time steps"),
])
def test_invalid_collections_are_refused(series, match):
    with pytest.raises(ValueError, match=match):
        tiny_global().fit(series)


def test_an_output_column_name_that_is_taken_is_refused(collection):
    model = tiny_global().fit(collection)
    with pytest.raises(ValueError, match=r"'id_column' parameter of forecast_many names a "
                                         r"column of the table of forecasts"):
        forecast_many(model, collection, id_column="forecast")
    long = to_long(collection, ("series", "forecast", "value"))
    with pytest.raises(ValueError, match=r"'time_column' parameter of GlobalForecaster names "
                                         r"a column.*Rename that column"):
        model.forecast(long, time_column="forecast")
