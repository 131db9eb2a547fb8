"""Turn time series into supervised windows for recurrent networks.

Two tools, one for each shape of learning problem:

- :func:`make_windows` cuts a series into ``(X, y)`` pairs, ``X`` of shape
  ``(n_windows, window, n_features)`` for an RNN and ``y`` holding the values that
  follow each window. The number of samples shrinks, so it lives outside pipelines.
- :class:`WindowTransformer` keeps one output row per input row (the contract of an
  sklearn transformer) and writes the last ``window`` values of each feature side by
  side, so it fits in a ``Pipeline`` / ``GridSearchCV`` next to any regressor.
  :func:`to_sequences` reshapes its output into RNN input.
"""

import numbers
import re
import warnings

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (
    FLOAT_DTYPES,
    _check_feature_names_in,
    check_is_fitted,
)

from ._validation import (
    as_2d_array,
    check_int,
    check_time_index,
    validate_data,
)

__all__ = ["make_windows", "WindowTransformer", "to_sequences", "as_sequences", "LagMatrix"]


# ---------------------------------------------------------------------------
# make_windows
# ---------------------------------------------------------------------------


def _check_float_dtype(dtype, owner):
    """Return ``numpy.dtype(dtype)`` if it is a floating dtype, else raise."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        raise ValueError(
            f"The 'dtype' parameter of {owner} must be a floating dtype such as "
            f"numpy.float32 or numpy.float64. Got {dtype!r} instead."
        )
    return resolved


def resolve_target(target, columns, n_features, owner="make_windows", name="data"):
    """Position of the target column: a column name for pandas, an int for arrays.

    Parameters
    ----------
    target : str, int or None
        A column name for pandas data, a column position for arrays; ``None`` means
        the first column.
    columns : list of length n_features or None
        Column names of pandas data, ``None`` for an array.
    n_features : int
    owner, name : str, default="make_windows", "data"
        Function and data argument named in error messages.

    Returns
    -------
    target_feature : int in [0, n_features - 1]
    """
    if target is None:
        return 0
    if columns is None:
        return check_int(target, "target", 0, owner, max_value=n_features - 1)
    if target not in columns:
        raise ValueError(
            f"The 'target' parameter of {owner} must be one of the columns of '{name}': "
            f"{columns}. Got {target!r} instead."
        )
    return columns.index(target)


def _window_starts(n_time, window, horizon, stride):
    """First row of each window, aligned so the last window uses the last row.

    Returns
    -------
    starts : ndarray of shape (n_windows,)
    """
    needed = window + horizon
    if n_time < needed:
        raise ValueError(
            "The 'data' parameter of make_windows must have at least window + horizon"
            f" = {window} + {horizon} = {needed} rows (time steps) to make one window. "
            f"Got {n_time} rows instead. Use a smaller window or horizon, or a longer "
            "history."
        )
    last = n_time - needed
    return np.arange(last % stride, last + 1, stride)


def _input_windows(values, starts, window):
    """Gather rows ``[s, s + window)`` for every start ``s``.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_features)
    starts : ndarray of shape (n_windows,)
    window : int

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        A fresh C-contiguous, writeable array.
    """
    view = sliding_window_view(values, window, axis=0)  # (n_time - window + 1, F, window)
    X = np.empty((len(starts), window, values.shape[1]), dtype=values.dtype)
    np.take(view.transpose(0, 2, 1), starts, axis=0, out=X)  # (n_windows, window, F)
    return X


def _target_windows(series, starts, window, horizon, return_sequences):
    """Target values that follow each window (see :func:`make_windows`).

    Parameters
    ----------
    series : ndarray of shape (n_time,)
    starts : ndarray of shape (n_windows,)

    Returns
    -------
    y : ndarray of shape (n_windows, horizon), or (n_windows, window) / \
