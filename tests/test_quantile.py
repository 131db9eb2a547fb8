"""Quantile forecasts: the pinball loss, RNNForecaster(loss="quantile") and
predict_quantiles, and calibration residuals without early stopping."""

import numpy as np
import pytest

from _engine_helpers import numerical_gradient, rel_error
from rnnforecast.nn.losses import LOSSES, pinball

LEVELS = (0.1, 0.5, 0.9)


# ---------------------------------------------------------------------------
# The pinball loss
# ---------------------------------------------------------------------------

def test_pinball_values_typed_out():
    # one target, levels 0.1 and 0.9; y = 1, outputs 0 (too low) and 3 (too high)
    raw, y = np.array([[0.0, 3.0]]), np.array([1.0])
    value, draw = pinball(raw, y, quantiles=(0.1, 0.9))
    # 0.1 * (1 - 0) + (0.9 - 1) * (1 - 3) = 0.1 + 0.2
    assert value == pytest.approx(0.3)
    np.testing.assert_allclose(draw, [[-0.1, 1 - 0.9]])


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_pinball_gradient_matches_finite_differences(n_outputs, weighted):
    rng = np.random.default_rng(0)
    levels = (0.05, 0.3, 0.5, 0.95)
    raw = rng.normal(size=(6, n_outputs * len(levels)))
    y = rng.normal(size=(6, n_outputs))
    w = rng.uniform(0.5, 2.0, size=6) if weighted else None
    _, draw = pinball(raw, y, sample_weight=w, quantiles=levels)
    num = numerical_gradient(lambda: pinball(raw, y, sample_weight=w, quantiles=levels)[0],
                             raw)
    assert rel_error(draw, num) < 1e-6


def test_pinball_layout_is_target_major():
    """Column j * K + k is level k of target j: each block of K columns reads target j."""
    raw = np.zeros((1, 6))
    y = np.array([[1.0, -1.0]])                  # target 0 above, target 1 below
    _, draw = pinball(raw, y, quantiles=(0.2, 0.5, 0.7))
    np.testing.assert_allclose(draw, [[-0.2, -0.5, -0.7, 0.8, 0.5, 0.3]])


def test_pinball_subgradient_at_the_kink_is_zero():
    _, draw = pinball(np.array([[1.0, 1.0]]), np.array([1.0]), quantiles=(0.1, 0.9))
    np.testing.assert_array_equal(draw, [[0.0, 0.0]])


def test_pinball_median_is_half_the_absolute_error():
    rng = np.random.default_rng(1)
    raw, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    value, draw = pinball(raw, y)
    value_abs, draw_abs = LOSSES["absolute_error"](raw, y)
    assert value == pytest.approx(0.5 * value_abs)
    np.testing.assert_allclose(draw, 0.5 * draw_abs)


def test_pinball_minimiser_is_the_empirical_quantile():
    """The constant output that minimises the loss over a sample is its tau-quantile."""
    y = np.arange(1.0, 11.0)                      # 1 .. 10
    grid = np.linspace(0, 11, 1101)
    values = [pinball(np.full((10, 1), c), y, quantiles=(0.3,))[0] for c in grid]
    best = grid[np.isclose(values, min(values))]
    assert best.min() >= 3.0 - 1e-9 and best.max() <= 4.0 + 1e-9  # any point of [3, 4]


def test_pinball_keeps_float32():
    raw = np.zeros((3, 2), dtype=np.float32)
    value, draw = pinball(raw, np.ones(3), quantiles=(0.25, 0.75))
    assert isinstance(value, float) and draw.dtype == np.float32


def test_pinball_refuses_outputs_that_do_not_fit_the_levels():
    with pytest.raises(ValueError, match=r"needs n_outputs \* 3 network outputs"):
        pinball(np.zeros((2, 4)), np.zeros(2), quantiles=LEVELS)
    with pytest.raises(ValueError, match=r"one column per target, 2 for 6 outputs"):
        pinball(np.zeros((2, 6)), np.zeros((2, 3)), quantiles=LEVELS)


