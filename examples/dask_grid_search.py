"""Grid search of an RNNForecaster on the airline series, locally and on a dask cluster.

The same ``GridSearchCV`` (cell x hidden_size, leak-free ``WindowedTimeSeriesSplit``
folds) runs twice: once in this process, once on a ``distributed.LocalCluster`` through
``joblib.parallel_backend("dask")``. Every candidate is seeded and trained under one BLAS
thread, so both runs score identically and pick the same parameters. Point
``run_on_dask`` at the address of a real cluster to spread a larger grid over machines.

Run with ``python examples/dask_grid_search.py``; ``RNNFORECAST_FAST=1`` shrinks the
grid and the training to a few seconds. Needs ``pip install "rnnforecast[distributed]"``.
"""

import os
import time
import warnings

import joblib
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from rnnforecast import RNNForecaster, make_windows
from rnnforecast.datasets import load_airline
from rnnforecast.model_selection import WindowedTimeSeriesSplit

WINDOW = 12  # one year of monthly values
FAST = os.environ.get("RNNFORECAST_FAST") == "1"


def airline_windows(window=WINDOW):
    """Windows of the airline series and the next month's value.

    Returns
    -------
    X : ndarray of shape (132, window, 1)
    y : ndarray of shape (132,)
    """
    X, y = make_windows(load_airline(), window)  # (n_windows, window, 1), (n_windows, 1)
    return X, y[:, 0]


def make_search(fast=FAST, window=WINDOW):
    """An unfitted grid search over the cell and hidden size of an RNNForecaster."""
    estimator = RNNForecaster(max_iter=3 if fast else 60, batch_size=16,
                              learning_rate_init=0.01, random_state=0)
    grid = {"cell": ["rnn", "gru"], "hidden_size": [4, 8] if fast else [8, 16, 32]}
    cv = WindowedTimeSeriesSplit(n_splits=2 if fast else 3, window=window, test_size=12)
    return GridSearchCV(estimator, grid, cv=cv)


def run_local(X, y, fast=FAST):
    """Fit the grid search in this process; return its best parameters."""
    search = make_search(fast)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    return search.best_params_


def run_on_dask(client, X, y, fast=FAST):
    """Fit the grid search with every candidate and fold a task on ``client``'s cluster."""
    search = make_search(fast)
    with warnings.catch_warnings(), joblib.parallel_backend("dask", scatter=[X, y]):
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    return search.best_params_


def start_cluster(n_workers=2):
    """A local cluster of single-threaded worker processes and a client connected to it.

    Worker processes (not threads) keep each fit on its own BLAS and Python interpreter,
    so candidates run truly in parallel and their results do not depend on each other.
    """
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    return cluster, Client(cluster)


def main():
    X, y = airline_windows()
    started = time.perf_counter()
    local = run_local(X, y)
    print(f"local  best_params_: {local}  ({time.perf_counter() - started:.1f} s)")
    cluster, client = start_cluster()
    try:
        started = time.perf_counter()
        on_dask = run_on_dask(client, X, y)
        print(f"dask   best_params_: {on_dask}  ({time.perf_counter() - started:.1f} s)")
    finally:
        client.close()
        cluster.close()
    assert on_dask == local, f"dask chose {on_dask}, the local run chose {local}"
    print("Both runs chose the same parameters.")


if __name__ == "__main__":
    main()
