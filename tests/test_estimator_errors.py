"""Every error message of the estimators' parameters and inputs, pinned."""

import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from rnnforecast import RNNClassifier, RNNForecaster

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(hidden_size=4, max_iter=2, random_state=0)
ESTIMATORS = [RNNForecaster, RNNClassifier]

# (parameter, invalid value, the rule the message states)
SHARED_PARAMETERS = [
    ("cell", "elman", "a str among {'rnn', 'lstm', 'gru', 'jordan'}"),
    ("hidden_size", 0, "an int in the range [1, inf)"),
    ("hidden_size", 2.5, "an int in the range [1, inf)"),
    ("num_layers", 0, "an int in the range [1, inf)"),
    ("nonlinearity", "sigmoid", "a str among {'tanh', 'relu'}"),
    ("dropout", 1.0, "a float in the range [0.0, 1.0)"),
    ("dropout", -0.1, "a float in the range [0.0, 1.0)"),
    ("solver", "lbfgs", "a str among {'sgd', 'rmsprop', 'adam'}"),
    ("learning_rate_init", 0.0, "a float in the range (0.0, inf)"),
    ("max_iter", 0, "an int in the range [1, inf)"),
    ("tol", -1.0, "a float in the range [0.0, inf)"),
    ("validation_fraction", 1.0, "a float in the range (0.0, 1.0)"),
    ("validation_fraction", 0.0, "a float in the range (0.0, 1.0)"),
    ("n_iter_no_change", 0, "an int in the range [1, inf)"),
    ("alpha", -1.0, "a float in the range [0.0, inf)"),
    ("clip_norm", 0.0, "a float in the range (0.0, inf) or None"),
    ("bptt_truncate", 0, "an int in the range [1, inf) or None"),
    ("dtype", "float16", "a str among {'float32', 'float64'}"),
    ("n_threads", 0, "an int in the range [1, inf)"),
    ("random_state", -1, "an int in the range [0, 4294967295], an instance of "
                         "'numpy.random.mtrand.RandomState' or None"),
]
BOOLEAN_PARAMETERS = ["early_stopping", "return_sequences", "warm_start"]
AUTO_OR_BOOL = "a str among {'auto'} or an instance of 'bool' or an instance of 'numpy.bool'"
FORECASTER_PARAMETERS = [
    ("batch_size", 0, "an int in the range [1, inf) or a str among {'auto'}"),
    ("early_stopping", "yes", AUTO_OR_BOOL),
    ("linear_skip", "no", AUTO_OR_BOOL),
    ("loss", "mse", "a str among {'squared_error', 'absolute_error', 'huber', 'quantile'}"),
    ("window_normalization", "first", "a str among {'last', 'mean'} or None"),
    ("target_feature", -1, "an int in the range [0, inf)"),
]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 6, 1))
    return X, X[:, -1, 0], np.where(X[:, -1, 0] > 0, "up", "down")


def fit(estimator, data):
    X, y, labels = data
    return estimator.fit(X, labels if isinstance(estimator, RNNClassifier) else y)


def expected_message(estimator_class, name, value, rule):
    return re.escape(f"The '{name}' parameter of {estimator_class.__name__} must be {rule}. "
                     f"Got {value!r} instead.")


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("name, value, rule", SHARED_PARAMETERS)
def test_shared_parameter_errors(data, estimator_class, name, value, rule):
    estimator = estimator_class(**FAST).set_params(**{name: value})
    with pytest.raises(ValueError, match=expected_message(estimator_class, name, value, rule)):
        fit(estimator, data)


@pytest.mark.parametrize("name, value, rule", FORECASTER_PARAMETERS)
def test_forecaster_parameter_errors(data, name, value, rule):
    with pytest.raises(ValueError, match=expected_message(RNNForecaster, name, value, rule)):
        fit(RNNForecaster(**FAST, **{name: value}), data)


@pytest.mark.parametrize("estimator_class, name", [
    (cls, name) for cls in ESTIMATORS for name in BOOLEAN_PARAMETERS
    if (cls, name) != (RNNForecaster, "early_stopping")])  # "auto" too: above
