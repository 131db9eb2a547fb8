"""save/load without pickle: round trips bit for bit, in a fresh process too, and bad
files refused with one clear error."""

import datetime
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _estimator_helpers import FAST, labelled_windows, windowed_series
from rnnforecast import RNNClassifier, RNNForecaster, load, make_windows, save
from rnnforecast.forecasting import fit_many

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

REPO = Path(__file__).resolve().parents[1]


def assert_same_state(a, b):
    np.testing.assert_equal(a.state_dict(), b.state_dict())


FORECASTERS = [
    dict(cell=cell, num_layers=layers) for cell in ("rnn", "jordan", "lstm", "gru")
    for layers in (1, 2)
] + [dict(window_normalization=norm) for norm in ("mean", None)] + [
    dict(return_sequences=True)]


@pytest.mark.parametrize("params", FORECASTERS, ids=str)
def test_forecaster_round_trip_is_bit_identical(tmp_path, params):
    X, y = windowed_series()
    if params.get("return_sequences"):
        X, y = make_windows(X[:, 0, 0], 8, 1, return_sequences=True)
    model = RNNForecaster(**FAST, early_stopping=True, **params).fit(X, y)
    loaded = load(save(model, tmp_path / "model.npz"))
    assert type(loaded) is RNNForecaster and loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    assert_same_state(loaded, model)


def test_forecast_with_intervals_survives_a_round_trip(tmp_path):
    series = pd.Series(np.sin(np.arange(150) / 4) + 10,
                       index=pd.date_range("2024-01-01", periods=150, freq="D"))
    model = RNNForecaster(**FAST, early_stopping=True).fit(*make_windows(series, 12, 3))
    loaded = load(save(model, tmp_path / "model.npz"))
    pd.testing.assert_frame_equal(loaded.forecast(series, interval=0.8),
                                  model.forecast(series, interval=0.8))


def test_classifier_with_string_labels_round_trip(tmp_path):
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, cell="gru").fit(X, y)
    loaded = load(save(model, tmp_path / "model.npz"))
    assert loaded.classes_.tolist() == ["down", "up"]
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_loaded_model_continues_training_like_the_saved_one(tmp_path):
    X, y = windowed_series()
    model = RNNForecaster(**FAST).fit(X, y)
    loaded = load(save(model, tmp_path / "model.npz"))
    assert_same_state(loaded.partial_fit(X, y), model.partial_fit(X, y))


def test_feature_names_and_many_series_round_trip(tmp_path):
    X, y = windowed_series()
    named = RNNForecaster(**FAST).fit(pd.DataFrame(X[:, :, 0]).add_prefix("lag"), y)
    assert load(save(named, tmp_path / "named.npz")).feature_names_in_.tolist() == \
        named.feature_names_in_.tolist()
    index = pd.date_range("2024-01-01", periods=60, freq="D")
    series = {"a": pd.Series(np.sin(np.arange(60) / 3), index=index),
              "b": pd.Series(np.cos(np.arange(60) / 5), index=index)}
    models = fit_many(RNNForecaster(**FAST), series, window=8)
    loaded = load(save(models, tmp_path / "many.npz"))
    assert list(loaded) == ["a", "b"]
    np.testing.assert_array_equal(loaded["b"].predict(X), models["b"].predict(X))


def test_loading_in_a_fresh_process_predicts_the_same(tmp_path):
    X, y = windowed_series()
    model = RNNForecaster(**FAST, cell="lstm", num_layers=2).fit(X, y)
    save(model, tmp_path / "model.npz")
    np.save(tmp_path / "X.npy", X)
    script = ("import sys, numpy as np; from rnnforecast import load; "
              f"m = load({str(tmp_path / 'model.npz')!r}); "
              f"np.save({str(tmp_path / 'pred.npy')!r}, m.predict(np.load({str(tmp_path / 'X.npy')!r})))")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)
    np.testing.assert_array_equal(np.load(tmp_path / "pred.npy"), model.predict(X))


def test_save_replaces_a_file_only_when_complete(tmp_path):
    target = tmp_path / "model.npz"
    target.write_text("old")
    with pytest.raises(ValueError, match="cannot be saved without pickle"):
        save({"model": object()}, target)
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


