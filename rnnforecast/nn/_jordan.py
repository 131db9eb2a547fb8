"""Jordan recurrent network: the previous *output* is fed back instead of the hidden state.

For every layer ``l`` (``h^0_t = x_t``) and the linear output head::

    h^l_t = act(W_ih^l h^{l-1}_t + b_ih^l + W_hh^l y_{t-1} + b_hh^l)
    y_t   = W_head h^L_t + b_head

``y_{t-1}`` is the network's raw (pre-activation) output at the previous step, so
``W_hh^l`` has shape ``(H, O)``; ``y_{-1}`` is the initial state (zeros by default).
Because every layer reads the previous output, the layers and the head run together
inside the time loop; only the first layer's input projection is batched over time.

References
----------
Jordan, M. I. (1986). Serial order: a parallel distributed processing approach.
ICS Report 8604, University of California, San Diego.
"""

from typing import NamedTuple

import numpy as np

from .activations import ACTIVATIONS, DERIVATIVES
from ._common import LayerGrads, is_boundary, project_inputs, to_feature_major


class JordanCache(NamedTuple):
    x: np.ndarray          # (D, T, N) network input
    y0: np.ndarray         # (O, N) initial output state
    inputs: list           # per layer > 0: (T, H, N) layer inputs after dropout
    hs: list               # per layer: (T, H, N) hidden states
    ys: np.ndarray         # (T, O, N) raw outputs
    masks: list            # per layer < L-1: (T, H, N) dropout masks or None
    params: list           # per layer: (W_ih, W_hh, b_ih, b_hh)
    head: tuple            # (W (O, H), b (O,))
    nonlinearity: str
    bptt_truncate: object
    steps: object = None   # StepMask of padded steps (see ``_masking``), or None


def forward(x, y0, layers, head, nonlinearity="tanh", bptt_truncate=None, masks=None,
            steps=None):
    """Run the whole network over a batch of sequences.

    x : ndarray of shape (D, T, N)
    y0 : ndarray of shape (O, N)
    layers : list of (W_ih (H, D_l), W_hh (H, O), b_ih (H,), b_hh (H,))
    head : tuple (W (O, H), b (O,))
    masks : list of (T, H, N) inverted-dropout masks for layers 0..L-2, or None
    steps : StepMask or None; padded steps carry y_{t-1} (see ``_masking``)

    Returns ys (T, O, N) raw outputs at every step, final state y_{T-1}, cache.
    """
    _, T, N = x.shape
    L, H = len(layers), layers[0][0].shape[0]
    act = ACTIVATIONS[nonlinearity]
    W_head, b_head = head
    masks = masks or [None] * (L - 1)
    xp = project_inputs(x, layers[0][0], layers[0][2] + layers[0][3])  # (H, T, N)
    biases = [p[2] + p[3] for p in layers]
    hs = [np.empty((T, H, N), dtype=x.dtype) for _ in range(L)]
    inputs = [np.empty((T, H, N), dtype=x.dtype) for _ in range(L - 1)]
    ys = np.empty((T,) + y0.shape, dtype=x.dtype)
    y = y0
    for t in range(T):
        for l, (W_ih, W_hh, _, _) in enumerate(layers):
            h = np.matmul(W_hh, y, out=hs[l][t])
            h += xp[:, t] if l == 0 else W_ih @ inputs[l - 1][t] + biases[l][:, None]
            act(h)
            if l < L - 1 and masks[l] is not None:
                np.multiply(h, masks[l][t], out=inputs[l][t])  # inverted dropout
            elif l < L - 1:
                inputs[l][t] = h
        y_prev = y
        y = np.matmul(W_head, hs[-1][t], out=ys[t])
        y += b_head[:, None]
        if steps is not None and t >= steps.first:
            np.copyto(y, y_prev, where=steps.pad[t])         # padded: y_t = y_{t-1}
    cache = JordanCache(x, y0, inputs, hs, ys, masks, layers, head, nonlinearity, bptt_truncate,
                        steps)
    return ys, ys[-1].copy(), cache


def backward(dys, cache, dy_final=None, input_grad=True):
    """Backpropagate through time and through the layers.

    dys : ndarray of shape (T, O, N), gradient of the loss w.r.t. every raw output
    dy_final : ndarray of shape (O, N), gradient w.r.t. the final state y_{T-1}, or None

    Returns dx (D, T, N) (None without ``input_grad``), dy0 (O, N), list of LayerGrads,
    (dW_head (O, H), db_head (O,)).
    """
    x, y0, inputs, hs, ys, masks, layers, (W_head, _), nonlinearity, bptt_truncate, \
        steps = cache
    first = ys.shape[0] if steps is None else steps.first   # the first padded step
    T, O, N = ys.shape
    L = len(layers)
    derivs = [DERIVATIVES[nonlinearity](h) for h in hs]      # (T, H, N) each
    dzs = [np.empty_like(h) for h in hs]
    dys_total = np.empty_like(dys)                            # (T, O, N)
    dW_hh = [np.zeros_like(p[1]) for p in layers]
    dy_next = np.zeros((O, N), dtype=ys.dtype) if dy_final is None else dy_final
    for t in range(T - 1, -1, -1):
        dy = np.add(dys[t], dy_next, out=dys_total[t])
        if t >= first:                                        # padded: y_t = y_{t-1}
            carry = dy * steps.pad[t]
            dy *= steps.valid[t]                              # the head: real steps only
        y_prev = ys[t - 1] if t > 0 else y0
        dh = W_head.T @ dy                                    # backprop through the head
        dy_next = np.zeros_like(dy)
        for l in range(L - 1, -1, -1):
            dz = np.multiply(dh, derivs[l][t], out=dzs[l][t])  # backprop through act
            dW_hh[l] += dz @ y_prev.T
            dy_next += layers[l][1].T @ dz                    # through the output feedback
            if l > 0:
                dh = layers[l][0].T @ dz
                if masks[l - 1] is not None:
                    dh *= masks[l - 1][t]                     # through dropout
        if t >= first:
            dy_next += carry
        if is_boundary(t, T, bptt_truncate):
            dy_next[:] = 0
    H = hs[-1].shape[1]
    dY = to_feature_major(dys_total).reshape(O, T * N)
    head_grads = (dY @ to_feature_major(hs[-1]).reshape(H, T * N).T, dY.sum(axis=1))
    grads, dx = [], None
    for l in range(L):
        layer_in = x if l == 0 else to_feature_major(inputs[l - 1])   # (D_l, T, N)
        dZ2 = to_feature_major(dzs[l]).reshape(H, T * N)
        db = dZ2.sum(axis=1)
        grads.append(LayerGrads(dZ2 @ layer_in.reshape(-1, T * N).T, dW_hh[l], db, db.copy()))
        if l == 0 and input_grad:
            dx = (layers[0][0].T @ dZ2).reshape(x.shape)              # (D, T, N)
    return dx, dy_next, grads, head_grads
