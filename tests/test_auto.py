"""AutoForecaster, the one-call forecast that the command runs.

- the seasonal period comes from the dates, the window covers two seasons;
- on a seasonal series with a trend it beats seasonal naive, on a random walk it is
  not worse than naive by more than noise;
- the candidates are chosen on the history's last windows, and no candidate fitted
  for the choice saw a held-out target;
- intervals come from held-out residuals (or seasonal naive's, when too few);
- the progress line appears with ``verbose=1`` only, and is one line updated in place.
"""

import io

import numpy as np
import pandas as pd
import pytest

from rnnforecast import RNNForecaster
from rnnforecast.forecasting import AutoForecaster, auto_window, seasonal_period
from rnnforecast.forecasting import _auto_networks
from rnnforecast.forecasting._candidates import RidgeLagForecaster, seasonal_shift
from rnnforecast.forecasting._progress import ProgressLine

#: Small networks: the choice and the refit run in about a second.
SMALL = dict(hidden_size=8, n_members=2, max_steps=300, verbose=0)


def _monthly(values, start="2000-01-01"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"),
                     name="y")


def _seasonal_trend(n, seed=0):
    """Monthly values: a yearly cycle, a trend and a little noise."""
    t = np.arange(n)
    noise = np.random.default_rng(seed).normal(0, 0.5, n)
    return _monthly(100 + 0.3 * t + 10 * np.sin(2 * np.pi * t / 12) + noise)


def _mae(a, b):
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b))))


# ------------------------------------------------------------ period and window
@pytest.mark.parametrize("freq, expected", [
    ("MS", 12), ("ME", 12), ("QS", 4), ("W-MON", 52), ("D", 7), ("B", 5), ("h", 24),
    ("30min", 48), ("YS", 1)])
def test_seasonal_period_from_the_dates(freq, expected):
    assert seasonal_period(pd.date_range("2000-01-03", periods=30, freq=freq)) == expected


def test_seasonal_period_without_dates_is_one():
    assert seasonal_period(pd.RangeIndex(50)) == 1


@pytest.mark.parametrize("freq, m, horizon, n_rows, expected", [
    ("MS", 12, 12, 200, 24),      # two years of months
    ("W-MON", 52, 13, 1000, 104),  # two years of weeks, beyond the weekly default 26
    ("30min", 48, 48, 5000, 96),   # two days of half hours
    ("W-MON", 52, 13, 240, 80),    # a third of the rows, still one season
])
def test_window_covers_two_seasons_when_the_rows_allow(freq, m, horizon, n_rows,
                                                        expected):
    index = pd.date_range("2000-01-03", periods=n_rows, freq=freq)
    assert auto_window(index, horizon, n_rows, m) == expected


def test_a_seasonal_series_gets_a_window_of_two_seasons_and_beats_seasonal_naive():
    series = _seasonal_trend(180)
    history, future = series[:-12], series[-12:]
    model = AutoForecaster(horizon=12, **SMALL).fit(history)
    assert (model.seasonal_period_, model.window_) == (12, 24)
    snaive = history.to_numpy()[-12:]
    assert _mae(future, model.predict()) < 0.8 * _mae(future, snaive)
    assert model.validation_mase_[model.chosen_] < model.validation_mase_["seasonal_naive"]


def test_a_random_walk_is_not_worse_than_naive_by_more_than_noise():
    ratios = []
    for seed in range(4):
        walk = np.cumsum(np.random.default_rng(seed).normal(0, 1, 160)) + 50
        series = pd.Series(walk, index=pd.date_range("2000-01-01", periods=160, freq="D"))
        history, future = series[:-10], series[-10:]
        forecast = AutoForecaster(horizon=10, **SMALL).fit(history).predict()
        naive = np.full(10, history.iloc[-1])
        ratios.append(_mae(future, forecast) / _mae(future, naive))
    assert np.mean(ratios) < 1.15, ratios


