"""Old home of :func:`fit_many` and :func:`forecast_many`, kept so existing imports work.

They live in :mod:`rnnforecast.forecasting`; import them from there.
"""

from .forecasting._multiseries import fit_many, forecast_many

__all__ = ["fit_many", "forecast_many"]
