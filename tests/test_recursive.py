"""Tests of rnnforecast.forecasting.recursive_forecast: forecasts over and beyond the
trained horizon, and the checks of the window-forecaster contract."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from _forecasting_helpers import CountingCalls, LastPlusStep, RidgeWindows, fitted, sine_series
from rnnforecast.forecasting import recursive_forecast
from rnnforecast.windowing import make_windows


def test_recursive_forecast_feeds_predictions_back():
    model = fitted(LastPlusStep(), window=3, horizon=2)
    # [..., 10] -> 11, 12; window [.., 11, 12] -> 13, 14; window [.., 13, 14] -> 15
    assert_array_equal(recursive_forecast(model, [8.0, 9.0, 10.0], 5), [11, 12, 13, 14, 15])


def test_recursive_forecast_within_the_horizon_is_one_predict_call():
    model = fitted(CountingCalls(), window=3, horizon=4)
    assert_array_equal(recursive_forecast(model, np.array([[1.0], [2.0], [3.0]]), 2), [4, 5])
    assert model.n_calls_ == 1
    recursive_forecast(model, [1.0, 2.0, 3.0], 9)  # ceil(9 / 4) = 3 calls
    assert model.n_calls_ == 4


def test_recursive_forecast_equals_repeated_one_step_forecasts():
    series = sine_series()
    model = RidgeWindows().fit(*make_windows(series, window=6, horizon=1))
    history = list(series[-6:])
    for _ in range(7):  # by hand: predict one step, append it, slide
        window = np.array(history[-6:]).reshape(1, 6, 1)
        history.append(model.predict(window)[0])
    assert_allclose(recursive_forecast(model, series[-6:], 7), history[6:], rtol=1e-12)


def test_recursive_forecast_with_a_multi_step_model_goes_block_by_block():
    series = sine_series()
    model = RidgeWindows().fit(*make_windows(series, window=6, horizon=3))
    first = model.predict(series[-6:].reshape(1, 6, 1))[0]  # steps 1 .. 3
    window = np.concatenate([series[-3:], first]).reshape(1, 6, 1)
    second = model.predict(window)[0]  # steps 4 .. 6
    expected = np.concatenate([first, second])[:5]
    assert_allclose(recursive_forecast(model, series[-6:], 5), expected, rtol=1e-12)


def test_multivariate_forecast_within_the_horizon():
    model = fitted(LastPlusStep(), window=2, horizon=3, n_features=2)
    window = [[1.0, 50.0], [2.0, 60.0]]
    assert_array_equal(recursive_forecast(model, window, 3), [3, 4, 5])


def test_multivariate_forecast_beyond_the_horizon_is_refused():
    model = fitted(LastPlusStep(), window=2, horizon=1, n_features=2)
    with pytest.raises(ValueError, match=re.escape(
        "The 'steps' parameter of recursive_forecast must be at most n_outputs_ = 1, the "
        "horizon the estimator was trained on, because its input has n_step_features_in_ "
        "= 2 features: forecasting further would feed predictions back as inputs and "
        "needs the future values of the other (exogenous) features, which are unknown. "
        "Got 3 instead. Train with horizon=3"
    )):
        recursive_forecast(model, [[1.0, 50.0], [2.0, 60.0]], 3)


def test_recursive_forecast_input_errors():
    model = fitted(LastPlusStep(), window=3, horizon=1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'window' parameter of recursive_forecast must have shape (n_timesteps_in_, "
        "n_step_features_in_) = (3, 1), the most recent rows of the series. Got shape "
        "(2, 1) instead. Pass e.g. values[-3:]."
    )):
        recursive_forecast(model, [[1.0], [2.0]], 1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'window' parameter of recursive_forecast must contain only finite values."
    )):
        recursive_forecast(model, [1.0, np.nan, 3.0], 1)
    with pytest.raises(ValueError, match=re.escape(
        "The 'steps' parameter of recursive_forecast must be an int in the range [1, inf). "
        "Got 2.5 instead."
    )):
        recursive_forecast(model, [1.0, 2.0, 3.0], 2.5)
    with pytest.raises(ValueError, match=re.escape(
        "The 'target' parameter of recursive_forecast must be an int in the range [0, 0]."
    )):
        recursive_forecast(model, [1.0, 2.0, 3.0], 1, target=1)


def test_unfitted_estimator_is_refused():
    with pytest.raises(NotFittedError, match=re.escape(
        "The 'estimator' parameter of recursive_forecast must be a fitted window "
        "forecaster with predict() and the attributes n_timesteps_in_, "
        "n_step_features_in_, n_outputs_. Got a LastPlusStep without n_timesteps_in_, "
        "n_step_features_in_, n_outputs_. Fit it first"
    )):
        recursive_forecast(LastPlusStep(), [1.0, 2.0], 1)


def test_predictions_of_the_wrong_size_are_refused():
    model = fitted(LastPlusStep(), window=2, horizon=2)
    model.predict = lambda X: np.zeros((len(X), 3))  # one more output than n_outputs_
    with pytest.raises(ValueError, match=re.escape(
        "The 'estimator' parameter must predict n_outputs_ = 2 value(s) per window. Got "
        "predictions of shape (1, 3) for 1 window(s)."
    )):
        recursive_forecast(model, [1.0, 2.0], 1)
