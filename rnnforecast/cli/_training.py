"""What is fitted and how it went: the window, the forecaster, the memory it needs,
its training (Ctrl-C included), the report on it and the plausibility of its forecast.
"""

import os
import re
import signal
import sys
import time
import warnings

import numpy as np

from .. import RNNForecaster
from ..forecasting import AutoForecaster
from ..forecasting._auto import LABELS
from ..nn.network import NetworkSpec, param_shapes
from ._messages import LOG, CLIError, count, one_line

#: Forecasts more than this many history ranges beyond the history are refused.
IMPLAUSIBLE_SPANS = 10
#: Memory per weight while training: float32 weights, gradients, two Adam moments, the
#: last-epoch and best snapshots (6 x 4 bytes), and the float64 copy for prediction.
BYTES_PER_WEIGHT = 32


def build_forecaster(args, target_feature=0):
    return RNNForecaster(cell=args.cell, hidden_size=args.hidden_size, max_iter=args.epochs,
                         early_stopping=True, validation_fraction=0.2,
                         n_iter_no_change=args.patience, learning_rate_init=args.learning_rate,
                         random_state=args.seed, verbose=int(args.verbose),
                         target_feature=target_feature)


def build_auto_forecaster(args, verbose):
    """The forecast command's model: candidates chosen on the history (AutoForecaster)."""
    return AutoForecaster(
        horizon=args.horizon, seasonal_period=args.seasonal_period, window=args.window,
        candidates=tuple(args.candidates), cell=args.cell, hidden_size=args.hidden_size,
        n_members=args.members, learning_rate=args.learning_rate, max_epochs=args.epochs,
        patience=args.patience, random_state=args.seed, verbose=verbose,
        **_known_params(args))


def _known_params(args):
    """The AutoForecaster's columns known in advance, when any option asks for them
    (none: its defaults, so the command's default run is unchanged)."""
    params = {}
    if args.known:
        params["known"] = tuple(args.known)
    if args.calendar:
        params.update(calendar=True, holidays=args.holidays)
    return params


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _size(n_bytes):
    return f"{n_bytes / 1e12:.0f} TB" if n_bytes >= 1e12 else f"{n_bytes / 1e9:.1f} GB"


def check_memory(args, n_features):
    """Refuse a network whose weights alone would not fit in this machine's memory."""
    size = args.hidden_size
    spec = NetworkSpec(args.cell, n_features, size, args.horizon)
    n_weights = sum(int(np.prod(shape)) for shape in param_shapes(spec).values())
    need, have = BYTES_PER_WEIGHT * n_weights, _physical_memory()
    if have and need > have:
        raise CLIError(f"--hidden-size {size} needs about {_size(need)} of memory for the "
                       f"weights alone, more than the {_size(have)} of this machine; use a "
                       "smaller --hidden-size")


class SigintRecorder:
    """Within the block, remembers a Ctrl-C (still raised as KeyboardInterrupt), so that
    an estimator that catches it to keep its best weights cannot hide it."""

    received = False

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: signals are not ours to handle
            self._previous = False
        return self

    def _handle(self, signum, frame):
        self.received = True
        raise KeyboardInterrupt

    def __exit__(self, *exc_info):
        if self._previous is not False:
            signal.signal(signal.SIGINT, self._previous or signal.SIG_DFL)
        if self.received and exc_info[0] is None:
            raise KeyboardInterrupt
        return False


def best_epoch(model):
    """The epoch (from 1) whose weights the fitted model keeps."""
    epoch = getattr(model, "best_epoch_", None)
    if epoch is not None:
        return int(epoch)
    scores = getattr(model, "validation_scores_", None)
    scores = np.asarray([] if scores is None else scores, dtype=float)
    if not scores.size:
        return int(model.n_iter_)
    return int(np.argmax(np.where(np.isfinite(scores), scores, -np.inf))) + 1