# ------------------------------------------------------------ the choice
def test_no_candidate_fitted_for_the_choice_sees_a_held_out_target(monkeypatch):
    """Distinct values: a held-out target inside a fit target would be found."""
    series = _seasonal_trend(120, seed=1)
    seen = []
    ridge_fit, rnn_fit = RidgeLagForecaster.fit, RNNForecaster.fit

    def spy_ridge(self, X, Y):
        seen.append(("ridge", np.asarray(Y)))
        return ridge_fit(self, X, Y)

    def spy_rnn(self, X, y):
        seen.append(("rnn", np.asarray(y)))
        return rnn_fit(self, X, y)

    monkeypatch.setattr(RidgeLagForecaster, "fit", spy_ridge)
    monkeypatch.setattr(RNNForecaster, "fit", spy_rnn)
    model = AutoForecaster(horizon=6, **SMALL).fit(series)
    held_out = series.to_numpy()[-(model.n_validation_windows_ + 6 - 1):]
    choosing = [(name, Y) for name, Y in seen[:1 + SMALL["n_members"]]]
    assert [name for name, _ in choosing] == ["ridge", "rnn", "rnn"]
    ridge_targets, rnn_targets = choosing[0][1], choosing[1][1]
    assert not np.isin(held_out, ridge_targets).any()
    position = {v: i for i, v in enumerate(series.to_numpy())}
    last_seen = max(position[v] for v in ridge_targets.ravel())
    assert last_seen == len(series) - len(held_out) - 1  # right up to the held-out part
    assert len(rnn_targets) <= len(ridge_targets)  # the networks: the same windows


def test_only_the_history_given_to_fit_is_used():
    series = _seasonal_trend(150)
    a = AutoForecaster(horizon=6, **SMALL).fit(series[:120])
    b = AutoForecaster(horizon=6, **SMALL).fit(series[:120].copy())
    assert a.chosen_ == b.chosen_ and a.validation_mase_ == b.validation_mase_
    pd.testing.assert_series_equal(a.predict(), b.predict())


def test_the_summary_names_the_choice_and_seasonal_naive():
    model = AutoForecaster(horizon=12, **SMALL).fit(_seasonal_trend(150))
    assert model.summary_.startswith("Chose ")
    assert f"validation MASE {model.validation_mase_[model.chosen_]:.2f} vs seasonal " \
           f"naive {model.validation_mase_['seasonal_naive']:.2f}" in model.summary_
    assert not model.worse_than_seasonal_naive_


def test_a_network_alone_may_validate_worse_than_seasonal_naive():
    """Without seasonal naive among the candidates, the comparison is still made."""
    series = _monthly(np.tile([0.0, 10, 3, 8, 1, 12, 5, 7, 2, 9, 4, 11], 12))
    model = AutoForecaster(horizon=12, candidates=("naive",), **SMALL).fit(series)
    assert model.chosen_ == "naive" and model.worse_than_seasonal_naive_


def test_the_chosen_networks_are_refitted_on_every_window_for_their_kept_epochs():
    """The refit trains each member on all windows for the epochs early stopping kept
    in the choice, without holding any out (RNNForecaster's own default would)."""
    model = AutoForecaster(horizon=6, candidates=("rnn",), **SMALL).fit(
        _seasonal_trend(120))
    assert model.chosen_ == "rnn"
    chosen, refitted = model._networks.members, model.model_.members
    for first, member in zip(chosen, refitted):
        assert not member.do_early_stopping_ and not first.linear_skip_
        assert member.n_iter_ == first.best_epoch_


def test_too_short_a_history_falls_back_to_seasonal_naive():
    model = AutoForecaster(horizon=6, window=24, **SMALL).fit(_seasonal_trend(32))
    assert model.chosen_ == "seasonal_naive"
    assert "too few" in model.summary_


# ------------------------------------------------------------ intervals
def test_intervals_from_held_out_residuals():
    series = _seasonal_trend(200)
    model = AutoForecaster(horizon=12, **SMALL).fit(series)
    table = model.predict(interval=0.9)
    assert list(table.columns) == ["forecast", "lower", "upper"]
    assert (table["lower"] < table["forecast"]).all()
    assert (table["forecast"] < table["upper"]).all()
    assert table.index[0] == series.index[-1] + pd.offsets.MonthBegin()
    assert len(model.model_.conformal_residuals_) >= 9 and not model.interval_fallback_


def test_too_few_residuals_fall_back_to_seasonal_naive_for_intervals():
    model = AutoForecaster(horizon=6, n_origins=3, **SMALL).fit(_seasonal_trend(40))
    table = model.predict(interval=0.95)
    assert model.interval_fallback_ == (model.chosen_ not in ("seasonal_naive", "naive"))
    assert np.isfinite(table.to_numpy()).all()


