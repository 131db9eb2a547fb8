"""The training loop's named steps: mini-batches, one epoch, early stopping, divergence.

Nothing here knows about scikit-learn; the estimators compose these pieces.
"""

import math
from typing import NamedTuple, Optional

import numpy as np

from ..nn._embedding import EMBEDDING_KEY, embedding_backward, embedding_forward
from ..nn.losses import LOSSES
from ..nn.network import backward, forward
from ..nn.optimizers import add_l2_penalty, clip_grad_norm
from ._sequences import length_batches


class TrainingDiverged(ValueError):
    """The loss or the gradient became non-finite during training."""


class Batch(NamedTuple):
    X: np.ndarray   # (n, T, D), or token ids (n, T) for a network with an embedding
    y: np.ndarray   # targets in the layout the loss expects
    w: Optional[np.ndarray] = None   # (n,) or (n, T) weights of mean 1 over the data, or None
    lengths: Optional[np.ndarray] = None   # (n,) lengths of padded sequences, or None


def weighted_loss(loss_fn, raw, y, w):
    """``loss_fn`` of the batch with every sample's term multiplied by its weight ``w``
    (weights of mean 1 over the training set, so the batch loss is an unbiased estimate
    of the weighted mean loss): ``sum_i w_i l_i / n`` and its gradient. No weights: the
    plain mean. A batch of zero weights has loss 0 and a zero gradient."""
    if w is None:
        return loss_fn(raw, y)
    total = float(w.sum())
    if total == 0:
        return 0.0, np.zeros_like(raw)
    value, draw = loss_fn(raw, y, sample_weight=w)       # weighted by w_i / sum(w)
    factor = total / len(w)
    draw *= raw.dtype.type(factor)
    return value * factor, draw


def iter_batches(n_samples, batch_size, rng, shuffle=True):
    """Yield index arrays of mini-batches covering ``range(n_samples)`` once."""
    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
    for start in range(0, n_samples, batch_size):
        yield order[start:start + batch_size]


def batch_step(net, optimizer, batch, *, loss, alpha, clip_norm, rng):
    """Forward, loss, BPTT, L2, clipping and one optimizer step on one mini-batch.

    net : object with ``params`` (dict) and ``spec`` (NetworkSpec); with an
        ``embedding.weight`` the batch holds token ids, looked up before the network
    Returns the batch loss (data term plus L2 penalty).

    Padded sequences (``batch.lengths``) carry their state over the padded steps; with
    one output per step, the weights of the padded steps must be zero (their outputs
    then count in no loss and no gradient).
    """
    X, embedded = batch.X, EMBEDDING_KEY in net.params
    if embedded:
        X, embedding = embedding_forward(net.params[EMBEDDING_KEY], batch.X)  # (n, T, E)
    params = net.effective_params() if hasattr(net, "effective_params") else net.params
    #        (weight normalisation: the weights made from g and v)
    out, cache = forward(params, net.spec, X, training=True, rng=rng,
                         lengths=batch.lengths)
    raw = out.reshape(-1, out.shape[-1])                      # (n, O) or (n * T, O)
    y = batch.y.reshape((len(raw),) + batch.y.shape[out.ndim - 1:])
    w = None if batch.w is None else batch.w.reshape(-1)
    loss_fn = loss if callable(loss) else LOSSES[loss]  # a name, or one with options bound
    value, draw = weighted_loss(loss_fn, raw, y, w)
    grads, dX, _ = backward(draw.reshape(out.shape), cache, input_grad=embedded)
    if embedded:
        grads[EMBEDDING_KEY] = embedding_backward(dX, embedding)  # scatter-add
    value += add_l2_penalty(params, grads, alpha / len(batch.X))  # as MLPRegressor
    if params is not net.params:             # dW -> (dg, dv); the L2 term reaches g only
        grads = net.param_grads(grads)
    norm = clip_grad_norm(grads, clip_norm)
    if not (np.isfinite(value) and np.isfinite(norm)):
        raise TrainingDiverged(f"loss={value!r}, gradient norm={norm!r}")
    optimizer.step(net.params, grads)
    return value


def run_epoch(net, optimizer, X, y, *, batch_size, loss, alpha, clip_norm, rng,
              sample_weight=None, lengths=None):
    """One pass over shuffled mini-batches; returns the sample-weighted mean loss.

    sample_weight : ndarray of shape (n,) or (n, T) of mean 1, or None (see
        ``weighted_loss``).
    lengths : ndarray of shape (n,), the lengths of sequences right-padded (with zeros)
        to T steps, or None. Batches then hold sequences of similar lengths
        (``length_batches``), cut to their longest one.

    Raises TrainingDiverged when a batch loss or gradient is non-finite, or when the
    epoch's updates leave non-finite weights (the last step is checked here).
    """
    total = 0.0
    batches = iter_batches(len(X), batch_size, rng) if lengths is None else \
        length_batches(lengths, batch_size, rng)
    for idx in batches:
        w = None if sample_weight is None else sample_weight[idx]
        batch = Batch(X[idx], y[idx], w) if lengths is None else \
            _cut_batch(X, y, w, idx, lengths, net.spec.return_sequences)
        value = batch_step(net, optimizer, batch, loss=loss,
                           alpha=alpha, clip_norm=clip_norm, rng=rng)
        total += value * len(idx)
    if not all(np.all(np.isfinite(p)) for p in net.params.values()):
        raise TrainingDiverged("the last update made some weights non-finite")
    return total / len(X)


