"""A stack of recurrent layers with a dense output head, over batches of sequences.

The network is a set of functions over a ``params`` dict whose names and layouts are
PyTorch's (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ...,
plus ``head.weight`` and ``head.bias`` as in ``nn.Linear``), so weights move between
rnnforecast and ``nn.RNN``/``nn.LSTM``/``nn.GRU`` unchanged.

* many-to-one: the head reads the last hidden state, ``out`` is ``(N, O)``;
* many-to-many: the head reads every hidden state, ``out`` is ``(N, T, O)``.

``forward`` returns ``(out, cache)``; ``backward(dout, cache)`` returns the gradients
(same keys as ``params``), the gradient w.r.t. the input and w.r.t. the initial state.
``predict`` returns ``(out, final state)`` without a cache, for prediction.
"""

from typing import NamedTuple, Optional

import numpy as np

from . import _elman, _gru, _jordan, _lstm

LAYERED_CELLS = {"rnn": _elman, "lstm": _lstm, "gru": _gru}
N_GATES = {"rnn": 1, "lstm": 4, "gru": 3, "jordan": 1}
N_STATES = {"rnn": 1, "lstm": 2, "gru": 1, "jordan": 1}


class NetworkSpec(NamedTuple):
    """Architecture of a network; everything the functions need besides the weights.

    truncate : int or None
        Truncated backpropagation through time: gradients flow through at most
        ``truncate`` steps of the recurrence (segments of ``truncate`` steps counted
        back from the last step). None means full BPTT.
    """

    cell: str
    input_size: int
    hidden_size: int
    output_size: int
    num_layers: int = 1
    nonlinearity: str = "tanh"
    dropout: float = 0.0
    many_to_many: bool = False
    truncate: Optional[int] = None


class NetworkCache(NamedTuple):
    spec: NetworkSpec
    layer_caches: list     # one per layer (one JordanCache for the whole Jordan network)
    masks: list            # inverted-dropout masks between layers, or None
    top: np.ndarray        # (H, T, N) output sequence of the last layer (a view)
    head_weight: np.ndarray
    state: tuple           # final state, in the layout of ``initial_state``


def layer_keys(l):
    return (f"weight_ih_l{l}", f"weight_hh_l{l}", f"bias_ih_l{l}", f"bias_hh_l{l}")


def layer_params(params, l):
    """(W_ih, W_hh, b_ih, b_hh) of layer ``l``."""
    return tuple(params[k] for k in layer_keys(l))


def state_shapes(spec, n_samples):
    """Shapes of the arrays of a network state.

    rnn, gru: ``(h,)`` with h ``(num_layers, N, H)``; lstm: ``(h, c)``, each
    ``(num_layers, N, H)``, as in PyTorch; jordan: ``(y,)`` with y ``(N, O)``, the
    previous raw output.
    """
    if spec.cell == "jordan":
        return ((n_samples, spec.output_size),)
    return ((spec.num_layers, n_samples, spec.hidden_size),) * N_STATES[spec.cell]


def initial_state(spec, n_samples, dtype=np.float32):
    """The zero state for ``n_samples`` sequences (see ``state_shapes``)."""
    return tuple(np.zeros(s, dtype=dtype) for s in state_shapes(spec, n_samples))


def _dropout_mask(rng, shape, p, dtype):
    keep = rng.random(shape, dtype=np.float64) >= p
    return keep.astype(dtype) / dtype.type(1 - p)


