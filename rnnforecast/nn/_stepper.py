"""One sequence, one time step at a time, with the state carried between calls.

``network.predict`` runs a whole batch of sequences; a stream, a sampler or a decoder
reads one step of one sequence per call and must not re-run what it has already read.
``NetworkStepper`` holds the network's state for one sequence (batch size 1) and
advances it by one step per ``advance(x)``; ``output()`` applies the head to what it has
read so far. After ``reset(state0)`` and the T steps of a sequence ``X`` (T, D),
``output()`` equals ``network.predict(params, spec, X[None], state0)[0][0]`` (the last
step's row with ``return_sequences``) and ``state`` equals predict's final state, to
rounding (the batched call multiplies (K, N) blocks where a step multiplies a vector).

A step is a handful of NumPy calls on buffers made once, in the cells' own layout
(``_common``): the weights stacked ``[W_hh | W_ih | b]`` with the sigmoid rows halved,
as ``_lstm.infer`` and ``_gru.forward`` stack them, and two input blocks
``[h_{t-1}; x_t; 1]`` used in turn, so that a step's ``h_t`` is written straight into
the block the next step reads. The pooled state of a many-to-one head is carried too:
the last state, a running sum (mean) or a running maximum.

A reverse direction (``bidirectional``) reads a sequence from its end, so its state
cannot be carried forward: such networks are refused.
"""

import numpy as np

from . import _gru, _lstm
from ._common import stack_weights
from .activations import ACTIVATIONS
from .network import initial_state, layer_params, state_shapes

__all__ = ["NetworkStepper"]


class _HiddenStateStep:
    """A step whose state is its hidden state h, kept in the first ``H`` entries of two
    alternating input blocks ``[h; x; 1]`` (``self.s``, ``self.cur`` the current one)."""

    n_states = 1

    def reset(self, state):
        self.s[0][:self.H] = state[0]
        self.cur = 0

    def state(self):
        return (self.s[self.cur][:self.H].copy(),)


class _ElmanStep(_HiddenStateStep):
    """h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) for one sequence (``_elman``)."""

    def __init__(self, params, nonlinearity):
        W_ih, W_hh, b_ih, b_hh = params
        self.H, self.D = W_hh.shape[1], W_ih.shape[1]
        self.W = stack_weights(W_hh, W_ih, b_ih + b_hh)            # (H, K)
        self.act = ACTIVATIONS[nonlinearity]
        self.s = _input_blocks(self.H, self.D)                    # 2 x (K,)

    def advance(self, x):
        """x (D,) -> h_t (H,), a view valid until the step after next."""
        s, nxt = self.s[self.cur], self.s[1 - self.cur]
        s[self.H:self.H + self.D] = x
        h = np.matmul(self.W, s, out=nxt[:self.H])
        self.act(h)
        self.cur = 1 - self.cur
        return h


class _LSTMStep:
    """The LSTM step of ``_lstm.infer`` for one sequence: gates o, i, f, g from one
    product, sigmoids as ``0.5 + 0.5 tanh(z / 2)``, the cell state after the gates."""

    n_states = 2

    def __init__(self, params, nonlinearity=None):
        W_ih, W_hh, b_ih, b_hh = params
        H = self.H = W_hh.shape[1]
        self.D = W_ih.shape[1]
        self.W = stack_weights(W_hh, W_ih, b_ih + b_hh, _lstm.ORDER)  # (4H, K)
        self.W[:3 * H] *= 0.5                                     # sigmoid rows: tanh(z / 2)
        self.s = _input_blocks(H, self.D)
        self.a = np.empty(5 * H)                                  # [o; i; f; g; c]
        self.p = np.empty(2 * H)                                  # [i * g; f * c_{t-1}]
        self.tanh_c = np.empty(H)
        a = self.a
        self.gates, self.sig, self.o = a[:4 * H], a[:3 * H], a[:H]
        self.i_f, self.g_c, self.c = a[H:3 * H], a[3 * H:], a[4 * H:]

    def reset(self, state):
        self.s[0][:self.H] = state[0]
        self.c[...] = state[1]
        self.cur = 0

    def state(self):
        return self.s[self.cur][:self.H].copy(), self.c.copy()

    def advance(self, x):
        H = self.H
        s, nxt = self.s[self.cur], self.s[1 - self.cur]
        s[H:H + self.D] = x
        gates = np.matmul(self.W, s, out=self.gates)
        np.tanh(gates, out=gates)
        self.sig *= 0.5
        self.sig += 0.5
        np.multiply(self.i_f, self.g_c, out=self.p)               # [i * g; f * c_{t-1}]
        np.add(self.p[:H], self.p[H:], out=self.c)
        np.tanh(self.c, out=self.tanh_c)
        h = np.multiply(self.o, self.tanh_c, out=nxt[:H])         # h_t = o * tanh(c_t)
        self.cur = 1 - self.cur
        return h


