"""RNNClassifier's ``bidirectional`` and ``label_smoothing``: fitting, checks at fit, the
weights' names and round trips (state dict, save/load, PyTorch), and exports that refuse
what they do not reproduce."""

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from _estimator_helpers import FAST, assert_same_weights, labelled_windows
from rnnforecast import RNNClassifier, RNNForecaster, load, save

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def fitted():
    X, y = labelled_windows()
    return RNNClassifier(**FAST, bidirectional=True, num_layers=2).fit(X, y), X, y


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_a_bidirectional_classifier_learns(cell):
    X, y = labelled_windows()
    clf = RNNClassifier(cell=cell, hidden_size=8, max_iter=40, learning_rate_init=0.03,
                        bidirectional=True, random_state=0).fit(X, y)
    assert clf.score(X, y) >= 0.9
    assert clf.transform(X).shape == (len(X), 16)


def test_the_weights_carry_pytorchs_reverse_names(fitted):
    clf, _, _ = fitted
    state = clf.state_dict()
    for l in (0, 1):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            assert state[f"{name}_l{l}"].shape == state[f"{name}_l{l}_reverse"].shape
    assert state["weight_ih_l1"].shape == (3 * 6, 12)                  # reads [fwd; rev]
    assert state["head.weight"].shape == (2, 12)


def test_state_dict_round_trip_sets_the_directions(fitted):
    clf, X, _ = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)             # weights without scaling
        fresh = RNNClassifier(hidden_size=3).load_state_dict(clf.state_dict())
    assert fresh.bidirectional and fresh.hidden_size == 6 and fresh.num_layers == 2
    assert_same_weights(fresh.state_dict(), clf.state_dict())
    other = clone(clf).fit(X, fitted[2])
    other.load_state_dict(clf.state_dict())                      # keeps the scaling
    np.testing.assert_array_equal(other.predict_proba(X), clf.predict_proba(X))


def test_a_forecaster_refuses_reverse_weights(fitted):
    msg = "The state_dict holds a bidirectional network (keys '*_reverse'), which RNNForecaster"
    with pytest.raises(ValueError, match=re.escape(msg)):
        RNNForecaster().load_state_dict(fitted[0].state_dict())


def test_one_direction_weights_into_a_bidirectional_classifier(fitted):
    """The shapes decide: one-direction weights make a one-direction network."""
    X, y = labelled_windows()
    one = RNNClassifier(**FAST, bidirectional=False).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf = RNNClassifier(bidirectional=True).load_state_dict(one.state_dict())
    assert not clf.bidirectional


def test_save_load_round_trip_is_bit_identical(fitted, tmp_path):
    clf, X, _ = fitted
    save(clf, tmp_path / "clf.npz")
    loaded = load(tmp_path / "clf.npz")
    assert loaded.bidirectional and loaded._network.spec.bidirectional
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert_same_weights(loaded.state_dict(), clf.state_dict())


def test_warm_start_refuses_a_change_of_directions(fitted):
    clf, X, y = fitted
    clf = clone(clf).fit(X, y)
    clf.set_params(warm_start=True, bidirectional=False)
    with pytest.raises(ValueError, match=r"bidirectional: True -> False"):
        clf.fit(X, y)


@pytest.mark.parametrize("params, match", [
    (dict(cell="jordan"), "The 'bidirectional' parameter of RNNClassifier needs cell 'rnn', "
                          "'gru' or 'lstm'. Got bidirectional=True with cell='jordan'"),
    (dict(bptt_truncate=4), "The 'bidirectional' parameter of RNNClassifier needs full "
                            "BPTT. Got bidirectional=True with bptt_truncate=4. Set "
                            "bptt_truncate=None or bidirectional=False."),
])
def test_unsupported_combinations_are_refused_at_fit(params, match):
    X, y = labelled_windows()
    clf = RNNClassifier(**FAST, bidirectional=True, **params)
    with pytest.raises(ValueError, match=re.escape(match)):
        clf.fit(X, y)
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("params, match", [
    (dict(bidirectional="yes"), "The 'bidirectional' parameter of RNNClassifier must be"),
    (dict(label_smoothing=1.5), "The 'label_smoothing' parameter of RNNClassifier must be "
                                "a float in the range [0.0, 1.0]. Got 1.5 instead."),
])
def test_parameters_are_validated_at_fit(params, match):
    X, y = labelled_windows()
    clf = RNNClassifier(**FAST, **params)                        # __init__ only stores
    with pytest.raises(ValueError, match=re.escape(match)):
        clf.fit(X, y)


