"""Tests of the optimizers, the L2 penalty and gradient clipping: one and two steps equal
the closed-form updates, updates happen in place and keep the dtype."""

import pickle

import numpy as np
import pytest

from rnnforecast.nn.optimizers import (
    OPTIMIZERS,
    SGD,
    Adam,
    RMSprop,
    add_l2_penalty,
    clip_grad_norm,
)

P0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.5, -1.0, 2.0])
G2 = np.array([-0.3, 0.2, 1.0])


def two_steps(optimizer, dtype=np.float64):
    """Run two steps on one parameter from P0 with gradients G1 then G2."""
    params = {"w": P0.astype(dtype)}
    optimizer.step(params, {"w": G1.astype(dtype)})
    p1 = params["w"].copy()
    optimizer.step(params, {"w": G2.astype(dtype)})
    return p1, params["w"]


def make_problem(dtype=np.float64):
    """Params as views of one flat buffer (as a network may lay them out), and grads."""
    rng = np.random.default_rng(0)
    flat = rng.normal(size=7).astype(dtype)
    params = {"weight": flat[:4].reshape(2, 2), "bias": flat[4:]}
    grads = {k: rng.normal(size=v.shape).astype(dtype) for k, v in params.items()}
    return flat, params, grads


# ---------------------------------------------------------------------------
# Closed-form updates
# ---------------------------------------------------------------------------

def test_sgd_one_step_by_hand():
    params = {"w": P0.copy()}
    SGD(learning_rate=0.1).step(params, {"w": G1})
    np.testing.assert_allclose(params["w"], [0.95, -1.9, 0.3])


def test_sgd_momentum_two_steps():
    lr, mu = 0.1, 0.9
    p1, p2 = two_steps(SGD(learning_rate=lr, momentum=mu))
    v1 = G1
    v2 = mu * v1 + G2
    np.testing.assert_allclose(p1, P0 - lr * v1)
    np.testing.assert_allclose(p2, P0 - lr * v1 - lr * v2)


def test_sgd_nesterov_two_steps():
    lr, mu = 0.1, 0.9
    p1, p2 = two_steps(SGD(learning_rate=lr, momentum=mu, nesterov=True))
    v1 = G1
    v2 = mu * v1 + G2
    np.testing.assert_allclose(p1, P0 - lr * (G1 + mu * v1))
    np.testing.assert_allclose(p2, p1 - lr * (G2 + mu * v2))


def test_nesterov_first_step_is_one_plus_momentum_times_plain():
    plain, _ = two_steps(SGD(learning_rate=0.1, momentum=0.9))
    nesterov, _ = two_steps(SGD(learning_rate=0.1, momentum=0.9, nesterov=True))
    np.testing.assert_allclose(nesterov - P0, 1.9 * (plain - P0))
    assert not np.allclose(nesterov, plain)


def test_rmsprop_two_steps():
    lr, rho, eps = 0.01, 0.9, 1e-8
    p1, p2 = two_steps(RMSprop(learning_rate=lr, rho=rho, epsilon=eps))
    s1 = (1 - rho) * G1**2
    s2 = rho * s1 + (1 - rho) * G2**2
    np.testing.assert_allclose(p1, P0 - lr * G1 / (np.sqrt(s1) + eps))
    np.testing.assert_allclose(p2, p1 - lr * G2 / (np.sqrt(s2) + eps))


def test_adam_first_step_moves_by_learning_rate_times_sign():
    # m_hat = g and v_hat = g**2 at t = 1, so the step is lr * g / (|g| + eps)
    p1, _ = two_steps(Adam(learning_rate=0.01))
    np.testing.assert_allclose(p1, [0.99, -1.99, 0.49])


def test_adam_two_steps():
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-8
    p1, p2 = two_steps(Adam(learning_rate=lr, beta_1=b1, beta_2=b2, epsilon=eps))
    m1, v1 = (1 - b1) * G1, (1 - b2) * G1**2
    m2, v2 = b1 * m1 + (1 - b1) * G2, b2 * v1 + (1 - b2) * G2**2
    step1 = lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    step2 = lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(p1, P0 - step1, rtol=1e-12)
    np.testing.assert_allclose(p2, P0 - step1 - step2, rtol=1e-12)


def test_learning_rate_may_change_between_steps():
    optimizer = SGD(learning_rate=0.1)
    params = {"w": P0.copy()}
    optimizer.step(params, {"w": G1})
    optimizer.learning_rate = 0.01
    optimizer.step(params, {"w": G2})
    np.testing.assert_allclose(params["w"], P0 - 0.1 * G1 - 0.01 * G2)


# ---------------------------------------------------------------------------
# In place, dtype, state and pickling -- for every optimizer
# ---------------------------------------------------------------------------

ALL_OPTIMIZERS = [
    SGD(learning_rate=0.1),
    SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    RMSprop(learning_rate=0.01),
    Adam(learning_rate=0.01),
]


@pytest.fixture(params=range(len(ALL_OPTIMIZERS)), ids=lambda i: repr(ALL_OPTIMIZERS[i]))
def optimizer(request):
    return pickle.loads(pickle.dumps(ALL_OPTIMIZERS[request.param]))  # a fresh copy


def test_step_updates_the_same_arrays_in_place(optimizer):
    flat, params, grads = make_problem()
    before = flat.copy()
    arrays = dict(params)
    optimizer.step(params, grads)
    assert all(params[k] is arrays[k] for k in params)
    assert not np.any(flat == before), "the flat buffer behind the views must change"


