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
  (``carve``): a row stride that is a multiple of 4 KiB makes the rows of a step compete
  for the same cache sets.
"""

import ctypes
import functools
import glob
import math
import os
import sys
import threading
from typing import NamedTuple

import numpy as np

CACHE_LINE = 64                  # bytes
CHUNK_BYTES = 1 << 18
MIN_CHUNK = 4
MIN_CHUNK_COLUMNS = 256


class LayerGrads(NamedTuple):
    """Gradients of one recurrent layer, in the order of its parameters."""

    dW_ih: np.ndarray
    dW_hh: np.ndarray
    db_ih: np.ndarray
    db_hh: np.ndarray


def carve(dtype, *shapes):
    """Uninitialised arrays of the given shapes, cut from one block of memory.

    A shape ``("stacked", rows, T, N)`` gives a (rows, T, N) array whose rows are padded
    to an odd number of cache lines (see the module doc). Large blocks come from
    ``BLOCKS``, which hands out again the block of an earlier call once nothing refers
    to it any more: a training step then reuses the memory of the previous step instead
    of asking the system for fresh pages, whose first touch costs a page fault each
    (measured at up to a third of a step).
    """
    dtype = np.dtype(dtype)
    size = dtype.itemsize
    plan, total = [], 0
    for shape in shapes:
        if shape[0] == "stacked":                  # rows padded to an odd number of lines
            rows, T, N = shape[1:]
            lines = -(-T * N * size // CACHE_LINE) | 1
            block_shape, shape = (rows, lines * CACHE_LINE // size), shape[1:]
        else:
            block_shape = shape
        n = math.prod(block_shape)
        plan.append((total, n, block_shape, shape))
        total += -(-n * size // CACHE_LINE) * CACHE_LINE // size
    buf = BLOCKS.get(total * size)[:total * size].view(dtype)
    out = []
    for start, n, block_shape, shape in plan:
        a = buf[start:start + n].reshape(block_shape)
        out.append(a if block_shape == shape else a[:, :shape[1] * shape[2]].reshape(shape))
    return out


class BlockPool:
    """Large memory blocks kept for reuse from call to call.

    ``get(nbytes)`` returns a 1-D uint8 array of at least ``nbytes``: a view of a kept
    block that nothing else refers to, else of a new one, kept while the pool has room.
    Arrays cut from a view refer to the block itself (NumPy's ``.base`` is the array
    that owns the memory), so a block is free exactly when its reference count is that
    of a block only the pool holds, measured once at start (so that the test holds
    whatever the interpreter's counting conventions). Requests smaller than
    ``min_bytes`` are not kept; without a global interpreter lock nothing is kept.

    Blocks start on a 2 MiB boundary and come from arrays of at least 4 MiB, which NumPy
    asks the kernel to back with transparent huge pages where it can (``madvise``):
    fewer TLB misses on the strided per-step reads and writes (measured: the LSTM
    forward pass at (64, 48, 1, 64) 15 % faster, and steadier from process to process).
    """

    def __init__(self, max_blocks=16, max_bytes=1 << 28, min_bytes=1 << 18):
        self.max_blocks, self.max_bytes, self.min_bytes = max_blocks, max_bytes, min_bytes
        self._blocks = [np.empty(0, np.uint8)]     # owners of the memory
        self._free_refs = self._refs(0)
        self._blocks.clear()
        self._starts = []                          # offset of the aligned part of each
        self._lock = threading.Lock()
        self.enabled = hasattr(sys, "getrefcount") and getattr(sys, "_is_gil_enabled",
                                                               lambda: True)()

    def _refs(self, i):
        block = self._blocks[i]
        return sys.getrefcount(block)

    def get(self, nbytes):
        if nbytes < self.min_bytes or not self.enabled:
            return np.empty(nbytes, np.uint8)
        size = -(-nbytes // HUGE_PAGE) * HUGE_PAGE
        with self._lock:
            free = [i for i in range(len(self._blocks)) if self._refs(i) == self._free_refs]
            for i in free:
                if size <= self._capacity(i) <= 2 * size:
                    return self._view(i, nbytes)
            if free and not self._has_room(size):
                del self._blocks[free[0]], self._starts[free[0]]  # make room: drop a free one
            if not self._has_room(size):
                return np.empty(nbytes, np.uint8)
            block = np.empty(size + HUGE_PAGE, np.uint8)
            start = -block.ctypes.data % HUGE_PAGE
            self._blocks.append(block)
            self._starts.append(start)
            return self._view(len(self._blocks) - 1, nbytes)

    def _capacity(self, i):
        return self._blocks[i].nbytes - HUGE_PAGE

    def _view(self, i, nbytes):
        start = self._starts[i]
        return self._blocks[i][start:start + nbytes]

    def _has_room(self, size):
        return (len(self._blocks) < self.max_blocks and
                sum(b.nbytes for b in self._blocks) + size + HUGE_PAGE <= self.max_bytes)


HUGE_PAGE = 1 << 21
BLOCKS = BlockPool()


def blas_threads():
    """Number of threads of the OpenBLAS bundled with NumPy's wheels, None if NumPy uses
    another BLAS (tuning for OpenBLAS's kernels applies only when this is known)."""
    get = _openblas_get_num_threads()
    return None if get is None else get()


@functools.cache
def _openblas_get_num_threads():
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "libscipy_openblas*")):
        try:
            lib = ctypes.CDLL(path)                     # the copy NumPy has loaded
        except OSError:
            continue
        for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads"):
            get = getattr(lib, name, None)
            if get is not None:
                get.restype = ctypes.c_int
                return get
    return None


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
    for the per-chunk GEMMs to run at full speed (at least ``MIN_CHUNK_COLUMNS`` columns,
    measured: 8% slower weight-gradient GEMMs with 128 columns than with 256).
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


def is_boundary(t, T, truncate):
    """True when the gradient carried from step ``t`` into step ``t - 1`` is cut.

    Truncated backpropagation through time treats the state entering steps
    ``T - k, T - 2k, ...`` (but not step 0) as a constant: the last ``k`` steps form one
    segment, the ``k`` before it the next, and so on.
    """
    return truncate is not None and t > 0 and (T - t) % truncate == 0