def test_boolean_parameter_errors(data, estimator_class, name):
    pattern = (re.escape(f"The '{name}' parameter of {estimator_class.__name__} must be an "
                         "instance of 'bool'") + ".*" + re.escape("Got 'yes' instead."))
    with pytest.raises(ValueError, match=pattern):
        fit(estimator_class(**FAST, **{name: "yes"}), data)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_verbose_error(data, estimator_class):
    pattern = (re.escape(f"The 'verbose' parameter of {estimator_class.__name__} must be an "
                         "int in the range [0, inf)") + ".*" + re.escape("Got 'loud' instead."))
    with pytest.raises(ValueError, match=pattern):
        fit(estimator_class(**FAST, verbose="loud"), data)


def test_parameters_are_checked_in_fit_not_init(data):
    estimator = RNNForecaster(hidden_size=-3)  # storing is fine
    assert estimator.hidden_size == -3
    with pytest.raises(ValueError, match="'hidden_size' parameter"):
        fit(estimator, data)
    estimator.set_params(hidden_size=4, max_iter=1)
    fit(estimator, data)


def test_target_feature_beyond_the_features(data):
    with pytest.raises(ValueError, match=re.escape(
            "The 'target_feature' parameter of RNNForecaster must be a feature index below "
            "n_features=1. Got 3 instead.")):
        fit(RNNForecaster(**FAST, target_feature=3), data)


# --------------------------------------------------------------------- X
def nan_at(X, value=np.nan):
    X = X.copy()
    X[3, 2, ...] = value
    return X


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("make_X, message", [
    (lambda X: nan_at(X), "Input X contains NaN|may hold NaN only as padding"),
    (lambda X: nan_at(X)[:, :, 0], "Input X contains NaN"),
    (lambda X: nan_at(X, np.inf), "Input X contains infinity"),
    (lambda X: nan_at(X, -np.inf)[:, :, 0], "Input X contains infinity"),
    (lambda X: X[:, 0, 0], r"X must be 2-D \(n_samples, n_timesteps\) or 3-D \(n_samples, "
                           r"n_timesteps, n_features\). Got an array of shape \(20,\) "
                           r"instead. Reshape your data"),
    (lambda X: X[..., None], r"X must be 2-D .* Got an array of shape \(20, 6, 1, 1\) "
                             r"instead"),
], ids=["nan-3d", "nan-2d", "inf-3d", "-inf-2d", "1d", "4d"])
def test_bad_X_in_fit(data, estimator_class, make_X, message):
    X, y, labels = data
    target = labels if estimator_class is RNNClassifier else y
    with pytest.raises(ValueError, match=message):
        estimator_class(**FAST).fit(make_X(X), target)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("method", ["predict", "transform", "score"])
def test_bad_X_after_fit(data, estimator_class, method):
    X, y, labels = data
    target = labels if estimator_class is RNNClassifier else y
    estimator = estimator_class(**FAST).fit(X, target)
    call = getattr(estimator, method)
    args = (target,) if method == "score" else ()
    with pytest.raises(ValueError, match="Input X contains NaN|may hold NaN only as "
                                         r"padding.*positions \[3\]"):
        call(nan_at(X), *args)
    if estimator_class is RNNClassifier:   # reads sequences of any length
        call(X[:, 1:], *args)
    else:
        with pytest.raises(ValueError, match=re.escape(
                "X has windows of shape (5, 1) (n_timesteps, n_features) but "
                f"{estimator_class.__name__} was fitted on windows of shape (6, 1). Make "
                "the windows with the same window length and columns as in fit.")):
            call(X[:, 1:], *args)
    with pytest.raises(ValueError, match=re.escape(
            "X has windows of shape (6, 2) (n_timesteps, n_features) but")):
        call(np.concatenate([X, X], axis=2), *args)
    with pytest.raises(ValueError, match=r"Got an array of shape \(6,\) instead"):
        call(X[0, :, 0], *args)


