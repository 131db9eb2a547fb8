"""ONNX export: the graph maps raw windows to the estimator's predictions (onnxruntime)."""

import numpy as np
import pytest

from _estimator_helpers import (EXPORT_CLASSIFIER_OPTIONS, EXPORT_FORECASTER_OPTIONS, FAST,
                                labelled_windows, windowed_series)
from rnnforecast import RNNClassifier, RNNForecaster, make_windows
from rnnforecast.estimators import to_onnx

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def run(model, X):
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, {"X": X.astype(np.float32)})[0]


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("extra", EXPORT_FORECASTER_OPTIONS.values(),
                         ids=EXPORT_FORECASTER_OPTIONS.keys())
def test_forecaster_graph_equals_predict(cell, extra):
    X, y = windowed_series()
    X = X * 50 + 100  # a level and a spread of their own
    model = RNNForecaster(**FAST, cell=cell, **extra).fit(X, y * 50 + 100)
    np.testing.assert_allclose(run(to_onnx(model), X), model.predict(X), rtol=1e-5,
                               atol=1e-4)


@pytest.mark.parametrize("normalization", ["last", "mean"])
def test_many_to_many_forecaster_graph_equals_predict(normalization):
    X, y = make_windows(np.sin(np.arange(120) / 4) * 3 + 7, 10, 1, return_sequences=True)
    model = RNNForecaster(**FAST, cell="gru", return_sequences=True,
                          window_normalization=normalization).fit(X, y)
    np.testing.assert_allclose(run(to_onnx(model), X), model.predict(X), rtol=1e-5,
                               atol=1e-5)


def test_one_output_forecaster_graph_has_predicts_shape():
    X, y = windowed_series()
    model = RNNForecaster(**FAST).fit(X, y[:, 0])
    assert run(to_onnx(model), X).shape == (len(X),)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("extra", EXPORT_CLASSIFIER_OPTIONS.values(),
                         ids=EXPORT_CLASSIFIER_OPTIONS.keys())
def test_classifier_graph_equals_predict_proba(cell, extra):
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, cell=cell, **extra).fit(X, y)
    np.testing.assert_allclose(run(to_onnx(model), X), model.predict_proba(X), rtol=1e-5,
                               atol=1e-5)


def test_the_model_is_saved_and_jordan_is_refused(tmp_path):
    X, y = windowed_series()
    to_onnx(RNNForecaster(**FAST).fit(X, y), tmp_path / "model.onnx")
    assert onnx.load(str(tmp_path / "model.onnx")).graph.output[0].name == "predictions"
    with pytest.raises(ValueError, match="feeds its output back into every layer"):
        to_onnx(RNNForecaster(**FAST, cell="jordan").fit(X, y))
