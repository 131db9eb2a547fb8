"""fit_many / forecast_many: one model per series, dict and long layouts, in parallel."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.forecasting import NaiveForecaster, fit_many, forecast_many

WINDOW = 8
N_TIME = 48


@pytest.fixture(autouse=True)
def _quiet_convergence():
    """The tiny models stop after a few epochs on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def tiny_forecaster(**params):
    return RNNForecaster(cell="gru", hidden_size=4, max_iter=3, batch_size=16,
                         random_state=0, **params)


@pytest.fixture
def collection():
    """Three daily series: a sine, an upward trend and a downward trend."""
    index = pd.date_range("2024-01-01", periods=N_TIME, freq="D", name="timestamp")
    t = np.arange(N_TIME)
    return {
        "sine": pd.Series(np.sin(2 * np.pi * t / 12), index=index, name="value"),
        "up": pd.Series(1.0 + 0.2 * t, index=index, name="value"),
        "down": pd.Series(5.0 - 0.05 * t, index=index, name="value"),
    }


def to_long(collection):
    """The long layout of a dict of Series, rows shuffled to check the sorting."""
    frames = [s.rename("value").rename_axis("timestamp").reset_index().assign(series=name)
              for name, s in collection.items()]
    long = pd.concat(frames, ignore_index=True)[["series", "timestamp", "value"]]
    return long.sample(frac=1.0, random_state=0)


def assert_same_weights(models_a, models_b):
    assert list(models_a) == list(models_b)
    for name in models_a:
        weights_a, weights_b = models_a[name].state_dict(), models_b[name].state_dict()
        assert weights_a.keys() == weights_b.keys()
        for key in weights_a:
            np.testing.assert_array_equal(weights_a[key], weights_b[key], err_msg=key)


def test_fit_many_fits_one_clone_per_series(collection):
    estimator = tiny_forecaster()
    models = fit_many(estimator, collection, window=WINDOW, n_jobs=1)
    assert list(models) == ["sine", "up", "down"]
    assert len({id(model) for model in models.values()} | {id(estimator)}) == 4
    assert not hasattr(estimator, "n_iter_")  # the template stays unfitted
    assert all(model.n_timesteps_in_ == WINDOW for model in models.values())


def test_dict_and_long_layouts_give_the_same_models(collection):
    from_dict = fit_many(tiny_forecaster(), collection, window=WINDOW, n_jobs=1)
    long = to_long(collection)
    from_long = fit_many(tiny_forecaster(), long, window=WINDOW, n_jobs=1)
    assert_same_weights(from_dict, from_long)
    pd.testing.assert_frame_equal(
        forecast_many(from_dict, collection, steps=3),
        forecast_many(from_long, long, steps=3),
    )


def test_n_jobs_does_not_change_weights_or_forecasts(collection):
    serial = fit_many(tiny_forecaster(), collection, window=WINDOW, n_jobs=1)
    parallel = fit_many(tiny_forecaster(), collection, window=WINDOW, n_jobs=2)
    assert_same_weights(serial, parallel)
    pd.testing.assert_frame_equal(
        forecast_many(serial, collection, steps=2), forecast_many(parallel, collection, steps=2)
    )


def test_threading_backend_by_name_gives_the_same_weights(collection):
    serial = fit_many(tiny_forecaster(), collection, window=WINDOW, n_jobs=1)
    threaded = fit_many(tiny_forecaster(), collection, window=WINDOW, n_jobs=2,
                        backend="threading")
    assert_same_weights(serial, threaded)


def test_forecast_many_long_table(collection):
    models = fit_many(tiny_forecaster(), collection, window=WINDOW, horizon=2)
    table = forecast_many(models, collection)  # steps: the trained horizon
    assert list(table.columns) == ["series", "timestamp", "forecast"]
    assert table["series"].tolist() == ["sine", "sine", "up", "up", "down", "down"]
    future = pd.date_range("2024-02-18", periods=2, freq="D")
    assert table["timestamp"].tolist() == list(future) * 3
    expected = models["up"].forecast(collection["up"]).to_numpy()
    np.testing.assert_array_equal(table.loc[table["series"] == "up", "forecast"], expected)


