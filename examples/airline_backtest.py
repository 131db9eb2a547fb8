"""Backtest an LSTM on the airline passengers against the seasonal naive forecast.

The story: one good-looking forecast proves little. A backtest (rolling-origin
evaluation) goes back in time, fits the model on the data up to an origin, forecasts the
next 12 months, moves the origin forward by a year and repeats. No forecast ever uses a
value from its own future. The yardstick is the seasonal naive forecast "same month last
year", which is hard to beat on this strongly seasonal series; MASE below 1 means better
than the naive forecast on the training data.

Environment: RNNFORECAST_FAST=1 trains a small model for a few epochs;
RNNFORECAST_OUTPUT_DIR is where the PNG goes (default: current directory).
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd

from rnnforecast import RNNForecaster
from rnnforecast.datasets import load_airline
from rnnforecast.forecasting import SeasonalNaiveForecaster
from rnnforecast.metrics import evaluate
from rnnforecast.model_selection import backtest
from rnnforecast.plotting import plot_backtest

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

# 1. 144 months, 1949-1960. The growth is multiplicative, so the network works on the
#    logarithm, where the seasonal swing has a constant size; forecasts are mapped back.
passengers = load_airline()
log_passengers = np.log(passengers)

# 2. The same protocol for both models: windows of 24 months, a horizon of 12, the
#    first origin after 8 years, then one origin per year (3 folds in all; 2 in a fast
#    run). MASE is scaled by the in-sample seasonal naive error (period 12).
WINDOW, HORIZON = 24, 12
FOLDS = 2 if FAST else 3
settings = dict(window=WINDOW, horizon=HORIZON, step=HORIZON, seasonal_period=12,
                initial_train_size=len(passengers) - FOLDS * HORIZON)

lstm = RNNForecaster(cell="lstm", hidden_size=8 if FAST else 32, max_iter=5 if FAST else 300,
                     early_stopping=True, validation_fraction=0.15, n_iter_no_change=30,
                     learning_rate_init=0.005, random_state=0)
lstm_result = backtest(lstm, log_passengers, **settings)
naive_result = backtest(SeasonalNaiveForecaster(seasonal_period=12), passengers, **settings)

# 3. Back to passengers: the LSTM's forecasts were made on the log scale.
predictions = lstm_result.predictions.copy()
for column in ("forecast", "actual"):
    predictions[column] = np.exp(predictions[column])

# 4. The metrics, both in passengers and with the same MASE scale (the seasonal naive
#    error on the months before the first origin).
history = passengers.iloc[: settings["initial_train_size"]]
table = pd.DataFrame({
    name: evaluate(result["actual"], result["forecast"], history, seasonal_period=12)
    for name, result in [("LSTM", predictions),
                         ("seasonal naive", naive_result.predictions)]
}).T
print(f"Backtest: {FOLDS} origins, {HORIZON}-month forecasts, window {WINDOW}")
print(table.round(3).to_string())

# 5. The picture: the actual series and, for each origin, the 12 months forecast there.
ax = plot_backtest(predictions, title="Airline passengers: LSTM backtest, 12-month forecasts")
ax.figure.savefig(OUTPUT_DIR / "airline_backtest.png", dpi=100, bbox_inches="tight")
print(f"Saved {OUTPUT_DIR / 'airline_backtest.png'}")
