"""rnnforecast: recurrent neural networks for time series, in NumPy, behind a scikit-learn API."""

__version__ = "0.1.0"
