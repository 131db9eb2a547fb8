"""RNNClassifier: labels of any type, one per sequence or one per time step."""

import re

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score

import rnnforecast.estimators._classifier as classifier_module
from rnnforecast import RNNClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(hidden_size=8, max_iter=30, learning_rate_init=0.03, random_state=0)


@pytest.fixture(scope="module")
def sequences():
    """X (90, 6, 2) of noise; z (90,) the sum of feature 0 over the window."""
    X = np.random.default_rng(0).normal(size=(90, 6, 2))
    return X, X[:, :, 0].sum(axis=1)


@pytest.mark.parametrize("labels", [np.array(["down", "up"]), np.array([-1, 1]),
                                    np.array([False, True])], ids=["str", "int", "bool"])
def test_binary(sequences, labels):
    X, z = sequences
    y = labels[(z > 0).astype(int)]
    clf = RNNClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, labels)
    pred = clf.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == labels.dtype
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize("labels", [np.array([3, 7, 10]), np.array(["a", "b", "c"])],
                         ids=["int", "str"])
def test_multiclass(sequences, labels):
    X, z = sequences
    y = labels[np.digitize(z, [-1.0, 1.0])]
    clf = RNNClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, labels)
    assert set(clf.predict(X)) <= set(labels)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.8


def test_classes_are_sorted_whatever_the_order_of_y(sequences):
    X, z = sequences
    y = np.where(z > 0, "zebra", "ant")
    clf = RNNClassifier(**dict(FAST, max_iter=2)).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["ant", "zebra"])


def test_per_time_step_string_labels(sequences):
    """Many-to-many: label every step by the sign of the running sum so far."""
    X, _ = sequences
    running = np.cumsum(X[:, :, 0], axis=1)
    y = np.where(running > 0.5, "high", np.where(running < -0.5, "low", "mid"))  # (n, T)
    clf = RNNClassifier(**FAST, return_sequences=True).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["high", "low", "mid"])
    pred = clf.predict(X)
    assert pred.shape == y.shape and set(pred.ravel()) <= set(clf.classes_)
    proba = clf.predict_proba(X)
    assert proba.shape == y.shape + (3,)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0)
    assert clf.score(X, y) == np.mean(pred == y)
    assert clf.score(X, y) > 0.8


def test_per_time_step_labels_with_early_stopping(sequences):
    X, _ = sequences
    y = (X[:, :, 0] > 0).astype(int)
    clf = RNNClassifier(**dict(FAST, max_iter=5), return_sequences=True,
                        early_stopping=True).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_
    assert all(0.0 <= s <= 1.0 for s in clf.validation_scores_)


def test_early_stopping_scores_accuracy_on_a_stratified_sample(sequences, monkeypatch):
    """Sequences are exchangeable: the held-out part is a shuffled sample with each
    class in its share, the same one every epoch."""
    X, z = sequences
    y = np.where(z > 0, "up", "down")
    scored = []

    def recording_accuracy(y_true, y_pred, **kwargs):
        scored.append(np.array(y_true))
        return accuracy(y_true, y_pred, **kwargs)

    accuracy = classifier_module.accuracy_score
    monkeypatch.setattr(classifier_module, "accuracy_score", recording_accuracy)
    clf = RNNClassifier(**dict(FAST, max_iter=3), early_stopping=True,
                        validation_fraction=0.2).fit(X, y)
    assert len(scored) == 3
    counts = [np.sum(y == label) for label in clf.classes_]
    for y_true in scored:  # class codes of the held-out sequences
        np.testing.assert_array_equal(y_true, scored[0])
        np.testing.assert_array_equal(np.bincount(y_true),
                                      [round(0.2 * count) for count in counts])
    assert clf.best_validation_score_ == clf.validation_scores_[clf.best_epoch_ - 1]
    assert all(0.0 <= s <= 1.0 for s in clf.validation_scores_)


