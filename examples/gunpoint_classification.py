"""Classify GunPoint motions ("gun draw" or "point") with a recurrent classifier.

The story: each sample is the horizontal position of an actor's hand over 150 video
frames. Drawing a gun from a holster leaves a small dip before the arm rises and after
it falls; merely pointing does not. A GRU reads the whole sequence and classifies it
from its last hidden state (many-to-one). We train on the official 50 training series
and report accuracy on the 150 test series, where 1-NN with Euclidean distance scores
0.913.

Environment: RNNFORECAST_FAST=1 trains on every third frame for a few epochs;
RNNFORECAST_OUTPUT_DIR is where the confusion-matrix PNG goes (default: current directory).
"""

import os
from pathlib import Path

from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

from rnnforecast import RNNClassifier
from rnnforecast.datasets import load_gunpoint

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

# 1. The official split, as (n_samples, n_timesteps, 1 feature) for the network.
X_train, y_train = load_gunpoint("train")
X_test, y_test = load_gunpoint("test")
STEP = 3 if FAST else 1  # a fast run keeps every third frame (50 steps)
X_train, X_test = X_train[:, ::STEP, None], X_test[:, ::STEP, None]
print(f"train {X_train.shape}, test {X_test.shape}, labels {sorted(set(y_train.tolist()))}")

# 2. A GRU classifier: softmax over the two classes, cross-entropy loss.
model = RNNClassifier(cell="gru", hidden_size=16 if FAST else 32,
                      max_iter=10 if FAST else 200, batch_size=10,
                      learning_rate_init=0.01, random_state=0)
model.fit(X_train, y_train)
print(f"Trained for {model.n_iter_} epochs, final training loss {model.loss_curve_[-1]:.4f}")

# 3. Accuracy on the held-out test series and where the mistakes are.
accuracy = model.score(X_test, y_test)
print(f"Test accuracy: {accuracy:.3f}")
y_pred = model.predict(X_test)
matrix = confusion_matrix(y_test, y_pred, labels=model.classes_)
print("Confusion matrix (rows: true label, columns: predicted label):")
print(f"       {'  '.join(f'{label:>4}' for label in model.classes_)}")
for label, row in zip(model.classes_, matrix):
    print(f"  {label:>4} {'  '.join(f'{count:>4d}' for count in row)}")

display = ConfusionMatrixDisplay(matrix, display_labels=["gun (1)", "point (2)"])
display.plot(colorbar=False)
display.ax_.set_title(f"GunPoint test set, accuracy {accuracy:.3f}")
display.figure_.savefig(OUTPUT_DIR / "gunpoint_confusion.png", dpi=100, bbox_inches="tight")
print(f"Saved {OUTPUT_DIR / 'gunpoint_confusion.png'}")
