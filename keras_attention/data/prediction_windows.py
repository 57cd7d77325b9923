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
  preprocessing, as a `WindowedSeries` with the single part `"test"`.
"""

import numpy as np

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


def prediction_windows(data, config, interpolate=False):
    """Every window of `data` under a saved preprocessing.

    The target and driving-series columns named in `config` are taken from
    `data` (other columns are ignored) and scaled with the saved scaler. A
    window is made for every first target row `τ` whose inputs lie inside
    the data: `τ = T - 1 … N - 1` for "nowcast" (it reads the drivers at
    `τ`), `τ = T … N` for "forecast", where `τ = N` is the step after the
    last row. Targets after the last row are NaN.

    Args:
        data: a `pandas.DataFrame` or the path of a `.csv` / `.csv.xz` file.
        config: a dict from `preprocessing_config`.
        interpolate: fill missing cells (see `make_windows`).

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
    frame, features = ts.select_columns(data, target, features, interpolate)
    num_rows = len(frame)
    lead = window - 1 if protocol == "nowcast" else window
    last = num_rows - 1 if protocol == "nowcast" else num_rows
    if last < lead:
        raise ValueError(
            f"The data has {num_rows} rows, fewer than one window reads: "
            f"protocol={protocol!r} with window={window} needs "
            f"{lead + (1 if protocol == 'nowcast' else 0)} rows."
        )
    scaled = scaler.transform(frame).astype("float32")
    # One NaN row per step after the end, so that targets there come out NaN.
    pad = np.full((horizon, scaled.shape[1]), np.nan, "float32")
    scaled = np.concatenate([scaled, pad])
    raw_target = np.concatenate(
        [frame[target].to_numpy(dtype="float64"), np.full(horizon, np.nan)]
    )
    taus = np.arange(lead, last + 1)
    x_offsets = np.arange(-window + 1, 1) if protocol == "nowcast" else np.arange(-window, 0)
    y_offsets = np.arange(-lead, 0)
    h_offsets = np.arange(horizon)
    windows = ts.Windows(
        drivers=scaled[:, :-1][taus[:, None] + x_offsets[None, :]],
        past_target=scaled[:, -1][taus[:, None] + y_offsets[None, :]][..., None],
        target=scaled[:, -1][taus[:, None] + h_offsets[None, :]],
        target_raw=raw_target[taus[:, None] + h_offsets[None, :]],
        target_rows=taus,
    )
    return ts.WindowedSeries(
        protocol=protocol,
        window=window,
        horizon=horizon,
        target=target,
        features=features,
        scaling=scaler.method,
        scaler=scaler,
        parts={"test": windows},
        row_ranges={"test": (0, num_rows)},
        index=frame.index,
    )
