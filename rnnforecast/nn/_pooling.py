"""Pooling over time: what the many-to-one head reads from the top layer's sequence.

Each pooling maps the hidden states ``hs`` of shape (T, H, N) to (H, N), and its backward
maps the gradient w.r.t. the pooled states back to (T, H, N). Nothing depends on the
size of axis 1, so the same functions pool the ``2H``-wide outputs of a bidirectional
layer.
"""

from typing import NamedTuple

import numpy as np


def _pool_last(hs):
    """hs (T, H, N) -> (H, N), the last step."""
    return hs[-1]


def _unpool_last(dpooled, hs):
    """Only the last step receives the gradient: (T, H, N)."""
    dhs = np.zeros_like(hs)
    dhs[-1] = dpooled
    return dhs


def _pool_mean(hs):
    """hs (T, H, N) -> (H, N), the mean over the steps."""
    return hs.mean(axis=0)


def _unpool_mean(dpooled, hs):
    """Every step receives ``dpooled / T``: (T, H, N)."""
    dhs = np.empty_like(hs)
    dhs[:] = dpooled / hs.dtype.type(hs.shape[0])
    return dhs


def _pool_max(hs):
    """hs (T, H, N) -> (H, N), the element-wise maximum over the steps."""
    return hs.max(axis=0)


def _unpool_max(dpooled, hs):
    """The gradient goes to the step holding each maximum (the first one on ties)."""
    dhs = np.zeros_like(hs)
    np.put_along_axis(dhs, hs.argmax(axis=0)[None], dpooled[None], axis=0)  # (T, H, N)
    return dhs


class Pooling(NamedTuple):
    pool: object       # (T, H, N) -> (H, N)
    unpool: object     # (dpooled (H, N), hs (T, H, N)) -> dhs (T, H, N)


#: ``pooling`` option -> the pooling and its backward (the same for any axis-1 size).
POOLINGS = {
    "last": Pooling(_pool_last, _unpool_last),
    "mean": Pooling(_pool_mean, _unpool_mean),
    "max": Pooling(_pool_max, _unpool_max),
}
