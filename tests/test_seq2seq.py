"""RNNSeq2Seq: sequences to label sequences of another length (teacher forcing, greedy and
beam decoding, end labels), and its place among the estimators (scikit-learn checks,
persistence, exports)."""

import itertools
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnforecast import RNNSeq2Seq, load, save
from rnnforecast.estimators import to_onnx, to_torch
from rnnforecast.nn import _seq2seq as s2s

from test_examples import NUMBER, read_number, run_example

CELLS = ["gru", "lstm", "rnn"]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def reversal_task():
    """Every sequence of 3 letters from 'abc' and its reversal followed by an end
    label: X (27, 3) tokens, y (27, 4) labels."""
    X = np.array(list(itertools.product("abc", repeat=3)))
    y = np.concatenate([X[:, ::-1], np.full((len(X), 1), "$")], axis=1)
    return X, y


def small(**kwargs):
    params = dict(input_encoding="onehot", hidden_size=16, max_iter=150,
                  learning_rate_init=0.02, random_state=0)
    return RNNSeq2Seq(**{**params, **kwargs})


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X, y = reversal_task()
        return small(end_label="$").fit(X, y), X, y


@pytest.mark.parametrize("cell", CELLS)
def test_learns_to_reverse_token_sequences(cell):
    X, y = reversal_task()
    model = small(cell=cell).fit(X, y)
    assert model.score(X, y) == 1.0
    assert model.predict(X).shape == (27, 4) and model.n_timesteps_out_ == 4
    assert model.loss_curve_[-1] < 0.1 * model.loss_curve_[0]


