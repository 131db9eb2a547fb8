"""Regression tests: settings that used to give plausible-looking wrong answers.

Each test names the defect it pins; every one of them failed before the fix. Together
they check the estimators' promise: a setting that cannot be honoured raises or warns.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline

from _estimator_helpers import FAST, labelled_windows, windowed_series
from rnnforecast import RNNClassifier, RNNForecaster, WindowTransformer, make_windows
from rnnforecast.estimators import StreamingForecaster

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def sine_frame(n=160):
    t = np.arange(n)
    return pd.DataFrame({"temp": 15 + 8 * np.sin(t / 6), "wind": 3 + np.cos(t / 4)},
                        index=pd.date_range("2024-01-01", periods=n, freq="D"))


# ------------------------------------------------------------------ 1. causality
@pytest.mark.parametrize("normalization", ["last", "mean"])
def test_many_to_many_outputs_do_not_see_their_future(normalization):
    """An output at step t must not change when the steps after t change."""
    rw = np.cumsum(np.random.default_rng(0).normal(size=400))
    X, y = make_windows(rw, 16, 1, return_sequences=True)
    model = RNNForecaster(**FAST, return_sequences=True,
                          window_normalization=normalization).fit(X, y)
    changed = X.copy()
    changed[:, -1, :] += 5.0
    np.testing.assert_allclose(model.predict(changed)[:, :-1], model.predict(X)[:, :-1],
                               rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ 2. target column
def test_windows_of_another_target_column_are_refused():
    X, y = make_windows(sine_frame(), 12, 3, target="wind")
    with pytest.raises(ValueError, match=r"y follows feature 1 of X.*target_feature=0.*"
                                         r"target_feature=1"):
        RNNForecaster(**FAST).fit(X, y)


def test_the_right_target_feature_forecasts_the_target_column():
    frame = sine_frame()
    X, y = make_windows(frame, 12, 3, target="wind")
    model = RNNForecaster(**FAST, target_feature=1).fit(X, y)
    forecast = model.forecast(frame)
    assert forecast.name == "wind"
    assert forecast.min() > 0  # wind speeds near 3, never negative


# ------------------------------------------------------------------ 3. loaded weights
def test_weights_loaded_without_scaling_warn():
    X, y = windowed_series()
    fitted = RNNForecaster(**FAST).fit(X, y)
    with pytest.warns(UserWarning, match="without their scaling"):
        RNNForecaster().load_state_dict(fitted.state_dict())


def test_forecast_from_loaded_weights_is_refused_clearly():
    X, y = windowed_series()
    fitted = RNNForecaster(**FAST).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded = RNNForecaster().load_state_dict(fitted.state_dict())
    with pytest.raises(ValueError, match="window length"):
        loaded.forecast(pd.Series(np.arange(40.0)))


@pytest.mark.parametrize("bad", [np.nan, 1j, None], ids=["nan", "complex", "none"])
def test_load_state_dict_refuses_bad_values(bad):
    X, y = windowed_series()
    state = RNNForecaster(**FAST).fit(X, y).state_dict()
    state["head.bias"] = np.array([bad, bad], dtype=object if bad is None else None)
    with pytest.raises(ValueError, match="head.bias"):
        RNNForecaster().load_state_dict(state)


def test_load_state_dict_keeps_the_classes_of_a_fitted_classifier():
    X, y = labelled_windows()
    clf = RNNClassifier(**FAST).fit(X, y)
    three = RNNClassifier(**FAST).fit(X, np.where(X[:, -1, 0] > 0.5, "high", y))
    with pytest.raises(ValueError, match="classes_"):
        clf.load_state_dict(three.state_dict())
    assert clf.classes_.tolist() == ["down", "up"]


# ------------------------------------------------------------------ 4. pipelines
def test_window_transformer_hands_the_network_sequences_of_every_column():
    frame = sine_frame()
    pipe = make_pipeline(WindowTransformer(8), RNNForecaster(**FAST))
    pipe.fit(frame.to_numpy(), frame["temp"].shift(-1).ffill().to_numpy())
    network = pipe[-1]
    assert (network.n_timesteps_in_, network.n_step_features_in_) == (8, 2)


# ------------------------------------------------------------------ 5. several targets
def test_each_output_is_scaled_on_its_own():
    frame = sine_frame()
    X, _ = make_windows(frame, 12, 1)
    y = np.column_stack([frame["temp"].to_numpy()[12:], frame["wind"].to_numpy()[12:]])
    params = dict(FAST, window_normalization=None)
    plain = RNNForecaster(**params).fit(X, y).predict(X)
    scaled = RNNForecaster(**params).fit(X, y * [1, 1000]).predict(X)
    np.testing.assert_allclose(scaled[:, 0], plain[:, 0], rtol=1e-3)


# ------------------------------------------------------------------ 6. large levels
def test_a_high_level_keeps_small_changes():
    t = np.arange(200)
    X, y = make_windows(np.sin(t / 3), 12, 2)
    model = RNNForecaster(**FAST).fit(X, y)
    np.testing.assert_allclose(model.predict(X + 1e8) - 1e8, model.predict(X), atol=1e-4)


# ------------------------------------------------------------------ 7. divergence
def test_an_exploding_loss_is_an_error():
    X, y = windowed_series()
    model = RNNForecaster(hidden_size=6, max_iter=20, learning_rate_init=1e6,
                          random_state=0)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X, y)


# ------------------------------------------------------------------ 8. flat validation
def test_early_stopping_on_flat_validation_targets_keeps_learning():
    t = np.arange(300)
    series = np.sin(t / 4)
    series[-45:] = series[-46]  # the held-out part is flat
    X, y = make_windows(series, 12, 1)
    params = dict(hidden_size=8, learning_rate_init=0.01, random_state=0,
                  linear_skip=False)  # the skip alone would fit this sine
    stopped = RNNForecaster(**params, max_iter=60, early_stopping=True,
                            validation_fraction=0.15, n_iter_no_change=10).fit(X, y)
    first = RNNForecaster(**params, max_iter=1).fit(X, y)
    train = slice(0, 200)
    error = np.abs(stopped.predict(X[train]).ravel() - y[train, 0]).mean()
    assert error < 0.5 * np.abs(first.predict(X[train]).ravel() - y[train, 0]).mean()
    assert stopped.best_epoch_ > 1


# ------------------------------------------------------------------ 9. leakage
class SplitRecorder:
    def _validation_split(self, X, Y):
        self.split_ = super()._validation_split(X, Y)
        return self.split_


class RecordingForecaster(SplitRecorder, RNNForecaster):
    pass


class RecordingClassifier(SplitRecorder, RNNClassifier):
    pass


def test_validation_windows_share_no_target_with_training_windows():
    X, y = make_windows(np.sin(np.arange(200) / 4), 12, 6)
    model = RecordingForecaster(**FAST, early_stopping=True).fit(X, y)
    train, val = model.split_
    assert val[0] - train[-1] - 1 == 6 - 1  # a purge gap of horizon - 1 windows
    assert len(model.conformal_residuals_) == len(val)


def test_classifier_validation_split_is_stratified_and_shuffled():
    X, y = labelled_windows()
    order = np.argsort(y, kind="stable")  # all "down" first, then all "up"
    model = RecordingClassifier(**FAST, early_stopping=True, validation_fraction=0.2)
    model.fit(X[order], y[order])
    _, val = model.split_
    assert set(y[order][val]) == {"down", "up"}


# ------------------------------------------------------------------ 11. transform
@pytest.mark.parametrize("Estimator, data", [(RNNForecaster, windowed_series),
                                             (RNNClassifier, labelled_windows)])
def test_transform_does_not_depend_on_the_batch(Estimator, data):
    X, y = data()
    model = Estimator(**FAST).fit(X, y)
    # float64 like predict: equal up to the summation order of one BLAS kernel or another
    np.testing.assert_allclose(model.transform(X[:1]), model.transform(X)[:1], rtol=1e-12,
                               atol=1e-15)


# ------------------------------------------------------------------ 12. partial_fit
def test_partial_fit_refuses_a_changed_architecture():
    X, y = windowed_series()
    model = RNNForecaster(**FAST).partial_fit(X, y)
    model.set_params(hidden_size=FAST["hidden_size"] + 2)
    with pytest.raises(ValueError, match="hidden_size"):
        model.partial_fit(X, y)


def test_partial_fit_drops_stale_calibration_residuals():
    X, y = windowed_series()
    model = RNNForecaster(**FAST, early_stopping=True).fit(X, y)
    assert hasattr(model, "conformal_residuals_")
    model.partial_fit(X, y)
    assert not hasattr(model, "conformal_residuals_")


# ------------------------------------------------------------------ 13. streaming
def test_streaming_a_classifier_is_refused_clearly():
    X, y = labelled_windows()
    with pytest.raises(ValueError, match="RNNForecaster"):
        StreamingForecaster(RNNClassifier(**FAST).fit(X, y))


# ------------------------------------------------------------------ also
def test_dropout_with_one_layer_warns():
    X, y = windowed_series()
    with pytest.warns(UserWarning, match="dropout"):
        RNNForecaster(**FAST, dropout=0.2).fit(X, y)


def test_2d_windows_are_accepted_after_a_3d_univariate_fit():
    X, y = windowed_series()
    model = RNNForecaster(**FAST).fit(X, y)
    np.testing.assert_array_equal(model.predict(X[:, :, 0]), model.predict(X))


def test_feature_names_do_not_outlive_a_refit_on_arrays():
    X, y = windowed_series()
    model = RNNForecaster(**FAST).fit(pd.DataFrame(X[:, :, 0]).add_prefix("lag"), y)
    assert hasattr(model, "feature_names_in_")
    model.fit(X, y)
    assert not hasattr(model, "feature_names_in_")


def test_an_interrupt_keeps_the_weights_and_stops_the_caller(monkeypatch):
    import rnnforecast.estimators._base as base_module
    X, y = windowed_series()
    calls = []
    real = base_module.run_epoch

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(base_module, "run_epoch", interrupted)
    model = RNNForecaster(**dict(FAST, max_iter=10))
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
    assert model.interrupted_ and model.n_iter_ == 2
    assert np.all(np.isfinite(model.predict(X)))


def test_a_pickle_from_another_version_warns():
    X, y = windowed_series()
    model = RNNForecaster(**FAST).fit(X, y)
    state = model.__getstate__()
    state["_rnnforecast_version"] = "0.0.1"
    with pytest.warns(UserWarning, match="0.0.1"):
        RNNForecaster().__setstate__(state)
    assert pickle.loads(pickle.dumps(model)).predict(X).shape == (len(X), 2)


def test_forecasting_functions_refuse_loaded_weights_clearly():
    from rnnforecast.forecasting import forecast, recursive_forecast
    X, y = windowed_series()
    fitted = RNNForecaster(**FAST).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        loaded = RNNForecaster().load_state_dict(fitted.state_dict())
    with pytest.raises(ValueError, match="n_timesteps_in_ = None"):
        forecast(loaded, pd.Series(np.arange(40.0)))
    with pytest.raises(ValueError, match="n_timesteps_in_ = None"):
        recursive_forecast(loaded, np.arange(8.0), 2)


# ------------------------------------------------------------------ named features
def _frames(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return [pd.DataFrame({"temp": rng.standard_normal(T), "wind": 5 + rng.standard_normal(T)})
            for T in rng.integers(6, 12, n)]


@pytest.mark.parametrize("make", [lambda: RNNClassifier(**FAST),
                                  lambda: __import__("rnnforecast").RNNAutoencoder(
                                      hidden_size=3, max_iter=2, random_state=0)],
                         ids=["classifier", "autoencoder"])
def test_a_list_of_dataframes_is_read_by_column_name(make):
    """Defect: sequences given as DataFrames were read by position, so a list whose
    columns came in another order (in fit, or later) was silently read as other
    features."""
    frames = _frames()
    y = np.arange(len(frames)) % 2
    model = make()
    model.fit(frames, y) if isinstance(model, RNNClassifier) else model.fit(frames)
    assert model.window_columns_ == ["temp", "wind"]
    swapped = [f[["wind", "temp"]] for f in frames]
    with pytest.raises(ValueError, match=r"X has the features \['wind', 'temp'\] but .* "
                                         r"was fitted on \['temp', 'wind'\]"):
        model.transform(swapped)
    with pytest.raises(ValueError, match=r"columns differ: position 0 has \['temp', "
                                         r"'wind'\], position 8 has \['wind', 'temp'\]"):
        model.transform(frames[:8] + swapped[8:])
    with pytest.raises(ValueError, match=r"mixes DataFrames with other sequences "
                                         r"\(positions \[0\] are not DataFrames\)"):
        model.transform([frames[0].to_numpy()] + frames[1:])
    renamed = [f.rename(columns={"wind": "gust"}) for f in frames]
    with pytest.raises(ValueError, match=r"\['temp', 'gust'\] but"):
        model.transform(renamed)
    # arrays carry no names and are read as given
    arrays = [f.to_numpy() for f in frames]
    np.testing.assert_array_equal(model.transform(arrays), model.transform(frames))


def test_forecaster_windows_from_reordered_columns_are_refused():
    """Defect: windows cut from a DataFrame whose columns came in another order than
    at fit were predicted from, the network reading each feature as another."""
    frame = sine_frame()
    X, y = make_windows(frame, 12, 2, target="temp")
    model = RNNForecaster(**FAST).fit(X, y)
    X_other, _ = make_windows(frame[["wind", "temp"]], 12, 2, target="temp")
    with pytest.raises(ValueError, match=r"X has the features \['wind', 'temp'\] but "
                                         r"RNNForecaster was fitted on \['temp', 'wind'\]"):
        model.predict(X_other)
    np.testing.assert_array_equal(model.predict(np.asarray(X)), model.predict(X))


def test_missing_labels_are_named():
    """Defect: a None among string labels failed inside numpy's sort with a TypeError
    about comparing 'NoneType' and 'str'."""
    from rnnforecast import RNNSeq2Seq
    X, _ = labelled_windows()
    y = np.array(["up", "down"] * len(X), dtype=object)[:len(X)]
    y[3] = None
    with pytest.raises(ValueError, match=r"'y' parameter must hold a label at every "
                                         r"position.*flat positions \[3\]"):
        RNNClassifier(**FAST).fit(X, y)
    Y = np.array([["a", "b"]] * len(X), dtype=object)
    Y[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"flat positions \[3\]"):
        RNNSeq2Seq(hidden_size=3, max_iter=1).fit(X, Y)
