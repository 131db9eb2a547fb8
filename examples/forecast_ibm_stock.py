"""Forecast IBM's closing price one trading week ahead, with a 90% prediction interval.

The story: a stock price wanders, so the network should not learn price *levels* but the
shape of the last few weeks relative to today's close. ``RNNForecaster`` does this by
default (``window_normalization="last"``): it subtracts each window's last value and adds
it back to the prediction. The interval is split conformal: the model keeps the errors
it made on the last, held-out windows and widens the forecast by their 90% quantile.

Environment: RNNFORECAST_FAST=1 trains a small model for a few epochs;
RNNFORECAST_OUTPUT_DIR is where the CSV and the PNG go (default: current directory).
"""

import os
from pathlib import Path

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.datasets import load_ibm
from rnnforecast.plotting import plot_forecast

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

# 1. The data: daily closes on trading days (no weekends, no market holidays).
close = load_ibm()["close"]
if FAST:
    close = close.iloc[-500:]  # the last two years are plenty for a quick run
print(f"IBM close: {len(close)} trading days, {close.index[0].date()} .. "
      f"{close.index[-1].date()}")

# 2. Supervised windows: the last 20 trading days (four weeks) predict the next 5.
WINDOW, HORIZON = 20, 5
X, y = make_windows(close, window=WINDOW, horizon=HORIZON)  # X (n, 20, 1), y (n, 5)
print(f"{len(X)} windows: X {X.shape}, y {y.shape}")

# 3. A GRU, with early stopping on the last 20% of the windows (the most recent ones).
#    Those held-out errors become the calibration set of the prediction interval.
model = RNNForecaster(cell="gru", hidden_size=8 if FAST else 32,
                      max_iter=5 if FAST else 150, early_stopping=True,
                      validation_fraction=0.2, n_iter_no_change=15,
                      learning_rate_init=0.003, random_state=0)
model.fit(X, y)
print(f"Fitted in {model.n_iter_} epochs, validation R^2 {model.best_validation_score_:.3f}")

# 4. Forecast the next 5 business days after the last close, with a 90% interval.
#    Trading days have no regular frequency; "B" (business days) names the future ones.
table = model.forecast(close, interval=0.9, freq="B")
print(table.round(2).to_string())
table.to_csv(OUTPUT_DIR / "ibm_forecast.csv", index_label="date")

# 5. The plot: the last three months of history, the forecast and its band.
ax = plot_forecast(close, table, history_tail=60,
                   title="IBM close: next 5 business days (90% interval)")
ax.figure.savefig(OUTPUT_DIR / "ibm_forecast.png", dpi=100, bbox_inches="tight")
print(f"Saved {OUTPUT_DIR / 'ibm_forecast.png'}")
