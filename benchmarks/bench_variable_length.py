"""Sequences of different lengths: GunPoint series cut to random lengths, over seeds.

For each seed, every GunPoint series (train and test) is cut to a random segment of 75
to 150 frames (``examples/variable_length_classification.py``), and the same
``RNNClassifier`` is trained four ways, each scored on the test series prepared the
same way:

* ``variable``: the list of cut series as it is (padding carried, ``nn/_masking.py``);
* ``shortest``: every cut series cut again to the shortest length of the set;
* ``zero_pad``: every cut series padded with zeros to 150 frames, without masking;
* ``full``: the uncut series (150 frames), the equal-length reference.

    python benchmarks/bench_variable_length.py                 # seeds 0-4, ~5 minutes
    python benchmarks/bench_variable_length.py --seeds 0 --max-iter 10   # smoke run
"""

import argparse
import json
import os
import statistics
import time
import warnings

import numpy as np

from rnnforecast import RNNClassifier
from rnnforecast.datasets import load_gunpoint


def random_segments(X, rng):
    """Each row of X (n, T) cut to a random segment of T // 2 to T frames: a list of
    (L_i, 1) arrays."""
    T = X.shape[1]
    lengths = rng.integers(T // 2, T + 1, size=len(X))
    starts = rng.integers(0, T - lengths + 1)
    return [X[i, s:s + L, None] for i, (s, L) in enumerate(zip(starts, lengths))]


def zero_padded(sequences, T):
    out = np.zeros((len(sequences), T, 1))
    for i, s in enumerate(sequences):
        out[i, :len(s)] = s
    return out


def ways(X_train, X_test, rng):
    train, test = random_segments(X_train, rng), random_segments(X_test, rng)
    shortest = min(map(len, train + test))
    T = X_train.shape[1]
    return {
        "variable": (train, test),
        "shortest": (np.stack([s[:shortest] for s in train]),
                     np.stack([s[:shortest] for s in test])),
        "zero_pad": (zero_padded(train, T), zero_padded(test, T)),
        "full": (X_train[:, :, None], X_test[:, :, None]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    X_train, y_train = load_gunpoint("train")
    X_test, y_test = load_gunpoint("test")
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    rows = []
    for seed in args.seeds:
        for name, (fit_X, eval_X) in ways(X_train, X_test, np.random.default_rng(seed)).items():
            start = time.perf_counter()
            model = RNNClassifier(max_iter=args.max_iter, hidden_size=32, random_state=seed)
            model.fit(fit_X, y_train)
            seconds = time.perf_counter() - start
            rows.append({"seed": seed, "way": name, "accuracy": model.score(eval_X, y_test),
                         "fit_seconds": seconds})
            print(f"seed {seed}  {name:9s} accuracy {rows[-1]['accuracy']:.3f}  "
                  f"fit {seconds:5.1f} s", flush=True)
    print("\nMean over seeds (accuracy, fit seconds)")
    for name in ("variable", "shortest", "zero_pad", "full"):
        mine = [r for r in rows if r["way"] == name]
        print(f"  {name:9s} {statistics.mean(r['accuracy'] for r in mine):.3f}  "
              f"{statistics.mean(r['fit_seconds'] for r in mine):5.1f} s")
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
