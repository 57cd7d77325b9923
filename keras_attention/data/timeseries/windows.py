"""`make_windows`: supervised windows of a series, split chronologically."""

import dataclasses
import math

import numpy as np
import pandas as pd

from keras_attention.data.timeseries.columns import select_columns
from keras_attention.data.timeseries.gaps import breaks_of, window_starts
from keras_attention.data.timeseries.scaling import SCALINGS, Scaler
from keras_attention.utils.validation import validate_choice, validate_positive_int

PROTOCOLS = ("nowcast", "forecast")
PART_NAMES = {2: ("train", "test"), 3: ("train", "val", "test")}


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


def split_bounds(split, num_rows):
    """The rows of each part of a chronological split, checked.

    Args:
        split: `(train, test)` or `(train, val, test)`, as ratios that add up
            to 1 or as row counts (the rows after the last part are unused).
        num_rows: rows of the series.

    Returns:
        dict `part -> (start, stop)` row bounds, in order.

    Raises:
        ValueError: naming `split` and the value received.

    Example:

    >>> from keras_attention.data.timeseries import split_bounds
    >>> split_bounds((0.7, 0.3), 1000)
    {'train': (0, 700), 'test': (700, 1000)}
    >>> split_bounds((3200, 400, 537), 4137)["test"]
    (3600, 4137)
    """
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
    protocol = validate_choice("protocol", protocol, PROTOCOLS)
    window = validate_positive_int("window", window)
    horizon = validate_positive_int("horizon", horizon)
    scaling = validate_choice("scaling", scaling, SCALINGS)
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
    bounds = split_bounds(split, num_rows)
    cuts = breaks_of(breaks, frame.index, num_rows)
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
        taus = window_starts(start, stop, cuts, span, lead)
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
