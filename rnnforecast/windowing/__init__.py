"""Turn time series into supervised windows for recurrent networks.

Two tools, one for each shape of learning problem:

- :func:`make_windows` (``_windows.py``) cuts a series into ``(X, y)`` pairs, ``X`` of
  shape ``(n_windows, window, n_features)`` for an RNN and ``y`` holding the values that
  follow each window. The number of samples shrinks, so it lives outside pipelines.
- :class:`WindowTransformer` (``_lags.py``) keeps one output row per input row (the
  contract of an sklearn transformer) and writes the last ``window`` values of each
  feature side by side, so it fits in a ``Pipeline`` / ``GridSearchCV`` next to any
  regressor. :func:`to_sequences` reshapes its output into RNN input.

Columns known in advance (``make_windows(..., known=[...])``) are read led by the
horizon (``_known.py``): :class:`KnownWindows` remembers which, and estimators read that
layout with :func:`known_layout`.

Other libraries' lag matrices (``_peers.py``): sktime's and darts' are oldest first and
work unchanged; skforecast's are newest first, and :class:`OldestFirst` reverses them.
"""

from ._known import KnownWindows, known_layout, window_columns
from ._lags import LagMatrix, WindowTransformer, as_sequences, lag_matrix, to_sequences
from ._peers import OldestFirst, check_not_newest_first
from ._windows import check_unique_columns, make_windows, resolve_known, resolve_target

__all__ = ["KnownWindows", "LagMatrix", "OldestFirst", "WindowTransformer", "as_sequences",
           "check_not_newest_first", "check_unique_columns", "known_layout",
           "lag_matrix", "make_windows", "resolve_known", "resolve_target", "to_sequences",
           "window_columns"]
