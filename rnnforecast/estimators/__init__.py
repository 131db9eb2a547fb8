"""scikit-learn estimators on the NumPy recurrent engine."""

from ._classifier import RNNClassifier
from ._forecaster import RNNForecaster
from ._streaming import StreamingForecaster

__all__ = ["RNNClassifier", "RNNForecaster", "StreamingForecaster"]
