"""Audit of the estimators as a scikit-learn / pandas / PyTorch user drives them: each
test pins a case that used to give a silently wrong answer (or an unclear error)."""

import numpy as np
import pandas as pd
import pytest

import rnnforecast
from rnnforecast import RNNClassifier, RNNForecaster, RNNSeq2SeqForecaster, make_windows

from _estimator_helpers import FAST, labelled_windows, windowed_series


def two_column_windows():
    """Windows of a target "a" and a covariate "b" on another level, y two steps of "a"."""
    t = np.arange(150.0)
    frame = pd.DataFrame({"a": np.sin(t / 5) + 0.01 * t, "b": 10 + 3 * np.cos(t / 7)},
                         index=pd.date_range("2000", periods=150, freq="D"))
    return frame, *make_windows(frame, 8, 2, target="a")


# ------------------------------------------------------------ set_params after fit
@pytest.mark.parametrize("name, value", [("window_normalization", "zscore"),
                                         ("max_timesteps", 3),
                                         ("return_sequences", True)])
def test_classifier_options_changed_after_fit_are_refused(name, value):
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, window_normalization=None).fit(X, y)
    expected = model.predict_proba(X)
    model.set_params(**{name: value})
    for call in (lambda: model.predict_proba(X), lambda: model.predict(X),
                 lambda: model.transform(X), model.stepper,
                 lambda: model.partial_fit(X, y)):
        with pytest.raises(ValueError, match=f"{name}: .* in fit, now {value!r}"):
            call()
    model.set_params(**{name: RNNClassifier().get_params()[name]
                        if name != "window_normalization" else None})
    np.testing.assert_array_equal(model.predict_proba(X), expected)


@pytest.mark.parametrize("name, value", [("window_normalization", "mean"),
                                         ("target_feature", 1),
                                         ("linear_skip", False),
                                         ("return_sequences", True)])
def test_forecaster_options_changed_after_fit_are_refused(name, value):
    frame, X, y = two_column_windows()
    model = RNNForecaster(**FAST).fit(X, y)
    model.set_params(**{name: value})
    for call in (lambda: model.predict(X), model.stepper,
                 lambda: model.forecast(frame, interval=0.8),
                 lambda: model.set_params(warm_start=True).fit(X, y)):
        with pytest.raises(ValueError, match=f"set_params\\({name}="):
            call()


def test_a_changed_target_feature_no_longer_moves_the_intervals():
    """Intervals used to be scaled by the local scale of the feature named after fit."""
    frame, X, y = two_column_windows()
    model = RNNForecaster(**FAST).fit(X, y)
    expected = model.forecast(frame, interval=0.8)
    with pytest.raises(ValueError, match="target_feature: 0 in fit, now 1"):
        model.set_params(target_feature=1).forecast(frame, interval=0.8)
    pd.testing.assert_frame_equal(model.set_params(target_feature=0).forecast(
        frame, interval=0.8), expected)


def test_seq2seq_forecaster_target_feature_changed_after_fit_is_refused():
    _, X, y = two_column_windows()
    model = RNNSeq2SeqForecaster(hidden_size=4, max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="target_feature: 0 in fit, now 1"):
        model.set_params(target_feature=1).predict(X)


def test_options_of_a_fresh_fit_and_of_a_saved_model_are_the_fitted_ones(tmp_path):
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, window_normalization=None).fit(X, y)
    model.set_params(window_normalization="mean").fit(X, y)     # a fresh fit takes them
    rnnforecast.save(model, tmp_path / "m.zip")
    loaded = rnnforecast.load(tmp_path / "m.zip")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="window_normalization: 'mean' in fit, now None"):
        loaded.set_params(window_normalization=None).predict(X)


@pytest.mark.parametrize("export", ["to_onnx", "to_torch"])
def test_exports_refuse_options_changed_after_fit(export):
    pytest.importorskip("onnx" if export == "to_onnx" else "torch")
    from rnnforecast import estimators
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, window_normalization=None).fit(X, y)
    model.set_params(window_normalization="zscore")
    with pytest.raises(ValueError, match="window_normalization: None in fit, now 'zscore'"):
        getattr(estimators, export)(model)


# ------------------------------------------------------------ weights from elsewhere
def series_frame():
    t = np.arange(120.0)
    return pd.Series(np.sin(t / 5) + 0.01 * t, index=pd.date_range("2000", periods=120))


def test_loading_other_weights_drops_the_calibration_residuals():
    """Intervals used to keep the old network's residuals around the new one's forecast."""
    series = series_frame()
    X, y = make_windows(series.to_numpy(), 8, 2)
    model = RNNForecaster(**FAST).fit(X, y)
    other = RNNForecaster(**{**FAST, "random_state": 1}).fit(X, y)
    model.load_state_dict(other.state_dict())
    assert not hasattr(model, "conformal_residuals_") and model.calibration_ == "none"
    with pytest.raises(ValueError, match="no conformal_residuals_"):
        model.forecast(series, interval=0.9)


