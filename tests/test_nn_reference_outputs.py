"""The engine's outputs and gradients for fixed seeds equal stored reference values, bit
for bit.

``tests/fixtures/engine_outputs.npz`` holds, for every cell with 1 and 2 layers,
many-to-one and many-to-many, in float32 on one BLAS thread: the outputs and final state
of ``forward`` and of ``predict``, the final hidden state of the top layer (``encode``;
recorded as read from ``forward``'s cache), and every gradient of ``backward``; also a
training pass with dropout and truncated BPTT, and an LSTM batch large enough for its
GEMMs to run in row blocks (its state and gradients stored as digests). The values were
recorded with the engine as it was before its modules were reorganised, so that the
reorganisation provably changed no bit. Refactorings must keep them; a change of
arithmetic re-records them with ``python tests/test_nn_reference_outputs.py``.

The figures depend on the BLAS kernels of the machine (FMA or not, block sizes): on
another CPU they may differ in the last bits, in which case re-record them there.
"""

import hashlib
import os

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from rnnforecast.nn.initialization import init_params
from rnnforecast.nn.network import (NetworkSpec, backward, encode, forward, predict,
                                    state_shapes)

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "engine_outputs.npz")
VARIANTS = {"rnn_tanh": ("rnn", "tanh"), "rnn_relu": ("rnn", "relu"),
            "jordan": ("jordan", "tanh"), "lstm": ("lstm", "tanh"), "gru": ("gru", "tanh")}
N, T, D, H, O = 3, 7, 2, 4, 2
CASES = [(v, layers, m2m) for v in VARIANTS for layers in (1, 2) for m2m in (False, True)]


def case_id(variant, layers, return_sequences):
    return f"{variant}_{layers}_{'m2m' if return_sequences else 'm2o'}"


def make_inputs(variant, layers, return_sequences, seed=0):
    cell, nonlinearity = VARIANTS[variant]
    spec = NetworkSpec(cell, D, H, O, num_layers=layers, nonlinearity=nonlinearity,
                       return_sequences=return_sequences)
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng, np.float32)
    for v in params.values():                    # non-zero biases: every term exercised
        v += (0.1 * rng.standard_normal(v.shape)).astype(np.float32)
    X = rng.standard_normal((N, T, D)).astype(np.float32)
    state0 = tuple((0.5 * rng.standard_normal(s)).astype(np.float32)
                   for s in state_shapes(spec, N))
    R = rng.standard_normal((N, T, O) if return_sequences else (N, O)).astype(np.float32)
    return spec, params, X, state0, R


def run_case(variant, layers, return_sequences):
    """{name: array} of everything recorded for one case."""
    spec, params, X, state0, R = make_inputs(variant, layers, return_sequences)
    out, cache = forward(params, spec, X, state0)
    grads, dX, dstate0 = backward(R, cache)
    out_p, state_p = predict(params, spec, X, state0)
    rec = {"out": out, "out_predict": out_p, "dX": dX, "hidden": encode(params, spec, X)}
    rec.update({f"grad.{k}": v for k, v in grads.items()})
    for k, (s, s_p, ds) in enumerate(zip(cache.state, state_p, dstate0)):
        rec.update({f"state{k}": s, f"state{k}_predict": s_p, f"dstate0_{k}": ds})
    if layers == 2:                              # training: dropout and truncated BPTT
        spec_t = spec._replace(dropout=0.3, bptt_truncate=3)
        out_t, cache_t = forward(params, spec_t, X, state0, training=True,
                                 rng=np.random.default_rng(7))
        grads_t, _, _ = backward(R, cache_t, input_grad=False)
        rec["train.out"] = out_t
        rec.update({f"train.grad.{k}": v for k, v in grads_t.items()})
    return rec


def digest(arrays):
    """SHA-256 of the bytes of ``arrays``, as uint8 (32,)."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return np.frombuffer(h.digest(), np.uint8)


def run_lstm_blocks():
    """An LSTM batch whose GEMMs run in row blocks on one thread (N=32, H=96)."""
    spec = NetworkSpec("lstm", 1, 96, 1)
    rng = np.random.default_rng(3)
    params = init_params(spec, rng, np.float32)
    X = rng.standard_normal((32, 5, 1)).astype(np.float32)
    out, cache = forward(params, spec, X)
    grads, dX, _ = backward(np.ones_like(out), cache)
    out_p, state_p = predict(params, spec, X)
    return {"out": out, "out_predict": out_p, "hidden": encode(params, spec, X),
            "params_digest": digest(params[k] for k in sorted(params)),
            "state_digest": digest(cache.state), "state_predict_digest": digest(state_p),
            "grads_digest": digest([grads[k] for k in sorted(grads)] + [dX])}


def pack(rec):
    """One float32 vector of the case's arrays, in the order of their sorted names (one
    array per case keeps the file small)."""
    return np.concatenate([np.ravel(rec[k]).astype(np.float32) for k in sorted(rec)])


def record():
    with threadpool_limits(1):
        out = {case_id(*c): pack(run_case(*c)) for c in CASES}
        out["lstm_blocks"] = pack(run_lstm_blocks())
    return out


@pytest.fixture(scope="module")
def reference():
    with np.load(FIXTURE) as f:
        return dict(f)


def check(stored, rec):
    """Compare every array of ``rec`` with its slice of the packed vector ``stored``."""
    assert stored.size == sum(np.size(v) for v in rec.values()), "sizes differ"
    start = 0
    for name in sorted(rec):
        value = np.ravel(rec[name])
        assert value.dtype in (np.float32, np.uint8), name
        np.testing.assert_array_equal(value.astype(np.float32),
                                      stored[start:start + value.size], err_msg=name)
        start += value.size


@pytest.mark.parametrize("variant, layers, return_sequences", CASES,
                         ids=[case_id(*c) for c in CASES])
def test_outputs_and_gradients_equal_the_reference(reference, variant, layers, return_sequences):
    with threadpool_limits(1):
        rec = run_case(variant, layers, return_sequences)
    check(reference[case_id(variant, layers, return_sequences)], rec)


def test_lstm_in_row_blocks_equals_the_reference(reference):
    with threadpool_limits(1):
        rec = run_lstm_blocks()
    check(reference["lstm_blocks"], rec)


if __name__ == "__main__":
    np.savez_compressed(FIXTURE, **record())
    print(f"wrote {FIXTURE} ({os.path.getsize(FIXTURE)} bytes)")
