"""Tune a scaler + RNN pipeline with GridSearchCV, without leaking the future.

The story: windows cut from one series overlap. If cross-validation splits them like
independent rows, the last training windows' targets are the inputs of the first test
windows and the scores come out too good. ``WindowedTimeSeriesSplit`` keeps a gap of
``window + horizon - 1`` windows between every training and test block, so no training
target lies inside a test window. With it, ``GridSearchCV`` picks the scaling method and
the network size of a ``Pipeline(SequenceScaler, RNNForecaster)`` honestly, and the last
year, never seen during the search, gives the final score.

Environment: RNNFORECAST_FAST=1 searches a smaller grid with few epochs;
RNNFORECAST_OUTPUT_DIR is where the results CSV goes (default: current directory).
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.datasets import load_airline
from rnnforecast.model_selection import WindowedTimeSeriesSplit
from rnnforecast.preprocessing import SequenceScaler

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

# 1. Windows of 12 months (log passengers) predicting the next month.
WINDOW, HORIZON = 12, 1
X, y = make_windows(np.log(load_airline()), WINDOW, HORIZON)  # X (n, 12, 1), y (n, 1)
y = y[:, 0]

# 2. The last 12 windows are the final test set. Leave a gap before them, exactly as the
#    splitter does, so the search never sees a value of the test year.
gap = WINDOW + HORIZON - 1
X_search, y_search = X[: -12 - gap], y[: -12 - gap]
X_test, y_test = X[-12:], y[-12:]

# 3. The pipeline and the grid. SequenceScaler scales every feature with statistics over
#    samples and time steps, fitted inside each training fold only.
pipeline = Pipeline([
    ("scale", SequenceScaler()),
    ("rnn", RNNForecaster(cell="gru", max_iter=3 if FAST else 150, learning_rate_init=0.005,
                          random_state=0)),
])
param_grid = {"scale__method": ["standard", "minmax"], "rnn__hidden_size": [4, 8]}
if not FAST:
    param_grid["rnn__hidden_size"] = [8, 16, 32]
    param_grid["rnn__cell"] = ["gru", "lstm"]

# 4. Leak-free forward-chaining folds over the windows.
cv = WindowedTimeSeriesSplit(n_splits=3, window=WINDOW, horizon=HORIZON)
for fold, (train, test) in enumerate(cv.split(X_search)):
    print(f"fold {fold}: train windows {train[0]}..{train[-1]}, "
          f"test windows {test[0]}..{test[-1]} (gap {test[0] - train[-1] - 1})")
search = GridSearchCV(pipeline, param_grid, cv=cv, scoring="neg_mean_absolute_error")
search.fit(X_search, y_search)

print(f"Best parameters: {search.best_params_}")
print(f"Best cross-validated MAE (log passengers): {-search.best_score_:.4f}")
results = pd.DataFrame(search.cv_results_)[["params", "mean_test_score", "rank_test_score"]]
results.to_csv(OUTPUT_DIR / "grid_search_results.csv", index=False)

# 5. The refitted best pipeline on the unseen last year, in passengers.
pred = np.exp(search.predict(X_test))
mape = 100 * np.mean(np.abs(pred - np.exp(y_test)) / np.exp(y_test))
print(f"Test MAPE over the last 12 one-month-ahead forecasts: {mape:.2f}%")
