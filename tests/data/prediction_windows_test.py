import json

import numpy as np
import pandas as pd
import pytest

from keras_attention.data import timeseries as ts
from keras_attention.data.prediction_windows import (
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
