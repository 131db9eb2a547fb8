"""The estimators' training loop: early stopping on the last windows, interruption,
partial_fit and warm start, divergence and convergence warnings."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import rnnforecast.estimators._base as base_module
import rnnforecast.estimators._training as training_module
from _estimator_helpers import FAST, HORIZON, assert_same_weights, make_estimator
from rnnforecast import RNNForecaster

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")




# --------------------------------------------------------------------- early stopping
def n_validation(n_samples, fraction):
    return max(1, int(round(n_samples * fraction)))


class RecordingForecaster(RNNForecaster):
    """Records the windows scored on and the weights after every epoch."""

    def _validation(self, X, Y):
        score = super()._validation(X, Y)

        def recording(idx):
            self.scored_windows_.append(np.array(idx))
            return score(idx)
        return recording

    def _record_epoch(self, loss, val, scorer):
        self.epoch_weights_.append({k: v.copy() for k, v in self._network.params.items()})
        return super()._record_epoch(loss, val, scorer)

    def fit(self, X, y):
        self.scored_windows_, self.epoch_weights_ = [], []
        return super().fit(X, y)


def test_early_stopping_scores_the_last_windows_and_trains_on_the_rest(windows,
                                                                      monkeypatch):
    X, y = windows
    trained_on = []

    def recording_run_epoch(net, optimizer, X_train, y_train, **kwargs):
        trained_on.append(X_train.copy())
        return training_module.run_epoch(net, optimizer, X_train, y_train, **kwargs)

    monkeypatch.setattr(base_module, "run_epoch", recording_run_epoch)
    est = RecordingForecaster(**dict(FAST, max_iter=3), early_stopping=True,
                              validation_fraction=0.2).fit(X, y)
    n_val = n_validation(len(X), 0.2)
    n_train = len(X) - n_val - (HORIZON - 1)  # a purge gap of horizon - 1 windows
    assert len(est.scored_windows_) == 3
    for idx in est.scored_windows_:
        np.testing.assert_array_equal(idx, np.arange(len(X) - n_val, len(X)))
    scaled, _ = est._scaler.transform(X, np.float32)
    for X_train in trained_on:
        np.testing.assert_array_equal(X_train, scaled[:n_train])


def test_early_stopping_statistics_come_from_the_training_windows(windows):
    """Moving the held-out windows far away changes nothing the model learned."""
    X, y = windows
    far_X, far_y = X.copy(), y.copy()
    n_val = n_validation(len(X), 0.2)
    far_X[-n_val:] += 1000.0
    far_y[-n_val:] += 1000.0
    params = dict(FAST, max_iter=3, early_stopping=True, validation_fraction=0.2,
                  window_normalization=None, n_iter_no_change=5,
                  linear_skip=False)  # the skip learns from every window (its tests)
    near = RNNForecaster(**params).fit(X, y)
    far = RNNForecaster(**params).fit(far_X, far_y)
    assert near.loss_curve_ == far.loss_curve_
    assert near.validation_scores_ != far.validation_scores_


def test_early_stopping_restores_the_best_epoch(windows):
    X, y = windows
    est = RecordingForecaster(hidden_size=8, max_iter=200, learning_rate_init=0.05,
                              early_stopping=True, validation_fraction=0.2,
                              n_iter_no_change=3, tol=0.0, random_state=0,
                              linear_skip=False).fit(X, y)
    scores, losses = est.validation_scores_, est.validation_loss_curve_
    best = int(np.argmin(losses))  # stopping follows the validation loss
    assert len(scores) == len(est.loss_curve_) == est.n_iter_ == len(est.epoch_weights_)
    assert est.n_iter_ < 200, "expected early stopping before max_iter"
    assert est.n_iter_ == best + 1 + 3  # tol=0: three epochs without a new best
    assert est.best_epoch_ == best + 1
    assert est.best_validation_score_ == scores[best]
    assert_same_weights(est.state_dict(), est.epoch_weights_[best])
    last = est.epoch_weights_[-1]
    assert any(not np.array_equal(last[k], est.state_dict()[k]) for k in last)


def test_conformal_residuals_are_the_held_out_errors(windows):
    X, y = windows
    est = RNNForecaster(**FAST, early_stopping=True, validation_fraction=0.2,
                        linear_skip=False).fit(X, y)  # with the skip: test_linear_skip
    n_val = n_validation(len(X), 0.2)
    assert est.conformal_residuals_.shape == (n_val, HORIZON)
    np.testing.assert_allclose(est.conformal_residuals_, y[-n_val:] - est.predict(X[-n_val:]),
                               rtol=1e-6, atol=1e-6)


def test_refit_without_early_stopping_drops_its_attributes(windows):
    X, y = windows
    est = RNNForecaster(**FAST, early_stopping=True).fit(X, y)
    est.set_params(early_stopping=False, calibration=False).fit(X, y)
    for name in ("validation_scores_", "best_validation_score_", "conformal_residuals_"):
        assert not hasattr(est, name), name


# --------------------------------------------------------------------- interruption
def interrupt_run_epoch_at(monkeypatch, epoch):
    calls = []

    def run_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == epoch:
            raise KeyboardInterrupt
        return training_module.run_epoch(*args, **kwargs)

    monkeypatch.setattr(base_module, "run_epoch", run_epoch)


def test_keyboard_interrupt_keeps_a_usable_estimator(kind_and_data, monkeypatch):
    kind, (X, y) = kind_and_data
    interrupt_run_epoch_at(monkeypatch, 3)
    est = make_estimator(kind, **dict(FAST, max_iter=10))
    with pytest.raises(KeyboardInterrupt):  # the caller stops too
        est.fit(X, y)
    assert est.interrupted_
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2
    pred = est.predict(X)
    assert pred.shape == np.shape(y)
    if kind == "forecaster":
        assert np.all(np.isfinite(pred))


def test_interrupt_inside_an_epoch_keeps_the_last_complete_epoch(windows, monkeypatch):
    """Interrupted in the middle of epoch 3: the weights are those after epoch 2."""
    X, y = windows
    params = dict(FAST, max_iter=10, batch_size=32, early_stopping=False)
    batches_per_epoch = int(np.ceil(len(X) / 32))
    calls = []

    def batch_step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2 * batches_per_epoch + 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    original = training_module.batch_step
    monkeypatch.setattr(training_module, "batch_step", batch_step)
    est = RNNForecaster(**params)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    monkeypatch.setattr(training_module, "batch_step", original)
    reference = RNNForecaster(**dict(params, max_iter=2)).fit(X, y)
    assert est.n_iter_ == 2
    assert_same_weights(est.state_dict(), reference.state_dict())


def test_keyboard_interrupt_with_early_stopping_keeps_the_best_weights(windows,
                                                                       monkeypatch):
    X, y = windows
    interrupt_run_epoch_at(monkeypatch, 4)
    est = RecordingForecaster(**dict(FAST, max_iter=10), early_stopping=True,
                              linear_skip=False)
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, y)
    best = int(np.argmin(est.validation_loss_curve_))
    assert est.best_epoch_ == best + 1
    assert est.n_iter_ == 3
    assert_same_weights(est.state_dict(), est.epoch_weights_[best])


# --------------------------------------------------------------------- incremental
def test_partial_fit_decreases_the_loss_without_convergence_warnings(windows):
    X, y = windows
    est = RNNForecaster(hidden_size=6, learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for _ in range(12):
            assert est.partial_fit(X, y) is est
    assert est.n_iter_ == len(est.loss_curve_) == 12
    assert est.loss_curve_[-1] < 0.5 * est.loss_curve_[0]


def test_partial_fit_k_times_equals_fit_with_max_iter_k(windows):
    X, y = windows
    stepped = RNNForecaster(**dict(FAST, max_iter=1))
    for _ in range(3):
        stepped.partial_fit(X, y)
    fitted = RNNForecaster(**dict(FAST, max_iter=3), early_stopping=False).fit(X, y)
    assert_same_weights(stepped.state_dict(), fitted.state_dict())
    assert stepped.loss_curve_ == fitted.loss_curve_


def test_warm_start_continues_and_accumulates_like_mlp(windows):
    """As MLPRegressor: n_iter_ and loss_curve_ accumulate over warm-started fits, and
    3 + 3 warm-started epochs are the same model as one fit of 6 epochs."""
    X, y = windows
    est = RNNForecaster(**dict(FAST, max_iter=3), warm_start=True,
                        early_stopping=False).fit(X, y)
    first_curve = list(est.loss_curve_)
    est.fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) == 6
    assert est.loss_curve_[:3] == first_curve
    once = RNNForecaster(**dict(FAST, max_iter=6), early_stopping=False).fit(X, y)
    assert_same_weights(est.state_dict(), once.state_dict())
    assert est.loss_curve_ == once.loss_curve_


def test_without_warm_start_fit_starts_over(windows):
    X, y = windows
    est = RNNForecaster(**dict(FAST, max_iter=3)).fit(X, y)
    first = est.state_dict()
    est.fit(X, y)
    assert est.n_iter_ == 3
    assert_same_weights(est.state_dict(), first)


def test_warm_start_needs_windows_shaped_as_before(windows):
    X, y = windows
    est = RNNForecaster(**FAST, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"fitted on windows of shape \(8, 1\)"):
        est.fit(X[:, 2:], y)


# --------------------------------------------------------------------- divergence
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("solver, lr, max_iter, epoch", [
    ("sgd", 1e30, 5, 2),    # weights ~1e30 after epoch 1, the loss overflows in epoch 2
    ("adam", 1e39, 1, 1),   # float32 overflow in the very last update of the fit
])
def test_divergence_raises_and_keeps_finite_predictions(windows, solver, lr, max_iter,
                                                       epoch):
    X, y = windows
    est = RNNForecaster(hidden_size=4, solver=solver, learning_rate_init=lr, clip_norm=None,
                        max_iter=max_iter, batch_size=len(X), random_state=0)
    with pytest.raises(ValueError, match=f"Training diverged at epoch {epoch}: .* The "
                                         "weights of the previous epoch were restored"):
        est.fit(X, y)
    assert est.n_iter_ == epoch - 1
    # Decided behaviour: the estimator keeps the last finite weights and predicts finite
    # values; it never predicts NaN.
    assert np.all(np.isfinite(est.predict(X)))
    assert all(np.all(np.isfinite(w)) for w in est.state_dict().values())


def test_huge_targets_are_standardised_not_diverged(windows):
    X, y = windows
    est = RNNForecaster(**dict(FAST, max_iter=10)).fit(X, y * 1e30)
    pred = est.predict(X)
    assert np.all(np.isfinite(pred))
    assert 1e29 < np.abs(pred).mean() < 1e31


def test_convergence_warning_at_max_iter(kind_and_data):
    kind, (X, y) = kind_and_data
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(3\) reached"):
        make_estimator(kind, **dict(FAST, max_iter=3)).fit(X, y)


def test_no_convergence_warning_when_the_loss_stops_improving(windows):
    X, y = windows
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = RNNForecaster(**dict(FAST, max_iter=50), tol=10.0, n_iter_no_change=2)
        est.fit(X, y)
    assert est.n_iter_ == 3  # the first epoch sets the best, two more do not beat it


def test_a_single_epoch_fit_warns_but_partial_fit_does_not(windows):
    X, y = windows
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(1\) reached"):
        RNNForecaster(**dict(FAST, max_iter=1)).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        RNNForecaster(**FAST).partial_fit(X, y)
