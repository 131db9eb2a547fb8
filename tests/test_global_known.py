"""GlobalForecaster(known=[...]): columns known in advance, scaled per series and read
led by the horizon, in fit and in forecast (with ``future``)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster, load, make_windows, save
from rnnforecast.forecasting import GlobalForecaster, forecast_many

T, H, N = 6, 2, 30


class Recorder(RegressorMixin, BaseEstimator):
    """Records the windows it is fitted on and asked to predict; predicts zeros."""

    def fit(self, X, y):
        self.fitted_X_ = np.array(X)
        self.n_timesteps_in_, self.n_step_features_in_ = X.shape[1], X.shape[2]
        self.n_outputs_ = 1 if np.ndim(y) == 1 else y.shape[1]
        self.seen_ = []
        return self

    def predict(self, X):
        self.seen_.append(np.array(X))
        return np.zeros((len(X), self.n_outputs_))


def frames(n=N, ids=("a", "b")):
    index = pd.date_range("2024-01-01", periods=n, freq="D")
    t = np.arange(n, dtype=float)
    return {name: pd.DataFrame({"value": 10 * k + t ** 1.5, "price": 100 + 7 * k + t,
                                "promo": ((t + k) % 4 == 0).astype(float)}, index=index)
            for k, name in enumerate(ids)}


def standard(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def test_fit_reads_the_known_columns_scaled_and_led_by_the_horizon():
    data = frames(ids=("a",))
    model = GlobalForecaster(Recorder(), window=T, horizon=H, known=["price", "promo"])
    model.fit(data)
    frame = data["a"]
    scaled = np.column_stack([standard(frame["value"].to_numpy()),
                              standard(frame[["price", "promo"]].to_numpy())])
    expected, _ = make_windows(scaled, T, H, known=[1, 2])  # led by H
    got = model.estimator_.fitted_X_
    assert got.shape == expected.shape == (N - T - H + 1, T, 3)
    order = lambda X: X[np.argsort(X[:, 0, 1])]  # noqa: E731  (price rises: unique)
    np.testing.assert_allclose(order(got), order(np.asarray(expected)), rtol=1e-12)
    np.testing.assert_allclose(model.known_scaling_[0, :, 0],
                               frame[["price", "promo"]].mean(), rtol=1e-12)


@pytest.mark.parametrize("steps", [H, 2 * H - 1])
def test_forecast_windows_carry_the_history_then_the_future_led_by_the_horizon(steps):
    data = frames()
    history = {name: f.iloc[:-2 * H] for name, f in data.items()}
    future = {name: f.iloc[-2 * H:][["promo", "price"]] for name, f in data.items()}
    rows = -(-steps // H) * H
    future = {name: f.iloc[:rows] for name, f in future.items()}
    model = GlobalForecaster(Recorder(), window=T, horizon=H, known=["price", "promo"])
    model.fit(history)
    model.forecast(history, steps=steps, future=future)
    blocks = model.estimator_.seen_
    assert len(blocks) == -(-steps // H)
    for i, name in enumerate(model.ids_):
        known = history[name][["price", "promo"]].to_numpy()
        full = np.concatenate([known, future[name][["price", "promo"]].to_numpy()])
        full = (full - known.mean(axis=0)) / known.std(axis=0)  # the fit history's scaling
        n = len(known)
        for b, X in enumerate(blocks):
            start = n - T + H * (b + 1)
            np.testing.assert_allclose(X[i, :, 1:], full[start:start + T], rtol=1e-12)


def test_the_future_values_change_the_forecast_and_a_long_frame_gives_the_same():
    data = frames(n=60)
    history = {name: f.iloc[:-H] for name, f in data.items()}
    future = {name: f.iloc[-H:][["promo"]] for name, f in data.items()}
    estimator = RNNForecaster(hidden_size=4, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GlobalForecaster(estimator, window=T, horizon=H, known=["promo"])
        model.fit({n: f[["value", "promo"]] for n, f in history.items()})
        long = pd.concat([f[["value", "promo"]].rename_axis("ds").reset_index()
                          .assign(unique_id=n).rename(columns={"value": "y"})
                          for n, f in history.items()])
        same = GlobalForecaster(estimator, window=T, horizon=H, known=["promo"]).fit(long)
    dict_out = model.forecast({n: f[["value", "promo"]] for n, f in history.items()},
                              future=future)
    long_future = pd.concat([f.rename_axis("ds").reset_index().assign(unique_id=n)
                             for n, f in future.items()])
    long_out = same.forecast(long, future=long_future)
    np.testing.assert_array_equal(dict_out["forecast"], long_out["forecast"])
    flipped = {n: 1.0 - f for n, f in future.items()}
    other = model.forecast({n: f[["value", "promo"]] for n, f in history.items()},
                           future=flipped)
    assert not np.allclose(other["forecast"], dict_out["forecast"])
    pd.testing.assert_frame_equal(
        forecast_many(same, long, future=long_future), long_out)


def test_known_model_survives_save_and_load(tmp_path):
    data = frames(n=50)
    history = {name: f.iloc[:-H][["value", "promo"]] for name, f in data.items()}
    future = {name: f.iloc[-H:][["promo"]] for name, f in data.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GlobalForecaster(RNNForecaster(hidden_size=4, max_iter=3, random_state=0),
                                 window=T, horizon=H, known=["promo"]).fit(history)
    save(model, tmp_path / "global.npz")
    loaded = load(tmp_path / "global.npz")
    pd.testing.assert_frame_equal(loaded.forecast(history, future=future),
                                  model.forecast(history, future=future))


def fitted_recorder():
    data = frames()
    history = {name: f.iloc[:-H] for name, f in data.items()}
    model = GlobalForecaster(Recorder(), window=T, horizon=H, known=["price", "promo"])
    return model.fit(history), history, data


@pytest.mark.parametrize("change, match", [
    (lambda fut: None, r"The 'future' parameter of GlobalForecaster is needed: the model "
                       r"reads the columns \['price', 'promo'\]"),
    (lambda fut: {"a": fut["a"]}, r"has no rows for the series \['b'\]"),
    (lambda fut: {n: f[["price"]] for n, f in fut.items()},
     r"exactly the columns known in advance, \['price', 'promo'\], for series 'a'. Got "
     r"\['price'\]"),
    (lambda fut: {n: f.iloc[:1] for n, f in fut.items()},
     r"must give series 'a' the 2 timestamps after its history"),
    (lambda fut: {n: f.shift(1, freq="D") for n, f in fut.items()},
     r"must give series 'a' the 2 timestamps after its history"),
    (lambda fut: {n: f.assign(price=np.nan) for n, f in fut.items()}, r"NaN"),
])
def test_bad_future_values_are_refused_before_predicting(change, match):
    model, history, data = fitted_recorder()
    future = {n: f.iloc[-H:][["price", "promo"]] for n, f in data.items()}
    with pytest.raises(ValueError, match=match):
        model.forecast(history, future=change(future))
    assert model.estimator_.seen_ == []


def test_known_columns_are_checked_in_fit_and_future_refused_without_them():
    data = frames()
    data["b"] = data["b"][["value", "price"]]
    with pytest.raises(ValueError, match=r"must give every series the columns known in "
                       r"advance \['price', 'promo'\](.|\n)*Series 'b'"):
        GlobalForecaster(Recorder(), window=T, horizon=H,
                         known=["price", "promo"]).fit(data)
    with pytest.raises(ValueError, match="must be a list of column names"):
        GlobalForecaster(Recorder(), window=T, known="promo").fit(frames())
    plain = {n: f[["value"]] for n, f in frames().items()}
    model = GlobalForecaster(Recorder(), window=T, horizon=H).fit(plain)
    with pytest.raises(ValueError, match=r"is for a GlobalForecaster fitted with "
                       r"known=\[...\]; this one reads no columns known in advance"):
        model.forecast(plain, future={"a": plain["a"]})


def test_future_of_a_series_not_forecast_is_refused():
    model, history, data = fitted_recorder()
    future = {n: f.iloc[-H:][["price", "promo"]] for n, f in data.items()}
    future["c"] = future["a"]
    with pytest.raises(ValueError, match=r"The 'future' parameter of GlobalForecaster holds "
                       r"series that 'series' does not: \['c'\]"):
        model.forecast(history, future=future)
