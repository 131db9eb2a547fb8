"""Tests of make_windows, WindowTransformer, to_sequences and the input checks.

Expected windows are typed out from ``np.arange(10)`` so that they can be checked
by eye: with ``data = np.arange(10)`` every value is its own time index.
"""

import re

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnforecast._validation import (
    as_2d_array,
    check_finite,
    check_int,
    check_numeric_columns,
    check_option,
    check_time_index,
)
from rnnforecast.windowing import WindowTransformer, make_windows, to_sequences

SERIES = np.arange(10)


def daily_frame(n=10):
    """Columns temp = 100 + t and load = t on a daily DatetimeIndex."""
    index = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.DataFrame({"temp": 100.0 + np.arange(n), "load": np.arange(n)}, index=index)


# ---------------------------------------------------------------------------
# make_windows: contents
# ---------------------------------------------------------------------------


def test_make_windows_window3_horizon2_by_hand():
    X, y = make_windows(SERIES, window=3, horizon=2)
    expected_X = [
        [[0], [1], [2]],
        [[1], [2], [3]],
        [[2], [3], [4]],
        [[3], [4], [5]],
        [[4], [5], [6]],
        [[5], [6], [7]],
    ]
    expected_y = [[3, 4], [4, 5], [5, 6], [6, 7], [7, 8], [8, 9]]
    assert_array_equal(X, expected_X)
    assert_array_equal(y, expected_y)
    assert X.shape == (6, 3, 1) and y.shape == (6, 2)


def test_make_windows_window4_horizon1_by_hand():
    X, y = make_windows(SERIES, window=4)
    expected_X = [
        [[0], [1], [2], [3]],
        [[1], [2], [3], [4]],
        [[2], [3], [4], [5]],
        [[3], [4], [5], [6]],
        [[4], [5], [6], [7]],
        [[5], [6], [7], [8]],
    ]
    assert_array_equal(X, expected_X)
    assert_array_equal(y, [[4], [5], [6], [7], [8], [9]])


def test_make_windows_stride_aligns_last_window_on_the_end():
    # 10 - 3 - 2 = 5 spare rows, 5 % 2 = 1: row 0 is left unused.
    X, y = make_windows(SERIES, window=3, horizon=2, stride=2)
    assert_array_equal(X[:, :, 0], [[1, 2, 3], [3, 4, 5], [5, 6, 7]])
    assert_array_equal(y, [[4, 5], [6, 7], [8, 9]])


def test_make_windows_stride_larger_than_series_keeps_one_window():
    X, y = make_windows(SERIES, window=3, horizon=1, stride=20)
    assert_array_equal(X[:, :, 0], [[6, 7, 8]])
    assert_array_equal(y, [[9]])


def test_make_windows_exact_length_gives_one_window():
    X, y = make_windows(np.arange(5), window=3, horizon=2)
    assert_array_equal(X[:, :, 0], [[0, 1, 2]])
    assert_array_equal(y, [[3, 4]])


def test_make_windows_many_to_many_next_step_targets():
    X, y = make_windows(SERIES, window=3, return_sequences=True)
    assert_array_equal(X[:, :, 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5],
                                    [4, 5, 6], [5, 6, 7], [6, 7, 8]])
    assert_array_equal(y, [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6],
                           [5, 6, 7], [6, 7, 8], [7, 8, 9]])


def test_make_windows_many_to_many_with_horizon():
    X, y = make_windows(SERIES, window=3, horizon=2, return_sequences=True)
    assert y.shape == (6, 3, 2)
    assert_array_equal(y[0], [[1, 2], [2, 3], [3, 4]])
    assert_array_equal(y[5], [[6, 7], [7, 8], [8, 9]])
    _, y_last = make_windows(SERIES, window=3, horizon=2)
    assert_array_equal(y[:, -1, :], y_last)


def test_make_windows_dataframe_with_exogenous_columns_and_target():
    X, y = make_windows(daily_frame(), window=2, horizon=1, target="load")
    assert X.shape == (8, 2, 2)
    assert_array_equal(X[0], [[100, 0], [101, 1]])
    assert_array_equal(X[7], [[107, 7], [108, 8]])
    assert_array_equal(y[:, 0], [2, 3, 4, 5, 6, 7, 8, 9])


def test_make_windows_default_target_is_first_column():
    X, y = make_windows(daily_frame(), window=2)
    assert_array_equal(y[:, 0], 100 + np.arange(2, 10))
    assert_array_equal(X[0], [[100, 0], [101, 1]])


def test_make_windows_array_with_integer_target():
    data = np.column_stack([100 + SERIES, SERIES])  # (10, 2)
    X, y = make_windows(data, window=3, horizon=2, target=1)
    assert_array_equal(X[0], [[100, 0], [101, 1], [102, 2]])
    assert_array_equal(y[0], [3, 4])


