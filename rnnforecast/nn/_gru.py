"""Gated recurrent unit layer, the layer of PyTorch's ``nn.GRU`` (gate order r, z, n).

    r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

As in PyTorch, ``b_hn`` sits inside the reset product. One GEMM per step,
``W @ [h_{t-1}; x_t; 1]`` (see ``_common``), gives, in this order, the recurrent part of
the candidate ``W_hn h_{t-1} + b_hn`` (its input columns are zero) and the reset and
update pre-activations; the input part of the candidate, ``W_in x_t + b_in``, is one GEMM
over all steps before the loop. The gradients of all four blocks are ``dh_t`` times a
local derivative computed from stored values, so a backward step is one multiplication,
one GEMM and the direct path ``dh_t * z_t``.

References
----------
Cho, K., van Merrienboer, B., Gulcehre, C., et al. (2014). Learning phrase
representations using RNN encoder-decoder for statistical machine translation. EMNLP.
"""

from typing import NamedTuple

import numpy as np

from ._buffers import carve
from ._common import (ChunkGrads, LayerGrads, chunk_steps, is_boundary, stack_inputs,
                      stack_weights, unorder)

ORDER = (2, 0, 1)        # internal blocks of the per-step GEMM: n (recurrent part), r, z


class GRUCache(NamedTuple):
    S: np.ndarray        # (T + 1, H + D + 1, N) stacked [h_{t-1}; x_t; 1]; S[1:, :H] = outputs
    A: np.ndarray        # (T, 3H, N) W_hn h_{t-1} + b_hn, r, z
    n: np.ndarray        # (T, H, N) candidate n_t
    W: np.ndarray        # (3H, H + D + 1) stacked weights of the per-step GEMM
    W_ih: np.ndarray     # (3H, D)
    bptt_truncate: object
    mask: object = None  # StepMask of padded steps (see ``_masking``), or None


def _stacked_weights(W_ih, W_hh, b_ih, b_hh):
    """Per-step weights (3H, K), rows n (recurrent part), r, z, and [W_in | b_in] (H, D+1)."""
    H = W_hh.shape[1]
    W_x = W_ih.copy()
    W_x[2 * H:] = 0                                  # the candidate's input part is batched
    bias = b_hh.copy()
    bias[:2 * H] += b_ih[:2 * H]
    W = stack_weights(W_hh, W_x, bias, ORDER)
    return W, np.concatenate([W_ih[2 * H:], b_ih[2 * H:, None]], axis=1)


def forward(x, state0, params, nonlinearity=None, bptt_truncate=None, mask=None):
    """Run the layer over a whole batch of sequences.

    x : ndarray of shape (T, D, N)
    state0 : tuple (h0,) with h0 of shape (H, N)
    params : tuple (W_ih (3H, D), W_hh (3H, H), b_ih (3H,), b_hh (3H,))
    mask : StepMask or None; padded steps store z = 1 and carry h_{t-1} (``_masking``)

    Returns hs (T, H, N) (a view into the cache), final state (h_T,), cache.
    """
    W_ih, W_hh, b_ih, b_hh = params
    T, H = x.shape[0], W_hh.shape[1]
    W, W_n = _stacked_weights(W_ih, W_hh, b_ih, b_hh)
    W_pre = W.copy()
    W_pre[H:] *= 0.5                                 # sigmoid rows: tanh(z / 2)
    N, dtype, half = x.shape[2], W.dtype, W.dtype.type(0.5)
    S, A, n_all, xn, tmp = carve(dtype, (T + 1, W.shape[1], N), (T, 3 * H, N), (T, H, N),
                                 (T, H, N), (H, N))
    stack_inputs(x, state0[0], S)                    # (T + 1, K, N)
    np.matmul(W_n, S[:T, H:], out=xn)                # (T, H, N) W_in x_t + b_in
    first = T if mask is None else mask.first
    for t in range(T):
        a = np.matmul(W_pre, S[t], out=A[t])         # (3H, N)
        rz = a[H:]
        np.tanh(rz, out=rz)
        rz *= half
        rz += half                                   # a = [W_hn h + b_hn; r; z]
        n = np.multiply(a[H:2 * H], a[:H], out=n_all[t])
        n += xn[t]
        np.tanh(n, out=n)
        np.subtract(S[t, :H], n, out=tmp)
        tmp *= a[2 * H:]
        np.add(tmp, n, out=S[t + 1, :H])             # h_t = n + z * (h_{t-1} - n)
        if t >= first:                               # padded: z = 1, h_t = h_{t-1}
            np.copyto(a[2 * H:], 1, where=mask.pad[t])
            np.copyto(S[t + 1, :H], S[t, :H], where=mask.pad[t])
    hs = S[1:, :H]
    return hs, (hs[-1].copy(),), GRUCache(S, A, n_all, W, W_ih, bptt_truncate, mask)


