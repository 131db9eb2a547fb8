"""Old home of the split-conformal helpers, kept for imports not yet moved.

The code lives in :mod:`rnnforecast.forecasting._conformal`.
"""

from .forecasting._conformal import local_scale  # noqa: F401