def test_make_windows_series_by_name():
    series = pd.Series(SERIES, name="load")
    X, y = make_windows(series, window=3, target="load")
    assert_array_equal(X[0, :, 0], [0, 1, 2])
    assert_array_equal(y[:, 0], [3, 4, 5, 6, 7, 8, 9])


def test_make_windows_returns_first_target_timestamps():
    X, y, index = make_windows(daily_frame(), window=3, horizon=2, return_index=True)
    expected = pd.DatetimeIndex(["2024-01-04", "2024-01-05", "2024-01-06",
                                 "2024-01-07", "2024-01-08", "2024-01-09"])
    pd.testing.assert_index_equal(index, expected, check_names=False, exact=False)
    assert len(index) == len(X) == len(y)


def test_make_windows_returns_positions_for_arrays():
    _, _, index = make_windows(SERIES, window=3, horizon=2, stride=2, return_index=True)
    assert_array_equal(index, [4, 6, 8])


@pytest.mark.parametrize("window, horizon, stride", [(1, 1, 1), (3, 2, 1), (4, 3, 2), (2, 1, 5)])
@pytest.mark.parametrize("many_to_many", [False, True])
def test_make_windows_never_uses_values_after_the_target_time(window, horizon, stride,
                                                              many_to_many):
    times = np.arange(40)
    X, y = make_windows(times, window, horizon, stride=stride, return_sequences=many_to_many)
    if many_to_many:
        y = y.reshape(len(y), window, -1)
        for t in range(window):  # step t may only read inputs 0..t
            assert (X[:, : t + 1, 0].max(axis=1) < y[:, t, :].min(axis=1)).all()
    else:
        assert (X.max(axis=(1, 2)) < y.min(axis=1)).all()
        assert_array_equal(y[:, 0], X[:, -1, 0] + 1)


def test_make_windows_output_is_a_writeable_contiguous_copy():
    data = np.arange(10.0)
    X, y = make_windows(data, window=3, dtype=np.float32)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert X.flags.c_contiguous and X.flags.writeable and y.flags.writeable
    X[:] = -1
    assert_array_equal(data, np.arange(10.0))


# ---------------------------------------------------------------------------
# make_windows: errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, value, shown", [
    ("window", 0, "0"), ("window", 2.0, "2.0"), ("window", "3", "'3'"),
    ("horizon", -1, "-1"), ("stride", True, "True"),
])
def test_make_windows_rejects_non_positive_int_parameters(name, value, shown):
    params = {"window": 3, "horizon": 1, "stride": 1, name: value}
    message = (f"The '{name}' parameter of make_windows must be an int in the range "
               f"[1, inf). Got {shown} instead.")
    with pytest.raises(ValueError, match=re.escape(message)):
        make_windows(SERIES, params.pop("window"), params.pop("horizon"), **params)


def test_make_windows_too_few_rows():
    message = ("The 'data' parameter of make_windows must have at least window + horizon"
               " = 8 + 3 = 11 rows (time steps) to make one window. Got 10 rows instead.")
    with pytest.raises(ValueError, match=re.escape(message)):
        make_windows(SERIES, window=8, horizon=3)


def test_make_windows_names_nan_positions_and_values():
    frame = daily_frame()
    frame.iloc[3, 1] = np.nan
    frame.iloc[5, 0] = np.inf
    message = (r"The 'data' parameter of make_windows must contain only finite values\. "
               r"Got 2 NaN or infinite value\(s\) at:\n"
               r"    row 2024-01-04 00:00:00, column 'load' \(position 1\): nan\n"
               r"    row 2024-01-06 00:00:00, column 'temp' \(position 0\): inf\n"
               r"Fill or drop them first")
    with pytest.raises(ValueError, match=message):
        make_windows(frame, window=3)


def test_make_windows_names_inf_in_array():
    data = np.arange(10.0)
    data[7] = -np.inf
    with pytest.raises(ValueError, match=r"at:\n    row 7, column 0: -inf"):
        make_windows(data, window=3)


def test_make_windows_names_non_numeric_columns():
    frame = daily_frame().assign(city="Oslo")
    message = (r"The 'data' parameter of make_windows must have numeric columns only\. "
               r"Got non-numeric column\(s\):\n    'city' \(dtype ")
    with pytest.raises(ValueError, match=message):
        make_windows(frame, window=3)


def test_make_windows_rejects_non_numeric_array():
    with pytest.raises(ValueError, match=r"The 'data' parameter of make_windows must "
                                         r"hold numbers\. Got an array of dtype <U1"):
        make_windows(np.array(list("abcdefghij")), window=3)


def test_make_windows_unknown_target_column():
    message = ("The 'target' parameter of make_windows must be one of the columns of "
               "'data': ['temp', 'load']. Got 'price' instead.")
    with pytest.raises(ValueError, match=re.escape(message)):
        make_windows(daily_frame(), window=3, target="price")


