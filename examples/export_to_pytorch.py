"""Train an LSTM forecaster in NumPy, then run the very same weights in PyTorch.

The story: ``state_dict()`` returns the weights named and laid out as PyTorch's
``nn.LSTM`` and ``nn.Linear`` (gate order i, f, g, o; ``weight_ih_l0``, ``head.weight``,
...), so a model trained with rnnforecast can be served by PyTorch, and the reverse
with ``load_state_dict``. We check that both give the same predictions, three times:

1. The network alone: the weights loaded into a fresh ``RNNForecaster`` (which then does
   no scaling of its own) and into PyTorch, fed the same standardised windows.
2. The fitted estimator in passengers: it standardised its inputs and targets before
   training. With ``window_normalization=None`` that is, as documented, each input
   feature by its mean and standard deviation over all training windows and time
   steps, and each target (forecast step) by its own mean and standard deviation. The
   PyTorch model applies the same transformations around the network.
3. ``rnnforecast.estimators.to_torch(model)``: the whole fitted estimator as a module.

Needs PyTorch; without it the example says so and exits successfully.

Environment: RNNFORECAST_FAST=1 trains for a few epochs; RNNFORECAST_OUTPUT_DIR is where
the exported weights (.npz) go (default: current directory).
"""

import os
import sys
from pathlib import Path

try:
    import torch
except ImportError:
    print("torch not installed; skipping")
    sys.exit(0)

import numpy as np

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.datasets import load_airline

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

# 1. Fit a two-layer LSTM on 12-month windows predicting the next 3 months. Without
#    window normalization the only preprocessing is the standardisation described above;
#    without the linear skip the network is the whole model, and without early stopping
#    every window trains (and sets the standardisation).
X, y = make_windows(load_airline(), window=12, horizon=3)  # X (n, 12, 1), y (n, 3)
HIDDEN, LAYERS = 16, 2
model = RNNForecaster(cell="lstm", hidden_size=HIDDEN, num_layers=LAYERS,
                      window_normalization=None, linear_skip=False, early_stopping=False,
                      max_iter=5 if FAST else 200, learning_rate_init=0.005,
                      random_state=0).fit(X, y)
weights = model.state_dict()
np.savez(OUTPUT_DIR / "airline_lstm_state_dict.npz", **weights)
print("Exported:", ", ".join(f"{k} {v.shape}" for k, v in weights.items()))


# 2. The same architecture in PyTorch: nn.LSTM, then nn.Linear on the last hidden state.
class TorchForecaster(torch.nn.Module):
    def __init__(self, n_features, hidden_size, num_layers, n_outputs):
        super().__init__()
        self.lstm = torch.nn.LSTM(n_features, hidden_size, num_layers, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, n_outputs)

    def forward(self, x):  # x (N, T, D)
        out, _ = self.lstm(x)  # (N, T, H)
        return self.head(out[:, -1])  # (N, O)


net = TorchForecaster(X.shape[2], HIDDEN, LAYERS, y.shape[1]).double()
net.load_state_dict({(k if k.startswith("head.") else "lstm." + k):
                     torch.from_numpy(np.asarray(v, dtype=np.float64))
                     for k, v in weights.items()})
net.eval()


def torch_predict(windows):
    with torch.no_grad():
        return net(torch.from_numpy(np.asarray(windows, dtype=np.float64))).numpy()


# 3. Check 1, the network alone: rnnforecast and PyTorch on the same standardised input.
x_mean, x_std = X.mean(axis=(0, 1)), X.std(axis=(0, 1))  # per input feature
Z = (X - x_mean) / x_std
bare = RNNForecaster(cell="lstm", hidden_size=HIDDEN, num_layers=LAYERS,
                     window_normalization=None).load_state_dict(weights)
network_gap = np.max(np.abs(bare.predict(Z) - torch_predict(Z)))
print(f"Network outputs, max |rnnforecast - PyTorch|: {network_gap:.2e}")

# 4. Check 2, the fitted estimator in passengers: standardise the input, run PyTorch,
#    undo the standardisation of each forecast step.
y_mean, y_std = y.mean(axis=0), y.std(axis=0)  # (3,): one per output
torch_passengers = torch_predict(Z) * y_std + y_mean
estimator_gap = np.max(np.abs(model.predict(X) - torch_passengers))
print(f"Forecasts in passengers, max |rnnforecast - PyTorch|: {estimator_gap:.2e} "
      f"(values around {y.mean():.0f})")

# 5. Or let rnnforecast build the whole module, scaling included (any window
#    normalization, the linear skip, the classifier's options too): raw windows in,
#    passengers out.
from rnnforecast.estimators import to_torch  # noqa: E402

module = to_torch(model)
with torch.no_grad():
    module_gap = np.max(np.abs(module(torch.from_numpy(X)).numpy() - model.predict(X)))
print(f"to_torch(model) on raw windows, max |rnnforecast - PyTorch|: {module_gap:.2e}")

# The network trained in float32 and predicts in float64: agreement to rounding.
if network_gap > 1e-4 or max(estimator_gap, module_gap) > 1e-3 * np.abs(y).max():
    sys.exit("rnnforecast and PyTorch disagree")
print("rnnforecast and PyTorch give the same predictions")
