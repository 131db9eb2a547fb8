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
