"""The forecaster's linear skip: a closed-form ridge from the window's last target values
to the outputs, added to the network's output (``estimators/_linear.py``)."""

import warnings

import numpy as np
import pytest

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.estimators import StreamingForecaster
from rnnforecast.estimators._linear import LinearSkip

FAST = dict(hidden_size=4, max_iter=2, random_state=0)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two epochs do not converge
        yield


def ar2_series(n=400, seed=0):
    """A sine of period 17 plus small noise: x_t = 2 cos(2 pi / 17) x_{t-1} - x_{t-2}
    up to the noise, a linear process."""
    t = np.arange(n)
    return 10.0 + np.sin(2 * np.pi * t / 17) + \
        0.02 * np.random.default_rng(seed).standard_normal(n)


def test_the_skip_gets_a_linear_process_that_two_epochs_of_a_network_do_not():
    series = ar2_series()
    X, y = make_windows(series[:350], 10, 3)
    X_test, y_test = make_windows(series[340:], 10, 3)
    with_skip = RNNForecaster(**FAST, linear_skip=True).fit(X, y)
    without = RNNForecaster(**FAST, linear_skip=False).fit(X, y)
    error = np.abs(with_skip.predict(X_test) - y_test).mean()
    assert with_skip.linear_skip_ and not without.linear_skip_
    assert error < 0.1  # the noise's own scale is 0.02 per step
    assert error < 0.5 * np.abs(without.predict(X_test) - y_test).mean()


def test_the_prediction_is_the_network_plus_the_skip_in_the_scaled_space():
    X, y = make_windows(ar2_series(), 12, 2)
    model = RNNForecaster(**FAST, linear_skip=True).fit(X, y)
    Xs, offsets = model._scaler.transform(X)
    raw = model._forward_raw(Xs) + model._skip.predict(Xs)
    np.testing.assert_allclose(model.predict(X), model._scaler.inverse_targets(raw, offsets),
                               rtol=1e-12)
    lags = Xs[:, -model._skip.n_lags_:, 0]
    np.testing.assert_allclose(model._skip.predict(Xs),
                               lags @ model._skip.coef_.T + model._skip.intercept_)


def _ridge(Xs, Ys):
    """The skip's solution: ridge (penalty 1) on the target's lags, intercept free."""
    Z = Xs[:, :, 0]
    Zc, Yc = Z - Z.mean(axis=0), Ys - Ys.mean(axis=0)
    return np.linalg.solve(Zc.T @ Zc + np.eye(Z.shape[1]), Zc.T @ Yc).T


def test_the_skip_learns_from_every_window_and_calibration_from_the_training_ones():
    X, y = make_windows(ar2_series(), 12, 3)
    model = RNNForecaster(**FAST, linear_skip=True, early_stopping=True,
                          validation_fraction=0.25).fit(X, y)
    Xs, offsets = model._scaler.transform(X)
    np.testing.assert_allclose(model._skip.coef_,
                               _ridge(Xs, model._scaler.transform_targets(y, offsets)),
                               rtol=1e-8, atol=1e-10)
    # the conformal residuals: a skip refitted on the training windows, which end
    # before a purge gap of 2, plus the network; no part has seen the held-out targets
    n_val = round(0.25 * len(X))
    train, val = slice(0, len(X) - n_val - 2), slice(len(X) - n_val, None)
    refit = LinearSkip(0).fit(Xs[train], model._scaler.transform_targets(
        y[train], offsets[train]))
    np.testing.assert_allclose(refit.coef_, _ridge(
        Xs[train], model._scaler.transform_targets(y[train], offsets[train])), rtol=1e-8,
        atol=1e-10)
    raw = model._forward_raw(Xs[val]) + refit.predict(Xs[val])
    expected = y[val] - model._scaler.inverse_targets(raw, offsets[val])
    np.testing.assert_allclose(model.conformal_residuals_, expected, rtol=1e-10)
    assert not np.allclose(model.conformal_residuals_, y[val] - model.predict(X[val]))


def test_early_stopping_auto_holds_out_windows_when_ten_are_left_to_train():
    X, y = make_windows(ar2_series(60), 8, 3)      # 50 windows: 10 held out, gap 2
    model = RNNForecaster(**FAST).fit(X, y)
    assert model.do_early_stopping_ and len(model.conformal_residuals_) == 10
    model = RNNForecaster(**FAST).fit(X[:14], y[:14])  # 3 held out, gap 2: 9 left
    assert not model.do_early_stopping_ and not hasattr(model, "conformal_residuals_")
    assert not RNNForecaster(**FAST, early_stopping=False).fit(X, y).do_early_stopping_
    assert not RNNForecaster(**FAST, early_stopping=True).partial_fit(X, y).do_early_stopping_


