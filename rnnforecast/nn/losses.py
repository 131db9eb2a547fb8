"""Loss functions on raw network outputs, and the output activations paired with them.

Every loss takes the raw (pre-activation) outputs of the network head and the targets,
and returns the loss value together with its gradient with respect to the raw outputs::

    value, draw = loss_fn(raw, y)

- ``raw`` : ndarray of shape (n, n_outputs) -- linear outputs of the head; the caller
  flattens the time steps of many-to-many models into ``n``.
- ``y`` : ndarray of shape (n, n_outputs) (``(n,)`` is accepted when ``n_outputs == 1``;
  class indices of shape ``(n,)`` for ``softmax_cross_entropy``).
- ``value`` : float -- the mean over samples of the loss summed over outputs (weighted
  mean when ``sample_weight`` is given).
- ``draw`` : ndarray of the same shape and dtype as ``raw``.

Each loss is paired with the output activation applied at predict time: the regression
losses with the identity (the raw outputs are the predictions), softmax cross-entropy
with ``softmax``. The pairings of squared error + identity and softmax cross-entropy +
softmax are canonical, so the gradient with respect to the raw outputs is simply
``(y_pred - y) / n``; the derivative of the output activation never has to be formed.

Float32 inputs give float32 gradients: the targets are cast to the dtype of ``raw``
and all scalars are Python floats, so nothing is upcast. Only the returned loss value
is accumulated in float64.
"""

import numpy as np


# ---------------------------------------------------------------------------
# Output activation of the classifier (predict time)
# ---------------------------------------------------------------------------

def softmax(raw):
    """Row-wise softmax, stable for any finite logits.

    ``softmax(z)_k = exp(z_k - max(z)) / sum_j exp(z_j - max(z))``; shifting by the row
    maximum keeps every exponent <= 0, so nothing overflows.

    Parameters
    ----------
    raw : ndarray of shape (n, n_classes)

    Returns
    -------
    proba : ndarray of shape (n, n_classes), same dtype as ``raw``
        Rows sum to one.
    """
    shifted = raw - raw.max(axis=1, keepdims=True)  # (n, K), every entry <= 0
    proba = np.exp(shifted)
    proba /= proba.sum(axis=1, keepdims=True)
    return proba


def log_softmax(raw):
    """Row-wise log-softmax, stable for any finite logits.

    ``log_softmax(z)_k = z_k - max(z) - log(sum_j exp(z_j - max(z)))``.

    Parameters
    ----------
    raw : ndarray of shape (n, n_classes)

    Returns
    -------
    log_proba : ndarray of shape (n, n_classes), same dtype as ``raw``
    """
    shifted = raw - raw.max(axis=1, keepdims=True)  # (n, K)
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


# ---------------------------------------------------------------------------
# Helpers shared by the losses
# ---------------------------------------------------------------------------

def _as_target(raw, y):
    """Cast ``y`` to the dtype of ``raw`` and lay it out as ``raw``.

    Parameters
    ----------
    raw : ndarray of shape (n, n_outputs)
    y : array-like of shape (n, n_outputs) or (n,) when n_outputs == 1

    Returns
    -------
    y : ndarray of shape (n, n_outputs), dtype of ``raw``
    """
    y = np.asarray(y, dtype=raw.dtype)
    if y.shape != raw.shape:
        if y.size != raw.size or y.shape[:1] != raw.shape[:1]:
            raise ValueError(
                f"The targets `y` must have the shape of the network outputs "
                f"{raw.shape}. Got shape {y.shape} instead."
            )
        y = y.reshape(raw.shape)
    return y


