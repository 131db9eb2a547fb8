"""What the encoder–decoder estimators share: the network's setup, one epoch of teacher
forcing, early-stopping splits, weights and their checks.

The training loop itself (epochs, early stopping, divergence, the record of the fit) is
``_BaseRNN._train``; only the epoch differs, because every sample is a pair of
sequences: the encoder's input ``X`` and the decoder's inputs and targets
(:class:`Targets`), indexed together as ``_train`` indexes its ``Y``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..nn import _seq2seq as s2s
from ..nn.losses import LOSSES
from ..nn.optimizers import add_l2_penalty, clip_grad_norm
from ._base import PREDICT_BATCH, _BaseRNN, limit_blas_threads, options
from ._sequences import length_batches
from ._training import TrainingDiverged, iter_batches, weighted_loss
from ._weights import DTYPES, _Network, _real_arrays, _same_state, drop_calibration


class Targets:
    """Decoder inputs ``U`` (n, T_out, E), targets ``Y`` ((n, T_out) class codes or
    (n, T_out, O) values), the lengths (n,) of the encoder's right-padded input
    sequences and those of the decoder's right-padded outputs (None: all of one length)
    of the same samples, indexed together."""

    def __init__(self, U, Y, lengths=None, out_lengths=None):
        self.U, self.Y, self.lengths, self.out_lengths = U, Y, lengths, out_lengths

    def __getitem__(self, idx):
        return Targets(self.U[idx], self.Y[idx], _part(self.lengths, idx),
                       _part(self.out_lengths, idx))

    def __len__(self):
        return len(self.Y)


class _EncoderDecoder(_BaseRNN):
    """Parameters and training of an encoder network whose final state starts a decoder
    network (``nn/_seq2seq.py``); the subclasses say what the decoder reads and emits."""

    _parameter_constraints = {
        **{k: v for k, v in _BaseRNN._parameter_constraints.items()
           if k not in ("bptt_truncate", "return_sequences")},
        "cell": [options(*s2s.SEQ2SEQ_CELLS)],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    }
    #: Fields of the networks' specs fixed once trained (see ``_check_architecture``).
    _SHAPE_FIELDS = ("cell", "input_size", "hidden_size", "output_size", "num_layers",
                     "nonlinearity")

    # ----------------------------------------------------------------- network
    def _seq2seq_spec(self, input_size, decoder_input_size, output_size, vocabulary_size=0):
        return s2s.make_spec(self.cell, input_size, decoder_input_size, self.hidden_size,
                             output_size, num_layers=self.num_layers,
                             nonlinearity=self.nonlinearity, dropout=self.dropout,
                             vocabulary_size=vocabulary_size)

    def _check_architecture(self, spec):
        """Refuse to continue (warm_start) a network of another shape."""
        old = self._network.spec
        changed = [f"{part}.{name}: {getattr(getattr(old, part), name)!r} -> "
                   f"{getattr(getattr(spec, part), name)!r}"
                   for part in ("encoder", "decoder") for name in self._SHAPE_FIELDS
                   if getattr(getattr(old, part), name) != getattr(getattr(spec, part), name)]
        if old.vocabulary_size != spec.vocabulary_size:
            changed.append(f"vocabulary_size: {old.vocabulary_size} -> {spec.vocabulary_size}")
        if self._network.params["decoder.head.weight"].dtype != DTYPES[self.dtype]:
            changed.append(f"dtype -> {self.dtype!r}")
        if changed:
            raise ValueError(
                f"{type(self).__name__} cannot continue training (warm_start) after a "
                "change of the network's shape or of the data's:" +
                "".join(f"\n    {line}" for line in changed) +
                "\nSet the parameters back, or call fit with warm_start=False to start "
                "a new network.")

    def _fit_pairs(self, X, targets, spec, validation, split, sample_weight=None):
        """Train on encoder inputs X (n, T_in, D) and ``Targets``; returns self."""
        if self._continues(incremental=False):
            self._check_architecture(spec)
            self._network.spec = spec                          # dropout may change
        else:
            self._network = _Network(spec, s2s.init_params(spec, self._rng,
                                                           DTYPES[self.dtype]))
            self._optimizer = self._new_optimizer()
            self._reset_training_record()
            self._record_fitted_options()
        self._optimizer.learning_rate = self.learning_rate_init
        dtype = DTYPES[self.dtype]
        targets = Targets(targets.U.astype(dtype), targets.Y if targets.Y.dtype.kind != "f"
                          else targets.Y.astype(dtype), targets.lengths, targets.out_lengths)
        with self._unfitted_if_untrained(), limit_blas_threads(self.n_threads):
            X = X.astype(dtype) if X.dtype.kind == "f" else X   # floats, or token ids
            self._train(X, targets, self.max_iter, validation, split,
                        sample_weight=sample_weight)
        return self

    # ----------------------------------------------------------------- training
    def _epoch(self, X, targets, snapshot, sample_weight=None, lengths=None):
        """One pass over shuffled mini-batches of pairs (``_BaseRNN._epoch`` for two
        networks); returns the sample-weighted mean loss. ``lengths`` is always None:
        the pairs' sequences have one length each side."""
        with self._guarded_epoch(snapshot):
            total, batch_size = 0.0, min(self.batch_size, len(X))
            lengths = targets.lengths if targets.lengths is not None else targets.out_lengths
            batches = iter_batches(len(X), batch_size, self._rng) if lengths is None \
                else length_batches(lengths, batch_size, self._rng)  # similar lengths
            for idx in batches:
                w = None if sample_weight is None else sample_weight[idx]
                total += self._batch_step(X[idx], targets[idx], w) * len(idx)
            if not all(np.all(np.isfinite(p)) for p in self._network.params.values()):
                raise TrainingDiverged("the last update made some weights non-finite")
            return total / len(X)

    def _batch_step(self, X, targets, w):
        """Teacher-forced forward, loss, backward through decoder and encoder, L2,
        clipping and one optimizer step; returns the batch loss."""
        net = self._network
        value, grads = self._loss_gradients(net.params, X, targets, w)
        value += add_l2_penalty(net.params, grads, self.alpha / len(X))
        norm = clip_grad_norm(grads, self.clip_norm)
        if not (np.isfinite(value) and np.isfinite(norm)):
            raise TrainingDiverged(f"loss={value!r}, gradient norm={norm!r}")
        self._optimizer.step(net.params, grads)
        return value

    def _loss_gradients(self, params, X, targets, w):
        """The batch's teacher-forced loss and its gradients w.r.t. ``params``.

        With ``targets.out_lengths`` the decoder runs to the batch's longest output and
        the loss is the mean over the outputs' real steps (``_output_weights``)."""
        spec = self._network.spec
        X, lengths = _cut(X, targets.lengths)
        U, Y, w = _cut_outputs(targets, w)
        out, cache = s2s.forward(params, spec, X, U, training=True, rng=self._rng,
                                 lengths=lengths)
        raw = out.reshape(-1, out.shape[-1])                   # (n * T_out, O)
        y = Y.reshape((len(raw),) + Y.shape[2:])
        value, draw = weighted_loss(LOSSES[self._loss_name()], raw, y,
                                    None if w is None else w.reshape(-1))
        grads, _, _ = s2s.backward(draw.reshape(out.shape), cache, input_grad=False)
        return value, grads

    def _reference_loss(self, targets):
        """The loss of zero outputs on the targets (equal class probabilities, or the
        scaled targets' mean): the scale that tells a diverging loss."""
        loss, K = LOSSES[self._loss_name()], self._network.spec.decoder.output_size
        Y = targets.Y
        if Y.dtype.kind != "f":
            return float(loss(np.zeros((Y.size, K)), Y.reshape(-1))[0])
        rows = Y.reshape(-1, K)
        return max(float(loss(np.zeros_like(rows), rows)[0]),
                   float(loss(np.zeros((1, K)), np.ones((1, K)))[0]))

    # ----------------------------------------------------------------- prediction
    def _teacher_forced(self, X, U, lengths=None):
        """Decoder outputs (n, T_out, O) for float64 X (of ``lengths``) and U, in
        float64 batches."""
        params, spec = self._network.params64(), self._network.spec
        outs = []
        with limit_blas_threads(self.n_threads):
            for batch in _batches(len(X)):
                Xb, Lb = _cut(X[batch], _part(lengths, batch))
                outs.append(s2s.forward(params, spec, Xb, U[batch], lengths=Lb)[0])
        return _finite(np.concatenate(outs))

    def _encodings(self, X, lengths=None):
        """The encoder's top final hidden state (n, H) for float64 X, in batches."""
        params, spec = self._network.params64(), self._network.spec
        with limit_blas_threads(self.n_threads):
            parts = [s2s.embedding(s2s.encode(params, spec, *_cut(X[b], _part(lengths, b))))
                     for b in _batches(len(X))]   # each batch cut to its longest sequence
        return _finite(np.concatenate(parts))

    # ----------------------------------------------------------------- weights
    def load_state_dict(self, state_dict):
        """Set the weights of a *fitted* estimator from a dict shaped like
        ``state_dict()`` (keys ``encoder.*`` and ``decoder.*``, PyTorch's names after
        the prefix); returns self. The vocabularies and scaling of the fit are kept, so
        the arrays must have the shapes of the fitted ones."""
        check_is_fitted(self, "_network")
        expected = s2s.param_shapes(self._network.spec)
        params = _real_arrays(dict(state_dict), DTYPES[self.dtype])
        wrong = sorted(set(expected) ^ set(params)) or [
            f"{k}: {params[k].shape}, expected {shape}"
            for k, shape in expected.items() if params[k].shape != shape]
        if wrong:
            raise ValueError(
                f"The state_dict does not fit this fitted {type(self).__name__} (its keys "
                "must be those of state_dict(), with the same shapes); wrong or missing:" +
                "".join(f"\n    {line}" for line in wrong) +
                "\nFit the estimator on data of the same vocabularies and sizes first.")
        if not _same_state(self.state_dict(), params, params):
            drop_calibration(self)
        self._network = _Network(self._network.spec, params)
        return self