def test_auto_uses_the_skip_for_windows_and_not_for_one_output_per_step():
    X, y = make_windows(ar2_series(100), 8, 2)
    assert RNNForecaster(**FAST, linear_skip="auto").fit(X, y).linear_skip_
    X, Y = make_windows(ar2_series(100), 8, return_sequences=True)
    model = RNNForecaster(**FAST, return_sequences=True, linear_skip="auto").fit(X, Y)
    assert not model.linear_skip_
    with pytest.raises(ValueError, match="'linear_skip' parameter.*return_sequences=True"):
        RNNForecaster(**FAST, return_sequences=True, linear_skip=True).fit(X, Y)


def test_partial_fit_keeps_the_skip_of_the_first_call():
    X, y = make_windows(ar2_series(), 8, 2)
    model = RNNForecaster(**FAST, linear_skip=True).partial_fit(X[:100], y[:100])
    coef = model._skip.coef_.copy()
    model.partial_fit(X[100:], y[100:] * 3)
    np.testing.assert_array_equal(model._skip.coef_, coef)
    model.fit(X, y)  # a new fit fits a new skip
    assert not np.array_equal(model._skip.coef_, coef)


def test_state_dict_carries_the_skip_and_its_absence():
    X, y = make_windows(ar2_series(), 8, 2)
    model = RNNForecaster(**FAST, linear_skip=True).fit(X, y)
    state = model.state_dict()
    assert state["skip.weight"].shape == (2, 8) and state["skip.bias"].shape == (2,)
    other = RNNForecaster(**{**FAST, "random_state": 5}, linear_skip=False).fit(X, y)
    other.load_state_dict(state)
    np.testing.assert_allclose(other.predict(X), model.predict(X), rtol=1e-10)
    assert other.linear_skip_
    network_only = {k: v for k, v in state.items() if not k.startswith("skip.")}
    other.load_state_dict(network_only)
    assert not other.linear_skip_
    Xs, offsets = model._scaler.transform(X)
    np.testing.assert_allclose(
        other.predict(X), model._scaler.inverse_targets(model._forward_raw(Xs), offsets),
        rtol=1e-10)


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("skip.bias"), "both or neither"),
    (lambda s: s.update({"skip.bias": np.zeros(3)}), "one row and one value per output"),
    (lambda s: s.update({"skip.weight": np.zeros((2, 9)), "skip.bias": np.zeros(2)}),
     "reads 9 time steps"),
    (lambda s: s.update({"skip.weight": np.full((2, 8), np.nan)}), "finite"),
])
def test_load_state_dict_refuses_a_skip_that_does_not_fit(change, message):
    X, y = make_windows(ar2_series(), 8, 2)
    model = RNNForecaster(**FAST, linear_skip=True).fit(X, y)
    state = model.state_dict()
    change(state)
    with pytest.raises(ValueError, match=message):
        RNNForecaster(**FAST).fit(X, y).load_state_dict(state)


def test_streaming_with_a_skip_equals_the_windowed_prediction():
    X, y = make_windows(ar2_series(), 12, 3)
    model = RNNForecaster(**FAST, linear_skip=True, window_normalization=None).fit(X, y)
    stream = StreamingForecaster(model)
    for i in (0, 123):
        stream.reset()
        np.testing.assert_allclose(stream.update_many(X[i])[-1],
                                   model.predict(X[i:i + 1])[0], rtol=1e-10)


def test_the_skip_refuses_windows_shorter_than_its_lags():
    skip = LinearSkip(0).fit(np.ones((5, 6, 1)) * np.arange(6)[:, None] + np.arange(5)[
        :, None, None], np.arange(5.0)[:, None])
    with pytest.raises(ValueError, match="at least 6 steps"):
        skip.predict(np.zeros((1, 4, 1)))


def test_a_refused_state_dict_changes_nothing_and_warnings_point_at_the_caller():
    X, y = make_windows(ar2_series(), 8, 2)
    model = RNNForecaster(**FAST, linear_skip=True).fit(X, y)
    state, before = model.state_dict(), model.predict(X)
    state["skip.weight"] = np.zeros((2, 9))
    with pytest.raises(ValueError, match="reads 9 time steps"):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model.predict(X), before)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RNNForecaster().load_state_dict(model.state_dict())  # no scaling: a warning
    assert [w.filename for w in caught] == [__file__]