def test_make_windows_target_out_of_range_for_array():
    message = ("The 'target' parameter of make_windows must be an int in the range "
               "[0, 1]. Got 2 instead.")
    with pytest.raises(ValueError, match=re.escape(message)):
        make_windows(np.zeros((10, 2)), window=3, target=2)
    with pytest.raises(ValueError, match=r"range \[0, 1\]\. Got 'load' instead\."):
        make_windows(np.zeros((10, 2)), window=3, target="load")


def test_make_windows_unsorted_time_index():
    frame = daily_frame().iloc[[0, 1, 2, 4, 3, 5, 6, 7, 8, 9]]
    message = (r"The 'data' parameter of make_windows must have a time index sorted in "
               r"increasing order\. Got timestamps out of order:\n"
               r"    2024-01-04 00:00:00 comes after 2024-01-05 00:00:00\n"
               r"Sort it first with data\.sort_index\(\)\.")
    with pytest.raises(ValueError, match=message):
        make_windows(frame, window=3)


def test_make_windows_duplicated_time_index():
    frame = daily_frame().iloc[[0, 1, 2, 2, 3, 4, 5, 6, 7, 8]]
    message = (r"must have a time index without duplicates\. Got duplicated "
               r"timestamp\(s\):\n    2024-01-03 00:00:00\n")
    with pytest.raises(ValueError, match=message):
        make_windows(frame, window=3)


def test_make_windows_rejects_3d_data_and_integer_dtype():
    message = (r"The 'data' parameter of make_windows must be 1-D \(n_time,\) or 2-D "
               r"\(n_time, n_features\)\. Got an array of shape \(2, 5, 1\) instead\.")
    with pytest.raises(ValueError, match=message):
        make_windows(np.zeros((2, 5, 1)), window=3)
    with pytest.raises(ValueError, match=r"The 'dtype' parameter of make_windows must be "
                                         r"a floating dtype .* Got <class 'numpy\.int64'>"):
        make_windows(SERIES, window=3, dtype=np.int64)


# ---------------------------------------------------------------------------
# Shared validation helpers
# ---------------------------------------------------------------------------


def test_check_int_bounds_and_none():
    assert check_int(np.int64(3), "window", 1) == 3
    assert check_int(None, "test_size", 1, allow_none=True) is None
    with pytest.raises(ValueError, match=re.escape(
            "The 'n_lags' parameter of f must be an int in the range [0, 5]. Got 6 instead.")):
        check_int(6, "n_lags", 0, "f", max_value=5)
    with pytest.raises(ValueError, match=re.escape("in the range [1, inf) or None. Got 0")):
        check_int(0, "test_size", 1, allow_none=True)


def test_check_option_lists_choices():
    message = "The 'cell' parameter of g must be a str among {'gru', 'lstm'}. Got 'x' instead."
    with pytest.raises(ValueError, match=re.escape(message)):
        check_option("x", "cell", {"lstm": 1, "gru": 2}, "g")


def test_check_finite_reports_nd_positions_and_truncates():
    values = np.full((2, 3, 4), np.nan)
    with pytest.raises(ValueError, match=r"Got 24 NaN .*\n    position \(0, 0, 0\): nan\n"
                                         r"(.*\n){4}    \.\.\. and 19 more"):
        check_finite(values, "X")


def test_check_numeric_columns_and_time_index_pass_good_input():
    frame = daily_frame()
    assert check_numeric_columns(frame, "data") is frame
    assert check_time_index(frame.index, "data") is frame.index
    unsorted_integers = pd.Index([3, 1, 2])
    assert check_time_index(unsorted_integers, "data") is unsorted_integers


def test_as_2d_array_conversions():
    values, index, columns = as_2d_array(pd.Series([1, 2, 3], name="a"), "data")
    assert values.shape == (3, 1) and columns == ["a"] and len(index) == 3
    values, index, columns = as_2d_array([[1, 2], [3, 4]], "data", dtype=np.float32)
    assert values.dtype == np.float32 and index is None and columns is None
    values, _, _ = as_2d_array(np.array([1.0, np.nan]), "data", ensure_finite=False)
    assert np.isnan(values[1, 0])


# ---------------------------------------------------------------------------
# WindowTransformer
# ---------------------------------------------------------------------------


def test_window_transformer_backfill_by_hand():
    lagged = WindowTransformer(window=3).fit_transform(np.arange(5.0).reshape(-1, 1))
    assert_array_equal(lagged, [[0, 0, 0], [0, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4]])


