"""Calibration residuals of a forecaster fitted without early stopping.

Split-conformal intervals need residuals of windows the model was not trained on.
Early stopping holds the last windows out and its residuals are free. Without it the
network trains on every window, so its own residuals are in-sample and too small. The
forecaster then measures the residuals of a second network with the same parameters,
trained on the windows before the last ``validation_fraction`` and a purge gap::

    windows   0 ............ cut-gap-1 | gap | cut ........ n-1
    second    trained on these         |     | residuals here -> conformal_residuals_
    fitted    trained on every window (the model that forecasts)

The fitted network keeps all the data (none of the recent windows is lost to
calibration), at the cost of one more fit on ``1 - validation_fraction`` of the windows.
The second network learned from fewer windows than the fitted one, so its residuals
stand in for the fitted network's errors only approximately; no epoch was chosen on the
calibration windows either (unlike early stopping's, whose residuals are slightly
optimistic for that reason). Measured coverage: ``benchmarks/README.md``.
"""

import warnings

from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from ._training import time_ordered_split

__all__ = ["calibration_split", "refit_predictions"]


def calibration_split(estimator, X, Y, min_train):
    """(train, calibration) indices of the second network, or None when
    ``calibration="auto"`` leaves fewer than ``min_train`` windows to train it on.

    X : ndarray of shape (n_samples, n_timesteps, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    """
    gap = estimator._purge_gap(X, Y)
    n_val = max(1, round(len(X) * estimator.validation_fraction))
    n_train = len(X) - n_val - gap
    if estimator.calibration == "auto" and n_train < min_train:
        return None
    if n_train < 1:
        raise ValueError(
            f"The 'calibration' parameter of {type(estimator).__name__} is True, but "
            f"{len(X)} windows with validation_fraction={estimator.validation_fraction} "
            f"hold out {n_val} for calibration and a purge gap of {gap} before them, which "
            "leaves no window to train the second network on. Provide more windows, or "
            "set calibration='auto' (no residuals then) or False.")
    return time_ordered_split(len(X), estimator.validation_fraction, gap)


def refit_predictions(estimator, X, Y, train, val):
    """Predictions of ``X[val]`` by a clone of ``estimator`` trained on ``X[train]``
    alone, without early stopping (as the estimator was fitted).

    The clone has the estimator's ``random_state`` (an int seeds both networks alike,
    and the residuals do not depend on how long the fitted network trained); its
    ConvergenceWarning is not repeated (the fit itself warns).

    Returns
    -------
    point : ndarray of shape (len(val), n_outputs)
    levels : ndarray of shape (len(val), n_outputs, n_quantiles), or None without
        ``loss="quantile"``
    """
    second = clone(estimator).set_params(calibration=False, early_stopping=False,
                                         warm_start=False, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        second.fit(X[train], Y[train])
    return second._predict_both(X[val])
