"""Token ids read through a learned embedding: the classifier's door and its state dict.

:class:`_TokenInputMixin` checks token ids (``_sequences.token_array``), learns the
vocabulary in fit, hands the network ids or scaled values (``_network_input``), and
carries ``embedding.weight`` through ``load_state_dict`` (the ``_WeightsMixin`` hooks).
It relies on the estimator's ``embedding_dim``, ``vocabulary_size`` and ``dtype``.
"""

import numpy as np

from ..nn._embedding import EMBEDDING_KEY, check_ids
from ._sequences import lengths_of, network_input, token_array
from ._weights import DTYPES


class _TokenInputMixin:
    """Token ids (``embedding_dim``) beside values; see the module docstring."""

    _EXTRA_STATE = (EMBEDDING_KEY,)

    def _check_tokens(self, X, reset):
        """Token ids as the float64 (n, T, 1) array of ``token_array``; in fit the
        vocabulary (``vocabulary_size``, or the largest id + 1), afterwards a check that
        every id is in it."""
        X = token_array(X)
        ids = np.nan_to_num(X[:, :, 0], nan=0.0).astype(np.int64)
        if not reset:
            self._check_fitted_options()
            check_ids(ids, self.vocabulary_size_, "X")
            return X
        top = int(ids.max())
        size = top + 1 if self.vocabulary_size is None else self.vocabulary_size
        if top >= size:
            raise ValueError(
                "The 'vocabulary_size' parameter of RNNClassifier must exceed every token "
                f"id of X. Got vocabulary_size={size} and the id {top}. Set "
                "vocabulary_size=None (the largest id + 1) or a larger value.")
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.vocabulary_size_, self._token_input, self._raw_input = size, True, True
        self.n_features_in_ = self.n_step_features_in_ = 1
        self._input_ndim = 3
        self._variable_lengths = lengths_of(X) is not None
        self.n_timesteps_in_ = None if self._variable_lengths else X.shape[1]
        return X

    def _network_input(self, X, dtype=np.float64):
        """Checked X (NaN-padded) -> what the network reads: scaled values (or token
        ids) with zeros at padded steps."""
        if getattr(self, "_token_input", False):
            return network_input(X, tokens=True)
        return network_input(self._scaler.transform(X, dtype)[0])

    def _unfitted_load_message(self, weight, spec):
        """Token ids need no scaling: a token model (``weight``, the checked embedding)
        loses only its class names (None when this estimator already has as many
        classes)."""
        if weight is None:
            return super()._unfitted_load_message(weight, spec)
        if len(getattr(self, "classes_", ())) == spec.output_size:
            return None
        return (f"{type(self).__name__}.load_state_dict set the weights of a token model "
                "into an estimator not fitted on their data: it predicts as the original, "
                f"but names its classes 0 .. {spec.output_size - 1}. Load the weights into "
                "an estimator fitted on the same labels to keep their names.")

    def _check_extra_state(self, extra, spec, keep_scaling):
        """The state_dict's ``embedding.weight`` (V, E), E the network's input size, as
        an array of the training dtype; None without one (then the classifier reads
        values, which a fitted token classifier refuses to become)."""
        weight = extra.get(EMBEDDING_KEY)
        if weight is None:
            if keep_scaling and getattr(self, "_token_input", False):
                raise ValueError(
                    "The state_dict has no 'embedding.weight' but this fitted "
                    "RNNClassifier reads token ids. Load it into a new RNNClassifier() or "
                    "add the embedding's weights.")
            return None
        weight = np.asarray(weight)
        if weight.ndim != 2 or weight.shape[1] != spec.input_size or \
                weight.dtype.kind not in "fiu" or not np.all(np.isfinite(weight)):
            raise ValueError(
                "The state_dict entry 'embedding.weight' must be a finite real array of "
                f"shape (vocabulary_size, {spec.input_size}), the input size of "
                f"'weight_ih_l0'. Got shape {weight.shape} and dtype {weight.dtype}.")
        return weight.astype(DTYPES[self.dtype])

    def _set_extra_state(self, weight):
        """Read token ids through the loaded embedding (``embedding_dim`` and
        ``vocabulary_size_`` set to match), or values without one."""
        if weight is None:
            self.set_params(embedding_dim=None)
            self._token_input = False
            return
        self._network.params = {EMBEDDING_KEY: weight, **self._network.params}
        self._network.changed()
        self.set_params(embedding_dim=weight.shape[1])
        self.vocabulary_size_, self._token_input = weight.shape[0], True
        self.n_features_in_ = self.n_step_features_in_ = 1
        self._input_ndim = 3
