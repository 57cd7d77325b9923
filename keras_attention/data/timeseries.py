"""Time-series windows for `TimeSeriesForecaster`, from pandas.

A series is a table: one *target* column and `n` *driving* (feature)
columns, one row per time step. `make_windows` turns it into supervised
examples for a look-back `window` `T` and a `horizon` `H`, under one of two
protocols that differ only in what the model may see of the driving series
(attention-math.md §7):

- `"nowcast"` (DA-RNN, Qin et al. 2017): to predict `y_τ … y_{τ+H-1}` the
  model sees the driving series `x_{τ-T+1} … x_τ` (**including the target
  time step τ**) and the past target values `y_{τ-T+1} … y_{τ-1}`
  (`T - 1` values).
- `"forecast"` (a true one-step-ahead forecast): the model sees
  `x_{τ-T} … x_{τ-1}` and `y_{τ-T} … y_{τ-1}` (`T` values each): nothing at
  or after the first target time.

The rows are split chronologically (by ratios, e.g. the seed's 70/30, or by
explicit counts, e.g. DA-RNN's 3,200 / 400 / 537 on SML2010), the scaler is
fitted on the training rows only, and every window lies entirely inside one
part (inputs and targets), so no value of a later part is ever seen by an
earlier one. Windows also never cross a gap in a `DatetimeIndex`
(`breaks="auto"`), e.g. the week between SML2010's two files.

Loaders: `load_nasdaq100` (the NASDAQ-100 prefix of DA-RNN's data),
`load_sml2010` (UCI SML2010, both files) and `synthetic_series` (the
project's embedded series with a known lag structure).
"""

import dataclasses
import math
import os
import pathlib

import numpy as np
import pandas as pd

PROTOCOLS = ("nowcast", "forecast")
SCALINGS = ("standard", "minmax")
PART_NAMES = {2: ("train", "test"), 3: ("train", "val", "test")}

NASDAQ_PREFIX_FILE = "nasdaq100_padding.prefix4517.csv.xz"
NASDAQ_TARGET = "NDX"
#: DA-RNN's split of the full 40,560-row NASDAQ-100 file (not reproducible
#: with the 4,517-row prefix shipped here).
NASDAQ_DARNN_SPLIT = (35100, 2730, 2730)

SML2010_FILES = ("NEW-DATA-1.T15.txt", "NEW-DATA-2.T15.txt")
#: The dining-room indoor temperature (°C), DA-RNN's target.
SML2010_TARGET = "Temperature_Comedor_Sensor"
#: The 16 driving series used for DA-RNN's setup. The file has 22 numeric
#: columns: the target, the other indoor temperature
#: (`Temperature_Habitacion_Sensor`, UCI's second target, excluded because it
#: is a near-copy of the target measured in the next room), three columns
#: that are zero in every row (`Exterior_Entalpic_1`, `Exterior_Entalpic_2`,
#: `Exterior_Entalpic_turbo`) and the calendar column `Day_Of_Week`; the 16
#: remaining sensor series are these.
SML2010_DRIVING_SERIES = (
    "Weather_Temperature",
    "CO2_Comedor_Sensor",
    "CO2_Habitacion_Sensor",
    "Humedad_Comedor_Sensor",
    "Humedad_Habitacion_Sensor",
    "Lighting_Comedor_Sensor",
    "Lighting_Habitacion_Sensor",
    "Precipitacion",
    "Meteo_Exterior_Crepusculo",
    "Meteo_Exterior_Viento",
    "Meteo_Exterior_Sol_Oest",
    "Meteo_Exterior_Sol_Est",
    "Meteo_Exterior_Sol_Sud",
    "Meteo_Exterior_Piranometro",
    "Temperature_Exterior_Sensor",
    "Humedad_Exterior_Sensor",
)
#: DA-RNN's split of SML2010: train / validation / test rows.
SML2010_DARNN_SPLIT = (3200, 400, 537)

#: The embedded series: `target[t] = 50 + 0.5 (target[t-1] - 50)
#: + 2.0 x1[t-3] - 1.5 x2[t-6] + noise`; `x3` and `x4` are distractors.
SYNTHETIC_TARGET = "target"
SYNTHETIC_LAGS = {"x1": 3, "x2": 6}