def _sample_scale(sample_weight, n, dtype):
    """Per-sample factor turning a sum over samples into a (weighted) mean.

    Parameters
    ----------
    sample_weight : ndarray of shape (n,) or None
    n : int
    dtype : numpy dtype of the gradient

    Returns
    -------
    scale : float or ndarray of shape (n, 1)
        ``1 / n`` without weights, ``w_i / sum(w)`` with them.
    """
    if sample_weight is None:
        return 1.0 / n
    w = np.asarray(sample_weight, dtype=np.float64).reshape(n, 1)
    total = w.sum()
    if not total > 0:
        raise ValueError(
            f"The `sample_weight` must sum to a positive number. Got sum {total} instead."
        )
    return (w / total).astype(dtype, copy=False)


def _reduce(elementwise, grad, sample_weight):
    """Mean over samples of the loss summed over outputs, and the matching gradient.

    Parameters
    ----------
    elementwise : ndarray of shape (n, n_outputs)
        Loss of every output of every sample.
    grad : ndarray of shape (n, n_outputs)
        Derivative of ``elementwise`` wrt the raw outputs; scaled in place.
    sample_weight : ndarray of shape (n,) or None

    Returns
    -------
    value : float
    draw : ndarray of shape (n, n_outputs)
    """
    n = grad.shape[0]
    scale = _sample_scale(sample_weight, n, grad.dtype)  # float or (n, 1)
    per_sample = elementwise.reshape(n, -1).sum(axis=1, dtype=np.float64)  # (n,)
    value = float(np.average(per_sample, weights=sample_weight))
    grad *= scale
    return value, grad


# ---------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------

def squared_error(raw, y, sample_weight=None):
    """Half squared error, paired with the identity output.

    ``L = 1/(2n) * sum_i sum_j (raw_ij - y_ij)^2`` and ``dL/draw = (raw - y) / n``: with
    the identity output this is ``delta = y_pred - y`` (divided by ``n``). The factor
    1/2 makes the gradient exactly the residual; ``L`` is half the MSE when
    ``n_outputs == 1``.

    Parameters
    ----------
    raw : ndarray of shape (n, n_outputs)
        Linear outputs of the network.
    y : ndarray of shape (n, n_outputs) or (n,)
        Targets.
    sample_weight : ndarray of shape (n,), default=None
        When given, the mean over samples becomes a mean weighted by ``w_i / sum(w)``.

    Returns
    -------
    value : float
    draw : ndarray of shape (n, n_outputs), dtype of ``raw``
    """
    residual = raw - _as_target(raw, y)
    return _reduce(0.5 * np.square(residual), residual, sample_weight)


def absolute_error(raw, y, sample_weight=None):
    """Absolute error, paired with the identity output.

    ``L = 1/n * sum_i sum_j |raw_ij - y_ij|`` and ``dL/draw = sign(raw - y) / n``
    (the subgradient 0 is used at ``raw == y``).

    Parameters
    ----------
    raw : ndarray of shape (n, n_outputs)
    y : ndarray of shape (n, n_outputs) or (n,)
    sample_weight : ndarray of shape (n,), default=None

    Returns
    -------
    value : float
    draw : ndarray of shape (n, n_outputs), dtype of ``raw``
    """
    residual = raw - _as_target(raw, y)
    return _reduce(np.abs(residual), np.sign(residual), sample_weight)


def huber(raw, y, sample_weight=None, delta=1.0):
    """Huber loss, paired with the identity output.

    With ``r = raw - y``, each output contributes ``r^2 / 2`` when ``|r| <= delta`` and
    ``delta * (|r| - delta / 2)`` otherwise (quadratic near zero, linear in the tails);
    ``L`` is the mean over samples of the sum over outputs, and
    ``dL/draw = clip(r, -delta, delta) / n``.

    Parameters
    ----------
    raw : ndarray of shape (n, n_outputs)
    y : ndarray of shape (n, n_outputs) or (n,)
    sample_weight : ndarray of shape (n,), default=None
    delta : float, default=1.0
        Residual size where the loss turns from quadratic to linear.

    Returns
    -------
    value : float
    draw : ndarray of shape (n, n_outputs), dtype of ``raw``

    References
    ----------
    Huber, P. J. (1964). Robust estimation of a location parameter.
    Annals of Mathematical Statistics, 35(1), 73-101.
    """
    delta = float(delta)
    residual = raw - _as_target(raw, y)
    abs_res = np.abs(residual)
    elementwise = np.where(
        abs_res <= delta, 0.5 * np.square(residual), delta * (abs_res - 0.5 * delta)
    )
    return _reduce(elementwise, np.clip(residual, -delta, delta), sample_weight)


