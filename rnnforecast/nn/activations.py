"""Elementwise nonlinearities and their derivatives, written in terms of the stored output.

Every function works in place on its argument and returns it, so a cell can keep one
buffer per time step. Derivatives take the *output* ``A`` of the forward function (as in
scikit-learn's ``sklearn/neural_network/_base.py``): ``tanh'(z) = 1 - A**2``,
``relu'(z) = 1[A > 0]``. These are the ``nonlinearity`` options of the Elman and Jordan
cells; the LSTM and GRU gates compute their sigmoids inside the cell, as
``0.5 + 0.5 * tanh(z / 2)`` on a whole block of gates at once.
"""

import numpy as np


def tanh_(Z):
    """Hyperbolic tangent in place. Z : ndarray of any shape."""
    return np.tanh(Z, out=Z)


def relu_(Z):
    """Rectified linear unit in place. Z : ndarray of any shape."""
    return np.maximum(Z, 0, out=Z)


def tanh_derivative(A):
    """d tanh / dz from the output ``A = tanh(z)``: ``1 - A**2``."""
    return 1 - A * A


def relu_derivative(A):
    """d relu / dz from the output ``A = relu(z)``: ``1`` where ``A > 0`` else ``0``."""
    return (A > 0).astype(A.dtype)


ACTIVATIONS = {"tanh": tanh_, "relu": relu_}
DERIVATIVES = {"tanh": tanh_derivative, "relu": relu_derivative}
