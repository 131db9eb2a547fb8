"""Forecast Seattle's daily maximum temperature a week ahead from several weather series.

The story: tomorrow's maximum depends on more than today's maximum. The night's minimum,
the rain and the wind carry information too, so every window holds four columns and the
network sees 3-D input (n_windows, n_days, 4 features) while it predicts one column,
``temp_max``, seven days ahead. We hold out the last days of 2015, compare the network
with the naive forecast "the next week looks like today", then forecast the first week
of 2016 from the whole record. Temperatures persist, so a week ahead the naive forecast
is a strong yardstick: the printed comparison says honestly how close the network gets.

Environment: RNNFORECAST_FAST=1 trains a small model for a few epochs;
RNNFORECAST_OUTPUT_DIR is where the CSV and the PNG go (default: current directory).
"""

import os
from pathlib import Path

import numpy as np

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.datasets import load_seattle_weather
from rnnforecast.forecasting import NaiveForecaster
from rnnforecast.plotting import plot_forecast

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

# 1. The data: the target first, then the exogenous columns.
COLUMNS = ["temp_max", "temp_min", "precipitation", "wind"]
weather = load_seattle_weather()[COLUMNS]
if FAST:
    weather = weather.iloc[-400:]
print(f"Seattle weather: {len(weather)} days, columns {COLUMNS}")

# 2. Three-dimensional windows: four weeks of all four columns predict the next week
#    of temp_max. No window reads a value after its targets.
WINDOW, HORIZON = 28, 7
X, y, first_target = make_windows(weather, WINDOW, HORIZON, target="temp_max",
                                  return_index=True)
print(f"X {X.shape} (windows, days, features), y {y.shape} (windows, days ahead)")

# 3. Hold out the windows whose targets fall in the last 60 days. Their inputs overlap
#    the training period, which is fine: that is what the model will see in use. What
#    must not happen is a training *target* inside the test period, so training stops
#    HORIZON windows earlier.
test = first_target >= weather.index[-60]
n_test = int(test.sum())
X_train, y_train = X[: -n_test - HORIZON], y[: -n_test - HORIZON]
X_test, y_test = X[-n_test:], y[-n_test:]

# 4. The network. target_feature=0 says which input column is the forecast variable
#    (window normalization subtracts the last temp_max of each window).
model = RNNForecaster(cell="gru", hidden_size=8 if FAST else 32,
                      max_iter=5 if FAST else 120, early_stopping=True,
                      validation_fraction=0.15, n_iter_no_change=15,
                      learning_rate_init=0.003, target_feature=0, random_state=0)
model.fit(X_train, y_train)
naive = NaiveForecaster(target_feature=0).fit(X_train, y_train)


def mae(y_true, y_pred):
    return float(np.mean(np.abs(y_true - y_pred)))


print(f"Test MAE over {n_test} held-out 7-day forecasts (deg C): "
      f"GRU {mae(y_test, model.predict(X_test)):.2f}, "
      f"naive {mae(y_test, naive.predict(X_test)):.2f}")

# 5. Refit on every window and forecast the first week of 2016 (daily index, freq "D").
model.fit(X, y)
week = model.forecast(weather, interval=0.9)
print(week.round(1).to_string())
week.to_csv(OUTPUT_DIR / "weather_forecast.csv", index_label="date")
ax = plot_forecast(weather["temp_max"], week, history_tail=90,
                   title="Seattle temp_max: next 7 days from 4 weather series")
ax.figure.savefig(OUTPUT_DIR / "weather_forecast.png", dpi=100, bbox_inches="tight")
print(f"Saved {OUTPUT_DIR / 'weather_forecast.png'}")
