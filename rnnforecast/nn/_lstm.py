"""Long short-term memory layer, the layer of PyTorch's ``nn.LSTM`` (gate order i, f, g, o).

    i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
    f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
    o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
    c_t = f_t * c_{t-1} + i_t * g_t
    h_t = o_t * tanh(c_t)

Inside, the gate blocks are kept in the order o, i, f, g: the three sigmoid gates are one
block, and so are the three gates whose gradient is ``dc_t`` times a local derivative.
All gates go through one GEMM (``[W_hh | W_ih | b] @ [h_{t-1}; x_t; 1]``, see
``_common``) and one ``tanh`` call: the sigmoid rows of the forward weights are halved
and ``sigmoid(z) = 0.5 + 0.5 * tanh(z / 2)``. The backward pass differentiates from the
stored gate values: ``d sigmoid = s * (1 - s)``, ``d tanh = 1 - g**2``.

References
----------
Hochreiter, S., & Schmidhuber, J. (1997). Long short-term memory. Neural Computation,
9(8), 1735-1780. Gers, Schmidhuber & Cummins (2000) for the forget gate.
"""

from typing import NamedTuple

import numpy as np

from ._blas import openblas_num_threads
from ._buffers import carve
from ._common import (ChunkGrads, LayerGrads, chunk_steps, is_boundary, split_stacked,
                      stack_inputs, stack_weights, unorder)

ORDER = (3, 0, 1, 2)     # internal gate blocks o, i, f, g from PyTorch's i, f, g, o
SMALL_GEMM = 100 ** 3    # M*N*K up to which OpenBLAS multiplies without packing
SMALL_GEMM_COLUMNS = 64  # batch sizes up to which unpacked blocks are faster


