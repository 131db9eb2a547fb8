"""Reads how many threads the OpenBLAS bundled with NumPy's wheels uses right now.

Some of the engine's choices are tuned for OpenBLAS's kernels at a given thread count
(``_lstm._row_blocks``); they apply only when the count is known. This module only
reads the count: limiting threads is the caller's business (``threadpoolctl``).
"""

import ctypes
import functools
import glob
import os

import numpy as np


def openblas_num_threads():
    """Current thread count of the OpenBLAS bundled with NumPy, or None if NumPy uses
    another BLAS (or the library cannot be found)."""
    get = _openblas_get_num_threads()
    return None if get is None else get()


@functools.cache
def _openblas_get_num_threads():
    """The C function ``openblas_get_num_threads`` of the copy NumPy has loaded, or None."""
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
