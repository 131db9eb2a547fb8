"""Stateful stepping equals the windowed prediction."""

import numpy as np
import pytest

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.estimators import StreamingForecaster


@pytest.fixture(scope="module")
def series():
    t = np.arange(200)
    return np.sin(t / 6) + 0.01 * t


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "jordan"])
def test_stepping_equals_windowed_prediction(series, cell):
    X, y = make_windows(series, 12, 3)
    model = RNNForecaster(cell=cell, hidden_size=6, max_iter=3, window_normalization=None,
                          random_state=0).fit(X, y)
    stream = StreamingForecaster(model)
    for i in (0, 50, len(X) - 1):
        stream.reset()
        steps = stream.update_many(X[i])
        np.testing.assert_allclose(steps[-1], model.predict(X[i:i + 1])[0], rtol=1e-10)
        assert stream.n_steps_ == 12


def test_multivariate_stepping(series):
    data = np.column_stack([series, np.cos(np.arange(200) / 6)])
    X, y = make_windows(data, 10, 2)
    model = RNNForecaster(hidden_size=5, max_iter=2, window_normalization=None,
                          random_state=1).fit(X, y)
    stream = StreamingForecaster(model)
    np.testing.assert_allclose(stream.update_many(X[7])[-1], model.predict(X[7:8])[0],
                               rtol=1e-10)


def test_streaming_needs_raw_windows(series):
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=1, random_state=0).fit(X, y.ravel())
    with pytest.raises(ValueError, match="window_normalization=None"):
        StreamingForecaster(model)


def test_update_rejects_bad_observations(series):
    X, y = make_windows(series, 8)
    model = RNNForecaster(hidden_size=4, max_iter=1, window_normalization=None,
                          random_state=0).fit(X, y.ravel())
    stream = StreamingForecaster(model)
    with pytest.raises(ValueError, match="1 feature value"):
        stream.update([1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        stream.update(np.nan)
