"""The embedding lookup and its scatter-add backward against finite differences."""

import numpy as np
import pytest

from rnnforecast.nn._embedding import check_ids, embedding_backward, embedding_forward

from _engine_helpers import numerical_gradient, rel_error


def test_embedding_forward_reads_rows():
    W = np.arange(12.0).reshape(4, 3)
    E, _ = embedding_forward(W, np.array([[3, 0], [1, 1]]))
    np.testing.assert_array_equal(E, [[[9, 10, 11], [0, 1, 2]], [[3, 4, 5], [3, 4, 5]]])


def test_embedding_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 3))
    ids = np.array([[0, 2, 2, 5], [2, 1, 0, 0]])   # repeated ids and an unused row (3, 4)
    R = rng.standard_normal((2, 4, 3))
    E, cache = embedding_forward(W, ids)
    dW = embedding_backward(R, cache)
    num = numerical_gradient(lambda: np.sum(embedding_forward(W, ids)[0] * R), W)
    assert rel_error(dW, num) < 1e-6
    np.testing.assert_array_equal(dW[[3, 4]], 0)


def test_check_ids_names_the_unknown_ids():
    with pytest.raises(ValueError, match=r"X holds token ids outside the vocabulary "
                                         r"\[0, 3\]: \[-1, 7\]"):
        check_ids(np.array([[0, 7], [-1, 2]]), 4)
    check_ids(np.array([[0, 3]]), 4)
