"""Export a fitted estimator, preprocessing included, as a PyTorch module.

``to_torch(estimator)`` returns a ``torch.nn.Module`` whose ``forward(X)`` maps raw windows
``(N, T, D)`` to what ``predict`` (forecaster) or ``predict_proba`` (classifier) returns,
through the steps of :mod:`._export`. The recurrent layers are PyTorch's own ``nn.RNN``,
``nn.GRU`` or ``nn.LSTM`` (``batch_first=True``, ``bidirectional`` as the network)
loaded with the estimator's ``state_dict`` unchanged, since the names and layouts are
PyTorch's; the head is an ``nn.Linear``. A bidirectional classifier is refused by
``_export.recipe_of`` until it lists ``bidirectional`` among the fields it reproduces. In float64 the module equals the estimator to rounding; in float32 to
float32 rounding.

:func:`from_torch` goes the other way: a network trained in PyTorch, with the scaling it
was trained with, becomes a fitted estimator (``predict``, ``forecast``, intervals aside).

``torch`` is an optional dependency, imported only where it is needed.
"""

import numpy as np
from sklearn.base import clone, is_classifier

from ._export import recipe_of

__all__ = ["from_torch", "to_torch"]

LAYERS = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}


def _recurrent_layer(torch, spec):
    """The PyTorch layer of ``spec``, in float64 so that loading the estimator's float64
    weights rounds nothing (``to(dtype)`` casts afterwards)."""
    kwargs = dict(input_size=spec.input_size, hidden_size=spec.hidden_size,
                  num_layers=spec.num_layers, batch_first=True,
                  bidirectional=spec.bidirectional, dtype=torch.float64)
    if spec.cell == "rnn":
        kwargs["nonlinearity"] = spec.nonlinearity
    return getattr(torch.nn, LAYERS[spec.cell])(**kwargs)


def _module_class(torch):
    """The exported module's class, made once torch is imported."""

    class ExportedRNN(torch.nn.Module):
        """Raw windows (N, T, D) -> the estimator's predictions (see rnnforecast)."""

        def __init__(self, recipe, dtype):
            super().__init__()
            spec, scaler = recipe.spec, recipe.scaler
            self.classifier, self.squeeze = recipe.classifier, recipe.squeeze
            self.normalization, self.pooling = recipe.normalization, spec.pooling
            self.return_sequences = spec.return_sequences
            self.offset, self.target = scaler.offset, scaler.target
            self.sequences = scaler.sequences
            self.input_layout = recipe.layout  # what X's features hold (plain dict)
            self.rnn = _recurrent_layer(torch, spec)
            width = spec.hidden_size * (2 if spec.bidirectional else 1)
            self.head = torch.nn.Linear(width, spec.output_size, dtype=torch.float64)
            weights = {k: torch.as_tensor(v) for k, v in recipe.params.items()}
            self.rnn.load_state_dict({k: v for k, v in weights.items() if "head" not in k})
            self.head.load_state_dict({"weight": weights["head.weight"],
                                       "bias": weights["head.bias"]})
            self.skip, skip = None, recipe.skip
            if skip is not None:  # the forecaster's linear skip (nn.Linear on the lags)
                self.skip = torch.nn.Linear(skip.n_lags_, spec.output_size,
                                            dtype=torch.float64)
                self.skip.load_state_dict({"weight": torch.as_tensor(skip.coef_),
                                           "bias": torch.as_tensor(skip.intercept_)})
                self.skip_target = skip.target_feature
            constants = {"x_mean": scaler.x_mean_, "x_scale": scaler.x_scale_,
                         "y_mean": getattr(scaler, "y_mean_", np.zeros(1)),
                         "y_scale": getattr(scaler, "y_scale_", np.ones(1)),
                         "block_means": recipe.block_means}
            for name, value in constants.items():
                self.register_buffer(name, None if value is None else torch.as_tensor(value))
            self.to(dtype)

        def forward(self, X):
            X = self.prepare(X.to(self.x_mean.dtype))
            offsets, target = self.offsets(X)
            if offsets is not None:
                X = X - offsets
            X = (X - self.x_mean) / self.x_scale
            hs, _ = self.rnn(X)                                          # (N, T, H)
            raw = self.head(self.pool(hs))
            if self.skip is not None:
                lags = X[:, -self.skip.in_features:, self.skip_target]   # (N, L)
                raw = raw + self.skip(lags)
            if self.classifier:
                return torch.softmax(raw, dim=-1)
            out = raw * self.y_scale + self.y_mean
            if target is not None:
                out = out + (target if self.return_sequences else target[:, 0])
            return out[..., 0] if self.squeeze else out

        def prepare(self, X):
            """The classifier's per-sequence normalisation and block means."""
            if self.normalization is not None:
                mean = X.mean(dim=1, keepdim=True)
                X = X - mean
                if self.normalization == "zscore":
                    std = X.pow(2).mean(dim=1, keepdim=True).sqrt()
                    tolerance = 10 * torch.finfo(X.dtype).eps * mean.abs()
                    X = X / torch.where(std <= tolerance, torch.ones_like(std), std)
            if self.block_means is not None:
                X = torch.einsum("ntd,tj->njd", X, self.block_means)
            return X

        def offsets(self, X):
            """Input offsets (N, 1, D) and target offsets, as the WindowScaler takes them."""
            if self.classifier or self.offset is None:
                return None, None
            t = self.target
            if self.sequences:
                target = X[:, :, t:t + 1]
                if self.offset == "mean":
                    steps = torch.arange(1, X.shape[1] + 1, dtype=X.dtype).reshape(1, -1, 1)
                    target = target.cumsum(dim=1) / steps
                return X[:, :1], target
            offsets = X[:, -1:] if self.offset == "last" else X.mean(dim=1, keepdim=True)
            return offsets, offsets[:, :, t:t + 1]

        def pool(self, hs):
            if self.return_sequences:
                return hs
            if self.pooling == "mean":
                return hs.mean(dim=1)
            if self.pooling == "max":
                return hs.max(dim=1).values
            return hs[:, -1]

    return ExportedRNN


