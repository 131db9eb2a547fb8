"""StreamingForecaster: one observation per update equals the windowed prediction.

Every update returns ``predict`` of the observations read since ``reset()`` as one
window (``_predict_windows`` for lengths other than the trained one); with a linear
skip, NaN until the skip has its ``n_lags_`` observations. It steps through the
growing window of ``Stepper`` and returns the same numbers, shaped (n_outputs,).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from rnnforecast import RNNClassifier, RNNForecaster, load, make_windows, save
from rnnforecast.estimators import StreamingForecaster

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
TOL = 1e-10
CELLS = ["lstm", "gru", "rnn", "jordan"]


@pytest.fixture(scope="module")
def series():
    t = np.arange(200)
    return np.sin(t / 6) + 0.01 * t + 4.0


def raw_model(X, y, **params):
    """A small forecaster on raw windows (window_normalization=None), in float64."""
    params = {"hidden_size": 6, "max_iter": 3, "window_normalization": None,
              "dtype": "float64", "random_state": 0, **params}
    return RNNForecaster(**params).fit(X, y)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("linear_skip", [False, True])
def test_every_update_equals_predict_of_what_was_read(series, cell, linear_skip):
    X, y = make_windows(series, 12, 3)
    model = raw_model(X, y, cell=cell, linear_skip=linear_skip)
    assert model.linear_skip_ is linear_skip
    stream = StreamingForecaster(model)
    out = stream.update_many(series[:30])
    assert out.shape == (30, 3) and stream.n_steps_ == 30
    for t in range(1, 31):
        if linear_skip and t < 12:          # the skip reads the last 12 values
            assert np.isnan(out[t - 1]).all()
            continue
        expected = model._predict_windows(series[None, :t, None])[0]
        np.testing.assert_allclose(out[t - 1], expected, rtol=0, atol=TOL)
    for i in (0, 50, len(X) - 1):           # n_timesteps_in_ updates: predict of a window
        stream.reset()
        steps = stream.update_many(X[i])
        np.testing.assert_allclose(steps[-1], model.predict(X[i:i + 1])[0], rtol=0,
                                   atol=TOL)
        assert stream.n_steps_ == 12


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("linear_skip", [False, True])
def test_the_stream_is_the_growing_stepper(series, cell, linear_skip):
    """One mechanism: the stream's numbers are those of stepper(window='growing')."""
    X, y = make_windows(series, 10, 2)
    model = raw_model(X, y, cell=cell, linear_skip=linear_skip)
    stepper = model.stepper(window="growing")
    assert stepper.carries_state
    np.testing.assert_array_equal(StreamingForecaster(model).update_many(series[:25]),
                                  stepper.step_many(series[:25]))


def test_no_forecast_from_made_up_lags(series):
    """Before the linear skip has its lags, an update is NaN, not a forecast from lags
    filled with zeros; the first full window gives predict's number."""
    X, y = make_windows(series, 8, 2)
    model = raw_model(X, y, linear_skip=True)
    stream = StreamingForecaster(model)
    first = [stream.update(v) for v in series[:7]]
    assert all(f.shape == (2,) and np.isnan(f).all() for f in first)
    np.testing.assert_allclose(stream.update(series[7]), model.predict(X[:1])[0], rtol=0,
                               atol=TOL)


def test_one_dimensional_targets_keep_the_output_axis(series):
    X, y = make_windows(series, 8)
    model = raw_model(X, y.ravel(), linear_skip=False)
    stream = StreamingForecaster(model)
    assert stream.update(series[0]).shape == (1,)
    out = stream.reset().update_many(X[3])
    assert out.shape == (8, 1)
    np.testing.assert_allclose(out[-1, 0], model.predict(X[3:4])[0], rtol=0, atol=TOL)


def test_the_target_in_another_column(series):
    """The skip reads target_feature: a target in the second column streams right."""
    frame = pd.DataFrame({"other": np.cos(np.arange(200) / 5), "value": series})
    X, y = make_windows(frame, 10, 2, target="value")
    model = raw_model(X, y, target_feature=1, linear_skip=True)
    stream = StreamingForecaster(model)
    for i in (0, 77):
        out = stream.reset().update_many(X[i])
        assert np.isnan(out[:9]).all()
        np.testing.assert_allclose(out[-1], model.predict(X[i:i + 1])[0], rtol=0, atol=TOL)


def test_streaming_survives_save_load_and_clone(series, tmp_path):
    X, y = make_windows(series, 8, 2)
    model = raw_model(X, y, linear_skip=True)
    expected = StreamingForecaster(model).update_many(series[:20])
    save(model, tmp_path / "m.npz")
    np.testing.assert_array_equal(
        StreamingForecaster(load(tmp_path / "m.npz")).update_many(series[:20]), expected)
    refit = clone(model).fit(X, y)
    np.testing.assert_array_equal(StreamingForecaster(refit).update_many(series[:20]),
                                  expected)