def forward(params, spec, X, state0=None, *, training=False, rng=None):
    """Run the network.

    params : dict of ndarray, see ``init_params``
    spec : NetworkSpec
    X : ndarray of shape (N, T, D)
    state0 : tuple of ndarray (see ``state_shapes``) or None for zeros
    training : bool, apply inter-layer dropout (needs ``rng``)
    rng : numpy.random.Generator

    Returns out, of shape (N, O) or (N, T, O) when ``spec.many_to_many``, and the cache.
    """
    N, T, _ = X.shape
    dtype = params["head.weight"].dtype
    if state0 is None:
        state0 = initial_state(spec, N, dtype)
    use_dropout = training and spec.dropout > 0 and spec.num_layers > 1
    masks = [_dropout_mask(rng, (T, spec.hidden_size, N), spec.dropout, dtype)
             if use_dropout else None for _ in range(spec.num_layers - 1)]
    if spec.cell == "jordan":
        x = np.ascontiguousarray(X.transpose(2, 1, 0), dtype=dtype)  # (D, T, N)
        return _jordan_forward(params, spec, x, state0, masks)
    x = np.asarray(X).transpose(1, 2, 0)                       # (T, D, N) view
    x, caches, state = _run_layers(params, spec, x, state0, masks)
    out = _head_forward(params, spec, x)
    top = x.transpose(1, 0, 2)                                 # (H, T, N) view
    return out, NetworkCache(spec, caches, masks, top, params["head.weight"], state)


def predict(params, spec, X, state0=None):
    """``forward`` in evaluation mode without keeping what ``backward`` needs.

    The same outputs and final state, bit for bit; the LSTM runs a shorter step with no
    per-step gate store (see ``_lstm.infer``), the other cells their ``forward``.

    Returns out (as ``forward``) and the final state (see ``state_shapes``).
    """
    N = X.shape[0]
    dtype = params["head.weight"].dtype
    if state0 is None:
        state0 = initial_state(spec, N, dtype)
    if spec.cell == "jordan":
        out, cache = forward(params, spec, X, state0)
        return out, cache.state
    x = np.asarray(X).transpose(1, 2, 0)                       # (T, D, N) view
    x, _, state = _run_layers(params, spec, x, state0, [None] * spec.num_layers,
                              keep_cache=False)
    return _head_forward(params, spec, x), state


def _run_layers(params, spec, x, state0, masks, keep_cache=True):
    """Run the stacked layers over x (T, D, N): top sequence (T, H, N), the layers'
    caches and the final state in PyTorch's layout. Without ``keep_cache``, layers run
    their cell's ``infer`` where it has one, and the caches are None."""
    dtype = params["head.weight"].dtype
    module = LAYERED_CELLS[spec.cell]
    infer = None if keep_cache else getattr(module, "infer", None)
    caches, finals = [], []
    for l in range(spec.num_layers):
        s0 = tuple(np.ascontiguousarray(s[l].T, dtype=dtype) for s in state0)  # (H, N) each
        if infer is None:
            x, s_final, cache = module.forward(x, s0, layer_params(params, l),
                                               spec.nonlinearity, spec.truncate)
        else:
            (x, s_final), cache = infer(x, s0, layer_params(params, l)), None
        if l < spec.num_layers - 1 and masks[l] is not None:
            x = x * masks[l]                                   # (T, H, N)
        caches.append(cache)
        finals.append(s_final)
    state = tuple(_stack_states([f[k] for f in finals]) for k in range(len(state0)))
    return x, caches, state


def _stack_states(per_layer):
    """Per-layer (H, N) arrays -> one (num_layers, N, H) array, PyTorch's state layout."""
    H, N = per_layer[0].shape
    out = np.empty((len(per_layer), N, H), per_layer[0].dtype)
    for l, s in enumerate(per_layer):
        out[l] = s.T
    return out


def _head_forward(params, spec, hs):
    """hs (T, H, N) -> out (N, O) from the last step, or (N, T, O) from every step."""
    W, b = params["head.weight"], params["head.bias"]
    if not spec.many_to_many:
        return (W @ hs[-1] + b[:, None]).T                     # (N, O)
    y = np.matmul(W, hs)                                       # (T, O, N)
    y += b[:, None]
    return y.transpose(2, 0, 1)                                # (N, T, O)


def _jordan_forward(params, spec, x, state0, masks):
    layers = [layer_params(params, l) for l in range(spec.num_layers)]
    head = (params["head.weight"], params["head.bias"])
    y0 = np.ascontiguousarray(state0[0].T)                     # (O, N)
    ys, y_final, cache = _jordan.forward(x, y0, layers, head, spec.nonlinearity,
                                         spec.truncate, masks)
    out = ys.transpose(2, 0, 1) if spec.many_to_many else ys[-1].T  # (N, T, O) or (N, O)
    return out, NetworkCache(spec, [cache], masks, None, head[0], (y_final.T.copy(),))


