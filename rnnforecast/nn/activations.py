"""Elementwise nonlinearities and their derivatives, written in terms of the stored output.

Every function works in place on its argument and returns it, so a cell can keep one
buffer per time step. Derivatives take the *output* ``A`` of the forward function (as in
scikit-learn's ``sklearn/neural_network/_base.py``): ``tanh'(z) = 1 - A**2``,
``relu'(z) = 1[A > 0]``, ``sigmoid'(z) = A * (1 - A)``.
"""

import numpy as np


def tanh_(Z):
    """Hyperbolic tangent in place. Z : ndarray of any shape."""
    return np.tanh(Z, out=Z)


def relu_(Z):
    """Rectified linear unit in place. Z : ndarray of any shape."""
    return np.maximum(Z, 0, out=Z)


def sigmoid_(Z):
    """Logistic sigmoid in place, as ``0.5 * (1 + tanh(Z / 2))``.

    One ``tanh`` call is cheaper than ``exp`` plus a division and never overflows.
    """
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z *= 0.5
    Z += 0.5
    return Z


def tanh_derivative(A):
    """d tanh / dz from the output ``A = tanh(z)``: ``1 - A**2``."""
    return 1 - A * A


def relu_derivative(A):
    """d relu / dz from the output ``A = relu(z)``: ``1`` where ``A > 0`` else ``0``."""
    return (A > 0).astype(A.dtype)


def sigmoid_derivative(A):
    """d sigmoid / dz from the output ``A = sigmoid(z)``: ``A * (1 - A)``."""
    return A * (1 - A)


ACTIVATIONS = {"tanh": tanh_, "relu": relu_, "sigmoid": sigmoid_}
DERIVATIVES = {"tanh": tanh_derivative, "relu": relu_derivative, "sigmoid": sigmoid_derivative}
