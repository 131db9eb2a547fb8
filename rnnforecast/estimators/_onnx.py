"""Export a fitted estimator, preprocessing included, as an ONNX graph.

The graph maps *raw* windows to what ``predict`` (forecaster) or ``predict_proba``
(classifier) returns, so a service needs nothing of rnnforecast to serve it::

    X (N, T, D) raw windows, float32
      -> per-sequence normalisation and block means     (classifier options)
      -> window offset and per-feature standardisation  (WindowScaler)
      -> ONNX RNN / GRU / LSTM layers                   (PyTorch's weights, re-ordered)
      -> pooling over time, dense head
      -> + linear skip on the last target values        (forecaster with linear_skip_)
      -> inverse target scaling + target offset         (forecaster)
      |  softmax                                        (classifier)

The layers use ONNX's operators (opset 18) on time-major sequences (T, N, D):
LSTM gates are re-ordered from PyTorch's i, f, g, o to ONNX's i, o, f, c, GRU gates from
r, z, n to z, r, h with ``linear_before_reset=1`` (PyTorch's ``b_hn`` inside the reset
product). The Jordan network, which feeds its output back, has no ONNX operator and is
refused. A bidirectional layer is one operator with ``direction="bidirectional"``. The
graph computes in float32, so it equals the estimator (which predicts in
float64) up to float32 rounding.

``onnx`` is an optional dependency (``pip install "rnnforecast[onnx]"``, which also
installs ``onnxruntime`` to run the graph).
"""

import json

import numpy as np

from ._export import recipe_of

__all__ = ["to_onnx"]

OPSET = 18
#: PyTorch gate block -> ONNX gate block position, per cell.
GATE_ORDER = {"lstm": [0, 3, 1, 2], "gru": [1, 0, 2], "rnn": [0]}
OPERATOR = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
POOL_OPERATOR = {"mean": "ReduceMean", "max": "ReduceMax"}
#: Constant-scale rule of ``preprocessing.nonzero_scale``, at float32 resolution.
CONSTANT_TOLERANCE = 10 * np.finfo(np.float32).eps


