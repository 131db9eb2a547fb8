"""AutoForecaster's recurrent candidate: an ensemble of networks over seeds, trained on
a budget of gradient steps, the members in parallel when their fits are large enough.

``NetworkCandidates`` is mixed into :class:`~rnnforecast.forecasting.AutoForecaster`; it
reads the fitted ``window_``, ``horizon``, ``seasonal_period_`` and
``seasonal_residual_`` and the ensemble's parameters (``cell``, ``hidden_size``,
``n_members``, ``learning_rate``, ``max_epochs``, ``patience``, ``max_windows``,
``max_steps``, ``n_jobs``, ``random_state``, ``verbose``). It is the forecasting layer's
one use of a network: ``RNNForecaster`` is imported inside ``_fit_member`` (see
``docs/architecture.md``).
"""

import time
import warnings
from contextlib import nullcontext

from joblib import Parallel, delayed, effective_n_jobs
from sklearn.exceptions import ConvergenceWarning

from ._auto_rules import training_budget
from ._candidates import EnsembleForecaster, seasonal_shift
from ._progress import ProgressLine

#: Most time steps (windows x window length) a network trains on per epoch.
MAX_WINDOW_STEPS = 48_000
#: Seconds of training before the progress line appears.
PROGRESS_DELAY = 2.0
#: Fewest window time steps per epoch for which the members train in parallel
#: processes: below it, training takes less than starting a worker.
PARALLEL_MIN_STEPS = 20_000
#: Fewest fit-part windows for which the networks are trained at all.
MIN_RNN_WINDOWS = 20


def _fit_member(params, X, Y, seed, label, verbose, start):
    """One network, fitted on windows X (N, T, D) and targets Y (N, H); with ``label``
    its epochs show in the progress line (``verbose=1``, once ``PROGRESS_DELAY``
    seconds have passed since ``start``, a ``time.time()``) or one line each (2)."""
    from ..estimators import RNNForecaster  # the forecasting layer's one use of a network

    model = RNNForecaster(**params, random_state=seed, verbose=int(bool(label) and
                                                                   verbose > 1))
    progress = ProgressLine(label, delay=PROGRESS_DELAY, start=start,
                            total=params["max_iter"]) if label and verbose == 1 \
        else nullcontext()
    with progress, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the budget stops it
        model.fit(X, Y)
    return model


class NetworkCandidates:
    """The LSTM (or other cell) ensemble of AutoForecaster: whether it can train, its
    fit (early stopping on its own last windows, or a given number of epochs), and the
    workers for its members."""

    def _can_train(self, n_fit):
        """Whether the networks' own early-stopping split leaves 10 training windows."""
        used = min(n_fit, self.max_windows, MAX_WINDOW_STEPS // self.window_)
        return used >= MIN_RNN_WINDOWS and \
            used - max(1, round(0.2 * used)) - (self.horizon - 1) >= 10

    def _fit_networks(self, X, Y, stage, epochs=None):
        """The ensemble of networks on the most recent windows of (X, Y).

        Without ``epochs``, each network stops early on its last windows (patience
        scaled to the budget: at most a fifth of its epochs, at least 5); with
        ``epochs`` (one per member), each trains on every window for that many epochs.
        """
        used, batch, budget = training_budget(
            len(X), max_windows=min(self.max_windows, MAX_WINDOW_STEPS // X.shape[1]),
            max_steps=self.max_steps,
            max_epochs=self.max_epochs, batch_size=32)
        X, Y = X[-used:], Y[-used:]
        m = self.seasonal_period_ if self.seasonal_residual_ else None
        targets = Y - seasonal_shift(X, Y.shape[1], m)
        # no linear skip: it helped the networks alone but made the choice between the
        # candidates worse on the public suite (benchmarks/README.md)
        params = dict(cell=self.cell, hidden_size=self.hidden_size, linear_skip=False,
                      learning_rate_init=self.learning_rate, batch_size=batch)
        seeds = [self.random_state + i for i in range(self.n_members)]
        if epochs is None:
            params.update(max_iter=budget, early_stopping=True, validation_fraction=0.2,
                          n_iter_no_change=max(5, min(self.patience, budget // 5)))
            settings = [params] * self.n_members
            self.network_budget_ = {"windows": used, "batch_size": batch,
                                    "max_epochs": budget}
        else:  # as many epochs as early stopping kept, no early stopping; the
            # calibration is step 2's held-out windows, so no second network (calibration)
            settings = [{**params, "max_iter": int(e), "n_iter_no_change": int(e) + 1,
                         "early_stopping": False, "calibration": False}
                        for e in epochs]
        n = self.n_members  # every member reports: parallel ones share the line
        labels = [f"{self.cell.upper()} {i + 1}/{n} ({stage})" if self.verbose == 1 or
                  (self.verbose and i == 0) else None for i in range(n)]
        jobs = [delayed(_fit_member)(p, X, targets, s, lab, self.verbose, self._start)
                for p, s, lab in zip(settings, seeds, labels)]
        start = time.perf_counter()
        members = Parallel(n_jobs=self._n_jobs(used))(jobs)
        if epochs is None:
            self.network_seconds_ = time.perf_counter() - start
        return EnsembleForecaster(members, m)

    def _n_jobs(self, n_windows):
        """Workers for the members: every core, but one for small fits, whose training
        takes less than starting a worker process."""
        if n_windows * self.window_ < PARALLEL_MIN_STEPS:
            return 1
        return max(1, min(self.n_members, effective_n_jobs(self.n_jobs)))