def test_two_dimensional_window_length_mismatch(data):
    X, y, _ = data
    estimator = RNNForecaster(**FAST).fit(X[:, :, 0], y)
    with pytest.raises(ValueError, match=re.escape(
            "X has 5 features, but RNNForecaster is expecting 6 features as input.")):
        estimator.predict(X[:, 1:, 0])


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
@pytest.mark.parametrize("method", ["predict", "transform", "state_dict"])
def test_not_fitted(data, estimator_class, method):
    X = data[0]
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        getattr(estimator_class(), method)(*(() if method == "state_dict" else (X,)))


# --------------------------------------------------------------------- y
@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_y_none(data, estimator_class):
    with pytest.raises(ValueError, match=f"{estimator_class.__name__} requires y to be "
                                         "passed, but the target y is None"):
        estimator_class(**FAST).fit(data[0], None)


@pytest.mark.parametrize("estimator_class", ESTIMATORS)
def test_y_length_mismatch(data, estimator_class):
    X, y, labels = data
    target = labels if estimator_class is RNNClassifier else y
    with pytest.raises(ValueError, match=re.escape(
            "X and y have different numbers of samples: 20 and 19.")):
        estimator_class(**FAST).fit(X, target[:-1])


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_y(data, value):
    X, y, _ = data
    y = y.copy()
    y[4] = value
    with pytest.raises(ValueError, match="Input y contains (NaN|infinity)"):
        RNNForecaster(**FAST).fit(X, y)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                            "ignore:invalid value encountered:RuntimeWarning")
def test_y_beyond_float32_is_scaled_in_float64(data):
    """Targets beyond float32's range train in float32: scaling happens in float64."""
    X, y, _ = data
    small = RNNForecaster(**FAST, window_normalization=None).fit(X, y)
    huge = RNNForecaster(**FAST, window_normalization=None).fit(X, y * 1e40)
    np.testing.assert_allclose(huge.predict(X) / 1e40, small.predict(X), rtol=1e-4)


@pytest.mark.parametrize("return_sequences, make_y, expected", [
    (False, lambda y: y[:, None, None], r"\(n_samples,\) or \(n_samples, n_outputs\). "
                                        r"Got an array of shape \(20, 1, 1\) instead."),
    (True, lambda y: y, r"\(n_samples, n_timesteps\) or \(n_samples, n_timesteps, "
                        r"n_outputs\) with return_sequences=True. Got an array of shape "
                        r"\(20,\) instead."),
    (True, lambda y: np.tile(y[:, None], 5), r"Got an array of shape \(20, 5\) instead."),
    (True, lambda y: np.tile(y[:, None, None, None], (1, 6, 1, 1)),
     r"Got an array of shape \(20, 6, 1, 1\) instead."),
])
def test_forecaster_y_shape(data, return_sequences, make_y, expected):
    X, y, _ = data
    with pytest.raises(ValueError, match="y must have shape .*" + expected):
        RNNForecaster(**FAST, return_sequences=return_sequences).fit(X, make_y(y))


def test_forecaster_partial_fit_with_another_number_of_outputs(data):
    X, y, _ = data
    estimator = RNNForecaster(**FAST).partial_fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "y has 2 outputs per sample but RNNForecaster was fitted with n_outputs_=1")):
        estimator.partial_fit(X, np.c_[y, y])


@pytest.mark.parametrize("return_sequences, make_y, expected", [
    (False, lambda y: np.tile(y[:, None], 6),
     r"y must have shape \(n_samples,\), one label per sequence; for one label per time "
     r"step set return_sequences=True. Got an array of shape \(20, 6\) instead."),
    (True, lambda y: y,
     r"y must have shape \(n_samples, n_timesteps\) = \(20, 6\), one label per time step, "
     r"with return_sequences=True. Got an array of shape \(20,\) instead."),
    (True, lambda y: np.tile(y[:, None], 5), r"Got an array of shape \(20, 5\) instead."),
])
def test_classifier_y_shape(data, return_sequences, make_y, expected):
    X, _, labels = data
    with pytest.raises(ValueError, match=expected):
        RNNClassifier(**FAST, return_sequences=return_sequences).fit(X, make_y(labels))


