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


def _last_index(hs, steps):
    """(1, H, N) index of each sample's last real step."""
    return np.broadcast_to(steps.lengths - 1, (1,) + hs.shape[1:])


def _pool_last_masked(hs, steps):
    """hs (T, H, N) -> (H, N), each sample's last real step."""
    return np.take_along_axis(hs, _last_index(hs, steps), axis=0)[0]


def _unpool_last_masked(dpooled, hs, steps):
    dhs = np.zeros_like(hs)
    np.put_along_axis(dhs, _last_index(hs, steps), dpooled[None], axis=0)
    return dhs


def _pool_mean_masked(hs, steps):
    """hs (T, H, N) -> (H, N), the mean over each sample's real steps."""
    return (hs * steps.valid).sum(axis=0) / steps.lengths.astype(hs.dtype)


def _unpool_mean_masked(dpooled, hs, steps):
    return (dpooled / steps.lengths.astype(hs.dtype)) * steps.valid  # (T, H, N)


def _pool_max_masked(hs, steps):
    """hs (T, H, N) -> (H, N), the maximum over each sample's real steps."""
    return np.where(steps.pad, -np.inf, hs).max(axis=0).astype(hs.dtype, copy=False)


def _unpool_max_masked(dpooled, hs, steps):
    dhs = np.zeros_like(hs)
    first_max = np.where(steps.pad, -np.inf, hs).argmax(axis=0)[None]  # (1, H, N)
    np.put_along_axis(dhs, first_max, dpooled[None], axis=0)
    return dhs


class Pooling(NamedTuple):
    pool: object       # (T, H, N) -> (H, N)
    unpool: object     # (dpooled (H, N), hs (T, H, N)) -> dhs (T, H, N)
    pool_masked: object = None     # (hs, StepMask) -> (H, N), reading real steps only
    unpool_masked: object = None   # (dpooled, hs, StepMask) -> dhs, zero at padded steps


#: ``pooling`` option -> the pooling and its backward (the same for any axis-1 size),
#: and their forms for padded sequences (``_masking``).
POOLINGS = {
    "last": Pooling(_pool_last, _unpool_last, _pool_last_masked, _unpool_last_masked),
    "mean": Pooling(_pool_mean, _unpool_mean, _pool_mean_masked, _unpool_mean_masked),
    "max": Pooling(_pool_max, _unpool_max, _pool_max_masked, _unpool_max_masked),
}


def pool(name, hs, steps=None):
    """hs (T, H, N) pooled by the pooling ``name`` over the real steps: (H, N)."""
    pooling = POOLINGS[name]
    return pooling.pool(hs) if steps is None else pooling.pool_masked(hs, steps)


def unpool(name, dpooled, hs, steps=None):
    """The backward of ``pool``: dhs (T, H, N), zero at padded steps."""
    pooling = POOLINGS[name]
    if steps is None:
        return pooling.unpool(dpooled, hs)
    return pooling.unpool_masked(dpooled, hs, steps)


def head_forward(params, spec, hs, steps=None):
    """hs (T, dirs*H, N) -> out (N, O) from the pooled steps, or (N, T, O) from every
    step (padded steps, see ``steps``, give outputs that the loss must ignore)."""
    W, b = params["head.weight"], params["head.bias"]
    if not spec.return_sequences:
        pooled = pool(spec.pooling, hs, steps)                 # (H, N)
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
    name, steps = cache.spec.pooling, cache.mask
    grads["head.weight"] = dy @ pool(name, hs, steps).T
    grads["head.bias"] = dy.sum(axis=1)
    if name == "last" and not cache.spec.bidirectional:
        return None, W.T @ dy   # only h_T (carried from each last real step): added to dh_T
    return unpool(name, W.T @ dy, hs, steps), None             # backprop through pooling
