"""rnnforecast: recurrent neural networks for time series, in NumPy, behind a scikit-learn API."""

from .estimators import RNNClassifier, RNNForecaster
from .windowing import WindowTransformer, make_windows

__version__ = "0.1.0"

__all__ = ["RNNClassifier", "RNNForecaster", "WindowTransformer", "make_windows"]