def test_sorting_the_levels_never_raises_the_pinball_loss():
    """Rearrangement: for any target, levels paired in increasing order cost the least."""
    rng = np.random.default_rng(2)
    levels = (0.1, 0.3, 0.5, 0.9)
    raw = rng.normal(size=(200, 4))
    y = rng.normal(size=200)
    for i in range(200):
        crossed = pinball(raw[i:i + 1], y[i:i + 1], quantiles=levels)[0]
        tidy = pinball(np.sort(raw[i:i + 1], axis=1), y[i:i + 1], quantiles=levels)[0]
        assert tidy <= crossed + 1e-12


# ---------------------------------------------------------------------------
# RNNForecaster(loss="quantile")
# ---------------------------------------------------------------------------

import warnings  # noqa: E402

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from rnnforecast import RNNForecaster, make_windows  # noqa: E402
from rnnforecast.estimators import StreamingForecaster  # noqa: E402
from rnnforecast.persistence import load, save  # noqa: E402

SMALL = dict(hidden_size=6, max_iter=15, learning_rate_init=0.01, random_state=0)


@pytest.fixture(scope="module")
def windows():
    rng = np.random.default_rng(0)
    t = np.arange(160)
    series = 50 + 10 * np.sin(t / 5) + rng.normal(scale=2.0, size=len(t))
    return make_windows(series, 12, 3)


@pytest.fixture(scope="module")
def quantile_model(windows):
    X, y = windows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return RNNForecaster(loss="quantile", **SMALL).fit(X, y)


