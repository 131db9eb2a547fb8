"""Spelled-out dates to digits with an encoder–decoder network.

The story: "the twenty first of march nineteen ninety eight" and "march twenty first
nineteen ninety eight" both mean 1998-03-21. The input is a sequence of words of varying
length, the output a sequence of 10 characters: the lengths differ and no output step
belongs to an input step, so one label per input step (``RNNClassifier`` with
``return_sequences``) cannot express it. ``RNNSeq2Seq`` reads the words with an encoder
network; its final state starts a decoder network that writes the characters one at a
time, each step reading the character written before it (teacher forcing in training,
its own choice when predicting).

We train on random dates between 1950 and 2029 and measure the exact-match accuracy (all
10 characters right) on dates held out from training.

Environment: RNNFORECAST_FAST=1 trains briefly on fewer dates; RNNFORECAST_OUTPUT_DIR is
where the held-out predictions go (JSON) (default: current directory).
"""

import json
import os
import time
from pathlib import Path

import numpy as np

from rnnforecast.estimators import RNNSeq2Seq

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
         "seventeen", "eighteen", "nineteen"]
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy",
        8: "eighty", 9: "ninety"}
ORDINAL_UNITS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                 "eighth", "ninth"]
ORDINAL_TEENS = ["tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
                 "sixteenth", "seventeenth", "eighteenth", "nineteenth"]
DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def number_words(n):
    """1..99 in words: 42 -> ['forty', 'two']."""
    if n < 10:
        return [UNITS[n]]
    if n < 20:
        return [TEENS[n - 10]]
    return [TENS[n // 10]] + ([UNITS[n % 10]] if n % 10 else [])


def ordinal_words(day):
    """1..31 as an ordinal: 21 -> ['twenty', 'first'], 30 -> ['thirtieth']."""
    if day < 10:
        return [ORDINAL_UNITS[day]]
    if day < 20:
        return [ORDINAL_TEENS[day - 10]]
    if day % 10 == 0:
        return [TENS[day // 10][:-1] + "ieth"]
    return [TENS[day // 10], ORDINAL_UNITS[day % 10]]


def year_words(year):
    """1950..2029 as spoken: 1998 -> nineteen ninety eight, 2004 -> two thousand four,
    2017 -> twenty seventeen."""
    if year < 2000:
        return ["nineteen"] + number_words(year - 1900)
    if year < 2010:
        return ["two", "thousand"] + ([UNITS[year - 2000]] if year > 2000 else [])
    return ["twenty"] + number_words(year - 2000)


def spell(year, month, day, style):
    """The date in words (3 to 8 of them)."""
    if style == 0:   # "the twenty first of march nineteen ninety eight"
        words = ["the"] + ordinal_words(day) + ["of", MONTHS[month - 1]] + year_words(year)
    else:            # "march twenty first nineteen ninety eight"
        words = [MONTHS[month - 1]] + ordinal_words(day) + year_words(year)
    return words


def random_dates(n, rng):
    """n distinct (year, month, day, style) tuples."""
    seen = set()
    while len(seen) < n:
        month = int(rng.integers(1, 13))
        seen.add((int(rng.integers(1950, 2030)), month,
                  int(rng.integers(1, DAYS_IN_MONTH[month - 1] + 1)), int(rng.integers(2))))
    return sorted(seen)


# 1. Pairs: words in, the 10 characters of the ISO date out.
rng = np.random.default_rng(0)
n_train, n_test = (600, 200) if FAST else (3000, 500)
dates = random_dates(n_train + n_test, rng)
dates = [dates[i] for i in rng.permutation(len(dates))]
X = [spell(*d) for d in dates]                      # n lists of 3 to 8 words
Y = np.array([list(f"{y:04d}-{m:02d}-{d:02d}") for y, m, d, _ in dates])   # (n, 10)
X_train, Y_train, X_test, Y_test = X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]
print(f"{n_train} training pairs, {n_test} held out; e.g. {' '.join(X[0])!r} -> "
      f"{''.join(Y[0])}")

# 2. The encoder reads one-hot words, each sentence to its own end (the inputs are
#    sequences of different lengths); the decoder writes one character per step.
model = RNNSeq2Seq(input_encoding="onehot", hidden_size=32 if FAST else 64,
                   max_iter=15 if FAST else 60, learning_rate_init=0.01, batch_size=32,
                   random_state=0)
start = time.perf_counter()
model.fit(X_train, Y_train)
print(f"trained {model.n_iter_} epochs in {time.perf_counter() - start:.1f} s, "
      f"loss {model.loss_curve_[0]:.3f} -> {model.loss_curve_[-1]:.3f}")

# 3. Exact match (all 10 characters) and per-character accuracy on held-out dates.
predicted = model.predict(X_test)
exact = model.score(X_test, Y_test)
per_char = float(np.mean(predicted == Y_test))
print(f"held-out exact-match accuracy {exact:.3f}, per-character accuracy {per_char:.3f}")
model.set_params(beam_width=3)
print(f"held-out exact-match accuracy with beam_width=3 {model.score(X_test, Y_test):.3f}")

examples = [{"words": " ".join(x), "true": "".join(y),
             "predicted": "".join(p)} for x, y, p in zip(X_test[:20], Y_test, predicted)]
for row in examples[:5]:
    print(f"  {row['words']!r:55} -> {row['predicted']}  (true {row['true']})")
(OUTPUT_DIR / "seq2seq_dates.json").write_text(json.dumps(examples, indent=1))