def test_classifier_needs_two_classes(data):
    X = data[0]
    with pytest.raises(ValueError, match=re.escape(
            "RNNClassifier needs samples of at least 2 classes in y; got 1 class: 'up'.")):
        RNNClassifier(**FAST).fit(X, np.full(len(X), "up"))


def test_classifier_rejects_continuous_targets(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        RNNClassifier(**FAST).fit(X, y)


@pytest.mark.parametrize("estimator_class, message", [
    (RNNForecaster, "The validation split leaves no training windows: 2 samples with "
                    "validation_fraction=0.9 hold out 2 and a purge gap of 0 window(s) "
                    "before them. Provide more windows or lower validation_fraction."),
    (RNNClassifier, "The validation split is empty: 2 samples with "
                    "validation_fraction=0.9 leave none to validate on (samples are held "
                    "out per class, from classes of at least 2 samples). Provide more "
                    "samples, or set early_stopping=False."),
])
def test_validation_split_without_training_windows(data, estimator_class, message):
    X, y, labels = data
    target = labels if estimator_class is RNNClassifier else y
    two = [np.flatnonzero(labels == "up")[0], np.flatnonzero(labels == "down")[0]]
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator_class(**FAST, early_stopping=True, validation_fraction=0.9).fit(
            X[two], target[two])


# --------------------------------------------------------------------- state_dict
@pytest.fixture(scope="module")
def lstm_state(data):
    X, y, _ = data
    return RNNForecaster(**FAST, num_layers=2).fit(X, y).state_dict()


def test_load_state_dict_missing_and_unexpected_keys(lstm_state):
    state = dict(lstm_state)
    del state["bias_hh_l1"]
    state["head.scale"] = np.ones(1)
    with pytest.raises(ValueError, match=re.escape(
            "The state_dict keys do not match cell='lstm' with num_layers=2.\n"
            "    missing: ['bias_hh_l1']\n    unexpected: ['head.scale']")):
        RNNForecaster().load_state_dict(state)


def test_load_state_dict_wrong_shapes(lstm_state):
    state = dict(lstm_state, **{"head.weight": np.zeros((1, 5))})
    with pytest.raises(ValueError, match=re.escape(
            "The state_dict arrays do not fit cell='lstm' with hidden_size=4:\n"
            "    head.weight: (1, 5), expected (1, 4)")):
        RNNForecaster().load_state_dict(state)


def test_load_state_dict_of_another_cell(lstm_state):
    with pytest.raises(ValueError, match="The state_dict arrays do not fit cell='gru'"):
        RNNForecaster(cell="gru").load_state_dict(lstm_state)


def test_load_state_dict_without_the_first_layer(lstm_state):
    state = {k: v for k, v in lstm_state.items() if not k.endswith("l0")}
    with pytest.raises(ValueError, match="state_dict must hold the 2-D arrays "
                                         "'weight_ih_l0' and 'head.weight'"):
        RNNForecaster().load_state_dict(state)


def test_failed_load_leaves_the_estimator_unchanged(data, lstm_state):
    X, y, _ = data
    estimator = RNNForecaster(**FAST, num_layers=2).fit(X, y)
    before = estimator.predict(X)
    with pytest.raises(ValueError):
        estimator.load_state_dict(dict(lstm_state, **{"head.bias": np.zeros(3)}))
    np.testing.assert_array_equal(estimator.predict(X), before)
    assert estimator.get_params() == RNNForecaster(**FAST, num_layers=2).get_params()


def test_classifier_batch_size_error(data):
    rule = "an int in the range [1, inf)"
    with pytest.raises(ValueError, match=expected_message(RNNClassifier, "batch_size", 0, rule)):
        fit(RNNClassifier(**FAST, batch_size=0), data)
