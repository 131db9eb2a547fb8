"""Tests of rnnforecast.metrics: hand-computed values, zero handling and input checks."""

import math
import re

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from rnnforecast.metrics import evaluate, mape, mase, seasonal_naive_scale, smape

Y_TRUE = [100.0, 200.0, 50.0]
Y_PRED = [110.0, 150.0, 50.0]
Y_TRAIN = [10.0, 12.0, 11.0, 15.0]  # naive errors 2, 1, 4 -> scale 7 / 3


def test_mape_by_hand():
    # |e| / |y| = 10/100, 50/200, 0/50
    assert mape(Y_TRUE, Y_PRED) == pytest.approx(100 * (0.1 + 0.25 + 0.0) / 3)


def test_smape_by_hand():
    # 2 |e| / (|y| + |ŷ|) = 20/210, 100/350, 0/100
    assert smape(Y_TRUE, Y_PRED) == pytest.approx(100 * (20 / 210 + 100 / 350) / 3)


def test_smape_lies_between_0_and_200():
    assert smape([1.0, -1.0], [-1.0, 1.0]) == pytest.approx(200.0)
    assert smape([3.0], [3.0]) == 0.0


def test_mase_by_hand():
    # MAE = (10 + 50 + 0) / 3 = 20, scale = (2 + 1 + 4) / 3 = 7 / 3
    assert mase(Y_TRUE, Y_PRED, Y_TRAIN) == pytest.approx(20 / (7 / 3))


def test_mase_with_seasonal_period():
    # lag-2 naive errors of Y_TRAIN: |11 - 10|, |15 - 12| -> scale 2
    assert seasonal_naive_scale(Y_TRAIN, 2) == 2.0
    assert mase(Y_TRUE, Y_PRED, Y_TRAIN, seasonal_period=2) == pytest.approx(10.0)


def test_evaluate_returns_the_five_metrics_in_order():
    scores = evaluate(Y_TRUE, Y_PRED, Y_TRAIN)
    assert list(scores) == ["MAE", "RMSE", "MAPE", "sMAPE", "MASE"]
    assert scores["MAE"] == pytest.approx(20.0)
    assert scores["RMSE"] == pytest.approx(math.sqrt((100 + 2500 + 0) / 3))
    assert scores["MAPE"] == pytest.approx(mape(Y_TRUE, Y_PRED))
    assert scores["sMAPE"] == pytest.approx(smape(Y_TRUE, Y_PRED))
    assert scores["MASE"] == pytest.approx(mase(Y_TRUE, Y_PRED, Y_TRAIN))
    assert all(isinstance(value, float) for value in scores.values())


def test_evaluate_agrees_with_sklearn_and_pools_2d_input():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.normal(size=(4, 3)) + 5, rng.normal(size=(4, 3)) + 5
    scores = evaluate(y_true, y_pred, y_train=np.arange(6.0))
    assert scores["MAE"] == pytest.approx(mean_absolute_error(y_true.ravel(), y_pred.ravel()))
    assert scores["RMSE"] == pytest.approx(
        root_mean_squared_error(y_true.ravel(), y_pred.ravel())
    )
    assert scores["MASE"] == pytest.approx(scores["MAE"] / 1.0)


def test_zero_actuals_make_mape_infinite_unless_forecast_exactly():
    assert mape([0.0, 100.0], [0.0, 110.0]) == pytest.approx(5.0)  # 0/0 counts as 0
    assert mape([0.0, 100.0], [1.0, 110.0]) == np.inf
    assert smape([0.0, 100.0], [0.0, 110.0]) == pytest.approx(100 * (20 / 210) / 2)


def test_constant_training_series_makes_mase_zero_or_infinite():
    assert mase([1.0, 1.0], [1.0, 1.0], y_train=[5.0, 5.0, 5.0]) == 0.0
    assert mase([1.0, 2.0], [1.0, 1.0], y_train=[5.0, 5.0, 5.0]) == np.inf


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'y_pred' parameter of mape must have the shape of 'y_true', (3,). "
        "Got shape (2,) instead."
    )):
        mape(Y_TRUE, [1.0, 2.0])


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'y_true' parameter of smape must not be empty. Got 0 values."
    )):
        smape([], [])


def test_non_finite_input_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'y_pred' parameter of evaluate must contain only finite values."
    )):
        evaluate([1.0, 2.0], [1.0, np.nan], Y_TRAIN)


def test_short_training_series_is_refused():
    with pytest.raises(ValueError, match=re.escape(
        "The 'y_train' parameter of mase must hold more than seasonal_period = 4 values "
        "to scale by the seasonal-naive error. Got 4 values instead."
    )):
        mase(Y_TRUE, Y_PRED, Y_TRAIN, seasonal_period=4)


def test_evaluate_names_itself_in_errors():
    with pytest.raises(ValueError, match=re.escape(
        "The 'seasonal_period' parameter of evaluate must be an int in the range [1, inf). "
        "Got 0 instead."
    )):
        evaluate(Y_TRUE, Y_PRED, Y_TRAIN, seasonal_period=0)
