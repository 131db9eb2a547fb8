"""AutoForecaster: a forecast from one call, chosen on the history alone.

``AutoForecaster(horizon=12).fit(series).predict(interval=0.9)`` is what the
``rnnforecast forecast`` command runs. Fitting

1. reads the seasonal period ``m`` from the dates' spacing (:func:`seasonal_period`),
   picks a window of at least two seasons (:func:`auto_window`) and gives the
   networks Fourier terms of the season's phase as extra inputs;
2. holds out the last ``K`` windows of the history (rolling origins, after a purge gap
   of ``horizon - 1`` windows so that no held-out target was a training target)::

       history   x x x x x x x x x x x x x x x x x x x x x x x
       fit part  [window][ y y y ]                                (first windows)
                         ...[window][ y y y ]                      (last fit window)
       held out              gap        [window][ y y y ]          (first origin)
                                                 ...[window][ y y y ]  (last origin)

3. fits every candidate on the fit part and scores it on the held-out windows (mean
   absolute error over all origins and lead times): an ensemble of recurrent networks
   over seeds (members in parallel, each stopping early on its own last windows), a
   ridge regression on lags, drift, seasonal naive and naive; the networks, the ridge
   and drift work from seasonal naive when it beats naive on the held-out windows;
4. keeps seasonal naive unless a candidate's error is lower by ``margin`` (10 %), else
   takes the lowest, and refits it on the whole history (the networks for the epochs
   early stopping kept in step 3).

Its validation errors are reported as MASE (divided by the mean absolute seasonal
difference of the fit part), beside seasonal naive's. Intervals are split conformal
(:func:`~rnnforecast.forecasting.forecast`) on the chosen candidate's residuals on the
held-out windows of step 2; the baselines (nothing learned) on their residuals on every
window; seasonal naive's when the others are too few for the coverage asked.

The cost of training grows with what the data needs rather than with epochs × windows
(:func:`training_budget`): at most ``max_windows`` of the most recent windows (fewer
for long windows), a budget of ``max_steps`` gradient steps per member and a patience
scaled to it; the members train in parallel when their fits are large enough.
"""

import time

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._validation import as_2d_array, check_int
from ..windowing import make_windows
from ._auto_input import (as_frame, check_fallback_enough, check_length, check_steps,
                          too_few, with_fourier)
from ._auto_known import KnownColumnsMixin
from ._auto_networks import NetworkCandidates
from ._auto_rules import auto_window, seasonal_period
from ._baselines import NaiveForecaster, SeasonalNaiveForecaster
from ._candidates import DriftForecaster, RidgeLagForecaster
from ._conformal import highest_coverage, local_scale
from ._forecast import forecast
from ._future_index import check_index_kind, extend_index

__all__ = ["AutoForecaster"]

#: Candidate names and how the report names them.
CANDIDATES = ("rnn", "ridge", "drift", "seasonal_naive", "naive")
LABELS = {"ridge": "ridge on lags", "seasonal_naive": "seasonal naive", "naive": "naive",
          "drift": "drift"}
#: Longest window over which drift measures its slope.
DRIFT_WINDOW = 1000
#: What a fit learns besides the attributes ending in "_": removed before each fit.
FITTED = ("_history", "_n_columns", "_fallback", "_networks", "_drift_model",
          "_snaive_mase")


def _mae(Y, P):
    return float(np.mean(np.abs(Y - P)))


