"""Tests of SequenceScaler on 3-D (samples, steps, features) and 2-D (samples, steps) input."""

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from rnnforecast.preprocessing import SequenceScaler
from rnnforecast.windowing import make_windows


def sequences(n_samples=20, n_timesteps=5, n_features=3, seed=0):
    """Random sequences whose features have very different offsets and spreads."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(n_samples, n_timesteps, n_features))
    return values * [1.0, 10.0, 0.1][:n_features] + [0.0, 50.0, -3.0][:n_features]


def test_standard_statistics_pool_samples_and_time_by_hand():
    X = np.arange(12.0).reshape(2, 3, 2)  # feature 0: 0 2 4 6 8 10, feature 1: 1 3 .. 11
    scaler = SequenceScaler().fit(X)
    assert_allclose(scaler.mean_, [5.0, 6.0])
    assert_allclose(scaler.scale_, [np.std([0, 2, 4, 6, 8, 10])] * 2)
    assert scaler.n_features_in_ == 2


def test_standard_round_trip_3d():
    X = sequences()
    scaler = SequenceScaler()
    X_scaled = scaler.fit_transform(X)
    assert X_scaled.shape == X.shape
    assert_allclose(X_scaled.mean(axis=(0, 1)), 0.0, atol=1e-12)
    assert_allclose(X_scaled.std(axis=(0, 1)), 1.0)
    assert_allclose(scaler.inverse_transform(X_scaled), X)


def test_minmax_round_trip_3d():
    X = sequences()
    scaler = SequenceScaler(method="minmax").fit(X)
    X_scaled = scaler.transform(X)
    assert_allclose(X_scaled.min(axis=(0, 1)), 0.0, atol=1e-12)
    assert_allclose(X_scaled.max(axis=(0, 1)), 1.0)
    assert_allclose(scaler.min_, X.min(axis=(0, 1)))
    assert_allclose(scaler.inverse_transform(X_scaled), X)
    assert not hasattr(scaler, "mean_")


@pytest.mark.parametrize("method", ["standard", "minmax"])
def test_2d_input_is_one_feature(method):
    X, _ = make_windows(np.arange(10.0), window=4)  # (6, 4, 1)
    X_2d = X[:, :, 0]  # (6, 4)
    scaler_2d = SequenceScaler(method=method).fit(X_2d)
    scaler_3d = SequenceScaler(method=method).fit(X)
    assert scaler_2d.n_features_in_ == 1 and scaler_2d.scale_.shape == (1,)
    X_scaled = scaler_2d.transform(X_2d)
    assert X_scaled.shape == (6, 4)
    assert_allclose(X_scaled, scaler_3d.transform(X)[:, :, 0])
    assert_allclose(scaler_2d.inverse_transform(X_scaled), X_2d)


def test_minmax_2d_by_hand():
    X = np.arange(12.0).reshape(3, 4)
    assert_allclose(SequenceScaler("minmax").fit_transform(X), X / 11.0)


def test_constant_feature_gets_unit_scale():
    X = sequences(n_features=2)
    X[:, :, 1] = 0.1
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[1] == 1.0
    assert_allclose(scaler.transform(X)[:, :, 1], 0.0, atol=1e-15)
    assert SequenceScaler("minmax").fit(X).scale_[1] == 1.0


def test_other_sequence_lengths_and_float32():
    scaler = SequenceScaler().fit(sequences(n_timesteps=5))
    longer = sequences(n_samples=3, n_timesteps=9, seed=1).astype(np.float32)
    X_scaled = scaler.transform(longer)
    assert X_scaled.shape == (3, 9, 3) and X_scaled.dtype == np.float32
    assert_allclose(scaler.inverse_transform(X_scaled), longer, rtol=1e-5)


def test_clone_keeps_only_params():
    scaler = SequenceScaler(method="minmax").fit(sequences())
    assert clone(scaler).get_params() == {"method": "minmax"}
    assert not hasattr(clone(scaler), "scale_")


def test_errors():
    with pytest.raises(ValueError, match=re.escape(
            "The 'method' parameter of SequenceScaler must be a str among "
            "{'minmax', 'standard'}. Got 'robust' instead.")):
        SequenceScaler(method="robust").fit(sequences())
    with pytest.raises(ValueError, match=re.escape(
            "The 'X' parameter of SequenceScaler.fit must be a non-empty 2-D array "
            "(n_samples, n_timesteps) or 3-D array (n_samples, n_timesteps, n_features). "
            "Got an array of shape (5,) instead.")):
        SequenceScaler().fit(np.arange(5.0))
    with pytest.raises(ValueError, match=r"Got an array of shape \(1, 2, 3, 4\) instead"):
        SequenceScaler().fit(np.zeros((1, 2, 3, 4)))
    X = sequences()
    X[2, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"The 'X' parameter of SequenceScaler\.fit must "
                                         r"contain only finite values\. Got 1 NaN or infinite"
                                         r" value\(s\) at:\n    position \(2, 1, 0\): nan"):
        SequenceScaler().fit(X)


def test_transform_errors():
    scaler = SequenceScaler()
    with pytest.raises(NotFittedError):
        scaler.transform(sequences())
    scaler.fit(sequences(n_features=3))
    with pytest.raises(ValueError, match=re.escape(
            "The 'X' parameter of SequenceScaler.transform must have 3 feature(s) on its "
            "last axis, as seen in fit. Got an array of shape (20, 5) instead.")):
        scaler.transform(np.zeros((20, 5)))
    with pytest.raises(ValueError, match=r"SequenceScaler\.inverse_transform must have 3"):
        scaler.inverse_transform(np.zeros((2, 5, 2)))