@pytest.mark.parametrize("fill, first_rows", [
    ("nan", [[np.nan, np.nan, 0], [np.nan, 0, 1]]),
    (-1.0, [[-1, -1, 0], [-1, 0, 1]]),
])
def test_window_transformer_fill_options(fill, first_rows):
    lagged = WindowTransformer(window=3, fill=fill).fit_transform(np.arange(5.0)[:, None])
    assert_array_equal(lagged[:2], first_rows)
    assert_array_equal(lagged[2:], [[0, 1, 2], [1, 2, 3], [2, 3, 4]])


def test_window_transformer_feature_names_and_pandas_output():
    frame = daily_frame(5)
    transformer = WindowTransformer(window=2).set_output(transform="pandas")
    lagged = transformer.fit_transform(frame)
    assert list(lagged.columns) == ["temp_lag1", "load_lag1", "temp_lag0", "load_lag0"]
    pd.testing.assert_index_equal(lagged.index, frame.index)
    assert_array_equal(lagged.iloc[2], [101, 1, 102, 2])
    assert transformer.n_features_in_ == 2
    assert_array_equal(transformer.feature_names_in_, ["temp", "load"])


def test_window_transformer_default_names_for_arrays():
    names = WindowTransformer(window=2).fit(np.zeros((4, 2))).get_feature_names_out()
    assert_array_equal(names, ["x0_lag1", "x1_lag1", "x0_lag0", "x1_lag0"])


def test_to_sequences_gives_the_windows_of_make_windows():
    frame = daily_frame(10)
    window = 3
    sequences = to_sequences(WindowTransformer(window=window).fit_transform(frame), window)
    X, _ = make_windows(frame, window=window)  # windows ending at rows 2 .. 8
    assert sequences.shape == (10, window, 2)
    assert_array_equal(sequences[window - 1 : -1], X)


def test_window_transformer_and_to_sequences_errors():
    with pytest.raises(ValueError, match=re.escape(
            "The 'window' parameter of WindowTransformer must be an int in the range "
            "[1, inf). Got 0 instead.")):
        WindowTransformer(window=0).fit(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=re.escape(
            "The 'fill' parameter of WindowTransformer must be a float or a str among "
            "{'backfill', 'nan'}. Got 'zero' instead.")):
        WindowTransformer(fill="zero").fit(np.zeros((4, 1)))
    with pytest.raises(ValueError, match="The 'X' parameter of WindowTransformer must "
                                         "have a time index sorted"):
        WindowTransformer().fit(daily_frame().iloc[::-1])
    with pytest.raises(ValueError, match=re.escape(
            "The 'X_lagged' parameter of to_sequences must be 2-D with a multiple of "
            "window = 3 columns, as made by WindowTransformer(window=3). Got an array "
            "of shape (4, 5) instead.")):
        to_sequences(np.zeros((4, 5)), window=3)


def test_window_transformer_in_pipeline_grid_search_on_pandas():
    index = pd.date_range("2024-01-01", periods=120, freq="D")
    t = np.arange(120)
    frame = pd.DataFrame({"close": np.sin(t / 5.0) + 0.01 * t, "volume": np.cos(t / 7.0)},
                         index=index)
    target = frame["close"].shift(-1).iloc[:-1]  # next-day close, aligned on row t
    features = frame.iloc[:-1]
    pipeline = Pipeline([("lags", WindowTransformer()), ("ridge", Ridge())])
    pipeline.set_output(transform="pandas")
    search = GridSearchCV(pipeline, {"lags__window": [1, 4], "ridge__alpha": [1e-3, 1.0]},
                          cv=TimeSeriesSplit(n_splits=3))
    search.fit(features, target)
    assert search.best_params_["lags__window"] == 4
    assert search.best_score_ > 0.9
    lags = search.best_estimator_.named_steps["lags"]
    assert lags.get_feature_names_out()[-1] == "volume_lag0"
    assert search.predict(features.iloc[-10:]).shape == (10,)


def test_window_transformer_clone_keeps_params_only():
    transformer = WindowTransformer(window=5, fill="nan")
    assert clone(transformer).get_params() == {"window": 5, "fill": "nan"}


def _expected_failures(estimator):
    """Checks that cannot hold for lag features, with the reason."""
    if estimator.window == 1:
        return {}
    reason = ("lag features of a row are the rows before it, so they change when rows "
              "are reordered or transformed in separate batches")
    return {"check_methods_sample_order_invariance": reason,
            "check_methods_subset_invariance": reason}


@parametrize_with_checks(
    [WindowTransformer(), WindowTransformer(window=1), WindowTransformer(window=2, fill=0.0)],
    expected_failed_checks=_expected_failures,
)
def test_window_transformer_sklearn_compatible(estimator, check):
    check(estimator)


def test_many_to_many_is_the_former_name_of_return_sequences():
    with pytest.warns(FutureWarning, match="now called 'return_sequences'"):
        X, y = make_windows(np.arange(10), 3, many_to_many=True)
    np.testing.assert_array_equal(y, make_windows(np.arange(10), 3, return_sequences=True)[1])
