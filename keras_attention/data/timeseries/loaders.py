"""Loaders of the series: NASDAQ-100, SML2010, the embedded series, any CSV."""

import os
import pathlib

import numpy as np
import pandas as pd

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
    return pathlib.Path(__file__).resolve().parents[3].parent / "shared" / "data"


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


def synthetic_series(num_steps=2000, seed=0, interaction=0.0):
    """The project's embedded series: a target driven by lagged drivers.

    `x1`, `x2` are AR(1) series (φ = 0.3, unit innovations); the target is

        target[t] = 50 + 0.5 (target[t-1] - 50) + 2.0 x1[t-3] - 1.5 x2[t-6]
                    + c x1[t-3] x2[t-6] + 0.3 ε_t

    (lags in `SYNTHETIC_LAGS`, `c` = `interaction`, 0 by default: the
    embedded series is linear, and least squares is its best forecast).
    `x3` (a slow AR(1), φ = 0.95) and `x4` (a noisy sine of period 24) do
    not influence it. The level of 50 keeps the target positive, so MAPE is
    defined.

    Args:
        num_steps: number of rows (positive integer, at least 20).
        seed: integer seed of the generator.
        interaction: `c`, the weight of the product of the two lagged
            drivers: a nonlinear series on which a linear model is not the
            best (`bench/nonlinear_series.py`). The random draws do not
            depend on it.

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
    _check_interaction(interaction)
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
        y[t] = _synthetic_step(y[t - 1], x1[t - lag1], x2[t - lag2], eps[t], interaction)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "x4": x4, SYNTHETIC_TARGET: y})
    return frame.iloc[burn:].reset_index(drop=True)


def _check_interaction(interaction):
    if isinstance(interaction, bool) or not isinstance(interaction, (int, float)) or not (
        np.isfinite(interaction)
    ):
        raise ValueError(
            f"`interaction` must be a finite number. Received: interaction={interaction!r}"
        )


def _synthetic_step(previous, x1_lagged, x2_lagged, noise, interaction):
    """`target[t]` of `synthetic_series` (scalars or arrays); `noise` = ε_t."""
    return (
        50.0
        + 0.5 * (previous - 50.0)
        + 2.0 * x1_lagged
        - 1.5 * x2_lagged
        + 0.3 * noise
        + interaction * x1_lagged * x2_lagged  # last: 0 adds ±0.0 exactly
    )


def synthetic_true_forecast(frame, interaction=0.0):
    """The best one-step forecast of a `synthetic_series` frame: its true model.

    Row `t` holds the target's expected value given the past rows
    (`synthetic_series`'s formula without the noise term `0.3 ε_t`), i.e.
    what a forecaster that knew the generating process would predict. The
    rows before the longest lag (`SYNTHETIC_LAGS`) are NaN. `frame.target -
    synthetic_true_forecast(frame)` is the noise, so the RMSE of this
    forecast over some rows is the lowest RMSE any forecaster can expect on
    them (≈ 0.3): the floor below which "better than least squares" cannot
    go on the embedded series (`bench/linear_part_variants.py`).

    Args:
        frame: a DataFrame with the columns of `synthetic_series` (`x1`,
            `x2` and `target`; others are ignored), in time order.
        interaction: the `interaction` the frame was generated with.

    Returns:
        A float64 numpy array, one value per row of `frame`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.data import synthetic_series, synthetic_true_forecast
    >>> frame = synthetic_series(num_steps=2000, seed=0)
    >>> noise = frame.target.to_numpy() - synthetic_true_forecast(frame)
    >>> round(float(np.sqrt(np.nanmean(noise ** 2))), 2)  # 0.3 ε: the floor
    0.3
    """
    missing = [c for c in ("x1", "x2", SYNTHETIC_TARGET) if c not in getattr(frame, "columns", ())]
    if missing:
        raise ValueError(
            "`frame` must be a DataFrame with the columns of `synthetic_series` "
            f"(missing {missing}). Received: frame with columns "
            f"{list(getattr(frame, 'columns', []))!r}"
        )
    _check_interaction(interaction)
    y, x1, x2 = (frame[c].to_numpy(dtype="float64") for c in (SYNTHETIC_TARGET, "x1", "x2"))
    lag1, lag2 = SYNTHETIC_LAGS["x1"], SYNTHETIC_LAGS["x2"]
    first = max(lag1, lag2)
    out = np.full(len(y), np.nan)
    t = np.arange(first, len(y))
    out[first:] = _synthetic_step(y[t - 1], x1[t - lag1], x2[t - lag2], 0.0, interaction)
    return out