def test_loading_the_same_weights_keeps_the_calibration_residuals():
    X, y = make_windows(series_frame().to_numpy(), 8, 2)
    model = RNNForecaster(**FAST).fit(X, y)
    residuals = model.conformal_residuals_.copy()
    state = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    np.testing.assert_array_equal(model.conformal_residuals_, residuals)


def test_seq2seq_forecaster_loading_other_weights_drops_the_residuals():
    _, X, y = two_column_windows()
    params = dict(hidden_size=4, max_iter=2, early_stopping=True)
    model = RNNSeq2SeqForecaster(**params, random_state=0).fit(X, y)
    assert hasattr(model, "conformal_residuals_")
    model.load_state_dict(RNNSeq2SeqForecaster(**params, random_state=1).fit(X, y)
                          .state_dict())
    assert not hasattr(model, "conformal_residuals_")


def test_from_torch_into_a_fitted_classifier_forgets_its_fit():
    """The old classes (and scaling) used to label the new network's outputs."""
    torch = pytest.importorskip("torch")
    from rnnforecast.estimators import from_torch
    X, y = labelled_windows()
    model = RNNClassifier(**FAST, cell="lstm", bidirectional=False).fit(X, y)
    torch.manual_seed(0)
    from_torch(torch.nn.LSTM(1, 6, batch_first=True), torch.nn.Linear(6, 2), model,
               n_timesteps=8)
    np.testing.assert_array_equal(model.classes_, [0, 1])
    assert model.n_iter_ == 0 and model.loss_curve_ == []


@pytest.mark.parametrize("bad, match", [
    (dict(n_timesteps=0), "'n_timesteps' parameter of from_torch must be an int"),
    (dict(n_timesteps=2.5), "range \\[1, inf\\).*Got 2.5"),
    (dict(y_scale=[0.0, 1.0]), "'y_scale' .* finite positive value"),
    (dict(x_scale=[-1.0]), "'x_scale' .* finite positive value"),
])
def test_from_torch_refuses_meaningless_window_lengths_and_scales(bad, match):
    torch = pytest.importorskip("torch")
    from rnnforecast.estimators import from_torch
    kwargs = {"n_timesteps": 8, **bad}
    with pytest.raises(ValueError, match=match):
        from_torch(torch.nn.GRU(1, 3), torch.nn.Linear(3, 2), RNNForecaster(cell="gru"),
                   **kwargs)


# ------------------------------------------------------------ interrupts
def interrupting_epoch(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("Estimator, data", [(RNNForecaster, windowed_series),
                                             (RNNClassifier, labelled_windows)])
def test_an_interrupt_before_any_epoch_leaves_no_network_to_predict_with(
        monkeypatch, Estimator, data):
    """predict used to answer with the random initial weights (plus the linear skip)."""
    from sklearn.exceptions import NotFittedError
    import rnnforecast.estimators._base as base
    X, y = data()
    model = Estimator(**FAST).fit(X, y)
    monkeypatch.setattr(base, "run_epoch", interrupting_epoch)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert model.interrupted_ and model.n_iter_ == 0
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_an_interrupted_partial_fit_keeps_the_previous_model(monkeypatch):
    import rnnforecast.estimators._base as base
    X, y = windowed_series()
    model = RNNForecaster(**FAST).fit(X, y)
    expected, residuals = model.predict(X), model.conformal_residuals_
    monkeypatch.setattr(base, "run_epoch", interrupting_epoch)
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X, y)
    np.testing.assert_array_equal(model.predict(X), expected)
    assert model.conformal_residuals_ is residuals   # measured on these same weights


# ------------------------------------------------------------ score
def step_labelled_windows():
    X, _ = windowed_series()
    steps = np.diff(X[:, :, 0], axis=1, prepend=X[:, :1, 0])
    return X, np.where(steps > 0, "up", "down")


def test_classifier_score_of_sequences_follows_sample_weight():
    """With return_sequences the weights used to be ignored."""
    X, Y = step_labelled_windows()
    model = RNNClassifier(**FAST, return_sequences=True).fit(X, Y)
    pred = model.predict(X)
    weights = np.r_[np.ones(10), np.zeros(len(X) - 10)]
    assert model.score(X, Y, sample_weight=weights) == pytest.approx(
        np.mean(pred[:10] == Y[:10]))
    per_step = np.zeros(Y.shape)
    per_step[:, -1] = 1.0
    assert model.score(X, Y, sample_weight=per_step) == pytest.approx(
        np.mean(pred[:, -1] == Y[:, -1]))
    with pytest.raises(ValueError, match="'sample_weight' argument of RNNClassifier.score"):
        model.score(X, Y, sample_weight=np.ones(3))


