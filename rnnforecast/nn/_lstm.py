"""Long short-term memory layer, the layer of PyTorch's ``nn.LSTM`` (gate order i, f, g, o).

    i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
    f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
    o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)

All four gates go through one ``tanh`` call: the sigmoid rows are pre-scaled by 1/2 and
``sigmoid(z) = 0.5 + 0.5 * tanh(z / 2)``. The backward pass differentiates from the
stored ``tanh`` values ``u``: ``d sigmoid = 0.25 * (1 - u**2)``, ``d tanh = 1 - u**2``.

References
----------
Hochreiter, S., & Schmidhuber, J. (1997). Long short-term memory. Neural Computation,
9(8), 1735-1780. Gers, Schmidhuber & Cummins (2000) for the forget gate.
"""

from typing import NamedTuple

import numpy as np

from ._common import (LayerGrads, input_backward, is_boundary, project_inputs,
                      recurrent_weight_grad, to_feature_major)

N_GATES = 4


class LSTMCache(NamedTuple):
    x: np.ndarray        # (D, T, N) layer input
    h0: np.ndarray       # (H, N)
    c0: np.ndarray       # (H, N)
    u: np.ndarray        # (T, 4H, N) tanh of the (scaled) gate pre-activations
    cs: np.ndarray       # (T, H, N) cell states c_0 .. c_{T-1}
    tanh_cs: np.ndarray  # (T, H, N)
    hs: np.ndarray       # (H, T, N) outputs
    W_ih: np.ndarray
    W_hh: np.ndarray
    truncate: object


def _gate_affine(H, dtype):
    """(4H, 1) column vectors: scale before tanh, and slope/offset after it."""
    sig = np.ones((4 * H, 1), dtype=dtype)
    sig[2 * H:3 * H] = 0                         # the g block is a plain tanh
    pre = 1 - 0.5 * sig                          # 0.5 for sigmoid rows, 1 for g
    return pre, pre.copy(), 0.5 * sig            # slope equals the pre-scale


def forward(x, state0, params, nonlinearity=None, truncate=None):
    """Run the layer over a whole batch of sequences.

    x : ndarray of shape (D, T, N)
    state0 : tuple (h0, c0), each of shape (H, N)
    params : tuple (W_ih (4H, D), W_hh (4H, H), b_ih (4H,), b_hh (4H,))

    Returns hs (H, T, N), final state (h_T, c_T), cache.
    """
    W_ih, W_hh, b_ih, b_hh = params
    _, T, N = x.shape
    h, c = state0
    H = h.shape[0]
    pre, slope, offset = _gate_affine(H, x.dtype)
    xp = project_inputs(x, W_ih, b_ih + b_hh)    # (4H, T, N)
    u = np.empty((T, 4 * H, N), dtype=x.dtype)
    cs = np.empty((T, H, N), dtype=x.dtype)
    tanh_cs = np.empty_like(cs)
    steps = np.empty_like(cs)
    a = np.empty((4 * H, N), dtype=x.dtype)
    for t in range(T):
        z = np.matmul(W_hh, h, out=u[t])
        z += xp[:, t]
        z *= pre
        np.tanh(z, out=z)
        np.multiply(z, slope, out=a)
        a += offset                              # a = [i; f; g; o]
        c = np.multiply(a[H:2 * H], c, out=cs[t])
        c += a[:H] * a[2 * H:3 * H]
        np.tanh(c, out=tanh_cs[t])
        h = np.multiply(a[3 * H:], tanh_cs[t], out=steps[t])
    hs = to_feature_major(steps)
    cache = LSTMCache(x, state0[0], state0[1], u, cs, tanh_cs, hs, W_ih, W_hh, truncate)
    return hs, (steps[-1].copy(), cs[-1].copy()), cache


def backward(dhs, cache, dstate=None):
    """Backpropagate through time.

    dhs : ndarray of shape (H, T, N), gradient of the loss w.r.t. every output h_t
    dstate : tuple (dh_T, dc_T), each (H, N), gradient w.r.t. the final state, or None

    Returns dx (D, T, N), dstate0 (dh0, dc0), LayerGrads.
    """
    x, h0, c0, u, cs, tanh_cs, hs, W_ih, W_hh, truncate = cache
    T, G, N = u.shape
    H = G // 4
    _, slope, offset = _gate_affine(H, u.dtype)
    acts = u * slope + offset                    # (T, 4H, N) gate values
    deriv = 1 - u * u
    deriv *= slope * slope                       # d gate / d pre-activation
    dsteps = np.empty_like(u)                    # (T, 4H, N)
    da = np.empty((G, N), dtype=u.dtype)
    dh_next = np.zeros((H, N), dtype=u.dtype) if dstate is None else dstate[0]
    dc_next = np.zeros((H, N), dtype=u.dtype) if dstate is None else dstate[1].copy()
    for t in range(T - 1, -1, -1):
        i, f, g, o = acts[t, :H], acts[t, H:2 * H], acts[t, 2 * H:3 * H], acts[t, 3 * H:]
        dh = dhs[:, t] + dh_next
        np.multiply(dh, tanh_cs[t], out=da[3 * H:])            # do
        dc = dh * o                                            # backprop through h = o*tanh(c)
        dc *= 1 - tanh_cs[t] * tanh_cs[t]
        dc += dc_next
        np.multiply(dc, g, out=da[:H])                         # di
        np.multiply(dc, cs[t - 1] if t > 0 else c0, out=da[H:2 * H])  # df
        np.multiply(dc, i, out=da[2 * H:3 * H])                # dg
        dc_next = np.multiply(dc, f, out=dc)
        dz = np.multiply(da, deriv[t], out=dsteps[t])          # backprop through the gates
        dh_next = W_hh.T @ dz
        if is_boundary(t, T, truncate):
            dh_next[:] = 0
            dc_next = np.zeros_like(dc_next)
    dZ = to_feature_major(dsteps)                               # (4H, T, N)
    dx, dW_ih, db = input_backward(dZ, x, W_ih)
    dW_hh = recurrent_weight_grad(dZ, hs, h0)
    return dx, (dh_next, dc_next), LayerGrads(dW_ih, dW_hh, db, db.copy())