def test_forecast_many_subset_and_intervals(collection):
    estimator = tiny_forecaster(early_stopping=True, validation_fraction=0.25)
    models = fit_many(estimator, collection, window=WINDOW, horizon=2)
    table = forecast_many(models, {"up": collection["up"]}, steps=2, interval=0.8)
    assert list(table.columns) == ["series", "timestamp", "forecast", "lower", "upper"]
    assert (table["series"] == "up").all()
    assert (table["lower"] <= table["forecast"]).all()
    assert (table["forecast"] <= table["upper"]).all()


def test_forecast_many_refuses_an_interval_the_residuals_cannot_bound(collection):
    models = fit_many(tiny_forecaster(early_stopping=True), collection, window=WINDOW)
    n_calibration = len(models["up"].conformal_residuals_)  # 10 % of 40 windows
    with pytest.raises(ValueError, match=r"The 'interval' parameter of forecast asks for "
                                         r"coverage 0\.9, which needs at least .* = 9 "
                                         rf"calibration residuals .*Got {n_calibration} "):
        forecast_many(models, collection, interval=0.9)


def test_exogenous_columns_and_target_first(collection):
    index = collection["sine"].index
    frame = pd.DataFrame({"temperature": np.cos(np.arange(N_TIME)),
                          "value": collection["sine"].to_numpy()}, index=index)
    models = fit_many(tiny_forecaster(), {"a": frame}, window=WINDOW, target="value")
    swapped = fit_many(tiny_forecaster(), {"a": frame[["value", "temperature"]]},
                       window=WINDOW)
    assert_same_weights(models, swapped)
    assert models["a"].n_step_features_in_ == 2
    table = forecast_many(models, {"a": frame}, target="value")
    assert table.shape == (1, 3)


def weather(collection):
    """One series whose target, "value", is the second column."""
    return pd.DataFrame({"temperature": 20 + 5 * np.cos(np.arange(N_TIME)),
                         "value": collection["sine"].to_numpy()},
                        index=collection["sine"].index)


def test_fit_many_points_target_feature_at_the_moved_target(collection):
    frame = weather(collection)
    # target_feature=1 names "value" in the frame's own order; fit_many moves it first
    models = fit_many(NaiveForecaster(target_feature=1), {"a": frame}, window=WINDOW,
                      target="value")
    assert models["a"].target_feature == 0
    table = forecast_many(models, {"a": frame}, target="value")
    assert table["forecast"].tolist() == [frame["value"].iloc[-1]]


@pytest.mark.parametrize("target", [None, "temperature"])
def test_fit_many_refuses_a_target_feature_that_names_another_column(collection, target):
    with pytest.raises(ValueError, match=re.escape(
        "The 'target_feature' parameter of the NaiveForecaster is 1, but fit_many "
        "forecasts column 0"
    )):
        fit_many(NaiveForecaster(target_feature=1), {"a": weather(collection)},
                 window=WINDOW, target=target)


def test_forecast_many_refuses_a_model_of_another_target_feature(collection):
    frame = weather(collection)
    # fitted by hand on the frame's own order: the target is feature 1 of its windows
    X, y = make_windows(frame, WINDOW, target="value")
    models = {"a": NaiveForecaster(target_feature=1).fit(X, y)}
    with pytest.raises(ValueError, match=re.escape(
        "The 'models' parameter of forecast_many holds a model for series 'a' whose "
        "target_feature is 1, but forecast_many puts the target column first"
    )):
        forecast_many(models, {"a": frame}, target="value")
    table = forecast_many(models, {"a": frame})  # the columns as fitted: no move
    assert table["forecast"].tolist() == [frame["value"].iloc[-1]]


def test_series_too_short_names_the_series_and_numbers(collection):
    collection["short"] = collection["sine"].iloc[:5]
    message = r"at least window \+ horizon = 8 \+ 2 = 10 rows.*\n    'short': 5 rows"
    with pytest.raises(ValueError, match=message):
        fit_many(tiny_forecaster(), collection, window=WINDOW, horizon=2)


def test_unknown_series_id(collection):
    models = fit_many(tiny_forecaster(), {"sine": collection["sine"]}, window=WINDOW)
    with pytest.raises(ValueError, match=r"'series' parameter of forecast_many holds unknown "
                                         r"series id\(s\) \['up', 'down'\]"):
        forecast_many(models, collection)


