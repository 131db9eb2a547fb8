"""Fixtures shared by the estimator behaviour tests."""

import pytest

from _estimator_helpers import KINDS, data_for, windowed_series


@pytest.fixture(scope="module")
def windows():
    """X (111, 8, 1), y (111, 2) from ``windowed_series``."""
    return windowed_series()


@pytest.fixture(params=KINDS)
def kind_and_data(request):
    """("forecaster" or "classifier", (X, y) for it)."""
    return request.param, data_for(request.param)
