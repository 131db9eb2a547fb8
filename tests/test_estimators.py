"""Behaviour of the estimators: scikit-learn composition, reproducibility, many-to-many
outputs, weights and the per-cell options.

Small windows of a trend plus a sine, tiny networks and a few epochs keep every test
fast; every estimator gets a ``random_state``.
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from _estimator_helpers import FAST, HORIZON, WINDOW, assert_same_weights, make_estimator
from rnnforecast import RNNForecaster
from rnnforecast.model_selection import WindowedTimeSeriesSplit
from rnnforecast.nn.network import NetworkSpec, forward
from rnnforecast.preprocessing import SequenceScaler

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("jordan", "tanh"), ("lstm", "tanh"),
         ("gru", "tanh")]



# --------------------------------------------------------------------- composition
@pytest.mark.parametrize("first", [SequenceScaler(), FunctionTransformer(np.tanh)],
                         ids=["SequenceScaler", "FunctionTransformer"])
def test_pipeline_fits_and_predicts(windows, first):
    X, y = windows
    pipe = Pipeline([("prep", first), ("rnn", RNNForecaster(**FAST))]).fit(X, y)
    pred = pipe.predict(X)
    assert pred.shape == y.shape and np.all(np.isfinite(pred))
    assert np.isfinite(pipe.score(X, y))
    assert pipe.named_steps["rnn"].n_iter_ == FAST["max_iter"]


@pytest.mark.parametrize("cv", [
    TimeSeriesSplit(n_splits=2, gap=WINDOW + HORIZON - 1),
    WindowedTimeSeriesSplit(n_splits=2, window=WINDOW, horizon=HORIZON),
], ids=["TimeSeriesSplit", "WindowedTimeSeriesSplit"])
def test_grid_search_over_hidden_size_and_cell(windows, cv):
    X, y = windows
    grid = {"hidden_size": [4, 6], "cell": ["gru", "rnn"]}
    search = GridSearchCV(RNNForecaster(**dict(FAST, max_iter=2)), grid, cv=cv).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_ in search.cv_results_["params"]
    assert search.best_estimator_.hidden_size == search.best_params_["hidden_size"]
    assert search.predict(X).shape == y.shape


def test_grid_search_over_a_pipeline_step(windows):
    X, y = windows
    pipe = make_pipeline(SequenceScaler(), RNNForecaster(**dict(FAST, max_iter=2)))
    cv = WindowedTimeSeriesSplit(n_splits=2, window=WINDOW, horizon=HORIZON)
    search = GridSearchCV(pipe, {"rnnforecaster__cell": ["lstm", "gru"]}, cv=cv).fit(X, y)
    assert search.best_params_["rnnforecaster__cell"] in {"lstm", "gru"}


def test_cross_val_score_with_a_gap(windows):
    X, y = windows
    cv = WindowedTimeSeriesSplit(n_splits=3, window=WINDOW, horizon=HORIZON)
    scores = cross_val_score(RNNForecaster(**FAST), X, y, cv=cv)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))


def test_clone_has_equal_params_and_is_unfitted(kind_and_data):
    kind, (X, y) = kind_and_data
    est = make_estimator(kind, **FAST, cell="gru", dropout=0.1, num_layers=2).fit(X, y)
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "n_iter_")
    with pytest.raises(NotFittedError):
        copy.predict(X)
    with pytest.raises(NotFittedError):
        copy.state_dict()


def test_pickle_round_trip_predicts_identically(kind_and_data):
    kind, (X, y) = kind_and_data
    est = make_estimator(kind, **FAST, early_stopping=True).fit(X, y)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
    assert_same_weights(loaded.state_dict(), est.state_dict())
    assert loaded.loss_curve_ == est.loss_curve_


# --------------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("params", [
    dict(cell="lstm"),
    dict(cell="gru", num_layers=2, dropout=0.3),
    dict(cell="rnn", num_layers=2, dropout=0.5, solver="sgd"),
    dict(cell="jordan", num_layers=2, dropout=0.2, early_stopping=True),
], ids=["lstm", "gru-2-layers-dropout", "rnn-sgd-dropout", "jordan-early-stopping"])
def test_same_random_state_gives_bit_identical_models(kind_and_data, params):
    kind, (X, y) = kind_and_data
    a = make_estimator(kind, **FAST, **params).fit(X, y)
    b = make_estimator(kind, **FAST, **params).fit(X, y)
    assert_same_weights(a.state_dict(), b.state_dict())
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.loss_curve_ == b.loss_curve_


def test_different_random_states_give_different_weights(kind_and_data):
    kind, (X, y) = kind_and_data
    a = make_estimator(kind, **dict(FAST, random_state=0)).fit(X, y).state_dict()
    b = make_estimator(kind, **dict(FAST, random_state=1)).fit(X, y).state_dict()
    for key in a:
        if key.startswith("skip."):  # the linear skip is fitted in closed form
            np.testing.assert_array_equal(a[key], b[key])
        else:
            assert not np.array_equal(a[key], b[key]), key


def test_random_state_instance_is_accepted(windows):
    X, y = windows
    a = RNNForecaster(**dict(FAST, random_state=np.random.RandomState(3))).fit(X, y)
    b = RNNForecaster(**dict(FAST, random_state=np.random.RandomState(3))).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


# --------------------------------------------------------------------- many-to-many
def test_forecaster_many_to_many_one_output(windows):
    X, _ = windows
    y = np.concatenate([X[:, 1:, 0], X[:, -1:, 0]], axis=1)  # (n, T): next step
    est = RNNForecaster(**FAST, return_sequences=True).fit(X, y)
    assert est.n_outputs_ == 1
    assert est.predict(X).shape == (len(X), WINDOW)
    assert np.isfinite(est.score(X, y))


def test_forecaster_many_to_many_several_outputs(windows):
    X, _ = windows
    y = np.concatenate([X, 2 * X, -X], axis=2)  # (n, T, 3)
    est = RNNForecaster(**FAST, return_sequences=True).fit(X, y)
    assert est.n_outputs_ == 3
    assert est.predict(X).shape == (len(X), WINDOW, 3)
    assert np.isfinite(est.score(X, y))
    assert np.isfinite(cross_val_score(
        est, X, y, cv=WindowedTimeSeriesSplit(n_splits=2, window=WINDOW))).all()


@pytest.mark.parametrize("y_shape", [(), (1,), (HORIZON,)])
def test_forecaster_prediction_shape_follows_y(windows, y_shape):
    X, y = windows
    y = {(): y[:, 0], (1,): y[:, :1], (HORIZON,): y}[y_shape]
    assert RNNForecaster(**FAST).fit(X, y).predict(X).shape == (len(X),) + y_shape


# --------------------------------------------------------------------- weights
@pytest.mark.parametrize("cell, n_gates", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_state_dict_names_and_shapes_as_pytorch(windows, cell, n_gates):
    X, y = windows
    H = 5
    est = RNNForecaster(**dict(FAST, hidden_size=H), cell=cell, num_layers=2).fit(X, y)
    sd = est.state_dict()
    expected = {
        "weight_ih_l0": (n_gates * H, 1), "weight_hh_l0": (n_gates * H, H),
        "bias_ih_l0": (n_gates * H,), "bias_hh_l0": (n_gates * H,),
        "weight_ih_l1": (n_gates * H, H), "weight_hh_l1": (n_gates * H, H),
        "bias_ih_l1": (n_gates * H,), "bias_hh_l1": (n_gates * H,),
        "head.weight": (HORIZON, H), "head.bias": (HORIZON,),
        "skip.weight": (HORIZON, X.shape[1]), "skip.bias": (HORIZON,),  # linear_skip
    }
    assert {k: v.shape for k, v in sd.items()} == expected
    assert all(v.dtype == (np.float64 if k.startswith("skip.") else np.float32)
               for k, v in sd.items())
    sd["head.bias"][:] = 123.0  # a copy: the model is untouched
    assert not np.any(est.state_dict()["head.bias"] == 123.0)


def test_state_dict_round_trip_between_fitted_estimators(windows):
    X, y = windows
    a = RNNForecaster(**FAST).fit(X, y)
    b = RNNForecaster(**dict(FAST, random_state=1)).fit(X, y)
    assert not np.array_equal(a.predict(X), b.predict(X))
    assert b.load_state_dict(a.state_dict()) is b
    assert b.window_normalization == "last"  # a fitted estimator keeps its scaling
    np.testing.assert_array_equal(b.predict(X), a.predict(X))
    assert_same_weights(b.state_dict(), a.state_dict())


def test_state_dict_into_an_unfitted_estimator_uses_raw_windows(windows):
    """Documented: loading into an unfitted estimator sets the architecture from the
    arrays, predicts without input/target scaling or window normalization (until a
    refit; the parameter itself is unchanged), and accepts windows
    of any length; predictions are then the network's raw outputs."""
    X, y = windows
    a = RNNForecaster(**FAST, cell="gru", num_layers=2, linear_skip=False).fit(X, y)
    b = RNNForecaster(cell="gru").load_state_dict(a.state_dict())
    assert (b.hidden_size, b.num_layers) == (FAST["hidden_size"], 2)
    assert b.window_normalization == "last"  # the parameter is left as it was
    assert b._scaler.offset is None
    assert b.n_outputs_ == HORIZON and b.n_step_features_in_ == 1
    params = {k: v.astype(np.float64) for k, v in a.state_dict().items()}
    spec = NetworkSpec("gru", 1, FAST["hidden_size"], HORIZON, num_layers=2)
    np.testing.assert_allclose(b.predict(X), forward(params, spec, X)[0], rtol=1e-12)
    assert b.predict(X[:, :5]).shape == (len(X), HORIZON)
    assert clone(b).get_params()["hidden_size"] == FAST["hidden_size"]
    b.fit(X, y)  # a refit learns its scaling and normalises windows again
    assert b._scaler.offset == "last"


