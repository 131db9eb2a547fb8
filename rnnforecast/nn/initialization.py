"""Weight initialisation for ``network`` parameters.

* input weights ``weight_ih_l*``: Glorot-uniform, per gate block, limit
  ``sqrt(6 / (fan_in + H))`` (Glorot & Bengio, 2010);
* recurrent weights ``weight_hh_l*``: orthogonal, per gate block (Saxe, McClelland &
  Ganguli, 2014), so repeated multiplication by the recurrent matrix neither explodes nor
  vanishes at the start of training; Jordan's ``(H, O)`` feedback matrix is
  semi-orthogonal;
* biases: zero, except the LSTM forget gate, whose total bias ``b_if + b_hf`` starts at 1
  (placed in ``bias_ih``) so that the cell remembers by default (Gers, Schmidhuber &
  Cummins, 2000; Jozefowicz, Zaremba & Sutskever, 2015);
* output head: Glorot-uniform weight, zero bias.

Everything is drawn in float64 from the caller's generator and then cast, so a given
seed yields the same weights in float32 and float64 (up to rounding).
"""

from itertools import product

import numpy as np

from .network import CELLS, layer_keys, num_directions, param_shapes


def glorot_uniform(rng, fan_out, fan_in):
    """Array of shape (fan_out, fan_in) ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in))


def orthogonal(rng, rows, cols):
    """Array of shape (rows, cols) with orthonormal rows or columns (QR of a Gaussian)."""
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))                     # make the decomposition unique
    return q if rows >= cols else q.T


def init_params(spec, rng, dtype=np.float32):
    """Fresh parameters for ``spec``, a dict named and laid out as PyTorch's.

    spec : network.NetworkSpec
    rng : numpy.random.Generator
    dtype : float32 or float64

    Returns dict of ndarray with the names and shapes of ``network.param_shapes(spec)``:
    ``weight_ih_l{k}`` (G*H, D_k), ``weight_hh_l{k}`` (G*H, H) (Jordan: (H, O)),
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,), ``head.weight`` (O, H), ``head.bias``
    (O,), where G is the number of gates (1, 4 or 3), and the ``_reverse`` weights of a
    bidirectional network (drawn the same way, after each layer's forward ones). Each
    gate block is drawn separately.
    """
    G, H = CELLS[spec.cell].n_gates, spec.hidden_size
    shapes = param_shapes(spec)
    params = {}
    for l, d in product(range(spec.num_layers), range(num_directions(spec))):
        k_ih, k_hh, k_bih, k_bhh = layer_keys(l, d)
        fan_in, rec_cols = shapes[k_ih][1], shapes[k_hh][1]
        w_ih = np.vstack([glorot_uniform(rng, H, fan_in) for _ in range(G)])
        w_hh = np.vstack([orthogonal(rng, H, rec_cols) for _ in range(G)])
        b_ih, b_hh = np.zeros(shapes[k_bih]), np.zeros(shapes[k_bhh])
        if spec.cell == "lstm":
            b_ih[H:2 * H] = 1.0                  # forget gate
        params.update({k_ih: w_ih, k_hh: w_hh, k_bih: b_ih, k_bhh: b_hh})
    params["head.weight"] = glorot_uniform(rng, *shapes["head.weight"])
    params["head.bias"] = np.zeros(shapes["head.bias"])
    assert {k: v.shape for k, v in params.items()} == shapes, "shapes of param_shapes"
    return {k: v.astype(dtype) for k, v in params.items()}
