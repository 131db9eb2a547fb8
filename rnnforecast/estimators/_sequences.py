"""Sequences of different lengths and token ids on the estimators' side.

Inside an estimator, sequences of different lengths are one float64 array
(n_samples, max length, n_features) whose padded steps are NaN (``_validation``'s
``as_sequence_array`` and ``padded_lengths``); token ids are the same array with one
feature (ids are exact in float64). Before the network, the padding becomes zeros and
the lengths travel beside the array (``network_input``); the engine then carries the
state over the padded steps (``nn/_masking.py``), so every sequence is computed as if
alone.

Batches group sequences of similar length (``length_batches``, ``by_length``) and are
cut to their own longest sequence, so that padding costs little.
"""

import numpy as np

from .._validation import padded_lengths
from ..nn._embedding import EMBEDDING_KEY, embedding_forward
from ..nn.network import encode

#: Training batches are formed within groups of this many batches of shuffled sequences
#: sorted by length: similar lengths in a batch, a shuffled order from epoch to epoch.
BUCKET_BATCHES = 16


def lengths_of(X):
    """Lengths of the NaN-padded sequences X (n, T, D) (checked at the door), or None
    when none is padded."""
    return padded_lengths(X)


def network_input(X, tokens=False):
    """X (n, T, D) with the padding (NaN) as zeros; token ids (n, T) as integers."""
    filled = np.nan_to_num(X, nan=0.0) if np.isnan(X).any() else X
    return filled[:, :, 0].astype(np.intp) if tokens else filled


def real_steps(X, lengths):
    """Every real step of X (n, T, D) as one-step windows (sum of lengths, 1, D), for
    statistics over steps that must not see the padding."""
    if lengths is None:
        return X
    keep = np.arange(X.shape[1])[None, :] < lengths[:, None]       # (n, T)
    return X[keep][:, None, :]


def per_sequence(fn, X, lengths):
    """``fn`` applied to each sequence's real steps alone, (1, L_i, D) -> (1, L'_i, D),
    the results padded again with NaN: (n, max L'_i, D). Without lengths, ``fn(X)``."""
    if lengths is None:
        return fn(X)
    parts = [fn(X[i:i + 1, :L]) for i, L in enumerate(lengths)]
    out = np.full((len(parts), max(p.shape[1] for p in parts), X.shape[2]), np.nan)
    for i, p in enumerate(parts):
        out[i, :p.shape[1]] = p[0]
    return out


def length_batches(lengths, batch_size, rng):
    """Index arrays of the mini-batches of one epoch over sequences of ``lengths``.

    Shuffled sequences are taken in groups of ``BUCKET_BATCHES`` batches, sorted by
    length within each group and cut into batches, whose order is shuffled again.
    """
    order = rng.permutation(len(lengths))
    group = batch_size * BUCKET_BATCHES
    batches = []
    for start in range(0, len(order), group):
        members = order[start:start + group]
        members = members[np.argsort(lengths[members], kind="stable")]
        batches += [members[i:i + batch_size] for i in range(0, len(members), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def by_length(lengths, batch_size):
    """Index arrays of prediction batches, by increasing length (stable)."""
    order = np.argsort(lengths, kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


TOKENS_RULE = ("With embedding_dim set, X must hold integer token ids: an int array of "
               "shape (n_samples, n_timesteps) or a list of non-empty 1-D int sequences.")
TOKENS_FIX = ("Convert ids with np.asarray(ids, dtype=int); float features need "
              "embedding_dim=None.")


def _token_rows(item, position):
    """One sequence of token ids as a 1-D integer array, or a ValueError."""
    rows = np.asarray(item.to_numpy() if hasattr(item, "to_numpy") else item)
    if rows.ndim != 1 or rows.dtype.kind not in "iu" or len(rows) == 0:
        raise ValueError(f"{TOKENS_RULE} Got dtype {rows.dtype}, shape {rows.shape} at "
                         f"position {position}. {TOKENS_FIX}")
    return rows


def token_array(X):
    """Token ids (an int array (n, T), a DataFrame of ints, or a list of 1-D int
    sequences of any lengths) as the estimators' float64 (n, max T, 1) array, NaN after
    each sequence's end. Raises a ValueError for anything but non-negative integers:
    float data are never read as tokens."""
    if hasattr(X, "to_numpy") and getattr(X, "ndim", 0) == 2:
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "iu":
        items = list(X)
    elif isinstance(X, (list, tuple)):
        items = list(X)
    else:
        raise ValueError(f"{TOKENS_RULE} Got {type(X).__name__} of dtype "
                         f"{getattr(X, 'dtype', None)} and shape {np.shape(X)}. {TOKENS_FIX}")
    rows = [_token_rows(item, i) for i, item in enumerate(items)]
    if not rows:
        raise ValueError("X holds no sequence; give at least one.")
    negative = [i for i, r in enumerate(rows) if r.min() < 0]
    if negative:
        raise ValueError(
            f"X holds negative token ids in the sequences at positions {negative[:5]}. "
            "Token ids are 0, 1, ..., vocabulary_size - 1.")
    T = max(len(r) for r in rows)
    out = np.full((len(rows), T, 1), np.nan)
    for i, r in enumerate(rows):
        out[i, :len(r), 0] = r
    return out


def encode_by_length(network, X, lengths, batch_size=512):
    """What the many-to-one head reads, (n, dirs*H), for zero-padded sequences (or token
    ids) X of ``lengths`` (None: all of X's length), in float64 batches of similar
    lengths."""
    params = network.params64()
    if lengths is None:
        lengths = np.full(len(X), X.shape[1])
    out = None
    for idx in by_length(lengths, batch_size):
        T = int(lengths[idx].max())
        part = X[idx, :T]
        if EMBEDDING_KEY in params:
            part = embedding_forward(params[EMBEDDING_KEY], part)[0]   # (n_b, T, E)
        codes = encode(params, network.spec, part, lengths=lengths[idx])
        if out is None:
            out = np.empty((len(X), codes.shape[1]))
        out[idx] = codes
    return out


def ragged_labels(y, lengths):
    """One label per real step, y a list of (T_i,) label arrays (or an array (n, >= T)),
    as an array (n, max T_i) whose padded entries repeat the sequence's first label
    (a known class; their loss weight is 0). Raises a ValueError naming ``y`` when a
    sequence's labels do not match its length."""
    rows = [np.asarray(row) for row in y]
    wrong = [f"position {i}: {row.shape} labels for {L} steps"
             for i, (row, L) in enumerate(zip(rows, lengths))
             if row.ndim != 1 or len(row) < L or (len(row) > L and not
                                                   isinstance(y, np.ndarray))]
    if len(rows) != len(lengths) or wrong:
        raise ValueError(
            "y must hold one label per time step of each sequence (a list of arrays of "
            "the sequences' lengths) with return_sequences=True. Got "
            f"{len(rows)} label sequences for {len(lengths)} sequences" +
            "".join(f"\n    {line}" for line in wrong[:5]))
    T = int(max(lengths))
    out = np.empty((len(rows), T), dtype=np.result_type(*[r.dtype for r in rows]))
    for i, (row, L) in enumerate(zip(rows, lengths)):
        out[i, :L] = row[:L]
        out[i, L:] = row[0]
    return out