def test_partial_fit_continues_from_loaded_weights(windows):
    X, y = windows
    a = RNNForecaster(**FAST).fit(X, y)
    b = RNNForecaster(random_state=0).load_state_dict(a.state_dict())
    before = b.state_dict()
    b.partial_fit(X, y)
    assert b.n_iter_ == 1
    after = b.state_dict()
    for key in ("skip.weight", "skip.bias"):  # partial_fit keeps the linear skip
        np.testing.assert_array_equal(after.pop(key), before.pop(key))
    for key in before:  # the network one small step away from the loaded weights
        assert not np.array_equal(before[key], after[key])
        np.testing.assert_allclose(after[key], before[key], atol=0.1)


def test_state_dict_float64(windows):
    X, y = windows
    est = RNNForecaster(**FAST, dtype="float64").fit(X, y)
    assert all(v.dtype == np.float64 for v in est.state_dict().values())
    assert np.all(np.isfinite(est.predict(X)))
    copy = RNNForecaster(**FAST, dtype="float64").fit(X, y)
    copy.load_state_dict(est.state_dict())
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))


# --------------------------------------------------------------------- outputs
def test_transform_returns_the_last_hidden_state(kind_and_data):
    kind, (X, y) = kind_and_data
    for num_layers in (1, 2):
        est = make_estimator(kind, **FAST, num_layers=num_layers).fit(X, y)
        Z = est.transform(X)
        directions = 2 if est._network.spec.bidirectional else 1  # the classifier's
        assert Z.shape == (len(X), directions * FAST["hidden_size"])
        assert np.all(np.abs(Z) <= 1)  # LSTM hidden states are squashed by tanh
        np.testing.assert_allclose(est.fit_transform(X, y), Z)