def pinball(raw, y, sample_weight=None, quantiles=(0.5,)):
    """Pinball (quantile) loss of several quantile levels at once, paired with the identity.

    The network has one output per target and level, laid out target-major: column
    ``j * K + k`` of ``raw`` is the level ``quantiles[k]`` of target ``j``, so that
    ``raw.reshape(n, n_outputs, K)`` puts the levels on the last axis. With
    ``u = y_j - raw_jk`` and level ``tau_k``, each output contributes::

        rho_tau(u) = tau * u          if u >= 0      (the target lies above)
                     (tau - 1) * u    if u < 0       (the target lies below)

    ``L`` is the mean over samples of the sum over targets and levels, and
    ``dL/draw_jk = (1{y_j < raw_jk} - tau_k) / n``: ``-tau`` where the output is too
    low, ``1 - tau`` where it is too high. At ``raw == y`` the loss has a kink, whose
    subgradients are ``[-tau, 1 - tau]``; 0 is used, as ``absolute_error`` does. The
    minimiser of the expected loss is the ``tau``-quantile of ``y`` (Koenker & Bassett,
    1978); ``quantiles=(0.5,)`` gives half the absolute error.

    Parameters
    ----------
    raw : ndarray of shape (n, n_outputs * K)
        Linear outputs of the network, K = ``len(quantiles)``.
    y : ndarray of shape (n, n_outputs) or (n,)
        Targets, one per target (not per level).
    sample_weight : ndarray of shape (n,), default=None
    quantiles : sequence of float in (0, 1) of length K, default=(0.5,)
        The levels, in the order of the output layout.

    Returns
    -------
    value : float
    draw : ndarray of shape (n, n_outputs * K), dtype of ``raw``

    References
    ----------
    Koenker, R. & Bassett, G. (1978). Regression quantiles. Econometrica, 46(1), 33-50.
    """
    taus = np.asarray(quantiles, dtype=raw.dtype)                   # (K,)
    n, width = raw.shape
    if width % len(taus):
        raise ValueError(
            f"The pinball loss needs n_outputs * {len(taus)} network outputs, one per "
            f"target and level of quantiles={tuple(quantiles)}. Got {width} outputs.")
    per_level = raw.reshape(n, width // len(taus), len(taus))       # (n, O, K)
    target = np.asarray(y, dtype=raw.dtype).reshape(n, -1)
    if target.shape[1] != per_level.shape[1]:
        raise ValueError(
            f"The targets `y` must have one column per target, {per_level.shape[1]} for "
            f"{width} outputs and {len(taus)} level(s). Got shape {np.shape(y)} instead.")
    u = target[:, :, np.newaxis] - per_level                        # (n, O, K)
    elementwise = np.maximum(taus * u, (taus - 1) * u)
    grad = (u < 0).astype(raw.dtype) - taus                         # (1{y < raw} - tau)
    grad[u == 0] = 0                                                # subgradient at the kink
    return _reduce(elementwise.reshape(n, width), grad.reshape(n, width), sample_weight)


# ---------------------------------------------------------------------------
# Classification losses
# ---------------------------------------------------------------------------

def _class_indices(raw, y):
    """Return ``y`` as integer class indices when given so, else None.

    Parameters
    ----------
    raw : ndarray of shape (n, n_classes)
    y : array-like of shape (n,) or (n, 1) of class indices, or (n, n_classes) one-hot

    Returns
    -------
    indices : ndarray of shape (n,) of int, or None when ``y`` is one-hot
    """
    y = np.asarray(y)
    if y.shape == raw.shape and raw.shape[1] > 1:
        return None
    if y.shape not in ((raw.shape[0],), (raw.shape[0], 1)):
        raise ValueError(
            f"The targets `y` must be class indices of shape ({raw.shape[0]},) or "
            f"one-hot of shape {raw.shape}. Got shape {y.shape} instead."
        )
    return y.reshape(-1).astype(np.intp, copy=False)


def smooth_labels(indices, n_classes, label_smoothing, dtype=np.float64):
    """Target rows of label smoothing: ``(1 - eps) * onehot(y) + eps / K``.

    Parameters
    ----------
    indices : ndarray of int of any shape S
        Class indices in ``[0, n_classes)``.
    n_classes : int
    label_smoothing : float in [0, 1]
    dtype : numpy dtype of the rows

    Returns
    -------
    rows : ndarray of shape S + (n_classes,)
        Each row sums to 1; ``softmax_cross_entropy`` of these rows equals its value
        with ``label_smoothing`` and the class indices.
    """
    eps = float(label_smoothing)
    rows = np.full(np.shape(indices) + (n_classes,), eps / n_classes, dtype=dtype)
    np.put_along_axis(rows, np.asarray(indices)[..., None], 1.0 - eps + eps / n_classes,
                      axis=-1)
    return rows


def softmax_cross_entropy(raw, y, sample_weight=None, label_smoothing=0.0):
    """Categorical cross-entropy on logits, paired with the softmax output.

    ``L = -1/n * sum_i sum_k Y_ik * log_softmax(raw_i)_k`` and
    ``dL/draw = (softmax(raw) - Y) / n``, where ``Y`` is one-hot (or any rows of
    probabilities): softmax + cross-entropy gives ``delta = y_pred - y``. The log-softmax
    is computed stably, so huge logits give neither NaN nor inf.

    With ``label_smoothing = eps`` the class indices become the rows
    ``Y = (1 - eps) * onehot(y) + eps / K`` (``smooth_labels``), PyTorch's
    ``CrossEntropyLoss(label_smoothing=eps)``: ``L`` is ``(1 - eps)`` times the
    cross-entropy plus ``eps`` times the mean of ``-log_softmax`` over the K classes, and
    the gradient is again ``softmax(raw) - Y``, which no longer vanishes at a confident
    correct answer, so the logits stay bounded (Szegedy et al., 2016).

    Parameters
    ----------
    raw : ndarray of shape (n, n_classes)
        Logits.
    y : ndarray of shape (n,) of int, or of shape (n, n_classes)
        Class indices in ``[0, n_classes)``, or one-hot rows.
    sample_weight : ndarray of shape (n,), default=None
    label_smoothing : float in [0, 1], default=0.0
        Only with class indices (rows of probabilities are used as they are).

    Returns
    -------
    value : float
    draw : ndarray of shape (n, n_classes), dtype of ``raw``

    References
    ----------
    Szegedy, C., Vanhoucke, V., Ioffe, S., Shlens, J. & Wojna, Z. (2016). Rethinking the
    Inception architecture for computer vision. CVPR.
    """
    indices = _class_indices(raw, y)
    if indices is not None and label_smoothing:
        indices, y = None, smooth_labels(indices, raw.shape[1], label_smoothing, raw.dtype)
    log_proba = log_softmax(raw)  # (n, K)
    grad = np.exp(log_proba)
    if indices is None:
        target = _as_target(raw, y)
        elementwise = -(target * log_proba)
        grad -= target
    else:
        rows = np.arange(raw.shape[0])
        elementwise = -log_proba[rows, indices]  # (n,), the loss of each sample
        grad[rows, indices] -= 1.0
    return _reduce(elementwise, grad, sample_weight)


LOSSES = {
    "squared_error": squared_error,
    "absolute_error": absolute_error,
    "huber": huber,
    "quantile": pinball,
    "softmax_cross_entropy": softmax_cross_entropy,
}