# --------------------------------------------------------------------- partial_fit
def test_partial_fit_needs_classes_on_the_first_call(sequences):
    X, z = sequences
    with pytest.raises(ValueError, match=r"The 'classes' argument of "
                                         r"RNNClassifier.partial_fit must list every label "
                                         r"on the first call.*Got None instead"):
        RNNClassifier(**FAST).partial_fit(X, z > 0)


def test_partial_fit_learns_over_calls(sequences):
    X, z = sequences
    y = np.where(z > 0, "up", "down")
    clf = RNNClassifier(**FAST)
    clf.partial_fit(X[:45], y[:45], classes=["down", "up", "flat"])  # "flat" unseen yet
    np.testing.assert_array_equal(clf.classes_, ["down", "flat", "up"])
    for _ in range(15):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == 16
    assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[1]
    assert clf.predict_proba(X).shape == (len(X), 3)
    assert clf.score(X, y) > 0.8


def test_partial_fit_classes_must_not_change(sequences):
    X, z = sequences
    clf = RNNClassifier(**FAST).partial_fit(X, z > 0, classes=[False, True])
    clf.partial_fit(X, z > 0, classes=[True, False])  # the same set, in another order
    with pytest.raises(ValueError, match=re.escape(
            "must equal classes_ after the first call. Got [0, 1, 2] instead of "
            "[False, True].")):
        clf.partial_fit(X, z > 0, classes=[0, 1, 2])


def test_partial_fit_rejects_unknown_labels(sequences):
    X, z = sequences
    clf = RNNClassifier(**FAST).partial_fit(X, np.where(z > 0, "a", "b"), classes=["a", "b"])
    with pytest.raises(ValueError, match=re.escape(
            "y contains labels not in classes_: ['c']; known classes are ['a', 'b'].")):
        clf.partial_fit(X, np.where(z > 0, "a", "c"))


def test_partial_fit_after_fit_needs_no_classes(sequences):
    X, z = sequences
    clf = RNNClassifier(**dict(FAST, max_iter=2)).fit(X, z > 0)
    clf.partial_fit(X, z > 0)
    assert clf.n_iter_ == 3


def test_warm_start_keeps_classes_and_accumulates(sequences):
    X, z = sequences
    y = np.where(z > 0, "up", "down")
    clf = RNNClassifier(**dict(FAST, max_iter=2), warm_start=True).fit(X, y)
    clf.fit(X[:40], y[:40])
    assert clf.n_iter_ == 4
    with pytest.raises(ValueError, match="y contains labels not in classes_"):
        clf.fit(X, np.where(z > 0, "up", "sideways"))


# --------------------------------------------------------------------- composition
def test_cross_val_score_and_grid_search(sequences):
    X, z = sequences
    y = np.where(z > 0, "up", "down")
    cv = TimeSeriesSplit(n_splits=2)
    scores = cross_val_score(RNNClassifier(**dict(FAST, max_iter=3)), X, y, cv=cv)
    assert scores.shape == (2,) and np.all((0 <= scores) & (scores <= 1))
    search = GridSearchCV(RNNClassifier(**dict(FAST, max_iter=3)),
                          {"cell": ["gru", "lstm"], "hidden_size": [4, 8]}, cv=cv)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert set(search.predict(X)) <= {"up", "down"}


def test_state_dict_round_trip_keeps_classes(sequences):
    X, z = sequences
    y = np.where(z > 0, "up", "down")
    a = RNNClassifier(**dict(FAST, max_iter=3)).fit(X, y)
    b = RNNClassifier(**dict(FAST, max_iter=3, random_state=1)).fit(X, y)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.predict_proba(X), a.predict_proba(X))
    np.testing.assert_array_equal(b.classes_, ["down", "up"])


def test_state_dict_into_an_unfitted_classifier_numbers_the_classes(sequences):
    X, z = sequences
    a = RNNClassifier(**dict(FAST, max_iter=3)).fit(X, np.digitize(z, [-1.0, 1.0]) + 5)
    b = RNNClassifier().load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.classes_, [0, 1, 2])
    assert b.predict_proba(X).shape == (len(X), 3)
    assert b.predict(X[:, :4]).shape == (len(X),)  # any sequence length
