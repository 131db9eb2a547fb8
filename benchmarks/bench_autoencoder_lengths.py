"""RNNAutoencoder on sequences of different lengths: read as they are, or made equal.

Sequences of 12-29 steps carry a bump near their start (family 0) or near their own end
(family 1), in noise, at a level of 10 (``tests/test_autoencoder.py``'s
``ragged_families``, 120 sequences per seed). The autoencoder never sees the family;
k-means on its embeddings is scored against it (adjusted Rand index: 1 is the true
partition, 0 is chance). Three ways to feed the same sequences:

* ``as they are``: the list of sequences of their own lengths (masking in the encoder,
  the loss on real steps only);
* ``edge-padded``: every sequence padded at its end to the longest with its last value,
  one length, no masking (what one does without variable-length support);
* ``cut to the shortest``: every sequence's first 12 steps.

GRU, hidden 8, 150 epochs, seeds 0-4 (data and network). Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_autoencoder_lengths.py \\
        | tee benchmarks/results/autoencoder_lengths.txt
"""

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_autoencoder import ragged_families  # noqa: E402  the data of the tests

from rnnforecast import RNNAutoencoder  # noqa: E402

SEEDS = range(5)


def edge_padded(X):
    T = max(len(x) for x in X)
    return np.stack([np.pad(x, ((0, T - len(x)), (0, 0)), mode="edge") for x in X])


def cut(X):
    T = min(len(x) for x in X)
    return np.stack([x[:T] for x in X])


def main():
    warnings.simplefilter("ignore")
    print(f"# load {os.getloadavg()[0]:.1f}")
    ways = {"as they are": lambda X: X, "edge-padded": edge_padded,
            "cut to the shortest": cut}
    scores = {name: [] for name in ways}
    for seed in SEEDS:
        X, family = ragged_families(120, seed=seed)
        for name, make in ways.items():
            start = time.perf_counter()
            data = make(X)
            model = RNNAutoencoder(hidden_size=8, max_iter=150, random_state=seed).fit(data)
            found = KMeans(2, n_init=10, random_state=seed).fit_predict(model.transform(data))
            scores[name].append(adjusted_rand_score(family, found))
            print(f"seed {seed} {name:20s} ARI {scores[name][-1]:.3f} "
                  f"{time.perf_counter() - start:.1f} s", flush=True)
    for name, values in scores.items():
        print(f"{name:20s} mean ARI {np.mean(values):.3f}  "
              f"({', '.join(f'{v:.2f}' for v in values)})")
    print(f"# load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