# -- locating the shared data ---------------------------------------------
def default_data_dir():
    """The folder of the real data sets.

    `$KERAS_ATTENTION_DATA` if set, else `../shared/data` next to the
    repository (where the project keeps them).

    Returns:
        A `pathlib.Path` (which may not exist).

    Example:

    >>> import os
    >>> from keras_attention.data import timeseries as ts
    >>> os.environ["KERAS_ATTENTION_DATA"] = "/data/sets"
    >>> ts.default_data_dir()
    PosixPath('/data/sets')
    >>> del os.environ["KERAS_ATTENTION_DATA"]
    >>> ts.default_data_dir().parts[-2:]
    ('shared', 'data')
    """
    env = os.environ.get("KERAS_ATTENTION_DATA")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _existing(path, what):
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{what} not found at '{path}'. Pass its path explicitly or set "
            "$KERAS_ATTENTION_DATA to the folder that holds the data sets."
        )
    return path


# -- readers ------------------------------------------------------------------
def read_csv(path):
    """Reads a `.csv` or `.csv.xz` file into a DataFrame (header on line 1).

    Args:
        path: the file; other extensions are an error.

    Returns:
        A `pandas.DataFrame`.

    Example:

    >>> import pandas as pd
    >>> from keras_attention.data import timeseries as ts
    >>> pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]}).to_csv(
    ...     "series.csv.xz", index=False)
    >>> ts.read_csv("series.csv.xz").shape
    (2, 2)
    """
    name = str(path)
    if not (name.endswith(".csv") or name.endswith(".csv.xz")):
        raise ValueError(
            "`data` must be a pandas DataFrame or the path of a .csv or .csv.xz "
            f"file. Received: data={name!r}"
        )
    return pd.read_csv(_existing(path, "CSV file"))


def load_nasdaq100(path=None):
    """The NASDAQ-100 minute prices of DA-RNN (81 stocks and the `NDX` index).

    The file shipped with the project holds only the first 4,517 of the
    40,560 rows (see the data README), so DA-RNN's split
    (`NASDAQ_DARNN_SPLIT`) cannot be used with it.

    Args:
        path: `.csv` or `.csv.xz` file; default: the prefix in
            `default_data_dir()`.

    Returns:
        A DataFrame with 82 float columns (target: `NASDAQ_TARGET`).

    Example:

    Without `path`, the prefix shipped with the project is read (4,517 rows
    × 82 columns, the last one `"NDX"`). Any file with the same columns
    works:

    >>> import pandas as pd
    >>> from keras_attention.data import load_nasdaq100
    >>> pd.DataFrame({"AAL": [35.98, 35.93], "NDX": [4665.6, 4666.1]}).to_csv(
    ...     "nasdaq100.csv", index=False)
    >>> load_nasdaq100("nasdaq100.csv").columns.tolist()
    ['AAL', 'NDX']
    """
    if path is None:
        path = default_data_dir() / NASDAQ_PREFIX_FILE
    return read_csv(path)


def _sml2010_names(path):
    with open(path, encoding="ascii") as f:
        header = f.readline()
    # Line 1 is "# 1:Date 2:Time ..." and splits differently from the rows.
    names = [tok.split(":", 1)[1] for tok in header.split() if ":" in tok]
    if len(names) != 24:
        raise ValueError(
            f"'{path}' does not look like an SML2010 file: expected 24 column "
            f"names on line 1, found {len(names)}"
        )
    return names


def load_sml2010(folder=None):
    """UCI SML2010, both files joined in time order.

    `NEW-DATA-1.T15.txt` (2,764 rows, 13/03–11/04/2012) and
    `NEW-DATA-2.T15.txt` (1,373 rows, 18/04–02/05/2012) are concatenated:
    4,137 rows, the count DA-RNN's split (3,200 / 400 / 537) adds up to. The
    week between the files, and two missing samples in the second file, are
    gaps of the returned `DatetimeIndex`, so `make_windows(breaks="auto")`
    never builds a window across them.

    Args:
        folder: the folder holding both files; default:
            `default_data_dir() / "sml2010"`.

    Returns:
        A DataFrame indexed by time with the 22 numeric columns (Date and
        Time form the index). Target: `SML2010_TARGET`; DA-RNN's driving
        series: `SML2010_DRIVING_SERIES`.

    Example:

    With the two files in `default_data_dir() / "sml2010"`, `load_sml2010()`
    returns 4,137 rows × 22 columns. A folder without them is a clear error:

    >>> from keras_attention.data import load_sml2010
    >>> load_sml2010("empty_folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: SML2010 file NEW-DATA-1.T15.txt not found at 'empty_folder/NEW-DATA-1.T15.txt'. Pass its path explicitly or set $KERAS_ATTENTION_DATA to the folder that holds the data sets.
    """
    folder = pathlib.Path(folder) if folder is not None else default_data_dir() / "sml2010"
    frames = []
    for name in SML2010_FILES:
        path = _existing(folder / name, f"SML2010 file {name}")
        names = _sml2010_names(path)
        frame = pd.read_csv(path, sep=r"\s+", skiprows=1, header=None, names=names)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    index = pd.to_datetime(frame["Date"] + " " + frame["Time"], format="%d/%m/%Y %H:%M")
    frame = frame.drop(columns=["Date", "Time"])
    frame.index = pd.DatetimeIndex(index, name="time")
    return frame.astype("float64")


