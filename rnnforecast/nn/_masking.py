"""Sequences of different lengths in one batch: right padding and the carried state.

A batch of N sequences of lengths ``L_n <= T`` is one (T, D, N) array whose steps
``t >= L_n`` of sample n are padding. At a padded step every layer carries its state
unchanged::

    h_t = h_{t-1},  c_t = c_{t-1}            (t >= L_n)

so the final state, and the output at the last step, are those of step ``L_n - 1``: a
padded sequence gives the outputs and gradients of the same sequence alone. Backward,
the gradient reaching a padded step goes to the step before it unchanged, and the
padded step's pre-activation gradients are zero (nothing of it depends on the weights
or on its input). Each cell applies the rule with the arrays of ``StepMask``:

* rnn: the step's output is replaced by ``h_{t-1}`` on padded columns; backward, the
  local derivative is zeroed there and ``dh`` is carried past the recurrence;
* lstm: the padded columns' gates are set to ``o = i = g = 0``, ``f = 1`` (so that
  ``c_t = c_{t-1}`` exactly and every local derivative is exactly zero), ``h_t`` is
  carried like the rnn's;
* gru: the update gate is set to ``z = 1`` (the direct path carries ``dh`` exactly,
  every local derivative is exactly zero) and ``h_t`` is copied from ``h_{t-1}``;
* jordan: the raw output ``y_t`` is carried; backward, ``dy`` goes to ``y_{t-1}``.

Steps before the shortest length (``first``) have no padding and run the plain step.
A batch whose lengths all equal T has no mask at all (``step_mask`` returns None) and
runs the cells' unmasked code.
"""

from typing import NamedTuple

import numpy as np


class StepMask(NamedTuple):
    lengths: np.ndarray    # (N,) int, every length in [1, T]
    first: int             # the first step with some padding: min(lengths)
    pad: np.ndarray        # (T, 1, N) bool, True at padded steps
    valid: np.ndarray      # (T, 1, N) float in the network's dtype, 1 at real steps
    reverse: np.ndarray    # (T, 1, N) int, step read at t by the reverse direction


def check_lengths(lengths, N, T):
    """Return ``lengths`` as an int array of shape (N,), each in [1, T]; raise a
    ValueError naming ``lengths`` otherwise."""
    arr = np.asarray(lengths)
    if arr.shape != (N,) or arr.dtype.kind not in "iu" or \
            (N and (arr.min() < 1 or arr.max() > T)):
        raise ValueError(
            f"`lengths` must be integers in [1, {T}], one per sequence ({N}). Got "
            f"{np.array2string(arr, threshold=8)} (shape {arr.shape}) instead.")
    return arr.astype(np.intp)


def step_mask(lengths, T, dtype):
    """The ``StepMask`` of sequences of ``lengths`` padded to T steps, or None when
    ``lengths`` is None or every length is T."""
    if lengths is None or np.all(lengths == T):
        return None
    steps = np.arange(T)[:, None, None]                       # (T, 1, 1)
    L = lengths[None, None, :]                                # (1, 1, N)
    pad = steps >= L                                          # (T, 1, N)
    reverse = np.where(pad, steps, L - 1 - steps)             # within each length
    return StepMask(lengths, int(lengths.min()), pad, (~pad).astype(dtype), reverse)


def reverse_within(x, mask):
    """x (T, F, N) with each sample's first ``L_n`` steps in reverse order (padding
    stays in place); its own inverse. Without a mask, the reversed view ``x[::-1]``."""
    if mask is None:
        return x[::-1]
    return np.take_along_axis(x, mask.reverse, axis=0)        # (T, F, N)


def padded_steps(mask, T):
    """Steps t (ascending) with some padding: ``range(first, T)``, empty without mask."""
    return range(T if mask is None else mask.first, T)
