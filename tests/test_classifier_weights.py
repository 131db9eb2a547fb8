"""RNNClassifier: sample_weight and class_weight weight the training loss."""

import numpy as np
import pytest
from sklearn.metrics import recall_score

from rnnforecast import RNNClassifier
from rnnforecast.estimators._training import weighted_loss
from rnnforecast.nn.losses import softmax_cross_entropy

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(hidden_size=8, max_iter=30, learning_rate_init=0.03, random_state=0)


def test_integer_weights_are_repeated_samples_in_the_batch_loss():
    """In one batch, weight 2 on a sample is that sample twice: the same loss value and
    the same gradient of every logit (a repeated row's gradient summed)."""
    rng = np.random.default_rng(0)
    raw, y = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    rep = np.repeat(np.arange(5), w.astype(int))                  # (8,)
    value_w, grad_w = weighted_loss(softmax_cross_entropy, raw, y, w / w.mean())
    value_r, grad_r = softmax_cross_entropy(raw[rep], y[rep])
    assert value_w == pytest.approx(value_r)
    summed = np.zeros_like(raw)
    np.add.at(summed, rep, grad_r)
    np.testing.assert_allclose(grad_w, summed)


def test_zero_weights_give_a_zero_gradient():
    raw, y = np.ones((2, 3)), np.array([0, 1])
    value, grad = weighted_loss(softmax_cross_entropy, raw, y, np.zeros(2))
    assert value == 0 and not grad.any()


def test_unit_weights_change_nothing():
    X = np.random.default_rng(0).normal(size=(40, 6, 2))
    y = X[:, :, 0].sum(axis=1) > 0
    a = RNNClassifier(**FAST).fit(X, y)
    b = RNNClassifier(**FAST).fit(X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-6)


def test_integer_weights_fit_like_repeated_sequences():
    """Weights 1 and 3 against the sequences repeated as often: both fits separate the
    classes the same way (equal in expectation; the batches differ)."""
    X = np.random.default_rng(1).normal(size=(40, 6, 1))
    y = X[:, :, 0].sum(axis=1) > 0
    w = np.where(np.arange(40) % 2 == 0, 3, 1)
    weighted = RNNClassifier(**FAST).fit(X, y, sample_weight=w)
    repeated = RNNClassifier(**FAST).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    X_test = np.random.default_rng(2).normal(size=(200, 6, 1))
    agree = np.mean(weighted.predict(X_test) == repeated.predict(X_test))
    assert agree > 0.9


def test_balanced_class_weight_raises_minority_recall():
    """A rare class whose sequences are hard to tell from the others: weighting the
    classes by their inverse frequency raises its recall."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(220, 8, 1))
    score = X[:, :, 0].mean(axis=1)
    y = (score + rng.normal(scale=0.25, size=220) > 0.55).astype(int)   # ~5% ones
    X_test = rng.normal(size=(2000, 8, 1))
    y_test = (X_test[:, :, 0].mean(axis=1) > 0.55).astype(int)
    recall = {cw: recall_score(y_test, RNNClassifier(**FAST, class_weight=cw)
                               .fit(X, y).predict(X_test))
              for cw in (None, "balanced")}
    assert recall["balanced"] > recall[None] + 0.2, recall


def test_class_weight_dict_is_keyed_by_label():
    X = np.random.default_rng(0).normal(size=(40, 6, 1))
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    only_up = RNNClassifier(**FAST, class_weight={"up": 1.0, "down": 0.0}).fit(X, y)
    assert np.mean(only_up.predict(X) == "up") > 0.9


def test_sample_weight_must_match_the_samples():
    X = np.zeros((10, 4, 1))
    y = np.arange(10) % 2
    with pytest.raises(ValueError, match="sample_weight"):
        RNNClassifier(**FAST).fit(X, y, sample_weight=np.ones(9))
    with pytest.raises(ValueError, match="Negative values"):
        RNNClassifier(**FAST).fit(X, y, sample_weight=-np.ones(10))


def test_per_time_step_weights_repeat_over_the_steps():
    X = np.random.default_rng(0).normal(size=(30, 5, 1))
    y = (X[:, :, 0] > 0).astype(int)
    clf = RNNClassifier(**FAST, return_sequences=True, class_weight="balanced")
    clf.fit(X, y, sample_weight=np.arange(30) % 3 + 1)
    assert clf.predict(X).shape == (30, 5)
