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


# --------------------------------------------------------------------- through the network
from rnnforecast.nn.network import backward, forward          # noqa: E402

from _engine_helpers import CELL_VARIANTS, make_case          # noqa: E402

VOCAB, EMB = 5, 2    # the helpers' networks read D = 2 features: the embedding's width


@pytest.mark.parametrize("return_sequences", [False, True], ids=["many-to-one",
                                                                  "many-to-many"])
@pytest.mark.parametrize("lengths", [None, np.array([7, 3, 5])], ids=["equal", "padded"])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_embedding_gradient_through_every_cell(variant, lengths, return_sequences):
    spec, params, _, state0, R = make_case(variant, return_sequences, seed=2)
    rng = np.random.default_rng(3)
    W = rng.standard_normal((VOCAB, EMB))
    ids = rng.integers(0, VOCAB, size=(3, 7))
    if lengths is not None and return_sequences:
        R = R * (np.arange(7)[None, :, None] < lengths[:, None, None])

    def objective():
        E, _ = embedding_forward(W, ids)
        return np.sum(forward(params, spec, E, state0, lengths=lengths)[0] * R)

    E, emb_cache = embedding_forward(W, ids)
    out, cache = forward(params, spec, E, state0, lengths=lengths)
    grads, dE, _ = backward(R, cache)
    dW = embedding_backward(dE, emb_cache)
    assert rel_error(dW, numerical_gradient(objective, W)) < 1e-6
    name = "weight_ih_l0"
    assert rel_error(grads[name], numerical_gradient(objective, params[name])) < 1e-6


# --------------------------------------------------------------------- the classifier
import warnings                                               # noqa: E402

from sklearn.base import clone                                # noqa: E402

from rnnforecast import RNNClassifier                         # noqa: E402
from rnnforecast.persistence import load, save                # noqa: E402

FAST = dict(hidden_size=6, max_iter=3, random_state=0, embedding_dim=3)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # ConvergenceWarning of the short fits
        yield


def token_data(n=40, seed=0):
    """Sequences of ids 0..6 of lengths 3..9, labelled by whether they hold a 3."""
    rng = np.random.default_rng(seed)
    ids = [rng.integers(0, 7, size=rng.integers(3, 10)) for _ in range(n)]
    return ids, np.array([int(3 in s) for s in ids])


def test_classifier_learns_from_token_ids():
    ids, y = token_data(120)
    model = RNNClassifier(hidden_size=8, max_iter=40, random_state=0, embedding_dim=4,
                          learning_rate_init=0.02).fit(ids, y)
    assert model.vocabulary_size_ == 7 and model.n_features_in_ == 1
    assert list(model.state_dict())[0] == "embedding.weight"
    assert model.state_dict()["embedding.weight"].shape == (7, 4)
    assert model.score(ids, y) > 0.9
    batch = model.predict_proba(ids)
    alone = np.vstack([model.predict_proba([s]) for s in ids[:5]])
    np.testing.assert_allclose(batch[:5], alone, rtol=1e-10, atol=1e-12)


def test_equal_length_id_arrays_and_explicit_vocabulary():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 4, size=(30, 6))
    y = (ids[:, -1] > 1).astype(int)
    model = RNNClassifier(**FAST, vocabulary_size=10).fit(ids, y)
    assert model.vocabulary_size_ == 10 and model.n_timesteps_in_ == 6
    assert model.predict(np.array([[9, 9, 9]])).shape == (1,)     # seen only in size
    with pytest.raises(ValueError, match=r"The 'vocabulary_size' parameter of "
                                         r"RNNClassifier must exceed every token id of X. "
                                         r"Got vocabulary_size=3 and the id 3"):
        RNNClassifier(**{**FAST, "vocabulary_size": 3}).fit(ids, y)


def test_unknown_negative_and_float_ids_are_refused():
    ids, y = token_data()
    model = RNNClassifier(**FAST).fit(ids, y)
    with pytest.raises(ValueError, match=r"X holds token ids outside the vocabulary "
                                         r"\[0, 6\]: \[7, 12\]"):
        model.predict([np.array([1, 7]), np.array([12])])
    with pytest.raises(ValueError, match=r"X holds negative token ids in the sequences at "
                                         r"positions \[1\]"):
        model.predict([np.array([1, 2]), np.array([-1])])
    with pytest.raises(ValueError, match=r"With embedding_dim set, X must hold integer "
                                         r"token ids.*Got ndarray of dtype float64"):
        RNNClassifier(**FAST).fit(np.ones((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"Got dtype float64, shape \(2,\) at position 0"):
        RNNClassifier(**FAST).fit([np.array([1.0, 2.0])], [0])


def test_integer_arrays_without_embedding_dim_stay_values():
    rng = np.random.default_rng(2)
    X = rng.integers(0, 4, size=(20, 5))
    y = (X.sum(axis=1) > 7).astype(int)
    model = RNNClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    assert "embedding.weight" not in model.state_dict()
    assert model.n_features_in_ == 5                    # 2-D values, as before


def test_token_classifier_reloads_and_clones(tmp_path):
    ids, y = token_data()
    model = RNNClassifier(**FAST).fit(ids, y)
    save(model, tmp_path / "m.zip")
    np.testing.assert_array_equal(load(tmp_path / "m.zip").predict_proba(ids),
                                  model.predict_proba(ids))
    np.testing.assert_array_equal(clone(model).fit(ids, y).predict_proba(ids),
                                  model.predict_proba(ids))
    fresh = RNNClassifier(hidden_size=2)
    with pytest.warns(UserWarning, match=r"set the weights of a token model into an "
                      r"estimator not fitted on their data: it predicts as the original, "
                      r"but names its classes 0 \.\. 1"):
        fresh.load_state_dict(model.state_dict())
    assert fresh.embedding_dim == 3 and fresh.vocabulary_size_ == 7
    np.testing.assert_allclose(fresh.predict_proba(ids), model.predict_proba(ids),
                               rtol=1e-12)


def test_load_state_dict_checks_the_embedding():
    ids, y = token_data()
    state = RNNClassifier(**FAST).fit(ids, y).state_dict()
    state["embedding.weight"] = state["embedding.weight"][:, :2]
    with pytest.raises(ValueError, match=r"The state_dict entry 'embedding.weight' must "
                                         r"be a finite real array of shape "
                                         r"\(vocabulary_size, 3\).*Got shape \(7, 2\)"):
        RNNClassifier().load_state_dict(state)
    fitted = RNNClassifier(**FAST).fit(ids, y)
    plain = {k: v for k, v in fitted.state_dict().items() if k != "embedding.weight"}
    with pytest.raises(ValueError, match="has no 'embedding.weight' but this fitted "
                                         "RNNClassifier reads token ids"):
        fitted.load_state_dict(plain)


def test_partial_fit_on_tokens_keeps_the_vocabulary():
    ids, y = token_data()
    model = RNNClassifier(**FAST)
    model.partial_fit(ids[:20], y[:20], classes=[0, 1])
    model.partial_fit(ids[20:], y[20:])
    assert model.n_iter_ == 2
    with pytest.raises(ValueError, match="outside the vocabulary"):
        model.partial_fit([np.array([50])], [0])


def test_exports_refuse_an_embedding():
    from rnnforecast.estimators._export import recipe_of
    ids, y = token_data()
    model = RNNClassifier(**FAST).fit([s[:3] for s in ids], y)
    with pytest.raises(ValueError, match=r"reads token ids through an embedding "
                                         r"\(embedding_dim\), which the export does not"):
        recipe_of(model, "to_torch")
