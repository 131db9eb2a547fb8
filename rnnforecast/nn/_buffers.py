"""Working memory of the cells: arrays cut from large blocks that are reused from call to
call.

``carve`` hands out the uninitialised buffers of a forward or backward pass, all cut from
one block; ``BLOCKS`` keeps those blocks so that the next training step reuses them once
nothing refers to them any more. Fresh pages cost a page fault each at their first
touch, a sizeable part of a step (see benchmarks/README.md, "Engine design
measurements").
"""

import math
import sys
import threading

import numpy as np

CACHE_LINE = 64                  # bytes
HUGE_PAGE = 1 << 21              # bytes, the alignment of the pool's blocks


class BlockPool:
    """Large memory blocks kept for reuse from call to call.

    ``get(nbytes)`` returns a 1-D uint8 array of at least ``nbytes``: a view of a kept
    block that nothing else refers to, else of a new one, kept while the pool has room.
    Arrays cut from a view refer to the block itself (NumPy's ``.base`` is the array
    that owns the memory), so a block is free exactly when its reference count is that
    of a block only the pool holds, counted once at start (so that the test holds
    whatever the interpreter's counting conventions). Requests smaller than
    ``min_bytes`` are not kept; without a global interpreter lock nothing is kept.

    Blocks start on a 2 MiB boundary and come from arrays of at least 4 MiB, which NumPy
    asks the kernel to back with transparent huge pages where it can (``madvise``):
    fewer TLB misses on the strided per-step reads and writes, and steadier times from
    process to process.
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


BLOCKS = BlockPool()


def carve(dtype, *shapes):
    """Uninitialised arrays of the given shapes, cut from one block of memory.

    A shape ``("stacked", rows, T, N)`` gives a (rows, T, N) array whose rows are padded
    to an odd number of cache lines: a row stride that is a multiple of 4 KiB makes the
    rows of a step compete for the same cache sets. Large blocks come from ``BLOCKS``,
    which hands out again the block of an earlier call once nothing refers to it any
    more: a training step then reuses the memory of the previous step instead of asking
    the system for fresh pages.
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
