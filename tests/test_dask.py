"""Grid search and fit_many on a local dask cluster give the same results as locally."""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from rnnforecast import RNNForecaster
from rnnforecast.forecasting import fit_many, forecast_many

distributed = pytest.importorskip("distributed")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dask_grid_search.py"


def load_example():
    """The example script as a module, to reuse its functions."""
    spec = importlib.util.spec_from_file_location("dask_grid_search", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example():
    return load_example()


@pytest.fixture(scope="module")
def client(example):
    """One two-worker local cluster shared by the tests of this module."""
    cluster, client = example.start_cluster(n_workers=2)
    yield client
    client.close()
    cluster.close()


def test_grid_search_on_dask_picks_the_local_best_params(example, client):
    X, y = example.airline_windows()
    local = example.run_local(X, y, fast=True)
    with distributed.get_task_stream(client) as tasks:
        on_dask = example.run_on_dask(client, X, y, fast=True)
    assert len(tasks.data) > 0, "no task ran on the cluster"
    assert on_dask == local


def test_fit_many_on_dask_backend_gives_the_local_weights(client):
    index = pd.date_range("2024-01-01", periods=40, freq="D")
    t = np.arange(40)
    collection = {"sine": pd.Series(np.sin(t / 2), index=index),
                  "trend": pd.Series(2.0 + 0.3 * t, index=index)}
    estimator = RNNForecaster(cell="lstm", hidden_size=4, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = fit_many(estimator, collection, window=6, n_jobs=1)
        with distributed.get_task_stream(client) as tasks:
            on_dask = fit_many(estimator, collection, window=6, n_jobs=2, backend="dask")
    assert len(tasks.data) > 0, "no task ran on the cluster"
    for name in collection:
        weights_local, weights_dask = local[name].state_dict(), on_dask[name].state_dict()
        for key in weights_local:
            np.testing.assert_array_equal(weights_local[key], weights_dask[key], err_msg=key)
    pd.testing.assert_frame_equal(forecast_many(local, collection, steps=2),
                                  forecast_many(on_dask, collection, steps=2))