def to_torch(estimator, dtype=None):
    """The fitted estimator as a ``torch.nn.Module`` from raw windows to predictions.

    Parameters
    ----------
    estimator : fitted RNNForecaster or RNNClassifier
        With ``cell`` "rnn", "gru" or "lstm".
    dtype : torch.dtype, default=None
        ``torch.float64`` (the default) reproduces the estimator to rounding;
        ``torch.float32`` is faster.

    Returns
    -------
    module : torch.nn.Module in evaluation mode
        ``module(X)`` with ``X`` a tensor of shape (N, n_timesteps_in_,
        n_step_features_in_) returns what ``predict`` (or ``predict_proba``) returns.
        ``module.input_layout`` says what ``X``'s features must hold: their names,
        the columns known in advance and their lead, the target feature or the class
        labels (:func:`~rnnforecast.estimators._export.input_layout`).
    """
    import torch

    recipe = recipe_of(estimator, "to_torch")
    module = _module_class(torch)(recipe, torch.float64 if dtype is None else dtype)
    return module.eval()


#: PyTorch layer class name -> rnnforecast cell.
CELLS_OF_LAYERS = {name: cell for cell, name in LAYERS.items()}


def _statistic(value, size, name, default, positive=False):
    """A scaling statistic as a float64 array of shape (size,), checked (``positive``:
    every value > 0, as a standard deviation)."""
    array = np.full(size, default, dtype=np.float64) if value is None else \
        np.asarray(value, dtype=np.float64).reshape(-1)
    if array.shape != (size,) or not np.all(np.isfinite(array)) or \
            (positive and not np.all(array > 0)):
        raise ValueError(f"The '{name}' parameter of from_torch must hold {size} finite "
                         f"{'positive ' if positive else ''}value(s), one per feature or "
                         f"output. Got {value!r} instead.")
    return array


def _window_length(n_timesteps):
    """``n_timesteps`` as an int >= 1, or a ValueError (2.5 is not rounded)."""
    if isinstance(n_timesteps, (bool, np.bool_)) or \
            not isinstance(n_timesteps, (int, np.integer)) or n_timesteps < 1:
        raise ValueError(
            "The 'n_timesteps' parameter of from_torch must be an int in the range "
            f"[1, inf), the window length the network was trained on. Got "
            f"{n_timesteps!r} instead.")
    return int(n_timesteps)


def _forget_fit(estimator):
    """Leave ``estimator`` with its parameters only, as ``clone`` would make it (its
    output configuration kept): from_torch sets every fitted attribute anew."""
    fresh = clone(estimator).__dict__
    estimator.__dict__.clear()
    estimator.__dict__.update(fresh)