def synthetic_series(num_steps=2000, seed=0):
    """The project's embedded series: a target driven by lagged drivers.

    `x1`, `x2` are AR(1) series (φ = 0.3, unit innovations); the target is

        target[t] = 50 + 0.5 (target[t-1] - 50) + 2.0 x1[t-3] - 1.5 x2[t-6]
                    + 0.3 ε_t

    (lags in `SYNTHETIC_LAGS`). `x3` (a slow AR(1), φ = 0.95) and `x4` (a
    noisy sine of period 24) do not influence it. The level of 50 keeps the
    target positive, so MAPE is defined.

    Args:
        num_steps: number of rows (positive integer, at least 20).
        seed: integer seed of the generator.

    Returns:
        A DataFrame with columns `x1, x2, x3, x4, target`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.data import synthetic_series
    >>> frame = synthetic_series(num_steps=500, seed=0)
    >>> frame.shape, frame.columns.tolist()
    ((500, 5), ['x1', 'x2', 'x3', 'x4', 'target'])
    >>> # The target follows x1 three steps later:
    >>> lagged = [np.corrcoef(frame.target[6:], frame.x1.shift(k)[6:])[0, 1]
    ...           for k in range(6)]
    >>> int(np.argmax(lagged))
    3
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 20:
        raise ValueError(
            "`num_steps` must be an integer of at least 20. "
            f"Received: num_steps={num_steps!r}"
        )
    rng = np.random.default_rng(seed)
    burn = 50
    n = num_steps + burn

    def ar1(phi, scale=1.0):
        e = rng.normal(0.0, scale, n)
        x = np.zeros(n)
        for t in range(1, n):
            x[t] = phi * x[t - 1] + e[t]
        return x

    x1, x2 = ar1(0.3), ar1(0.3)
    x3 = ar1(0.95, 0.3)
    x4 = np.sin(2 * np.pi * np.arange(n) / 24.0) + rng.normal(0.0, 0.3, n)
    eps = rng.normal(0.0, 1.0, n)
    lag1, lag2 = SYNTHETIC_LAGS["x1"], SYNTHETIC_LAGS["x2"]
    y = np.full(n, 50.0)
    for t in range(max(lag1, lag2), n):
        y[t] = (
            50.0
            + 0.5 * (y[t - 1] - 50.0)
            + 2.0 * x1[t - lag1]
            - 1.5 * x2[t - lag2]
            + 0.3 * eps[t]
        )
    frame = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "x4": x4, SYNTHETIC_TARGET: y})
    return frame.iloc[burn:].reset_index(drop=True)


# -- validation -----------------------------------------------------------
def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def _choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {', '.join(repr(c) for c in choices)}. "
            f"Received: {name}={value!r}"
        )
    return value


def _format_rows(labels, limit=10):
    shown = ", ".join(str(label) for label in labels[:limit])
    if len(labels) > limit:
        shown += f", … ({len(labels)} rows)"
    return shown


def select_columns(data, target, features=None, interpolate=False):
    """Checks and returns the target and feature columns as float64.

    Args:
        data: a `pandas.DataFrame` or the path of a `.csv` / `.csv.xz` file.
        target: name of the target column.
        features: names of the driving series (default: every other column).
        interpolate: fill non-numeric and missing cells by linear
            interpolation in row order (nearest value at the ends), like the
            padding of DA-RNN's NASDAQ file. Without it they are an error
            that names the rows.

    Returns:
        `(frame, features)`: a DataFrame with the features then the target,
        and the list of feature names.

    Example:

    >>> import pandas as pd
    >>> from keras_attention.data import timeseries as ts
    >>> data = pd.DataFrame({"y": [1.0, 2.0, 4.0], "a": [0.0, "n/a", 2.0],
    ...                      "b": [5.0, 6.0, 7.0]})
    >>> frame, features = ts.select_columns(data, "y", interpolate=True)
    >>> features, frame["a"].tolist()
    (['a', 'b'], [0.0, 1.0, 2.0])
    >>> ts.select_columns(data, "y")
    Traceback (most recent call last):
    ...
    ValueError: The data has non-numeric or missing values: column 'a' at rows 1. Fix them, choose other `features`, or pass `interpolate=True` to fill them by linear interpolation.
    """
    if not isinstance(data, pd.DataFrame):
        if isinstance(data, (str, os.PathLike)):
            data = read_csv(data)
        else:
            raise ValueError(
                "`data` must be a pandas DataFrame or the path of a .csv or "
                f".csv.xz file. Received: data of type {type(data).__name__}"
            )
    columns = [str(c) for c in data.columns]
    data = data.copy()
    data.columns = columns
    if len(set(columns)) != len(columns):
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        raise ValueError(f"The data has duplicated column names: {duplicated}")
    if target not in columns:
        raise ValueError(
            f"`target` must be a column of the data. Received: target={target!r}; "
            f"columns: {', '.join(columns)}"
        )
    if features is None:
        features = [c for c in columns if c != target]
    else:
        if isinstance(features, str):
            features = [features]
        features = list(features)
        missing = [c for c in features if c not in columns]
        if missing:
            raise ValueError(
                f"`features` must be columns of the data. Missing: {missing}; "
                f"columns: {', '.join(columns)}"
            )
        if target in features:
            raise ValueError(
                f"`features` must not contain the target column {target!r}."
            )
    if not features:
        raise ValueError(
            "At least one driving series is needed: the data has no column "
            f"besides the target {target!r}."
        )
    frame = data[features + [target]]
    numeric = frame.apply(pd.to_numeric, errors="coerce").astype("float64")
    bad = ~np.isfinite(numeric.to_numpy())
    if bad.any():
        if not interpolate:
            parts = []
            for j, name in enumerate(numeric.columns):
                rows = list(frame.index[bad[:, j]])
                if rows:
                    parts.append(f"column {name!r} at rows {_format_rows(rows)}")
            raise ValueError(
                "The data has non-numeric or missing values: "
                + "; ".join(parts)
                + ". Fix them, choose other `features`, or pass "
                "`interpolate=True` to fill them by linear interpolation."
            )
        empty = [c for j, c in enumerate(numeric.columns) if bad[:, j].all()]
        if empty:
            raise ValueError(
                f"Cannot interpolate columns with no numeric value: {empty}"
            )
        numeric = numeric.where(np.isfinite(numeric))
        numeric = numeric.interpolate(method="linear", limit_direction="both", axis=0)
    return numeric, features


# -- scaling --------------------------------------------------------------
@dataclasses.dataclass
class Scaler:
    """Per-column affine scaling `(x - center) / scale`, fitted on train rows.

    `"standard"`: center = mean, scale = standard deviation (ddof 0).
    `"minmax"`: center = min, scale = max - min (values of the training part
    land in [0, 1]). A constant column gets scale 1.

    Example:

    >>> import pandas as pd
    >>> from keras_attention.data import timeseries as ts
    >>> train = pd.DataFrame({"x": [0.0, 5.0, 10.0], "y": [3.0, 3.0, 3.0]})
    >>> scaler = ts.Scaler.fit(train, "minmax")
    >>> scaler.transform(train).tolist()
    [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]]
    >>> scaler.inverse_column([0.5, 2.0], "x").tolist()
    [5.0, 20.0]
    """

    method: str
    columns: list
    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, frame, method="standard"):
        _choice("scaling", method, SCALINGS)
        values = frame.to_numpy(dtype="float64")
        if method == "standard":
            center = values.mean(axis=0)
            scale = values.std(axis=0)
        else:
            center = values.min(axis=0)
            scale = values.max(axis=0) - center
        scale = np.where(scale > 0, scale, 1.0)
        return cls(method, list(frame.columns), center, scale)

    def transform(self, frame):
        return (frame.to_numpy(dtype="float64") - self.center) / self.scale

    def inverse_column(self, values, column):
        """Original-scale values of one column (float64)."""
        j = self.columns.index(column)
        return np.asarray(values, dtype="float64") * self.scale[j] + self.center[j]

    def to_dict(self):
        return {
            "method": self.method,
            "columns": list(self.columns),
            "center": self.center.tolist(),
            "scale": self.scale.tolist(),
        }


# -- windows ---------------------------------------------------------------
@dataclasses.dataclass
class Windows:
    """The examples of one part of the split.

    Attributes:
        drivers: `(N, T, n)` float32, scaled driving series.
        past_target: `(N, T_p, 1)` float32, scaled past target values
            (`T_p = T - 1` for "nowcast", `T` for "forecast").
        target: `(N, H)` float32, scaled targets.
        target_raw: `(N, H)` float64, the targets on the original scale.
        target_rows: `(N,)` row positions (in the full table) of the first
            target step of each window.

    Example:

    >>> from keras_attention.data import make_windows, synthetic_series
    >>> series = make_windows(synthetic_series(100), "target", window=5,
    ...                       protocol="forecast", split=(0.8, 0.2))
    >>> test = series["test"]
    >>> len(test), test.drivers.shape, test.past_target.shape, test.target.shape
    (15, (15, 5, 4), (15, 5, 1), (15, 1))
    >>> int(test.target_rows[0])  # τ: the first 5 test rows are inputs only
    85
    >>> sorted(test.inputs)
    ['drivers', 'past_target']
    """

    drivers: np.ndarray
    past_target: np.ndarray
    target: np.ndarray
    target_raw: np.ndarray
    target_rows: np.ndarray

    def __len__(self):
        return len(self.target)

    @property
    def inputs(self):
        """The model inputs: `{"drivers": …, "past_target": …}`."""
        return {"drivers": self.drivers, "past_target": self.past_target}


@dataclasses.dataclass
class WindowedSeries:
    """Windows of every part of a split, with what produced them.

    Returned by `make_windows`. `parts` maps `"train"`, (`"val"`,) `"test"`
    to `Windows`; `row_ranges` maps them to their `(start, stop)` rows.

    Example:

    >>> import numpy as np
    >>> from keras_attention.data import make_windows, synthetic_series
    >>> series = make_windows(synthetic_series(100), "target", window=5,
    ...                       split=(0.6, 0.2, 0.2))
    >>> series.row_ranges
    {'train': (0, 60), 'val': (60, 80), 'test': (80, 100)}
    >>> series.num_features, series["val"].drivers.shape
    (4, (16, 5, 4))
    >>> test = series["test"]
    >>> np.allclose(series.inverse_target(test.target), test.target_raw)
    True
    >>> for x, y in series.dataset("train", batch_size=32).take(1):
    ...     print(tuple(x["drivers"].shape), tuple(y.shape))
    (32, 5, 4) (32, 1)
    """

    protocol: str
    window: int
    horizon: int
    target: str
    features: list
    scaling: str
    scaler: Scaler
    parts: dict
    row_ranges: dict
    index: pd.Index

    def __getitem__(self, part):
        if part not in self.parts:
            raise KeyError(
                f"Unknown part {part!r}; this split has {', '.join(self.parts)}"
            )
        return self.parts[part]

    @property
    def num_features(self):
        return len(self.features)

    def inverse_target(self, values):
        """Scaled target values back to the original scale (float64)."""
        return self.scaler.inverse_column(values, self.target)

    def dataset(self, part, batch_size=64, shuffle=False, seed=None):
        """A `tf.data.Dataset` of `(inputs, target)` batches for one part."""
        import tensorflow as tf

        windows = self[part]
        ds = tf.data.Dataset.from_tensor_slices((windows.inputs, windows.target))
        if shuffle:
            ds = ds.shuffle(len(windows), seed=seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def describe(self):
        """A one-paragraph summary that names the protocol."""
        sizes = ", ".join(
            f"{name} {len(w)} windows (rows {a}–{b - 1})"
            for (name, w), (a, b) in zip(self.parts.items(), self.row_ranges.values())
        )
        seen = (
            "driving series up to and including the target time (nowcast)"
            if self.protocol == "nowcast"
            else "only values strictly before the target time (forecast)"
        )
        return (
            f"protocol={self.protocol!r}: {seen}; window T={self.window}, "
            f"horizon H={self.horizon}, target {self.target!r}, "
            f"{self.num_features} driving series, {self.scaling} scaling fitted on "
            f"the training rows; {sizes}."
        )


def rows_needed(window, horizon, protocol):
    """Rows one window spans: `T + H - 1` (nowcast) or `T + H` (forecast).

    Example:

    >>> from keras_attention.data import timeseries as ts
    >>> ts.rows_needed(10, 1, "nowcast"), ts.rows_needed(10, 1, "forecast")
    (10, 11)
    """
    return window + horizon - (1 if protocol == "nowcast" else 0)


def _split_bounds(split, num_rows):
    if not isinstance(split, (list, tuple)) or len(split) not in PART_NAMES:
        raise ValueError(
            "`split` must be a tuple of 2 (train, test) or 3 (train, val, test) "
            f"ratios or row counts. Received: split={split!r}"
        )
    if all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in split):
        counts = [int(s) for s in split]
        if any(c < 0 for c in counts):
            raise ValueError(f"`split` counts must be non-negative. Received: split={split!r}")
        if sum(counts) > num_rows:
            raise ValueError(
                f"`split` counts add up to {sum(counts)} rows but the data has only "
                f"{num_rows}. Received: split={split!r}"
            )
    elif all(isinstance(s, (float, np.floating)) for s in split):
        if any(not (0.0 <= s <= 1.0) for s in split) or not math.isclose(
            sum(split), 1.0, abs_tol=1e-6
        ):
            raise ValueError(
                "`split` ratios must be in [0, 1] and add up to 1. "
                f"Received: split={split!r}"
            )
        edges = np.round(np.cumsum([0.0] + list(split)) * num_rows).astype(int)
        edges[-1] = num_rows
        counts = [int(c) for c in np.diff(edges)]
    else:
        raise ValueError(
            "`split` must hold only floats (ratios) or only integers (row "
            f"counts). Received: split={split!r}"
        )
    names = PART_NAMES[len(counts)]
    bounds, start = {}, 0
    for name, count in zip(names, counts):
        bounds[name] = (start, start + count)
        start += count
    return bounds


def _breaks(breaks, index, num_rows):
    if breaks is None:
        return []
    if isinstance(breaks, str):
        _choice("breaks", breaks, ("auto",))
        return find_time_gaps(index)
    out = sorted(int(b) for b in breaks)
    if any(b <= 0 or b >= num_rows for b in out):
        raise ValueError(
            f"`breaks` must be row positions in 1 … {num_rows - 1}. Received: {out}"
        )
    return out


def find_time_gaps(index):
    """Positions `i` where row `i` follows a gap in a `DatetimeIndex`.

    A gap is a step longer than 1.5 times the median step. Returns `[]` for
    any other index.

    Example:

    >>> import pandas as pd
    >>> from keras_attention.data import timeseries as ts
    >>> index = pd.DatetimeIndex(["2012-03-13 11:45", "2012-03-13 12:00",
    ...                           "2012-03-13 12:15", "2012-03-13 14:00",
    ...                           "2012-03-13 14:15"])
    >>> ts.find_time_gaps(index)  # row 3 follows a gap of 1 h 45 min
    [3]
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return []
    steps = np.diff(index.asi8)
    median = np.median(steps)
    return [int(i) + 1 for i in np.nonzero(steps > 1.5 * median)[0]]


