import re

import numpy as np
import pandas as pd
import pytest

from keras_attention.data import timeseries as ts


def counting_frame(num_rows=40):
    """Values that encode their row: a = 10·row, b = -row, y = row + 0.5."""
    rows = np.arange(num_rows, dtype="float64")
    return pd.DataFrame({"a": 10 * rows, "b": -rows, "y": rows + 0.5})


def raw(series, values, column):
    j = series.scaler.columns.index(column)
    return np.asarray(values, "float64") * series.scaler.scale[j] + series.scaler.center[j]


# -- protocols: what a window may see ---------------------------------------
@pytest.mark.parametrize("window,horizon", [(2, 1), (5, 1), (4, 3)])
def test_nowcast_windows_include_target_time_drivers(window, horizon):
    s = ts.make_windows(
        counting_frame(), "y", window=window, horizon=horizon, protocol="nowcast",
        split=(0.5, 0.5),
    )
    for part in s.parts.values():
        tau = part.target_rows
        a = raw(s, part.drivers[..., 0], "a") / 10
        np.testing.assert_allclose(a[:, -1], tau, atol=1e-4)  # x_τ is seen
        np.testing.assert_allclose(a[:, 0], tau - window + 1, atol=1e-4)
        past = raw(s, part.past_target[..., 0], "y") - 0.5
        assert part.past_target.shape[1] == window - 1
        np.testing.assert_allclose(past[:, -1], tau - 1, atol=1e-4)
        assert (past < tau[:, None] - 0.5).all()  # never y_τ or later
        np.testing.assert_allclose(part.target_raw - 0.5, tau[:, None] + np.arange(horizon))


@pytest.mark.parametrize("window,horizon", [(1, 1), (5, 1), (4, 3)])
def test_forecast_windows_see_only_the_past(window, horizon):
    s = ts.make_windows(
        counting_frame(), "y", window=window, horizon=horizon, protocol="forecast",
        split=(0.5, 0.5),
    )
    for part in s.parts.values():
        tau = part.target_rows
        a = raw(s, part.drivers[..., 0], "a") / 10
        b = -raw(s, part.drivers[..., 1], "b")
        past = raw(s, part.past_target[..., 0], "y") - 0.5
        assert part.drivers.shape[1] == window and part.past_target.shape[1] == window
        # Every input row is strictly before the first target time.
        assert (a.max(axis=1) < tau).all() and (b.max(axis=1) < tau).all()
        assert (past.max(axis=1) < tau).all()
        np.testing.assert_allclose(a[:, -1], tau - 1, atol=1e-4)
        np.testing.assert_allclose(past[:, -1], tau - 1, atol=1e-4)


def test_protocol_is_named_in_description():
    for protocol in ts.PROTOCOLS:
        s = ts.make_windows(counting_frame(), "y", window=3, protocol=protocol)
        assert f"protocol={protocol!r}" in s.describe()


# -- split, scaling, boundaries ---------------------------------------------
def test_windows_stay_inside_their_part():
    for protocol in ts.PROTOCOLS:
        s = ts.make_windows(
            counting_frame(60), "y", window=4, horizon=2, protocol=protocol,
            split=(30, 10, 20),
        )
        assert list(s.parts) == ["train", "val", "test"]
        for name, part in s.parts.items():
            start, stop = s.row_ranges[name]
            a = raw(s, part.drivers[..., 0], "a") / 10
            past = raw(s, part.past_target[..., 0], "y") - 0.5
            rows = np.concatenate(
                [a, past, part.target_raw - 0.5], axis=1
            )
            assert rows.min() >= start - 1e-4 and rows.max() <= stop - 1 + 1e-4


def test_ratio_split_is_chronological():
    s = ts.make_windows(counting_frame(100), "y", window=3, split=(0.7, 0.3))
    assert s.row_ranges == {"train": (0, 70), "test": (70, 100)}
    assert s["train"].target_rows.max() < s["test"].target_rows.min()


def test_standard_scaling_is_fitted_on_train_rows_only():
    frame = counting_frame(50)
    s = ts.make_windows(frame, "y", window=3, split=(30, 20), scaling="standard")
    train = frame.iloc[:30]
    np.testing.assert_allclose(s.scaler.center, train[["a", "b", "y"]].mean().to_numpy())
    np.testing.assert_allclose(s.scaler.scale, train[["a", "b", "y"]].std(ddof=0).to_numpy())
    # Changing the test rows changes nothing in the training windows.
    changed = frame.copy()
    changed.loc[30:, "y"] = 1e6
    s2 = ts.make_windows(changed, "y", window=3, split=(30, 20))
    np.testing.assert_array_equal(s2.scaler.center, s.scaler.center)
    np.testing.assert_array_equal(s2["train"].target, s["train"].target)


