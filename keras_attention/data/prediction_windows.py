"""Windows of new data for a trained forecaster, with its training preprocessing.

`make_windows` fits its scaler on the training rows of the series it
splits. A trained `TimeSeriesForecaster` must instead see new data scaled
with *that* scaler, and every window of the new data is wanted, including
the ones whose target lies after the last row (the actual forecast). Two
functions:

- `preprocessing_config(series)`: what a `WindowedSeries` was built with
  (columns, window, horizon, protocol, fitted scaler), as a JSON-able dict
  to save next to the model;
- `prediction_windows(data, config)`: every window of `data` under that
  preprocessing, as a `WindowedSeries` with the single part `"test"`;
- `forecast_table(data, config, predict)`: the predictions of every
  window as a table, the rows at the end whose target is empty (the values
  to forecast) predicted one after the other.

The last rows of `data` may leave the target empty: those are the values
to forecast. They are never filled (not even with `interpolate=True`) and
never scored; windows whose inputs would need them are left to
`forecast_table`, which feeds the predictions back.
"""

import numpy as np
import pandas as pd

from keras_attention.data import timeseries as ts
from keras_attention.utils.validation import validate_choice

_KEYS = ("target", "features", "window", "horizon", "protocol", "scaler")


def preprocessing_config(series):
    """The preprocessing of a `WindowedSeries`, as a JSON-able dict.

    Args:
        series: a `WindowedSeries` from `make_windows`.

    Returns:
        `{"target", "features", "window", "horizon", "protocol", "scaling",
        "scaler"}`, `scaler` being `Scaler.to_dict()` (fitted on the
        training rows).

    Example:

    >>> series = ts.make_windows(ts.synthetic_series(200), "target", window=5)
    >>> config = preprocessing_config(series)
    >>> config["features"], config["protocol"], config["scaler"]["columns"][-1]
    (['x1', 'x2', 'x3', 'x4'], 'nowcast', 'target')
    """
    return {
        "target": series.target,
        "features": list(series.features),
        "window": series.window,
        "horizon": series.horizon,
        "protocol": series.protocol,
        "scaling": series.scaling,
        "scaler": series.scaler.to_dict(),
    }


def scaler_from_dict(config):
    """A `Scaler` from `Scaler.to_dict()`.

    Example:

    >>> import pandas as pd
    >>> scaler = ts.Scaler.fit(pd.DataFrame({"y": [1.0, 3.0]}))
    >>> scaler_from_dict(scaler.to_dict()).inverse_column([0.0, 1.0], "y")
    array([2., 3.])
    """
    return ts.Scaler(
        method=config["method"],
        columns=list(config["columns"]),
        center=np.asarray(config["center"], dtype="float64"),
        scale=np.asarray(config["scale"], dtype="float64"),
    )


