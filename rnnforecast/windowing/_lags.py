"""Lag features that keep one output row per input row: :class:`WindowTransformer`.

It writes the last ``window`` values of each feature side by side, so it fits in a
``Pipeline`` / ``GridSearchCV`` next to any regressor; :func:`to_sequences` reshapes its
output into RNN input, and :func:`as_sequences` does so for the recurrent estimators,
which read a :class:`LagMatrix` (what ``transform`` returns) or a DataFrame of lag names
back as ``(n_samples, window, n_features)`` sequences.
"""

import numbers
import re

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import FLOAT_DTYPES, _check_feature_names_in, check_is_fitted

from .._validation import check_int, check_time_index, validate_data

def _pad_with_nan(values, n_rows):
    """Rows of NaN placed before the first observation."""
    return np.full((n_rows, values.shape[1]), np.nan, dtype=values.dtype)


def _pad_with_first(values, n_rows):
    """Copies of the first observation placed before it (backward fill)."""
    return np.repeat(values[:1], n_rows, axis=0)


# Fill strategies for the lags that reach before the first row.
FILLS = {"nan": _pad_with_nan, "backfill": _pad_with_first}


def _padding(values, n_rows, fill):
    """Rows to put before ``values`` so every row has ``n_rows`` earlier rows.

    Returns
    -------
    pad : ndarray of shape (n_rows, n_features)
    """
    if isinstance(fill, str):
        return FILLS[fill](values, n_rows)
    return np.full((n_rows, values.shape[1]), fill, dtype=values.dtype)


def lag_matrix(values, window, fill="backfill"):
    """Write the last ``window`` rows of ``values`` side by side, oldest first.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_features)
    window : int
    fill : {"nan", "backfill"} or float, default="backfill"
        Value of the lags that reach before the first row; see :class:`WindowTransformer`.

    Returns
    -------
    lags : ndarray of shape (n_time, window * n_features)
        ``lags[t, j * n_features + f] = values[t - (window - 1 - j), f]``.
    """
    n_time = len(values)
    padded = np.concatenate([_padding(values, window - 1, fill), values])
    view = sliding_window_view(padded, window, axis=0)  # (n_time, F, window)
    return view.transpose(0, 2, 1).reshape(n_time, -1)  # (n_time, window * F)


def _check_fill(fill):
    """Accept a key of FILLS or a real number."""
    is_number = isinstance(fill, numbers.Real) and not isinstance(fill, (bool, np.bool_))
    if not (is_number or (isinstance(fill, str) and fill in FILLS)):
        options = ", ".join(repr(name) for name in sorted(FILLS))
        raise ValueError(
            "The 'fill' parameter of WindowTransformer must be a float or a str among "
            f"{{{options}}}. Got {fill!r} instead."
        )
    return fill