class _Graph:
    """A list of nodes and initialisers, with fresh names for intermediate values."""

    def __init__(self, onnx):
        self.onnx, self.helper = onnx, onnx.helper
        self.nodes, self.initializers, self._count = [], [], 0

    def name(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value, hint="c", dtype=np.float32):
        name = self.name(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(
            np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, n_outputs=1, **attributes):
        outputs = [self.name(op_type.lower()) for _ in range(n_outputs)]
        self.nodes.append(self.helper.make_node(op_type, inputs, outputs, **attributes))
        return outputs[0] if n_outputs == 1 else outputs

    def axes(self, *axes):
        return self.const(list(axes), "axes", np.int64)


# --------------------------------------------------------------------------- steps
def _normalize_sequences(g, x, normalization):
    """The classifier's per-sequence ``"mean"`` or ``"zscore"`` normalisation."""
    mean = g.op("ReduceMean", [x, g.axes(1)], keepdims=1)           # (N, 1, D)
    centred = g.op("Sub", [x, mean])
    if normalization == "mean":
        return centred
    std = g.op("Sqrt", [g.op("ReduceMean", [g.op("Mul", [centred, centred]), g.axes(1)],
                             keepdims=1)])
    constant = g.op("LessOrEqual", [std, g.op("Mul", [g.op("Abs", [mean]),
                                                      g.const(CONSTANT_TOLERANCE)])])
    std = g.op("Where", [constant, g.const(1.0), std])
    return g.op("Div", [centred, std])


def _block_means(g, x, average):
    """Block means of ``preprocessing.piecewise_mean``: one product with the (T, T')
    averaging matrix."""
    xt = g.op("Transpose", [x], perm=[0, 2, 1])                     # (N, D, T)
    return g.op("Transpose", [g.op("MatMul", [xt, g.const(average)])], perm=[0, 2, 1])


def _offsets(g, x, scaler, n_timesteps):
    """Input offsets (N, 1, D) and target offsets (N, 1, 1) or (N, T, 1), or None."""
    if scaler.offset is None:
        return None, None
    if scaler.sequences:                                            # causal: see WindowScaler
        first = g.op("Slice", [x, g.const([0], dtype=np.int64), g.const([1], dtype=np.int64),
                               g.axes(1)])
        t = scaler.target
        target = g.op("Slice", [x, g.const([t], dtype=np.int64),
                                g.const([t + 1], dtype=np.int64), g.axes(2)])
        if scaler.offset == "mean":
            steps = np.arange(1, n_timesteps + 1, dtype=np.float64).reshape(1, -1, 1)
            target = g.op("Div", [g.op("CumSum", [target, g.const(1, dtype=np.int64)]),
                                  g.const(steps)])
        return first, target
    if scaler.offset == "last":
        offsets = g.op("Slice", [x, g.const([-1], dtype=np.int64),
                                 g.const([np.iinfo(np.int64).max], dtype=np.int64), g.axes(1)])
    else:
        offsets = g.op("ReduceMean", [x, g.axes(1)], keepdims=1)
    t = scaler.target
    target = g.op("Slice", [offsets, g.const([t], dtype=np.int64),
                            g.const([t + 1], dtype=np.int64), g.axes(2)])
    return offsets, target


def _scale_inputs(g, x, scaler, offsets):
    if offsets is not None:
        x = g.op("Sub", [x, offsets])
    x = g.op("Sub", [x, g.const(scaler.x_mean_)])
    return g.op("Div", [x, g.const(scaler.x_scale_)])


def _layer_weights(params, l, cell, hidden, suffixes=("",)):
    """ONNX W, R, B of layer ``l`` from PyTorch's weights, gates re-ordered, one entry
    per direction (PyTorch's suffixes "" and "_reverse")."""
    order = GATE_ORDER[cell]

    def reorder(a):
        return np.concatenate([a[g * hidden:(g + 1) * hidden] for g in order])

    W = np.stack([reorder(params[f"weight_ih_l{l}{s}"]) for s in suffixes])
    R = np.stack([reorder(params[f"weight_hh_l{l}{s}"]) for s in suffixes])
    B = np.stack([np.concatenate([reorder(params[f"bias_ih_l{l}{s}"]),
                                  reorder(params[f"bias_hh_l{l}{s}"])]) for s in suffixes])
    return W, R, B


def _recurrent_layers(g, x, spec, params):
    """The stacked layers over (N, T, D); returns the top layer's sequence, time-major
    (T, N, dirs*H), and its last step (N, dirs*H) (one direction: its last state).

    A bidirectional layer is one ONNX operator with ``direction="bidirectional"``; its
    output (T, 2, N, H) becomes [forward; reverse] per step, PyTorch's layout."""
    bidirectional = getattr(spec, "bidirectional", False)
    suffixes = ("", "_reverse") if bidirectional else ("",)
    attributes = {"hidden_size": spec.hidden_size}
    if bidirectional:
        attributes["direction"] = "bidirectional"
    if spec.cell == "gru":
        attributes["linear_before_reset"] = 1
    if spec.cell == "rnn":
        attributes["activations"] = [spec.nonlinearity.capitalize()] * len(suffixes)
    x = g.op("Transpose", [x], perm=[1, 0, 2])                      # (T, N, D)
    for l in range(spec.num_layers):
        W, R, B = _layer_weights(params, l, spec.cell, spec.hidden_size, suffixes)
        n_outputs = 3 if spec.cell == "lstm" else 2
        y, y_h, *_ = g.op(OPERATOR[spec.cell], [x, g.const(W), g.const(R), g.const(B)],
                          n_outputs=n_outputs, **attributes)
        if bidirectional:                                            # (T, 2, N, H)
            y = g.op("Transpose", [y], perm=[0, 2, 1, 3])            # (T, N, 2, H)
            x = g.op("Reshape", [y, g.const([0, 0, -1], dtype=np.int64)])  # (T, N, 2H)
        else:
            x = g.op("Squeeze", [y, g.axes(1)])                      # (T, N, H)
    if bidirectional:      # the last step: the reverse half is not the reverse final state
        return x, g.op("Gather", [x, g.const(-1, dtype=np.int64)], axis=0)  # (N, 2H)
    return x, g.op("Squeeze", [y_h, g.axes(0)])                     # (N, H)


def _head(g, sequence, last, spec, params):
    """Dense head on the last state, the pooled states or every step: (N, O) or
    (N, T, O)."""
    if spec.return_sequences:
        features = g.op("Transpose", [sequence], perm=[1, 0, 2])    # (N, T, H)
    elif getattr(spec, "pooling", "last") == "last":
        features = last
    else:
        features = g.op(POOL_OPERATOR[spec.pooling], [sequence, g.axes(0)], keepdims=0)
    weight = g.const(params["head.weight"].T)
    return g.op("Add", [g.op("MatMul", [features, weight]), g.const(params["head.bias"])])


# --------------------------------------------------------------------------- public
def _skip(g, x, skip):
    """The forecaster's linear skip on scaled windows x (N, T, D): (N, O)."""
    recent = g.op("Slice", [x, g.const([-skip.n_lags_], "start", np.int64),
                            g.const([np.iinfo(np.int64).max], "end", np.int64), g.axes(1)])
    lags = g.op("Gather", [recent, g.const(skip.target_feature, "feature", np.int64)],
                axis=2)                                              # (N, L)
    return g.op("Add", [g.op("MatMul", [lags, g.const(skip.coef_.T)]),
                        g.const(skip.intercept_)])


def to_onnx(estimator, path=None):
    """The fitted estimator as an ONNX model mapping raw windows to its predictions.

    Parameters
    ----------
    estimator : fitted RNNForecaster or RNNClassifier
        With ``cell`` "rnn", "gru" or "lstm".
    path : str or path-like, default=None
        Also save the model there.

    Returns
    -------
    model : onnx.ModelProto
        Input ``X`` of shape (N, n_timesteps_in_, n_step_features_in_), float32.
        Output ``predictions``: what ``predict`` returns (forecaster), or
        ``probabilities``: what ``predict_proba`` returns (classifier; ``classes_[i]`` is
        the label of column ``i``). The metadata property ``rnnforecast.input_layout``
        (JSON) says what the input's features must hold: their names, the columns known
        in advance and their lead, the target feature or the class labels
        (:func:`~rnnforecast.estimators._export.input_layout`); the input's
        ``doc_string`` says it in words.
    """
    import onnx

    recipe = recipe_of(estimator, "to_onnx")
    spec, scaler = recipe.spec, recipe.scaler
    g = _Graph(onnx)
    x = "X"
    if recipe.normalization is not None:
        x = _normalize_sequences(g, x, recipe.normalization)
    if recipe.block_means is not None:
        x = _block_means(g, x, recipe.block_means)
    offsets, target_offsets = (None, None) if recipe.classifier else \
        _offsets(g, x, scaler, recipe.n_timesteps)
    x = _scale_inputs(g, x, scaler, offsets)
    params = {k: v.astype(np.float32) for k, v in recipe.params.items()}
    sequence, last = _recurrent_layers(g, x, spec, params)
    raw = _head(g, sequence, last, spec, params)
    if recipe.skip is not None:
        raw = g.op("Add", [raw, _skip(g, x, recipe.skip)])
    if recipe.classifier:
        output = g.op("Softmax", [raw], axis=-1)
    else:
        output = g.op("Add", [g.op("Mul", [raw, g.const(scaler.y_scale_)]),
                              g.const(scaler.y_mean_)])
        if target_offsets is not None:
            target = target_offsets if spec.return_sequences else \
                g.op("Squeeze", [target_offsets, g.axes(1)])
            output = g.op("Add", [output, target])
        if recipe.squeeze:
            output = g.op("Squeeze", [output, g.axes(-1)])
    name = "probabilities" if recipe.classifier else "predictions"
    g.nodes.append(onnx.helper.make_node("Identity", [output], [name]))
    model = _model(onnx, g, (name, _output_shape(recipe)),
                   (recipe.n_timesteps, recipe.n_features), recipe.layout)
    if path is not None:
        onnx.save(model, str(path))
    return model


def _output_shape(recipe):
    """Shape of ``predict`` (or ``predict_proba``) with ``N`` windows."""
    steps = ["T'"] if recipe.spec.return_sequences else []
    return ["N", *steps] + ([] if recipe.squeeze else [recipe.spec.output_size])


def _describe(layout):
    """The input's layout in words, for its ``doc_string``."""
    names = layout["features"] or [f"feature {i}" for i in range(layout["n_features"])]
    text = (f"Raw windows of {layout['n_timesteps']} time steps in time order, "
            f"features: {', '.join(names)}.")
    if layout["known_features"]:
        known = ", ".join(names[f] for f in layout["known_features"])
        text += (f" Known in advance, read {layout['known_lead']} steps ahead: {known} "
                 f"(step j holds the value at j + {layout['known_lead']}).")
    return text


def _model(onnx, g, output, window_shape, layout):
    helper = onnx.helper
    inputs = [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT,
                                            ["N", *window_shape], doc_string=_describe(layout))]
    outputs = [helper.make_tensor_value_info(output[0], onnx.TensorProto.FLOAT, output[1])]
    graph = helper.make_graph(g.nodes, "rnnforecast", inputs, outputs, g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="rnnforecast")
    model.ir_version = min(model.ir_version, 8)
    helper.set_model_props(model, {"rnnforecast.input_layout": json.dumps(layout)})
    onnx.checker.check_model(model)
    return model
