"""RNNClassifier on sequences of different lengths (lists, NaN padding, DataFrames).

Every configuration is checked against the same sequences predicted one at a time: a
padded, length-bucketed batch must give each sequence's own answer.
"""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from rnnforecast import RNNClassifier, RNNForecaster
from rnnforecast.estimators._sequences import length_batches, per_sequence
from rnnforecast.persistence import load, save

FAST = dict(hidden_size=6, max_iter=3, random_state=0)
LENGTHS = [5, 8, 12, 3, 9, 12, 6, 4, 10, 7, 11, 5]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # ConvergenceWarning of the short fits
        yield


def sequences(lengths=LENGTHS, n_features=2, seed=0):
    """Sequences of the given lengths and labels 0/1 from the sign of their sum."""
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((L, n_features)) for L in lengths]
    return X, np.array([int(x[:, 0].sum() > 0) for x in X])


def padded(X):
    out = np.full((len(X), max(len(x) for x in X), X[0].shape[1]), np.nan)
    for i, x in enumerate(X):
        out[i, :len(x)] = x
    return out


def assert_each_alone(model, X):
    batch = model.predict_proba(X)
    alone = np.vstack([model.predict_proba([x]) for x in X])
    np.testing.assert_allclose(batch, alone, rtol=1e-10, atol=1e-12)
    codes = model.transform(X)
    np.testing.assert_allclose(codes, np.vstack([model.transform([x]) for x in X]),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("params", [
    dict(cell="gru"), dict(cell="lstm", pooling="last", bidirectional=False),
    dict(cell="rnn", pooling="mean"), dict(cell="jordan", pooling="max"),
    dict(cell="lstm", pooling="last", bidirectional=True, num_layers=2),
    dict(window_normalization="zscore", max_timesteps=4),
], ids=["gru", "lstm-last", "rnn-mean", "jordan-max", "bi-lstm-2", "normalized"])
def test_list_of_sequences_fits_and_predicts_each_as_alone(params):
    X, y = sequences()
    model = RNNClassifier(**FAST, **params).fit(X, y)
    assert model.n_timesteps_in_ is None and model.n_features_in_ == 2
    assert_each_alone(model, X)
    assert model.predict(X).shape == (len(X),)
    assert 0 <= model.score(X, y) <= 1


def test_nan_padding_and_dataframes_give_the_same_model():
    X, y = sequences()
    a = RNNClassifier(**FAST).fit(X, y)
    b = RNNClassifier(**FAST).fit(padded(X), y)
    frames = [pd.DataFrame(x, columns=["a", "b"]) for x in X]
    c = RNNClassifier(**FAST).fit(frames, y)
    for other in (b, c):
        np.testing.assert_array_equal(a.state_dict()["head.weight"],
                                      other.state_dict()["head.weight"])
    np.testing.assert_allclose(a.predict_proba(padded(X)), a.predict_proba(frames))


def test_input_is_not_modified():
    X, y = sequences()
    copies = copy.deepcopy(X)
    P = padded(X)
    P_copy = P.copy()
    model = RNNClassifier(**FAST, window_normalization="zscore").fit(X, y)
    model.predict(P)
    for a, b in zip(X, copies):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(P, P_copy)


def test_fitted_on_one_length_predicts_any_length():
    X, y = sequences([10] * 12)
    model = RNNClassifier(**FAST).fit(np.stack(X), y)
    assert model.n_timesteps_in_ == 10
    for T in (5, 15):
        Z = np.random.default_rng(T).standard_normal((4, T, 2))
        assert model.predict_proba(Z).shape == (4, 2)
    mixed = [np.ones((5, 2)), np.ones((15, 2))]
    assert_each_alone(model, mixed)
    with pytest.raises(ValueError, match=r"X has windows of shape \(5, 3\)"):
        model.predict(np.ones((2, 5, 3)))


def test_partial_fit_and_warm_start_on_sequences_of_different_lengths():
    X, y = sequences()
    model = RNNClassifier(**FAST)
    model.partial_fit(X[:6], y[:6], classes=[0, 1])
    model.partial_fit(X[6:], y[6:])
    assert model.n_iter_ == 2
    model.set_params(warm_start=True, max_iter=1).fit(X, y)
    assert model.n_iter_ == 3


def test_early_stopping_with_sequences_of_different_lengths():
    X, y = sequences(LENGTHS * 3)
    model = RNNClassifier(**{**FAST, "max_iter": 4}, early_stopping=True,
                          validation_fraction=0.25, n_iter_no_change=2).fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_


def test_reload_and_clone_keep_the_predictions(tmp_path):
    X, y = sequences()
    model = RNNClassifier(**FAST).fit(X, y)
    save(model, tmp_path / "m.zip")
    again = load(tmp_path / "m.zip")
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    twin = clone(model).fit(X, y)
    np.testing.assert_array_equal(twin.predict_proba(X), model.predict_proba(X))


def test_nan_inside_a_sequence_is_refused():
    X, y = sequences()
    P = padded(X)
    P[1, 2, 0] = np.nan                       # a missing value, not padding
    with pytest.raises(ValueError, match=r"may hold NaN only as padding: whole time steps "
                                         r"\(all features NaN\) at the end of a sequence.*"
                                         r"positions \[1\]"):
        RNNClassifier(**FAST).fit(P, y)
    P = padded(X)
    P[0, :, :] = np.nan                       # a sequence of padding only
    with pytest.raises(ValueError, match=r"positions \[0\]"):
        RNNClassifier(**FAST).fit(P, y)
    with pytest.raises(ValueError, match=r"holds empty sequences \(no time step\) at "
                                         r"positions \[1\]"):
        RNNClassifier(**FAST).fit([np.ones((3, 2)), np.ones((0, 2))], [0, 1])
    with pytest.raises(ValueError, match=r"the same n_features"):
        RNNClassifier(**FAST).fit([np.ones((3, 2)), np.ones((4, 3))], [0, 1])


def test_forecaster_refuses_sequences_of_different_lengths():
    X, _ = sequences()
    with pytest.raises(ValueError, match=r"RNNForecaster needs windows of one length: its "
                                         r"windows, scaling and forecasts read the last "
                                         r"n_timesteps_in_ steps"):
        RNNForecaster(**FAST).fit(X, np.ones(len(X)))


def test_truncated_bptt_refuses_sequences_of_different_lengths():
    X, y = sequences()
    with pytest.raises(ValueError, match=r"Truncated BPTT \(bptt_truncate=2\) needs "
                                         "sequences of one length"):
        RNNClassifier(**FAST, bptt_truncate=2).fit(X, y)


def test_one_label_per_step_of_sequences_of_different_lengths():
    X, _ = sequences()
    ys = [np.where(x[:, 0] > 0, "up", "down") for x in X]
    model = RNNClassifier(**FAST, return_sequences=True).fit(X, ys)
    pred, proba = model.predict(X), model.predict_proba(X)
    assert [len(p) for p in pred] == LENGTHS
    for i, x in enumerate(X):
        np.testing.assert_allclose(proba[i], model.predict_proba([x])[0], rtol=1e-10,
                                   atol=1e-12)
    expected = np.mean(np.concatenate(ys) == np.concatenate(pred))
    assert model.score(X, ys) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"y must hold one label per time step of each "
                                         r"sequence.*\n    position 0: \(4,\) labels for 5"):
        model.fit(X, [y[:-1] if i == 0 else y for i, y in enumerate(ys)])