def test_minmax_scaling_maps_train_rows_to_unit_interval():
    s = ts.make_windows(counting_frame(50), "y", window=3, split=(30, 20), scaling="minmax")
    assert s["train"].drivers.min() >= 0 and s["train"].drivers.max() <= 1
    assert s["test"].target.min() > 1  # test values beyond the train range
    np.testing.assert_allclose(s.inverse_target(s["test"].target), s["test"].target_raw, rtol=1e-6)


def test_constant_column_gets_unit_scale():
    frame = counting_frame(20).assign(c=3.0)
    s = ts.make_windows(frame, "y", window=2)
    assert s.scaler.scale[s.scaler.columns.index("c")] == 1.0
    assert np.isfinite(s["train"].drivers).all()


def test_windows_never_cross_a_time_gap():
    frame = counting_frame(40)
    index = pd.date_range("2020-01-01", periods=40, freq="15min")
    index = index.where(index < index[20], index + pd.Timedelta("7D"))
    frame.index = index
    assert ts.find_time_gaps(frame.index) == [20]
    s = ts.make_windows(frame, "y", window=4, protocol="forecast", split=(30, 10))
    rows = raw(s, s["train"].drivers[..., 0], "a") / 10
    crosses = (rows.min(axis=1) < 20) & (s["train"].target_rows >= 20)
    assert not crosses.any()
    assert len(s["train"]) == (20 - 4) + (10 - 4)
    # Without breaks the windows run across the gap.
    s = ts.make_windows(frame, "y", window=4, protocol="forecast", split=(30, 10), breaks=None)
    assert len(s["train"]) == 30 - 4


def test_dataset_yields_model_inputs():
    s = ts.make_windows(counting_frame(), "y", window=5, horizon=2, protocol="forecast")
    inputs, target = next(iter(s.dataset("train", batch_size=4, shuffle=True, seed=1)))
    assert tuple(inputs["drivers"].shape) == (4, 5, 2)
    assert tuple(inputs["past_target"].shape) == (4, 5, 1)
    assert tuple(target.shape) == (4, 2)


def test_reads_csv_and_csv_xz(tmp_path):
    frame = counting_frame(30)
    frame.to_csv(tmp_path / "s.csv", index=False)
    frame.to_csv(tmp_path / "s.csv.xz", index=False)
    for name in ("s.csv", "s.csv.xz"):
        s = ts.make_windows(str(tmp_path / name), "y", window=3)
        np.testing.assert_allclose(s["test"].target_raw[:, 0], s["test"].target_rows + 0.5)


def test_interpolate_fills_missing_and_non_numeric_cells():
    frame = counting_frame(20).astype(object)
    frame.loc[4, "a"] = np.nan
    frame.loc[7, "b"] = "n/a"
    s = ts.make_windows(frame, "y", window=3, interpolate=True)
    frame2, _ = ts.select_columns(frame, "y", interpolate=True)
    assert frame2.loc[4, "a"] == 40.0 and frame2.loc[7, "b"] == -7.0
    assert np.isfinite(s["train"].drivers).all()


# -- errors -------------------------------------------------------------------
def check_error(match, **kwargs):
    args = dict(data=counting_frame(), target="y", window=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(match)):
        ts.make_windows(**args)


def test_error_missing_target_column():
    check_error(
        "`target` must be a column of the data. Received: target='z'; columns: a, b, y",
        target="z",
    )


def test_error_missing_feature_column():
    check_error(
        "`features` must be columns of the data. Missing: ['q']; columns: a, b, y",
        features=["a", "q"],
    )


def test_error_non_numeric_and_nan_cells_name_the_rows():
    frame = counting_frame().astype(object)
    frame.loc[3, "a"] = "oops"
    frame.loc[[5, 9], "y"] = np.nan
    check_error(
        "The data has non-numeric or missing values: column 'a' at rows 3; "
        "column 'y' at rows 5, 9. Fix them, choose other `features`, or pass "
        "`interpolate=True` to fill them by linear interpolation.",
        data=frame,
    )


def test_error_series_shorter_than_window_plus_horizon():
    check_error(
        "The series has 11 rows, fewer than one window needs: protocol='forecast' "
        "with window=10 and horizon=2 spans 12 rows (window + horizon).",
        data=counting_frame(11), window=10, horizon=2, protocol="forecast",
    )
    check_error(
        "The series has 10 rows, fewer than one window needs: protocol='nowcast' "
        "with window=10 and horizon=2 spans 11 rows (window + horizon - 1).",
        data=counting_frame(10), window=10, horizon=2,
    )