def _prepared(data, config, interpolate):
    """The data under a saved preprocessing, before windowing."""
    missing = [k for k in _KEYS if k not in config]
    if missing:
        raise ValueError(
            f"`config` must come from preprocessing_config(). Missing keys: {missing}"
        )
    target, features = config["target"], list(config["features"])
    window, horizon = int(config["window"]), int(config["horizon"])
    protocol = validate_choice("protocol", config["protocol"], ts.PROTOCOLS)
    scaler = scaler_from_dict(config["scaler"])
    if scaler.columns != features + [target]:
        raise ValueError(
            "The saved scaler's columns must be the features then the target. "
            f"Received: {scaler.columns} for features={features}, target={target!r}"
        )
    if not isinstance(data, pd.DataFrame):
        data = ts.read_csv(data)
    known = len(data)
    if target in data.columns:
        values = pd.to_numeric(data[target], errors="coerce").to_numpy(dtype="float64")
        finite = np.flatnonzero(np.isfinite(values))
        if len(finite) == 0:
            raise ValueError(
                f"The target column {target!r} holds no value: at least the rows that the "
                "first window reads must have one."
            )
        known = int(finite[-1]) + 1
        if known < len(data):
            # The empty targets at the end are the values to forecast: a
            # placeholder lets the other cells be checked (or interpolated)
            # as usual; it is never read (see the window bounds below).
            data = data.copy()
            data.loc[data.index[known:], target] = values[known - 1]
    frame, features = ts.select_columns(data, target, features, interpolate)
    scaled = scaler.transform(frame).astype("float32")
    raw = frame[target].to_numpy(dtype="float64", copy=True)
    scaled[known:, -1] = np.nan
    raw[known:] = np.nan
    lead = window - 1 if protocol == "nowcast" else window
    last = len(frame) - 1 if protocol == "nowcast" else len(frame)
    if last < lead:
        raise ValueError(
            f"The data has {len(frame)} rows, fewer than one window reads: "
            f"protocol={protocol!r} with window={window} needs "
            f"{lead + (1 if protocol == 'nowcast' else 0)} rows."
        )
    if known < lead:
        raise ValueError(
            f"The target is known in the first {known} rows only, fewer than one window "
            f"reads: protocol={protocol!r} with window={window} reads {lead} past values."
        )
    # One NaN row per step after the end, so that targets there come out NaN.
    pad = np.full((horizon, scaled.shape[1]), np.nan, "float32")
    return {
        "target": target, "features": features, "window": window, "horizon": horizon,
        "protocol": protocol, "scaler": scaler, "index": frame.index,
        "num_rows": len(frame), "known": known, "lead": lead, "last": last,
        "scaled": np.concatenate([scaled, pad]),
        "raw": np.concatenate([raw, np.full(horizon, np.nan)]),
    }


def _windows(p, taus, scaled=None):
    scaled = p["scaled"] if scaled is None else scaled
    window, lead = p["window"], p["lead"]
    nowcast = p["protocol"] == "nowcast"
    x_offsets = np.arange(-window + 1, 1) if nowcast else np.arange(-window, 0)
    y_offsets = np.arange(-lead, 0)
    h_offsets = np.arange(p["horizon"])
    return ts.Windows(
        drivers=scaled[:, :-1][taus[:, None] + x_offsets[None, :]],
        past_target=scaled[:, -1][taus[:, None] + y_offsets[None, :]][..., None],
        target=scaled[:, -1][taus[:, None] + h_offsets[None, :]],
        target_raw=p["raw"][taus[:, None] + h_offsets[None, :]],
        target_rows=taus,
    )


def prediction_windows(data, config, interpolate=False):
    """Every window of `data` under a saved preprocessing.

    The target and driving-series columns named in `config` are taken from
    `data` (other columns are ignored) and scaled with the saved scaler. A
    window is made for every first target row `τ` whose inputs lie inside
    the data: `τ = T - 1 … N - 1` for "nowcast" (it reads the drivers at
    `τ`), `τ = T … N` for "forecast", where `τ = N` is the step after the
    last row. Targets after the last row are NaN. When the target is empty
    in the last rows (from row `K` on: the values to forecast), the windows
    stop at `τ = K`, the last one whose past target values are all known
    (`forecast_table` goes on from there).

    Args:
        data: a `pandas.DataFrame` or the path of a `.csv` / `.csv.xz` file.
        config: a dict from `preprocessing_config`.
        interpolate: fill missing cells (see `make_windows`); never the
            empty targets at the end.

    Returns:
        A `WindowedSeries` whose single part `"test"` holds the windows
        (`target_rows` = `τ`, positions in `data`).

    Example:

    >>> frame = ts.synthetic_series(200)
    >>> train = ts.make_windows(frame, "target", window=5)
    >>> new = prediction_windows(frame.tail(20), preprocessing_config(train))
    >>> len(new["test"]), bool(np.isnan(new["test"].target_raw[-1, 0]))
    (16, False)
    """
    p = _prepared(data, config, interpolate)
    taus = np.arange(p["lead"], min(p["last"], p["known"]) + 1)
    return ts.WindowedSeries(
        protocol=p["protocol"],
        window=p["window"],
        horizon=p["horizon"],
        target=p["target"],
        features=p["features"],
        scaling=p["scaler"].method,
        scaler=p["scaler"],
        parts={"test": _windows(p, taus)},
        row_ranges={"test": (0, p["num_rows"])},
        index=p["index"],
    )


