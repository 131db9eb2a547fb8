"""Lag matrices made by other forecasting libraries, read in time order.

A recurrent estimator reads a 2-D row as one sequence, oldest value first. sktime's
reduction (``make_reduction``) and darts' regression models build their lag matrices
in that order, so an ``RNNForecaster`` works inside them unchanged. skforecast puts the
newest lag first (``lag_1, lag_2, ...``), at fit and at predict, as plain arrays without
names: a network fed those rows would read every window backwards in time, silently.

:class:`OldestFirst` reverses the columns, so the estimator after it in a ``Pipeline``
reads time forward; :func:`check_not_newest_first` refuses a plain 2-D array when the
estimator is called from inside skforecast without it.
"""

import sys

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._validation import validate_data
from ._lags import LagMatrix

#: Libraries whose lag matrices put the newest lag first.
NEWEST_FIRST_LIBRARIES = ("skforecast",)

_FIX = ("Put rnnforecast.windowing.OldestFirst() before it, e.g. "
        "ForecasterRecursive(make_pipeline(OldestFirst(), RNNForecaster()), lags=24).")


class OldestFirst(TransformerMixin, BaseEstimator):
    """Reverse the columns of a newest-first lag matrix, for a recurrent estimator.

    skforecast's forecasters hand their regressor rows ``[y[t-1], y[t-2], ..., y[t-p]]``
    (``lag_1`` first). A recurrent network reads a row as a sequence, oldest value
    first; this transformer writes each row as ``[y[t-p], ..., y[t-1]]`` and marks it as
    a lag matrix of one feature (:class:`LagMatrix`), which the estimators read as
    ``(n_samples, p, 1)`` sequences.

    The reversal is positional, so the same columns are reversed at fit (where
    skforecast may pass a DataFrame) and at predict (plain arrays). Every column must be
    a lag of the series: exogenous or window-feature columns would be read as time
    steps, so use the forecaster without them or rnnforecast's own windows
    (``make_windows(..., known=[...])``) for covariates.

    Attributes
    ----------
    n_features_in_ : int
        Number of lag columns seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Their names, when they are all strings.

    Examples
    --------
    >>> OldestFirst().fit_transform(np.array([[3.0, 2.0, 1.0]]))
    LagMatrix([[1., 2., 3.]])
    """

    def fit(self, X, y=None):
        """Remember the number (and names) of the lag columns.

        X : array-like of shape (n_samples, n_lags), newest lag first
        y : None, ignored

        Returns self.
        """
        validate_data(self, X, reset=True)
        return self

    def transform(self, X):
        """Rows oldest lag first, as a LagMatrix of one feature.

        X : array-like of shape (n_samples, n_lags), newest lag first

        Returns LagMatrix of shape (n_samples, n_lags): column ``j`` holds lag
        ``n_lags - j``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return LagMatrix.of(np.ascontiguousarray(X[:, ::-1]), X.shape[1])

    def get_feature_names_out(self, input_features=None):
        """The input names in reversed order."""
        check_is_fitted(self)
        return _check_feature_names_in(self, input_features)[::-1]


def _calling_library(libraries):
    """The first of ``libraries`` with a module on the call stack, or None."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        root = module.partition(".")[0]
        if root in libraries:
            return root
        frame = frame.f_back
    return None


def check_not_newest_first(X, owner):
    """Refuse a plain 2-D array handed to ``owner`` by a newest-first library.

    X : the estimator's input before validation
    owner : str, the estimator's class name

    Lag matrices (:class:`LagMatrix`, what :class:`OldestFirst` and ``WindowTransformer``
    return) and any 3-D input pass; so does everything called outside those libraries.
    """
    if isinstance(X, LagMatrix) or not isinstance(X, np.ndarray) or X.ndim != 2:
        return  # skforecast hands over plain 2-D ndarrays
    library = _calling_library(NEWEST_FIRST_LIBRARIES)
    if library is not None:
        raise ValueError(
            f"{owner} was given lag rows by {library}, which puts the newest lag first "
            "(lag_1, lag_2, ...): a recurrent network reads a row as a sequence, oldest "
            f"value first, so it would read every window backwards in time. {_FIX}")