(n_windows, window, horizon) when ``return_sequences``
    """
    steps = np.arange(window) if return_sequences else np.array([window - 1])
    offsets = steps[:, np.newaxis] + np.arange(1, horizon + 1)  # (n_steps, horizon)
    y = series[starts[:, np.newaxis, np.newaxis] + offsets]  # (n_windows, n_steps, horizon)
    if not return_sequences:
        return y[:, 0, :]  # (n_windows, horizon)
    return y[:, :, 0] if horizon == 1 else y


def _target_index(index, starts, window):
    """Label of the first target row of every window (row positions for arrays)."""
    positions = starts + window
    if index is None:
        return pd.Index(positions)
    return index[positions]


def make_windows(
    data,
    window,
    horizon=1,
    *,
    target=None,
    stride=1,
    return_sequences=False,
    return_index=False,
    dtype=np.float64,
    many_to_many=None,
):
    """Cut a time series into input windows and the target values that follow them.

    Window ``i`` starts at row ``s_i`` and reads ``window`` consecutive rows of every
    column; its targets are the next ``horizon`` values of the target column::

        X[i]      = data[s_i : s_i + window, :]
        y[i, k]   = target[s_i + window + k]              k = 0 .. horizon - 1
        s_i       = offset + i * stride,   offset = (n_time - window - horizon) % stride
        n_windows = (n_time - window - horizon) // stride + 1

    Example with ``n_time=10, window=3, horizon=2, stride=1`` (``x`` input, ``y`` target)::

        time    0 1 2 3 4 5 6 7 8 9
        i = 0   x x x y y
        i = 1     x x x y y
        ...
        i = 5             x x x y y

    With ``stride > 1`` the windows are aligned on the **end** of the series: the last
    window always ends with the last possible target, and up to ``stride - 1`` rows at
    the start are left unused (``offset`` above). Every value in ``X[i]`` comes
    strictly before every value in ``y[i]``: a window never sees its own future.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame or array-like of shape (n_time,) or \
(n_time, n_features)
        Observations in time order, one row per time step. All columns, the target
        included, are input features, so exogenous columns travel with the target.
        A time index (``DatetimeIndex``, ``PeriodIndex``) must be sorted and unique.
    window : int
        Number of time steps in each input window (``>= 1``).
    horizon : int, default=1
        Number of target values after each window (``>= 1``).
    target : str, int or None, default=None
        Target column: a column name for a DataFrame (or the name of a Series), an
        integer column position for an array. ``None`` means the only column, or the
        **first** column of multi-column data.
    stride : int, default=1
        Number of time steps between the starts of consecutive windows.
    return_sequences : bool, default=False
        If True, return a next-step target for every input step (sequence labelling,
        teacher-forced training): ``y[i, t] = target[s_i + t + 1]`` for
        ``t = 0 .. window - 1``, or ``y[i, t, k] = target[s_i + t + 1 + k]`` when
        ``horizon > 1``. The last step ``y[i, -1]`` equals the many-to-one ``y[i]``.
        The same name as the estimators' parameter for one output per step.
    return_index : bool, default=False
        If True, also return the label of the first target of each window, i.e. the
        index value of row ``s_i + window``.
    dtype : numpy floating dtype, default=numpy.float64
        Dtype of ``X`` and ``y`` (``numpy.float32`` is what the networks train in).
    many_to_many : bool or None, default=None
        Former name of ``return_sequences``; still accepted, with a FutureWarning.

    Returns
    -------
    X : ndarray of shape (n_windows, window, n_features)
        Input windows, C-contiguous and writeable (a copy, not a view of ``data``).
    y : ndarray of shape (n_windows, horizon)
        Targets. With ``return_sequences=True``: of shape (n_windows, window) when
        ``horizon == 1``, else (n_windows, window, horizon).
    target_index : pandas.Index of shape (n_windows,)
        Only when ``return_index=True``: the index labels (e.g. timestamps) of the
        first target of each window; row positions when ``data`` is an array.

    Raises
    ------
    ValueError
        If ``window``, ``horizon`` or ``stride`` is not a positive int, ``data`` has
        fewer than ``window + horizon`` rows, NaN or infinite values, non-numeric
        columns or an unsorted / duplicated time index, or ``target`` is unknown.

    Examples
    --------
    >>> X, y = make_windows(np.arange(10), window=3, horizon=2)
    >>> X.shape, y.shape
    ((6, 3, 1), (6, 2))
    >>> X[0, :, 0], y[0]
    (array([0., 1., 2.]), array([3., 4.]))
    """
    if many_to_many is not None:
        warnings.warn("The 'many_to_many' parameter of make_windows is now called "
                      "'return_sequences', as in the estimators; pass "
                      f"return_sequences={many_to_many!r}.", FutureWarning, stacklevel=2)
        return_sequences = many_to_many
    window = check_int(window, "window", 1, "make_windows")
    horizon = check_int(horizon, "horizon", 1, "make_windows")
    stride = check_int(stride, "stride", 1, "make_windows")
    dtype = _check_float_dtype(dtype, "make_windows")
    values, index, columns = as_2d_array(data, "data", "make_windows", dtype=dtype)
    target_feature = resolve_target(target, columns, values.shape[1])
    starts = _window_starts(len(values), window, horizon, stride)
    X = _input_windows(values, starts, window)
    y = _target_windows(values[:, target_feature], starts, window, horizon, return_sequences)
    if return_index:
        return X, y, _target_index(index, starts, window)
    return X, y


# ---------------------------------------------------------------------------
# WindowTransformer
# ---------------------------------------------------------------------------


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
