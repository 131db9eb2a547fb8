"""Pieces shared by the cells: memory layout, stacked weights and weight gradients.

Internal layout. Inside a layer a sequence is *step-major and feature-major per step*:
``x`` has shape ``(T, D, N)`` (time steps, features, samples), so each step is one
contiguous ``(D, N)`` block whose gate blocks are contiguous rows, and every per-step
operation reads and writes contiguous memory.

* ``S`` of shape ``(T+1, K, N)``, ``K = H + D + 1``, stacks the recurrent input of every
  step, ``s_t = [h_{t-1}; x_t; 1]``. One GEMM per step, ``W @ s_t`` with
  ``W = [W_hh | W_ih | b]``, gives the gate pre-activations *including* the input
  projection and the biases, and the step writes its output ``h_t`` straight into
  ``S[t+1, :H]``; the layer's output sequence is the view ``S[1:, :H]``.
* The backward loop runs over chunks of ``k`` steps. Everything a step's gradient needs
  besides the incoming ``dh`` (and ``dc``) depends only on stored forward values, so it
  is computed for the whole chunk with a few large array operations ("local
  derivatives"), and the loop itself is a handful of calls per step.
* The pre-activation gradients of a chunk go into a small ``(G, k, N)`` buffer that stays
  in cache; after the chunk, one GEMM adds its share of ``[dW_hh | dW_ih | db]`` and one
  batched GEMM writes its ``dx`` (``ChunkGrads``).
* Buffers indexed ``[:, j]`` have rows padded to an odd number of cache lines
  (``_buffers.carve``): a row stride that is a multiple of 4 KiB makes the rows of a
  step compete for the same cache sets.

The buffers themselves come from ``_buffers`` (memory reused from call to call).
"""

from typing import NamedTuple

import numpy as np

from ._buffers import carve

CHUNK_BYTES = 1 << 18
MIN_CHUNK = 4
MIN_CHUNK_COLUMNS = 256


class LayerGrads(NamedTuple):
    """Gradients of one recurrent layer, in the order of its parameters."""

    dW_ih: np.ndarray
    dW_hh: np.ndarray
    db_ih: np.ndarray
    db_hh: np.ndarray


def flat(a):
    """(rows, T, N) -> (rows, T*N) view (no copy: the T and N axes must merge)."""
    rows, T, N = a.shape
    assert T <= 1 or N <= 1 or a.strides[1] == N * a.strides[2], "flat() would copy"
    return a.reshape(rows, T * N)


def stack_inputs(x, h0, S):
    """Fill S (T+1, K, N) with the blocks [h_{t-1}; x_t; 1] for t = 0..T-1 (module doc).

    x : ndarray of shape (T, D, N) (any strides); h0 : ndarray of shape (H, N).
    Block T receives h_{T-1} in its first H rows; its other rows are never read.
    """
    T, D, N = x.shape
    H = h0.shape[0]
    S[0, :H] = h0
    S[:T, H:H + D] = x
    S[:T, H + D] = 1
    return S


def stack_weights(W_hh, W_ih, b, order=None):
    """W = [W_hh | W_ih | b] of shape (G, H + D + 1), gate blocks in the order ``order``.

    ``order`` lists PyTorch's gate blocks in their internal order (None: unchanged).
    """
    W = np.concatenate([W_hh, W_ih, b[:, None]], axis=1)
    if order is None:
        return W
    return W.reshape(len(order), -1, W.shape[1])[list(order)].reshape(W.shape)