def training_report(model, epochs, patience, seconds, budget=None):
    """Lines saying how training went; the "more epochs" note only when it is true:
    --epochs (or ``budget``, the epochs a budget of gradient steps allowed, when fewer)
    was reached and the kept weights come from the last few epochs (a third of
    --patience, at most a tenth of the epochs run)."""
    n_run, kept = int(model.n_iter_), best_epoch(model)
    score = getattr(model, "best_validation_score_", None)
    best = f" (best validation R^2 {score:.3f})" if score is not None and \
        np.isfinite(score) else ""
    lines = [f"Fitted: {count(n_run, 'epoch')} run, weights of epoch {kept} kept{best}, "
             f"{seconds:.1f} s"]
    limit = epochs if budget is None else min(budget, epochs)
    if n_run >= limit and kept > n_run - max(1, min(patience // 3, n_run // 10)):
        stop = f"--epochs {epochs}" if limit == epochs else \
            f"{limit} epochs, the training budget of this many windows"
        lines.append(f"Note: stopped at {stop} while the validation score was still "
                     "improving; more epochs may help.")
    return lines


def fit_forecaster(args, X, y, window):
    """The fitted model and the notes on its training (printed once the forecast is
    found plausible); Ctrl-C during the fit raises KeyboardInterrupt."""
    model = build_forecaster(args)
    LOG.info(f"Fitting {args.cell.upper()} (hidden {args.hidden_size}) on {len(X)} windows of "
          f"{window} steps, horizon {args.horizon} ...")
    start = time.perf_counter()
    try:
        with SigintRecorder():
            model.fit(X, y)
    except ValueError as exc:
        if "diverge" in str(exc):  # the estimator's own check; its first sentence
            first = re.split(r"\.\s", one_line(exc))[0]
            raise CLIError(f"{first}{_divergence_fix(args)}") from None
        raise
    if getattr(model, "interrupted_", False):
        raise KeyboardInterrupt
    fitted, *notes = training_report(model, args.epochs, args.patience,
                                     time.perf_counter() - start)
    LOG.info(fitted)
    return model, notes


def fit_auto_forecaster(args, data):
    """The fitted AutoForecaster and the notes on its fit (printed once the forecast is
    found plausible); Ctrl-C during the fit raises KeyboardInterrupt."""
    verbose = 0 if args.quiet else 2 if args.verbose else int(sys.stderr.isatty())
    model = build_auto_forecaster(args, verbose)
    names = [f"{args.cell.upper()} ensemble of {args.members} (hidden {args.hidden_size})"
             if name == "rnn" else LABELS[name] for name in args.candidates]
    LOG.info(f"Fitting {', '.join(names)} on {len(data)} rows, horizon {args.horizon} ...")
    start = time.perf_counter()
    try:
        with SigintRecorder():
            model.fit(data, target=args.target)
    except ValueError as exc:
        if "diverge" in str(exc):  # the estimator's own check; its first sentence
            first = re.split(r"\.\s", one_line(exc))[0]
            raise CLIError(f"{first}{_divergence_fix(args)}") from None
        raise
    seconds = time.perf_counter() - start
    networks = getattr(model, "_networks", None)
    lines = []
    if networks is not None:
        first = networks.members[0]
        if getattr(first, "interrupted_", False):
            raise KeyboardInterrupt
        lines += training_report(first, args.epochs, args.patience, model.network_seconds_,
                                 budget=model.network_budget_["max_epochs"])
    fitted, *notes = lines or [f"Fitted in {seconds:.1f} s"]
    LOG.info(fitted)
    LOG.info(model.summary_)
    return model, notes + _validation_notes(model)


def _validation_notes(model):
    """A warning when the chosen forecaster validated worse than seasonal naive (only
    possible when seasonal naive is not a candidate), else a note when the network
    did and was not chosen."""
    scores, snaive = model.validation_mase_, getattr(model, "_snaive_mase", None)
    if model.worse_than_seasonal_naive_:
        warnings.warn(f"the chosen forecaster validated worse than seasonal naive "
                      f"(MASE {scores[model.chosen_]:.2f} vs {snaive:.2f}); add "
                      "seasonal_naive to --candidates", UserWarning)
        return []
    rnn = scores.get("rnn")
    # compared as printed: a tie at two decimals (e.g. a flat series, all 0.00) is no news
    if rnn is not None and snaive is not None and round(rnn, 2) > round(snaive, 2) and \
            model.chosen_ != "rnn":
        return [f"Note: the networks validated worse than seasonal naive (MASE {rnn:.2f} "
                f"vs {snaive:.2f}), so {model._label(model.chosen_)} forecasts."]
    return []


def _divergence_fix(args):
    rate = args.learning_rate
    return f"; lower --learning-rate (now {rate:g}), e.g. --learning-rate {rate / 100:g}"


def check_plausible(table, history, args):
    """Refuse forecasts that are non-finite or far outside the history's range."""
    values = table.to_numpy(dtype=float)
    fix = f", so nothing was written; training probably diverged{_divergence_fix(args)}"
    if not np.isfinite(values).all():
        raise CLIError(f"the forecast holds non-finite values "
                       f"({values[~np.isfinite(values)][0]}){fix}")
    low, high = float(history.min()), float(history.max())
    span = (high - low) or abs(high) or 1.0
    forecast = table["forecast"].to_numpy(dtype=float)
    margin = IMPLAUSIBLE_SPANS * span
    far = (forecast > high + margin) | (forecast < low - margin)
    if far.any():
        raise CLIError(f"the forecast {forecast[far][0]:g} lies far outside the history of "
                       f"{history.name!r} ({low:g} to {high:g}){fix}")