def fit_quiet(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def test_predict_quantiles_shape_and_median(windows, quantile_model):
    X, y = windows
    q = quantile_model.predict_quantiles(X)
    assert q.shape == (len(X), 3, 3)
    np.testing.assert_array_equal(quantile_model.quantiles_, LEVELS)
    np.testing.assert_array_equal(quantile_model.predict(X), q[:, :, 1])
    assert quantile_model._network.spec.output_size == 9      # 3 targets x 3 levels


def test_quantiles_never_cross(windows, quantile_model):
    X, _ = windows
    q = quantile_model.predict_quantiles(X)
    assert np.all(np.diff(q, axis=-1) >= 0)
    # far outside the training range too (levels of a network may cross there)
    q_far = quantile_model.predict_quantiles(X * 50 - 1000)
    assert np.all(np.diff(q_far, axis=-1) >= 0)


def test_levels_are_sorted_after_the_network(windows, quantile_model):
    """predict_quantiles equals the raw levels, scaled back and sorted: nothing else."""
    X, _ = windows
    est = quantile_model
    Xs, offsets = est._scaler.transform(X)
    raw = est._forward_raw(Xs).reshape(len(X), 3, 3) + est._skip.predict(Xs)[:, :, None]
    expected = np.sort(raw * est._scaler.y_scale_[None, :, None]
                       + est._scaler.y_mean_[None, :, None] + offsets[:, -1, :, None], axis=-1)
    np.testing.assert_allclose(est.predict_quantiles(X), expected, rtol=1e-12)


def test_quantile_levels_cover_their_share_of_training_targets(windows):
    """Trained long enough, the 0.1 and 0.9 levels hold about 80 % of the targets."""
    X, y = windows
    model = fit_quiet(RNNForecaster(loss="quantile", hidden_size=8, max_iter=150,
                                    early_stopping=False, calibration=False,
                                    learning_rate_init=0.01, random_state=0), X, y)
    q = model.predict_quantiles(X)
    below = np.mean(y < q[..., 0]), np.mean(y < q[..., 2])
    assert 0.03 < below[0] < 0.2 and 0.8 < below[1] < 0.97, below


def test_one_dimensional_y_keeps_the_output_axis(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(loss="quantile", quantiles=[0.25, 0.5, 0.75], **SMALL),
                      X, y[:, 0])
    assert model.predict(X).shape == (len(X),)
    assert model.predict_quantiles(X).shape == (len(X), 1, 3)


def test_return_sequences_quantiles(windows):
    X, _ = windows
    Y = np.concatenate([X[:, 1:, 0], X[:, -1:, 0] + 1.0], axis=1)   # next value per step
    model = fit_quiet(RNNForecaster(loss="quantile", return_sequences=True, **SMALL), X, Y)
    q = model.predict_quantiles(X)
    assert q.shape == (len(X), 12, 1, 3)
    assert np.all(np.diff(q, axis=-1) >= 0)
    np.testing.assert_array_equal(model.predict(X), q[:, :, 0, 1])


def test_without_linear_skip_and_other_normalization(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(loss="quantile", linear_skip=False,
                                    window_normalization="mean", **SMALL), X, y)
    q = model.predict_quantiles(X)
    assert np.all(np.diff(q, axis=-1) >= 0) and np.all(np.isfinite(q))


@pytest.mark.parametrize("quantiles, match", [
    ((0.1, 0.9), r"0.5 is missing"),
    ((0.5, 0.1, 0.9), r"not in increasing order \(sorted: \(0.1, 0.5, 0.9\)\)"),
    ((0.1, 0.5, 0.5), r"a level is repeated"),
    ((0.0, 0.5), r"0.0 is not a number strictly between 0 and 1"),
    ((0.5, 1.2), r"1.2 is not a number strictly between 0 and 1"),
    (("a", 0.5), r"'a' is not a number"),
    ([[0.1, 0.5]], r"a flat list is needed"),
    ((True, 0.5), r"True is not a number"),
])
def test_quantiles_are_checked_before_training(windows, quantiles, match):
    X, y = windows
    model = RNNForecaster(loss="quantile", quantiles=quantiles, **SMALL)
    with pytest.raises(ValueError, match=r"The 'quantiles' parameter of RNNForecaster.*"
                                         + match):
        model.fit(X, y)
    assert not hasattr(model, "_network")


def test_quantiles_are_ignored_by_other_losses(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(quantiles=(0.1, 0.9), **SMALL), X, y)
    assert not hasattr(model, "quantiles_")
    with pytest.raises(ValueError, match=r"predict_quantiles needs a forecaster fitted "
                                         r"with loss='quantile'; .*loss='squared_error'"):
        model.predict_quantiles(X)


def test_user_input_is_not_modified(windows):
    X, y = windows
    X0, y0, levels = X.copy(), y.copy(), [0.1, 0.5, 0.9]
    model = fit_quiet(RNNForecaster(loss="quantile", quantiles=levels, **SMALL), X, y)
    model.predict_quantiles(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert levels == [0.1, 0.5, 0.9] and model.quantiles is levels


def test_refit_after_changing_the_levels(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(loss="quantile", **SMALL), X, y)
    fit_quiet(model.set_params(quantiles=(0.05, 0.5, 0.95, 0.99)), X, y)
    assert model.predict_quantiles(X).shape == (len(X), 3, 4)
    fit_quiet(model.set_params(loss="squared_error"), X, y)
    assert not hasattr(model, "quantiles_") and model.predict(X).shape == (len(X), 3)


def test_continued_training_refuses_other_levels(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(loss="quantile", warm_start=True, **SMALL), X, y)
    model.partial_fit(X, y)  # same levels: continues
    for params in ({"quantiles": (0.2, 0.5, 0.8)}, {"loss": "squared_error"}):
        with pytest.raises(ValueError, match=r"cannot continue training .* with other "
                                             r"quantile levels"):
            clone_params = {"loss": "quantile", "quantiles": LEVELS, **params}
            model.set_params(**clone_params).fit(X, y)
    plain = fit_quiet(RNNForecaster(warm_start=True, **SMALL), X, y)
    with pytest.raises(ValueError, match=r"Fitted with no levels, got loss='quantile'"):
        plain.set_params(loss="quantile").partial_fit(X, y)


def test_same_seed_same_quantiles(windows, quantile_model):
    X, y = windows
    again = fit_quiet(RNNForecaster(loss="quantile", **SMALL), X, y)
    np.testing.assert_array_equal(again.predict_quantiles(X),
                                  quantile_model.predict_quantiles(X))


def test_save_load_and_clone(windows, quantile_model, tmp_path):
    X, y = windows
    path = tmp_path / "quantile.npz"
    save(quantile_model, path)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict_quantiles(X),
                                  quantile_model.predict_quantiles(X))
    np.testing.assert_array_equal(loaded.quantiles_, quantile_model.quantiles_)
    np.testing.assert_array_equal(loaded.conformal_residuals_,
                                  quantile_model.conformal_residuals_)
    np.testing.assert_array_equal(loaded.predict_quantiles(X, calibrated=True),
                                  quantile_model.predict_quantiles(X, calibrated=True))
    assert loaded.calibration_ == quantile_model.calibration_
    params = clone(quantile_model).get_params()
    assert params["loss"] == "quantile" and params["quantiles"] == LEVELS
    assert params["calibration"] == "auto"


def test_state_dict_round_trip(windows, quantile_model):
    X, _ = windows
    state = quantile_model.state_dict()
    assert state["head.weight"].shape[0] == 9 and state["skip.bias"].shape == (3,)
    fitted = fit_quiet(RNNForecaster(loss="quantile", **{**SMALL, "random_state": 5}),
                       *windows)
    fitted.load_state_dict(state)          # same shapes: keeps its scaling
    np.testing.assert_allclose(fitted.predict_quantiles(X),
                               quantile_model.predict_quantiles(X), rtol=1e-5)
    with pytest.warns(UserWarning, match="without their scaling"):
        fresh = RNNForecaster(loss="quantile").load_state_dict(state)
    assert fresh.n_outputs_ == 3 and fresh.predict_quantiles(X).shape == (len(X), 3, 3)
    with pytest.raises(ValueError, match=r"9 outputs, which is not one per target and "
                                         r"level of quantiles=\(0.25, 0.5\)"):
        RNNForecaster(loss="quantile", quantiles=(0.25, 0.5)).load_state_dict(state)


def test_streaming_returns_the_median(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(loss="quantile", window_normalization=None, **SMALL),
                      X, y)
    stream = StreamingForecaster(model)
    for i in (0, len(X) - 1):
        stream.reset()
        np.testing.assert_allclose(stream.update_many(X[i])[-1], model.predict(X[i:i + 1])[0],
                                   rtol=1e-10)


def test_onnx_export_refuses_quantile_models(quantile_model):
    pytest.importorskip("onnx")
    from rnnforecast.estimators import to_onnx
    with pytest.raises(ValueError, match=r"to_onnx was fitted with loss='quantile'.*does "
                                         r"not reproduce"):
        to_onnx(quantile_model)


def test_torch_export_refuses_quantile_models(quantile_model):
    torch = pytest.importorskip("torch")
    from rnnforecast.estimators import from_torch, to_torch
    with pytest.raises(ValueError, match=r"to_torch was fitted with loss='quantile'"):
        to_torch(quantile_model)
    with pytest.raises(ValueError, match=r"from_torch must not use loss='quantile'"):
        from_torch(torch.nn.LSTM(1, 4), torch.nn.Linear(4, 3),
                   RNNForecaster(loss="quantile"), n_timesteps=12)


def test_forecast_of_a_quantile_model_is_its_median(windows, quantile_model):
    """forecast() reads predict: the median, with conformal intervals around it."""
    series = np.concatenate([windows[0][:, 0, 0], windows[0][-1, 1:, 0]])
    table = quantile_model.forecast(series, interval=0.8)
    X_last = series[-12:].reshape(1, 12, 1)
    np.testing.assert_allclose(table["forecast"].to_numpy(),
                               quantile_model.predict(X_last)[0])
    assert np.all(table["lower"] <= table["forecast"])


# ---------------------------------------------------------------------------
# Calibration residuals without early stopping
# ---------------------------------------------------------------------------

def test_early_stopping_residuals_by_default(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(**SMALL), X, y)
    assert model.do_early_stopping_ and model.calibration_ == "early_stopping"
    assert model.conformal_residuals_.shape == (round(0.2 * len(X)), 3)


def test_residuals_without_early_stopping_leave_the_network_as_asked(windows):
    X, y = windows
    params = dict(SMALL, early_stopping=False)
    model = fit_quiet(RNNForecaster(**params), X, y)
    bare = fit_quiet(RNNForecaster(calibration=False, **params), X, y)
    assert model.calibration_ == "refit" and bare.calibration_ == "none"
    assert not hasattr(bare, "conformal_residuals_")
    np.testing.assert_array_equal(model.predict(X), bare.predict(X))  # same network
    n_val = round(0.2 * len(X))
    assert model.conformal_residuals_.shape == (n_val, 3)
    assert model.conformal_scales_.shape == (n_val,)
    table = model.forecast(np.concatenate([X[:, 0, 0], X[-1, 1:, 0]]), interval=[0.8])
    assert list(table.columns) == ["forecast", "lower_80", "upper_80"]


def test_refit_residuals_never_see_the_calibration_targets(windows):
    """Changing the targets of the calibration windows and of the purge gap before them
    moves the residuals by exactly that change: the second network never read them."""
    X, y = windows
    params = dict(SMALL, early_stopping=False, max_iter=5)
    n_val, gap = round(0.2 * len(X)), 2
    changed = y.copy()
    changed[-(n_val + gap):] += 100.0
    a = fit_quiet(RNNForecaster(**params), X, y)
    b = fit_quiet(RNNForecaster(**params), X, changed)
    np.testing.assert_allclose(b.conformal_residuals_ - a.conformal_residuals_, 100.0,
                               rtol=0, atol=1e-9)
    assert not np.allclose(a.predict(X), b.predict(X))  # the fitted network read them


def test_refit_residuals_are_out_of_sample(windows):
    """A second network trained on fewer windows errs more on the held-out ones than the
    fitted network does on them (it was trained on them)."""
    X, y = windows
    model = fit_quiet(RNNForecaster(**dict(SMALL, early_stopping=False, max_iter=60)), X, y)
    n_val = len(model.conformal_residuals_)
    in_sample = y[-n_val:] - model.predict(X[-n_val:])
    assert np.mean(np.abs(model.conformal_residuals_)) > np.mean(np.abs(in_sample))


def test_calibration_needs_enough_windows(windows):
    X, y = windows
    small = dict(SMALL, early_stopping=False)
    few = fit_quiet(RNNForecaster(**small), X[:12], y[:12])      # 12 - 2 - 2 < 10
    assert few.calibration_ == "none" and not hasattr(few, "conformal_residuals_")
    forced = fit_quiet(RNNForecaster(calibration=True, **small), X[:12], y[:12])
    assert forced.calibration_ == "refit" and len(forced.conformal_residuals_) == 2
    model = RNNForecaster(calibration=True, **small)
    with pytest.raises(ValueError, match=r"The 'calibration' parameter of RNNForecaster is "
                                         r"True, but 3 windows .* leaves no window"):
        model.fit(X[:3], y[:3])
    assert not hasattr(model, "_network")      # refused before training


def test_continued_fits_keep_no_stale_residuals(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(early_stopping=False, warm_start=True, **SMALL), X, y)
    assert model.calibration_ == "refit"
    fit_quiet(model, X, y)                      # continues the network: no second fit
    assert model.calibration_ == "none" and not hasattr(model, "conformal_residuals_")
    model.partial_fit(X, y)
    assert not hasattr(model, "conformal_residuals_")


def test_calibration_parameter_is_validated(windows):
    X, y = windows
    with pytest.raises(ValueError, match=r"The 'calibration' parameter of RNNForecaster "
                                         r"must be"):
        RNNForecaster(calibration="yes").fit(X, y)


def test_sequences_keep_no_residuals(windows):
    X, _ = windows
    Y = np.concatenate([X[:, 1:, 0], X[:, -1:, 0] + 1.0], axis=1)
    model = fit_quiet(RNNForecaster(return_sequences=True, early_stopping=False, **SMALL),
                      X, Y)
    assert model.calibration_ == "none" and not hasattr(model, "conformal_residuals_")


# ---------------------------------------------------------------------------
# scikit-learn's checks: quantile levels, and the second network of the calibration
# ---------------------------------------------------------------------------

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402


@parametrize_with_checks([
    RNNForecaster(loss="quantile", hidden_size=8, max_iter=100, learning_rate_init=0.01,
                  random_state=0),
    RNNForecaster(loss="quantile", quantiles=[0.05, 0.5, 0.95], early_stopping=False,
                  hidden_size=8, max_iter=60, learning_rate_init=0.01, random_state=0),
])
def test_sklearn_compatible_quantile_forecaster(estimator, check):
    check(estimator)


@pytest.mark.parametrize("level, scale", [(0.0, 0.0), (1e8, 1.0), (1e-6, 1e-9)])
def test_flat_huge_and_tiny_series(level, scale):
    """Levels stay finite, ordered and in the series' units at any level and scale."""
    rng = np.random.default_rng(3)
    series = level + scale * rng.normal(size=120)
    X, y = make_windows(series, 10, 2)
    model = fit_quiet(RNNForecaster(loss="quantile", **SMALL), X, y)
    q = model.predict_quantiles(X)
    assert np.all(np.isfinite(q)) and np.all(np.diff(q, axis=-1) >= 0)
    spread = max(10 * scale, 1e-12 * abs(level))
    assert np.all(np.abs(q[..., 1] - level) <= spread + 1e-6 * abs(level) + 1e-12)


def test_a_refused_refit_leaves_the_fitted_model_as_it_was(windows):
    """Switching to loss='quantile' and refitting on bad data raises, and the old
    point forecaster still predicts as before (no levels set beside its network)."""
    X, y = windows
    model = fit_quiet(RNNForecaster(**SMALL), X, y)
    before = model.predict(X)
    with pytest.raises(ValueError):
        model.set_params(loss="quantile").fit(X[:, :, 0], y[:5])
    assert not hasattr(model, "quantiles_")
    np.testing.assert_array_equal(model.predict(X), before)


def test_calibration_false_keeps_early_stopping_residuals(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(calibration=False, **SMALL), X, y)
    assert model.calibration_ == "early_stopping"
    assert len(model.conformal_residuals_) == round(0.2 * len(X))


# ---------------------------------------------------------------------------
# Calibrated levels: predict_quantiles(X, calibrated=True)
# ---------------------------------------------------------------------------

from rnnforecast.estimators._quantiles import conformal_shifts  # noqa: E402


def test_conformal_shifts_typed_out():
    # 9 residuals 1 .. 9 of one target; (n + 1) = 10
    residuals = np.arange(1.0, 10.0)[:, None, None] * np.ones((1, 1, 3))
    shifts = conformal_shifts(residuals, np.array([0.1, 0.5, 0.9]))
    # 0.1: floor(1.0) = 1st -> 1; 0.5: ceil(5.0) = 5th -> 5; 0.9: ceil(9.0) = 9th -> 9
    np.testing.assert_array_equal(shifts, [[1.0, 5.0, 9.0]])
    shifts = conformal_shifts(residuals, np.array([0.25, 0.5, 0.75]))
    # 0.25: floor(2.5) = 2nd -> 2; 0.75: ceil(7.5) = 8th -> 8
    np.testing.assert_array_equal(shifts, [[2.0, 5.0, 8.0]])


def test_conformal_shifts_refuse_too_few_residuals():
    residuals = np.zeros((9, 2, 3))
    with pytest.raises(ValueError, match=r"9 give no finite conformal bound for level\(s\) "
                                         r"0.05, 0.95"):
        conformal_shifts(residuals, np.array([0.05, 0.5, 0.95]))


def test_calibrated_levels_are_the_shifted_levels_sorted(windows, quantile_model):
    X, _ = windows
    raw = quantile_model.predict_quantiles(X)
    shifts = conformal_shifts(quantile_model.quantile_residuals_, quantile_model.quantiles_)
    calibrated = quantile_model.predict_quantiles(X, calibrated=True)
    np.testing.assert_allclose(calibrated, np.sort(raw + shifts, axis=-1))
    assert np.all(np.diff(calibrated, axis=-1) >= 0)
    assert quantile_model.quantile_residuals_.shape == (len(quantile_model.
                                                            conformal_residuals_), 3, 3)


def test_quantile_residuals_are_the_held_out_errors_of_every_level(windows, quantile_model):
    """The median level's residuals are the conformal residuals (predict is the median)."""
    np.testing.assert_array_equal(quantile_model.quantile_residuals_[:, :, 1],
                                  quantile_model.conformal_residuals_)


def test_calibrated_levels_cover_new_windows():
    """Noise around a sine, a network trained closely: the raw 0.1-0.9 band covers less
    than 80 % of later windows, the calibrated one about 80 % or more."""
    rng = np.random.default_rng(4)
    t = np.arange(900)
    series = 10 * np.sin(t / 8) + rng.normal(size=len(t))
    X, y = make_windows(series, 16, 1)
    fit, new = slice(0, 600), slice(600, None)
    model = fit_quiet(RNNForecaster(loss="quantile", hidden_size=16, max_iter=80,
                                    early_stopping=False, learning_rate_init=0.01,
                                    random_state=0), X[fit], y[fit])
    assert model.calibration_ == "refit"

    def coverage(q):
        return np.mean((q[:, 0, 0] <= y[new, 0]) & (y[new, 0] <= q[:, 0, 2]))

    raw = coverage(model.predict_quantiles(X[new]))
    calibrated = coverage(model.predict_quantiles(X[new], calibrated=True))
    assert calibrated >= raw and calibrated > 0.75, (raw, calibrated)


def test_calibrated_needs_held_out_residuals(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(loss="quantile", early_stopping=False,
                                    calibration=False, **SMALL), X, y)
    with pytest.raises(ValueError, match=r"calibrated=True\) needs the quantile levels' "
                                         r"residuals .*calibration_='none'"):
        model.predict_quantiles(X, calibrated=True)
    few = fit_quiet(RNNForecaster(loss="quantile", quantiles=(0.01, 0.5, 0.99), **SMALL),
                    X, y)
    with pytest.raises(ValueError, match=r"give no finite conformal bound for level\(s\) "
                                         r"0.01, 0.99"):
        few.predict_quantiles(X, calibrated=True)


# ---------------------------------------------------------------------------
# forecast(..., quantiles=...): the levels as columns of the forecast
# ---------------------------------------------------------------------------

import pandas as pd  # noqa: E402

from rnnforecast.forecasting import forecast  # noqa: E402


def _history(n=160):
    rng = np.random.default_rng(1)
    t = np.arange(n)
    return pd.Series(50 + 10 * np.sin(t / 5) + rng.normal(scale=2.0, size=n),
                     index=pd.date_range("2024-01-01", periods=n, freq="D"), name="load")


def test_forecast_quantile_columns_are_predict_quantiles_of_the_last_window(quantile_model):
    history = _history()
    result = forecast(quantile_model, history, quantiles=True, interval=0.8)
    assert list(result.columns) == ["forecast", "lower", "upper", "q10", "q50", "q90"]
    last = history.to_numpy()[-12:].reshape(1, 12, 1)
    np.testing.assert_allclose(result[["q10", "q50", "q90"]].to_numpy(),
                               quantile_model.predict_quantiles(last)[0], rtol=1e-12)
    np.testing.assert_allclose(result["q50"], result["forecast"], rtol=1e-12)
    assert (np.diff(result[["q10", "q50", "q90"]].to_numpy(), axis=1) >= 0).all()
    two = quantile_model.forecast(history, steps=2, quantiles="calibrated")
    np.testing.assert_allclose(two[["q10", "q50", "q90"]].to_numpy(),
                               quantile_model.predict_quantiles(last, calibrated=True)[0, :2],
                               rtol=1e-12)


def test_forecast_quantiles_read_the_known_columns_led_as_predict_does():
    t = np.arange(200, dtype=float)
    frame = pd.DataFrame({"sales": 10 + 5 * (t % 7 == 0) + np.sin(t / 9),
                          "promo": (t % 7 == 0).astype(float)},
                         index=pd.date_range("2024-01-01", periods=200, freq="D"))
    X, y = make_windows(frame.iloc[:-3], 14, 3, target="sales", known=["promo"])
    model = fit_quiet(RNNForecaster(loss="quantile", **SMALL), X, y)
    result = model.forecast(frame.iloc[:-3], future=frame.iloc[-3:][["promo"]],
                            quantiles=True)
    np.testing.assert_allclose(result["q50"], result["forecast"], rtol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(steps=4, quantiles=True), r"up to its trained horizon n_outputs_ = 3; got steps=4"),
    (dict(quantiles="yes"), r"must be False, True or 'calibrated'. Got 'yes'"),
])
def test_forecast_quantiles_refusals(quantile_model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        forecast(quantile_model, _history(), **kwargs)


def test_forecast_quantiles_of_a_point_forecaster_are_refused_before_predicting(windows):
    X, y = windows
    model = fit_quiet(RNNForecaster(**SMALL), X, y)
    with pytest.raises(ValueError, match=r"needs a forecaster fitted with loss='quantile'"):
        forecast(model, _history(), quantiles=True)