def test_error_split_leaves_an_empty_part():
    check_error(
        "`split`=(37, 2) leaves no window in the 'test' part: it has rows 37–38 "
        "(2 rows) and one window with protocol='nowcast', window=3, horizon=1 "
        "spans 3 contiguous rows.",
        split=(37, 2),
    )
    check_error("`split`=(0.0, 1.0) leaves the 'train' part empty.", split=(0.0, 1.0))


def test_error_split_counts_exceed_rows():
    check_error(
        "`split` counts add up to 8560 rows but the data has only 40. "
        "Received: split=(3200, 400, 4960)",
        split=(3200, 400, 4960),
    )


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"protocol": "future"}, "`protocol` must be one of 'nowcast', 'forecast'. Received: protocol='future'"),
        ({"window": 0}, "`window` must be a positive integer. Received: window=0"),
        ({"horizon": 1.5}, "`horizon` must be a positive integer. Received: horizon=1.5"),
        ({"scaling": "robust"}, "`scaling` must be one of 'standard', 'minmax'. Received: scaling='robust'"),
        ({"window": 1}, "`window` must be at least 2 with protocol='nowcast'"),
        ({"split": (0.5, 0.4)}, "`split` ratios must be in [0, 1] and add up to 1. Received: split=(0.5, 0.4)"),
        ({"split": (10, 0.5)}, "`split` must hold only floats (ratios) or only integers"),
        ({"split": (1.0,)}, "`split` must be a tuple of 2 (train, test) or 3 (train, val, test)"),
        ({"data": [1, 2]}, "`data` must be a pandas DataFrame or the path of a .csv or .csv.xz file. Received: data of type list"),
        ({"data": "x.parquet"}, "`data` must be a pandas DataFrame or the path of a .csv or .csv.xz file. Received: data='x.parquet'"),
        ({"features": ["y"]}, "`features` must not contain the target column 'y'. "
         "Received: features=['y']"),
        # An empty list was blamed on the data ("no column besides the target");
        # a repeated column was read twice.
        ({"features": []}, "`features` must name at least one driving series (None: every "
         "column but the target). Received: features=[]"),
        ({"features": ["a", "a"]}, "`features` must not repeat a column. Received: ['a'] "
         "more than once in features=['a', 'a']"),
    ],
)
def test_argument_errors(kwargs, match):
    check_error(match, **kwargs)


def test_error_missing_csv_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="CSV file not found"):
        ts.make_windows(str(tmp_path / "none.csv"), "y")


# -- the embedded series and the real loaders ------------------------------
def test_synthetic_series_has_the_documented_lags():
    frame = ts.synthetic_series(3000, seed=3)
    assert list(frame.columns) == ["x1", "x2", "x3", "x4", "target"]
    pd.testing.assert_frame_equal(frame, ts.synthetic_series(3000, seed=3))
    y = frame["target"].to_numpy()
    lags = range(0, 9)
    cols = [np.ones(len(y) - 9), y[8:-1] - 50]
    for name in ("x1", "x2", "x3", "x4"):
        x = frame[name].to_numpy()
        cols += [x[9 - k : len(x) - k] for k in lags]
    coef, *_ = np.linalg.lstsq(np.stack(cols, 1), y[9:], rcond=None)
    per_series = coef[2:].reshape(4, len(lags))
    assert abs(coef[1] - 0.5) < 0.05
    assert np.argmax(np.abs(per_series[0])) == ts.SYNTHETIC_LAGS["x1"]
    assert np.argmax(np.abs(per_series[1])) == ts.SYNTHETIC_LAGS["x2"]
    assert abs(per_series[0, 3] - 2.0) < 0.05 and abs(per_series[1, 6] + 1.5) < 0.05
    assert np.abs(per_series[2:]).max() < 0.1  # the distractors


def test_synthetic_series_interaction_adds_the_product_of_the_lagged_drivers():
    linear = ts.synthetic_series(500, seed=1)
    frame = ts.synthetic_series(500, seed=1, interaction=0.7)
    # The same draws: the drivers do not change, only the target.
    pd.testing.assert_frame_equal(frame.drop(columns="target"), linear.drop(columns="target"))
    y, x1, x2 = (frame[c].to_numpy() for c in ("target", "x1", "x2"))
    y0 = linear["target"].to_numpy()
    lag1, lag2 = ts.SYNTHETIC_LAGS["x1"], ts.SYNTHETIC_LAGS["x2"]
    t = np.arange(10, 500)
    # Both follow y[t] = 50 + 0.5 (y[t-1] - 50) + 2 x1[t-3] - 1.5 x2[t-6] + c x1 x2 + noise
    # with the same noise, so their difference d obeys d[t] = 0.5 d[t-1] + c x1[t-3] x2[t-6].
    d = y - y0
    np.testing.assert_allclose(d[t] - 0.5 * d[t - 1], 0.7 * x1[t - lag1] * x2[t - lag2],
                               atol=1e-9)
    with pytest.raises(ValueError, match=re.escape("Received: interaction=nan")):
        ts.synthetic_series(100, interaction=float("nan"))
    with pytest.raises(ValueError, match=re.escape("Received: interaction='1'")):
        ts.synthetic_series(100, interaction="1")