def forecast_table(data, config, predict, interpolate=False):
    """The predictions of every window of `data`, forecasting its empty targets.

    The windows of `prediction_windows` are predicted at once. Then, when
    the target is empty in the last rows (from row `K` on), the windows
    after `τ = K` are predicted one at a time: the first predicted step of
    window `τ` stands in for the unknown target at row `τ` in the windows
    after it (a recursive forecast), as far as the inputs reach (`τ = N - 1`
    for "nowcast", `N` for "forecast"). Unknown targets are NaN in the
    table and never scored.

    Args:
        data: a `pandas.DataFrame` or the path of a `.csv` / `.csv.xz` file.
        config: a dict from `preprocessing_config`.
        predict: a function from the model inputs (`{"drivers",
            "past_target"}`, scaled) to the scaled predictions `(n, H)`,
            e.g. `lambda x: model.predict(x, verbose=0)`.
        interpolate: fill missing cells, never the empty targets at the end.

    Returns:
        `(table, info)`: a DataFrame with one line per predicted value
        (`row`, `step`, `<target>` (NaN where unknown),
        `<target>_predicted`), and a dict: `windows`, `protocol`, `window`,
        `horizon`, `target`, `unknown_rows` (first and last row whose target
        is empty, or None) and `recursive_windows`.

    Example:

    >>> frame = ts.synthetic_series(60)
    >>> config = preprocessing_config(ts.make_windows(frame, "target", window=5))
    >>> frame.loc[57:, "target"] = np.nan  # the last 3 values: to forecast
    >>> last_value = lambda x: x["past_target"][:, -1]  # a stand-in model
    >>> table, info = forecast_table(frame, config, last_value)
    >>> info["unknown_rows"], info["recursive_windows"]
    ((57, 59), 2)
    >>> bool(table.tail(3)["target"].isna().all())
    True
    """
    p = _prepared(data, config, interpolate)
    series = prediction_windows(data, config, interpolate)  # validated twice: cheap
    windows = series["test"]
    scaled_predictions = [np.asarray(predict(windows.inputs), dtype="float64")]
    all_windows = [windows]
    scaled = p["scaled"].copy()
    first_step = dict(zip(windows.target_rows.tolist(), scaled_predictions[0][:, 0]))
    for tau in range(p["known"] + 1, p["last"] + 1):
        scaled[tau - 1, -1] = first_step[tau - 1]
        window = _windows(p, np.array([tau]), scaled)
        window.target[:] = np.nan  # unknown
        prediction = np.asarray(predict(window.inputs), dtype="float64").reshape(1, -1)
        first_step[tau] = prediction[0, 0]
        all_windows.append(window)
        scaled_predictions.append(prediction)
    predicted = series.inverse_target(np.concatenate(scaled_predictions))
    taus = np.concatenate([w.target_rows for w in all_windows])
    actual = np.concatenate([w.target_raw for w in all_windows])
    horizon = p["horizon"]
    table = pd.DataFrame({
        "row": (taus[:, None] + np.arange(horizon)[None, :]).reshape(-1),
        "step": np.tile(np.arange(1, horizon + 1), len(taus)),
        p["target"]: actual.reshape(-1),
        f"{p['target']}_predicted": predicted.reshape(-1),
    })
    unknown = None
    if p["known"] < p["num_rows"]:
        unknown = (p["known"], p["num_rows"] - 1)
    info = {
        "windows": len(taus), "protocol": p["protocol"], "window": p["window"],
        "horizon": horizon, "target": p["target"], "unknown_rows": unknown,
        "recursive_windows": len(all_windows) - 1,
    }
    return table, info
