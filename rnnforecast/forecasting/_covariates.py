"""Future values of the columns known in advance, checked and laid out for forecasting.

A model trained on windows of ``make_windows(..., known=[...])`` records which features
are known in advance and their lead ``L`` (the horizon; ``known_features_`` and
``known_lead_``, read by :func:`~._protocol.known_layout_of`). Step ``j`` of a known
feature in a window whose last row is time ``e`` holds its value at ``e - T + 1 + j + L``.
To forecast ``steps`` values after a history of ``n`` rows, block ``b`` of the recursion
(``b = 0 .. B - 1``, ``B = ceil(steps / H)``) reads a window ending at ``n - 1 + bH``, so
the known values are needed up to time ``n - 1 + L + (B - 1) H``::

    rows needed after the history   R = L + (B - 1) H        (R = B H when L = H)

``future`` holds exactly those ``R`` rows, indexed by the ``R`` timestamps after the
history. :class:`KnownRows` carries the known values of every sample from the first row
of its window to the last row needed, and :func:`lead_rows` writes block ``b``'s values
into a window.
"""

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._validation import check_finite

__all__ = ["KnownRows", "check_future", "future_rows", "lead_rows", "refuse_future"]

#: Timestamps printed in an error about missing or extra rows.
MAX_SHOWN = 5


class KnownRows(NamedTuple):
    """The values of the known features over and after each window.

    features : tuple of int
        Features of the window that are known in advance.
    lead : int
        How many steps ahead the window reads them (the horizon they were trained with).
    values : ndarray of shape (n_samples, n_timesteps + n_rows, n_known)
        Their values from the first row of each window on, ``n_rows`` rows past it.
    """

    features: tuple
    lead: int
    values: np.ndarray


def future_rows(steps, horizon, lead):
    """Rows of known values needed after the history: ``lead + (ceil(steps / H) - 1) H``."""
    return lead + (math.ceil(steps / horizon) - 1) * horizon


def lead_rows(X, known, block, horizon):
    """Window ``X`` with the known features of recursion block ``block`` written in.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    known : KnownRows
    block, horizon : int

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        A copy; ``X[:, j, f] = known.values[:, block * horizon + lead + j]`` for the
        known features ``f``.
    """
    start = block * horizon + known.lead
    X = X.copy()
    X[:, :, list(known.features)] = known.values[:, start:start + X.shape[1]]
    return X


def refuse_future(estimator, owner):
    """The error for ``future`` given to a model without known-in-advance features."""
    return ValueError(
        f"The 'future' parameter of {owner} is only for a model trained on windows with "
        f"columns known in advance (make_windows(..., known=[...])), but the "
        f"{type(estimator).__name__} has none recorded (known_features_ is empty or "
        "missing). Got a future of values. Drop future=..., or train on windows made "
        "with known=[...]."
    )


def missing_future(known_names, n_rows, owner):
    """The error for a model with known features forecast without ``future``."""
    return ValueError(
        f"The 'future' parameter of {owner} is needed: the model was trained with the "
        f"columns {known_names} known in advance, so it reads their values at the "
        f"forecast times. Got future=None. Pass their values for the next {n_rows} "
        "time step(s), e.g. future=pandas.DataFrame({...}, index=future_index(history."
        f"index, {n_rows}))."
    )


def _describe(labels):
    shown = ", ".join(str(label) for label in labels[:MAX_SHOWN])
    return shown + (f" (and {len(labels) - MAX_SHOWN} more)" if len(labels) > MAX_SHOWN
                    else "")


def _check_future_index(given, expected, owner):
    """Refuse a future index that is not exactly the expected timestamps, in order."""
    if given.equals(expected):
        return
    missing, extra = expected.difference(given), given.difference(expected)
    problems = []
    if len(missing):
        problems.append(f"missing {_describe(missing)}")
    if len(extra):
        problems.append(f"extra {_describe(extra)}")
    if not problems:
        problems.append("the right timestamps but not in time order, or repeated")
    raise ValueError(
        f"The 'future' parameter of {owner} must be indexed by the {len(expected)} "
        f"timestamps after the history, {expected[0]} to {expected[-1]}, one row each in "
        f"time order. Got {len(given)} row(s): {'; '.join(problems)}. Pass exactly those "
        "rows, e.g. future.reindex(future_index(history.index, "
        f"{len(expected)})) after filling them."
    )


def _check_future_columns(future, names, owner):
    """The known columns of ``future``, in the model's order; no other column."""
    given = list(future.columns)
    missing = [name for name in names if name not in given]
    extra = [name for name in given if name not in names]
    if missing or extra or len(set(given)) != len(given):
        raise ValueError(
            f"The 'future' parameter of {owner} must have exactly the columns known in "
            f"advance, {names}. Got the columns {given}"
            + (f"; missing {missing}" if missing else "")
            + (f"; not known in advance {extra}" if extra else "")
            + ". Pass future[" + repr(names) + "] with every known column filled."
        )
    return future[names]


def _future_values(future, names, expected, owner):
    """The values of a DataFrame ``future`` for a pandas history."""
    if isinstance(future, pd.Series):
        future = future.to_frame()
    if not isinstance(future, pd.DataFrame):
        raise ValueError(
            f"The 'future' parameter of {owner} must be a pandas DataFrame indexed by the "
            f"future timestamps with the columns {names}, as the history is a pandas "
            f"object. Got {type(future).__name__} instead."
        )
    frame = _check_future_columns(future, names, owner)
    _check_future_index(frame.index, expected, owner)
    bad = [c for c in names if not pd.api.types.is_numeric_dtype(frame[c].dtype) or
           pd.api.types.is_bool_dtype(frame[c].dtype)]
    if bad:
        raise ValueError(f"The 'future' parameter of {owner} must have numeric columns. "
                         f"Got non-numeric {bad}; convert them, e.g. with "
                         "pandas.to_numeric.")
    return frame.to_numpy(dtype=np.float64)


def _array_values(future, n_rows, n_known, owner):
    """The values of an array ``future`` for an array history."""
    values = np.asarray(future, dtype=np.float64)
    if values.ndim == 1 and n_known == 1:
        values = values[:, np.newaxis]
    if values.shape != (n_rows, n_known):
        raise ValueError(
            f"The 'future' parameter of {owner} must have shape (n_rows, n_known) = "
            f"({n_rows}, {n_known}): the values of the known features, in the order of "
            f"known_features_, for the next {n_rows} time step(s). Got shape "
            f"{values.shape} instead."
        )
    return values


def check_future(future, *, names, expected, n_known, owner):
    """The future values of the known features, checked: shape (n_rows, n_known).

    Parameters
    ----------
    future : pandas.DataFrame, pandas.Series or array-like
    names : list of length n_known or None
        Column names of the known features for a pandas history, None for an array.
    expected : pandas.Index of shape (n_rows,)
        The timestamps after the history.
    n_known : int
    owner : str

    Returns
    -------
    values : ndarray of shape (n_rows, n_known)
    """
    if names is None:
        values = _array_values(future, len(expected), n_known, owner)
        return check_finite(values, "future", owner)
    values = _future_values(future, names, expected, owner)
    return check_finite(values, "future", owner, index=expected, columns=names)
