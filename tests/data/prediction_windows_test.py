import json

import numpy as np
import pandas as pd
import pytest

from keras_attention.data import timeseries as ts
from keras_attention.data.prediction_windows import (
    forecast_table,
    prediction_windows,
    preprocessing_config,
)


def counting_frame(num_rows=40):
    rows = np.arange(num_rows, dtype="float64")
    return pd.DataFrame({"a": 10 * rows, "b": -rows, "y": rows + 0.5})


@pytest.mark.parametrize("protocol", ts.PROTOCOLS)
@pytest.mark.parametrize("horizon", [1, 3])
def test_windows_of_the_whole_data_match_make_windows(protocol, horizon):
    frame = counting_frame()
    train = ts.make_windows(frame, "y", window=4, horizon=horizon, protocol=protocol,
                            split=(0.5, 0.5))
    config = json.loads(json.dumps(preprocessing_config(train)))  # survives JSON
    new = prediction_windows(frame, config)["test"]
    # Same scaler, same windows: the test part of make_windows is a slice.
    test = train["test"]
    rows = {int(t): i for i, t in enumerate(new.target_rows)}
    picked = [rows[int(t)] for t in test.target_rows]
    np.testing.assert_array_equal(new.drivers[picked], test.drivers)
    np.testing.assert_array_equal(new.past_target[picked], test.past_target)
    np.testing.assert_array_equal(new.target_raw[picked], test.target_raw)
    # ... and it goes on to the last window whose inputs exist.
    lead = 3 if protocol == "nowcast" else 4
    last = 39 if protocol == "nowcast" else 40
    assert new.target_rows[0] == lead and new.target_rows[-1] == last
    assert np.isnan(new.target_raw[-1, -1]) == (protocol == "forecast" or horizon > 1)


def test_new_data_is_scaled_with_the_saved_scaler():
    train = ts.make_windows(counting_frame(), "y", window=3, split=(0.5, 0.5))
    shifted = counting_frame() + 1000.0
    new = prediction_windows(shifted, preprocessing_config(train))
    j = train.scaler.columns.index("y")
    expected = (shifted["y"].to_numpy()[2] - train.scaler.center[j]) / train.scaler.scale[j]
    assert new["test"].target[0, 0] == pytest.approx(expected, rel=1e-6)


def test_missing_target_column_is_named():
    train = ts.make_windows(counting_frame(), "y", window=3)
    with pytest.raises(ValueError, match="Received: target='y'"):
        prediction_windows(counting_frame().drop(columns="y"), preprocessing_config(train))


def test_too_few_rows():
    train = ts.make_windows(counting_frame(), "y", window=5)
    with pytest.raises(ValueError, match="fewer than one window"):
        prediction_windows(counting_frame(3), preprocessing_config(train))


# -- the empty targets at the end: the values to forecast (issue 17) ---------------------------
def last_past_value(inputs):
    """A stand-in model: the last past target value (scaled), for every step."""
    return inputs["past_target"][:, -1, :].repeat(1, axis=1)


@pytest.mark.parametrize("protocol, first, last", [("nowcast", 3, 39), ("forecast", 4, 40)])
def test_empty_targets_at_the_end_are_forecast_recursively_and_not_scored(protocol, first, last):
    frame = counting_frame()  # y = row + 0.5
    config = preprocessing_config(
        ts.make_windows(frame, "y", window=4, protocol=protocol, split=(0.5, 0.5)))
    frame.loc[37:, "y"] = np.nan  # rows 37-39: to forecast
    table, info = forecast_table(frame, config, last_past_value)
    assert table["row"].tolist() == list(range(first, last + 1))
    # Known rows: the last value before each; unknown rows: the last known
    # value (36.5), carried forward through the predictions fed back.
    expected = [r - 0.5 if r <= 37 else 36.5 for r in range(first, last + 1)]
    np.testing.assert_allclose(table["y_predicted"], expected, rtol=1e-6)
    assert table["y"].isna().tolist() == [r >= 37 for r in range(first, last + 1)]
    assert info["unknown_rows"] == (37, 39)
    assert info["recursive_windows"] == last - 37  # the windows after τ = 37
    # prediction_windows stops at the last window whose past targets are known.
    windows = prediction_windows(frame, config)["test"]
    assert windows.target_rows[-1] == 37 and np.isnan(windows.target_raw[-1, 0])


def test_interpolate_never_fills_the_targets_to_forecast():
    frame = counting_frame()
    config = preprocessing_config(ts.make_windows(frame, "y", window=4, split=(0.5, 0.5)))
    frame.loc[38:, "y"] = np.nan
    frame.loc[20, "a"] = np.nan  # a missing driver in the middle: interpolated
    with pytest.raises(ts.MissingValuesError, match="column 'a' at rows 20"):
        forecast_table(frame, config, last_past_value)
    table, info = forecast_table(frame, config, last_past_value, interpolate=True)
    assert info["unknown_rows"] == (38, 39)
    assert table.loc[table["row"] >= 38, "y"].isna().all()
    np.testing.assert_allclose(table.loc[table["row"] >= 38, "y_predicted"], 37.5)


def test_a_missing_target_before_the_end_is_still_an_error():
    frame = counting_frame()
    config = preprocessing_config(ts.make_windows(frame, "y", window=4))
    frame.loc[10, "y"] = np.nan
    with pytest.raises(ts.MissingValuesError, match="column 'y' at rows 10"):
        prediction_windows(frame, config)
    frame["y"] = np.nan
    with pytest.raises(ValueError, match="The target column 'y' holds no value"):
        prediction_windows(frame, config)