@pytest.mark.parametrize(
    "series, kwargs, message",
    [
        ([1.0, 2.0], {}, r"'series' parameter of fit_many must be a dict .* Got list"),
        ({}, {}, r"'series' parameter of fit_many must hold at least one series"),
        (pd.DataFrame({"id": ["a"], "timestamp": [0], "value": [1.0]}), {},
         r"'id_column' parameter of fit_many must name a column .* Got 'series'"),
        (pd.DataFrame({"series": ["a"], "time": [0], "value": [1.0]}), {},
         r"'time_column' parameter of fit_many .* Got 'timestamp'"),
        ({"a": np.arange(20.0)}, {"window": 0},
         r"'window' parameter of fit_many must be an int in the range \[1, inf\)"),
        ({"a": pd.DataFrame({"x": np.arange(20.0)})}, {"target": "y"},
         r"'target' parameter of fit_many must be a column of every series; series 'a' "
         r"has columns \['x'\]. Got 'y'"),
        ({"a": np.arange(20.0)}, {"target": 1},
         r"'target' parameter of fit_many .* series 'a' has columns \[0\]. Got 1"),
        ({"a": np.arange(20.0)}, {"backend": 2},
         r"'backend' parameter of fit_many must be the name of a joblib backend"),
    ],
)
def test_fit_many_argument_errors(series, kwargs, message):
    kwargs = {"window": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        fit_many(tiny_forecaster(), series, **kwargs)


def test_forecast_many_needs_a_dict_of_models(collection):
    with pytest.raises(ValueError, match=r"'models' parameter of forecast_many must be the "
                                         r"dict \{name: fitted estimator\}"):
        forecast_many([tiny_forecaster()], collection)


def test_rows_without_a_series_id_are_refused(collection):
    long = to_long(collection).reset_index(drop=True)
    long.loc[[3, 7, 8], "series"] = np.nan
    message = re.escape(
        "The 'series' parameter of fit_many must give every row a series id. Got 3 row(s) "
        "whose id_column 'series' is missing (NaN or None), at index [3, 7, 8]; they would "
        "be dropped silently."
    )
    with pytest.raises(ValueError, match=message):
        fit_many(tiny_forecaster(), long, window=WINDOW)
    models = fit_many(tiny_forecaster(), to_long(collection), window=WINDOW)
    with pytest.raises(ValueError, match=message.replace("fit_many", "forecast_many")):
        forecast_many(models, long)


def test_unsorted_duplicate_timestamps_are_refused(collection):
    long = to_long(collection)
    long = pd.concat([long, long.iloc[:1]])
    with pytest.raises(ValueError, match="without duplicates"):
        fit_many(tiny_forecaster(), long, window=WINDOW)


# ---------------------------------------------------------------------------
# long layout under the caller's column names (nixtla's unique_id, ds, y)
# ---------------------------------------------------------------------------


def nixtla_long(collection):
    """The long layout under nixtla's names, columns in another order, rows shuffled."""
    long = to_long(collection).rename(columns={"series": "unique_id", "timestamp": "ds",
                                               "value": "y"})
    return long[["ds", "y", "unique_id"]]


def test_nixtla_names_are_found_and_answered_with(collection):
    long = nixtla_long(collection)
    models = fit_many(tiny_forecaster(), long, window=WINDOW, horizon=2, n_jobs=1)
    from_dict = fit_many(tiny_forecaster(), collection, window=WINDOW, horizon=2, n_jobs=1)
    assert_same_weights(models, from_dict)
    table = forecast_many(models, long)
    assert list(table.columns) == ["unique_id", "ds", "forecast"]
    expected = forecast_many(from_dict, collection).rename(
        columns={"series": "unique_id", "timestamp": "ds"})
    pd.testing.assert_frame_equal(table, expected)


def test_the_default_names_still_answer_series_timestamp(collection):
    long = to_long(collection)
    models = fit_many(tiny_forecaster(), long, window=WINDOW, n_jobs=1)
    table = forecast_many(models, long, interval=None)
    assert list(table.columns) == ["series", "timestamp", "forecast"]


def test_the_callers_names_are_answered_with(collection):
    long = to_long(collection).rename(columns={"series": "store", "timestamp": "date",
                                               "value": "sales"})
    layout = {"id_column": "store", "time_column": "date", "value_column": "sales"}
    estimator = tiny_forecaster(early_stopping=True, validation_fraction=0.25)
    models = fit_many(estimator, long, window=WINDOW, horizon=2, n_jobs=1, **layout)
    table = forecast_many(models, long, interval=[0.8, 0.5], **layout)
    assert list(table.columns) == ["store", "date", "forecast", "lower_50", "upper_50",
                                   "lower_80", "upper_80"]
    assert sorted(table["store"].unique()) == ["down", "sine", "up"]
    assert (table["lower_80"] <= table["lower_50"]).all()
    assert (table["upper_50"] <= table["upper_80"]).all()


def test_a_dict_answers_with_the_names_given(collection):
    models = fit_many(tiny_forecaster(), collection, window=WINDOW, n_jobs=1)
    table = forecast_many(models, collection, id_column="unique_id", time_column="ds")
    assert list(table.columns) == ["unique_id", "ds", "forecast"]


def test_a_value_column_beside_nixtla_names_stays_a_feature(collection):
    long = nixtla_long(collection).assign(value=1.0)  # an exogenous column named "value"
    models = fit_many(tiny_forecaster(), long, window=WINDOW, n_jobs=1)
    assert all(model.n_step_features_in_ == 2 for model in models.values())
    table = forecast_many(models, long)
    assert list(table.columns) == ["unique_id", "ds", "forecast"]
    # the target is y: the same forecasts as the dict of the y series with that feature
    frames = {name: pd.DataFrame({"y": s.to_numpy(), "value": 1.0}, index=s.index)
              for name, s in collection.items()}
    from_dict = fit_many(tiny_forecaster(), frames, window=WINDOW, n_jobs=1)
    np.testing.assert_array_equal(table["forecast"],
                                  forecast_many(from_dict, frames)["forecast"])


def test_the_callers_frame_is_not_changed(collection):
    long = nixtla_long(collection)
    before = long.copy()
    models = fit_many(tiny_forecaster(), long, window=WINDOW, n_jobs=1)
    forecast_many(models, long)
    pd.testing.assert_frame_equal(long, before)


@pytest.mark.parametrize("columns, kwargs, message", [
    ({"series": "forecast"}, {"id_column": "forecast"},
     "The 'id_column' parameter of forecast_many names a column of the table of forecasts, "
     "beside the columns ['forecast', 'lower', 'upper']. Got 'forecast', which is already "
     "one of them. Rename that column of the long 'series' DataFrame and pass its new name."),
    ({"timestamp": "upper"}, {"time_column": "upper"},
     "The 'time_column' parameter of forecast_many names a column of the table of "
     "forecasts, beside the columns ['series', 'forecast', 'lower', 'upper']. Got 'upper'"),
])
def test_names_that_clash_with_the_forecast_columns_are_refused(collection, columns, kwargs,
                                                                message):
    models = fit_many(tiny_forecaster(early_stopping=True), collection, window=WINDOW)
    long = to_long(collection).rename(columns=columns)
    with pytest.raises(ValueError, match=re.escape(message)):
        forecast_many(models, long, interval=0.5, **kwargs)


def test_half_of_each_naming_is_refused_with_a_hint(collection):
    long = to_long(collection).rename(columns={"timestamp": "ds", "value": "y"})
    with pytest.raises(ValueError, match=re.escape(
        "The 'time_column' parameter of fit_many must name a column of the long 'series' "
        "DataFrame, one of ['series', 'ds', 'y']. Got 'timestamp' instead. Pass "
        "time_column=<column name>, or name the column 'timestamp' (or 'ds' together with "
        "nixtla's other column names).")):
        fit_many(tiny_forecaster(), long, window=WINDOW)


def test_one_column_for_two_roles_is_refused(collection):
    long = nixtla_long(collection)
    with pytest.raises(ValueError, match=re.escape(
        "The id_column, time_column and value_column parameters of fit_many must name three "
        "different columns of the long 'series' DataFrame. Got id_column='ds', "
        "time_column='ds', value_column='y'.")):
        fit_many(tiny_forecaster(), long, window=WINDOW, id_column="ds")


def test_forecast_many_checks_the_levels_before_forecasting(collection):
    models = fit_many(tiny_forecaster(early_stopping=True), collection, window=WINDOW)
    with pytest.raises(ValueError, match=re.escape(
        "The 'interval' parameter of forecast_many must be a coverage in (0, 1) or a list "
        "of distinct coverages in (0, 1), one prediction interval each; level(s) 80 % "
        "repeated; give each level once. Got [0.8, 0.8] instead.")):
        forecast_many(models, collection, interval=[0.8, 0.8])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_fits_warn_once_through_the_callers_filters(collection, n_jobs):
    """Worker processes' warnings come back to the caller: one ConvergenceWarning for all
    the fits, not one per series on a worker's stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_many(tiny_forecaster(early_stopping=False), collection, window=8, n_jobs=n_jobs)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
    assert str(convergence[0].message).startswith(
        "3 of the 3 fits of the fit_many stopped before converging")
    assert convergence[0].filename == __file__  # reported at the caller's line


def test_a_long_frame_with_two_rows_at_one_integer_step_is_refused(collection):
    long = to_long(collection)
    long["timestamp"] = long.groupby("series").cumcount()
    repeated = long[long["series"] == "up"].iloc[[0]].assign(value=-1.0)
    long = pd.concat([long, repeated], ignore_index=True)
    message = re.escape("Series 'up' has several rows at")
    with pytest.raises(ValueError, match=message + r"(.|\n)*drop_duplicates"):
        fit_many(tiny_forecaster(), long, window=WINDOW, n_jobs=1)
    models = fit_many(tiny_forecaster(), collection, window=WINDOW, n_jobs=1)
    with pytest.raises(ValueError, match=message):
        forecast_many(models, long)


# ---------------------------------------------------------------------------
# columns known in advance: fit_many(..., known=...), forecast_many(..., future=...)
# ---------------------------------------------------------------------------

def _with_promo(collection):
    """Each series with a 'promo' column known in advance that moves the value."""
    out = {}
    for k, (name, s) in enumerate(collection.items()):
        promo = ((np.arange(len(s)) + k) % 5 == 0).astype(float)
        out[name] = pd.DataFrame({"value": s.to_numpy() + 2 * promo, "promo": promo},
                                 index=s.index)
    return out


def test_known_columns_through_fit_many_and_forecast_many(collection):
    frames = _with_promo(collection)
    histories = {name: f.iloc[:-2] for name, f in frames.items()}
    futures = {name: f.iloc[-2:][["promo"]] for name, f in frames.items()}
    models = fit_many(tiny_forecaster(), histories, window=WINDOW, horizon=2,
                      known=["promo"], n_jobs=1)
    assert all(m.known_features_ == (1,) for m in models.values())
    table = forecast_many(models, histories, future=futures)
    for name, model in models.items():
        X, y = make_windows(histories[name], WINDOW, 2, known=["promo"])
        alone = tiny_forecaster().fit(X, y)
        expected = alone.forecast(histories[name], future=futures[name])
        np.testing.assert_array_equal(table.loc[table["series"] == name, "forecast"],
                                      expected.to_numpy())
    long_future = pd.concat([f.rename_axis("timestamp").reset_index().assign(series=name)
                             for name, f in futures.items()])
    pd.testing.assert_frame_equal(forecast_many(models, histories, future=long_future), table)
    with pytest.raises(ValueError, match=r"The 'future' parameter of forecast is needed: "
                       r"the model was trained with the columns \['promo'\]"):
        forecast_many(models, histories)


def test_known_columns_are_checked_before_fitting(collection):
    frames = _with_promo(collection)
    frames["up"] = frames["up"][["value"]]  # this one has no promo column
    with pytest.raises(ValueError, match=r"Series 'up': (.|\n)*known"):
        fit_many(tiny_forecaster(), frames, window=WINDOW, known=["promo"], n_jobs=1)


def test_future_of_an_unknown_series_or_without_ids_is_refused(collection):
    frames = _with_promo(collection)
    models = fit_many(tiny_forecaster(), frames, window=WINDOW, known=["promo"], n_jobs=1)
    stray = {"nope": frames["sine"][["promo"]]}
    with pytest.raises(ValueError, match=r"holds series that 'series' does not: \['nope'\]"):
        forecast_many(models, frames, future=stray)
    no_ids = frames["sine"][["promo"]].reset_index()
    with pytest.raises(ValueError, match=r"without \['series'\]"):
        forecast_many(models, frames, future=no_ids)


def test_future_for_a_global_model_without_known_columns_is_refused(collection):
    from rnnforecast.forecasting import GlobalForecaster

    model = GlobalForecaster(tiny_forecaster(), window=WINDOW).fit(collection)
    with pytest.raises(ValueError, match=r"forecast_many is for a GlobalForecaster fitted "
                       r"with known=\[...\]; this one reads no columns known in advance"):
        forecast_many(model, collection, future={"sine": collection["sine"].to_frame()})