class _GRUStep(_HiddenStateStep):
    """The GRU step of ``_gru.forward`` for one sequence. One product gives the
    recurrent part of the candidate, r, z (halved rows) and the candidate's input part
    ``W_in x_t + b_in``, which the batched layer computes for all steps at once."""

    def __init__(self, params, nonlinearity=None):
        W_ih, W_hh, b_ih, b_hh = params
        H = self.H = W_hh.shape[1]
        self.D = W_ih.shape[1]
        W, W_n = _gru._stacked_weights(W_ih, W_hh, b_ih, b_hh)   # (3H, K), (H, D + 1)
        W[H:] *= 0.5                                              # sigmoid rows: tanh(z / 2)
        x_part = np.zeros((H, W.shape[1]))
        x_part[:, H:] = W_n
        self.W = np.concatenate([W, x_part])                      # (4H, K)
        self.s = _input_blocks(H, self.D)
        self.a = np.empty(4 * H)            # [W_hn h + b_hn; r; z; W_in x + b_in]
        self.tmp = np.empty(H)
        self.n = np.empty(H)
        a = self.a
        self.rec, self.rz, self.r, self.z, self.xn = (a[:H], a[H:3 * H], a[H:2 * H],
                                                      a[2 * H:3 * H], a[3 * H:])

    def advance(self, x):
        H = self.H
        s, nxt = self.s[self.cur], self.s[1 - self.cur]
        s[H:H + self.D] = x
        np.matmul(self.W, s, out=self.a)
        np.tanh(self.rz, out=self.rz)
        self.rz *= 0.5
        self.rz += 0.5
        n = np.multiply(self.r, self.rec, out=self.n)             # r * (W_hn h + b_hn)
        n += self.xn
        np.tanh(n, out=n)
        np.subtract(s[:H], n, out=self.tmp)
        self.tmp *= self.z
        h = np.add(self.tmp, n, out=nxt[:H])                      # n + z * (h_{t-1} - n)
        self.cur = 1 - self.cur
        return h


def _input_blocks(H, D):
    """Two blocks [h; x; 1] of length K = H + D + 1, used in turn by the steps."""
    blocks = np.zeros((2, H + D + 1))
    blocks[:, -1] = 1
    return blocks[0], blocks[1]


STEPS = {"rnn": _ElmanStep, "lstm": _LSTMStep, "gru": _GRUStep}


class _StackedSteps:
    """The layers of an rnn, lstm or gru network; the head reads the top layer's h."""

    def __init__(self, params, spec):
        if spec.cell not in STEPS:
            raise ValueError(
                f"NetworkStepper has no single-step path for cell={spec.cell!r}; it steps "
                f"{sorted(STEPS) + ['jordan']}. Add the cell's step to STEPS in "
                "nn/_stepper.py, or run network.predict over the sequence read so far.")
        step = STEPS[spec.cell]
        self.layers = [step(layer_params(params, l), spec.nonlinearity)
                       for l in range(spec.num_layers)]

    def reset(self, state0):
        for l, layer in enumerate(self.layers):
            layer.reset(tuple(s[l, 0] for s in state0))

    def state(self):
        per_layer = [layer.state() for layer in self.layers]      # per layer, per state
        return tuple(np.stack([p[k] for p in per_layer])[:, None, :]   # (L, 1, H)
                     for k in range(len(per_layer[0])))

    def advance(self, x):
        for layer in self.layers:
            x = layer.advance(x)
        return x                                                  # top h_t (H,)