def test_classifier_score_of_sequences_of_different_lengths_follows_sample_weight():
    X, Y = step_labelled_windows()
    X, Y = [X[0], X[1, :5], X[2]], [Y[0], Y[1, :5], Y[2]]
    model = RNNClassifier(**FAST, return_sequences=True).fit(X, Y)
    pred = model.predict(X)
    assert model.score(X, Y, sample_weight=[0.0, 1.0, 0.0]) == pytest.approx(
        np.mean(pred[1] == Y[1]))


def test_forecaster_score_names_a_y_of_another_length():
    X, y = windowed_series()
    model = RNNForecaster(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"'y' argument of RNNForecaster.score .* \(111, 2\)"
                                         r"\. Got an array of shape \(110, 2\)"):
        model.score(X, y[:-1])


def test_autoencoder_reverse_changed_after_fit_is_refused():
    """The reconstructions used to come back in reversed time order."""
    from rnnforecast import RNNAutoencoder
    X, _ = windowed_series()
    model = RNNAutoencoder(hidden_size=4, max_iter=2, random_state=0).fit(X)
    expected = model.score(X)
    model.set_params(reverse=not model.reverse)
    for call in (lambda: model.score(X), lambda: model.transform(X)):
        with pytest.raises(ValueError, match="reverse: True in fit, now False"):
            call()
    assert model.set_params(reverse=True).score(X) == expected


def test_seq2seq_input_encoding_changed_after_fit_is_refused():
    from rnnforecast import RNNSeq2Seq
    X = np.array([list("abc"), list("bca"), list("cab"), list("acb")])
    model = RNNSeq2Seq(input_encoding="onehot", hidden_size=4, max_iter=2,
                       random_state=0).fit(X, X[:, ::-1])
    with pytest.raises(ValueError, match="input_encoding: 'onehot' in fit, now 'embedding'"):
        model.set_params(input_encoding="embedding").predict(X)


def test_an_empty_validation_split_of_an_autoencoder_speaks_of_samples():
    """The message used to ask an unsupervised estimator for more samples of each class
    and a larger validation_fraction, which cannot help one sample."""
    from rnnforecast import RNNAutoencoder
    X, _ = windowed_series()
    with pytest.raises(ValueError, match="1 samples .* Provide more samples, or set "
                                         "early_stopping=False"):
        RNNAutoencoder(hidden_size=3, max_iter=2, early_stopping=True).fit(X[:1])


# ------------------------------------------------------------ extreme magnitudes
@pytest.mark.parametrize("unit", [1e-300, 1e-200, 1e200, 1e300])
def test_sequence_scaler_standardises_values_whose_squares_overflow(unit):
    """Squares of such values overflow (scale inf: all zeros) or underflow (scale 0,
    taken for a constant feature: the values came back unscaled)."""
    from rnnforecast.preprocessing import SequenceScaler
    X = np.arange(24.0).reshape(4, 3, 2)
    np.testing.assert_allclose(SequenceScaler().fit(X * unit).transform(X * unit),
                               SequenceScaler().fit_transform(X), rtol=1e-12)


@pytest.mark.parametrize("unit", [1e-300, 1e300])
def test_forecaster_is_the_same_model_at_extreme_magnitudes(unit):
    X, y = windowed_series()
    X, y = X + 2.0, y + 2.0
    model = RNNForecaster(**FAST).fit(X, y)
    scaled = RNNForecaster(**FAST).fit(X * unit, y * unit)
    np.testing.assert_allclose(scaled.predict(X * unit) / unit, model.predict(X),
                               rtol=1e-6)
    assert scaled.score(X * unit, y * unit) == pytest.approx(model.score(X, y))


def test_class_weight_naming_an_unknown_label_is_named():
    """scikit-learn's message named the class left out ('down'), which is allowed."""
    X, y = labelled_windows()
    with pytest.raises(ValueError, match=r"'class_weight' .* not classes of y: "
                                         r"\['sideways'\]"):
        RNNClassifier(**FAST, class_weight={"up": 1, "sideways": 3}).fit(X, y)
    RNNClassifier(**FAST, class_weight={"up": 2}).fit(X, y)      # 'down' gets 1


def test_autoencoder_feature_names_follow_the_fitted_encoding():
    """They used to follow hidden_size changed after fit: a pandas output then failed."""
    from rnnforecast import RNNAutoencoder
    X, _ = windowed_series()
    model = RNNAutoencoder(hidden_size=3, max_iter=2, random_state=0)
    model.set_output(transform="pandas").fit(X).set_params(hidden_size=5)
    assert model.get_feature_names_out().tolist() == [f"rnnautoencoder{i}" for i in range(3)]
    assert model.transform(X).shape == (len(X), 3)
