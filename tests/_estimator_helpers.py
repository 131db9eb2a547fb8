"""Data, estimators and assertions shared by the estimator behaviour tests."""

import numpy as np

from rnnforecast import RNNClassifier, RNNForecaster, make_windows

WINDOW, HORIZON = 8, 2
FAST = dict(hidden_size=6, max_iter=4, learning_rate_init=0.01, random_state=0)
KINDS = ["forecaster", "classifier"]


def windowed_series():
    """X (111, 8, 1), y (111, 2): two-step-ahead targets of a trend plus a sine."""
    t = np.arange(120)
    return make_windows(np.sin(t / 5) + 0.01 * t, WINDOW, HORIZON)


def labelled_windows():
    """The same windows labelled "up" or "down" by the sign of their last step."""
    X, _ = windowed_series()
    return X, np.where(X[:, -1, 0] > X[:, -2, 0], "up", "down")


def data_for(kind):
    return windowed_series() if kind == "forecaster" else labelled_windows()


def make_estimator(kind, **params):
    return {"forecaster": RNNForecaster, "classifier": RNNClassifier}[kind](**params)


def assert_same_weights(a, b):
    """Two state dicts hold the same keys and bit-identical arrays."""
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


#: Estimator options every export (ONNX, PyTorch) is checked with, by id.
EXPORT_FORECASTER_OPTIONS = {
    "2 layers": dict(num_layers=2),
    "mean offset": dict(window_normalization="mean"),
    "no offset": dict(window_normalization=None, nonlinearity="relu"),
}
EXPORT_CLASSIFIER_OPTIONS = {
    "2 layers": dict(num_layers=2, pooling="last"),
    "mean pooling zscore": dict(pooling="mean", window_normalization="zscore"),
    "max pooling blocks": dict(pooling="max", max_timesteps=3, window_normalization="mean"),
}