class ChunkGrads:
    """Weight and input gradients accumulated chunk by chunk of the backward loop.

    S : ndarray of shape (T + 1, K, N), the stacked inputs
    G : int, the number of gradient rows (pre-activations) per step
    W_x : ndarray of shape (G_x, D), the input weights of the last G_x gradient rows
    k : int, the number of steps of a chunk
    h_rows : int, only the first ``h_rows`` gradient rows depend on h_{t-1} (default G);
        the others depend on [x_t; 1] only
    input_grad : bool, compute the input gradient (default True)

    The loop writes the pre-activation gradients of step ``t0 + j`` into ``Z[:, j]``
    (``Z`` is (G, k, N)); ``add(t0, t1)`` then adds the share of steps t0 .. t1-1 to ``dW``
    (G, K), which is ``[dW_hh | dW_ih | db]`` summed over the chunks added, and writes
    their input gradient into ``dx`` (T, D, N), which is None without ``input_grad``.
    """

    def __init__(self, S, G, W_x, k, h_rows=None, input_grad=True):
        T1, K, N = S.shape
        D = W_x.shape[1]
        self.S, self.W_xT, self.x_from = S, W_x.T, G - W_x.shape[0]
        self.h_rows, self.H = G if h_rows is None else h_rows, K - D - 1
        self.Z, self.S_chunk, self.dW, *dx = carve(
            S.dtype, ("stacked", G, k, N), ("stacked", K, k, N), (G, K),
            *([(T1 - 1, D, N)] if input_grad else []))
        self.dx = dx[0] if dx else None
        self.dW.fill(0)

    def add(self, t0, t1):
        n, r, H = t1 - t0, self.h_rows, self.H
        s, z = self.S_chunk[:, :n], self.Z[:, :n]
        np.copyto(s, self.S[t0:t1].transpose(1, 0, 2))
        self.dW[:r] += flat(z[:r]) @ flat(s).T                   # (r, n*N) @ (n*N, K)
        if r < z.shape[0]:
            self.dW[r:, H:] += flat(z[r:]) @ flat(s[H:]).T
        if self.dx is not None:
            np.matmul(self.W_xT, z[self.x_from:].transpose(1, 0, 2), out=self.dx[t0:t1])


def unorder(a, order):
    """Rows of ``a`` (G, M) from the internal gate order ``order`` back to PyTorch's."""
    out = np.empty_like(a)
    n = len(order)
    out.reshape(n, -1, a.shape[1])[list(order)] = a.reshape(n, -1, a.shape[1])
    return out


def split_stacked(dW, H):
    """[dW_hh | dW_ih | db] (G, K) -> (dW_hh (G, H), dW_ih (G, D), db (G,)), contiguous."""
    return (np.ascontiguousarray(dW[:, :H]), np.ascontiguousarray(dW[:, H:-1]),
            dW[:, -1].copy())


def chunk_steps(T, N, step_bytes):
    """Number of steps whose local derivatives and gradients are handled together.

    Small enough for the chunk buffers to stay in cache (``CHUNK_BYTES``), large enough
    for the per-chunk GEMMs to run at full speed (at least ``MIN_CHUNK_COLUMNS`` columns:
    narrower weight-gradient GEMMs are slower, see benchmarks/README.md).
    """
    return int(min(T, max(MIN_CHUNK, -(-MIN_CHUNK_COLUMNS // N), CHUNK_BYTES // step_bytes)))


def project_inputs(x, W_ih, bias):
    """Input projections of all time steps in one GEMM (the Jordan network's layout).

    x : ndarray of shape (D, T, N)
    W_ih : ndarray of shape (G, D)
    bias : ndarray of shape (G,) or None

    Returns xp : ndarray of shape (G, T, N).
    """
    D, T, N = x.shape
    xp = (W_ih @ x.reshape(D, T * N)).reshape(-1, T, N)  # (G, T, N)
    if bias is not None:
        xp += bias[:, None, None]
    return xp


def to_feature_major(steps):
    """(T, G, N) per-step buffer -> contiguous (G, T, N) (the Jordan network's layout)."""
    return np.ascontiguousarray(steps.transpose(1, 0, 2))


def is_boundary(t, T, bptt_truncate):
    """True when the gradient carried from step ``t`` into step ``t - 1`` is cut.

    Truncated backpropagation through time treats the state entering steps
    ``T - k, T - 2k, ...`` (but not step 0) as a constant: the last ``k`` steps form one
    segment, the ``k`` before it the next, and so on.
    """
    return bptt_truncate is not None and t > 0 and (T - t) % bptt_truncate == 0