def test_float32_is_preserved(optimizer):
    _, params, grads = make_problem(np.float32)
    optimizer.learning_rate = np.float64(optimizer.learning_rate)
    for _ in range(2):
        optimizer.step(params, grads)
    assert all(p.dtype == np.float32 for p in params.values())
    state = [a for v in vars(optimizer).values() if isinstance(v, dict) for a in v.values()]
    assert all(a.dtype == np.float32 for a in state)


def test_float32_step_matches_float64_step(optimizer):
    _, params32, grads32 = make_problem(np.float32)
    _, params64, grads64 = make_problem(np.float64)
    twin = pickle.loads(pickle.dumps(optimizer))
    optimizer.step(params32, grads32)
    twin.step(params64, grads64)
    for name in params64:
        np.testing.assert_allclose(params32[name], params64[name], rtol=1e-5, atol=1e-6)


def test_pickled_optimizer_continues_identically(optimizer):
    _, params, grads = make_problem()
    optimizer.step(params, grads)
    twin = pickle.loads(pickle.dumps(optimizer))
    params_twin = {k: v.copy() for k, v in params.items()}
    optimizer.step(params, grads)
    twin.step(params_twin, grads)
    for name in params:
        np.testing.assert_array_equal(params[name], params_twin[name])


def test_state_dict_round_trip(optimizer):
    _, params, grads = make_problem()
    optimizer.step(params, grads)
    state = optimizer.state_dict()
    fresh = type(optimizer)()
    fresh.load_state_dict(state)
    params_fresh = {k: v.copy() for k, v in params.items()}
    optimizer.step(params, grads)
    fresh.step(params_fresh, grads)
    for name in params:
        np.testing.assert_array_equal(params[name], params_fresh[name])


def test_optimizers_lookup():
    assert OPTIMIZERS == {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}
    assert OPTIMIZERS["adam"]().learning_rate == 0.001
    assert OPTIMIZERS["sgd"]().learning_rate == 0.01


# ---------------------------------------------------------------------------
# L2 penalty
# ---------------------------------------------------------------------------

def l2_problem():
    params = {
        "weight_ih_l0": np.array([[1.0, 2.0], [3.0, 4.0]]),  # sum of squares 30
        "bias_ih_l0": np.array([5.0, 6.0]),
        "head.weight": np.array([[1.0, -1.0]]),  # sum of squares 2
        "head.bias": np.array([7.0]),
    }
    grads = {k: np.ones_like(v) for k, v in params.items()}
    return params, grads


def test_l2_penalty_on_weights_only():
    params, grads = l2_problem()
    arrays = dict(grads)
    penalty = add_l2_penalty(params, grads, alpha=0.1)
    assert penalty == pytest.approx(0.5 * 0.1 * 32)
    np.testing.assert_allclose(grads["weight_ih_l0"], [[1.1, 1.2], [1.3, 1.4]])
    np.testing.assert_allclose(grads["head.weight"], [[1.1, 0.9]])
    np.testing.assert_array_equal(grads["bias_ih_l0"], [1.0, 1.0])
    np.testing.assert_array_equal(grads["head.bias"], [1.0])
    assert all(grads[k] is arrays[k] for k in grads)


def test_l2_penalty_skip_and_zero_alpha():
    params, grads = l2_problem()
    penalty = add_l2_penalty(params, grads, alpha=0.1, skip=("head.weight",))
    assert penalty == pytest.approx(0.5 * 0.1 * 30)
    np.testing.assert_array_equal(grads["head.weight"], [[1.0, 1.0]])
    params, grads = l2_problem()
    assert add_l2_penalty(params, grads, alpha=0.0) == 0.0
    assert all(np.all(g == 1.0) for g in grads.values())


def test_l2_penalty_keeps_float32():
    params, grads = l2_problem()
    params = {k: v.astype(np.float32) for k, v in params.items()}
    grads = {k: v.astype(np.float32) for k, v in grads.items()}
    add_l2_penalty(params, grads, alpha=np.float64(0.1))
    assert all(g.dtype == np.float32 for g in grads.values())


# ---------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------

def clip_problem(dtype=np.float64):
    # global norm sqrt(3**2 + 4**2 + 12**2) = 13
    return {"a": np.array([3.0, 4.0], dtype=dtype), "b": np.array([[12.0]], dtype=dtype)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_norm_rescales_above_threshold(dtype):
    grads = clip_problem(dtype)
    arrays = dict(grads)
    total = clip_grad_norm(grads, max_norm=6.5)
    assert total == pytest.approx(13.0)
    clipped = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads.values()))
    assert clipped <= 6.5 + 1e-5
    assert clipped == pytest.approx(6.5, rel=1e-5)
    # same direction: every gradient is the original times one common factor 1/2
    np.testing.assert_allclose(grads["a"], [1.5, 2.0], rtol=1e-5)
    np.testing.assert_allclose(grads["b"], [[6.0]], rtol=1e-5)
    assert all(grads[k] is arrays[k] and grads[k].dtype == dtype for k in grads)


@pytest.mark.parametrize("max_norm", [20.0, 13.0, None])
def test_clip_grad_norm_leaves_small_gradients_untouched(max_norm):
    grads = clip_problem()
    assert clip_grad_norm(grads, max_norm) == pytest.approx(13.0)
    np.testing.assert_array_equal(grads["a"], [3.0, 4.0])
    np.testing.assert_array_equal(grads["b"], [[12.0]])


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_clip_grad_norm_returns_non_finite_norm(bad):
    grads = {"a": np.array([1.0, bad]), "b": np.array([2.0])}
    total = clip_grad_norm(grads, max_norm=1.0)
    assert not np.isfinite(total)
    assert grads["b"][0] == 2.0 and grads["a"][0] == 1.0
