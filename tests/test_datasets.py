"""Tests of the shipped datasets, their loaders and how they are packaged.

Expected values are typed from the CSVs in the top-level ``datasets/`` folder.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnnforecast.datasets import (
    DATASETS,
    dataset_path,
    load_airline,
    load_gunpoint,
    load_ibm,
    load_seattle_weather,
)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "rnnforecast"
DATA_DIR = ROOT / "datasets"


# --------------------------------------------------------------------------- loaders
def test_load_airline():
    y = load_airline()
    assert isinstance(y, pd.Series)
    assert y.name == "passengers"
    assert y.shape == (144,)
    assert y.dtype == np.int64
    assert isinstance(y.index, pd.DatetimeIndex)
    assert y.index.name == "date"
    assert y.index.freqstr == "MS"
    assert y.index[0] == pd.Timestamp("1949-01-01")
    assert y.index[-1] == pd.Timestamp("1960-12-01")
    assert y.iloc[:2].tolist() == [112, 118]
    assert y.iloc[-2:].tolist() == [390, 432]


def test_load_ibm():
    prices = load_ibm()
    assert isinstance(prices, pd.DataFrame)
    assert prices.shape == (3270, 6)
    assert list(prices.columns) == ["open", "high", "low", "close", "volume", "adj_close"]
    assert prices["volume"].dtype == np.int64
    assert (prices.drop(columns="volume").dtypes == np.float64).all()
    assert isinstance(prices.index, pd.DatetimeIndex)
    assert prices.index.name == "date"
    assert prices.index.freq is None  # trading days: market holidays are missing
    assert prices.index.is_monotonic_increasing and prices.index.is_unique
    assert (prices.index.day_of_week < 5).all()
    assert prices.index[0] == pd.Timestamp("2000-03-01")
    assert prices.index[-1] == pd.Timestamp("2013-03-01")
    first = prices.iloc[0]
    assert first["open"] == 102.0
    assert first["close"] == 100.25
    assert first["volume"] == 10807800
    assert first["adj_close"] == 73.6677
    assert prices["close"].iloc[-1] == 202.91


def test_load_seattle_weather():
    weather = load_seattle_weather()
    assert isinstance(weather, pd.DataFrame)
    assert weather.shape == (1461, 5)
    numeric = ["precipitation", "temp_max", "temp_min", "wind"]
    assert list(weather.columns) == numeric + ["weather"]
    assert (weather[numeric].dtypes == np.float64).all()
    assert isinstance(weather["weather"].dtype, pd.CategoricalDtype)
    assert sorted(weather["weather"].cat.categories) == ["drizzle", "fog", "rain", "snow", "sun"]
    assert not weather.isna().any().any()
    assert isinstance(weather.index, pd.DatetimeIndex)
    assert weather.index.freqstr == "D"
    assert weather.index[0] == pd.Timestamp("2012-01-01")
    assert weather.index[-1] == pd.Timestamp("2015-12-31")
    assert weather.loc["2012-01-01", "temp_max"] == 12.8
    assert weather.loc["2012-01-02", "precipitation"] == 10.9
    assert weather.loc["2012-01-02", "weather"] == "rain"
    assert weather.loc["2015-12-31", "temp_min"] == -2.1


@pytest.mark.parametrize(
    "split, n_samples, first_label, first_value",
    [("train", 50, 2, -0.647885), ("test", 150, 1, -1.12501)],
)
def test_load_gunpoint(split, n_samples, first_label, first_value):
    X, y = load_gunpoint(split)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    assert X.shape == (n_samples, 150)
    assert y.shape == (n_samples,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64
    assert set(y.tolist()) == {1, 2}
    assert y[0] == first_label
    assert X[0, 0] == first_value
    assert np.isfinite(X).all()


def test_load_gunpoint_default_split_is_train():
    X, _ = load_gunpoint()
    assert X.shape == (50, 150)


def test_load_gunpoint_as_frame():
    X, y = load_gunpoint("test", as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.shape == (150, 150)
    assert X.columns[0] == "t000" and X.columns[-1] == "t149"
    assert y.name == "label"
    np.testing.assert_array_equal(X.to_numpy(), load_gunpoint("test")[0])


@pytest.mark.parametrize("split", ["validation", "TRAIN", None, 1])
def test_load_gunpoint_unknown_split(split):
    match = r"The 'split' parameter of load_gunpoint must be one of \['test', 'train'\]\. Got"
    with pytest.raises(ValueError, match=match):
        load_gunpoint(split)


# --------------------------------------------------------------------------- dataset_path
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_dataset_path_exists(name):
    path = dataset_path(name)
    assert isinstance(path, Path)
    assert path.is_file()
    assert path.name == DATASETS[name]
    assert path.read_bytes() == (DATA_DIR / DATASETS[name]).read_bytes()


def test_dataset_path_accepts_file_name():
    assert dataset_path("ibm_daily.csv") == dataset_path("ibm")


def test_dataset_path_unknown_name():
    match = r"The 'name' parameter must be one of .*Got 'weather' instead"
    with pytest.raises(ValueError, match=match):
        dataset_path("weather")


def test_datasets_module_is_a_leaf():
    """`rnnforecast.datasets` imports no other rnnforecast module."""
    source = (PACKAGE_DIR / "datasets.py").read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in imports if "rnnforecast" in line or line.startswith("from .")]


# --------------------------------------------------------------------------- packaging
def _pyproject():
    tomllib = pytest.importorskip("tomllib")
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["setuptools"]


def _source_packages():
    """Dotted names of every folder of rnnforecast/ holding Python files."""
    return {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in PACKAGE_DIR.rglob("*.py")
        if "__pycache__" not in path.parts
    }


def test_pyproject_lists_every_package():
    """The wheel ships every sub-package: pyproject lists packages by hand."""
    listed = set(_pyproject()["packages"])
    missing = _source_packages() - listed
    assert not missing, (
        f"Add {sorted(missing)} to `packages` under [tool.setuptools] in pyproject.toml, "
        "or the wheel will not ship them."
    )


def test_pyproject_lists_no_missing_folder():
    """A listed package whose folder is gone would make `pip install .` fail."""
    config = _pyproject()
    folders = {name: config["package-dir"].get(name, name.replace(".", "/"))
               for name in config["packages"]}
    stale = sorted(name for name, folder in folders.items() if not (ROOT / folder).is_dir())
    assert not stale, (
        f"Remove {stale} from `packages` under [tool.setuptools] in pyproject.toml: "
        "their folders do not exist."
    )


def test_pyproject_ships_every_csv():
    config = _pyproject()
    assert config["package-dir"]["rnnforecast._data"] == "datasets"
    assert "rnnforecast._data" in config["packages"]
    patterns = config["package-data"]["rnnforecast._data"]
    for file_name in DATASETS.values():
        assert (DATA_DIR / file_name).is_file()
        assert any(Path(file_name).match(pattern) for pattern in patterns)


_WHEEL_CHECK = """
import rnnforecast, rnnforecast.datasets as d
assert rnnforecast.__file__.startswith({site!r}), rnnforecast.__file__
assert d.load_airline().shape == (144,)
assert d.load_ibm().shape == (3270, 6)
assert d.load_seattle_weather().shape == (1461, 5)
assert d.load_gunpoint("train")[0].shape == (50, 150)
assert d.load_gunpoint("test")[0].shape == (150, 150)
assert all(d.dataset_path(name).is_file() for name in d.DATASETS)
print("ok")
"""


def _build_wheel(tmp_path):
    """Build the wheel from a copy of the sources; skip when the build tools are unreachable."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("rnnforecast", "datasets"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q",
               "-w", str(tmp_path / "wheel")]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        pytest.skip("building the wheel took over 180 s")
    if run.returncode != 0 and "build dependencies" in run.stdout + run.stderr:
        pytest.skip("the build dependencies (setuptools, wheel) could not be installed")
    assert run.returncode == 0, run.stdout + run.stderr
    return next((tmp_path / "wheel").glob("rnnforecast-*.whl"))


def test_wheel_ships_and_loads_datasets(tmp_path):
    """Build the wheel (about 3 s) and load every dataset from it, outside the source tree.

    Deselect with ``-k "not wheel"``; skipped when pip cannot fetch the build dependencies.
    """
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for file_name in [*DATASETS.values(), "README.md"]:
        assert f"rnnforecast/_data/{file_name}" in names
    site = str(tmp_path / "site")
    env = {**os.environ, "PYTHONPATH": site}
    run = subprocess.run([sys.executable, "-c", _WHEEL_CHECK.format(site=site)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "ok"
