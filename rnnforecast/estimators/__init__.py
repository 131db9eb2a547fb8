"""scikit-learn estimators on the NumPy recurrent engine."""

from ._classifier import RNNClassifier
from ._forecaster import RNNForecaster

__all__ = ["RNNClassifier", "RNNForecaster"]
