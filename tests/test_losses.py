"""Tests of the losses and the softmax output: hand-computed values, numerical gradients,
stability for huge logits and dtype preservation."""

import numpy as np
import pytest

from rnnforecast.nn.losses import (
    LOSSES,
    absolute_error,
    huber,
    softmax,
    softmax_cross_entropy,
    squared_error,
)

LOG2 = np.log(2.0)


def rel_error(a, b):
    """Relative error of two arrays, as a whole: ||a - b|| / (||a|| + ||b||)."""
    return np.linalg.norm(a - b) / max(1e-12, np.linalg.norm(a) + np.linalg.norm(b))


def numerical_gradient(f, x, h=1e-5):
    """Central finite differences of the scalar function ``f`` at ``x`` (float64)."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = f(x)
        x[idx] = old - h
        minus = f(x)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def residuals_away_from_kinks(rng, shape):
    """Residuals with |r| in [0.2, 0.8] or [1.2, 3]: away from 0 and from +-1 (huber)."""
    small = rng.uniform(0.2, 0.8, size=shape)
    large = rng.uniform(1.2, 3.0, size=shape)
    magnitude = np.where(rng.random(shape) < 0.5, small, large)
    return magnitude * rng.choice([-1.0, 1.0], size=shape)


def regression_problem(seed=0, shape=(5, 3)):
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=shape)
    y = raw - residuals_away_from_kinks(rng, shape)
    return raw, y


def targets_for(name, rng, n, k):
    """Targets suited to the loss ``name`` for outputs of shape (n, k)."""
    if name == "softmax_cross_entropy":
        return rng.integers(0, k, size=n)
    return rng.normal(size=(n, k))


# ---------------------------------------------------------------------------
# Values on tiny examples computed by hand
# ---------------------------------------------------------------------------

RAW = np.array([[1.0, 2.0], [3.0, 4.0]])
Y = np.array([[0.0, 2.0], [1.0, 1.0]])  # residuals [[1, 0], [2, 3]]


def test_squared_error_by_hand():
    # 0.5 * (1 + 0 + 4 + 9) / 2 samples
    value, draw = squared_error(RAW, Y)
    assert value == pytest.approx(3.5)
    np.testing.assert_allclose(draw, [[0.5, 0.0], [1.0, 1.5]])


def test_absolute_error_by_hand():
    # (1 + 0 + 2 + 3) / 2 samples
    value, draw = absolute_error(RAW, Y)
    assert value == pytest.approx(3.0)
    np.testing.assert_allclose(draw, [[0.5, 0.0], [0.5, 0.5]])


def test_huber_by_hand():
    # delta=1: 0.5*1 + 0 + (2 - 0.5) + (3 - 0.5) = 4.5, over 2 samples
    value, draw = huber(RAW, Y)
    assert value == pytest.approx(2.25)
    np.testing.assert_allclose(draw, [[0.5, 0.0], [0.5, 0.5]])
    # delta=2: 0.5*1 + 0 + 0.5*4 + 2*(3 - 1) = 6.5, over 2 samples
    value, draw = huber(RAW, Y, delta=2.0)
    assert value == pytest.approx(3.25)
    np.testing.assert_allclose(draw, [[0.5, 0.0], [1.0, 1.0]])


def test_softmax_cross_entropy_by_hand():
    # row 0: p = [1/2, 1/2], class 0 -> log 2; row 1: p = [3/4, 1/4], class 1 -> log 4
    raw = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    value, draw = softmax_cross_entropy(raw, np.array([0, 1]))
    assert value == pytest.approx(1.5 * LOG2)
    np.testing.assert_allclose(draw, [[-0.25, 0.25], [0.375, -0.375]])


def test_huber_with_huge_delta_is_squared_error():
    raw, y = regression_problem()
    value_h, draw_h = huber(raw, y, delta=1e6)
    value_s, draw_s = squared_error(raw, y)
    assert value_h == pytest.approx(value_s)
    np.testing.assert_allclose(draw_h, draw_s)


# ---------------------------------------------------------------------------
# Gradients against central finite differences (float64)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [squared_error, absolute_error, huber])
def test_regression_gradients_match_finite_differences(loss):
    raw, y = regression_problem()
    _, draw = loss(raw, y)
    num = numerical_gradient(lambda r: loss(r, y)[0], raw.copy())
    assert rel_error(draw, num) < 1e-7


def test_huber_gradient_with_other_delta():
    raw, y = regression_problem(seed=1)
    y = raw - 2.0 * (raw - y)  # |residuals| in [0.4, 1.6] or [2.4, 6]: away from delta=2
    _, draw = huber(raw, y, delta=2.0)
    num = numerical_gradient(lambda r: huber(r, y, delta=2.0)[0], raw.copy())
    assert rel_error(draw, num) < 1e-7


def test_classification_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    raw = 2.0 * rng.normal(size=(6, 4))
    y = targets_for("softmax_cross_entropy", rng, 6, 4)
    _, draw = softmax_cross_entropy(raw, y)
    num = numerical_gradient(lambda r: softmax_cross_entropy(r, y)[0], raw.copy())
    assert rel_error(draw, num) < 1e-7


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_weighted_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(3)
    raw, y_reg = regression_problem(seed=3, shape=(4, 3))
    y = targets_for(name, rng, 4, 3) if name == "softmax_cross_entropy" else y_reg
    w = np.array([0.5, 2.0, 1.0, 3.0])
    loss = LOSSES[name]
    _, draw = loss(raw, y, sample_weight=w)
    num = numerical_gradient(lambda r: loss(r, y, sample_weight=w)[0], raw.copy())
    assert rel_error(draw, num) < 1e-7


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_integer_weights_equal_repeated_rows(name):
    rng = np.random.default_rng(4)
    raw = rng.normal(size=(3, 2))
    y = targets_for(name, rng, 3, 2)
    loss = LOSSES[name]
    value_w, draw_w = loss(raw, y, sample_weight=np.array([2.0, 1.0, 1.0]))
    value_r, draw_r = loss(raw[[0, 0, 1, 2]], y[[0, 0, 1, 2]])
    assert value_w == pytest.approx(value_r)
    np.testing.assert_allclose(draw_w, [draw_r[0] + draw_r[1], draw_r[2], draw_r[3]])


# ---------------------------------------------------------------------------
# Canonical pairings: n * draw == y_pred - y
# ---------------------------------------------------------------------------

def test_canonical_pairing_gives_prediction_minus_target():
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(5, 3))
    y = targets_for("squared_error", rng, 5, 3)
    _, draw = squared_error(raw, y)                      # identity output
    np.testing.assert_allclose(5 * draw, raw - y)
    labels = targets_for("softmax_cross_entropy", rng, 5, 3)
    _, draw = softmax_cross_entropy(raw, labels)         # softmax output
    np.testing.assert_allclose(5 * draw, softmax(raw) - np.eye(3)[labels])


# ---------------------------------------------------------------------------
# Targets: class indices and one-hot, (n,) and (n, 1)
# ---------------------------------------------------------------------------

def test_class_indices_and_one_hot_agree():
    rng = np.random.default_rng(6)
    raw = rng.normal(size=(7, 4))
    labels = np.array([0, 3, 1, 1, 2, 0, 3])
    value_i, draw_i = softmax_cross_entropy(raw, labels)
    value_c, draw_c = softmax_cross_entropy(raw, labels[:, None])
    value_o, draw_o = softmax_cross_entropy(raw, np.eye(4)[labels])
    assert value_i == pytest.approx(value_o) and value_c == pytest.approx(value_o)
    np.testing.assert_allclose(draw_i, draw_o)
    np.testing.assert_allclose(draw_c, draw_o)


def test_one_dimensional_targets_for_single_output():
    raw = np.array([[0.5], [-1.0], [2.0]])
    y = np.array([1.0, 0.0, 1.0])
    for name in ["squared_error", "absolute_error", "huber"]:
        value_1d, draw_1d = LOSSES[name](raw, y)
        value_2d, draw_2d = LOSSES[name](raw, y[:, None])
        assert value_1d == value_2d
        np.testing.assert_array_equal(draw_1d, draw_2d)


def test_wrong_target_shape_raises():
    raw = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"The targets `y` must have the shape"):
        squared_error(raw, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"The targets `y` must be class indices"):
        softmax_cross_entropy(raw, np.zeros((4, 3)))


def test_non_positive_sample_weight_raises():
    with pytest.raises(ValueError, match=r"`sample_weight` must sum to a positive"):
        squared_error(np.zeros((2, 1)), np.zeros((2, 1)), sample_weight=np.zeros(2))


# ---------------------------------------------------------------------------
# Stability for huge logits
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_logits(dtype):
    raw = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]], dtype=dtype)
    proba = softmax(raw)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba, [[1, 0, 0], [0, 0.5, 0.5]], atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_for_huge_logits(dtype):
    raw = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]], dtype=dtype)
    # right answer with certainty costs 0, wrong answer with certainty costs 2000
    value, draw = softmax_cross_entropy(raw, np.array([0, 0]))
    assert value == pytest.approx(1000.0) and np.all(np.isfinite(draw))
    np.testing.assert_allclose(draw, [[0, 0], [-0.5, 0.5]], atol=1e-7)


# ---------------------------------------------------------------------------
# Dtypes and lookup dicts
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_in_float32_gradient_out(name):
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(5, 3)).astype(np.float32)
    y = targets_for(name, rng, 5, 3)  # float64 or int64 targets
    value, draw = LOSSES[name](raw, y, sample_weight=np.ones(5))
    assert isinstance(value, float)
    assert draw.dtype == np.float32 and draw.shape == raw.shape


def test_softmax_keeps_float32():
    raw = np.random.default_rng(8).normal(size=(5, 3)).astype(np.float32)
    assert softmax(raw).dtype == np.float32


def test_lookup_dict_holds_the_estimators_losses():
    assert set(LOSSES) == {"squared_error", "absolute_error", "huber", "quantile",
                           "softmax_cross_entropy"}


# --------------------------------------------------------------------------- smoothing

@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("eps", [0.1, 0.5, 1.0])
def test_label_smoothing_gradient_matches_finite_differences(eps, weighted):
    rng = np.random.default_rng(4)
    raw = 2.0 * rng.normal(size=(6, 4))
    y = rng.integers(0, 4, size=6)
    w = rng.uniform(0.5, 2.0, size=6) if weighted else None
    _, draw = softmax_cross_entropy(raw, y, sample_weight=w, label_smoothing=eps)
    num = numerical_gradient(
        lambda r: softmax_cross_entropy(r, y, sample_weight=w, label_smoothing=eps)[0],
        raw.copy())
    assert rel_error(draw, num) < 1e-7


def test_label_smoothing_is_pytorchs_definition():
    """PyTorch's ``CrossEntropyLoss(label_smoothing=eps)``: ``(1 - eps)`` times the
    cross-entropy plus ``eps`` times the mean over the classes of ``-log p``; the
    gradient is ``(softmax - smoothed rows) / n``, written out here."""
    from rnnforecast.nn.losses import log_softmax, smooth_labels
    raw = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    y, eps = np.array([0, 2]), 0.2
    log_p = log_softmax(raw)
    expected = np.mean((1 - eps) * -log_p[[0, 1], y] + eps * -log_p.mean(axis=1))
    value, draw = softmax_cross_entropy(raw, y, label_smoothing=eps)
    assert value == pytest.approx(expected, rel=1e-14)
    rows = np.array([[0.8 + 0.2 / 3, 0.2 / 3, 0.2 / 3], [0.2 / 3, 0.2 / 3, 0.8 + 0.2 / 3]])
    np.testing.assert_allclose(smooth_labels(y, 3, eps), rows, rtol=1e-15)
    np.testing.assert_allclose(draw, (softmax(raw) - rows) / 2, rtol=1e-13)
    np.testing.assert_allclose(softmax_cross_entropy(raw, rows)[1], draw, rtol=1e-15)


def test_no_smoothing_is_the_plain_loss_bit_for_bit():
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(5, 3)).astype(np.float32)
    y = rng.integers(0, 3, size=5)
    plain = softmax_cross_entropy(raw, y)
    smooth = softmax_cross_entropy(raw, y, label_smoothing=0.0)
    assert plain[0] == smooth[0]
    np.testing.assert_array_equal(plain[1], smooth[1])
    assert softmax_cross_entropy(raw, y, label_smoothing=0.1)[1].dtype == np.float32
