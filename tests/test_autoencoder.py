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
    with pytest.raises(ValueError, match=r"X has windows of shape \(20, 2\)"):
        model.transform(np.concatenate([X, X], axis=2))
    with pytest.raises(ValueError, match=r"sequences at positions \[0\] contain NaN"):
        model.transform([np.r_[X[0, :5, 0], np.nan, X[0, 6:, 0]]])
    with pytest.raises(ValueError, match="The 'cell' parameter of RNNAutoencoder must be a "
                                         "str among.*Got 'jordan'"):
        clone(model).set_params(cell="jordan").fit(X)
    with pytest.raises(ValueError, match="must be an RNNForecaster or RNNClassifier. Got a "
                                         "RNNAutoencoder"):
        to_onnx(model)


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


# ---------------------------------------------------------------- different lengths
def ragged_families(n=60, seed=0):
    """Sequences of 12-29 steps with a bump near their start (family 0) or near their
    own end (family 1), in noise at a level of 10: a list of (T_i, 1) arrays."""
    rng = np.random.default_rng(seed)
    family, sequences = np.arange(n) % 2, []
    for f in family:
        T = int(rng.integers(12, 30))
        where = rng.integers(1, 4) if f == 0 else T - rng.integers(2, 5)
        bump = np.exp(-0.5 * ((np.arange(T) - where) / 1.5) ** 2)
        sequences.append(((bump + 0.1 * rng.standard_normal(T)) * 3 + 10)[:, None])
    return sequences, family


@pytest.fixture(scope="module")
def ragged():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X, family = ragged_families()
        model = RNNAutoencoder(hidden_size=8, max_iter=150, random_state=0).fit(X)
        return model, X, family


@pytest.mark.parametrize("reverse", [True, False])
@pytest.mark.parametrize("cell", CELLS)
def test_sequences_of_different_lengths_are_encoded_and_rebuilt_as_if_alone(cell, reverse):
    X, _ = ragged_families(20)
    model = RNNAutoencoder(cell=cell, hidden_size=5, max_iter=5, reverse=reverse,
                           dtype="float64", random_state=0).fit(X)
    alone = np.concatenate([model.transform(x[None]) for x in X])
    np.testing.assert_allclose(model.transform(X), alone, rtol=0, atol=1e-12)
    rebuilt = model.reconstruct(X)
    assert isinstance(rebuilt, list) and [r.shape for r in rebuilt] == [x.shape for x in X]
    for r, x in zip(rebuilt, X):
        np.testing.assert_allclose(r, model.reconstruct(x[None])[0], rtol=0, atol=1e-12)
    # the score counts every real step once, in scaled units
    scale = model._scaler.x_scale_
    errors = np.concatenate([((r - x) / scale).ravel() ** 2 for r, x in zip(rebuilt, X)])
    assert model.score(X) == pytest.approx(-errors.mean(), rel=1e-12)
    # a NaN-padded array is the same input as the list
    padded = np.full((len(X), max(len(x) for x in X), 1), np.nan)
    for i, x in enumerate(X):
        padded[i, :len(x)] = x
    np.testing.assert_allclose(model.transform(padded), alone, rtol=0, atol=1e-12)


def test_embeddings_separate_families_told_apart_by_their_own_ends(ragged):
    model, X, family = ragged
    found = KMeans(2, n_init=10, random_state=0).fit_predict(model.transform(X))
    assert adjusted_rand_score(family, found) > 0.9
    assert model.n_timesteps_in_ is None
    assert model.loss_curve_[-1] < 0.2 * model.loss_curve_[0]


@pytest.mark.parametrize("cell", CELLS)
def test_the_masked_loss_gradient_equals_finite_differences(cell):
    """The loss of a batch of different lengths (the mean over real output steps) and
    its gradient w.r.t. every weight, against central differences in float64."""
    from rnnforecast.estimators._encoder_decoder import Targets
    X, _ = ragged_families(6, seed=1)
    model = RNNAutoencoder(cell=cell, hidden_size=3, max_iter=1, dtype="float64",
                           random_state=0).fit(X)
    padded = model._check_X(X, reset=False)
    lengths = np.array([len(x) for x in X])
    Xs = model._scaled(padded)
    targets = Targets(model._decoder_inputs(Xs), model._target(Xs, lengths), lengths,
                      lengths)
    params = {k: v.copy() for k, v in model._network.params.items()}
    _, grads = model._loss_gradients(params, Xs, targets, None)
    eps = 1e-6
    for name, value in params.items():
        if not value.size:        # the unconditioned decoder's input weights (3H, 0)
            continue
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            old = value[i]
            value[i] = old + eps
            up = model._loss_gradients(params, Xs, targets, None)[0]
            value[i] = old - eps
            down = model._loss_gradients(params, Xs, targets, None)[0]
            value[i] = old
            numeric[i] = (up - down) / (2 * eps)
        scale = max(np.abs(numeric).max(), np.abs(grads[name]).max(), 1e-8)
        assert np.abs(numeric - grads[name]).max() / scale < 1e-6, name
    # the padded targets weigh nothing: garbage there changes neither loss nor gradient
    garbage = targets.Y.copy()
    garbage[np.arange(garbage.shape[1])[None, :] >= lengths[:, None]] = 1e3
    value, grads = model._loss_gradients(params, Xs, targets, None)
    value2, grads2 = model._loss_gradients(params, Xs, Targets(targets.U, garbage, lengths,
                                                               lengths), None)
    assert value2 == value
    for name in grads:
        np.testing.assert_array_equal(grads2[name], grads[name])


def test_equal_lengths_in_a_list_fit_as_the_array(fitted):
    _, X, _ = fitted
    a = RNNAutoencoder(hidden_size=4, max_iter=5, random_state=0).fit(X)
    b = RNNAutoencoder(hidden_size=4, max_iter=5, random_state=0).fit(list(X))
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert isinstance(b.reconstruct(list(X)), np.ndarray)


def test_a_model_fitted_on_one_length_encodes_another(fitted):
    model, X, _ = fitted
    short = X[:, :12]
    assert model.transform(short).shape == (len(X), 8)
    assert model.reconstruct(short).shape == short.shape
    mixed = [X[0, :12], X[1]]
    np.testing.assert_allclose(model.transform(mixed)[0], model.transform(X[:1, :12])[0],
                               rtol=0, atol=1e-12)


def test_a_ragged_model_saves_and_loads(ragged, tmp_path):
    model, X, _ = ragged
    save(model, tmp_path / "ae.npz")
    again = load(tmp_path / "ae.npz")
    np.testing.assert_array_equal(again.transform(X), model.transform(X))
    for r, s in zip(again.reconstruct(X), model.reconstruct(X)):
        np.testing.assert_array_equal(r, s)
