"""PyTorch export: the module maps raw windows to the estimator's predictions."""

import numpy as np
import pytest

from _estimator_helpers import (EXPORT_CLASSIFIER_OPTIONS, EXPORT_FORECASTER_OPTIONS, FAST,
                                labelled_windows, windowed_series)
from rnnforecast import RNNClassifier, RNNForecaster, make_windows
from rnnforecast.estimators import to_torch

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def run(module, X):
    with torch.no_grad():
        return module(torch.as_tensor(X)).numpy()


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("extra", EXPORT_FORECASTER_OPTIONS.values(),
                         ids=EXPORT_FORECASTER_OPTIONS.keys())
def test_forecaster_module_equals_predict(cell, extra):
    X, y = windowed_series()
    X = X * 50 + 100
    model = RNNForecaster(**FAST, cell=cell, **extra).fit(X, y * 50 + 100)
    np.testing.assert_allclose(run(to_torch(model), X), model.predict(X), rtol=1e-10)
    np.testing.assert_allclose(run(to_torch(model, torch.float32), X), model.predict(X),
                               rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_a_float64_model_is_exported_without_rounding_through_float32(cell):
    """Weights that float32 cannot hold: the module must load them as they are."""
    X, y = windowed_series()
    model = RNNForecaster(**FAST, cell=cell, dtype="float64").fit(X * 50 + 100,
                                                                   y * 50 + 100)
    np.testing.assert_allclose(run(to_torch(model), X * 50 + 100),
                               model.predict(X * 50 + 100), rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("normalization", ["last", "mean"])
def test_many_to_many_forecaster_module_equals_predict(normalization):
    X, y = make_windows(np.sin(np.arange(120) / 4) * 3 + 7, 10, 1, return_sequences=True)
    model = RNNForecaster(**FAST, cell="lstm", return_sequences=True,
                          window_normalization=normalization).fit(X, y)
    np.testing.assert_allclose(run(to_torch(model), X), model.predict(X), rtol=1e-10)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("extra", EXPORT_CLASSIFIER_OPTIONS.values(),
                         ids=EXPORT_CLASSIFIER_OPTIONS.keys())
def test_classifier_module_equals_predict_proba(cell, extra):
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, cell=cell, **extra).fit(X, y)
    np.testing.assert_allclose(run(to_torch(model), X), model.predict_proba(X), rtol=1e-10,
                               atol=1e-12)


def test_jordan_is_refused():
    X, y = windowed_series()
    with pytest.raises(ValueError, match="feeds its output back into every layer"):
        to_torch(RNNForecaster(**FAST, cell="jordan").fit(X, y))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_a_torch_network_with_its_scaling_becomes_an_estimator(cell):
    from rnnforecast.estimators import from_torch
    X, y = windowed_series()
    X, y = X * 50 + 100, y * 50 + 100
    model = RNNForecaster(**FAST, cell=cell, num_layers=2).fit(X, y)
    module, scaler = to_torch(model), model._scaler
    wrapped = from_torch(module.rnn, module.head, RNNForecaster(cell=cell),
                         n_timesteps=X.shape[1], x_mean=scaler.x_mean_,
                         x_scale=scaler.x_scale_, y_mean=scaler.y_mean_,
                         y_scale=scaler.y_scale_, skip=module.skip)
    np.testing.assert_allclose(wrapped.predict(X), model.predict(X), rtol=1e-12)
    assert wrapped.linear_skip_
    assert wrapped.forecast(np.arange(20.0) + 100).shape == (y.shape[1],)


def test_a_torch_classifier_keeps_its_labels():
    from rnnforecast.estimators import from_torch
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, pooling="mean").fit(X, y)
    module = to_torch(model)
    wrapped = from_torch(module.rnn, module.head, RNNClassifier(pooling="mean"),
                         n_timesteps=X.shape[1], x_mean=model._scaler.x_mean_,
                         x_scale=model._scaler.x_scale_, classes=model.classes_)
    np.testing.assert_array_equal(wrapped.predict(X), model.predict(X))


def test_from_torch_refuses_another_cell_and_bad_statistics():
    from rnnforecast.estimators import from_torch
    lstm, head = torch.nn.LSTM(1, 4, batch_first=True), torch.nn.Linear(4, 2)
    with pytest.raises(ValueError, match="torch.nn.GRU for cell='gru'"):
        from_torch(lstm, head, RNNForecaster(cell="gru"), n_timesteps=8)
    with pytest.raises(ValueError, match="'x_scale' parameter of from_torch must hold 1"):
        from_torch(lstm, head, RNNForecaster(), n_timesteps=8, x_scale=[1.0, 2.0])


def test_the_module_carries_the_input_layout():
    import pandas as pd
    t = np.arange(160)
    frame = pd.DataFrame({"sales": np.sin(t / 5) * 4 + 20, "promo": (t % 7 == 0) * 1.0},
                         index=pd.date_range("2024-01-01", periods=160, freq="D"))
    X, y = make_windows(frame, 12, 3, target="sales", known=["promo"])
    model = RNNForecaster(**FAST).fit(X, y)
    module = to_torch(model)
    assert module.input_layout == {"n_timesteps": 12, "n_features": 2,
                                   "features": ["sales", "promo"], "known_features": [1],
                                   "known_lead": 3, "target_feature": 0}
    np.testing.assert_allclose(run(module, np.asarray(X)), model.predict(X), rtol=1e-9,
                               atol=1e-9)
