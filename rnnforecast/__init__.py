"""rnnforecast: recurrent neural networks for time series, in NumPy, behind a scikit-learn API."""

from ._version import __version__
from .estimators import RNNClassifier, RNNForecaster
from .persistence import load, save
from .windowing import WindowTransformer, make_windows

__all__ = ["RNNClassifier", "RNNForecaster", "WindowTransformer", "load", "make_windows",
           "save"]

# Encoder-decoder networks and the sequence autoencoder.
from .estimators import RNNAutoencoder, RNNSeq2Seq, RNNSeq2SeqForecaster  # noqa: E402

__all__ += ["RNNAutoencoder", "RNNSeq2Seq", "RNNSeq2SeqForecaster"]