def _local_derivatives(A, n, h_prev, Q):
    """Per-step factors of the gradients: the pre-activation gradients are ``dh * Q``.

    Rows of Q (n_steps, 4H, N), as the rows of the gradient buffer:

        recurrent part of n:  Q_n * r               r: Q_n * (W_hn h + b_hn) * r (1 - r)
        z: (h_{t-1} - n) * z (1 - z)                input part of n: Q_n = (1 - z)(1 - n**2)

    A : (n_steps, 3H, N); n, h_prev : (n_steps, H, N).
    """
    H = n.shape[1]
    rec, r, z = A[:, :H], A[:, H:2 * H], A[:, 2 * H:]
    q_rec, q_r, q_z, q_in = (Q[:, k * H:(k + 1) * H] for k in range(4))
    np.subtract(1, z, out=q_r)                       # 1 - z, for now
    np.multiply(n, n, out=q_in)
    np.subtract(1, q_in, out=q_in)
    q_in *= q_r
    np.subtract(h_prev, n, out=q_z)
    q_z *= z
    q_z *= q_r
    np.multiply(q_in, r, out=q_rec)
    np.subtract(1, r, out=q_r)
    q_r *= q_rec
    q_r *= rec


def backward(dhs, cache, dstate=None, input_grad=True):
    """Backpropagate through time.

    dhs : ndarray of shape (T, H, N), gradient of the loss w.r.t. every output h_t, or
        None when only the final state receives a gradient
    dstate : tuple (dh_T,) of shape (H, N), gradient w.r.t. the final state, or None

    Returns dx (T, D, N) (None without ``input_grad``), dstate0 (dh0,), LayerGrads.
    """
    S, A, n_all, W, W_ih, bptt_truncate, _ = cache      # the mask lives in A (z = 1)
    T, G, N = A.shape
    H, dtype = G // 3, A.dtype
    k = chunk_steps(T, N, 4 * H * N * A.itemsize)
    grads = ChunkGrads(S, 4 * H, W_ih, k, h_rows=3 * H, input_grad=input_grad)
    Z = grads.Z                                      # rows: n (recurrent), r, z, n (input)
    Z4 = Z.reshape(4, H, k, N)
    dh, dh_direct, Q = carve(dtype, (H, N), (H, N), (k, 4 * H, N))
    dh.fill(0)
    if dstate is not None:
        dh += dstate[0]
    W_hT = W[:, :H].T
    for t1 in range(T, 0, -k):
        t0 = max(t1 - k, 0)
        _local_derivatives(A[t0:t1], n_all[t0:t1], S[t0:t1, :H], Q[:t1 - t0])
        for t in range(t1 - 1, t0 - 1, -1):
            j = t - t0
            if dhs is not None:
                dh += dhs[t]
            np.multiply(Q[j].reshape(4, H, N), dh, out=Z4[:, :, j])
            np.multiply(dh, A[t, 2 * H:], out=dh_direct)  # through h = ... + z * h_{t-1}
            np.matmul(W_hT, Z[:3 * H, j], out=dh)        # through the recurrence
            dh += dh_direct
            if is_boundary(t, T, bptt_truncate):
                dh.fill(0)
        grads.add(t0, t1)
    # grads.dW (4H, K): rows n (recurrent), r, z, n (input) x columns [h | x | 1]
    dW = grads.dW
    dW_hh = unorder(dW[:3 * H, :H], ORDER)
    dW_ih = np.ascontiguousarray(dW[H:, H:-1])
    db_ih = dW[H:, -1].copy()
    db_hh = np.concatenate([db_ih[:2 * H], dW[:H, -1]])
    return grads.dx, (dh,), LayerGrads(dW_ih, dW_hh, db_ih, db_hh)
