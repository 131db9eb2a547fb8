"""Save a fitted classifier for a service: an ONNX graph and an rnnforecast file.

The story: a GunPoint classifier trained in a notebook must be served where only
onnxruntime is installed. ``to_onnx`` writes the whole model — the block means that
shorten long sequences, the scaling, the GRU layer, the pooling over time, the head and
the softmax — so the service feeds raw sequences and gets ``predict_proba``. We also keep
the model with ``rnnforecast.save`` (arrays and JSON, no pickle) to retrain it later, and
check that both give the estimator's probabilities.

Needs onnx and onnxruntime (``pip install "rnnforecast[onnx]"``); without them the
example says so and exits successfully.

Environment: RNNFORECAST_FAST=1 trains for a few epochs; RNNFORECAST_OUTPUT_DIR is where
the files go (default: current directory).
"""

import os
import sys
from pathlib import Path

try:
    import onnxruntime
except ImportError:
    print("onnxruntime not installed; skipping")
    sys.exit(0)

import numpy as np

import rnnforecast
from rnnforecast import RNNClassifier
from rnnforecast.datasets import load_gunpoint
from rnnforecast.estimators import to_onnx

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

# 1. Fit the default classifier (GRU, max pooling over time) on GunPoint.
X_train, y_train = load_gunpoint("train")
X_test, y_test = load_gunpoint("test")
model = RNNClassifier(max_iter=5 if FAST else 200, max_timesteps=100,
                      random_state=0).fit(X_train, y_train)
print(f"Test accuracy: {model.score(X_test, y_test):.3f}")

# 2. The ONNX graph: raw sequences (N, 150, 1) in float32, probabilities out.
onnx_path = OUTPUT_DIR / "gunpoint.onnx"
to_onnx(model, onnx_path)
session = onnxruntime.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
X = np.asarray(X_test, dtype=np.float32).reshape(len(X_test), -1, 1)
proba = session.run(None, {"X": X})[0]
onnx_gap = np.max(np.abs(proba - model.predict_proba(X_test)))
print(f"ONNX graph written to {onnx_path}; max |onnxruntime - predict_proba|: {onnx_gap:.1e}")
print(f"Labels from the graph: classes_[argmax] = {model.classes_[proba.argmax(1)][:5]} ...")

# 3. The rnnforecast file, loaded back as the same estimator.
saved = rnnforecast.save(model, OUTPUT_DIR / "gunpoint.npz")
loaded = rnnforecast.load(saved)
same = np.array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
print(f"Model saved to {saved}; reloaded probabilities identical: {same}")

if onnx_gap > 1e-4 or not same:
    sys.exit("the exported models disagree with the estimator")