class AutoForecaster(KnownColumnsMixin, NetworkCandidates, BaseEstimator):
    """Forecast a series in one call: candidates chosen on the history's last windows.

    See the module docstring for what ``fit`` does. The command ``rnnforecast forecast``
    uses this class with its defaults.

    Examples
    --------
    >>> from rnnforecast.datasets import load_airline
    >>> model = AutoForecaster(horizon=12).fit(load_airline())  # doctest: +SKIP
    >>> model.summary_                                          # doctest: +SKIP
    'Chose ridge on lags, residual over seasonal naive (window 24, ...'
    >>> model.predict(interval=0.9)       # forecast, lower, upper  # doctest: +SKIP

    Parameters
    ----------
    horizon : int, default=12
        Number of values to forecast (the networks' and the ridge's outputs).
    seasonal_period : int or None, default=None
        Season length ``m``; default from the dates' spacing (:func:`seasonal_period`).
    window : int or None, default=None
        Input window; default :func:`auto_window`.
    candidates : tuple of str, default=("rnn", "ridge", "drift", "seasonal_naive", "naive")
        "drift" is naive (or seasonal naive, with a season) plus the average change per
        step over the history before the held-out windows (at most ``DRIFT_WINDOW``
        points).
    cell : {"lstm", "gru", "rnn", "jordan"}, default="lstm"
    hidden_size : int, default=32
    n_members : int, default=2
        Networks in the ensemble, one seed each (``random_state``, ``+ 1``, ...); on
        the suite 2 matched 3 and 5 in accuracy, in one round on two cores.
    learning_rate : float, default=0.005
    max_epochs : int, default=300
    patience : int, default=10
        Epochs without improvement of the validation loss before a network stops (at
        most a fifth of the epochs its budget allows, at least 5). On the public suite
        10 made the same choices and forecasts as 30 in three quarters of the time
        (``benchmarks/README.md``).
    max_windows : int, default=1000
        Most recent windows a network trains on (fewer for long windows: at most
        ``MAX_WINDOW_STEPS`` time steps, i.e. 1000 windows of 48 steps).
    max_steps : int, default=1500
        Gradient steps per network (the epochs follow from it, see
        :func:`training_budget`).
    n_origins : int, default=10
        Fewest held-out windows for the choice (more on long series: a fifth of the
        windows, at most 500).
    margin : float, default=0.1
        Seasonal naive is kept unless another candidate's validation error is lower by
        at least this fraction (0.1 was chosen on the public suite, see
        ``benchmarks/README.md``).
    seasonal_residual : bool, default=True
        Let the networks, the ridge and drift work from seasonal naive (when it beats
        naive on the held-out windows) rather than from the last value.
    alpha : float, default=1.0
        Ridge penalty of the lag regression (on windows scaled by the mean absolute
        one-step change).
    fourier_terms : int, default=2
        With a season (``m > 1``), the networks also read ``sin(2 pi k t / m)`` and
        ``cos(2 pi k t / m)``, ``k = 1 .. fourier_terms``, of each input step's
        position ``t`` in the history (the ridge does not: with them it overfitted
        on the suite); 0 for none.
    n_jobs : int or None, default=None
        Networks fitted in parallel (joblib); None uses every core.
    random_state : int, default=0
    verbose : int, default=1
        1 shows one progress line (epoch, loss, validation loss) while a network has
        trained for more than two seconds; 0 nothing.
    known : tuple of str, default=()
        Columns of the history known in advance (planned prices, promotions, weather
        forecasts): the networks and the ridge read them led by the horizon (see
        :func:`~rnnforecast.make_windows`), and ``predict`` needs their values at the
        next ``horizon`` timestamps (``future``).
    calendar : bool, default=False
        Add the calendar features of the timestamps (Fourier terms of month, weekday
        and hour as suit the spacing, :func:`calendar_features`; the month only with
        at least ``MIN_MONTH_YEARS`` = 2 years of history) as columns known in advance
        of the networks (not of the ridge, which they made worse on the suite);
        ``predict`` computes them for the future itself.
    holidays : list of dates or None, default=None
        With ``calendar``, the dates of the ``holiday`` column.

    Attributes
    ----------
    seasonal_period_, window_ : int
    horizon_ : int
        The horizon fitted for; ``predict`` reads it (and ``known_``, ``calendar_``,
        ``holidays_``, the other parameters it needs, as fitted), so that
        ``set_params`` after ``fit`` changes nothing until the next fit.
    chosen_ : str
        The candidate refitted on the whole history.
    model_ : window forecaster
        That candidate, fitted (``predict``, ``conformal_residuals_``, ...).
    validation_mase_ : dict of str to float
        Each candidate's error on the held-out windows, as MASE.
    seasonal_residual_ : bool
        Whether the networks, the ridge and drift worked from seasonal naive.
    n_validation_windows_ : int
    summary_ : str
        One line saying what was chosen and how it validated.
    known_columns_ : list
        The columns read led by the horizon: ``known``, then the calendar's.
    calendar_cycles_ : list of str
        With ``calendar``, the cycles chosen from the spacing of the history.
    """

    def __init__(self, horizon=12, *, seasonal_period=None, window=None,
                 candidates=CANDIDATES, cell="lstm", hidden_size=32, n_members=2,
                 learning_rate=0.005, max_epochs=300, patience=10, max_windows=1000,
                 max_steps=1500, n_origins=10, margin=0.1, seasonal_residual=True,
                 alpha=1.0, fourier_terms=2, n_jobs=None, random_state=0, verbose=1,
                 known=(), calendar=False, holidays=None):
        self.horizon = horizon
        self.seasonal_period = seasonal_period
        self.window = window
        self.candidates = candidates
        self.cell = cell
        self.hidden_size = hidden_size
        self.n_members = n_members
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.patience = patience
        self.max_windows = max_windows
        self.max_steps = max_steps
        self.n_origins = n_origins
        self.margin = margin
        self.seasonal_residual = seasonal_residual
        self.alpha = alpha
        self.fourier_terms = fourier_terms
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.known = known
        self.calendar = calendar
        self.holidays = holidays

    # ------------------------------------------------------------------ fit
    def fit(self, history, target=None):
        """Choose a forecaster on the last windows of ``history`` and refit it on all.

        Parameters
        ----------
        history : pandas.Series, pandas.DataFrame or array-like of shape (n_time,) or \
(n_time, n_features)
            Observations in time order; a DataFrame's other columns are inputs of the
            networks and the ridge.
        target : str, int or None, default=None
            Column to forecast; default the first.

        Returns
        -------
        self
        """
        self._forget_fit()  # a failed or interrupted fit leaves nothing that predicts
        try:
            return self._fit(history, target)
        except BaseException:  # KeyboardInterrupt too: no half-fitted model
            self._forget_fit()
            raise

    def _forget_fit(self):
        """Remove what an earlier fit learned, so that ``predict`` refuses until a fit
        completes."""
        for name in [*FITTED, *(k for k in vars(self) if k.endswith("_") and
                                not k.startswith("__"))]:
            self.__dict__.pop(name, None)

    def _fit(self, history, target):
        self._start = time.time()  # the progress line counts from here
        self._check_params()
        self.horizon_ = self.horizon  # predict reads the fitted horizon
        # a copy: a model holding the caller's frame forecast from its later edits
        self._history = as_frame(history, target).copy()
        as_2d_array(self._history, "history", "AutoForecaster.fit")  # numbers, finite,
        # sorted and unique dates, checked here rather than in make_windows
        check_index_kind(self._history.index, "AutoForecaster.fit", "history")  # text
        # or floats: no future labels, so refused before training rather than in predict
        self._n_columns = self._history.shape[1]  # the columns given, before the
        self._history = self._with_known(self._history)  # calendar's and Fourier's
        n_rows = len(self._history)
        self.seasonal_period_ = int(self.seasonal_period or seasonal_period(
            self._history.index))
        if self.fourier_terms and self.seasonal_period_ > 1:
            self._history = with_fourier(self._history, self.seasonal_period_,
                                          self.fourier_terms)
        self.window_ = int(self.window or auto_window(self._history.index, self.horizon,
                                                      n_rows, self.seasonal_period_))
        check_length(n_rows, self.window_, self.horizon, self.window)
        X, Y = make_windows(self._history, self.window_, self.horizon,
                            target=self._history.columns[0],
                            known=self.known_columns_ or None)
        X = X.astype(np.float64, copy=False)  # keeps the mark of the known columns
        Y = np.asarray(Y, dtype=np.float64).reshape(len(Y), -1)    # (N, H)
        fit_idx, val_idx = self._split(len(X))
        self.n_validation_windows_ = len(val_idx)
        if not len(val_idx):
            return self._fit_without_choice(X, Y)
        predictions = self._score_candidates(X, Y, fit_idx, val_idx)
        self.chosen_ = self._choose(self.validation_mase_)
        self.model_ = self._refit(self.chosen_, X, Y, val_idx, predictions)
        self._fallback = SeasonalNaiveForecaster(self._season_in_window()).fit(X, Y)
        self.summary_ = self._summary()
        return self

    def _check_params(self):
        """The parameters' rules, checked once per fit (scikit-learn's convention)."""
        name = type(self).__name__
        check_int(self.horizon, "horizon", 1, name)
        check_int(self.seasonal_period, "seasonal_period", 1, name, allow_none=True)
        check_int(self.window, "window", 2, name, allow_none=True)
        for param in ("n_members", "max_epochs", "patience", "max_windows", "max_steps",
                      "n_origins"):
            check_int(getattr(self, param), param, 1, name)
        check_int(self.fourier_terms, "fourier_terms", 0, name)
        unknown = [c for c in self.candidates if c not in CANDIDATES]
        if isinstance(self.candidates, str) or unknown or not len(self.candidates):
            raise ValueError(
                f"The 'candidates' parameter of {name} must be a non-empty tuple of "
                f"{', '.join(map(repr, CANDIDATES))}. Got {self.candidates!r} instead.")
        if not 0 <= self.margin < 1:
            raise ValueError(f"The 'margin' parameter of {name} must be a float in the "
                             f"range [0, 1). Got {self.margin!r} instead.")

    def _choose(self, scores):
        """The lowest validation error; seasonal naive unless that is lower by
        ``margin`` (relative), the benchmark kept when the evidence against it is thin."""
        best = min(scores, key=scores.get)
        snaive = scores.get("seasonal_naive")
        if snaive is not None and scores[best] > (1 - self.margin) * snaive:
            best = "seasonal_naive"
        # without a season in the window, seasonal naive is naive: say so
        return "naive" if best == "seasonal_naive" and "naive" in scores and \
            self._season_in_window() == 1 else best

    def _season_in_window(self):
        """Seasonal period usable with this window: 1 when a season does not fit."""
        m = self.seasonal_period_
        return m if 1 < m <= self.window_ else 1

    def _split(self, n_windows):
        """(fit, held-out) window indices: the last K windows after a purge gap."""
        room = n_windows - self.horizon - 4      # leave at least 5 fit windows
        n_val = min(max(self.n_origins, n_windows // 5), 500, room)
        if n_val < 1:
            return np.arange(n_windows), np.arange(0)
        return (np.arange(n_windows - n_val - self.horizon + 1),
                np.arange(n_windows - n_val, n_windows))

    def _fit_without_choice(self, X, Y):
        """Too few windows to hold any out: seasonal naive (naive without a season)."""
        m = self._season_in_window()
        self.model_ = SeasonalNaiveForecaster(m).fit(X, Y)
        self._fallback = self.model_
        self.chosen_ = "seasonal_naive" if m > 1 else "naive"
        self.validation_mase_, self.seasonal_residual_ = {}, False
        self.summary_ = (f"Chose {LABELS[self.chosen_]}: {len(X)} windows are too few to "
                         "hold some out and compare forecasters")
        return self

    def _score_candidates(self, X, Y, fit_idx, val_idx):
        """Fit each candidate on the fit windows; its predictions of the held-out ones."""
        Xf, Yf, Xv, Yv = X[fit_idx], Y[fit_idx], X[val_idx], Y[val_idx]
        m = self._season_in_window()
        predictions = {"seasonal_naive": SeasonalNaiveForecaster(m).fit(Xf, Yf).predict(Xv),
                       "naive": NaiveForecaster().fit(Xf, Yf).predict(Xv)}
        predictions = {k: v.reshape(len(Xv), -1) for k, v in predictions.items()}
        self.seasonal_residual_ = bool(self.seasonal_residual) and m > 1 and \
            _mae(Yv, predictions["seasonal_naive"]) < _mae(Yv, predictions["naive"])
        if "ridge" in self.candidates:
            predictions["ridge"] = self._ridge().fit(Xf, Yf).predict(Xv)
        if "drift" in self.candidates:
            self._drift_model = self._fit_drift(len(val_idx))
            predictions["drift"] = self._drift_model.conformal_predictions_
        if "rnn" in self.candidates and self._can_train(len(fit_idx)):
            self._networks = self._fit_networks(Xf, Yf, "choosing")
            predictions["rnn"] = self._networks.predict(Xv)
        predictions = {k: v for k, v in predictions.items()
                       if k in self.candidates or k == "seasonal_naive"}
        scale = _mase_scale(X[:, :, 0], Y, fit_idx, m)
        self.validation_mase_ = {k: _mae(Yv, p) / scale for k, p in predictions.items()
                                 if k in self.candidates}
        if not self.validation_mase_:  # the networks alone, too few windows to train
            self.validation_mase_ = {"seasonal_naive": _mae(Yv, predictions[
                "seasonal_naive"]) / scale}
        self._snaive_mase = _mae(Yv, predictions["seasonal_naive"]) / scale
        return predictions

    def _ridge(self):
        m = self.seasonal_period_ if self.seasonal_residual_ else None
        return RidgeLagForecaster(alpha=self.alpha, seasonal_period=m,
                                  n_inputs=self._n_columns)  # not the Fourier terms
        # nor the calendar's: with them it was worse on 5 of 6 series with calendar
        # effects (benchmarks/bench_covariates.py), as with the Fourier terms

    def _fit_drift(self, n_val):
        """Drift over a long window: the points before the first held-out target (at
        most ``DRIFT_WINDOW``), its slope much steadier than over the short window.
        Learning nothing, it is fitted on the held-out windows themselves (their
        residuals calibrate it), and forecasts from the last window of the history."""
        n_rows = len(self._history)
        length = min(n_rows - self.horizon + 1 - n_val, DRIFT_WINDOW)
        X, Y = make_windows(self._history, length, self.horizon,
                            target=self._history.columns[0])
        X = np.asarray(X, dtype=np.float64)[-n_val:]
        Y = np.asarray(Y, dtype=np.float64).reshape(-1, self.horizon)[-n_val:]
        m = self.seasonal_period_ if self.seasonal_residual_ else None
        return DriftForecaster(m).fit(X, Y)

    def _refit(self, name, X, Y, val_idx, predictions):
        """The chosen candidate fitted on every window, with its calibration."""
        if name in ("seasonal_naive", "naive"):
            m = self._season_in_window() if name == "seasonal_naive" else 1
            return SeasonalNaiveForecaster(m).fit(X, Y)
        if name == "drift":
            return self._drift_model
        model = self._ridge().fit(X, Y) if name == "ridge" else self._fit_networks(
            X, Y, "refitting", epochs=[m.best_epoch_ for m in self._networks.members])
        held_out = Y[val_idx] - predictions[name]            # (K, H)
        own = getattr(model, "conformal_residuals_", None)
        if own is None or len(own) < len(held_out):
            model.conformal_residuals_ = held_out
            model.conformal_scales_ = local_scale(X[val_idx])
        return model

    # ------------------------------------------------------------------ predict
    def predict(self, steps=None, *, interval=None, freq=None, future=None):
        """The values after the history given to ``fit``, indexed by future timestamps.

        Parameters
        ----------
        steps : int, default=None
            Number of values, at most ``horizon`` (the default).
        interval : float in (0, 1) or list of float, default=None
            Coverage of a split-conformal interval, or several (columns
            ``lower_80``, ``upper_80``, ... as for :func:`~rnnforecast.forecasting.forecast`).
            When the chosen forecaster has too few calibration residuals for the highest,
            seasonal naive's residuals on every window are used for all of them
            (``interval_fallback_`` is then True), so that the intervals stay nested.
        freq : str or pandas offset, default=None
            Spacing of the future index; default inferred from the history (needed
            for irregular dates only; another spacing than that of regular dates is
            refused).
        future : pandas.DataFrame, default=None
            With ``known``: the values of those columns (exactly those) at the next
            ``horizon`` timestamps after the history, whatever ``steps``, indexed by
            them; refused without ``known``. Calendar columns are computed here.

        Returns
        -------
        forecast : pandas.Series of shape (steps,), or pandas.DataFrame with columns
            ``forecast``, ``lower``, ``upper`` when ``interval`` is one number (and the
            level-named columns for several).
        """
        check_is_fitted(self, "model_")
        horizon = self._fitted("horizon")
        if steps is not None:
            steps = check_steps(steps, horizon)
        extend_index(self._history.index, horizon, freq,  # freq checked here
                     owner="AutoForecaster.predict", name="history")
        residuals = None
        self.interval_fallback_ = False
        highest = highest_coverage(interval, "interval", "AutoForecaster.predict")
        if highest is not None and too_few(self.model_, highest):
            residuals = self._fallback.conformal_residuals_
            self.interval_fallback_ = True
            check_fallback_enough(len(residuals), highest)
        result = forecast(self.model_, self._history, steps, freq=freq, interval=interval,
                          residuals=residuals, future=self._future(future, freq))
        return result.rename(self._history.columns[0]) if isinstance(result, pd.Series) \
            else result

    # ------------------------------------------------------------------ report
    def _label(self, name):
        if name != "rnn":
            return LABELS[name]
        return f"{self.cell.upper()} ensemble of {self.n_members}"

    def _summary(self):
        """'Chose X: validation MASE a vs seasonal naive b (others ...)'."""
        chosen, scores = self.chosen_, self.validation_mase_
        others = ", ".join(f"{self._label(k)} {v:.2f}" for k, v in scores.items()
                           if k not in (chosen, "seasonal_naive"))
        residual = ", residual over seasonal naive" if self.seasonal_residual_ and \
            chosen in ("rnn", "ridge") else ""
        skipped = "; the networks were not trained: too few windows" if "rnn" in \
            self.candidates and "rnn" not in scores else ""
        return (f"Chose {self._label(chosen)}{residual} (window {self.window_}, seasonal "
                f"period {self.seasonal_period_}): validation MASE {scores[chosen]:.2f} vs "
                f"seasonal naive {self._snaive_mase:.2f}" + (f"; {others}" if others else "")
                + f", on the last {self.n_validation_windows_} windows of the history"
                + skipped + self._known_note())

    @property
    def worse_than_seasonal_naive_(self):
        """Whether the chosen forecaster validated worse than seasonal naive."""
        check_is_fitted(self, "model_")
        score = self.validation_mase_.get(self.chosen_)
        return score is not None and score > self._snaive_mase


def _mase_scale(values, Y, fit_idx, m):
    """Mean absolute seasonal difference of the target over the fit part.

    values : ndarray of shape (N, T), the target in each window
    """
    n_fit = len(fit_idx)  # windows 0 .. n_fit - 1, stride 1
    series = np.concatenate([values[0], values[1:n_fit, -1], Y[n_fit - 1]])
    lag = m if len(series) > m else 1
    scale = np.mean(np.abs(series[lag:] - series[:-lag]))
    if not scale > 0:
        scale = np.mean(np.abs(np.diff(series)))
    return float(scale) if scale > 0 else 1.0
