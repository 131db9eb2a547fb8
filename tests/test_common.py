"""scikit-learn's own estimator checks, over both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnforecast import RNNClassifier, RNNForecaster

ESTIMATORS = [
    RNNForecaster(random_state=0),  # the defaults, as users meet them
    RNNClassifier(random_state=0),
    RNNForecaster(hidden_size=8, max_iter=100, learning_rate_init=0.01, random_state=0),
    RNNClassifier(hidden_size=8, max_iter=100, learning_rate_init=0.01, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