def from_torch(rnn, head, estimator, *, n_timesteps, x_mean=None, x_scale=None,
               y_mean=None, y_scale=None, classes=None, skip=None):
    """A trained PyTorch ``nn.RNN``/``nn.GRU``/``nn.LSTM`` and ``nn.Linear`` head as a
    fitted rnnforecast estimator, with the scaling they were trained with.

    The estimator's own parameters say how windows are prepared (``window_normalization``,
    ``target_feature``; for the classifier also ``pooling``, ``max_timesteps``); the
    statistics say how inputs and targets were standardised: the network reads
    ``(X - offset - x_mean) / x_scale`` and its outputs are ``y_scale * raw + y_mean``
    (+ the offset of the target), as :class:`~rnnforecast.preprocessing.WindowScaler`
    does after a fit.

    Parameters
    ----------
    rnn : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        One direction, or two for an RNNClassifier (``bidirectional=True``, which the
        classifier's ``bidirectional`` then follows); ``batch_first`` does not matter
        (the weights are the same).
    head : torch.nn.Linear
        Reading the last hidden state (or the pooled states, ``pooling``).
    estimator : RNNForecaster or RNNClassifier
        Its ``cell`` must match ``rnn``; it is set up and returned. Only its parameters
        are read: anything an earlier fit left (scaling, classes, calibration residuals)
        is dropped first.
    n_timesteps : int
        Window length the network was trained on, at least 1.
    x_mean, x_scale : array-like of shape (n_features,), default=None (0 and 1)
    y_mean, y_scale : array-like of shape (n_outputs,), default=None (0 and 1)
        Forecaster only. Scales must be positive.
    classes : array-like of shape (n_outputs,), default=None
        Classifier only: the label of each output (default 0 .. n_outputs - 1).
    skip : torch.nn.Linear, default=None
        Forecaster only: a linear map from the window's last ``skip.in_features``
        standardised values of the target feature, added to the head's output (what
        ``to_torch`` exports as ``module.skip`` for ``linear_skip_``). Without it the
        estimator has no linear skip.

    Returns
    -------
    estimator : the estimator, ready to ``predict`` and ``forecast``
    """
    import warnings

    from ..preprocessing import WindowScaler

    cell = CELLS_OF_LAYERS.get(type(rnn).__name__)
    classifier = is_classifier(estimator)
    if not classifier and estimator.loss == "quantile":
        raise ValueError(
            "The 'estimator' parameter of from_torch must not use loss='quantile': a "
            "PyTorch head has no quantile levels to read, and y_mean / y_scale are per "
            "target. Pass an RNNForecaster with another loss, or train it here with "
            "loss='quantile'.")
    bidirectional = bool(getattr(rnn, "bidirectional", False))
    if cell != estimator.cell or (bidirectional and not classifier):
        kind = "" if classifier else "one-direction "
        raise ValueError(
            f"The 'rnn' parameter of from_torch must be a {kind}torch.nn."
            f"{LAYERS.get(estimator.cell, 'LSTM')} for cell={estimator.cell!r} of "
            f"{type(estimator).__name__}. Got {type(rnn).__name__}(bidirectional="
            f"{bidirectional}).")
    n_timesteps = _window_length(n_timesteps)
    state = {k: v.detach().cpu().numpy() for k, v in rnn.state_dict().items()}
    state.update({f"head.{k}": v.detach().cpu().numpy() for k, v in head.state_dict().items()})
    if skip is not None:
        if classifier:
            raise ValueError("The 'skip' parameter of from_torch is for an RNNForecaster; "
                             f"got a {type(estimator).__name__}. Leave skip=None.")
        if skip.in_features > int(n_timesteps):
            raise ValueError(
                f"The 'skip' parameter of from_torch reads {skip.in_features} time steps, "
                f"more than n_timesteps={n_timesteps}.")
        state.update({f"skip.{k}": v.detach().cpu().numpy().astype(np.float64)
                      for k, v in skip.state_dict().items()})
    _forget_fit(estimator)
    if cell == "rnn":
        estimator.set_params(nonlinearity=rnn.nonlinearity)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the scaling is set just below
        estimator.load_state_dict(state)
    spec = estimator._network.spec
    scaler = WindowScaler() if classifier else WindowScaler(
        estimator.window_normalization, estimator.target_feature, estimator.return_sequences)
    scaler.x_mean_ = _statistic(x_mean, spec.input_size, "x_mean", 0.0)
    scaler.x_scale_ = _statistic(x_scale, spec.input_size, "x_scale", 1.0, positive=True)
    scaler.y_mean_ = _statistic(y_mean, spec.output_size, "y_mean", 0.0)
    scaler.y_scale_ = _statistic(y_scale, spec.output_size, "y_scale", 1.0, positive=True)
    estimator._scaler, estimator.n_timesteps_in_ = scaler, n_timesteps
    if classifier:
        estimator._raw_input = False
        if classes is not None:
            estimator.classes_ = np.asarray(classes)
    return estimator
