"""Cross-validation splitters that respect time and the overlap of windows."""

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import indexable

from .._validation import check_int

__all__ = ["WindowedTimeSeriesSplit"]


def _n_samples(X):
    """Number of rows of an array-like, a DataFrame or a sparse matrix."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


class WindowedTimeSeriesSplit(BaseCrossValidator):
    """Forward-chaining splits of windowed samples, with a gap that prevents leakage.

    Made for the samples of :func:`~rnnforecast.make_windows` with ``stride=1``:
    sample ``i`` reads times ``i .. i + window - 1`` and predicts times
    ``i + window .. i + window + horizon - 1``. Consecutive samples overlap, so
    splitting them like independent rows (as ``TimeSeriesSplit`` does with
    ``gap=0``) lets the training set see the test period: the last training
    targets are inputs of the first test windows.

    Sample ``i`` touches the time span ``[i, i + window + horizon - 1]``. For the last
    training sample ``a`` and the first test sample ``b`` to share no time step::

        a + window + horizon - 1 < b   <=>   b - a - 1 >= window + horizon - 1

    so ``gap = window + horizon - 1`` samples are left out between the training and
    the test samples of every split. Then no training target lies inside a test
    window and no test target is an input of a training window. Example with
    ``window=3, horizon=1`` (gap 3; ``x`` input, ``y`` target)::

        time        0 1 2 3 4 5 6 7 8 9
        sample 0    x x x y                 train
        sample 1      x x x y               train  (last time used: 4)
        sample 2        x x x y             gap
        sample 3          x x x y           gap
        sample 4            x x x y         gap
        sample 5              x x x y       test   (first time used: 5)
        sample 6                x x x y     test

    As in ``TimeSeriesSplit``, the test sets are the last ``n_splits * test_size``
    samples, cut into ``n_splits`` consecutive blocks; each training set is every
    sample that ends before its test block, minus the gap (optionally only the last
    ``max_train_size`` of them).

    Parameters
    ----------
    n_splits : int, default=5
        Number of splits (``>= 2``).
    window : int
        Input length the samples were made with (``>= 1``).
    horizon : int, default=1
        Number of targets per sample the samples were made with (``>= 1``).
    test_size : int, default=None
        Number of samples in each test set. Default:
        ``(n_samples - gap) // (n_splits + 1)``, so the first training set is at
        least as large as a test set.
    max_train_size : int, default=None
        Maximum number of samples in a training set (the most recent ones).

    Examples
    --------
    >>> X = np.zeros((12, 3, 1))  # windows of length 3 with horizon 1
    >>> cv = WindowedTimeSeriesSplit(n_splits=2, window=3, test_size=2)
    >>> for train, test in cv.split(X):
    ...     print(train, test)
    [0 1 2 3 4] [8 9]
    [0 1 2 3 4 5 6] [10 11]
    """

    def __init__(self, n_splits=5, *, window, horizon=1, test_size=None, max_train_size=None):
        self.n_splits = n_splits
        self.window = window
        self.horizon = horizon
        self.test_size = test_size
        self.max_train_size = max_train_size

    @property
    def gap(self):
        """Number of samples left out between training and test: window + horizon - 1."""
        owner = type(self).__name__
        window = check_int(self.window, "window", 1, owner)
        return window + check_int(self.horizon, "horizon", 1, owner) - 1

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits.

        Parameters
        ----------
        X, y, groups : object
            Ignored, present for API compatibility.

        Returns
        -------
        n_splits : int
        """
        return check_int(self.n_splits, "n_splits", 2, type(self).__name__)

    def split(self, X, y=None, groups=None):
        """Generate indices of the training and test samples of each split.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Windowed samples in time order, e.g. of shape (n_samples, window, n_features).
        y : array-like of shape (n_samples, ...), default=None
            Ignored, except for its length.
        groups : None
            Ignored.

        Yields
        ------
        train : ndarray of shape (n_train,)
            Training sample indices, all earlier than ``test[0] - gap``.
        test : ndarray of shape (test_size,)
            Test sample indices.
        """
        X, y, groups = indexable(X, y, groups)
        n_samples, n_splits, gap = _n_samples(X), self.get_n_splits(), self.gap
        test_size = self._test_size(n_samples, n_splits, gap)
        max_train_size = check_int(
            self.max_train_size, "max_train_size", 1, type(self).__name__, allow_none=True
        )
        for test_start in range(n_samples - n_splits * test_size, n_samples, test_size):
            train_end = test_start - gap
            train_start = 0 if max_train_size is None else max(0, train_end - max_train_size)
            yield np.arange(train_start, train_end), np.arange(test_start, test_start + test_size)

    def _test_size(self, n_samples, n_splits, gap):
        """Checked ``test_size`` (or its default) that leaves room for one training sample."""
        owner = type(self).__name__
        test_size = check_int(self.test_size, "test_size", 1, owner, allow_none=True)
        needed = n_splits * (test_size or 1) + gap + 1
        if n_samples < needed:
            raise ValueError(
                f"{owner} needs at least n_splits * test_size + gap + 1 = "
                f"{n_splits} * {test_size or 1} + {gap} + 1 = {needed} samples, with "
                f"gap = window + horizon - 1 = {gap}. Got {n_samples} samples instead. "
                "Use fewer splits, a smaller test_size or window, or more data."
            )
        return test_size or (n_samples - gap) // (n_splits + 1)

    def _iter_test_indices(self, X=None, y=None, groups=None):
        """Test indices of each split (``split`` is overridden, kept for the ABC)."""
        for _, test in self.split(X, y, groups):
            yield test
