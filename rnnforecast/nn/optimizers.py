"""Stochastic optimizers, L2 penalty and gradient clipping on dicts of arrays.

The optimizers only know two dicts with the same keys:

- ``params`` : dict of str -> ndarray -- the network's parameters, updated **in place**
  (the network holds references to the very same arrays);
- ``grads`` : dict of str -> ndarray -- one gradient per parameter, same shape.

Per-parameter state (momentum buffers, moving averages) is created lazily with
``np.zeros_like`` of the parameter, so float32 parameters keep float32 state and
float32 updates. Hyper-parameters are plain public attributes (``learning_rate`` may be
changed between steps, e.g. by a schedule) and the state lives in plain dicts of
arrays, so every optimizer pickles.

The update rules follow PyTorch's ``torch.optim`` (no weight decay, no dampening), so
that training runs can be compared step for step.
"""

import copy
import math

import numpy as np


class _Optimizer:
    """Base class: loop over the parameters and apply one update rule to each.

    Subclasses implement ``_update(name, param, grad)`` and keep their per-parameter
    state in dicts of arrays created with ``_buffer``.
    """

    def step(self, params, grads):
        """Apply one update to every parameter, in place.

        Parameters
        ----------
        params : dict of str -> ndarray
            Parameters; each array is modified in place.
        grads : dict of str -> ndarray
            Gradients, same keys and shapes as ``params``.
        """
        for name, param in params.items():
            self._update(name, param, grads[name])

    def _update(self, name, param, grad):
        raise NotImplementedError

    def _buffer(self, state, name, param):
        """Return the state array of ``name``, created as zeros like ``param``."""
        buf = state.get(name)
        if buf is None:
            buf = state[name] = np.zeros_like(param)
        return buf

    def state_dict(self):
        """Return a deep copy of the hyper-parameters and state.

        Returns
        -------
        state : dict
            Plain attributes (floats, ints and dicts of ndarrays).
        """
        return copy.deepcopy(vars(self))

    def load_state_dict(self, state):
        """Restore hyper-parameters and state from ``state_dict()``.

        Parameters
        ----------
        state : dict
            As returned by ``state_dict()``.
        """
        vars(self).update(copy.deepcopy(state))

    def __repr__(self):
        hyper = {k: v for k, v in vars(self).items() if not isinstance(v, dict)}
        args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
        return f"{type(self).__name__}({args})"