def _row_blocks(a, N):
    """Row blocks of ``a`` (M, K) for its products with (K, N) matrices, as (contiguous
    copy, row slice) pairs.

    With OpenBLAS on one thread and N up to ``SMALL_GEMM_COLUMNS``, blocks small enough
    to stay under ``SMALL_GEMM``, which OpenBLAS multiplies without packing, faster than
    one packed product. Otherwise one block: with wider batches the packed GEMM is
    faster, and with more threads only two halves pay (OpenBLAS runs small products on
    one thread). The figures are in benchmarks/README.md.
    """
    M, K = a.shape
    n = -(-M // max(1, SMALL_GEMM // (K * N)))
    threads = openblas_num_threads()
    if N > SMALL_GEMM_COLUMNS or threads is None or (threads > 1 and n > 2):
        return [(a, slice(0, M))]
    edges = [M * r // n for r in range(n + 1)]
    return [(np.ascontiguousarray(a[r0:r1]), slice(r0, r1)) for r0, r1 in zip(edges, edges[1:])]


class LSTMCache(NamedTuple):
    S: np.ndarray        # (T + 1, H + D + 1, N) stacked [h_{t-1}; x_t; 1]; S[1:, :H] = outputs
    A: np.ndarray        # (T, 4H, N) gate values o, i, f, g
    C: np.ndarray        # (T + 1, H, N) cell states c_{-1} = c0, c_0 .. c_{T-1}
    W: np.ndarray        # (4H, H + D + 1) stacked weights, rows o, i, f, g
    bptt_truncate: object
    mask: object = None  # StepMask of padded steps (see ``_masking``), or None


def forward(x, state0, params, nonlinearity=None, bptt_truncate=None, mask=None):
    """Run the layer over a whole batch of sequences.

    x : ndarray of shape (T, D, N)
    state0 : tuple (h0, c0), each of shape (H, N)
    params : tuple (W_ih (4H, D), W_hh (4H, H), b_ih (4H,), b_hh (4H,))
    mask : StepMask or None; padded steps store the gates o = i = g = 0, f = 1 (so that
        c_t = c_{t-1}) and carry h_{t-1} (see ``_masking``)

    Returns hs (T, H, N) (a view into the cache), final state (h_T, c_T), cache.
    """
    W_ih, W_hh, b_ih, b_hh = params
    T, H = x.shape[0], W_hh.shape[1]
    W = stack_weights(W_hh, W_ih, b_ih + b_hh, ORDER)       # (4H, K)
    W_pre = W.copy()
    W_pre[:3 * H] *= 0.5                                     # sigmoid rows: tanh(z / 2)
    N, dtype, half = x.shape[2], W.dtype, W.dtype.type(0.5)
    S, A, C, tanh_c, ig = carve(dtype, (T + 1, W.shape[1], N), (T, 4 * H, N),
                                (T + 1, H, N), (H, N), (H, N))
    stack_inputs(x, state0[0], S)                            # (T + 1, K, N)
    C[0] = state0[1]
    blocks = [(W_r, A[:, rows]) for W_r, rows in _row_blocks(W_pre, N)]
    o, i, f, g = (A[:, k * H:(k + 1) * H] for k in range(4))  # (T, H, N) views
    sig, hs = A[:, :3 * H], S[1:, :H]
    matmul, tanh, multiply = np.matmul, np.tanh, np.multiply  # local: no look-ups per step
    first, carried = T, None
    if mask is not None:
        first, carried = mask.first, np.zeros((4 * H, 1), dtype)
        carried[2 * H:3 * H] = 1                             # o = i = g = 0, f = 1
    for t in range(T):
        s = S[t]
        for W_r, out in blocks:
            matmul(W_r, s, out=out[t])
        tanh(A[t], out=A[t])
        sig_t = sig[t]
        sig_t *= half
        sig_t += half                                        # A[t] = [o; i; f; g]
        if t >= first:
            np.copyto(A[t], carried, where=mask.pad[t])      # padded: c_t = c_{t-1}
        c = multiply(f[t], C[t], out=C[t + 1])               # f * c_{t-1}
        multiply(i[t], g[t], out=ig)
        c += ig                                              # + i * g
        tanh(c, out=tanh_c)
        multiply(o[t], tanh_c, out=hs[t])                    # h_t = o * tanh(c_t)
        if t >= first:
            np.copyto(hs[t], S[t, :H], where=mask.pad[t])    # padded: h_t = h_{t-1}
    return hs, (hs[-1].copy(), C[-1].copy()), LSTMCache(S, A, C, W, bptt_truncate, mask)


def infer(x, state0, params):
    """``forward`` without what ``backward`` needs, for prediction: same outputs, bit for
    bit.

    The gates of a step live in one scratch block ``[o; i; f; g; c]`` (5H, N) that the
    next step overwrites, with the cell state after the gates, so that one call gives
    ``[i * g; f * c_{t-1}]`` and one more their sum: 8 calls a step instead of 9, and
    no (T, 4H, N) gate store (see benchmarks/README.md for the single-window time).

    Returns hs (T, H, N) (a view) and the final state (h_T, c_T).
    """
    W_ih, W_hh, b_ih, b_hh = params
    T, H = x.shape[0], W_hh.shape[1]
    W = stack_weights(W_hh, W_ih, b_ih + b_hh, ORDER)       # (4H, K), a new array
    W[:3 * H] *= 0.5                                         # sigmoid rows: tanh(z / 2)
    N, dtype, half = x.shape[2], W.dtype, W.dtype.type(0.5)
    S, a, p, tanh_c = carve(dtype, (T + 1, W.shape[1], N), (5 * H, N), (2 * H, N), (H, N))
    stack_inputs(x, state0[0], S)
    gates, sig, o, i_f, g_c, c = (a[:4 * H], a[:3 * H], a[:H], a[H:3 * H], a[3 * H:],
                                  a[4 * H:])
    c[...] = state0[1]
    blocks = [(W_r, gates[rows]) for W_r, rows in _row_blocks(W, N)]
    p_ig, p_fc = p[:H], p[H:]
    matmul, tanh, multiply, add = np.matmul, np.tanh, np.multiply, np.add  # local names
    for t in range(T):
        s = S[t]
        for W_r, out in blocks:
            matmul(W_r, s, out=out)
        tanh(gates, out=gates)
        sig *= half
        sig += half
        multiply(i_f, g_c, out=p)                            # [i * g; f * c_{t-1}]
        add(p_ig, p_fc, out=c)
        tanh(c, out=tanh_c)
        multiply(o, tanh_c, out=S[t + 1, :H])                # h_t = o * tanh(c_t)
    hs = S[1:, :H]
    return hs, (hs[-1].copy(), c.copy())


def _local_derivatives(A, C, Q, P):
    """Per-step factors of the gate gradients, for a chunk of n steps.

    With dh and dc the gradients reaching h_t and c_t, the gradients of the
    pre-activations are ``dz_o = dh * Q_o`` and ``dz_{i,f,g} = dc * Q_{i,f,g}``, and
    ``dc = dh * P + dc_next``:

        Q_o = tanh(c) * o (1 - o)    Q_i = g * i (1 - i)    Q_f = c_{t-1} * f (1 - f)
        Q_g = i * (1 - g**2)         P = o * (1 - tanh(c)**2)

    ``tanh(c)`` is recomputed here: cheaper than storing it and reading it back.

    A : (n, 4H, N) gate values; C : (n + 1, H, N) cell states c_{t-1} .. c_{t+n-1};
    Q : (n, 4H, N); P : (n, H, N).
    """
    H = C.shape[1]
    o, i, f, g = (A[:, k * H:(k + 1) * H] for k in range(4))
    tanh_c = np.tanh(C[1:], out=P)
    np.multiply(A, A, out=Q)
    np.subtract(A[:, :3 * H], Q[:, :3 * H], out=Q[:, :3 * H])  # s (1 - s)
    np.subtract(1, Q[:, 3 * H:], out=Q[:, 3 * H:])             # 1 - g**2
    Q[:, :H] *= tanh_c
    Q[:, H:2 * H] *= g
    Q[:, 2 * H:3 * H] *= C[:-1]
    Q[:, 3 * H:] *= i
    np.multiply(tanh_c, tanh_c, out=P)
    np.subtract(1, P, out=P)
    P *= o


def backward(dhs, cache, dstate=None, input_grad=True):
    """Backpropagate through time.

    dhs : ndarray of shape (T, H, N), gradient of the loss w.r.t. every output h_t, or
        None when only the final state receives a gradient
    dstate : tuple (dh_T, dc_T), each (H, N), gradient w.r.t. the final state, or None

    Returns dx (T, D, N) (None without ``input_grad``), dstate0 (dh0, dc0), LayerGrads.
    """
    S, A, C, W, bptt_truncate, mask = cache
    T, G, N = A.shape
    H, dtype = G // 4, A.dtype
    k = chunk_steps(T, N, G * N * A.itemsize)
    grads = ChunkGrads(S, G, W[:, H:-1], k, input_grad=input_grad)
    Z = grads.Z                                    # (4H, k, N) rows o, i, f, g
    dh, dc, dc_next, Q, P, carry = carve(dtype, (H, N), (H, N), (H, N), (k, G, N),
                                         (k, H, N), (H, N))
    first = T if mask is None else mask.first      # padded steps: Q = P = 0 and f = 1
    dh.fill(0)
    dc_next.fill(0)
    if dstate is not None:
        dh += dstate[0]
        dc_next += dstate[1]
    (W_0, Z_0), *rest = [(np.ascontiguousarray(W_r.T), Z[cols])  # column blocks of W_hh^T
                         for W_r, cols in _row_blocks(W[:, :H], N)]
    Z_o, Z_ifg = Z[:H], Z[H:].reshape(3, H, k, N)
    Q_o, Q_ifg, f = Q[:, :H], Q[:, H:].reshape(k, 3, H, N), A[:, 2 * H:3 * H]
    matmul, multiply = np.matmul, np.multiply                  # local: no look-ups per step
    for t1 in range(T, 0, -k):
        t0 = max(t1 - k, 0)
        _local_derivatives(A[t0:t1], C[t0:t1 + 1], Q[:t1 - t0], P[:t1 - t0])
        for t in range(t1 - 1, t0 - 1, -1):
            j = t - t0
            if dhs is not None:
                dh += dhs[t]
            multiply(dh, Q_o[j], out=Z_o[:, j])                # through h = o * tanh(c)
            multiply(dh, P[j], out=dc)
            dc += dc_next
            multiply(Q_ifg[j], dc, out=Z_ifg[:, :, j])         # i, f, g
            multiply(dc, f[t], out=dc_next)                    # through c = f * c_{t-1}
            if t >= first:
                multiply(dh, mask.pad[t], out=carry)           # padded: h_t = h_{t-1}
            matmul(W_0, Z_0[:, j], out=dh)                     # through the recurrence
            for W_r, Z_r in rest:
                dh += matmul(W_r, Z_r[:, j], out=dc)
            if t >= first:
                dh += carry
            if is_boundary(t, T, bptt_truncate):
                dh.fill(0)
                dc_next.fill(0)
        grads.add(t0, t1)
    dW_hh, dW_ih, db = split_stacked(unorder(grads.dW, ORDER), H)
    return grads.dx, (dh, dc_next), LayerGrads(dW_ih, dW_hh, db, db.copy())
