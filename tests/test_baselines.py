"""Tests of the naive baselines NaiveForecaster and SeasonalNaiveForecaster."""

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from rnnforecast.forecasting import NaiveForecaster, SeasonalNaiveForecaster


def test_naive_forecaster_repeats_the_last_value():
    X = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    model = NaiveForecaster().fit(X, [[4.0, 6.0], [5.0, 5.0]])
    assert_array_equal(model.predict(X), [[3.0, 3.0], [4.0, 4.0]])
    assert_array_equal(model.conformal_residuals_, [[1.0, 3.0], [1.0, 1.0]])
    assert (model.n_timesteps_in_, model.n_step_features_in_, model.n_outputs_) == (3, 1, 2)


def test_naive_forecaster_of_one_step_predicts_a_vector():
    X = np.arange(12.0).reshape(2, 3, 2)
    model = NaiveForecaster(target_feature=1).fit(X, [0.0, 0.0])
    assert_array_equal(model.predict(X), [5.0, 11.0])


def test_seasonal_naive_forecaster_repeats_the_last_season():
    X = np.array([[0.0, 1.0, 5.0, 2.0, 6.0]])  # the last season (length 2) is 2, 6
    model = SeasonalNaiveForecaster(seasonal_period=2).fit(X, np.zeros((1, 5)))
    assert_array_equal(model.predict(X), [[2.0, 6.0, 2.0, 6.0, 2.0]])
    assert clone(model).get_params() == {"seasonal_period": 2, "target_feature": 0}


def test_baseline_errors():
    X = np.zeros((2, 3, 1))
    with pytest.raises(ValueError, match=re.escape(
        "The 'seasonal_period' parameter of SeasonalNaiveForecaster must be at most the "
        "window length n_timesteps = 3, because the forecast copies the last season of the "
        "window. Got 4 instead. Make windows of at least 4 time steps."
    )):
        SeasonalNaiveForecaster(4).fit(X, [0.0, 0.0])
    with pytest.raises(ValueError, match=re.escape(
        "The 'y' parameter of NaiveForecaster must have shape (n_samples,) or (n_samples, "
        "horizon) with n_samples = 2, the number of windows in X. Got shape (3,) instead."
    )):
        NaiveForecaster().fit(X, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=re.escape(
        "The 'X' parameter of NaiveForecaster.predict must have windows of shape "
        "(n_timesteps_in_, n_step_features_in_) = (3, 1), as in fit. Got (4, 1) instead."
    )):
        NaiveForecaster().fit(X, [0.0, 0.0]).predict(np.zeros((1, 4, 1)))
    with pytest.raises(ValueError, match=re.escape(
        "The 'X' parameter of NaiveForecaster must be non-empty windows of shape "
        "(n_samples, n_timesteps, n_features) or (n_samples, n_timesteps). Got shape (3,) "
        "instead."
    )):
        NaiveForecaster().fit(np.zeros(3), [0.0])
    with pytest.raises(NotFittedError):
        NaiveForecaster().predict(X)


def test_the_old_module_paths_still_import():
    from rnnforecast import forecasting
    from rnnforecast.baselines import NaiveForecaster as OldNaive
    from rnnforecast.multiseries import fit_many, forecast_many

    assert OldNaive is NaiveForecaster
    assert (fit_many, forecast_many) == (forecasting.fit_many, forecasting.forecast_many)


def test_the_intervals_follow_the_scale_of_the_last_window():
    """A series whose steps grow tenfold: the calibration windows' residuals are scored
    relative to their own local scale and the interval takes the last window's."""
    from rnnforecast import make_windows
    from rnnforecast.forecasting import conformal_quantiles, forecast
    from rnnforecast.forecasting._conformal import local_scale
    steps = np.random.default_rng(0).standard_normal(300) * np.linspace(1, 10, 300)
    series = 100 + np.cumsum(steps)
    X, y = make_windows(series, 20, 4)
    model = NaiveForecaster().fit(X, y)
    np.testing.assert_allclose(model.conformal_scales_, local_scale(X))
    result = forecast(model, series, interval=0.8)
    q = conformal_quantiles(model.conformal_residuals_ / model.conformal_scales_[:, None],
                            0.8)
    expected = q * local_scale(series[-20:].reshape(1, 20, 1))[0]
    np.testing.assert_allclose((result["upper"] - result["forecast"]).to_numpy(), expected)
    plain = conformal_quantiles(model.conformal_residuals_, 0.8)
    assert np.all(expected > plain)  # the last window's steps are the largest
