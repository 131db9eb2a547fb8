"""Parallel fits whose warnings reach the caller.

A fit run by joblib in another process shows its warnings on that process's stderr,
past the caller's warning filters (a notebook's, or ``warnings.simplefilter``), once per
fit. ``recording`` runs a job and returns its warnings with its result; ``show`` then
shows them in the caller's process, through the caller's filters: a ConvergenceWarning
once for all the fits, with how many stopped before converging, and any other text once
per place of origin.
"""

import warnings

from sklearn.exceptions import ConvergenceWarning

__all__ = ["recording", "show"]


def recording(job, *args):
    """Run ``job(*args)``; return its result and its warnings, recorded instead of shown
    as ``(message, category, filename, lineno)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = job(*args)
    return result, [(w.message, w.category, w.filename, w.lineno) for w in caught]


def _is_convergence(category):
    return issubclass(category, ConvergenceWarning)


def show(recorded, owner, stacklevel):
    """Show the warnings of the jobs (one list per job) through the caller's filters.

    recorded : list of lists of ``(message, category, filename, lineno)``
    owner : str
        What ran the fits, for the ConvergenceWarning's text (e.g. "backtest").
    stacklevel : int
        Of that warning, counted from this function (2: its caller's line).
    """
    registry, unconverged = {}, []
    for caught in recorded:
        convergence = [str(m) for m, category, _, _ in caught if _is_convergence(category)]
        unconverged += convergence[:1]  # one per fit
        for message, category, filename, lineno in caught:
            if not _is_convergence(category):
                warnings.warn_explicit(message, category, filename, lineno,
                                       registry=registry)
    if unconverged:
        warnings.warn(
            f"{len(unconverged)} of the {len(recorded)} fits of the {owner} stopped before "
            f"converging; the first said: {unconverged[0]} Raise the estimator's iteration "
            "limit (max_iter) if the forecasts look undertrained.",
            ConvergenceWarning, stacklevel=stacklevel)
