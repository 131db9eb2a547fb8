"""The fitted network's weights: their container, PyTorch-compatible state dicts, and the
rnnforecast version kept in pickles.

:class:`_WeightsMixin` gives the estimators ``state_dict`` / ``load_state_dict`` and the
pickling hooks; it relies on the estimator for its parameters, ``_new_optimizer``,
``_reset_training_record`` and ``_after_load_state_dict``.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._version import __version__
from ..nn.network import param_shapes, spec_from_params

DTYPES = {"float32": np.float32, "float64": np.float64}


class _Network:
    """The fitted network: a spec and its parameter dict (PyTorch names and layouts).

    Prediction runs in float64 whatever the training dtype, so that a sample's prediction
    does not depend on the other samples of its batch (float32 BLAS kernels round
    differently for different batch sizes). The float64 copy of the weights is made once
    and kept until the weights change: whoever changes ``params`` in place calls
    ``changed()``.
    """

    def __init__(self, spec, params):
        self.spec, self.params = spec, params
        self._params64 = None

    def changed(self):
        """Forget the float64 copy of the weights (they were updated in place)."""
        self._params64 = None

    def set_params(self, params):
        """Replace the values of the weights (e.g. restore a snapshot)."""
        self.params.update(params)
        self.changed()

    def params64(self):
        """The weights in float64, copied once per change."""
        if self._params64 is None:
            self._params64 = {k: v.astype(np.float64, copy=False) for k, v in self.params.items()}
        return self._params64


class _WeightsMixin:
    """``state_dict`` / ``load_state_dict`` and the version kept in pickles."""

    #: state_dict keys outside the network (an estimator's own, e.g. the forecaster's
    #: linear skip), read by ``_check_extra_state`` and set by ``_set_extra_state``.
    _EXTRA_STATE = ()

    # ----------------------------------------------------------------- persistence
    def __getstate__(self):
        """Pickled state, with the rnnforecast version that wrote it."""
        state = super().__getstate__()
        state["_rnnforecast_version"] = __version__
        return state

    def __setstate__(self, state):
        """Warn when the pickle comes from another rnnforecast version, as scikit-learn
        does for its own version (it warns separately)."""
        version = state.pop("_rnnforecast_version", "unknown (before 0.1.0)")
        if version != __version__:
            warnings.warn(
                f"Unpickling a {type(self).__name__} written by rnnforecast {version} with "
                f"rnnforecast {__version__}: its internal state may differ, which can "
                "break it or change its predictions. Refit it with this version, or use "
                f"rnnforecast {version}.", UserWarning, stacklevel=2)
        super().__setstate__(state)

    # ----------------------------------------------------------------- weights
    def state_dict(self):
        """The weights as a dict of arrays, named and laid out as PyTorch's.

        Keys ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
        (gate order i, f, g, o for LSTM and r, z, n for GRU, as ``nn.LSTM``/``nn.GRU``),
        the same with the suffix ``_reverse`` for a bidirectional network, and
        ``head.weight``, ``head.bias`` (as ``nn.Linear``). The arrays are copies.
        """
        check_is_fitted(self, "_network")
        return {k: v.copy() for k, v in self._network.params.items()}

    def load_state_dict(self, state_dict):
        """Set the weights from a dict shaped like ``state_dict()``; returns self.

        The arrays must be in PyTorch's layout (see ``state_dict``: gate order i, f, g, o
        for LSTM and r, z, n for GRU, ``weight_ih`` of shape (gates * hidden_size,
        n_features)). Arrays of the same shapes in another library's layout (Keras'
        GRU z, r, h; ONNX's LSTM i, o, f, c; Keras' transposed kernels when square)
        cannot be told apart from them and would load as other weights: reorder the
        gate blocks first.

        The architecture is read from the arrays' shapes (``cell`` and ``nonlinearity``
        come from the estimator's parameters); ``hidden_size`` and ``num_layers`` (and the
        classifier's ``bidirectional``, from the ``*_reverse`` keys) are set to match, so that ``clone``, ``warm_start`` and ``partial_fit`` continue with the
        loaded network. A fitted estimator with the same number of input features and
        outputs keeps its input and target scaling (weights moved between estimators
        fitted on the same data predict the same). Otherwise the estimator becomes
        usable for prediction without input or target scaling, on windows of any length.
        Calibration residuals (``conformal_residuals_`` and the like) were measured on
        the old weights: they are dropped unless the loaded weights are the same.
        """
        extra = {k: state_dict[k] for k in self._EXTRA_STATE if k in state_dict}
        params = _real_arrays({k: v for k, v in state_dict.items() if k not in extra},
                              DTYPES[self.dtype])
        spec = self._spec_from_shapes(params)
        directions = {"bidirectional": spec.bidirectional} if "bidirectional" in \
            self.get_params() else {}
        if spec.bidirectional and not directions:
            raise ValueError(
                f"The state_dict holds a bidirectional network (keys '*_reverse'), which "
                f"{type(self).__name__} does not run. Load it into an RNNClassifier, or "
                "drop the reverse direction's weights and train again.")
        _check_state_dict(params, spec)
        keep_scaling = hasattr(self, "_network") and (
            (self._network.spec.input_size, self._network.spec.output_size)
            == (spec.input_size, spec.output_size))
        self._check_loaded_outputs(spec)
        extra = self._check_extra_state(extra, spec, keep_scaling)  # before any change
        same_weights = keep_scaling and _same_state(self.state_dict(), params, state_dict)
        message = None if keep_scaling else self._unfitted_load_message(extra, spec)
        if message:
            warnings.warn(message, UserWarning, stacklevel=2)
        self.set_params(hidden_size=spec.hidden_size, num_layers=spec.num_layers,
                        **directions)
        self._network = _Network(spec, params)
        self._optimizer = self._new_optimizer()
        if not hasattr(self, "n_iter_"):
            self._reset_training_record()
        if not keep_scaling:
            self._input_ndim = 3  # windows of any length: no column count to check
            self._record_fitted_options()
        self._after_load_state_dict(spec, keep_scaling)
        self._set_extra_state(extra)
        if not same_weights:
            drop_calibration(self)
        return self

    def _check_loaded_outputs(self, spec):
        """Hook: refuse weights whose outputs contradict the fitted estimator."""

    def _unfitted_load_message(self, checked, spec):
        """Hook: what a load into an estimator not fitted on the weights' data loses, as
        the warning's text (None: nothing); ``checked`` is what ``_check_extra_state``
        returned."""
        return (f"{type(self).__name__}.load_state_dict set weights without their scaling: "
                "until the estimator is fitted again it reads raw windows (no window "
                "normalization, no standardisation) and returns the network's raw "
                "outputs. Load the weights into an estimator fitted on the same data to "
                "keep its scaling.")

    def _check_extra_state(self, extra, spec, keep_scaling):
        """Hook: check the ``_EXTRA_STATE`` entries given (a dict) against the network's
        ``spec``; return what ``_set_extra_state`` sets."""
        return extra

    def _set_extra_state(self, checked):
        """Hook: set what ``_check_extra_state`` returned, after the network."""

    def _spec_from_shapes(self, params):
        """The network spec of the arrays (``cell`` and the rest from the parameters)."""
        return spec_from_params(self.cell, params, nonlinearity=self.nonlinearity,
                                dropout=self.dropout, return_sequences=self.return_sequences,
                                bptt_truncate=self.bptt_truncate)


def _real_arrays(state_dict, dtype):
    """The state_dict's values as finite real arrays of ``dtype``, or a ValueError
    naming the first key whose value is not."""
    params = {}
    for key, value in state_dict.items():
        array = np.asarray(value) if value is not None else np.asarray(None)
        if array.dtype.kind not in "fiub":
            raise ValueError(
                f"The state_dict entry {key!r} must be an array of real numbers. Got "
                f"{type(value).__name__} of dtype {array.dtype} instead.")
        if not np.all(np.isfinite(array)):
            raise ValueError(
                f"The state_dict entry {key!r} must hold finite values. Got "
                f"{int(np.sum(~np.isfinite(array)))} NaN or infinite value(s).")
        params[key] = array.astype(dtype)
    return params


def _check_state_dict(params, spec):
    """Raise a ValueError naming the keys or shapes of ``params`` that ``spec`` rejects."""
    expected = param_shapes(spec)
    if set(params) != set(expected):
        raise ValueError(
            f"The state_dict keys do not match cell={spec.cell!r} with "
            f"num_layers={spec.num_layers}{', bidirectional' if spec.bidirectional else ''}.\n    missing: {sorted(set(expected) - set(params))}"
            f"\n    unexpected: {sorted(set(params) - set(expected))}")
    wrong = [f"{k}: {params[k].shape}, expected {shape}" for k, shape in expected.items()
             if params[k].shape != shape]
    if wrong:
        raise ValueError(f"The state_dict arrays do not fit cell={spec.cell!r} with "
                         f"hidden_size={spec.hidden_size}:" +
                         "".join(f"\n    {line}" for line in wrong))


#: Fitted attributes measured on the weights (held-out residuals for intervals).
CALIBRATION_ATTRIBUTES = ("conformal_residuals_", "conformal_scales_", "quantile_residuals_")


def drop_calibration(estimator):
    """Remove the calibration residuals of weights that were just replaced: intervals
    made from them would describe another network's errors."""
    for name in CALIBRATION_ATTRIBUTES:
        estimator.__dict__.pop(name, None)
    if hasattr(estimator, "calibration_"):
        estimator.calibration_ = "none"


def _same_state(current, params, state_dict):
    """Whether a state dict (its checked ``params`` and the raw extra entries) holds
    exactly the ``current`` weights."""
    loaded = {**{k: np.asarray(v) for k, v in state_dict.items()}, **params}
    return loaded.keys() == current.keys() and all(
        np.array_equal(np.asarray(loaded[k], dtype=np.float64), current[k])
        for k in current)
