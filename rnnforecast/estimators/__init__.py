"""scikit-learn estimators on the NumPy recurrent engine."""

from ._classifier import RNNClassifier
from ._forecaster import RNNForecaster
from ._onnx import to_onnx
from ._stepping import Stepper
from ._streaming import StreamingForecaster
from ._torch import from_torch, to_torch

__all__ = ["RNNClassifier", "RNNForecaster", "Stepper", "StreamingForecaster", "from_torch",
           "to_onnx", "to_torch"]

# Encoder-decoder networks and the sequence autoencoder.
from ._autoencoder import RNNAutoencoder  # noqa: E402
from ._seq2seq import RNNSeq2Seq  # noqa: E402
from ._seq2seq_forecaster import RNNSeq2SeqForecaster  # noqa: E402

__all__ += ["RNNAutoencoder", "RNNSeq2Seq", "RNNSeq2SeqForecaster"]
