"""The forecaster's linear skip: a ridge regression from the window's recent target
values straight to the outputs, added to the network's output.

A recurrent network fitted by gradient descent on a few hundred windows is slow to find
even the linear autoregression that a closed-form fit gets at once, and forecasts far
worse without it on short real series (``benchmarks/README.md``, "RNNForecaster with
plain defaults"). With the skip, the prediction in the scaled space is::

    raw = network(Xs) + Xs[:, -L:, target_feature] @ coef_.T + intercept_

``coef_`` and ``intercept_`` are fitted first, by ridge regression on the training
windows, and the network is then trained on what they leave; it is the linear
"highway" beside a neural network of LSTNet (Lai et al., 2018), fitted in closed form.
"""

import numpy as np

__all__ = ["LinearSkip", "MAX_LAGS"]

#: Most recent target values of a window that the skip reads.
MAX_LAGS = 1000


class LinearSkip:
    """Ridge regression from the last ``n_lags`` values of the window's target feature
    to the scaled targets.

    Parameters
    ----------
    target_feature : int
        Feature of the window that holds the target series.
    penalty : float, default=1.0
        Ridge penalty on the sum of squared errors (the windows and targets are already
        standardised, so it means the same on every series).

    Attributes
    ----------
    n_lags_ : int
    coef_ : ndarray of shape (n_outputs, n_lags_)
    intercept_ : ndarray of shape (n_outputs,)
    """

    def __init__(self, target_feature, penalty=1.0):
        self.target_feature = target_feature
        self.penalty = penalty

    @classmethod
    def from_arrays(cls, weight, bias, target_feature):
        """A skip with the given ``coef_`` (n_outputs, n_lags) and ``intercept_``
        (n_outputs,), e.g. a state_dict's ``skip.weight`` and ``skip.bias``."""
        skip = cls(target_feature)
        for name, value, ndim in (("skip.weight", weight, 2), ("skip.bias", bias, 1)):
            array = np.asarray(value if value is not None else np.nan, dtype=np.float64)
            if array.ndim != ndim or not array.size or not np.all(np.isfinite(array)):
                raise ValueError(
                    f"The state_dict entry {name!r} must be a {ndim}-D array of finite "
                    f"numbers (skip.weight: (n_outputs, n_lags), skip.bias: (n_outputs,)); "
                    f"both or neither must be given. Got {value!r:.80} instead.")
        skip.coef_, skip.intercept_ = (np.asarray(weight, dtype=np.float64),
                                       np.asarray(bias, dtype=np.float64))
        if skip.coef_.shape[0] != skip.intercept_.shape[0]:
            raise ValueError(
                f"The state_dict entries 'skip.weight' {skip.coef_.shape} and 'skip.bias' "
                f"{skip.intercept_.shape} must have one row and one value per output.")
        skip.n_lags_ = skip.coef_.shape[1]
        return skip

    def _lags(self, Xs):
        if Xs.shape[1] < self.n_lags_:
            raise ValueError(
                f"X has windows of {Xs.shape[1]} time steps, but the linear skip reads the "
                f"last {self.n_lags_}. Give windows of at least {self.n_lags_} steps.")
        return np.asarray(Xs[:, -self.n_lags_:, self.target_feature], dtype=np.float64)

    def fit(self, Xs, Ys):
        """Fit on scaled windows Xs (n, T, D) and scaled targets Ys (n, O), in float64.

        Returns self.
        """
        self.n_lags_ = min(Xs.shape[1], MAX_LAGS)
        Z = self._lags(Xs)                                          # (n, L)
        Y = np.asarray(Ys, dtype=np.float64).reshape(len(Ys), -1)   # (n, O)
        z_mean, y_mean = Z.mean(axis=0), Y.mean(axis=0)
        Zc, Yc = Z - z_mean, Y - y_mean
        gram = Zc.T @ Zc + self.penalty * np.eye(self.n_lags_)
        self.coef_ = np.linalg.solve(gram, Zc.T @ Yc).T             # (O, L)
        self.intercept_ = y_mean - self.coef_ @ z_mean              # (O,)
        return self

    def predict(self, Xs):
        """The skip's part of the scaled prediction, shape (n, O)."""
        return self._lags(Xs) @ self.coef_.T + self.intercept_
