"""Weight normalisation of chosen weight matrices (Salimans & Kingma, 2016).

A weight matrix ``w`` of shape (R, C) is trained as a length ``g`` and a direction ``v``
per output row, as PyTorch's ``torch.nn.utils.weight_norm(module, name, dim=0)``::

    w_i = g_i * v_i / ||v_i||            g : (R, 1), v : (R, C), ||v_i|| = sqrt(sum_j v_ij**2)

and under PyTorch's names: ``weight_hh_l0`` becomes ``weight_hh_l0_g`` and
``weight_hh_l0_v``. The length of every row is then a parameter of its own, decoupled
from its direction, which is what the gradient step sees.

Backward. With ``dw`` the gradient w.r.t. the effective weights, ``n_i = ||v_i||`` and
``u_i = v_i / n_i``:

    dg_i = sum_j dw_ij u_ij = (dw_i . v_i) / n_i
    dv_i = (g_i / n_i) * (dw_i - dg_i * u_i) = (g_i / n_i) * (dw_i - (dg_i / n_i) * v_i)

(the derivative of ``v / ||v||`` is ``(I - u u^T) / n``: the gradient w.r.t. ``v`` is the
part of ``g dw`` orthogonal to ``v``, divided by its norm). ``tests/test_weight_norm.py``
checks both against finite differences through every cell.

``split`` makes (g, v) from effective weights (``g = ||w_i||``, ``v = w``, as PyTorch
initialises them), ``combine`` makes the effective weights and the cache that
``backward`` reads. Everything else (forward, prediction, state dicts, exports) sees the
effective weights under their usual names.

References
----------
Salimans, T. & Kingma, D. P. (2016). Weight normalization: a simple reparameterization
to accelerate training of deep neural networks. NeurIPS.
"""

import re
from typing import NamedTuple

import numpy as np

__all__ = ["TARGETS", "backward", "combine", "names_to_normalise", "split"]

G, V = "_g", "_v"
#: ``weight_norm`` option -> the layer weights it reparametrises (``prefix.`` allowed, as
#: the encoder-decoder's ``encoder.weight_hh_l0``).
TARGETS = {
    True: re.compile(r"(^|\.)weight_(ih|hh)_l\d+(_reverse)?$"),
    "recurrent": re.compile(r"(^|\.)weight_hh_l\d+(_reverse)?$"),
}


class WeightNormCache(NamedTuple):
    names: tuple         # the reparametrised weights
    norms: dict          # name -> (R, 1) row norms ||v_i||


def names_to_normalise(params, option):
    """The names of ``params`` that the ``weight_norm`` option reparametrises, in the
    dict's order (none for False)."""
    if option is False:
        return ()
    pattern = TARGETS[option]
    return tuple(k for k in params if pattern.search(k))


def split(params, names):
    """Effective weights -> (g, v): a new dict with ``name_g`` (R, 1) and ``name_v`` (R, C)
    in place of each ``name``, ``g = ||w_i||`` and ``v = w`` (a copy), so that
    ``combine`` gives ``w`` back (to rounding). Other entries are the same arrays."""
    out = {}
    for key, value in params.items():
        if key not in names:
            out[key] = value
            continue
        norms = np.sqrt(np.sum(value * value, axis=1, keepdims=True))   # (R, 1)
        if not np.all(norms > 0):
            raise ValueError(
                f"Weight normalisation needs rows of non-zero length, and {key!r} has "
                f"{int(np.sum(norms == 0))} row(s) of zeros: their direction is undefined. "
                "Use weight_norm=False, or give those rows non-zero weights.")
        out[key + G], out[key + V] = norms.astype(value.dtype), value.copy()
    return out


def combine(params, names):
    """(g, v) -> effective weights: a new dict with ``name`` = ``g * v / ||v||`` in place of
    ``name_g`` and ``name_v`` (other entries are the same arrays), and the cache for
    ``backward``. The order of the entries follows ``params`` (each weight where its
    ``_g`` was)."""
    out, norms = {}, {}
    for key, value in params.items():
        name = key[:-len(G)] if key.endswith(G) and key[:-len(G)] in names else None
        if name is None:
            if not (key.endswith(V) and key[:-len(V)] in names):
                out[key] = value
            continue
        v = params[name + V]
        n = np.sqrt(np.sum(v * v, axis=1, keepdims=True))                # (R, 1)
        norms[name] = n
        out[name] = v * (value / n)                                       # (R, C)
    return out, WeightNormCache(tuple(names), norms)


def backward(grads, params, cache):
    """Gradients w.r.t. the effective weights -> w.r.t. (g, v).

    grads : dict with the effective weights' names (as ``combine``'s output)
    params : the (g, v) parameters given to ``combine``

    Returns a new dict with the keys of ``params``: ``dg`` (R, 1) and ``dv`` (R, C) in
    place of each ``dw``, the other gradients unchanged.
    """
    out = {}
    for key in params:
        if key.endswith(G) and key[:-len(G)] in cache.names:
            name = key[:-len(G)]
            dw, g, v, n = grads[name], params[key], params[name + V], cache.norms[name]
            dg = np.sum(dw * v, axis=1, keepdims=True) / n               # (R, 1)
            out[key] = dg
            out[name + V] = (g / n) * (dw - (dg / n) * v)                 # (R, C)
        elif not (key.endswith(V) and key[:-len(V)] in cache.names):
            out[key] = grads[key]
    return out
