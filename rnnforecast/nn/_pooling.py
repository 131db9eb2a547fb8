"""Pooling over time, and the dense head that reads the pooled (or every) hidden state.

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


def head_forward(params, spec, hs):
    """hs (T, dirs*H, N) -> out (N, O) from the pooled steps, or (N, T, O) from every
    step."""
    W, b = params["head.weight"], params["head.bias"]
    if not spec.return_sequences:
        pooled = POOLINGS[spec.pooling].pool(hs)               # (H, N)
        return (W @ pooled + b[:, None]).T                     # (N, O)
    y = np.matmul(W, hs)                                       # (T, O, N)
    y += b[:, None]
    return y.transpose(2, 0, 1)                                # (N, T, O)


def head_backward(dout, cache, grads):
    """Fill the head's gradients; return the gradient w.r.t. the top sequence.

    Many-to-many, and many-to-one with mean or max pooling (or bidirectional):
    (dtop (T, dirs*H, N), None). Many-to-one with the last step of one direction:
    (None, dh (H, N)), the gradient w.r.t. the last output only.
    """
    W = cache.head_weight
    hs = cache.top.transpose(1, 0, 2)                          # (T, H, N)
    if cache.spec.return_sequences:
        dy = dout.transpose(1, 2, 0)                           # (T, O, N)
        grads["head.weight"] = np.matmul(dy, hs.transpose(0, 2, 1)).sum(axis=0)
        grads["head.bias"] = dy.sum(axis=(0, 2))
        return np.matmul(W.T, dy), None
    dy = dout.T                                                # (O, N)
    pooling = POOLINGS[cache.spec.pooling]
    grads["head.weight"] = dy @ pooling.pool(hs).T
    grads["head.bias"] = dy.sum(axis=1)
    if cache.spec.pooling == "last" and not cache.spec.bidirectional:
        return None, W.T @ dy               # only h_T: the cells add it to dh_T directly
    return pooling.unpool(W.T @ dy, hs), None                  # backprop through pooling