def test_synthetic_true_forecast_leaves_only_the_noise():
    lag1, lag2 = ts.SYNTHETIC_LAGS["x1"], ts.SYNTHETIC_LAGS["x2"]
    first = max(lag1, lag2)
    residuals, frames = {}, {}
    for c in (0.0, 0.7):
        frame = frames[c] = ts.synthetic_series(3000, seed=2, interaction=c)
        forecast = ts.synthetic_true_forecast(frame, interaction=c)
        assert forecast.shape == (3000,) and forecast.dtype == np.float64
        assert np.isnan(forecast[:first]).all() and np.isfinite(forecast[first:]).all()
        # Row t by hand from rows t-1, t-3 and t-6.
        y, x1, x2 = (frame[k].to_numpy() for k in ("target", "x1", "x2"))
        t = 100
        by_hand = 50 + 0.5 * (y[t - 1] - 50) + 2 * x1[t - lag1] - 1.5 * x2[t - lag2] + (
            c * x1[t - lag1] * x2[t - lag2])
        assert forecast[t] == pytest.approx(by_hand, abs=1e-12)
        residuals[c] = y[first:] - forecast[first:]
    # The same draws give the same noise, with or without the interaction.
    np.testing.assert_allclose(residuals[0.7], residuals[0.0], atol=1e-9)
    noise = residuals[0.0] / 0.3  # 0.3 ε_t with ε_t ~ N(0, 1), independent of the past
    assert abs(noise.mean()) < 0.06 and 0.95 < noise.std() < 1.05
    past = frames[0.0]["target"].to_numpy()[first - 1 : -1]
    assert abs(np.corrcoef(noise, past)[0, 1]) < 0.06
    # The wrong interaction leaves the product in the residual.
    wrong = frames[0.7]["target"].to_numpy() - ts.synthetic_true_forecast(frames[0.7])
    assert np.nanstd(wrong) > 2 * np.nanstd(residuals[0.0])


def test_synthetic_true_forecast_names_bad_arguments():
    frame = ts.synthetic_series(100)
    with pytest.raises(ValueError, match=re.escape("missing ['x2']")):
        ts.synthetic_true_forecast(frame.drop(columns="x2"))
    with pytest.raises(ValueError, match="Received: frame with columns"):
        ts.synthetic_true_forecast(frame["target"].to_numpy())
    with pytest.raises(ValueError, match=re.escape("Received: interaction=inf")):
        ts.synthetic_true_forecast(frame, interaction=float("inf"))


def test_synthetic_series_rejects_short_lengths():
    with pytest.raises(ValueError, match=re.escape("`num_steps` must be an integer of at least 20. Received: num_steps=5")):
        ts.synthetic_series(5)


needs_data = pytest.mark.skipif(
    not (ts.default_data_dir() / "sml2010").exists(), reason="shared data not present"
)


@needs_data
def test_load_sml2010_joins_both_files():
    frame = ts.load_sml2010()
    assert frame.shape == (4137, 22)
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert ts.find_time_gaps(frame.index)[0] == 2764  # the week between the files
    assert len(ts.SML2010_DRIVING_SERIES) == 16
    assert set(ts.SML2010_DRIVING_SERIES) <= set(frame.columns)
    assert ts.SML2010_TARGET not in ts.SML2010_DRIVING_SERIES
    s = ts.make_windows(
        frame, ts.SML2010_TARGET, list(ts.SML2010_DRIVING_SERIES),
        split=ts.SML2010_DARNN_SPLIT,
    )
    assert s.row_ranges["test"] == (3600, 4137)
    assert s["train"].drivers.shape[1:] == (10, 16)


@needs_data
def test_load_nasdaq_prefix():
    frame = ts.load_nasdaq100()
    assert frame.shape == (4517, 82) and frame.columns[-1] == ts.NASDAQ_TARGET
    with pytest.raises(ValueError, match="counts add up to 40560 rows but the data has only 4517"):
        ts.make_windows(frame, ts.NASDAQ_TARGET, split=ts.NASDAQ_DARNN_SPLIT)


def test_missing_data_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="SML2010 file NEW-DATA-1.T15.txt not found"):
        ts.load_sml2010(tmp_path)