class _JordanSteps:
    """The Jordan network (``_jordan``): every layer reads the previous raw output y,
    which is the state; what the pooling reads is y itself."""

    def __init__(self, params, spec):
        self.act = ACTIVATIONS[spec.nonlinearity]
        self.layers = [(W_ih, W_hh, b_ih + b_hh) for W_ih, W_hh, b_ih, b_hh in
                       (layer_params(params, l) for l in range(spec.num_layers))]
        self.head = params["head.weight"], params["head.bias"]

    def reset(self, state0):
        self.y = state0[0][0].copy()                              # (O,)

    def state(self):
        return (self.y[None, :].copy(),)                          # (1, O)

    def advance(self, x):
        for W_ih, W_hh, b in self.layers:
            h = W_hh @ self.y
            h += W_ih @ x + b
            x = self.act(h)
        y = self.head[0] @ x
        y += self.head[1]
        self.y = y
        return y


class NetworkStepper:
    """Run a network over one sequence, one time step per call, from a carried state.

    Parameters
    ----------
    params : dict of ndarray
        The network's parameters (``network.param_shapes``); copied once into the
        stacked float64 layout the steps use.
    spec : NetworkSpec
        Unidirectional (the reverse direction reads the sequence from its end).
    state0 : tuple of ndarray, optional
        Initial state in ``network.state_shapes(spec, 1)``; zeros if None.

    Attributes
    ----------
    n_steps_ : int
        Steps read since the last ``reset``.

    Examples
    --------
    >>> stepper = NetworkStepper(params, spec)         # doctest: +SKIP
    >>> outs = [stepper.step(x_t) for x_t in X[0]]     # doctest: +SKIP
    """

    def __init__(self, params, spec, state0=None):
        if spec.bidirectional:
            raise ValueError(
                "NetworkStepper needs a unidirectional network. Got bidirectional=True: "
                "the reverse direction reads each sequence from its last step, so its "
                "state cannot be carried from one step to the next. Run network.predict "
                "over the sequence read so far instead.")
        self.spec = spec
        params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        self._layers = (_JordanSteps if spec.cell == "jordan" else _StackedSteps)(params,
                                                                                 spec)
        self._head = (None if spec.cell == "jordan" else
                      (params["head.weight"], params["head.bias"]))
        self.reset(state0)

    def reset(self, state0=None):
        """Start a new sequence from ``state0`` (zeros if None). Returns self."""
        shapes = state_shapes(self.spec, 1)
        if state0 is None:
            state0 = initial_state(self.spec, 1, np.float64)
        elif len(state0) != len(shapes) or any(np.shape(s) != shape
                                                 for s, shape in zip(state0, shapes)):
            raise ValueError(
                f"state0 must be a tuple of {len(shapes)} array(s) of shapes {shapes} "
                f"(network.state_shapes(spec, 1)). Got shapes "
                f"{[np.shape(s) for s in state0]} instead.")
        self._layers.reset(tuple(np.asarray(s, dtype=np.float64) for s in state0))
        self.n_steps_ = 0
        self._pooled = None
        return self

    @property
    def state(self):
        """The carried state, in the layout of ``network.state_shapes(spec, 1)``."""
        return self._layers.state()

    def advance(self, x):
        """Read one step ``x`` of shape (input_size,) without applying the head."""
        top = self._layers.advance(x)
        self.n_steps_ += 1
        pooling = "last" if self.spec.return_sequences else self.spec.pooling
        if pooling == "last":
            self._pooled = top
        elif self._pooled is None:
            self._pooled = top.copy()
        elif pooling == "mean":
            self._pooled += top                                   # a running sum
        else:
            np.maximum(self._pooled, top, out=self._pooled)
        return self

    def output(self):
        """The output after the steps read so far, shape (output_size,): the head on
        the pooled top states (the last one with ``return_sequences``)."""
        if self._pooled is None:
            raise ValueError("NetworkStepper.output needs at least one step; call "
                             "advance(x) or step(x) first.")
        pooled = self._pooled
        if pooled is not None and self.spec.pooling == "mean" and \
                not self.spec.return_sequences:
            pooled = pooled / self.n_steps_
        if self._head is None:                                    # Jordan: y is the output
            return pooled.copy()
        out = self._head[0] @ pooled
        out += self._head[1]
        return out

    def step(self, x):
        """``advance(x)`` then ``output()``: x (input_size,) -> (output_size,)."""
        return self.advance(x).output()
