"""Real public time series shipped with rnnforecast, and their loaders.

The CSVs live in the top-level ``datasets/`` folder of the source tree. Building the wheel maps
that folder to the data package ``rnnforecast._data`` (``[tool.setuptools.package-dir]`` in
``pyproject.toml``), so the same files are found after a plain ``pip install .`` and from a
source checkout. ``datasets/README.md`` gives each file's source and license.

==========================  =======================  ========  =========  ========================
loader                      file                     rows      frequency  span
==========================  =======================  ========  =========  ========================
``load_airline()``          airline_passengers_...   144       ``"MS"``   1949-01 .. 1960-12
``load_ibm()``              ibm_daily                3,270     trading    2000-03-01 .. 2013-03-01
``load_seattle_weather()``  seattle_weather_daily    1,461     ``"D"``    2012-01-01 .. 2015-12-31
``load_gunpoint(split)``    gunpoint_train / _test   50 / 150  --         150 steps per series
==========================  =======================  ========  =========  ========================

This module is a leaf: it imports NumPy and pandas only, no other rnnforecast module.
"""

import atexit
import contextlib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DATASETS",
    "dataset_path",
    "load_airline",
    "load_gunpoint",
    "load_ibm",
    "load_seattle_weather",
]

#: Name of every shipped dataset -> its CSV file name.
DATASETS = {
    "airline": "airline_passengers_monthly.csv",
    "ibm": "ibm_daily.csv",
    "seattle_weather": "seattle_weather_daily.csv",
    "gunpoint_train": "gunpoint_train.csv",
    "gunpoint_test": "gunpoint_test.csv",
}

_PACKAGE = "rnnforecast"
_PACKAGED_DIR = "_data"  # inside the installed package (the wheel's copy of datasets/)
_CHECKOUT_DIR = Path(__file__).resolve().parent.parent / "datasets"  # source checkout

_GUNPOINT_SPLITS = {"train": "gunpoint_train", "test": "gunpoint_test"}
_GUNPOINT_LENGTH = 150
_WEATHER_TYPES = pd.CategoricalDtype(["drizzle", "fog", "rain", "snow", "sun"])

# Keeps files extracted by ``importlib.resources.as_file`` (zipped installs) until exit.
_EXTRACTED = contextlib.ExitStack()
atexit.register(_EXTRACTED.close)


def _file_name(name):
    """Map a dataset name (or its CSV file name) to the CSV file name."""
    if name in DATASETS:
        return DATASETS[name]
    if name in DATASETS.values():
        return name
    raise ValueError(
        f"The 'name' parameter must be one of {sorted(DATASETS)} (or their CSV file "
        f"names). Got {name!r} instead."
    )


def _resource(name):
    """Return the shipped CSV of dataset ``name`` as an ``importlib.resources`` Traversable.

    Looks first in the installed package (``rnnforecast/_data/``), then in the ``datasets/``
    folder next to the package in a source checkout.
    """
    file_name = _file_name(name)
    packaged = resources.files(_PACKAGE) / _PACKAGED_DIR / file_name
    if packaged.is_file():
        return packaged
    in_checkout = _CHECKOUT_DIR / file_name
    if in_checkout.is_file():
        return in_checkout
    raise FileNotFoundError(
        f"The data file {file_name!r} was found neither in the installed package "
        f"({_PACKAGE}/{_PACKAGED_DIR}/) nor in a source checkout ({_CHECKOUT_DIR}). "
        "Reinstall rnnforecast with `pip install .` from the project root."
    )


def dataset_path(name):
    """Return a filesystem path to the shipped CSV of a dataset.

    Parameters
    ----------
    name : str
        A key of :data:`DATASETS` (``"airline"``, ``"ibm"``, ``"seattle_weather"``,
        ``"gunpoint_train"``, ``"gunpoint_test"``) or one of its CSV file names.

    Returns
    -------
    path : pathlib.Path
        An existing file, valid until the interpreter exits (from a zipped install the file is
        extracted to a temporary location first).

    Examples
    --------
    >>> import pandas as pd
    >>> path = dataset_path("airline")
    >>> pd.read_csv(path).shape
    (144, 2)
    """
    return _EXTRACTED.enter_context(resources.as_file(_resource(name)))


def _read_csv(name, **kwargs):
    """Read the shipped CSV of dataset ``name`` with :func:`pandas.read_csv`."""
    with _resource(name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f, **kwargs)


def _read_dated_csv(name):
    """Read a CSV whose first column ``date`` becomes a sorted, unique DatetimeIndex."""
    frame = _read_csv(name, parse_dates=["date"], index_col="date")
    index = frame.index
    if not (index.is_monotonic_increasing and index.is_unique):
        raise ValueError(f"The dates of dataset {name!r} must be sorted and unique.")
    return frame


def _with_freq(frame, freq):
    """Set the index frequency ``freq``; pandas raises if the dates do not conform to it."""
    frame.index = pd.DatetimeIndex(frame.index, freq=freq)
    return frame