def test_seasonal_shift_is_seasonal_naive_minus_the_last_value():
    X = np.arange(8.0).reshape(1, 8, 1)            # window 0 .. 7, season of 4
    # seasonal naive repeats 4, 5, 6, 7; the last value is 7
    np.testing.assert_array_equal(seasonal_shift(X, 6, 4), [[-3, -2, -1, 0, -3, -2]])
    np.testing.assert_array_equal(seasonal_shift(X, 3, None), [[0, 0, 0]])


# ------------------------------------------------------------ progress
def test_progress_line_appears_with_verbose(monkeypatch, capsys):
    monkeypatch.setattr(_auto_networks, "PROGRESS_DELAY", 0.0)
    AutoForecaster(horizon=6, **{**SMALL, "verbose": 1}).fit(_seasonal_trend(120))
    err = capsys.readouterr().err
    assert "\r" in err and "LSTM 1/2 (choosing): epoch 1  loss " in err
    assert "LSTM 2/2 (choosing): epoch 1  loss " in err
    assert "validation loss" in err
    assert "\n" not in err  # one line, updated in place and cleared at the end


def test_no_progress_without_verbose(monkeypatch, capsys):
    monkeypatch.setattr(_auto_networks, "PROGRESS_DELAY", 0.0)
    AutoForecaster(horizon=6, **SMALL).fit(_seasonal_trend(120))
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_progress_line_waits_for_its_delay():
    import logging
    record = logging.LogRecord("rnnforecast.training", logging.DEBUG, __file__, 1,
                               "Epoch 2", None, None)
    record.epoch, record.loss, record.validation_loss = 2, 0.5, 0.6
    stream = io.StringIO()
    line = ProgressLine("LSTM", stream=stream, delay=3600)
    line.emit(record)
    line.close()
    assert stream.getvalue() == ""
    line = ProgressLine("LSTM", stream=stream, delay=0)
    line.emit(record)
    assert stream.getvalue().startswith("\rLSTM: epoch 2  loss 0.5000  validation loss "
                                        "0.6000")


# ------------------------------------------------------------ parameters
@pytest.mark.parametrize("params, message", [
    ({"horizon": 0}, r"The 'horizon' parameter of AutoForecaster must be an int in the "
                     r"range \[1, inf\)\. Got 0 instead\."),
    ({"window": 1}, r"The 'window' parameter of AutoForecaster must be an int in the "
                    r"range \[2, inf\) or None\. Got 1 instead\."),
    ({"n_members": 0}, r"The 'n_members' parameter of AutoForecaster must be an int"),
    ({"candidates": ("rnn", "arima")}, r"The 'candidates' parameter of AutoForecaster "
                                       r"must be a non-empty tuple of 'rnn', 'ridge', "
                                       r"'drift', 'seasonal_naive', 'naive'\. Got "
                                       r"\('rnn', 'arima'\) instead\."),
    ({"candidates": "rnn"}, r"Got 'rnn' instead\."),
    ({"margin": 1.0}, r"The 'margin' parameter of AutoForecaster must be a float in the "
                      r"range \[0, 1\)\. Got 1\.0 instead\."),
])
def test_parameters_are_checked_in_fit(params, message):
    model = AutoForecaster(**params)  # the constructor only stores them
    with pytest.raises(ValueError, match=message):
        model.fit(_seasonal_trend(60))


def test_networks_alone_on_too_short_a_history_fall_back_to_seasonal_naive():
    model = AutoForecaster(horizon=6, candidates=("rnn",), **SMALL).fit(_seasonal_trend(50))
    assert model.chosen_ == "seasonal_naive"
    assert "the networks were not trained: too few windows" in model.summary_


def test_predict_refuses_steps_beyond_the_horizon():
    model = AutoForecaster(horizon=6, **SMALL).fit(_seasonal_trend(80))
    assert len(model.predict(steps=3)) == 3
    with pytest.raises(ValueError, match=r"The 'steps' parameter of AutoForecaster\.predict "
                                         r"must be an int in the range \[1, 6\], .* Got 7 "
                                         r"instead\. Fit with horizon=7"):
        model.predict(steps=7)


def test_fourier_terms_are_inputs_of_the_networks_only():
    series = _seasonal_trend(120)
    model = AutoForecaster(horizon=6, **SMALL).fit(series)
    network = model._networks.members[0]
    assert network.n_step_features_in_ == 1 + 2 * 2   # the series, sin and cos of k=1, 2
    assert model.predict().name == "y"
    plain = AutoForecaster(horizon=6, fourier_terms=0, **SMALL).fit(series)
    assert plain._networks.members[0].n_step_features_in_ == 1
