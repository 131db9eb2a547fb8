"""Stepping the network one time step at a time equals the batched call (float64).

Forward: T calls with one time step each, the final state of a call passed on as the
initial state of the next, give the batched outputs and final state. Backward: the
calls are backpropagated in reverse, each call's ``dstate0`` fed into the previous
call's ``backward(..., dstate=...)``; the summed parameter gradients, the per-step input
gradients and the last ``dstate0`` equal the batched gradients.

Also: float32 follows float64, a seed fixes the initial weights, and dropout masks come
from the generator passed in.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from rnnforecast.nn._buffers import HUGE_PAGE, BlockPool
from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import NetworkSpec, backward, encode, forward, predict

from _engine_helpers import CELL_VARIANTS, make_case

TOL = 1e-12


def run_stepwise(params, spec, X, state0, R):
    """Forward and backward one step at a time.

    X : ndarray of shape (N, T, D)
    R : ndarray of shape (N, T, O) or (N, O), the gradient of the outputs

    Returns out (as the batched call), final state, grads, dX (N, T, D), dstate0.
    """
    T = X.shape[1]
    state, outs, caches = state0, [], []
    for t in range(T):
        out, cache = forward(params, spec, X[:, t:t + 1], state)
        state = cache.state
        outs.append(out)
        caches.append(cache)
    out = np.concatenate(outs, axis=1) if spec.return_sequences else outs[-1]

    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dX = np.zeros_like(X)
    dstate = None
    for t in range(T - 1, -1, -1):
        if spec.return_sequences:
            dout = R[:, t:t + 1]                                  # (N, 1, O)
        else:
            dout = R if t == T - 1 else np.zeros_like(R)          # (N, O)
        step_grads, dX_t, dstate = backward(dout, caches[t], dstate)
        for k, g in step_grads.items():
            grads[k] += g
        dX[:, t:t + 1] = dX_t
    return out, state, grads, dX, dstate


def max_abs_diff(a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} vs {b.shape}"
    return float(np.max(np.abs(a - b)))


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["many_to_one", "return_sequences"])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_stepwise_equals_batched(variant, return_sequences, num_layers):
    spec, params, X, state0, R = make_case(variant, return_sequences, num_layers)
    out, cache = forward(params, spec, X, state0)
    grads, dX, dstate0 = backward(R, cache)

    out_s, state_s, grads_s, dX_s, dstate0_s = run_stepwise(params, spec, X, state0, R)

    assert max_abs_diff(out, out_s) < TOL, "outputs"
    for k, (a, b) in enumerate(zip(cache.state, state_s)):
        assert max_abs_diff(a, b) < TOL, f"final state {k}"
    assert sorted(grads_s) == sorted(grads)
    for name in grads:
        assert max_abs_diff(grads[name], grads_s[name]) < TOL, name
    assert max_abs_diff(dX, dX_s) < TOL, "input gradient"
    for k, (a, b) in enumerate(zip(dstate0, dstate0_s)):
        assert max_abs_diff(a, b) < TOL, f"initial state gradient {k}"


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_backward_without_input_gradient_gives_the_same_gradients(variant, num_layers):
    spec, params, X, state0, R = make_case(variant, True, num_layers)
    _, cache = forward(params, spec, X, state0)
    grads, dX, dstate0 = backward(R, cache)
    grads_n, dX_n, dstate0_n = backward(R, cache, input_grad=False)
    assert dX is not None and dX_n is None
    assert sorted(grads_n) == sorted(grads)
    for name in grads:
        assert np.array_equal(grads[name], grads_n[name]), name
    for a, b in zip(dstate0, dstate0_n):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["many_to_one", "return_sequences"])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_predict_equals_forward_bit_for_bit(variant, return_sequences, num_layers):
    spec, params, X, state0, _ = make_case(variant, return_sequences, num_layers)
    out, cache = forward(params, spec, X, state0)
    out_p, state_p = predict(params, spec, X, state0)
    assert np.array_equal(out, out_p)
    assert len(state_p) == len(cache.state)
    for a, b in zip(cache.state, state_p):
        assert np.array_equal(a, b)
    out0, _ = forward(params, spec, X)                          # zero initial state
    assert np.array_equal(out0, predict(params, spec, X)[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_encode_equals_the_last_top_output_of_forward(variant, num_layers, dtype):
    spec, params, X, state0, _ = make_case(variant, num_layers=num_layers)
    params = {k: v.astype(dtype) for k, v in params.items()}
    X, state0 = X.astype(dtype), tuple(s.astype(dtype) for s in state0)
    _, cache = forward(params, spec, X, state0)
    hidden = encode(params, spec, X, state0)
    assert hidden.shape == (X.shape[0], spec.hidden_size) and hidden.dtype == dtype
    np.testing.assert_array_equal(hidden, cache.top[:, -1].T)
    if spec.cell == "jordan":                    # the top layer's output sequence
        np.testing.assert_array_equal(hidden, cache.layer_caches[0].hs[-1][-1].T)
    else:                                        # the top layer's final state
        np.testing.assert_array_equal(hidden, cache.state[0][-1])
    _, cache0 = forward(params, spec, X)                 # zero initial state
    np.testing.assert_array_equal(encode(params, spec, X), cache0.top[:, -1].T)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n_samples", [1, 48, 200])
def test_lstm_predict_equals_forward_in_float32(n_samples, threads):
    """One window, a batch whose GEMMs run in row blocks (on one BLAS thread), and a
    wider one."""
    spec = NetworkSpec("lstm", 3, 128, 2, num_layers=2)
    rng = np.random.default_rng(0)
    params = init_params(spec, rng, np.float32)
    X = rng.standard_normal((n_samples, 30, 3)).astype(np.float32)
    with threadpool_limits(threads):
        out, cache = forward(params, spec, X)
        out_p, state_p = predict(params, spec, X)
    assert out_p.dtype == np.float32
    assert np.array_equal(out, out_p)
    for a, b in zip(cache.state, state_p):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("return_sequences", [False, True], ids=["many_to_one", "return_sequences"])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_float32_follows_float64(variant, return_sequences):
    spec, params, X, state0, R = make_case(variant, return_sequences, num_layers=2)
    out64, cache64 = forward(params, spec, X, state0)
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    state32 = tuple(s.astype(np.float32) for s in state0)
    out32, cache32 = forward(params32, spec, X.astype(np.float32), state32)
    assert out32.dtype == np.float32
    assert all(s.dtype == np.float32 for s in cache32.state)
    assert max_abs_diff(out32.astype(np.float64), out64) < 1e-5
    for a, b in zip(cache32.state, cache64.state):
        assert max_abs_diff(a.astype(np.float64), b) < 1e-5

    grads32, dX32, _ = backward(R.astype(np.float32), cache32)
    grads64, dX64, _ = backward(R, cache64)
    assert dX32.dtype == np.float32
    for name in grads64:
        assert grads32[name].dtype == np.float32, name
        assert max_abs_diff(grads32[name].astype(np.float64), grads64[name]) < 1e-4, name


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_same_seed_gives_identical_init(variant, num_layers):
    spec = make_case(variant, num_layers=num_layers)[0]
    for dtype in (np.float32, np.float64):
        a = init_params(spec, np.random.default_rng(42), dtype)
        b = init_params(spec, np.random.default_rng(42), dtype)
        c = init_params(spec, np.random.default_rng(43), dtype)
        assert sorted(a) == sorted(b)
        for name in a:
            assert a[name].dtype == dtype
            assert np.array_equal(a[name], b[name]), name
        assert any(not np.array_equal(a[k], c[k]) for k in a if "weight" in k)


@pytest.mark.parametrize("variant", list(CELL_VARIANTS))
def test_dropout_masks_come_from_the_given_rng(variant):
    spec, params, X, state0, _ = make_case(variant, return_sequences=True, num_layers=2)
    spec = spec._replace(dropout=0.5)

    def run(seed, training=True):
        out, _ = forward(params, spec, X, state0, training=training,
                         rng=np.random.default_rng(seed))
        return out

    assert np.array_equal(run(1), run(1))
    assert not np.allclose(run(1), run(2))
    # evaluation ignores dropout: same as a network without it
    no_dropout, _ = forward(params, spec._replace(dropout=0.0), X, state0)
    assert np.array_equal(run(1, training=False), no_dropout)
    assert not np.allclose(run(1), no_dropout)


def test_live_caches_keep_their_memory():
    """Large buffers are reused between calls, but never while a cache still uses them."""
    spec = make_case("lstm")[0]._replace(hidden_size=64)
    params = init_params(spec, np.random.default_rng(0), np.float32)
    rng = np.random.default_rng(1)
    X1, X2 = (rng.standard_normal((64, 64, spec.input_size)).astype(np.float32)
              for _ in range(2))
    R = np.ones((64, spec.output_size), np.float32)
    out1, cache1 = forward(params, spec, X1)
    grads1 = backward(R, cache1)[0]
    out2, cache2 = forward(params, spec, X2)             # cache1 is still alive
    assert not np.shares_memory(cache1.layer_caches[0].A, cache2.layer_caches[0].A)
    grads1_again = backward(R, cache1)[0]
    for name in grads1:
        assert np.array_equal(grads1[name], grads1_again[name]), name
    del cache1, cache2
    out1_again, _ = forward(params, spec, X1)            # memory of dropped caches reused
    assert np.array_equal(out1, out1_again)


def test_block_pool_hands_out_a_block_only_when_nothing_uses_it():
    pool = BlockPool(max_blocks=2, max_bytes=1 << 26, min_bytes=1 << 10)
    a = pool.get(3000).view(np.float32)[:10]            # a view of a view, as carve makes
    b = pool.get(3000)
    assert not np.shares_memory(a, b)                     # ``a`` still uses its block
    assert a.ctypes.data % HUGE_PAGE == 0                 # blocks start on a huge page
    del a
    c = pool.get(2000)
    assert c.ctypes.data % HUGE_PAGE == 0 and not np.shares_memory(b, c)
    del b, c
    d, e = pool.get(3000), pool.get(3000)                 # both kept blocks reused
    f = pool.get(3000)                                    # pool full: plain memory, not kept
    assert len({x.ctypes.data for x in (d, e, f)}) == 3
    assert len(pool._blocks) == 2
    assert pool.get(100).nbytes == 100                    # below min_bytes: plain memory
