"""Other libraries' lag matrices: skforecast's newest-first rows refused or reversed,
sktime's and skforecast's reductions (when installed) equal to rnnforecast's own."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnforecast import RNNClassifier, RNNForecaster, make_windows
from rnnforecast.forecasting import recursive_forecast
from rnnforecast.windowing import LagMatrix, OldestFirst

LAGS = 6


def tiny(**params):
    return RNNForecaster(cell="gru", hidden_size=4, max_iter=5, random_state=0, **params)


def series(n=60):
    t = np.arange(n, dtype=float)
    return np.sin(t / 3.0) + 0.05 * t


def newest_first_rows(y, lags):
    """skforecast's training rows: [y[t-1], ..., y[t-lags]] and the target y[t]."""
    rows = np.array([y[t - lags:t][::-1] for t in range(lags, len(y))])
    return rows, y[lags:]


def called_from(library, function, *args):
    """Call ``function(*args)`` from a frame whose module belongs to ``library``."""
    namespace = {"__name__": f"{library}.recursive._forecaster"}
    exec("def call(function, *args):\n    return function(*args)\n", namespace)
    return namespace["call"](function, *args)


@parametrize_with_checks([OldestFirst()])
def test_oldest_first_is_a_scikit_learn_transformer(estimator, check):
    check(estimator)


def test_oldest_first_reverses_each_row_into_a_lag_matrix():
    rows = np.array([[3.0, 2.0, 1.0], [4.0, 3.0, 2.0]])
    out = OldestFirst().fit(rows).transform(rows)
    assert isinstance(out, LagMatrix) and out.window == 3
    np.testing.assert_array_equal(out, [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])
    frame = pd.DataFrame(rows, columns=["lag_1", "lag_2", "lag_3"])
    names = OldestFirst().fit(frame).get_feature_names_out()
    assert list(names) == ["lag_3", "lag_2", "lag_1"]
    np.testing.assert_array_equal(rows, [[3.0, 2.0, 1.0], [4.0, 3.0, 2.0]])  # untouched


@pytest.mark.parametrize("estimator", [tiny(), RNNClassifier(hidden_size=4, max_iter=2)])
def test_plain_rows_from_skforecast_are_refused(estimator):
    rows, target = newest_first_rows(series(), LAGS)
    if isinstance(estimator, RNNClassifier):
        target = (target > target.mean()).astype(int)
    name = type(estimator).__name__
    with pytest.raises(ValueError, match=rf"{name} was given lag rows by skforecast, which "
                       r"puts the newest lag first(.|\n)*OldestFirst\(\)"):
        called_from("skforecast", estimator.fit, rows, target)
    assert not hasattr(estimator, "n_features_in_")  # refused before anything was fitted


def test_rows_from_other_libraries_and_3d_windows_pass():
    rows, target = newest_first_rows(series(), LAGS)
    called_from("sktime", tiny().fit, rows[:, ::-1], target)
    X, y = make_windows(series(), LAGS)
    model = called_from("skforecast", tiny().fit, X, y)
    assert model.n_timesteps_in_ == LAGS


def test_oldest_first_in_a_pipeline_equals_the_windows_in_time_order():
    rows, target = newest_first_rows(series(), LAGS)
    X, y = make_windows(series(), LAGS)  # the same windows, oldest value first
    pipeline = called_from("skforecast", make_pipeline(OldestFirst(), tiny()).fit,
                           rows, target)
    direct = tiny().fit(X, y.ravel())
    np.testing.assert_array_equal(called_from("skforecast", pipeline.predict, rows),
                                  direct.predict(X))
    backwards = tiny().fit(rows[:, :, None], target)  # what reading rows as given learns
    assert not np.allclose(backwards.predict(rows[:, :, None]), direct.predict(X))


def test_skforecast_forecasts_equal_rnnforecast_recursion_with_oldest_first():
    recursive = pytest.importorskip("skforecast.recursive")
    index = pd.date_range("2020-01-01", periods=60, freq="D")
    y = pd.Series(series(), index=index)
    with pytest.raises(ValueError, match="newest lag first"):
        recursive.ForecasterRecursive(tiny(), lags=LAGS).fit(y)
    forecaster = recursive.ForecasterRecursive(make_pipeline(OldestFirst(), tiny()),
                                               lags=LAGS)
    forecaster.fit(y)
    X, target = make_windows(y, LAGS)
    direct = tiny().fit(X, target.ravel())
    expected = recursive_forecast(direct, y.to_numpy()[-LAGS:, None], 4)
    np.testing.assert_allclose(forecaster.predict(steps=4).to_numpy(), expected.ravel(),
                               rtol=1e-12, atol=1e-12)


def test_sktime_reduction_reads_time_forward_unchanged():
    compose = pytest.importorskip("sktime.forecasting.compose")
    y = pd.Series(series(), index=pd.period_range("2000-01", periods=60, freq="M"))
    forecaster = compose.make_reduction(tiny(), window_length=LAGS, strategy="recursive")
    forecaster.fit(y)
    X, target = make_windows(y, LAGS)
    direct = tiny().fit(X, target.ravel())
    expected = recursive_forecast(direct, y.to_numpy()[-LAGS:, None], 3)
    np.testing.assert_allclose(forecaster.predict(fh=[1, 2, 3]).to_numpy(),
                               expected.ravel(), rtol=1e-12, atol=1e-12)