def test_class_weight_reads_real_steps_only():
    model = RNNClassifier(**FAST, return_sequences=True, class_weight="balanced")
    Y = np.array([[0, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]])
    model.classes_ = np.array(["a", "b"])
    weights = model._loss_weights(Y, None, None, np.array([2, 6]))
    # 8 real steps: one "a" (weight 8 / (2 * 1) = 4), seven "b" (8 / 14); padding 0
    np.testing.assert_allclose(weights[0], [4, 8 / 14, 0, 0, 0, 0])
    np.testing.assert_allclose(weights[1], [8 / 14] * 6)


def test_length_batches_cover_every_sequence_once_with_similar_lengths():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 100, size=1000)
    batches = length_batches(lengths, 16, rng)
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(1000))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 15                        # random batches of 16 spread ~85 steps


def test_per_sequence_applies_a_function_to_real_steps_only():
    X = np.array([[[1.0], [3.0], [np.nan]], [[2.0], [4.0], [6.0]]])
    out = per_sequence(lambda s: s - s.mean(axis=1, keepdims=True), X, np.array([2, 3]))
    np.testing.assert_array_equal(out[:, :, 0], [[-1, 1, np.nan], [-2, 0, 2]])


def test_export_refuses_a_classifier_of_different_lengths():
    from rnnforecast.estimators._export import recipe_of
    X, y = sequences()
    model = RNNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"fitted on sequences of different lengths, "
                                         r"which the exported model"):
        recipe_of(model, "to_onnx")


def test_variable_length_example_runs(tmp_path):
    import json
    from test_examples import run_example
    out = run_example("variable_length_classification", tmp_path)
    results = json.loads((tmp_path / "variable_length_accuracy.json").read_text())
    assert set(results) == {"variable lengths", "cut to the shortest", "zero padding"}
    assert all(0 <= r["accuracy"] <= 1 for r in results.values())
    assert "largest difference between a batch and each series alone" in out


def test_labels_at_padded_steps_do_not_count_in_training():
    X, _ = sequences()
    ys = [np.where(x[:, 0] > 0, "up", "down") for x in X]
    T = max(LENGTHS)
    padded_up = np.full((len(X), T), "up")
    padded_down = np.full((len(X), T), "down")
    for i, labels in enumerate(ys):
        padded_up[i, :len(labels)] = labels
        padded_down[i, :len(labels)] = labels
    a = RNNClassifier(**FAST, return_sequences=True, label_smoothing=0).fit(X, padded_up)
    b = RNNClassifier(**FAST, return_sequences=True, label_smoothing=0).fit(X, padded_down)
    c = RNNClassifier(**FAST, return_sequences=True, label_smoothing=0).fit(X, ys)
    for other in (b, c):
        for key, value in a.state_dict().items():
            np.testing.assert_array_equal(value, other.state_dict()[key], err_msg=key)


def test_a_list_of_sequences_with_missing_values_is_refused_not_shortened():
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((n, 2)) for n in (5, 8, 12, 7)]
    clf = RNNClassifier(hidden_size=4, max_iter=2, random_state=0).fit(X, [0, 1, 0, 1])
    trailing = [x.copy() for x in X]
    trailing[2][-1] = np.nan  # a whole last step missing: it must not become padding
    with pytest.raises(ValueError, match=r"sequences at positions \[2\] contain NaN: "
                       r"missing values, which would be read as padding"):
        clf.predict_proba(trailing)
    with pytest.raises(ValueError, match=r"positions \[2\] contain NaN"):
        clf.fit(trailing, [0, 1, 0, 1])
