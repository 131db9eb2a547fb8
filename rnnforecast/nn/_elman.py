"""Elman recurrent layer (tanh or ReLU), the layer of PyTorch's ``nn.RNN``.

    h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

References
----------
Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2), 179-211.
"""

from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS, DERIVATIVES
from ._common import (LayerGrads, input_backward, is_boundary, project_inputs,
                      recurrent_weight_grad, to_feature_major)

N_GATES = 1


class ElmanCache(NamedTuple):
    x: np.ndarray        # (D, T, N) layer input
    h0: np.ndarray       # (H, N)
    hs: np.ndarray       # (H, T, N) outputs h_0 .. h_{T-1}
    W_ih: np.ndarray
    W_hh: np.ndarray
    nonlinearity: str
    truncate: object


def forward(x, state0, params, nonlinearity="tanh", truncate=None):
    """Run the layer over a whole batch of sequences.

    x : ndarray of shape (D, T, N)
    state0 : tuple (h0,) with h0 of shape (H, N)
    params : tuple (W_ih (H, D), W_hh (H, H), b_ih (H,), b_hh (H,))

    Returns hs (H, T, N), final state (h_T,), cache.
    """
    W_ih, W_hh, b_ih, b_hh = params
    _, T, N = x.shape
    act = ACTIVATIONS[nonlinearity]
    xp = project_inputs(x, W_ih, b_ih + b_hh)  # (H, T, N)
    steps = np.empty((T,) + state0[0].shape, dtype=x.dtype)  # (T, H, N)
    h = state0[0]
    for t in range(T):
        h = np.matmul(W_hh, h, out=steps[t])
        h += xp[:, t]
        act(h)
    hs = to_feature_major(steps)
    cache = ElmanCache(x, state0[0], hs, W_ih, W_hh, nonlinearity, truncate)
    return hs, (steps[-1].copy(),), cache


def backward(dhs, cache, dstate=None):
    """Backpropagate through time.

    dhs : ndarray of shape (H, T, N), gradient of the loss w.r.t. every output h_t
    dstate : tuple (dh_T,) of shape (H, N), gradient w.r.t. the final state, or None

    Returns dx (D, T, N), dstate0 (dh0,), LayerGrads.
    """
    x, h0, hs, W_ih, W_hh, nonlinearity, truncate = cache
    H, T, N = hs.shape
    deriv = DERIVATIVES[nonlinearity](hs)  # (H, T, N), from the stored outputs
    dsteps = np.empty((T, H, N), dtype=hs.dtype)
    dh_next = np.zeros((H, N), dtype=hs.dtype) if dstate is None else dstate[0]
    for t in range(T - 1, -1, -1):
        dz = np.add(dhs[:, t], dh_next, out=dsteps[t])
        dz *= deriv[:, t]                        # backprop through the nonlinearity
        dh_next = W_hh.T @ dz                    # backprop through the recurrence
        if is_boundary(t, T, truncate):
            dh_next[:] = 0
    dZ = to_feature_major(dsteps)                # (H, T, N)
    dx, dW_ih, db = input_backward(dZ, x, W_ih)
    dW_hh = recurrent_weight_grad(dZ, hs, h0)
    return dx, (dh_next,), LayerGrads(dW_ih, dW_hh, db, db.copy())
