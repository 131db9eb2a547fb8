"""Old home of the naive baselines, kept so existing imports work.

:class:`NaiveForecaster` and :class:`SeasonalNaiveForecaster` live in
:mod:`rnnforecast.forecasting`; import them from there.
"""

from .forecasting._baselines import NaiveForecaster, SeasonalNaiveForecaster

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster"]
