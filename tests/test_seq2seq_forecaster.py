"""RNNSeq2SeqForecaster: the decoder unrolled over the horizon, reading the previous
value and the inputs known in advance for each step; the window-forecaster contract."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnforecast import RNNSeq2SeqForecaster, load, make_windows, save
from rnnforecast.forecasting import WindowForecaster, forecast
from rnnforecast.nn import _seq2seq as s2s

H = 4


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def sine(n=300):
    t = np.arange(n)
    return 50.0 + 10.0 * np.sin(2 * np.pi * t / 12) + 0.1 * np.cos(t)


def pulses(n=600, seed=0):
    """A target made of a slow sine plus pulses known in advance (a promotion
    calendar): (series (n,), pulses (n,))."""
    rng = np.random.default_rng(seed)
    known = (rng.random(n) < 0.3).astype(float)
    return 5.0 * np.sin(2 * np.pi * np.arange(n) / 24) + 4.0 * known, known


def future_windows(series, known, window):
    """Windows of (series, known) and, for each, the next H values and the next H
    known inputs."""
    X, y = make_windows(np.column_stack([series, known]), window, H, target=0)
    future = np.stack([known[i + window:i + window + H] for i in range(len(X))])
    return X, y, future[:, :, None]


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X, y = make_windows(sine(), 12, H)
        model = RNNSeq2SeqForecaster(hidden_size=16, max_iter=60, learning_rate_init=0.01,
                                     random_state=0).fit(X[:-40], y[:-40])
        return model, X, y


def test_forecasts_held_out_windows(fitted):
    model, X, y = fitted
    pred = model.predict(X[-40:])
    assert pred.shape == (40, H)
    assert np.mean(np.abs(pred - y[-40:])) < 1.0                # amplitude 10


def test_window_forecaster_contract(fitted):
    model, X, _ = fitted
    assert isinstance(model, WindowForecaster)
    assert (model.n_timesteps_in_, model.n_step_features_in_, model.n_outputs_) == (12, 1, H)
    table = forecast(model, sine()[:200], steps=H)
    np.testing.assert_allclose(np.ravel(table), model.predict(sine()[188:200][None, :, None])[0])


def test_stateful_decoding_equals_the_batched_decoder(fitted):
    """One step at a time from the carried state, each step reading the previous
    forecast, equals one batched decoder call on the values it read, to 1e-12."""
    model, X, _ = fitted
    Xs, offsets = model._scaler.transform(X[:30])
    u0 = model._last_value(X[:30], offsets)[:, 0]
    params, spec = model._network.params64(), model._network.spec
    outs, inputs = s2s.greedy_decode(params, spec, Xs, u0, H, lambda k, out: out)
    np.testing.assert_allclose(model._teacher_forced(Xs, inputs), outs, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(inputs[:, 1:], outs[:, :-1])
    np.testing.assert_allclose(model._scaler.inverse_targets(outs, offsets)[:, :, 0],
                               model.predict(X[:30]), rtol=0, atol=1e-9)


def test_future_known_inputs_are_read():
    """Pulses known in advance: the model given them forecasts far better than the same
    model without them."""
    series, known = pulses()
    X, y, future = future_windows(series, known, 24)
    params = dict(hidden_size=16, max_iter=60, learning_rate_init=0.01, random_state=0)
    with_future = RNNSeq2SeqForecaster(**params).fit(X[:-100], y[:-100], future[:-100])
    without = RNNSeq2SeqForecaster(**params).fit(X[:-100], y[:-100])
    error_with = np.mean(np.abs(with_future.predict(X[-100:], future[-100:]) - y[-100:]))
    error_without = np.mean(np.abs(without.predict(X[-100:]) - y[-100:]))
    assert with_future.n_future_features_ == 1 and without.n_future_features_ == 0
    assert error_with < 0.5 * error_without
    changed = future[-100:].copy()
    changed[:, -1] = 1 - changed[:, -1]                         # only the last step's
    moved = with_future.predict(X[-100:], changed) - with_future.predict(X[-100:],
                                                                        future[-100:])
    assert np.all(moved[:, :-1] == 0) and np.all(moved[:, -1] != 0)   # causal per step


def test_horizon_one_and_early_stopping_residuals():
    X, y = make_windows(sine(), 12, 1)
    model = RNNSeq2SeqForecaster(hidden_size=8, max_iter=20, early_stopping=True,
                                 random_state=0).fit(X, y.ravel())
    assert model.predict(X[:5]).shape == (5,) and model.n_outputs_ == 1
    n_val = round(len(X) * 0.2)
    assert model.conformal_residuals_.shape == (n_val, 1)
    assert model.conformal_scales_.shape == (n_val,)
    table = forecast(model, sine(), steps=1, interval=0.8)
    assert list(table.columns) == ["forecast", "lower", "upper"]


def test_save_load_clone_and_input_untouched(fitted, tmp_path):
    model, X, y = fitted
    X0 = X.copy()
    loaded = load(save(model, tmp_path / "f.npz"))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(X, X0)
    assert clone(model).get_params() == model.get_params()


def test_errors(fitted):
    model, X, y = fitted
    series, known = pulses(200)
    Xf, yf, future = future_windows(series, known, 24)
    with_future = RNNSeq2SeqForecaster(hidden_size=4, max_iter=2, random_state=0).fit(
        Xf, yf, future)
    with pytest.raises(ValueError, match="The 'future' argument of RNNSeq2SeqForecaster "
                                         "must hold 1 feature.*Got None.*fit without future"):
        with_future.predict(Xf)
    with pytest.raises(ValueError, match="The 'future' argument of RNNSeq2SeqForecaster "
                                         r"must have shape \(n_samples, horizon, "):
        with_future.predict(Xf, future[:, :2])
    with pytest.raises(ValueError, match="must hold 0 feature"):
        model.predict(X, np.zeros((len(X), H, 1)))
    with pytest.raises(ValueError, match="The 'target_feature' parameter of "
                                         "RNNSeq2SeqForecaster must be a feature index of X"):
        clone(model).set_params(target_feature=1).fit(X, y)
    with pytest.raises(ValueError, match="y follows feature 0 of X .* but target_feature=1"):
        clone(model).set_params(target_feature=1).fit(Xf, yf)
    with pytest.raises(ValueError, match=r"y must have shape \(n_samples, horizon\)"):
        clone(model).fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"X has windows of shape \(11, 1\)"):
        model.predict(X[:, 1:])


@parametrize_with_checks([RNNSeq2SeqForecaster(hidden_size=8, max_iter=100,
                                               learning_rate_init=0.01, random_state=0)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_known_columns_of_the_windows_are_the_future_inputs():
    """Windows of make_windows(..., known=[1]): the decoder reads the led known column's
    last H steps, the same model as one given those values as ``future``; forecast takes
    the future values of the known column."""
    series, known = pulses(300)
    data = np.column_stack([series, known])
    X, y = make_windows(data, 24, H, target=0, known=[1])
    params = dict(hidden_size=8, max_iter=5, random_state=0)
    led = RNNSeq2SeqForecaster(**params).fit(X, y)
    plain = np.asarray(X)
    explicit = RNNSeq2SeqForecaster(**params).fit(plain, y, plain[:, -H:, [1]])
    assert led.known_features_ == (1,) and led.n_future_features_ == 1
    np.testing.assert_array_equal(led.predict(plain), explicit.predict(plain, plain[:, -H:, [1]]))
    np.testing.assert_array_equal(plain[:, -H:, 1], np.stack(
        [known[i + 24:i + 24 + H] for i in range(len(X))]))      # the target times' values
    table = forecast(led, data[:-H], future=known[-H:, None])
    np.testing.assert_allclose(np.ravel(table), led.predict(
        np.column_stack([series[-H - 24:-H], known[-24:]])[None])[0], rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="The 'future' argument of RNNSeq2SeqForecaster "
                                         "must be None for windows with columns known"):
        led.predict(plain, plain[:, -H:, [1]])
    X2, y2 = make_windows(data, 24, H, target=0, known=[1])
    with pytest.raises(ValueError, match="reads the known columns \\[1\\] of the windows' last "
                                         "n_outputs_ = 2 steps"):
        RNNSeq2SeqForecaster(**params).fit(X2, y2[:, :2])
