"""Tests of WindowedTimeSeriesSplit: split layout and absence of temporal leakage."""

import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.linear_model import Ridge
from sklearn.model_selection import TimeSeriesSplit, cross_val_score

from rnnforecast.model_selection import WindowedTimeSeriesSplit
from rnnforecast.windowing import make_windows


def times_used(X, y, samples):
    """All time indices read or predicted by ``samples`` (windows made from arange)."""
    return np.concatenate([X[samples].ravel(), y[samples].ravel()])


def test_gap_formula():
    assert WindowedTimeSeriesSplit(window=3).gap == 3
    assert WindowedTimeSeriesSplit(window=5, horizon=4).gap == 8


def test_splits_by_hand():
    X, _ = make_windows(np.arange(15), window=3)  # 12 windows, gap 3
    cv = WindowedTimeSeriesSplit(n_splits=2, window=3, test_size=2)
    splits = list(cv.split(X))
    assert cv.get_n_splits() == 2 and len(splits) == 2
    assert_array_equal(splits[0][0], [0, 1, 2, 3, 4])
    assert_array_equal(splits[0][1], [8, 9])
    assert_array_equal(splits[1][0], [0, 1, 2, 3, 4, 5, 6])
    assert_array_equal(splits[1][1], [10, 11])


@pytest.mark.parametrize("window, horizon", [(1, 1), (3, 1), (4, 3), (10, 5)])
@pytest.mark.parametrize("test_size, max_train_size", [(None, None), (4, None), (3, 6)])
@pytest.mark.parametrize("many_to_many", [False, True])
def test_no_training_time_reaches_the_test_period(window, horizon, test_size,
                                                 max_train_size, many_to_many):
    X, y = make_windows(np.arange(80), window, horizon, return_sequences=many_to_many)
    cv = WindowedTimeSeriesSplit(n_splits=4, window=window, horizon=horizon,
                                 test_size=test_size, max_train_size=max_train_size)
    for train, test in cv.split(X, y):
        assert times_used(X, y, train).max() < times_used(X, y, test).min()
        # The gap is tight: one more training sample would overlap the test period.
        assert times_used(X, y, [train[-1] + 1]).max() >= times_used(X, y, test).min()


def test_default_test_size_and_max_train_size():
    X = np.zeros((50, 4, 1))
    cv = WindowedTimeSeriesSplit(n_splits=4, window=4, horizon=2, max_train_size=10)
    splits = list(cv.split(X))
    test_size = (50 - 5) // 5
    assert [len(test) for _, test in splits] == [test_size] * 4
    assert splits[-1][1][-1] == 49
    assert all(len(train) <= 10 for train, _ in splits)
    assert len(list(WindowedTimeSeriesSplit(4, window=4, horizon=2).split(X))[0][0]) >= 9


def test_matches_sklearn_time_series_split_with_the_gap():
    X = np.zeros((60, 6, 2))
    ours = WindowedTimeSeriesSplit(n_splits=3, window=6, horizon=2, test_size=7,
                                   max_train_size=20)
    theirs = TimeSeriesSplit(n_splits=3, gap=7, test_size=7, max_train_size=20)
    for (train, test), (train_ref, test_ref) in zip(ours.split(X), theirs.split(X)):
        assert_array_equal(train, train_ref)
        assert_array_equal(test, test_ref)


def test_usable_as_cv_argument():
    series = np.sin(np.arange(200) / 6.0)
    X, y = make_windows(series, window=8)
    cv = WindowedTimeSeriesSplit(n_splits=3, window=8)
    scores = cross_val_score(Ridge(alpha=1e-3), X[:, :, 0], y[:, 0], cv=cv)
    assert scores.shape == (3,) and (scores > 0.9).all()


def test_too_few_samples():
    message = ("WindowedTimeSeriesSplit needs at least n_splits * test_size + gap + 1 = "
               "3 * 5 + 6 + 1 = 22 samples, with gap = window + horizon - 1 = 6. "
               "Got 21 samples instead.")
    cv = WindowedTimeSeriesSplit(n_splits=3, window=5, horizon=2, test_size=5)
    with pytest.raises(ValueError, match=re.escape(message)):
        list(cv.split(np.zeros((21, 5, 1))))
    assert len(list(cv.split(np.zeros((22, 5, 1))))) == 3


@pytest.mark.parametrize("params, message", [
    ({"n_splits": 1, "window": 3},
     "The 'n_splits' parameter of WindowedTimeSeriesSplit must be an int in the range "
     "[2, inf). Got 1 instead."),
    ({"window": 0},
     "The 'window' parameter of WindowedTimeSeriesSplit must be an int in the range "
     "[1, inf). Got 0 instead."),
    ({"window": 3, "horizon": 1.5},
     "The 'horizon' parameter of WindowedTimeSeriesSplit must be an int in the range "
     "[1, inf). Got 1.5 instead."),
    ({"window": 3, "test_size": 0},
     "The 'test_size' parameter of WindowedTimeSeriesSplit must be an int in the range "
     "[1, inf) or None. Got 0 instead."),
    ({"window": 3, "max_train_size": -2},
     "The 'max_train_size' parameter of WindowedTimeSeriesSplit must be an int in the "
     "range [1, inf) or None. Got -2 instead."),
])
def test_parameter_errors(params, message):
    cv = WindowedTimeSeriesSplit(**params)
    with pytest.raises(ValueError, match=re.escape(message)):
        list(cv.split(np.zeros((40, 3, 1))))
