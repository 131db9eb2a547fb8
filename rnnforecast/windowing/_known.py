"""Columns known in advance (calendar, planned prices, weather forecasts) in windows.

A column is *known in advance* when its value at a future time is available at the
forecast time. :func:`~rnnforecast.make_windows` with ``known=[...]`` reads such a
column **led by the horizon** ``H``: in the window of targets ``s + T .. s + T + H - 1``
(``T`` the window length), step ``j`` of a known column holds its value at time
``s + j + H`` instead of ``s + j``::

    time               s   s+1  ...  s+T-1 | s+T  ...  s+T+H-1
    other columns      x_s x_s+1 ... x_s+T-1|                      (the past)
    known column       k_s+H    ...  k_s+T-1+H                     (led by H)
    targets                                 | y_s+T ... y_s+T+H-1

so the window's last ``H`` steps carry the known values at exactly the ``H`` target
times, and the network itself needs no change.

The windows come back as a :class:`KnownWindows` array, an ndarray that remembers which
features are led and by how much, and, for a DataFrame, the names of its columns (in the
order of the window's features, :func:`window_columns`), so that ``forecast`` can refuse
a history whose columns come in another order. An estimator reads that layout once in ``fit``
(:func:`known_layout`) and keeps it as ``known_features_`` and ``known_lead_``, so that
``forecast`` can build the same windows from a history and the future values, and can
refuse a model that was not trained that way. Slicing the windows keeps the mark;
``numpy.asarray`` drops it.
"""

import numpy as np

__all__ = ["KnownWindows", "known_layout", "lead_known", "window_columns"]


class KnownWindows(np.ndarray):
    """Windows of shape (n_windows, window, n_features) with led known-in-advance features.

    Windows of several series pooled with ``np.concatenate`` or ``np.vstack`` along the
    first axis keep their layout (and their column names when all agree); parts whose
    led features or column order differ, or led parts with plain arrays, are refused.

    Attributes
    ----------
    known_features : tuple of int
        Features of every step that hold values led by ``lead`` time steps.
    lead : int
        The horizon the known features are led by.
    n_features : int
        Features per step when the windows were made (a check on later slicing).
    columns : tuple of str or None
        Names of the features, from the DataFrame the windows were made from.
    """

    @classmethod
    def of(cls, X, known_features, lead, columns=None):
        out = X.view(cls)
        out.known_features, out.lead = tuple(int(f) for f in known_features), int(lead)
        out.n_features = X.shape[2]
        out.columns = None if columns is None else tuple(str(c) for c in columns)
        return out

    def __array_finalize__(self, obj):
        self.known_features = getattr(obj, "known_features", ())
        self.lead = getattr(obj, "lead", 0)
        self.n_features = getattr(obj, "n_features", None)
        self.columns = getattr(obj, "columns", None)

    def __array_function__(self, func, types, args, kwargs):
        """``np.concatenate`` / ``np.vstack`` of windows (pooling series) keep their
        layout, and refuse windows whose led features or column order differ: a plain
        ndarray result lost the led features, and a model fitted on it read them unled
        at forecast time."""
        result = super().__array_function__(func, types, args, kwargs)
        if func not in (np.concatenate, np.vstack) or not isinstance(result, np.ndarray):
            return result
        if result.ndim != 3:  # e.g. one feature's values: no layout to keep
            return result.view(np.ndarray)
        axis = kwargs.get("axis", args[1] if len(args) > 1 else 0)
        parts = [p for p in args[0] if isinstance(p, KnownWindows)]
        plain = len(parts) < len(args[0])
        kinds = {(p.known_features, p.lead, p.n_features) for p in parts}
        led = any(kind[0] for kind in kinds)
        if axis not in (0, -3):
            if led:
                raise ValueError(_pooling_error(func, f"along axis {axis}", parts))
            return result.view(np.ndarray)
        if len(kinds) > 1 or (plain and led):
            raise ValueError(_pooling_error(func, "of different layouts", parts, plain))
        columns = _pooled_columns(func, parts, plain)
        if not led and columns is None:
            return result.view(np.ndarray)
        known, lead, _ = kinds.pop()
        return KnownWindows.of(result, known, lead, columns)


def _pooled_columns(func, parts, plain):
    """The column names of pooled windows: theirs when all agree, None when some have
    none or other names; refused when the same names come in another order."""
    names = {p.columns for p in parts}
    if len(names) == 1 and not plain:
        return names.pop()
    named = [c for c in names if c is not None]
    if len({tuple(sorted(c)) for c in named}) < len(named):
        raise ValueError(_pooling_error(func, "whose columns come in different orders",
                                        parts))
    return None


def _pooling_error(func, how, parts, plain=False):
    """The error for windows that cannot be pooled into one layout."""
    layouts = dict.fromkeys((p.known_features, p.lead, p.columns) for p in parts)
    shown = "; ".join(f"known features {list(k)} led by {lead}, columns "
                      f"{None if c is None else list(c)}" for k, lead, c in layouts)
    return (
        f"np.{func.__name__} was given windows {how}: {shown}"
        + ("; and plain arrays" if plain else "") + ". Windows pooled from several "
        "series must be made alike, by make_windows with the columns in the same order "
        "and the same known=[...] and horizon, and joined along the first axis "
        "(np.concatenate(parts, axis=0)); or pass numpy.asarray(part) for each to train "
        "without known features.")


def lead_known(values, known_features, lead):
    """Rows whose known features are read ``lead`` rows ahead.

    Parameters
    ----------
    values : ndarray of shape (n_time, n_features)
    known_features : list of int
    lead : int

    Returns
    -------
    inputs : ndarray of shape (n_time - lead, n_features)
        ``inputs[t, f] = values[t + lead, f]`` for a known feature ``f``, else
        ``values[t, f]``; a copy.
    """
    inputs = values[:len(values) - lead].copy()
    inputs[:, known_features] = values[lead:, known_features]
    return inputs


def known_layout(X, owner="fit"):
    """The led features of windows made by ``make_windows(..., known=...)``.

    Parameters
    ----------
    X : object
        Windows; only a :class:`KnownWindows` array carries a layout.
    owner : str, default="fit"
        Method named in error messages.

    Returns
    -------
    known_features : tuple of int
        Empty for windows without known features.
    lead : int
        0 for windows without known features.

    Raises
    ------
    ValueError
        If a :class:`KnownWindows` array lost features since it was made (e.g. sliced
        along its last axis), so the marked positions no longer name the led features.
    """
    if not isinstance(X, KnownWindows) or not X.known_features:
        return (), 0
    if X.ndim != 3 or X.shape[2] != X.n_features:
        raise ValueError(
            f"The 'X' parameter of {owner} carries known-in-advance features "
            f"{list(X.known_features)} (made by make_windows(..., known=...)) but has "
            f"shape {X.shape}: features were removed after the windows were made, so the "
            "led features cannot be told apart. Make the windows again from the columns "
            "you want, or pass numpy.asarray(X) to train without known features."
        )
    return X.known_features, X.lead


def window_columns(X):
    """Names of the window's features, when the windows were made from a DataFrame of
    several columns and still have all of them; else None.

    Parameters
    ----------
    X : object
        Windows; only a :class:`KnownWindows` array carries names.

    Returns
    -------
    columns : tuple of str or None
    """
    columns = getattr(X, "columns", None) if isinstance(X, KnownWindows) else None
    if columns is None or X.ndim != 3 or X.shape[2] != len(columns) or len(columns) < 2:
        return None
    return columns