def test_weights_loaded_without_a_fit(series):
    """load_state_dict on a new forecaster: raw windows of any length, the skip's lags
    read from the state dict."""
    X, y = make_windows(series, 8, 2)
    fitted = raw_model(X, y, linear_skip=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = RNNForecaster(hidden_size=6, window_normalization=None).load_state_dict(
            fitted.state_dict())
    out = StreamingForecaster(model).update_many(series[:11])
    assert np.isnan(out[:7]).all()
    for t in range(8, 12):
        np.testing.assert_allclose(out[t - 1], model.predict(series[None, :t])[0], rtol=0,
                                   atol=TOL)


def test_a_refit_is_followed_only_after_reset(series):
    X, y = make_windows(series, 8)
    model = raw_model(X, y.ravel())
    stream = StreamingForecaster(model)
    stream.update(1.0)
    model.partial_fit(X, y.ravel())
    with pytest.raises(ValueError, match="weights changed.*Call reset"):
        stream.update(1.0)
    assert stream.n_steps_ == 1
    out = stream.reset().update_many(X[0])
    np.testing.assert_allclose(out[-1, 0], model.predict(X[:1])[0], rtol=0, atol=TOL)


def test_the_torch_module_gives_the_stream_s_prediction(series):
    torch = pytest.importorskip("torch")
    from rnnforecast.estimators import to_torch
    X, y = make_windows(series, 10, 2)
    # trained in float32 (the default): to_torch loads float64-trained weights into
    # float32 torch layers first, which rounds them (about 1e-8 here)
    model = raw_model(X, y, cell="gru", linear_skip=True, dtype="float32")
    with torch.no_grad():
        exported = to_torch(model)(torch.as_tensor(X[[5]])).numpy()[0]
    np.testing.assert_allclose(StreamingForecaster(model).update_many(X[5])[-1], exported,
                               rtol=0, atol=TOL)


def test_multivariate_stepping(series):
    data = np.column_stack([series, np.cos(np.arange(200) / 6)])
    X, y = make_windows(data, 10, 2)
    model = raw_model(X, y, hidden_size=5, max_iter=2, random_state=1)
    stream = StreamingForecaster(model)
    np.testing.assert_allclose(stream.update_many(X[7])[-1], model.predict(X[7:8])[0],
                               rtol=0, atol=TOL)


def test_input_is_not_modified(series):
    X, y = make_windows(series, 8)
    model = raw_model(X, y.ravel())
    values = series[:20].copy()
    StreamingForecaster(model).update_many(values)
    np.testing.assert_array_equal(values, series[:20])


def test_streaming_needs_raw_windows(series):
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=1, random_state=0).fit(X, y.ravel())
    with pytest.raises(ValueError, match="(?s)StreamingForecaster needs.*"
                                         "window_normalization=None.*Got "
                                         "window_normalization='last'"):
        StreamingForecaster(model)


def test_streaming_refuses_what_it_cannot_stream(series):
    X, y = make_windows(series, 8)
    sequences = RNNForecaster(hidden_size=3, max_iter=1, return_sequences=True,
                              window_normalization=None, random_state=0).fit(
        X, np.roll(X[:, :, 0], -1, axis=1))
    with pytest.raises(ValueError, match="many-to-one forecaster; got "
                                         "return_sequences=True"):
        StreamingForecaster(sequences)
    labels = (X[:, -1, 0] > X[:, 0, 0]).astype(int)
    classifier = RNNClassifier(hidden_size=3, max_iter=1, random_state=0).fit(X, labels)
    with pytest.raises(ValueError, match="must be a fitted RNNForecaster. Got a "
                                         "RNNClassifier"):
        StreamingForecaster(classifier)
    with pytest.raises(ValueError, match="must be a fitted RNNForecaster. Got a str"):
        StreamingForecaster("model")


def test_a_refit_with_other_parameters_is_refused_at_reset(series):
    X, y = make_windows(series, 8)
    model = raw_model(X, y.ravel())
    stream = StreamingForecaster(model)
    model.set_params(window_normalization="last").fit(X, y.ravel())
    with pytest.raises(ValueError, match="StreamingForecaster needs.*window_normalization"):
        stream.reset()


def test_a_refit_on_more_features_asks_for_them_after_reset(series):
    X, y = make_windows(series, 8, 2)
    model = raw_model(X, y, linear_skip=False)
    stream = StreamingForecaster(model)
    data = np.column_stack([series, np.cos(np.arange(200) / 5)])
    X2, y2 = make_windows(data, 8, 2)
    model.fit(X2, y2)
    stream.reset()
    with pytest.raises(ValueError, match=r"x must hold 2 feature value\(s\)"):
        stream.update(1.0)                  # not one value spread over both features
    np.testing.assert_allclose(stream.update_many(X2[4])[-1], model.predict(X2[4:5])[0],
                               rtol=0, atol=TOL)


def test_update_rejects_bad_observations(series):
    X, y = make_windows(series, 8)
    model = raw_model(X, y.ravel())
    stream = StreamingForecaster(model)
    with pytest.raises(ValueError, match=r"x must hold 1 feature value\(s\).*\(2,\)"):
        stream.update([1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        stream.update(np.nan)
    with pytest.raises(ValueError, match="NaN or infinity"):
        stream.update_many([1.0, np.inf])
    assert stream.n_steps_ == 1             # the 1.0 only: a refused value reads nothing