# ----------------------------------------------------------------------- bad files
@pytest.fixture
def saved(tmp_path):
    X, y = windowed_series()
    return save(RNNForecaster(**FAST).fit(X, y), tmp_path / "model.npz")


def rewrite_manifest(path, change):
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(files["model.json"])
    change(manifest)
    files["model.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_a_truncated_file_is_refused(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="not a valid rnnforecast model file.*truncated"):
        load(saved)


def test_another_kind_of_file_is_refused(tmp_path):
    other = tmp_path / "data.csv"
    other.write_text("date,value\n2024-01-01,1\n")
    with pytest.raises(ValueError, match="not a valid rnnforecast model file"):
        load(other)
    np.savez(tmp_path / "arrays.npz", x=np.arange(3))
    with pytest.raises(ValueError, match="not a valid rnnforecast model file"):
        load(tmp_path / "arrays.npz")


def test_another_version_warns_and_a_newer_format_is_refused(saved):
    rewrite_manifest(saved, lambda m: m.update(rnnforecast="0.0.1"))
    with pytest.warns(UserWarning, match="saved by rnnforecast 0.0.1"):
        load(saved)
    rewrite_manifest(saved, lambda m: m.update(format=99))
    with pytest.raises(ValueError, match="format 99, newer"):
        load(saved)


def test_classes_from_outside_the_package_are_never_built(saved):
    def smuggle(manifest):
        manifest["model"] = {"__object__": "subprocess.Popen", "state": {"__dict__": {}}}
    rewrite_manifest(saved, smuggle)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="a class from outside rnnforecast and scikit-learn"):
            load(saved)


def test_auto_forecaster_round_trip(tmp_path):
    from rnnforecast.datasets import load_airline
    from rnnforecast.forecasting import AutoForecaster
    model = AutoForecaster(horizon=6, candidates=("seasonal_naive", "ridge", "drift"),
                           verbose=0).fit(load_airline())
    loaded = load(save(model, tmp_path / "auto.npz"))
    assert loaded.chosen_ == model.chosen_
    pd.testing.assert_frame_equal(loaded.predict(interval=0.8), model.predict(interval=0.8))


@pytest.mark.parametrize("value", [
    pd.Series([1.0, 2.0], index=pd.date_range("2024-03-30", periods=2, freq="D",
                                              tz="Europe/Paris"), name="y"),
    pd.DataFrame({"a": [1, 2], 3: [0.5, 1.5]}, index=pd.Index(["x", "y"], name="key")),
    pd.Series([1.0, 2.0, 3.0]),
], ids=["series with time zone", "frame with string index", "unnamed series"])
def test_pandas_objects_round_trip(tmp_path, value):
    loaded = load(save({"value": value}, tmp_path / "value.npz"))["value"]
    assert_equal = (pd.testing.assert_frame_equal if isinstance(value, pd.DataFrame)
                    else pd.testing.assert_series_equal)
    assert_equal(loaded, value)
    assert getattr(loaded.index, "freq", None) == getattr(value.index, "freq", None)


@pytest.mark.parametrize("holiday", [pd.Timestamp("2020-03-22"),
                                     pd.Timestamp("2020-03-22", tz="UTC"),
                                     datetime.date(2020, 3, 22),
                                     datetime.datetime(2020, 3, 22)],
                         ids=["Timestamp", "tz-aware", "date", "datetime"])
def test_an_auto_forecaster_with_dated_holidays_reloads_bit_for_bit(holiday, tmp_path):
    """Dates and times (a holiday list) are saved with their type; the ridge's
    Fortran-ordered coefficients keep their order, so the reload predicts bit for bit
    (in C order one value moved by 1 ulp)."""
    from rnnforecast.forecasting import AutoForecaster
    y = pd.Series(np.sin(np.arange(120) / 3) + 5,
                  index=pd.date_range("2020-01-01", periods=120, freq="D"))
    model = AutoForecaster(horizon=5, calendar=True, holidays=[holiday], verbose=0,
                           candidates=("ridge", "seasonal_naive", "naive")).fit(y)
    save(model, tmp_path / "auto.npz")
    again = load(tmp_path / "auto.npz")
    assert again.holidays == [holiday] and type(again.holidays[0]) is type(holiday)
    np.testing.assert_array_equal(again.predict(interval=0.8).to_numpy(),
                                  model.predict(interval=0.8).to_numpy())
