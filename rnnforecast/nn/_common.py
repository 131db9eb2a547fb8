"""Pieces shared by the cells: the batched input projection and the weight gradients.

Internal layout. Inside the engine a sequence is *feature-major*: ``x`` has shape
``(D, T, N)`` (features, time steps, samples). Then

* the input projections of all time steps are one GEMM, ``W_ih @ x.reshape(D, T*N)``,
  whose result ``(G, T, N)`` gives each step a ``(G, N)`` slice whose gate blocks are
  contiguous rows;
* per-step buffers are ``(T, G, N)`` so each step reads and writes contiguous memory;
* after the time loop, the weight gradients are again single GEMMs over all steps.
"""

from typing import NamedTuple

import numpy as np


class LayerGrads(NamedTuple):
    """Gradients of one recurrent layer, in the order of its parameters."""

    dW_ih: np.ndarray
    dW_hh: np.ndarray
    db_ih: np.ndarray
    db_hh: np.ndarray


def project_inputs(x, W_ih, bias):
    """Input projections of all time steps in one GEMM.

    x : ndarray of shape (D, T, N)
    W_ih : ndarray of shape (G, D)
    bias : ndarray of shape (G,) or None

    Returns xp : ndarray of shape (G, T, N).
    """
    D, T, N = x.shape
    xp = (W_ih @ x.reshape(D, T * N)).reshape(-1, T, N)  # (G, T, N)
    if bias is not None:
        xp += bias[:, None, None]
    return xp


def to_feature_major(steps):
    """(T, G, N) per-step buffer -> contiguous (G, T, N)."""
    return np.ascontiguousarray(steps.transpose(1, 0, 2))


def input_backward(dG, x, W_ih):
    """Gradients through the input projection, one GEMM each.

    dG : ndarray of shape (G, T, N), gradient of the gate pre-activations
    x : ndarray of shape (D, T, N)

    Returns dx (D, T, N), dW_ih (G, D), db (G,).
    """
    G, T, N = dG.shape
    dG2 = dG.reshape(G, T * N)
    dW_ih = dG2 @ x.reshape(-1, T * N).T
    dx = (W_ih.T @ dG2).reshape(-1, T, N)
    return dx, dW_ih, dG2.sum(axis=1)


def recurrent_weight_grad(dG, hs, h0):
    """sum over t of ``dG[:, t] @ h_{t-1}.T`` as one GEMM plus the first step.

    dG : ndarray of shape (G, T, N)
    hs : ndarray of shape (H, T, N), the states h_0 .. h_{T-1} produced by the layer
    h0 : ndarray of shape (H, N), the state before the first step
    """
    G, T, N = dG.shape
    H = hs.shape[0]
    dW = dG[:, 0] @ h0.T
    if T > 1:
        dW += dG[:, 1:].reshape(G, (T - 1) * N) @ hs[:, :-1].reshape(H, (T - 1) * N).T
    return dW


def is_boundary(t, T, truncate):
    """True when the gradient carried from step ``t`` into step ``t - 1`` is cut.

    Truncated backpropagation through time treats the state entering steps
    ``T - k, T - 2k, ...`` (but not step 0) as a constant: the last ``k`` steps form one
    segment, the ``k`` before it the next, and so on.
    """
    return truncate is not None and t > 0 and (T - t) % truncate == 0
