"""RNNClassifier's options for whole sequences: pooling, per-sequence normalisation,
shortening long sequences, the learning-rate schedule; and the defaults on an easy task."""

import numpy as np
import pytest

from rnnforecast import RNNClassifier
from rnnforecast.estimators._training import cosine_rate
from rnnforecast.preprocessing import normalize_sequences, piecewise_mean

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(hidden_size=8, max_iter=5, learning_rate_init=0.03, random_state=0)


def sinusoids(n_per_class, n_timesteps, seed):
    """Two channels, sin and cos of one of three frequencies (1, 2 and 3.5 cycles per
    sequence) with a random phase and amplitude, plus noise; the label is the frequency."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], n_per_class)
    freq = np.array([1.0, 2.0, 3.5])[y] * 2 * np.pi / n_timesteps
    phase = rng.uniform(0, 2 * np.pi, size=len(y))
    angle = freq[:, None] * np.arange(n_timesteps) + phase[:, None]          # (n, T)
    amplitude = rng.uniform(0.5, 2.0, size=(len(y), 1, 1))
    X = amplitude * np.stack([np.sin(angle), np.cos(angle)], axis=2)         # (n, T, 2)
    X += 0.2 * rng.normal(size=X.shape)
    return X, y


def test_the_default_classifier_separates_sinusoids_by_frequency():
    X, y = sinusoids(30, 60, seed=0)
    X_test, y_test = sinusoids(50, 60, seed=1)
    clf = RNNClassifier(random_state=0).fit(X, y)
    assert clf.score(X_test, y_test) >= 0.95


def test_piecewise_mean_by_eye():
    X = np.arange(7.0).reshape(1, 7, 1)
    np.testing.assert_array_equal(piecewise_mean(X, 3).ravel(), [1.0, 4.0, 6.0])
    np.testing.assert_array_equal(piecewise_mean(X, 4).ravel(), [0.5, 2.5, 4.5, 6.0])
    assert piecewise_mean(X, 7) is X and piecewise_mean(X, None) is X


def test_normalize_sequences_per_sequence_and_feature():
    X = np.array([[[1.0, 5.0], [3.0, 5.0]]])                                 # (1, 2, 2)
    np.testing.assert_array_equal(normalize_sequences(X, "zscore"), [[[-1, 0], [1, 0]]])
    np.testing.assert_array_equal(normalize_sequences(X, "mean"), [[[-1, 0], [1, 0]]])
    assert normalize_sequences(X, None) is X


def test_zscore_makes_predictions_invariant_to_offset_and_scale():
    X, y = sinusoids(10, 30, seed=0)
    clf = RNNClassifier(**FAST, window_normalization="zscore").fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(3 * X + 7), clf.predict_proba(X),
                               atol=1e-10)


def test_max_timesteps_reads_block_means():
    X, y = sinusoids(10, 30, seed=0)
    clf = RNNClassifier(**FAST, max_timesteps=10, window_normalization=None).fit(X, y)
    assert clf.n_timesteps_in_ == 30                # the length the user gives
    ref = RNNClassifier(**FAST, window_normalization=None).fit(piecewise_mean(X, 10), y)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(piecewise_mean(X, 10)))


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_transform_returns_what_the_head_reads(pooling):
    X, y = sinusoids(10, 20, seed=0)
    clf = RNNClassifier(**FAST, pooling=pooling, cell="gru").fit(X, y)
    features = clf.transform(X)
    W, b = clf.state_dict()["head.weight"], clf.state_dict()["head.bias"]
    proba = np.exp(features @ W.T + b)
    np.testing.assert_allclose(proba / proba.sum(axis=1, keepdims=True),
                               clf.predict_proba(X), rtol=1e-5)


def test_pooling_keeps_the_state_dict_names():
    X, y = sinusoids(10, 20, seed=0)
    names = {p: sorted(RNNClassifier(**FAST, pooling=p).fit(X, y).state_dict())
             for p in ("last", "mean", "max")}
    assert names["mean"] == names["last"] == names["max"]


def test_cosine_schedule():
    assert cosine_rate(0.01, 0, 100) == 0.01
    assert cosine_rate(0.01, 50, 100) == pytest.approx(0.005)
    assert cosine_rate(0.01, 100, 100) == pytest.approx(0.0)


def test_learning_rate_follows_the_schedule(monkeypatch):
    import rnnforecast.estimators._base as base
    seen = []
    run_epoch = base.run_epoch

    def spy(net, optimizer, *args, **kwargs):
        seen.append(optimizer.learning_rate)
        return run_epoch(net, optimizer, *args, **kwargs)

    monkeypatch.setattr(base, "run_epoch", spy)
    X, y = sinusoids(5, 10, seed=0)
    RNNClassifier(**dict(FAST, max_iter=4, n_iter_no_change=10),
                  learning_rate="cosine").fit(X, y)
    np.testing.assert_allclose(seen, [cosine_rate(0.03, e, 4) for e in range(4)])


def test_per_time_step_labels_read_the_sequences_as_they_are():
    X, y = sinusoids(5, 12, seed=0)
    labels = (X[:, :, 0] > 0).astype(int)                                    # (15, 12)
    clf = RNNClassifier(**FAST, return_sequences=True, max_timesteps=4,
                        window_normalization="zscore").fit(X, labels)
    assert clf.predict(X).shape == labels.shape


def test_option_errors():
    X, y = sinusoids(5, 10, seed=0)
    for name, value in [("pooling", "sum"), ("window_normalization", "last"),
                        ("max_timesteps", 0), ("learning_rate", "adaptive"),
                        ("class_weight", "auto")]:
        with pytest.raises(ValueError, match=f"The '{name}' parameter of RNNClassifier"):
            RNNClassifier(**FAST, **{name: value}).fit(X, y)


def test_the_classifier_defaults_leave_the_forecaster_alone():
    from rnnforecast import RNNForecaster
    forecaster = RNNForecaster().get_params()
    assert (forecaster["cell"], forecaster["hidden_size"], forecaster["learning_rate_init"],
            forecaster["n_iter_no_change"]) == ("lstm", 32, 0.005, 20)
    assert not {"pooling", "max_timesteps", "learning_rate", "class_weight"} & set(forecaster)
    classifier = RNNClassifier().get_params()
    assert (classifier["cell"], classifier["hidden_size"], classifier["pooling"],
            classifier["max_timesteps"], classifier["learning_rate"]) == \
        ("gru", 64, "max", 250, "cosine")
