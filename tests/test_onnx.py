"""ONNX export: the graph maps raw windows to the estimator's predictions (onnxruntime)."""

import json

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


def _known_forecaster():
    """A forecaster on DataFrame windows whose 'promo' column is known in advance."""
    import pandas as pd
    t = np.arange(160)
    frame = pd.DataFrame({"promo": (t % 7 == 0) * 1.0, "sales": np.sin(t / 5) * 4 + 20},
                         index=pd.date_range("2024-01-01", periods=160, freq="D"))
    X, y = make_windows(frame, 12, 3, target="sales", known=["promo"])
    return RNNForecaster(**FAST, target_feature=1).fit(X, y), X


def test_the_input_layout_names_the_columns_known_in_advance_and_their_lead():
    model, X = _known_forecaster()
    exported = to_onnx(model)
    props = {p.key: p.value for p in exported.metadata_props}
    layout = json.loads(props["rnnforecast.input_layout"])
    assert layout == {"n_timesteps": 12, "n_features": 2, "features": ["promo", "sales"],
                      "known_features": [0], "known_lead": 3, "target_feature": 1}
    doc = exported.graph.input[0].doc_string
    assert "promo" in doc and "3 steps ahead" in doc
    np.testing.assert_allclose(run(exported, np.asarray(X)), model.predict(X), rtol=1e-5,
                               atol=1e-4)


def test_a_classifier_layout_keeps_its_labels_and_plain_windows_have_no_names():
    X, y = labelled_windows()
    model = RNNClassifier(**FAST).fit(X, y)
    props = {p.key: p.value for p in to_onnx(model).metadata_props}
    layout = json.loads(props["rnnforecast.input_layout"])
    assert layout["classes"] == list(model.classes_)
    assert layout["features"] is None and layout["known_features"] == [] and \
        layout["known_lead"] == 0
