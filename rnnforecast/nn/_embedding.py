"""Learnable embeddings of integer tokens, the layer of PyTorch's ``nn.Embedding``.

    e_t = W[x_t]          W of shape (V, E), x_t in {0, ..., V - 1}

Forward is a row lookup; backward adds each step's gradient into the row of its token
(a scatter-add: a token seen k times receives the sum of its k gradients), so the
gradient of every row that no token of the batch names is zero.

API (stable, used by the estimators)::

    E, cache = embedding_forward(weight, ids)      # weight (V, E), ids (N, T) -> E (N, T, E)
    dW = embedding_backward(dE, cache)             # dE (N, T, E) -> dW (V, E)
    check_ids(ids, vocabulary_size, name="X")      # raise ValueError on ids outside [0, V)

The parameter's name in a ``params`` dict is ``EMBEDDING_KEY`` ("embedding.weight"), as
in a PyTorch module holding ``self.embedding = nn.Embedding(V, E)``.

References
----------
Bengio, Y., Ducharme, R., Vincent, P. & Jauvin, C. (2003). A neural probabilistic
language model. JMLR, 3, 1137-1155.
"""

from typing import NamedTuple

import numpy as np

EMBEDDING_KEY = "embedding.weight"


class EmbeddingCache(NamedTuple):
    ids: np.ndarray          # (N, T) token ids
    vocabulary_size: int


def check_ids(ids, vocabulary_size, name="X"):
    """Raise a ValueError naming ``name`` when an id of ``ids`` is outside [0, V)."""
    ids = np.asarray(ids)
    bad = (ids < 0) | (ids >= vocabulary_size)
    if np.any(bad):
        unknown = np.unique(ids[bad])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ValueError(
            f"{name} holds token ids outside the vocabulary [0, {vocabulary_size - 1}]: "
            f"{unknown[:5].tolist()}{more}. Map "
            "unknown tokens to a reserved id seen in fit, or refit with a larger "
            "vocabulary_size.")


def embedding_forward(weight, ids):
    """Look up the rows of ``weight``.

    weight : ndarray of shape (V, E)
    ids : int ndarray of shape (N, T), every id in [0, V) (checked by the caller)

    Returns E of shape (N, T, E) (a new array) and the cache.
    """
    return weight[ids], EmbeddingCache(ids, weight.shape[0])


def embedding_backward(dE, cache):
    """Scatter-add the step gradients into the rows of their tokens.

    dE : ndarray of shape (N, T, E), the gradient w.r.t. the looked-up rows

    Returns dW of shape (V, E).
    """
    ids, V = cache
    dW = np.zeros((V, dE.shape[-1]), dtype=dE.dtype)
    np.add.at(dW, ids.reshape(-1), dE.reshape(-1, dE.shape[-1]))   # (N*T, E) into (V, E)
    return dW