def load_airline():
    """Load the monthly international airline passengers (Box & Jenkins series G).

    Thousands of international airline passengers per month, January 1949 to December 1960:
    a trend with multiplicative yearly seasonality (period 12). The usual test set is the last
    12 or 24 months.

    Returns
    -------
    passengers : pandas.Series of shape (144,)
        Integer counts (int64) named ``"passengers"``, indexed by a DatetimeIndex named
        ``"date"`` of month starts (``freq="MS"``) from 1949-01-01 to 1960-12-01.

    References
    ----------
    Box, G. E. P., Jenkins, G. M. and Reinsel, G. C. *Time Series Analysis: Forecasting and
    Control*, series G (also R's ``datasets::AirPassengers``).

    Examples
    --------
    >>> y = load_airline()
    >>> y.shape, y.index.freqstr
    ((144,), 'MS')
    """
    frame = _with_freq(_read_dated_csv("airline"), "MS")
    return frame["passengers"]


def load_ibm():
    """Load IBM daily stock prices, 2000-03-01 to 2013-03-01.

    Quandl "WIKI" end-of-day prices (public domain). ``close`` is unadjusted (USD);
    ``adj_close`` is the source's split- and dividend-adjusted close.

    Returns
    -------
    prices : pandas.DataFrame of shape (3270, 6)
        Columns ``open``, ``high``, ``low``, ``close``, ``adj_close`` (float64) and ``volume``
        (int64, shares), in the order ``open, high, low, close, volume, adj_close``. The index
        is a DatetimeIndex named ``"date"`` of trading days: business days with the market
        holidays missing. No regular frequency fits such dates, so ``index.freq`` is ``None``;
        treat the rows as consecutive steps, or reindex to business days and fill the gaps
        if a calendar frequency is needed.

    Examples
    --------
    >>> prices = load_ibm()
    >>> prices.shape, prices.index.freq is None
    ((3270, 6), True)
    """
    return _read_dated_csv("ibm")


def load_seattle_weather():
    """Load daily Seattle weather, 2012-01-01 to 2015-12-31 (no missing days).

    NOAA daily observations (public domain) as transformed by the Vega project.

    Returns
    -------
    weather : pandas.DataFrame of shape (1461, 5)
        Numeric columns (float64) ``precipitation`` (mm), ``temp_max`` and ``temp_min``
        (degrees C), ``wind`` (m/s), and the categorical column ``weather`` with categories
        ``drizzle``, ``fog``, ``rain``, ``snow``, ``sun`` (a label derived by the Vega
        authors, not an official NOAA field). The index is a daily DatetimeIndex named
        ``"date"`` with ``freq="D"``.

    Examples
    --------
    >>> weather = load_seattle_weather()
    >>> weather.shape, weather.index.freqstr
    ((1461, 5), 'D')
    """
    frame = _with_freq(_read_dated_csv("seattle_weather"), "D")
    frame["weather"] = frame["weather"].astype(_WEATHER_TYPES)
    return frame


def _check_split(split):
    """Return the dataset name of a GunPoint split, or raise naming ``split``."""
    if isinstance(split, str) and split in _GUNPOINT_SPLITS:
        return _GUNPOINT_SPLITS[split]
    raise ValueError(
        f"The 'split' parameter of load_gunpoint must be one of "
        f"{sorted(_GUNPOINT_SPLITS)}. Got {split!r} instead."
    )


def load_gunpoint(split="train", *, as_frame=False):
    """Load the UCR GunPoint time series classification set (official split).

    Each sample is the z-normalised horizontal position of an actor's hand over 150 video
    frames; class ``1`` is "gun draw", class ``2`` is "point". Published test accuracies on
    this split: 1-NN Euclidean 0.913, 1-NN DTW 0.907.

    Parameters
    ----------
    split : {"train", "test"}, default="train"
        The official training set (50 samples) or test set (150 samples).
    as_frame : bool, default=False
        Return pandas objects instead of NumPy arrays.

    Returns
    -------
    X : ndarray of shape (n_samples, 150)
        float64 series, one row per sample; ``X[:, :, None]`` gives the RNN layout
        ``(n_samples, n_timesteps, n_features)``. With ``as_frame=True`` a DataFrame with
        columns ``t000`` .. ``t149``.
    y : ndarray of shape (n_samples,)
        int64 class labels, ``1`` or ``2``. With ``as_frame=True`` a Series named ``"label"``.

    References
    ----------
    Dau, H. A. et al. "The UCR Time Series Archive", IEEE/CAA Journal of Automatica Sinica,
    2019. Donors: C. A. Ratanamahatana and E. Keogh.

    Examples
    --------
    >>> X, y = load_gunpoint("test")
    >>> X.shape, y.shape
    ((150, 150), (150,))
    """
    frame = _read_csv(_check_split(split))
    X, y = frame.drop(columns="label"), frame["label"]
    assert X.shape[1] == _GUNPOINT_LENGTH, f"expected 150 time steps, got {X.shape[1]}"
    if as_frame:
        return X, y
    return X.to_numpy(dtype=np.float64), y.to_numpy(dtype=np.int64)
