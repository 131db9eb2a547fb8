"""Weight normalisation: its gradients against finite differences for every cell, and
the estimators' ``weight_norm`` option (training on g and v, effective weights outside).
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from rnnforecast import RNNClassifier, RNNForecaster, load, make_windows, save
from rnnforecast.nn import _weight_norm as wn
from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import NetworkSpec, backward, forward

from _engine_helpers import CELL_VARIANTS, make_case, numerical_gradient, rel_error

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def loss_and_grads(gv, names, spec, X, state0, R):
    """sum(R * out) through the effective weights of (g, v), and its gradients w.r.t.
    every entry of ``gv``."""
    params, cache_wn = wn.combine(gv, names)
    out, cache = forward(params, spec, X, state0)
    grads, _, _ = backward(R, cache)
    return float(np.sum(R * out)), wn.backward(grads, gv, cache_wn)


# --------------------------------------------------------------------------- engine
@pytest.mark.parametrize("variant", sorted(CELL_VARIANTS))
@pytest.mark.parametrize("option, return_sequences", [(True, False), ("recurrent", True)])
def test_gradients_match_finite_differences(variant, option, return_sequences):
    spec, params, X, state0, R = make_case(variant, return_sequences=return_sequences,
                                           num_layers=2)
    names = wn.names_to_normalise(params, option)
    assert len(names) == (4 if option is True else 2)
    gv = wn.split(params, names)
    _, grads = loss_and_grads(gv, names, spec, X, state0, R)
    assert set(grads) == set(gv)
    for key in gv:
        if key[:-2] not in names:
            continue
        num = numerical_gradient(lambda: loss_and_grads(gv, names, spec, X, state0, R)[0],
                                 gv[key])
        assert grads[key].shape == gv[key].shape
        assert rel_error(grads[key], num) < 1e-6, key


def test_gradients_of_a_bidirectional_network():
    spec = NetworkSpec("gru", 2, 3, 2, bidirectional=True)
    rng = np.random.default_rng(3)
    params = init_params(spec, rng, np.float64)
    names = wn.names_to_normalise(params, True)
    assert "weight_hh_l0_reverse" in names
    gv = wn.split(params, names)
    X, R = rng.standard_normal((2, 5, 2)), rng.standard_normal((2, 2))
    _, grads = loss_and_grads(gv, names, spec, X, None, R)
    for key in ("weight_hh_l0_reverse_g", "weight_hh_l0_reverse_v", "weight_ih_l0_v"):
        num = numerical_gradient(lambda: loss_and_grads(gv, names, spec, X, None, R)[0],
                                 gv[key])
        assert rel_error(grads[key], num) < 1e-6, key


def test_split_then_combine_gives_the_weights_back():
    rng = np.random.default_rng(0)
    params = {"weight_hh_l0": rng.standard_normal((8, 2)), "bias_hh_l0": np.ones(8)}
    gv = wn.split(params, ("weight_hh_l0",))
    assert list(gv) == ["weight_hh_l0_g", "weight_hh_l0_v", "bias_hh_l0"]
    assert gv["weight_hh_l0_g"].shape == (8, 1)                  # PyTorch's g of dim=0
    np.testing.assert_allclose(gv["weight_hh_l0_g"][:, 0],
                               np.linalg.norm(params["weight_hh_l0"], axis=1))
    effective, _ = wn.combine(gv, ("weight_hh_l0",))
    assert list(effective) == ["weight_hh_l0", "bias_hh_l0"]
    np.testing.assert_allclose(effective["weight_hh_l0"], params["weight_hh_l0"],
                               rtol=1e-15, atol=0)
    assert effective["bias_hh_l0"] is params["bias_hh_l0"]


def test_the_direction_scale_does_not_matter():
    """w depends on v's direction only: v and 3v give the same weights, and the gradient
    w.r.t. v is orthogonal to v (v . dv = 0 row by row)."""
    spec, params, X, state0, R = make_case("lstm")
    names = wn.names_to_normalise(params, "recurrent")
    gv = wn.split(params, names)
    scaled = dict(gv, weight_hh_l0_v=3 * gv["weight_hh_l0_v"])
    a, grads = loss_and_grads(gv, names, spec, X, state0, R)
    b, _ = loss_and_grads(scaled, names, spec, X, state0, R)
    assert abs(a - b) < 1e-12
    np.testing.assert_allclose(np.sum(grads["weight_hh_l0_v"] * gv["weight_hh_l0_v"],
                                      axis=1), 0, atol=1e-12)


def test_matches_pytorch_weight_norm():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    g, v = rng.uniform(0.5, 2, (12, 1)), rng.standard_normal((12, 3))
    layer = torch.nn.LSTM(2, 3).double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)             # deprecated helper
        layer = torch.nn.utils.weight_norm(layer, "weight_hh_l0", dim=0)
    assert tuple(layer.weight_hh_l0_g.shape) == g.shape
    with torch.no_grad():
        layer.weight_hh_l0_g.copy_(torch.as_tensor(g))
        layer.weight_hh_l0_v.copy_(torch.as_tensor(v))
    w = torch._weight_norm(layer.weight_hh_l0_v, layer.weight_hh_l0_g, 0).detach().numpy()
    ours, _ = wn.combine({"weight_hh_l0_g": g, "weight_hh_l0_v": v}, ("weight_hh_l0",))
    np.testing.assert_allclose(ours["weight_hh_l0"], w, rtol=1e-14)


def test_rows_of_zeros_are_refused():
    with pytest.raises(ValueError, match=r"'weight_hh_l0' has 1 row\(s\) of zeros"):
        wn.split({"weight_hh_l0": np.array([[1.0, 2.0], [0.0, 0.0]])}, ("weight_hh_l0",))


# --------------------------------------------------------------------------- estimators
@pytest.fixture(scope="module")
def windows():
    t = np.arange(150)
    return make_windows(np.sin(t / 5) + 0.02 * t, 10, 2)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn", "jordan"])
def test_forecaster_trains_g_and_v_and_keeps_effective_weights(windows, cell, tmp_path):
    X, y = windows
    model = RNNForecaster(cell=cell, hidden_size=5, max_iter=3, weight_norm=True,
                          random_state=0).fit(X, y)
    state = model.state_dict()
    assert "weight_hh_l0" in state and not any(k.endswith(("_g", "_v")) for k in state)
    kept = model._weight_norm_state
    assert set(kept) == {"weight_ih_l0_g", "weight_ih_l0_v", "weight_hh_l0_g",
                         "weight_hh_l0_v"}
    effective, _ = wn.combine(kept, ("weight_ih_l0", "weight_hh_l0"))
    np.testing.assert_array_equal(effective["weight_hh_l0"], state["weight_hh_l0"])
    plain = RNNForecaster(cell=cell, hidden_size=5, max_iter=3, random_state=0).fit(X, y)
    assert not np.array_equal(plain.state_dict()["weight_hh_l0"], state["weight_hh_l0"])
    save(model, tmp_path / "m.npz")                # a plain network: same predictions
    np.testing.assert_array_equal(load(tmp_path / "m.npz").predict(X), model.predict(X))
    other = RNNForecaster(cell=cell, hidden_size=5, max_iter=1, random_state=0).fit(X, y)
    np.testing.assert_array_equal(other.load_state_dict(state).predict(X), model.predict(X))


def test_warm_start_continues_from_the_kept_g_and_v(windows):
    X, y = windows
    options = dict(hidden_size=4, early_stopping=False, n_iter_no_change=100,
                   weight_norm="recurrent", random_state=0)
    straight = RNNForecaster(max_iter=4, **options).fit(X, y)
    resumed = RNNForecaster(max_iter=2, **options).fit(X, y)
    resumed.set_params(warm_start=True).fit(X, y)
    np.testing.assert_array_equal(resumed.state_dict()["weight_hh_l0"],
                                  straight.state_dict()["weight_hh_l0"])
    np.testing.assert_array_equal(resumed.predict(X), straight.predict(X))


def test_loaded_weights_are_split_again(windows):
    """After load_state_dict the kept (g, v) no longer give the network's weights: a
    continued fit starts from g = ||w||, v = w of the loaded ones."""
    X, y = windows
    model = RNNForecaster(hidden_size=4, max_iter=2, weight_norm=True,
                          random_state=0).fit(X, y)
    other = RNNForecaster(hidden_size=4, max_iter=2, random_state=1).fit(X, y)
    model.load_state_dict(other.state_dict())
    model.set_params(warm_start=True, max_iter=1).fit(X, y)
    np.testing.assert_allclose(wn.combine(model._weight_norm_state,
                                          ("weight_ih_l0", "weight_hh_l0"))[0]["weight_hh_l0"],
                               model.state_dict()["weight_hh_l0"], rtol=0, atol=0)


def test_classifier_option_clone_and_partial_fit():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 8, 2))
    y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    model = RNNClassifier(hidden_size=4, max_iter=3, weight_norm=True, random_state=0)
    assert clone(model).get_params()["weight_norm"] is True
    model.fit(X, y)
    assert {"weight_hh_l0_reverse_g", "weight_ih_l0_reverse_v"} <= set(
        model._weight_norm_state)                  # both directions
    model.partial_fit(X, y)
    assert type(model._network).__name__ == "_Network"
    assert model.predict_proba(X).shape == (40, 2)


def test_option_is_validated(windows):
    X, y = windows
    with pytest.raises(ValueError, match="'weight_norm' parameter of RNNForecaster must be"):
        RNNForecaster(weight_norm="all").fit(X, y)


def test_an_interrupted_fit_leaves_effective_weights(windows, monkeypatch):
    X, y = windows
    model = RNNForecaster(hidden_size=4, max_iter=5, weight_norm=True, random_state=0)
    calls = []

    def interrupt(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    original = type(model)._record_epoch
    monkeypatch.setattr(type(model), "_record_epoch", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert type(model._network).__name__ == "_Network"
    assert "weight_hh_l0" in model.state_dict()
    assert np.all(np.isfinite(model.predict(X)))


def test_exported_network_is_the_effective_one(windows):
    torch = pytest.importorskip("torch")
    from rnnforecast.estimators import to_torch

    X, y = windows
    model = RNNForecaster(cell="gru", hidden_size=4, max_iter=2, weight_norm=True,
                          random_state=0).fit(X, y)
    with torch.no_grad():
        exported = to_torch(model)(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(exported, model.predict(X), rtol=1e-10)


def test_l2_penalty_is_that_of_the_effective_weights():
    """alpha changes the step of g (||w_i|| = |g_i|) and not that of v."""
    from rnnforecast.estimators._training import Batch, batch_step
    from rnnforecast.estimators._weight_norm import WeightNormNetwork
    from rnnforecast.nn.optimizers import SGD

    spec, params, X, _, R = make_case("rnn_tanh")
    names = wn.names_to_normalise(params, True)
    steps = {}
    for alpha in (0.0, 10.0):
        start = {k: v.copy() for k, v in params.items()}      # the step updates in place
        net = WeightNormNetwork(spec, wn.split(start, names), names)
        before = {k: v.copy() for k, v in net.params.items()}
        batch_step(net, SGD(learning_rate=0.1), Batch(X, R), loss="squared_error",
                   alpha=alpha, clip_norm=None, rng=np.random.default_rng(0))
        steps[alpha] = {k: net.params[k] - before[k] for k in before}
    np.testing.assert_allclose(steps[10.0]["weight_hh_l0_v"], steps[0.0]["weight_hh_l0_v"],
                               rtol=1e-12, atol=1e-15)
    assert not np.allclose(steps[10.0]["weight_hh_l0_g"], steps[0.0]["weight_hh_l0_g"])


def test_saved_model_continues_from_the_same_g_and_v(windows, tmp_path):
    X, y = windows
    model = RNNForecaster(hidden_size=4, max_iter=2, early_stopping=False,
                          weight_norm=True, random_state=0).fit(X, y)
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    for m in (model, loaded):
        m.set_params(warm_start=True, max_iter=1).fit(X, y)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    for key, value in model._weight_norm_state.items():
        np.testing.assert_array_equal(loaded._weight_norm_state[key], value)
