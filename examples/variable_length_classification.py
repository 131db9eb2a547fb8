"""Classify sequences of different lengths: GunPoint series cut to random lengths.

The story: recordings rarely have one length. Here every GunPoint series (150 frames of
an actor's hand, "gun draw" or "point") is cut to a random segment of 75 to 150 frames,
so that the training and test sets are lists of arrays of different lengths. An
``RNNClassifier`` reads such a list directly: inside, the sequences are padded to a
common length, and the network carries its state unchanged over the padded steps, so
every sequence is classified exactly as if it were alone (``predict_proba`` of the list
equals that of each sequence by itself, checked below).

Three ways to train on the same cut series are compared on the same cut test series:

* variable lengths: the list itself;
* cut to the shortest: every series cut to the shortest length of the set (the usual
  way to get one length without masking), which throws frames away;
* zero padding: every series padded with zeros to 150 frames, without masking, so the
  network reads the zeros as data.

Environment: RNNFORECAST_FAST=1 keeps every third frame and trains for a few epochs;
RNNFORECAST_OUTPUT_DIR is where the accuracies go (JSON) (default: current directory).
"""

import json
import os
import time
from pathlib import Path

import numpy as np

from rnnforecast import RNNClassifier
from rnnforecast.datasets import load_gunpoint

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
STEP = 3 if FAST else 1
PARAMS = dict(max_iter=5 if FAST else 100, hidden_size=16 if FAST else 32, random_state=0)


def random_segments(X, rng, shortest):
    """Each row of X (n, T) cut to a random segment of ``shortest`` to T frames, as a
    list of (L_i, 1) arrays."""
    T = X.shape[1]
    lengths = rng.integers(shortest, T + 1, size=len(X))
    starts = rng.integers(0, T - lengths + 1)
    return [X[i, s:s + L, None] for i, (s, L) in enumerate(zip(starts, lengths))]


# 1. The official split, every series cut to a random segment of 75 to 150 frames.
rng = np.random.default_rng(0)
X_train, y_train = load_gunpoint("train")
X_test, y_test = load_gunpoint("test")
X_train, X_test = X_train[:, ::STEP], X_test[:, ::STEP]
train = random_segments(X_train, rng, X_train.shape[1] // 2)
test = random_segments(X_test, rng, X_test.shape[1] // 2)
print(f"train: {len(train)} series of {min(map(len, train))} to {max(map(len, train))} "
      f"frames; test: {len(test)} of {min(map(len, test))} to {max(map(len, test))}")


def cut_to_shortest(sequences, length):
    """The first ``length`` frames of every sequence: (n, length, 1)."""
    return np.stack([s[:length] for s in sequences])


def zero_padded(sequences, length):
    """Every sequence followed by zeros up to ``length`` frames: (n, length, 1)."""
    out = np.zeros((len(sequences), length, 1))
    for i, s in enumerate(sequences):
        out[i, :len(s)] = s
    return out


shortest = min(map(len, train + test))
ways = {
    "variable lengths": (train, test),
    "cut to the shortest": (cut_to_shortest(train, shortest), cut_to_shortest(test, shortest)),
    "zero padding": (zero_padded(train, X_train.shape[1]), zero_padded(test, X_test.shape[1])),
}

# 2. Train each way with the same classifier and budget; accuracy on the cut test series.
results = {}
for name, (X_fit, X_eval) in ways.items():
    start = time.perf_counter()
    model = RNNClassifier(**PARAMS).fit(X_fit, y_train)
    seconds = time.perf_counter() - start
    results[name] = {"accuracy": float(model.score(X_eval, y_test)), "fit_seconds": seconds}
    print(f"{name:20s} test accuracy {results[name]['accuracy']:.3f}   fit {seconds:.1f} s")
    if name == "variable lengths":
        batch = model.predict_proba(test[:10])
        alone = np.vstack([model.predict_proba([s]) for s in test[:10]])
        print(f"  largest difference between a batch and each series alone: "
              f"{np.abs(batch - alone).max():.1e}")

(OUTPUT_DIR / "variable_length_accuracy.json").write_text(json.dumps(results, indent=1))
print(f"Saved {OUTPUT_DIR / 'variable_length_accuracy.json'}")