def test_verbose_prints_one_line_per_epoch(kind_and_data, capsys):
    kind, (X, y) = kind_and_data
    make_estimator(kind, **dict(FAST, max_iter=3), verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert all("loss" in line for line in lines)
    make_estimator(kind, **dict(FAST, max_iter=2), verbose=1, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all("validation loss" in line for line in lines)


def test_silent_by_default(windows, capsys):
    RNNForecaster(**FAST).fit(*windows)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("cell, nonlinearity", CELLS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_cell_fits_and_predicts(kind_and_data, cell, nonlinearity, dtype):
    kind, (X, y) = kind_and_data
    est = make_estimator(kind, **FAST, cell=cell, nonlinearity=nonlinearity, dtype=dtype,
                         num_layers=2).fit(X, y)
    assert all(v.dtype == np.dtype(dtype) for k, v in est.state_dict().items()
               if not k.startswith("skip."))  # the linear skip is float64
    pred = est.predict(X)
    assert pred.shape == np.shape(y)
    if kind == "forecaster":
        assert np.all(np.isfinite(pred))
    else:
        assert set(pred) <= set(est.classes_)
        assert np.all(np.isfinite(est.predict_proba(X)))
    assert np.all(np.isfinite(est.loss_curve_))


@pytest.mark.parametrize("cell", ["rnn", "jordan", "lstm", "gru"])
def test_bptt_truncate_trains_differently(windows, cell):
    X, y = windows
    full = RNNForecaster(**FAST, cell=cell).fit(X, y)
    truncated = RNNForecaster(**FAST, cell=cell, bptt_truncate=3).fit(X, y)
    assert np.all(np.isfinite(truncated.predict(X)))
    assert not np.array_equal(full.state_dict()["weight_hh_l0"],
                              truncated.state_dict()["weight_hh_l0"])
    longer = RNNForecaster(**FAST, cell=cell, bptt_truncate=WINDOW).fit(X, y)
    assert_same_weights(full.state_dict(), longer.state_dict())


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber"])
@pytest.mark.parametrize("window_normalization", ["last", "mean", None])
def test_losses_and_window_normalizations(windows, loss, window_normalization):
    X, y = windows
    est = RNNForecaster(**FAST, loss=loss, window_normalization=window_normalization)
    assert np.all(np.isfinite(est.fit(X, y).predict(X)))


def test_window_normalization_forecasts_another_level(windows):
    """Windows shifted by a constant get predictions shifted by the same constant."""
    X, y = windows
    est = RNNForecaster(**FAST).fit(X, y)
    np.testing.assert_allclose(est.predict(X + 50.0), est.predict(X) + 50.0, atol=1e-3)


def test_multivariate_windows_and_target_feature(windows):
    X, y = windows
    X2 = np.concatenate([np.cos(X), X], axis=2)  # the target series is feature 1
    est = RNNForecaster(**FAST, target_feature=1).fit(X2, y)
    assert est.n_features_in_ == est.n_step_features_in_ == 2
    np.testing.assert_allclose(est.predict(X2 + [0.0, 50.0]), est.predict(X2) + 50.0,
                               atol=1e-3)


def test_two_dimensional_windows_are_univariate(windows):
    X, y = windows
    est = RNNForecaster(**FAST).fit(X[:, :, 0], y)
    assert est.n_features_in_ == WINDOW and est.n_step_features_in_ == 1
    np.testing.assert_array_equal(est.predict(X[:, :, 0]), est.predict(X))


def test_every_epoch_is_a_log_record_with_its_figures(windows, caplog):
    import logging
    with caplog.at_level(logging.DEBUG, logger="rnnforecast.training"):
        RNNForecaster(**dict(FAST, max_iter=3), early_stopping=True).fit(*windows)
    records = [r for r in caplog.records if r.name == "rnnforecast.training"]
    assert [r.epoch for r in records] == [1, 2, 3]
    assert all(r.loss > 0 and r.validation_loss > 0 and r.levelname == "DEBUG"
               for r in records)
    assert records[0].getMessage().startswith("Epoch    1  loss")
