"""A character-level language model: learn a text, then write new text in its style.

The story: a recurrent network reads a text one character at a time and, at every step,
predicts the next character. That is many-to-many classification: input sequences of
character ids (n_samples, n_timesteps), one label per time step (n_samples,
n_timesteps), ``RNNClassifier(return_sequences=True)`` with a softmax over the
vocabulary. The ids go through a learned embedding (``embedding_dim``): each character
gets a small dense vector, trained with the network, instead of a one-hot row as wide
as the vocabulary. To generate, we start from a seed, ask the network for the
distribution of the next character, draw one (a temperature below 1 makes the draw
bolder, above 1 wilder), append it and feed it to the network, whose carried state
holds the text read so far: one network step per character (``model.stepper()``).

The text is a few paragraphs written for this example and is placed in the public domain.

Environment: RNNFORECAST_FAST=1 trains briefly on short sequences;
RNNFORECAST_OUTPUT_DIR is where the generated texts go (JSON) (default: current directory).
"""

import json
import os
from pathlib import Path

import numpy as np

from rnnforecast import RNNClassifier

FAST = os.environ.get("RNNFORECAST_FAST") == "1"
OUTPUT_DIR = Path(os.environ.get("RNNFORECAST_OUTPUT_DIR", "."))
OUTPUT_DIR.mkdir(parents=True, exist_ok=True)

TEXT = """\
the river runs past the mill and under the old stone bridge. in the morning the water
is grey and slow, and the miller stands at the door and watches the mist lift from the
fields. in the evening the water is gold, and the children run along the bank and throw
sticks into the current to see which one reaches the bridge first.

the mill is older than the village. the stones that grind the wheat were carried up the
river on a flat boat, one stone at a time, and the men who carried them are remembered
in the names of the streets. the wheel turns when the river is high and rests when the
river is low, and the miller says that the river knows more about bread than he does.

in winter the river freezes at the edges, and the wheel turns slowly under a coat of
ice. the miller lights a fire in the small room above the stones and listens to the
water. he says that the sound of the river changes with the weather, that it is sharp
before snow and soft before rain, and the children laugh at him and then listen too.

in spring the river is loud and brown, and it carries branches and leaves and once a
small boat with no one in it. the children ran along the bank to follow the boat until
it turned under the bridge and was gone. the miller said that the river was taking the
boat to the sea, and that the sea would send it back one day, full of fish.
"""

# 1. The vocabulary: every character gets an id 0 .. vocabulary - 1.
chars = sorted(set(TEXT))
index_of = {c: i for i, c in enumerate(chars)}
codes = np.array([index_of[c] for c in TEXT])  # (n_chars,) ids
print(f"text of {len(TEXT)} characters, vocabulary of {len(chars)}")

# 2. Training pairs: each input sequence of SEQ_LEN characters is labelled with the same
#    sequence shifted by one, i.e. the next character at every step.
SEQ_LEN, STRIDE = (16, 4) if FAST else (40, 2)
starts = np.arange(0, len(TEXT) - SEQ_LEN - 1, STRIDE)
steps = starts[:, None] + np.arange(SEQ_LEN)  # (n_samples, SEQ_LEN)
X = codes[steps]  # (n_samples, SEQ_LEN) character ids
y = np.array(chars)[codes[steps + 1]]  # (n_samples, SEQ_LEN): the next characters
print(f"X {X.shape}, y {y.shape}")

# 3. An embedding of 16 dimensions, then an LSTM with a softmax output at every step.
model = RNNClassifier(cell="lstm", hidden_size=32 if FAST else 128, return_sequences=True,
                      embedding_dim=16, vocabulary_size=len(chars),
                      max_iter=3 if FAST else 60, batch_size=32, learning_rate_init=0.01,
                      random_state=0)
model.fit(X, y)
print(f"Trained for {model.n_iter_} epochs: loss {model.loss_curve_[0]:.3f} -> "
      f"{model.loss_curve_[-1]:.3f}, next-character accuracy {model.score(X, y):.3f}")


# 4. Sampling, one network step per character. The stepper carries the LSTM's state, so
#    each new character costs one step instead of a pass over a window; after each
#    character it returns predict_proba of the whole text read so far at its last
#    position: the next character's distribution given everything since the seed.
def sample(model, seed, n_chars, temperature, rng):
    """Extend ``seed`` by ``n_chars`` sampled characters."""
    stepper = model.stepper()
    for c in seed:
        proba = stepper.step(index_of[c])  # (n_classes,)
    text = seed
    for _ in range(n_chars):
        logits = np.log(np.maximum(proba, 1e-12)) / temperature
        weights = np.exp(logits - logits.max())
        text += model.classes_[rng.choice(len(weights), p=weights / weights.sum())]
        proba = stepper.step(index_of[text[-1]])
    return text


rng = np.random.default_rng(0)
seed = TEXT[:SEQ_LEN]
samples = {}
for temperature in (0.5, 1.0):
    samples[str(temperature)] = sample(model, seed, 60 if FAST else 300, temperature, rng)
    print(f"\n--- temperature {temperature} ---\n{samples[str(temperature)]}")
(OUTPUT_DIR / "char_rnn_samples.json").write_text(json.dumps(samples, indent=1))
print(f"\nSaved {OUTPUT_DIR / 'char_rnn_samples.json'}")
