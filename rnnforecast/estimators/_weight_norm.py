"""The estimators' ``weight_norm`` option: training on (g, v), keeping effective weights.

While a fit runs (``reparametrised``), the estimator's ``_network`` is a
:class:`WeightNormNetwork`, whose ``params`` are what the optimizer updates: ``g`` and
``v`` of every reparametrised weight (``nn/_weight_norm.py``) and the other weights as
they are. The training step (``_training.batch_step``) asks it for the effective
weights before the forward pass and maps the gradients back to (g, v) after the
backward pass and the L2 penalty, which is that of the effective weights (as without
weight normalisation): since ``||w_i|| = |g_i|`` it reaches g alone, and v, whose length
does not matter, is not shrunk (with Adam, a shrinking v would make its direction ever
more mobile: ``bench_weight_norm.py`` diverged on every seed that way). Snapshots, early stopping and divergence restore its ``params`` like any
others, and its ``params64`` (validation, prediction) are the effective weights.

When the fit ends, however it ends, ``_network`` is a plain network of effective
weights again: ``predict``, ``state_dict``, ``rnnforecast.persistence`` and the exporters
see ordinary weights under PyTorch's names, and a model trained with weight
normalisation runs as any other. The (g, v) of the last fit are kept in
``_weight_norm_state`` (saved with the model), so that ``warm_start`` and
``partial_fit`` continue from them (and from the optimizer's moments of g and v) when
the network still holds the weights they give; otherwise (``load_state_dict``, a first
fit with the option) they are made from the weights (``g = ||w_i||``, ``v = w``).
"""

from contextlib import contextmanager

import numpy as np

from ..nn import _weight_norm as wn
from ._weights import _Network


class WeightNormNetwork(_Network):
    """A network trained as (g, v): ``params`` hold them; ``effective_params`` the
    weights the network runs with."""

    def __init__(self, spec, params, names):
        super().__init__(spec, params)
        self.names = names
        self._cache = None

    def effective_params(self):
        """The effective weights of the current (g, v), in the training dtype, and keep
        what ``param_grads`` needs."""
        effective, self._cache = wn.combine(self.params, self.names)
        return effective

    def param_grads(self, grads):
        """Gradients w.r.t. the effective weights -> w.r.t. ``params`` (g, v and the
        others), for the (g, v) of the last ``effective_params`` call."""
        return wn.backward(grads, self.params, self._cache)

    def params64(self):
        """The effective weights in float64 (rounded in the training dtype first, as the
        plain network the fit leaves will hold them), copied once per change."""
        if self._params64 is None:
            self._params64 = {k: v.astype(np.float64, copy=False)
                              for k, v in wn.combine(self.params, self.names)[0].items()}
        return self._params64


def _start(estimator):
    """Wrap the estimator's network for training with weight normalisation."""
    option = getattr(estimator, "weight_norm", False)
    net = estimator._network
    names = wn.names_to_normalise(net.params, option)
    kept = vars(estimator).pop("_weight_norm_state", None)
    if not names:
        return
    if kept is not None and _still_gives(kept, net.params, names):
        params = {}
        for key, value in net.params.items():   # the network's order, w -> (g, v)
            pair = (key + wn.G, key + wn.V) if key in names else (key,)
            params.update({k: kept[k].copy() if key in names else value for k in pair})
    else:
        params = wn.split(net.params, names)
    estimator._network = WeightNormNetwork(net.spec, params, names)


def _still_gives(kept, params, names):
    """Whether the kept (g, v) give the network's current weights, bit for bit."""
    if set(kept) != {n + s for n in names for s in (wn.G, wn.V)}:
        return False
    effective, _ = wn.combine(kept, names)
    return all(effective[n].dtype == params[n].dtype and
               np.array_equal(effective[n], params[n]) for n in names)


def _finish(estimator):
    """Unwrap: a plain network of effective weights; keep (g, v) for the next fit."""
    net = estimator._network
    if not isinstance(net, WeightNormNetwork):
        return
    estimator._network = _Network(net.spec, wn.combine(net.params, net.names)[0])
    estimator._weight_norm_state = {k: v.copy() for k, v in net.params.items()
                                    if k[:-2] in net.names}


@contextmanager
def reparametrised(estimator):
    """Train the estimator's network as (g, v) inside the block (its ``weight_norm``
    option), and leave effective weights, whatever happens inside."""
    _start(estimator)
    try:
        yield
    finally:
        _finish(estimator)
