"""Gated recurrent unit layer, the layer of PyTorch's ``nn.GRU`` (gate order r, z, n).

    r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

As in PyTorch, ``b_hn`` sits inside the reset product, so the hidden biases are kept
apart from the input biases.

References
----------
Cho, K., van Merrienboer, B., Gulcehre, C., et al. (2014). Learning phrase
representations using RNN encoder-decoder for statistical machine translation. EMNLP.
"""

from typing import NamedTuple

import numpy as np

from .activations import sigmoid_
from ._common import (LayerGrads, input_backward, is_boundary, project_inputs,
                      recurrent_weight_grad, to_feature_major)

N_GATES = 3


class GRUCache(NamedTuple):
    x: np.ndarray        # (D, T, N) layer input
    h0: np.ndarray       # (H, N)
    acts: np.ndarray     # (T, 3H, N) gate values r, z, n
    rec_n: np.ndarray    # (T, H, N) W_hn h_{t-1} + b_hn
    hs: np.ndarray       # (H, T, N) outputs
    W_ih: np.ndarray
    W_hh: np.ndarray
    truncate: object


def forward(x, state0, params, nonlinearity=None, truncate=None):
    """Run the layer over a whole batch of sequences.

    x : ndarray of shape (D, T, N)
    state0 : tuple (h0,) with h0 of shape (H, N)
    params : tuple (W_ih (3H, D), W_hh (3H, H), b_ih (3H,), b_hh (3H,))

    Returns hs (H, T, N), final state (h_T,), cache.
    """
    W_ih, W_hh, b_ih, b_hh = params
    _, T, N = x.shape
    h = state0[0]
    H = h.shape[0]
    bias = b_ih.copy()
    bias[:2 * H] += b_hh[:2 * H]                 # r and z take both biases outside
    xp = project_inputs(x, W_ih, bias)           # (3H, T, N)
    b_hn = b_hh[2 * H:, None]
    acts = np.empty((T, 3 * H, N), dtype=x.dtype)
    rec_n = np.empty((T, H, N), dtype=x.dtype)
    steps = np.empty((T, H, N), dtype=x.dtype)
    rec = np.empty((3 * H, N), dtype=x.dtype)
    for t in range(T):
        np.matmul(W_hh, h, out=rec)
        a = acts[t]
        rz = np.add(xp[:2 * H, t], rec[:2 * H], out=a[:2 * H])
        sigmoid_(rz)
        hn = np.add(rec[2 * H:], b_hn, out=rec_n[t])
        n = np.multiply(a[:H], hn, out=a[2 * H:])
        n += xp[2 * H:, t]
        np.tanh(n, out=n)
        h_new = np.subtract(h, n, out=steps[t])
        h_new *= a[H:2 * H]
        h = np.add(h_new, n, out=h_new)          # h = n + z * (h_prev - n)
    hs = to_feature_major(steps)
    cache = GRUCache(x, state0[0], acts, rec_n, hs, W_ih, W_hh, truncate)
    return hs, (steps[-1].copy(),), cache


def backward(dhs, cache, dstate=None):
    """Backpropagate through time.

    dhs : ndarray of shape (H, T, N), gradient of the loss w.r.t. every output h_t
    dstate : tuple (dh_T,) of shape (H, N), gradient w.r.t. the final state, or None

    Returns dx (D, T, N), dstate0 (dh0,), LayerGrads.
    """
    x, h0, acts, rec_n, hs, W_ih, W_hh, truncate = cache
    T, G, N = acts.shape
    H = G // 3
    deriv = acts * (1 - acts)                    # sigmoid' for r, z
    deriv[:, 2 * H:] = 1 - acts[:, 2 * H:] ** 2  # tanh' for n
    dxs = np.empty_like(acts)                    # (T, 3H, N) grads of input pre-activations
    dhs_rec = np.empty_like(acts)                # (T, 3H, N) grads of recurrent pre-activations
    dh_next = np.zeros((H, N), dtype=acts.dtype) if dstate is None else dstate[0]
    for t in range(T - 1, -1, -1):
        r, z, n = acts[t, :H], acts[t, H:2 * H], acts[t, 2 * H:]
        h_prev = hs[:, t - 1] if t > 0 else h0
        dh = dhs[:, t] + dh_next
        dx_t, dr_t = dxs[t], dhs_rec[t]
        dn = dh - dh * z
        np.multiply(dn, deriv[t, 2 * H:], out=dx_t[2 * H:])            # backprop through tanh
        np.multiply(dx_t[2 * H:], r, out=dr_t[2 * H:])                 # through r * (W_hn h + b_hn)
        np.multiply(dx_t[2 * H:], rec_n[t], out=dx_t[:H])              # dr
        np.multiply(dh, h_prev - n, out=dx_t[H:2 * H])                 # dz
        dx_t[:2 * H] *= deriv[t, :2 * H]                               # through the sigmoids
        dr_t[:2 * H] = dx_t[:2 * H]
        dh_next = W_hh.T @ dr_t
        dh_next += dh * z
        if is_boundary(t, T, truncate):
            dh_next[:] = 0
    dX = to_feature_major(dxs)
    dR = to_feature_major(dhs_rec)
    dx, dW_ih, db_ih = input_backward(dX, x, W_ih)
    dW_hh = recurrent_weight_grad(dR, hs, h0)
    db_hh = dR.reshape(G, -1).sum(axis=1)
    return dx, (dh_next,), LayerGrads(dW_ih, dW_hh, db_ih, db_hh)
