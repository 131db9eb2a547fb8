"""RNNAutoencoder: label-free embeddings from rebuilding each sequence out of the
encoder's final state."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnforecast import RNNAutoencoder, load, save
from rnnforecast.estimators import to_onnx
from rnnforecast.nn import _seq2seq as s2s

from test_examples import EXAMPLES, NUMBER, read_number, run_example

CELLS = ["gru", "lstm", "rnn"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def two_families(n=60, T=20, seed=0):
    """A bump early (steps 2-7) or late (steps 12-17) in noise, at a level of 10:
    (n, T, 1) and the family of each sequence."""
    rng = np.random.default_rng(seed)
    family = np.arange(n) % 2
    where = np.where(family == 0, rng.integers(2, 8, n), rng.integers(12, 18, n))
    bumps = np.exp(-0.5 * ((np.arange(T)[None] - where[:, None]) / 1.5) ** 2)
    return (bumps + 0.1 * rng.standard_normal((n, T)))[:, :, None] * 3.0 + 10.0, family


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X, family = two_families()
        return RNNAutoencoder(hidden_size=8, max_iter=150, random_state=0).fit(X), X, family


@pytest.mark.parametrize("cell", CELLS)
def test_embeddings_separate_the_families(cell):
    """k-means on the embeddings finds the two families, which the autoencoder never
    sees."""
    X, family = two_families()
    model = RNNAutoencoder(cell=cell, hidden_size=8, max_iter=150, random_state=0).fit(X)
    features = model.transform(X)
    assert features.shape == (60, 8)
    found = KMeans(2, n_init=10, random_state=0).fit_predict(features)
    assert adjusted_rand_score(family, found) > 0.9


def test_reconstruction_improves_and_is_in_the_units_of_X(fitted):
    model, X, _ = fitted
    untrained = clone(model).set_params(max_iter=1).fit(X)
    assert model.score(X) > 5 * untrained.score(X)           # minus errors: closer to 0
    rebuilt = model.reconstruct(X)
    assert rebuilt.shape == X.shape
    assert np.mean((rebuilt - X) ** 2) / np.var(X) == pytest.approx(-model.score(X))
    assert abs(rebuilt.mean() - X.mean()) < 0.5                # level 10, not 0


def test_transform_is_the_encoders_final_state(fitted):
    model, X, _ = fitted
    Xs = model._scaler.transform(X)[0]
    state = s2s.encode(model._network.params64(), model._network.spec, Xs)
    np.testing.assert_array_equal(model.transform(X), state[0][-1])
    np.testing.assert_allclose(model.fit_transform(X), model.transform(X))


def test_reverse_false_rebuilds_in_time_order():
    X, _ = two_families(n=20)
    model = RNNAutoencoder(hidden_size=4, max_iter=3, reverse=False, random_state=0).fit(X)
    Xs = model._scaler.transform(X)[0]
    out = model._teacher_forced(Xs, np.zeros((20, 20, 0)))
    np.testing.assert_array_equal(model._reconstructed(Xs), out)
    reversed_model = clone(model).set_params(reverse=True).fit(X)
    np.testing.assert_array_equal(reversed_model._target(Xs), Xs[:, ::-1])


def test_two_dimensional_input_and_names():
    X, _ = two_families(n=20)
    model = RNNAutoencoder(hidden_size=3, max_iter=2, random_state=0).fit(X[:, :, 0])
    assert model.n_features_in_ == 20 and model.transform(X[:, :, 0]).shape == (20, 3)
    assert model.get_feature_names_out().tolist() == [f"rnnautoencoder{i}" for i in range(3)]


def test_same_seed_same_embeddings_and_input_untouched():
    X, _ = two_families(n=20)
    X0 = X.copy()
    a = RNNAutoencoder(hidden_size=4, max_iter=5, random_state=3).fit(X).transform(X)
    b = RNNAutoencoder(hidden_size=4, max_iter=5, random_state=3).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(X, X0)


def test_save_load_and_clone(fitted, tmp_path):
    model, X, _ = fitted
    loaded = load(save(model, tmp_path / "ae.npz"))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    assert loaded.score(X) == model.score(X)
    assert clone(model).get_params() == model.get_params()


def test_early_stopping_records_the_score():
    X, _ = two_families()
    model = RNNAutoencoder(hidden_size=4, max_iter=30, early_stopping=True,
                           random_state=0).fit(X)
    assert len(model.validation_scores_) == model.n_iter_
    assert all(s <= 0 for s in model.validation_scores_)


def test_errors(fitted):
    model, X, _ = fitted
    with pytest.raises(ValueError, match=r"X has windows of shape \(19, 1\)"):
        model.transform(X[:, 1:])
    with pytest.raises(ValueError, match="The 'cell' parameter of RNNAutoencoder must be a "
                                         "str among.*Got 'jordan'"):
        clone(model).set_params(cell="jordan").fit(X)
    with pytest.raises(ValueError, match="must be an RNNForecaster or RNNClassifier. Got a "
                                         "RNNAutoencoder"):
        to_onnx(model)
    with pytest.raises(ValueError, match="RNNAutoencoder needs windows of one length"):
        clone(model).fit([X[0, :5], X[1]])


@parametrize_with_checks([RNNAutoencoder(hidden_size=4, max_iter=20, random_state=0)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


SUITE = EXAMPLES.parents[1] / "shared" / "benchmarks" / "classification"


@pytest.mark.skipif(not (SUITE / "JapaneseVowels.npz").is_file(),
                    reason="the public classification suite is not beside the repository")
def test_autoencoder_clustering(tmp_path):
    """examples/autoencoder_clustering.py runs (fast mode) and reports both indices."""
    out = run_example("autoencoder_clustering", tmp_path)
    assert -1 <= read_number(r"on raw values " + NUMBER, out) <= 1
    assert -1 <= read_number(r"on autoencoder embeddings " + NUMBER, out) <= 1
    assert (tmp_path / "autoencoder_clustering.json").is_file()


def test_a_diverging_fit_restores_the_weights_and_says_how_to_fix_it():
    X = np.random.default_rng(0).standard_normal((40, 10, 2)) * 1e3
    model = RNNAutoencoder(hidden_size=8, max_iter=20, learning_rate_init=1e8,
                           clip_norm=None, random_state=0, cell="rnn", nonlinearity="relu")
    with pytest.raises(ValueError, match=r"Training diverged at epoch 1: (.|\n)*The weights "
                       r"of the previous epoch were restored. Lower learning_rate_init"):
        model.fit(X)
    assert all(np.all(np.isfinite(p)) for p in model._network.params.values())