def _cut_batch(X, y, w, idx, lengths, sequences):
    """The batch ``idx`` of padded sequences cut to its longest one (targets and
    weights of one entry per step too, with ``sequences``)."""
    L = lengths[idx]
    T = int(L.max())
    if sequences:
        y = y[idx, :T]
        w = None if w is None else w[:, :T]
    else:
        y = y[idx]
    return Batch(X[idx, :T], y, w, L)


def constant_rate(learning_rate_init, epoch, max_iter):
    """The initial learning rate at every epoch."""
    return learning_rate_init


def cosine_rate(learning_rate_init, epoch, max_iter):
    """Cosine annealing from ``learning_rate_init`` at epoch 0 towards 0 at ``max_iter``
    (Loshchilov & Hutter, 2017, without restarts; PyTorch's ``CosineAnnealingLR``):
    ``lr_e = lr_0 * (1 + cos(pi * e / max_iter)) / 2``."""
    return 0.5 * learning_rate_init * (1.0 + math.cos(math.pi * epoch / max_iter))


#: ``learning_rate`` option -> (learning_rate_init, epoch, max_iter) -> the epoch's rate.
LEARNING_RATE_SCHEDULES = {"constant": constant_rate, "cosine": cosine_rate}


class EarlyStopping:
    """Track the best score and count epochs without an improvement of at least ``tol``.

    Scores are "higher is better" (negated losses for the training-loss criterion).
    """

    def __init__(self, tol, patience):
        self.tol, self.patience = tol, patience
        self.best_score, self.best_params, self.best_epoch = -np.inf, None, 0
        self.no_improvement = 0

    def update(self, score, params, epoch):
        """Record ``score``; snapshot ``params`` if it is the best so far. Returns True to stop."""
        if score > self.best_score:
            if score < self.best_score + self.tol:
                self.no_improvement += 1
            else:
                self.no_improvement = 0
            self.best_score, self.best_epoch = score, epoch
            self.best_params = {k: v.copy() for k, v in params.items()}
        else:
            self.no_improvement += 1
        return self.no_improvement >= self.patience


def time_ordered_split(n_samples, validation_fraction, gap=0):
    """(train, validation) index arrays; the validation part is the *last* windows.

    ``gap`` windows between the two parts are left out (a purge gap): windows that
    overlap in time share targets, and a validation target that was also a training
    target makes the validation loss, the kept epoch and the conformal residuals
    optimistic. For windows of stride 1 with ``H`` targets each, ``gap = H - 1`` leaves
    no training target inside a validation window's targets::

        windows   [x x x y y y]              train (last)
                    [x x x y y y]            gap
                      [x x x y y y]          gap
                        [x x x y y y]        validation (first)
    """
    n_val = max(1, int(round(n_samples * validation_fraction)))
    cut = n_samples - n_val
    if cut - gap < 1:
        raise ValueError(
            f"The validation split leaves no training windows: {n_samples} samples with "
            f"validation_fraction={validation_fraction} hold out {n_val} and a purge gap "
            f"of {gap} window(s) before them. Provide more windows or lower "
            "validation_fraction.")
    return np.arange(cut - gap), np.arange(cut, n_samples)


def stratified_split(labels, validation_fraction, rng):
    """(train, validation) index arrays of a shuffled split that keeps the share of
    every class in both parts (sequences of a classification set are exchangeable).

    labels : ndarray of shape (n_samples,)
    Each class with at least two samples gives ``round(n_c * validation_fraction)`` of
    them (at least one) to validation; a class with one sample stays in training.
    """
    train, val = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_val = 0 if len(members) < 2 else max(1, int(round(len(members) *
                                                            validation_fraction)))
        n_val = min(n_val, len(members) - 1)
        val.append(members[:n_val])
        train.append(members[n_val:])
    train, val = np.sort(np.concatenate(train)), np.sort(np.concatenate(val))
    if len(val) == 0:
        raise ValueError(
            f"The validation split is empty: {len(labels)} samples with "
            f"validation_fraction={validation_fraction} leave none to validate on "
            "(samples are held out per class, from classes of at least 2 samples). "
            "Provide more samples, or set early_stopping=False.")
    return train, val