def _batches(n):
    """Slices of prediction batches over n samples."""
    return [slice(i, i + PREDICT_BATCH) for i in range(0, n, PREDICT_BATCH)]


def _part(lengths, batch):
    return None if lengths is None else lengths[batch]


def _cut_outputs(targets, w):
    """Decoder inputs, targets and per-step weights (n, T) of a batch, cut to its
    longest output when the outputs' lengths differ (``targets.out_lengths``). The
    steps after each output's end then weigh 0 and the real ones share a mean weight
    of 1, so that the loss is the mean over the real steps."""
    lengths = targets.out_lengths
    if lengths is None:
        return targets.U, targets.Y, w
    T = int(lengths.max())
    real = (np.arange(T)[None, :] < lengths[:, None]).astype(np.float64)   # (n, T)
    if w is not None:
        real = real * (w[:, :T] if np.ndim(w) == 2 else np.asarray(w)[:, None])
    return targets.U[:, :T], targets.Y[:, :T], real * (real.size / real.sum())


def _cut(X, lengths):
    """X cut to the longest of its sequences' ``lengths`` (X (n, T, ...) unchanged
    without lengths), and the lengths."""
    return (X, None) if lengths is None else (X[:, :int(lengths.max())], lengths)


def _finite(out):
    if not np.all(np.isfinite(out)):
        raise ValueError(
            "The network produced non-finite outputs. The weights have diverged or the "
            "input is far outside the training range; refit with a lower "
            "learning_rate_init or a smaller clip_norm.")
    return out