def test_embedding_input(tmp_path):
    """Tokens read through a learned embedding: it learns, its rows are in the
    state_dict, and it survives save/load."""
    X, y = reversal_task()
    model = small(input_encoding="embedding", embedding_dim=4).fit(X, y)
    assert model.score(X, y) == 1.0
    assert model.state_dict()["encoder.embedding.weight"].shape == (3, 4)
    assert model._network.spec.encoder.input_size == 4
    loaded = load(save(model, tmp_path / "emb.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match=r"X contains values not seen in fit: \['d'\]"):
        model.predict(np.array([list("abd")]))


def test_token_sequences_of_different_lengths():
    """Lists of token sequences of lengths 1 to 4, reversed: each sequence decodes as it
    would alone, and inputs of lengths never seen in fit are read too."""
    words = [list(w) for n in range(1, 5) for w in itertools.product("ab", repeat=n)]
    y = np.array([w[::-1] + ["$"] * (5 - len(w)) for w in words])        # (30, 5)
    model = small(end_label="$", max_iter=200).fit(words, y)
    assert model.n_timesteps_in_ is None and model.input_tokens_.tolist() == ["a", "b"]
    assert model.score(words, y) == 1.0
    batched = model.predict_proba(words)
    for i in (0, 5, 29):
        np.testing.assert_allclose(model.predict_proba([words[i]]), batched[i:i + 1],
                                   rtol=0, atol=1e-12)
    assert model.predict([list("abbab")]).shape == (1, 5)                 # longer than fit


def test_value_sequences_of_different_lengths():
    """Float sequences given as a list of arrays of 3 to 7 steps: the label is the sign
    of the first and of the last value; each decodes as it would alone."""
    rng = np.random.default_rng(1)
    X = [rng.standard_normal((int(rng.integers(3, 8)), 2)) for _ in range(300)]
    y = np.array([["+" if x[0, 0] > 0 else "-", "+" if x[-1, 0] > 0 else "-"] for x in X])
    model = RNNSeq2Seq(hidden_size=16, max_iter=60, random_state=0).fit(X[:240], y[:240])
    assert model.n_timesteps_in_ is None
    assert np.all(np.mean(model.predict(X[240:]) == y[240:], axis=0) > 0.85)
    batched = model.predict_proba(X[240:250])
    for i in range(3):
        np.testing.assert_allclose(model.predict_proba([X[240 + i]]), batched[i:i + 1],
                                   rtol=0, atol=1e-12)


def test_values_input_and_other_lengths():
    """Float sequences of 7 steps to 2 labels: the sign of the first and of the last
    value."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 7, 2))
    y = np.where(X[:, [0, -1], 0] > 0, "pos", "neg")
    model = RNNSeq2Seq(hidden_size=16, max_iter=60, random_state=0).fit(X[:300], y[:300])
    assert np.all(np.mean(model.predict(X[300:]) == y[300:], axis=0) > 0.9)  # each step
    assert model.n_features_in_ == 2 and model.n_step_features_in_ == 2


def test_one_dimensional_y_predicts_one_dimensional():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    y = (X[:, 0] > 0).astype(int)
    model = RNNSeq2Seq(hidden_size=8, max_iter=5, random_state=0).fit(X, y)
    assert model.predict(X).shape == (40,) and model.n_timesteps_out_ == 1


def test_end_label_masks_the_padding(fitted):
    """Steps after the first end label are out of the loss and predicted as the end
    label."""
    model, X, _ = fitted
    codes = model._codes(np.array([["a", "$", "b", "c"], ["a", "b", "c", "$"]]))
    np.testing.assert_array_equal(model._loss_weights(codes), [[1, 1, 0, 0], [1, 1, 1, 1]])
    pred = model.predict(X)
    after = np.cumsum(pred == "$", axis=1) - (pred == "$") > 0
    assert np.all(pred[after] == "$")
    assert model.predict(np.array([list("abc")])).tolist() == [["c", "b", "a", "$"]]


def test_end_label_scores_up_to_the_end():
    X = np.array([list("ab"), list("ba")] * 10)
    y = np.array([["x", "$", "$"], ["y", "$", "$"]] * 10)
    model = RNNSeq2Seq(input_encoding="onehot", hidden_size=8, max_iter=60, end_label="$",
                       learning_rate_init=0.05, random_state=0).fit(X, y)
    other_padding = np.array([["x", "$", "y"], ["y", "$", "x"]] * 10)
    assert model.score(X, y) == model.score(X, other_padding) == 1.0


def test_predict_proba_follows_the_decoded_sequence(fitted):
    model, X, _ = fitted
    proba = model.predict_proba(X)
    assert proba.shape == (27, 4, len(model.classes_))
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=-1)], model.predict(X))


def test_greedy_steps_equal_the_batched_decoder(fitted):
    """Stateful decoding (one step at a time, carried state) equals one batched decoder
    call on the labels it chose, to 1e-12."""
    model, X, _ = fitted
    Xs = model._scaled(X)
    params, spec = model._network.params64(), model._network.spec
    K = len(model.classes_)
    outs, inputs = s2s.greedy_decode(params, spec, Xs, np.eye(K + 1)[np.full(len(X), K)],
                                     4, lambda k, out: np.eye(K + 1)[out.argmax(axis=1)])
    batched = model._teacher_forced(Xs, inputs)
    np.testing.assert_allclose(outs, batched, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(outs.argmax(-1), model._decode(Xs))


def test_beam_search_is_exhaustive_when_wide_enough():
    """With K labels, T output steps and a beam of K^(T-1) prefixes the search keeps
    every prefix: it returns the most likely of all K^T sequences, found here by
    scoring each one with the batched decoder. Beam width 1 is greedy decoding."""
    X, y = reversal_task()
    model = small(max_iter=10).fit(X, y)                     # unsure, so beams matter
    K, T = len(model.classes_), model.n_timesteps_out_
    Xs = model._scaled(X)
    every = np.array(list(itertools.product(range(K), repeat=T)))          # (K^T, T)
    log_probs = np.empty((len(X), len(every)))
    for i in range(len(X)):
        raw = model._teacher_forced(np.repeat(Xs[i:i + 1], len(every), axis=0),
                                    model._teacher_inputs(every))
        logp = raw - np.log(np.exp(raw).sum(axis=-1, keepdims=True))
        log_probs[i] = np.take_along_axis(logp, every[..., None], -1)[..., 0].sum(axis=1)
    best = model.classes_[every[log_probs.argmax(axis=1)]]
    greedy = model.predict(X)
    model.set_params(beam_width=K ** (T - 1))
    np.testing.assert_array_equal(model.predict(X), best)
    assert not np.array_equal(greedy, best)                  # the beams made a difference
    np.testing.assert_array_equal(model.set_params(beam_width=1).predict(X), greedy)


def test_same_seed_same_model_and_input_untouched():
    X, y = reversal_task()
    X0, y0 = X.copy(), y.copy()
    a = small(max_iter=5).fit(X, y)
    b = small(max_iter=5).fit(X, y)
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v, b.state_dict()[k])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_save_load_clone_and_state_dict(fitted, tmp_path):
    model, X, y = fitted
    path = save(model, tmp_path / "s2s.npz")
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert clone(model).get_params() == model.get_params()
    other = clone(model).set_params(max_iter=1).fit(X, y)
    other.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(other.predict_proba(X), model.predict_proba(X))
    assert set(model.state_dict()) == set(s2s.param_shapes(model._network.spec))


def test_warm_start_continues():
    X, y = reversal_task()
    model = small(max_iter=3, warm_start=True).fit(X, y)
    first = model.state_dict()
    model.fit(X, y)
    assert model.n_iter_ == 6
    head = "decoder.head.weight"
    assert not np.array_equal(first[head], model.state_dict()[head])
    with pytest.raises(ValueError,
                       match=r"(?s)cannot continue training.*encoder.hidden_size: 16 -> 8"):
        model.set_params(hidden_size=8).fit(X, y)


def test_early_stopping_records_exact_match():
    X, y = reversal_task()
    X, y = np.concatenate([X] * 3), np.concatenate([y] * 3)
    model = small(max_iter=40, early_stopping=True, validation_fraction=0.2).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_
    assert all(0 <= s <= 1 for s in model.validation_scores_)
    assert 1 <= model.best_epoch_ <= model.n_iter_


# ----------------------------------------------------------------- errors
def test_errors_name_the_argument(fitted):
    model, X, y = fitted
    with pytest.raises(ValueError, match=r"X contains values not seen in fit: \['z'\]"):
        model.predict(np.array([list("abz")]))
    with pytest.raises(ValueError, match=r"X must be a list of 1-D token sequences.*"
                                         r"Got items of shape \[\(0,\)\]"):
        model.predict([list("ab"), []])
    with pytest.raises(ValueError, match=r"y contains values not seen in fit: \['q'\]"):
        model.score(X[:1], np.array([["q", "a", "a", "$"]]))
    with pytest.raises(ValueError, match=r"y must have shape \(27, 4\) \(n_samples, "
                                         r"n_timesteps_out_\).*Got an array of shape \(27, 3\)"):
        model.score(X, y[:, :3])
    with pytest.raises(ValueError, match="The 'end_label' parameter of RNNSeq2Seq must be "
                                         "one of the labels of y. Got 'END'"):
        clone(model).set_params(end_label="END").fit(X, y)
    with pytest.raises(ValueError, match=r"y must have shape \(n_samples, n_timesteps_out\)"):
        clone(model).fit(X, np.zeros((27, 2, 2), dtype=int))
    with pytest.raises(ValueError, match="X and y have different numbers of samples: 27 "
                                         "and 26"):
        clone(model).fit(X, y[:-1])
    with pytest.raises(ValueError, match="needs at least 2 different labels in y; got 1 "
                                         "class: 'a'"):
        clone(model).fit(X, np.full((27, 2), "a"))
    with pytest.raises(ValueError, match="The 'cell' parameter of RNNSeq2Seq must be a str "
                                         "among.*Got 'jordan'"):
        clone(model).set_params(cell="jordan").fit(X, y)
    with pytest.raises(ValueError, match="state_dict does not fit this fitted RNNSeq2Seq"):
        model.load_state_dict({k: v[..., :1] for k, v in model.state_dict().items()})


@pytest.mark.parametrize("export", [to_onnx, to_torch])
def test_exports_refuse(fitted, export):
    with pytest.raises(ValueError, match="must be an RNNForecaster or RNNClassifier. Got "
                                         "a RNNSeq2Seq, an encoder network"):
        export(fitted[0])


# ----------------------------------------------------------------- scikit-learn
@parametrize_with_checks([RNNSeq2Seq(hidden_size=8, max_iter=30, random_state=0)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_seq2seq_dates(tmp_path):
    """examples/seq2seq_dates.py runs (fast mode) and reports held-out accuracies."""
    out = run_example("seq2seq_dates", tmp_path)
    assert 0 <= read_number(r"exact-match accuracy " + NUMBER, out) <= 1
    assert 0.5 <= read_number(r"per-character accuracy " + NUMBER, out) <= 1
    assert (tmp_path / "seq2seq_dates.json").is_file()