# --------------------------------------------------------------------------- smoothing
def test_label_smoothing_trains_on_smoothed_rows():
    """The loss curve is the smoothed cross-entropy: its floor is the entropy of the
    smoothed rows, above 0; the validation loss is smoothed the same way."""
    X, y = labelled_windows()
    eps = 0.2
    clf = RNNClassifier(hidden_size=8, max_iter=30, learning_rate_init=0.03, random_state=0,
                        label_smoothing=eps, early_stopping=True).fit(X, y)
    floor = -((1 - eps / 2) * np.log(1 - eps / 2) + eps / 2 * np.log(eps / 2))
    assert min(clf.loss_curve_) > floor
    assert min(clf.validation_loss_curve_) > floor
    assert clf.score(X, y) >= 0.9


def test_the_default_smoothing_is_0_15():
    X, y = labelled_windows()
    a = RNNClassifier(**FAST).fit(X, y)
    b = RNNClassifier(**FAST, label_smoothing=0.15).fit(X, y)
    assert_same_weights(a.state_dict(), b.state_dict())
    c = RNNClassifier(**FAST, label_smoothing=0.0).fit(X, y)
    assert not np.array_equal(a.state_dict()["head.weight"], c.state_dict()["head.weight"])


def test_label_smoothing_with_one_label_per_step():
    X, _ = labelled_windows()
    y = (X[:, :, 0] > np.median(X)).astype(int)
    clf = RNNClassifier(**FAST, return_sequences=True, label_smoothing=0.1,
                        bidirectional=True, class_weight="balanced").fit(X, y)
    assert clf.predict(X).shape == y.shape


# --------------------------------------------------------------------------- PyTorch
def test_from_torch_reads_a_bidirectional_pytorch_network():
    torch = pytest.importorskip("torch")
    from rnnforecast.estimators import from_torch
    torch.manual_seed(0)
    rnn = torch.nn.GRU(2, 5, num_layers=2, batch_first=True, bidirectional=True).double()
    head = torch.nn.Linear(10, 3).double()
    X = np.random.default_rng(0).normal(size=(4, 9, 2))
    clf = from_torch(rnn, head, RNNClassifier(pooling="max", max_timesteps=None),
                     n_timesteps=9)
    with torch.no_grad():
        seq, _ = rnn(torch.as_tensor(X))
        expected = torch.softmax(head(seq.amax(dim=1)), dim=-1).numpy()
    assert clf.bidirectional
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-10)


def test_from_torch_refuses_a_bidirectional_network_for_a_forecaster():
    torch = pytest.importorskip("torch")
    from rnnforecast.estimators import from_torch
    rnn = torch.nn.LSTM(1, 4, batch_first=True, bidirectional=True)
    with pytest.raises(ValueError, match=re.escape(
            "The 'rnn' parameter of from_torch must be a one-direction torch.nn.LSTM for "
            "cell='lstm' of RNNForecaster. Got LSTM(bidirectional=True).")):
        from_torch(rnn, torch.nn.Linear(8, 1), RNNForecaster(cell="lstm"), n_timesteps=5)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("extra", [dict(num_layers=2, pooling="last"),
                                   dict(pooling="max", max_timesteps=3),
                                   dict(return_sequences=True)], ids=str)
def test_exporters_reproduce_a_bidirectional_classifier(cell, extra):
    """The exporters build bidirectional layers (PyTorch's ``bidirectional=True``, ONNX's
    ``direction="bidirectional"``)."""
    torch = pytest.importorskip("torch")
    onnxruntime = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from rnnforecast.estimators import to_onnx, to_torch
    X, y = labelled_windows()
    if extra.get("return_sequences"):
        y = (X[:, :, 0] > 0).astype(int)
    clf = RNNClassifier(**FAST, cell=cell, bidirectional=True, **extra).fit(X, y)
    with torch.no_grad():
        module_out = to_torch(clf)(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(module_out, clf.predict_proba(X), rtol=1e-10, atol=1e-14)
    session = onnxruntime.InferenceSession(to_onnx(clf).SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    graph_out = session.run(None, {"X": X.astype(np.float32)})[0]
    np.testing.assert_allclose(graph_out, clf.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("params, expected", [
    (dict(), True),
    (dict(return_sequences=True), False),   # the reverse direction would read ahead
    (dict(cell="jordan"), False),
    (dict(bptt_truncate=3), False),
    (dict(bidirectional=False), False),
])
def test_auto_reads_both_directions_where_they_apply(params, expected):
    X, y = labelled_windows()
    if params.get("return_sequences"):
        y = (X[:, :, 0] > 0).astype(int)
    clf = RNNClassifier(**FAST, **params).fit(X, y)
    assert clf._network.spec.bidirectional is expected
    assert any(k.endswith("_reverse") for k in clf.state_dict()) is expected