class WindowTransformer(TransformerMixin, BaseEstimator):
    """Lag features that keep one output row per input row.

    For input with ``n`` rows and ``F`` features the output has ``n`` rows and
    ``window * F`` columns: row ``t`` holds the values of rows ``t - window + 1 .. t``
    of every feature. Columns are ordered **oldest lag first, features inside each
    lag**, named ``"<feature>_lag<k>"`` where ``k`` rows back::

        close_lag2, volume_lag2, close_lag1, volume_lag1, close_lag0, volume_lag0

    This order makes ``X_lagged.reshape(n, window, F)`` (see :func:`to_sequences`)
    the chronological sequence an RNN reads: for ``t >= window - 1`` it equals the
    window of :func:`make_windows` that ends at row ``t``.

    Diagram for ``window=3`` on a column ``x`` (``.`` marks a filled lag)::

        row   x_lag2  x_lag1  x_lag0
        0       .       .      x0
        1       .      x0      x1
        2      x0      x1      x2
        3      x1      x2      x3

    Each call to ``transform`` treats its rows as one contiguous block in time order,
    so the first ``window - 1`` rows of every block have lags that reach before the
    block; ``fill`` decides their value. Lag 0 is the current row, so a model that
    predicts ``y[t + h]`` from row ``t`` must be given targets shifted by ``h``.

    Parameters
    ----------
    window : int, default=3
        Number of lags per feature, lags ``0 .. window - 1`` (``>= 1``).
    fill : {"backfill", "nan"} or float, default="backfill"
        Value of the lags that reach before the first row of the block:
        ``"backfill"`` repeats the first row (a value from the past of every row, so
        no look-ahead, and finite output for finite input), ``"nan"`` leaves NaN (to
        drop those rows later), a number uses that constant.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during ``fit``, when they are all strings.

    See Also
    --------
    make_windows : windows and targets of an RNN, with fewer rows than the input.
    to_sequences : reshape the output of this transformer into 3-D RNN input.

    Examples
    --------
    >>> WindowTransformer(window=2).fit_transform(np.arange(4.0).reshape(-1, 1))
    array([[0., 0.],
           [0., 1.],
           [1., 2.],
           [2., 3.]])
    """

    def __init__(self, window=3, *, fill="backfill"):
        self.window = window
        self.fill = fill

    def fit(self, X, y=None):
        """Check the parameters and remember the number and names of the features.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
            Rows in time order.
        y : None
            Ignored.

        Returns
        -------
        self : WindowTransformer
        """
        check_int(self.window, "window", 1, "WindowTransformer")
        _check_fill(self.fill)
        self._validate(X, reset=True)
        return self

    def transform(self, X):
        """Return the lags ``0 .. window - 1`` of every feature.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
            Rows in time order.

        Returns
        -------
        X_lagged : LagMatrix of shape (n_samples, window * n_features)
            Column ``j * n_features + f`` holds feature ``f`` lagged by
            ``window - 1 - j`` rows. An ndarray that remembers ``window``, so that a
            recurrent estimator after this transformer in a ``Pipeline`` reads
            ``(n_samples, window, n_features)`` sequences, not ``window * n_features``
            steps of one feature.
        """
        check_is_fitted(self)
        lags = lag_matrix(self._validate(X, reset=False), self.window, self.fill)
        return LagMatrix.of(lags, self.window)

    def get_feature_names_out(self, input_features=None):
        """Names ``"<feature>_lag<k>"`` of the output columns, oldest lag first.

        Parameters
        ----------
        input_features : array-like of str of shape (n_features_in_,), default=None
            Input names; ``feature_names_in_`` or ``x0, x1, ...`` when omitted.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (window * n_features_in_,)
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        lags = range(self.window - 1, -1, -1)
        return np.asarray([f"{name}_lag{k}" for k in lags for name in names], dtype=object)

    def _validate(self, X, reset):
        """Check a time index if any, then validate as sklearn does."""
        if isinstance(X, (pd.Series, pd.DataFrame)):
            check_time_index(X.index, "X", "WindowTransformer")
        return validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def to_sequences(X_lagged, window):
    """Reshape the output of :class:`WindowTransformer` into RNN input.

    Parameters
    ----------
    X_lagged : array-like or pandas.DataFrame of shape (n_samples, window * n_features)
        Lag matrix with the column order of :class:`WindowTransformer`.
    window : int
        The ``window`` the lag matrix was made with.

    Returns
    -------
    X : ndarray of shape (n_samples, window, n_features)
        ``X[t]`` is the sequence of rows ``t - window + 1 .. t``, oldest first.
    """
    window = check_int(window, "window", 1, "to_sequences")
    values = np.asarray(X_lagged)
    if values.ndim != 2 or values.shape[1] % window:
        raise ValueError(
            "The 'X_lagged' parameter of to_sequences must be 2-D with a multiple of "
            f"window = {window} columns, as made by WindowTransformer(window={window}). "
            f"Got an array of shape {values.shape} instead."
        )
    return values.reshape(len(values), window, -1)  # (n_samples, window, F)


# ---------------------------------------------------------------------------
# Lag matrices read back as sequences
# ---------------------------------------------------------------------------

_LAG_NAME = re.compile(r"^(?P<name>.*)_lag(?P<lag>\d+)$")


class LagMatrix(np.ndarray):
    """A 2-D lag matrix (see :class:`WindowTransformer`) that knows its ``window``.

    It behaves as a plain ndarray; the attribute only tells a recurrent estimator how
    to read the columns back as (window, n_features) sequences (:func:`as_sequences`).
    """

    @classmethod
    def of(cls, lags, window):
        out = lags.view(cls)
        out.window = window
        return out

    def __array_finalize__(self, obj):
        self.window = getattr(obj, "window", None)


def _lag_columns_window(columns):
    """The window of DataFrame columns named as WindowTransformer names them, or None."""
    matches = [_LAG_NAME.match(str(column)) for column in columns]
    if not matches or not all(matches):
        return None
    names = list(dict.fromkeys(m["name"] for m in matches))
    window = len(columns) // len(names)
    expected = [(name, str(lag)) for lag in range(window - 1, -1, -1) for name in names]
    found = [(m["name"], m["lag"]) for m in matches]
    return window if found == expected else None


def as_sequences(X):
    """Read the output of :class:`WindowTransformer` back as RNN input.

    Parameters
    ----------
    X : object
        Anything; a :class:`LagMatrix` or a DataFrame whose columns are named
        ``"<feature>_lag<k>"`` in WindowTransformer's order is reshaped.

    Returns
    -------
    X : ndarray of shape (n_samples, window, n_features), or ``X`` unchanged
    """
    window = getattr(X, "window", None) if isinstance(X, LagMatrix) else None
    if isinstance(X, pd.DataFrame):
        window = _lag_columns_window(X.columns)
    if window is None or np.ndim(X) != 2 or np.shape(X)[1] % window:
        return X
    return to_sequences(np.asarray(X), window)