def backward(dout, cache, dstate=None, *, input_grad=True):
    """Backpropagate ``dout`` (same shape as ``out``) through the network.

    dstate : tuple shaped like the final state, its gradient (e.g. when the state is
        carried into a following call), or None.
    input_grad : bool, compute the gradient w.r.t. the input X. Training does not need
        it (PyTorch's inputs without ``requires_grad``): 1-4 % of a training step.

    Returns grads (dict, same keys as params), dX (N, T, D) or None without
    ``input_grad``, dstate0 (tuple, same shapes as the state).
    """
    spec = cache.spec
    if spec.cell == "jordan":
        return _jordan_backward(dout, cache, dstate, input_grad)
    grads = {}
    dtop, dh_last = _head_backward(dout, cache, grads)         # (H, T, N) or (H, N)
    dstates = []
    for l in range(spec.num_layers - 1, -1, -1):
        if l < spec.num_layers - 1 and cache.masks[l] is not None:
            dtop *= cache.masks[l]                             # backprop through dropout
        ds_final = None if dstate is None else tuple(np.ascontiguousarray(d[l].T) for d in dstate)
        if l == spec.num_layers - 1 and dh_last is not None:   # the last output is h_T
            ds_final = _add_to_first(ds_final, dh_last, N_STATES[spec.cell])
        dtop, ds0, layer_grads = LAYERED_CELLS[spec.cell].backward(
            dtop, cache.layer_caches[l], ds_final, input_grad=input_grad or l > 0)
        grads.update(zip(layer_keys(l), layer_grads))
        dstates.append(ds0)
    dstates.reverse()
    dstate0 = tuple(_stack_states([d[k] for d in dstates]) for k in range(len(dstates[0])))
    return grads, None if dtop is None else dtop.transpose(2, 0, 1), dstate0


def _head_backward(dout, cache, grads):
    """Fill the head's gradients; return the gradient w.r.t. the top sequence.

    Many-to-many: (dtop (T, H, N), None). Many-to-one: (None, dh (H, N)), the gradient
    w.r.t. the last output only.
    """
    W = cache.head_weight
    hs = cache.top.transpose(1, 0, 2)                          # (T, H, N)
    if cache.spec.many_to_many:
        dy = dout.transpose(1, 2, 0)                           # (T, O, N)
        grads["head.weight"] = np.matmul(dy, hs.transpose(0, 2, 1)).sum(axis=0)
        grads["head.bias"] = dy.sum(axis=(0, 2))
        return np.matmul(W.T, dy), None
    dy = dout.T                                                # (O, N)
    grads["head.weight"] = dy @ hs[-1].T
    grads["head.bias"] = dy.sum(axis=1)
    return None, W.T @ dy


def _add_to_first(dstate, dh, n_states):
    """dstate (tuple of (H, N) or None) with ``dh`` added to its first entry."""
    if dstate is None:
        return (dh,) + tuple(np.zeros_like(dh) for _ in range(n_states - 1))
    return (dstate[0] + dh,) + dstate[1:]


def _jordan_backward(dout, cache, dstate, input_grad):
    spec, jcache = cache.spec, cache.layer_caches[0]
    T, O, N = jcache.ys.shape
    dys = np.zeros((T, O, N), dtype=jcache.ys.dtype)
    if spec.many_to_many:
        dys[:] = dout.transpose(1, 2, 0)
    else:
        dys[-1] = dout.T
    dy_final = None if dstate is None else np.ascontiguousarray(dstate[0].T)
    dx, dy0, layer_grads, (dW_head, db_head) = _jordan.backward(dys, jcache, dy_final,
                                                                input_grad)
    grads = {"head.weight": dW_head, "head.bias": db_head}
    for l, g in enumerate(layer_grads):
        grads.update(zip(layer_keys(l), g))
    return grads, None if dx is None else dx.transpose(2, 1, 0), (dy0.T.copy(),)
