"""scikit-learn estimators on the NumPy recurrent engine."""

from ._classifier import RNNClassifier
from ._forecaster import RNNForecaster
from ._onnx import to_onnx
from ._stepping import Stepper
from ._streaming import StreamingForecaster
from ._torch import from_torch, to_torch

__all__ = ["RNNClassifier", "RNNForecaster", "Stepper", "StreamingForecaster", "from_torch",
           "to_onnx", "to_torch"]
