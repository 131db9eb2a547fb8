"""Elman recurrent layer (tanh or ReLU), the layer of PyTorch's ``nn.RNN``.

    h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

Each step is one GEMM, ``[W_hh | W_ih | b] @ [h_{t-1}; x_t; 1]``, written straight into
the block of ``h_t``, and the nonlinearity in place (see ``_common``). Backward, the
derivative of the nonlinearity comes from the stored outputs (``1 - h**2`` for tanh,
``h > 0`` for ReLU).

References
----------
Elman, J. L. (1990). Finding structure in time. Cognitive Science, 14(2), 179-211.
"""

from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS
from ._buffers import carve
from ._common import (ChunkGrads, LayerGrads, chunk_steps, is_boundary, split_stacked,
                      stack_inputs, stack_weights)


class ElmanCache(NamedTuple):
    S: np.ndarray        # (T + 1, H + D + 1, N) stacked [h_{t-1}; x_t; 1]; S[1:, :H] = outputs
    W: np.ndarray        # (H, H + D + 1) stacked [W_hh | W_ih | b_ih + b_hh]
    nonlinearity: str
    bptt_truncate: object
    mask: object = None  # StepMask of padded steps (see ``_masking``), or None


def _tanh_derivative(h, out):
    """1 - h**2 from the outputs h = tanh(z), written into ``out``."""
    np.multiply(h, h, out=out)
    return np.subtract(1, out, out=out)


def _relu_derivative(h, out):
    """1 where h = relu(z) > 0 else 0, written into ``out``."""
    return np.greater(h, 0, out=out)


LOCAL_DERIVATIVES = {"tanh": _tanh_derivative, "relu": _relu_derivative}


def forward(x, state0, params, nonlinearity="tanh", bptt_truncate=None, mask=None):
    """Run the layer over a whole batch of sequences.

    x : ndarray of shape (T, D, N)
    state0 : tuple (h0,) with h0 of shape (H, N)
    params : tuple (W_ih (H, D), W_hh (H, H), b_ih (H,), b_hh (H,))
    mask : StepMask or None; padded steps carry h_{t-1} (see ``_masking``)

    Returns hs (T, H, N) (a view into the cache), final state (h_T,), cache.
    """
    W_ih, W_hh, b_ih, b_hh = params
    T, H = x.shape[0], W_hh.shape[0]
    act = ACTIVATIONS[nonlinearity]
    W = stack_weights(W_hh, W_ih, b_ih + b_hh)                 # (H, K)
    S, = carve(W.dtype, (T + 1, W.shape[1], x.shape[2]))
    stack_inputs(x, state0[0], S)                              # (T + 1, K, N)
    first = T if mask is None else mask.first
    for t in range(T):
        act(np.matmul(W, S[t], out=S[t + 1, :H]))
        if t >= first:
            np.copyto(S[t + 1, :H], S[t, :H], where=mask.pad[t])  # carry h_{t-1}
    hs = S[1:, :H]
    return hs, (hs[-1].copy(),), ElmanCache(S, W, nonlinearity, bptt_truncate, mask)


def backward(dhs, cache, dstate=None, input_grad=True):
    """Backpropagate through time.

    dhs : ndarray of shape (T, H, N), gradient of the loss w.r.t. every output h_t, or
        None when only the final state receives a gradient
    dstate : tuple (dh_T,) of shape (H, N), gradient w.r.t. the final state, or None

    Returns dx (T, D, N) (None without ``input_grad``), dstate0 (dh0,), LayerGrads.
    """
    S, W, nonlinearity, bptt_truncate, mask = cache
    H = W.shape[0]
    T, N, dtype = S.shape[0] - 1, S.shape[2], S.dtype
    k = chunk_steps(T, N, H * N * S.itemsize)
    grads = ChunkGrads(S, H, W[:, H:-1], k, input_grad=input_grad)
    Z = grads.Z                                                # (H, k, N)
    dh, Q, carry = carve(dtype, (H, N), (k, H, N), (H, N))
    first = T if mask is None else mask.first
    dh.fill(0)
    if dstate is not None:
        dh += dstate[0]
    W_hT = W[:, :H].T
    derivative = LOCAL_DERIVATIVES[nonlinearity]
    for t1 in range(T, 0, -k):
        t0 = max(t1 - k, 0)
        q = derivative(S[t0 + 1:t1 + 1, :H], Q[:t1 - t0])      # (n, H, N)
        if t1 > first:
            q *= mask.valid[t0:t1]                              # padded steps: dz = 0
        for t in range(t1 - 1, t0 - 1, -1):
            if dhs is not None:
                dh += dhs[t]
            dz = np.multiply(dh, q[t - t0], out=Z[:, t - t0])   # backprop through act
            if t >= first:
                np.multiply(dh, mask.pad[t], out=carry)         # padded: h_t = h_{t-1}
            np.matmul(W_hT, dz, out=dh)                         # through the recurrence
            if t >= first:
                dh += carry
            if is_boundary(t, T, bptt_truncate):
                dh.fill(0)
        grads.add(t0, t1)
    dW_hh, dW_ih, db = split_stacked(grads.dW, H)
    return grads.dx, (dh,), LayerGrads(dW_ih, dW_hh, db, db.copy())
