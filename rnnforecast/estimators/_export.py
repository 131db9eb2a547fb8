"""What an exported model must compute, read once from a fitted estimator.

The ONNX graph (``_onnx.py``) and the PyTorch module (``_torch.py``) both map raw windows
to the estimator's predictions through the same steps; :func:`recipe_of` checks that the
estimator can be exported and gathers everything those steps need, so neither exporter
reads the estimators' internals itself::

    X (N, T, D) raw windows
      -> per-sequence normalisation, block means         (classifier: normalization,
                                                          block_means)
      -> window offset, per-feature standardisation      (scaler)
      -> recurrent layers, pooling over time, dense head (spec, params)
      -> + linear skip on the last target values         (forecaster: skip)
      -> inverse target scaling + target offset          (forecaster: scaler)
      |  softmax                                         (classifier)
"""

from typing import NamedTuple, Optional

import numpy as np
from sklearn.utils.validation import check_is_fitted

#: Cells with a recurrent layer in ONNX and PyTorch; the Jordan network has none.
EXPORTABLE_CELLS = ("rnn", "gru", "lstm")
#: NetworkSpec fields the exporters reproduce (dropout and truncation act in training).
EXPORTED_FIELDS = {"cell", "input_size", "hidden_size", "output_size", "num_layers",
                   "bidirectional",
                   "nonlinearity", "dropout", "return_sequences", "bptt_truncate", "pooling"}


class Recipe(NamedTuple):
    """Everything an exported model computes; see the module docstring."""

    spec: object                     # NetworkSpec
    params: dict                     # PyTorch names and layouts, float64
    scaler: object                   # preprocessing.WindowScaler, fitted
    classifier: bool
    n_timesteps: int
    n_features: int
    normalization: Optional[str]     # "zscore", "mean" or None (classifier only)
    block_means: Optional[np.ndarray]  # (T, T') averaging matrix, or None
    squeeze: bool                    # drop the last axis, as predict does for 1-D y
    skip: Optional[object] = None    # forecaster: its fitted LinearSkip, or None
    layout: Optional[dict] = None    # what the input's features hold: input_layout()


def input_layout(estimator):
    """What each feature of the exported model's input must hold, as plain JSON types.

    An exported model computes from raw windows alone; whoever builds them for it needs
    what ``fit`` read from the windows it was given: the column names (windows made from
    a DataFrame), which features hold values known in advance and how far ahead they are
    read (``make_windows(..., known=...)``: feature ``f`` of step ``j`` holds the value at
    ``j + lead``), the target feature, the class labels.

    Returns
    -------
    layout : dict
        ``n_timesteps``, ``n_features``, ``features`` (names or None),
        ``known_features`` (positions), ``known_lead`` (steps, 0 without known
        features); ``target_feature`` for a forecaster, ``classes`` for a classifier.
    """
    columns = getattr(estimator, "window_columns_", None)
    layout = {"n_timesteps": int(estimator.n_timesteps_in_),
              "n_features": int(estimator.n_step_features_in_),
              "features": None if columns is None else [str(c) for c in columns],
              "known_features": [int(f) for f in getattr(estimator, "known_features_", ())],
              "known_lead": int(getattr(estimator, "known_lead_", 0))}
    if hasattr(estimator, "classes_"):
        layout["classes"] = [_plain(c) for c in estimator.classes_]
    else:
        layout["target_feature"] = int(estimator.target_feature)
    return layout


def _plain(label):
    """A class label as a JSON value: numbers and strings as they are, others as text."""
    value = label.item() if isinstance(label, np.generic) else label
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def averaging_matrix(n_timesteps, max_timesteps):
    """The (T, T') matrix whose product gives ``preprocessing.piecewise_mean``."""
    k = -(-n_timesteps // max_timesteps)
    blocks = np.arange(n_timesteps) // k                            # block of each step
    counts = np.bincount(blocks)
    average = np.zeros((n_timesteps, len(counts)))
    average[np.arange(n_timesteps), blocks] = 1.0 / counts[blocks]
    return average


def _check_spec(spec, owner):
    if spec.cell not in EXPORTABLE_CELLS:
        raise ValueError(
            f"The 'estimator' parameter of {owner} must use cell 'rnn', 'gru' or 'lstm': "
            f"the {spec.cell!r} network feeds its output back into every layer, which has "
            f"no ONNX or PyTorch layer. Got cell={spec.cell!r}.")
    unknown = [f"{field}={getattr(spec, field)!r}" for field in spec._fields
               if field not in EXPORTED_FIELDS and
               getattr(spec, field) != spec._field_defaults.get(field)]
    if unknown:
        raise ValueError(
            f"The 'estimator' parameter of {owner} has network options the export does "
            f"not reproduce: {', '.join(unknown)}. Refit without them to export.")


def recipe_of(estimator, owner):
    """The checked :class:`Recipe` of a fitted RNNForecaster or RNNClassifier."""
    check_is_fitted(estimator, "_network")
    estimator._check_fitted_options()
    spec = estimator._network.spec
    if hasattr(spec, "encoder"):   # nn._seq2seq.Seq2SeqSpec: two networks
        raise ValueError(
            f"The 'estimator' parameter of {owner} must be an RNNForecaster or "
            f"RNNClassifier. Got a {type(estimator).__name__}, an encoder network and a "
            "decoder network run one step at a time, which the export does not "
            "reproduce. Export its weights with state_dict() instead.")
    _check_spec(spec, owner)
    if getattr(estimator, "quantiles_", None) is not None:
        raise ValueError(
            f"The 'estimator' parameter of {owner} was fitted with loss='quantile': its "
            f"head has one output per target and level, scaled back and sorted per level, "
            f"which the export does not reproduce. Export a forecaster fitted with another "
            f"loss, or serve predict_quantiles from rnnforecast.")
    if "embedding.weight" in estimator._network.params:
        raise ValueError(
            f"The 'estimator' parameter of {owner} reads token ids through an embedding "
            "(embedding_dim), which the export does not reproduce. Export a classifier "
            "fitted on values (embedding_dim=None), or serve this one from rnnforecast.")
    if getattr(estimator, "_variable_lengths", False):
        raise ValueError(
            f"The 'estimator' parameter of {owner} was fitted on sequences of different "
            "lengths, which the exported model, over windows of one length without "
            "padding, does not reproduce. Fit it on sequences of one length to export.")
    if estimator.n_timesteps_in_ is None:
        raise ValueError(
            f"The 'estimator' parameter of {owner} must know its window length; this one "
            "got its weights from load_state_dict without a fit. Fit it first.")
    classifier = hasattr(estimator, "classes_")
    T = estimator.n_timesteps_in_
    per_sequence = classifier and not spec.return_sequences and \
        not getattr(estimator, "_raw_input", False)
    normalization = estimator.window_normalization if per_sequence else None
    limit = estimator.max_timesteps if per_sequence else None
    block_means = averaging_matrix(T, limit) if limit is not None and T > limit else None
    squeeze = not classifier and estimator._y_ndim < (3 if spec.return_sequences else 2)
    return Recipe(spec, dict(estimator._network.params), estimator._scaler, classifier, T,
                  estimator.n_step_features_in_, normalization, block_means, squeeze,
                  getattr(estimator, "_skip", None), input_layout(estimator))
