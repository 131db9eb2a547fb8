"""Clustering sequences without labels: k-means on a sequence autoencoder's embeddings.

The story: we have sequences but no labels, and want groups. k-means on the raw values
compares sequences step by step; a sequence autoencoder (``RNNAutoencoder``) first
learns, without labels, to squeeze each sequence into its final hidden state and rebuild
it from there, and k-means then groups those states. We measure both groupings against
the true classes (adjusted Rand index: 1 is the true partition, 0 is chance), which the
autoencoder never sees.

The data are the public UCR/UEA sets JapaneseVowels (12 channels, 25 steps, 9 speakers)
and Trace (1 channel, 275 steps shortened to 50 block means, 4 classes), both parts of
their official split pooled. They are read from the benchmark suite, ``.npz`` files of
``X_train``, ``y_train``, ``X_test``, ``y_test``; pass its folder as the first argument
or set RNNFORECAST_SUITE (default: ``../shared/benchmarks/classification`` beside the
repository). The sets come from the UCR/UEA archive (timeseriesclassification.com).

Environment: RNNFORECAST_FAST=1 trains briefly on a quarter of JapaneseVowels only;
RNNFORECAST_OUTPUT_DIR is where the scores go (JSON) (default: current directory).
"""

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from rnnforecast.estimators import RNNAutoencoder
from rnnforecast.preprocessing import piecewise_mean

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
SUITE = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "RNNFORECAST_SUITE", Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
    / "classification"))
SETS = {"JapaneseVowels": None, "Trace": 50}   # name -> block means (None: every step)
SEEDS = (0, 1, 2)


def load(name, max_timesteps):
    path = SUITE / f"{name}.npz"
    if not path.is_file():
        sys.exit(f"{path} not found: pass the folder of the UCR/UEA .npz files as the first "
                 "argument (or set RNNFORECAST_SUITE).")
    with np.load(path, allow_pickle=False) as data:
        X = np.concatenate([data["X_train"], data["X_test"]])
        y = np.concatenate([data["y_train"], data["y_test"]])
    return (X if max_timesteps is None else piecewise_mean(X, max_timesteps)), y


def kmeans_ari(features, y, seed):
    labels = KMeans(len(np.unique(y)), n_init=10, random_state=seed).fit_predict(features)
    return adjusted_rand_score(y, labels)


results = {}
for name, max_timesteps in list(SETS.items())[:1 if FAST else None]:
    X, y = load(name, max_timesteps)
    if FAST:  # every 4th sequence
        X, y = X[::4], y[::4]
    raw = [kmeans_ari(X.reshape(len(X), -1), y, seed) for seed in SEEDS]
    # 1. Learn the embeddings without labels (one autoencoder per seed).
    scores, start = [], time.perf_counter()
    for seed in SEEDS[:1 if FAST else None]:
        model = RNNAutoencoder(hidden_size=16, max_iter=5 if FAST else 100,
                               random_state=seed).fit(X)
        # 2. k-means on the (n_samples, 16) final hidden states.
        scores.append(kmeans_ari(model.transform(X), y, seed))
    elapsed = (time.perf_counter() - start) / len(scores)
    results[name] = {"shape": list(X.shape), "ari_raw": float(np.mean(raw)),
                     "ari_autoencoder": float(np.mean(scores)),
                     "ari_autoencoder_per_seed": [float(s) for s in scores],
                     "reconstruction_score": float(model.score(X)), "fit_seconds": elapsed}
    print(f"{name} {X.shape}: adjusted Rand index of k-means on raw values "
          f"{np.mean(raw):.3f}, on autoencoder embeddings {np.mean(scores):.3f} "
          f"(seeds {', '.join(f'{s:.3f}' for s in scores)}; fit {elapsed:.1f} s each)")
(OUTPUT_DIR / "autoencoder_clustering.json").write_text(json.dumps(results, indent=1))
