"""Evaluation of forecasters over time: leak-free splits and rolling-origin backtests.

=====================================  ====================================================
:class:`WindowedTimeSeriesSplit`       forward-chaining CV splits of windowed samples, with
                                       a gap so no training target lies in a test window
:func:`backtest`                       rolling-origin evaluation of a window forecaster
                                       with MAE, RMSE, MAPE, sMAPE and MASE
:class:`BacktestResult`                the forecasts and metrics a backtest returns
=====================================  ====================================================

Layout as in skforecast: ``_split`` (splitters), ``_validation`` (backtesting).
"""

from ._split import WindowedTimeSeriesSplit
from ._validation import BacktestResult, backtest

__all__ = ["BacktestResult", "WindowedTimeSeriesSplit", "backtest"]