def _window_starts(start, stop, breaks, span, lead):
    """First target rows τ of the windows inside [start, stop) minus breaks.

    `lead` rows of inputs come before τ and the window spans `span` rows.
    """
    edges = [start] + [b for b in breaks if start < b < stop] + [stop]
    taus = []
    for a, b in zip(edges[:-1], edges[1:]):
        first, last = a + lead, b - (span - lead)
        if last >= first:
            taus.append(np.arange(first, last + 1))
    return np.concatenate(taus) if taus else np.zeros((0,), dtype=int)


def make_windows(
    data,
    target,
    features=None,
    window=10,
    horizon=1,
    protocol="nowcast",
    split=(0.7, 0.3),
    scaling="standard",
    interpolate=False,
    breaks="auto",
):
    """Builds the supervised windows of a series, split chronologically.

    Args:
        data: a `pandas.DataFrame` or the path of a `.csv` / `.csv.xz` file.
        target: name of the target column.
        features: names of the driving series (default: all other columns).
        window: look-back `T` (positive integer; at least 2 for "nowcast",
            which reads `T - 1` past target values).
        horizon: number of future target steps `H` to predict.
        protocol: `"nowcast"` (driving series include the first target time
            step, as DA-RNN) or `"forecast"` (only values strictly before
            it). See the module docstring.
        split: `(train, test)` or `(train, val, test)`, as ratios that add
            up to 1 (e.g. `(0.7, 0.3)`) or as row counts (e.g.
            `(3200, 400, 537)`; rows after the last part are unused).
        scaling: `"standard"` (z-score) or `"minmax"` ([0, 1] on the
            training rows), fitted on the training rows only.
        interpolate: fill non-numeric / missing cells by linear
            interpolation instead of raising an error.
        breaks: `"auto"` (never cross a gap of a `DatetimeIndex`), `None`,
            or a list of row positions where a new contiguous piece starts.

    Returns:
        A `WindowedSeries`.

    Example:

    >>> from keras_attention.data import make_windows, synthetic_series
    >>> frame = synthetic_series(200)
    >>> nowcast = make_windows(frame, "target", window=10, protocol="nowcast")
    >>> forecast = make_windows(frame, "target", window=10, protocol="forecast")
    >>> nowcast["train"].past_target.shape[1], forecast["train"].past_target.shape[1]
    (9, 10)
    >>> print(forecast.describe())
    protocol='forecast': only values strictly before the target time (forecast);
    window T=10, horizon H=1, target 'target', 4 driving series, standard
    scaling fitted on the training rows; train 130 windows (rows 0–139), test
    50 windows (rows 140–199).
    """
    protocol = _choice("protocol", protocol, PROTOCOLS)
    window = _positive_int("window", window)
    horizon = _positive_int("horizon", horizon)
    scaling = _choice("scaling", scaling, SCALINGS)
    if protocol == "nowcast" and window < 2:
        raise ValueError(
            "`window` must be at least 2 with protocol='nowcast' (the model reads "
            f"window - 1 past target values). Received: window={window}"
        )
    frame, features = select_columns(data, target, features, interpolate)
    num_rows = len(frame)
    span = rows_needed(window, horizon, protocol)
    if num_rows < span:
        raise ValueError(
            f"The series has {num_rows} rows, fewer than one window needs: "
            f"protocol={protocol!r} with window={window} and horizon={horizon} "
            f"spans {span} rows (window + horizon"
            + (" - 1)." if protocol == "nowcast" else ").")
        )
    bounds = _split_bounds(split, num_rows)
    cuts = _breaks(breaks, frame.index, num_rows)
    train_start, train_stop = bounds["train"]
    if train_stop <= train_start:
        raise ValueError(f"`split`={split!r} leaves the 'train' part empty.")
    scaler = Scaler.fit(frame.iloc[train_start:train_stop], scaling)
    scaled = scaler.transform(frame).astype("float32")
    raw_target = frame[target].to_numpy(dtype="float64")
    x_all = scaled[:, :-1]
    y_all = scaled[:, -1]
    # Rows of the inputs before the first target τ.
    lead = window - 1 if protocol == "nowcast" else window
    x_offsets = np.arange(-window + 1, 1) if protocol == "nowcast" else np.arange(-window, 0)
    y_offsets = np.arange(-lead, 0)
    h_offsets = np.arange(horizon)
    parts = {}
    for name, (start, stop) in bounds.items():
        taus = _window_starts(start, stop, cuts, span, lead)
        if len(taus) == 0:
            raise ValueError(
                f"`split`={split!r} leaves no window in the {name!r} part: it has "
                f"rows {start}–{stop - 1} ({stop - start} rows) and one window with "
                f"protocol={protocol!r}, window={window}, horizon={horizon} spans "
                f"{span} contiguous rows."
            )
        parts[name] = Windows(
            drivers=x_all[taus[:, None] + x_offsets[None, :]],
            past_target=y_all[taus[:, None] + y_offsets[None, :]][..., None],
            target=y_all[taus[:, None] + h_offsets[None, :]],
            target_raw=raw_target[taus[:, None] + h_offsets[None, :]],
            target_rows=taus,
        )
    return WindowedSeries(
        protocol=protocol,
        window=window,
        horizon=horizon,
        target=target,
        features=list(features),
        scaling=scaling,
        scaler=scaler,
        parts=parts,
        row_ranges=bounds,
        index=frame.index,
    )