class SGD(_Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    PyTorch's formulation, for every parameter ``p`` with gradient ``g``::

        v = momentum * v + g                      # velocity, v_0 = 0
        step = g + momentum * v   if nesterov else   v
        p -= learning_rate * step

    With ``momentum=0`` this is plain ``p -= learning_rate * g`` and no state is kept.

    Parameters
    ----------
    learning_rate : float, default=0.01
    momentum : float, default=0.0
        Momentum factor in [0, 1).
    nesterov : bool, default=False
        Use Nesterov's accelerated gradient (evaluates the momentum "look-ahead").

    Attributes
    ----------
    velocity : dict of str -> ndarray
        Momentum buffer of each parameter, same shape and dtype.

    References
    ----------
    Sutskever, I., Martens, J., Dahl, G. & Hinton, G. (2013). On the importance of
    initialization and momentum in deep learning. ICML.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = {}

    def _update(self, name, param, grad):
        lr, momentum = float(self.learning_rate), float(self.momentum)
        if momentum == 0.0:
            param -= lr * grad
            return
        velocity = self._buffer(self.velocity, name, param)
        velocity *= momentum
        velocity += grad
        step = grad + momentum * velocity if self.nesterov else velocity
        param -= lr * step


class RMSprop(_Optimizer):
    """RMSprop: divide the gradient by a running root mean square of its history.

    PyTorch's formulation (epsilon outside the square root)::

        s = rho * s + (1 - rho) * g**2           # s_0 = 0
        p -= learning_rate * g / (sqrt(s) + epsilon)

    Parameters
    ----------
    learning_rate : float, default=0.001
    rho : float, default=0.99
        Decay of the moving average of squared gradients (PyTorch's ``alpha``).
    epsilon : float, default=1e-8

    Attributes
    ----------
    square_avg : dict of str -> ndarray
        Moving average ``s`` of each parameter's squared gradient.

    References
    ----------
    Tieleman, T. & Hinton, G. (2012). Lecture 6.5 - RMSprop: divide the gradient by a
    running average of its recent magnitude. COURSERA: Neural Networks for Machine
    Learning.
    """

    def __init__(self, learning_rate=0.001, rho=0.99, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.square_avg = {}

    def _update(self, name, param, grad):
        rho = float(self.rho)
        square_avg = self._buffer(self.square_avg, name, param)
        square_avg *= rho
        square_avg += (1.0 - rho) * np.square(grad)
        denom = np.sqrt(square_avg)
        denom += float(self.epsilon)
        param -= float(self.learning_rate) * grad / denom


class Adam(_Optimizer):
    """Adam: adaptive moment estimation with bias correction.

    For step ``t = 1, 2, ...`` (Kingma & Ba 2015, Algorithm 1)::

        m = beta_1 * m + (1 - beta_1) * g        # m_0 = 0
        v = beta_2 * v + (1 - beta_2) * g**2     # v_0 = 0
        m_hat = m / (1 - beta_1**t)
        v_hat = v / (1 - beta_2**t)
        p -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    The last line is evaluated as PyTorch does,
    ``p -= (lr / (1 - beta_1**t)) * m / (sqrt(v) / sqrt(1 - beta_2**t) + epsilon)``,
    which is the same expression with the corrections folded into scalars.
    ``t`` counts calls to ``step``: every parameter is expected at every step.

    Parameters
    ----------
    learning_rate : float, default=0.001
    beta_1 : float, default=0.9
        Decay of the first-moment estimate.
    beta_2 : float, default=0.999
        Decay of the second-moment estimate.
    epsilon : float, default=1e-8

    Attributes
    ----------
    t : int
        Number of steps taken.
    exp_avg : dict of str -> ndarray
        First-moment estimate ``m`` of each parameter.
    exp_avg_sq : dict of str -> ndarray
        Second-moment estimate ``v`` of each parameter.

    References
    ----------
    Kingma, D. P. & Ba, J. (2015). Adam: A method for stochastic optimization. ICLR.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.exp_avg = {}
        self.exp_avg_sq = {}

    def step(self, params, grads):
        """Count the step (for the bias corrections), then update as ``_Optimizer.step``."""
        self.t += 1
        super().step(params, grads)

    def _update(self, name, param, grad):
        beta_1, beta_2 = float(self.beta_1), float(self.beta_2)
        step_size = float(self.learning_rate) / (1.0 - beta_1 ** self.t)
        sqrt_correction_2 = math.sqrt(1.0 - beta_2 ** self.t)
        m = self._buffer(self.exp_avg, name, param)
        v = self._buffer(self.exp_avg_sq, name, param)
        m *= beta_1
        m += (1.0 - beta_1) * grad
        v *= beta_2
        v += (1.0 - beta_2) * np.square(grad)
        denom = np.sqrt(v)
        denom /= sqrt_correction_2
        denom += float(self.epsilon)
        param -= step_size * m / denom


OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def add_l2_penalty(params, grads, alpha, skip=()):
    """Add an L2 (weight decay) term to the gradients of the weights, in place.

    For every parameter whose name contains ``"weight"`` (e.g. ``weight_ih_l0``,
    ``head.weight``) and is not in ``skip``::

        grad += alpha * W
        penalty += 0.5 * alpha * ||W||^2

    Biases are not penalised: penalising them shifts the fit without curbing its
    complexity. The caller decides how ``alpha`` is scaled (e.g. divided by the number
    of samples) and adds the returned penalty to the loss it reports.

    Parameters
    ----------
    params : dict of str -> ndarray
    grads : dict of str -> ndarray
        Same keys as ``params``; the weights' gradients are modified in place.
    alpha : float
        L2 strength (>= 0).
    skip : iterable of str, default=()
        Parameter names left out of the penalty.

    Returns
    -------
    penalty : float
        ``0.5 * alpha * sum of the squared weights``, 0.0 when ``alpha == 0``.
    """
    alpha = float(alpha)
    if alpha == 0.0:
        return 0.0
    skip = set(skip)
    penalty = 0.0
    for name, param in params.items():
        if "weight" not in name or name in skip:
            continue
        grads[name] += alpha * param
        penalty += float(np.vdot(param, param))
    return 0.5 * alpha * penalty


def clip_grad_norm(grads, max_norm):
    """Rescale all gradients together so that their global L2 norm is at most ``max_norm``.

    ``total = sqrt(sum over grads of ||g||^2)``; when ``total > max_norm`` every gradient
    is multiplied in place by ``max_norm / (total + 1e-6)``, PyTorch's
    ``clip_grad_norm_`` formula. One common factor keeps the direction of the full
    gradient; this tames the exploding gradients of recurrent networks.

    Parameters
    ----------
    grads : dict of str -> ndarray
        Gradients, modified in place when clipped.
    max_norm : float or None
        Largest allowed global norm; None computes the norm without clipping.

    Returns
    -------
    total_norm : float
        Global norm **before** clipping. When it is not finite the gradients are left
        untouched and the caller decides what to do (typically raise).

    References
    ----------
    Pascanu, R., Mikolov, T. & Bengio, Y. (2013). On the difficulty of training
    recurrent neural networks. ICML.
    """
    total_norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if max_norm is None or not np.isfinite(total_norm) or total_norm <= max_norm:
        return total_norm
    scale = float(max_norm) / (total_norm + 1e-6)
    for grad in grads.values():
        grad *= scale
    return total_norm
