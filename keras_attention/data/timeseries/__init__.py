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

Loaders (`loaders`): `load_nasdaq100` (the NASDAQ-100 prefix of DA-RNN's data),
`load_sml2010` (UCI SML2010, both files) and `synthetic_series` (the
project's embedded series with a known lag structure).

Modules: `loaders` (the data sets and CSV files), `columns` (checked target
and driving-series columns), `scaling` (`Scaler`), `windows`
(`make_windows`, `WindowedSeries`), `gaps` (time gaps windows never
cross) and `recursive` (a one-step forecaster iterated, `recursive_forecast`);
every public name is importable from here.
"""

from keras_attention.data.timeseries.columns import MissingValuesError, select_columns
from keras_attention.data.timeseries.gaps import find_time_gaps
from keras_attention.data.timeseries.loaders import (
    NASDAQ_DARNN_SPLIT,
    NASDAQ_PREFIX_FILE,
    NASDAQ_TARGET,
    SML2010_DARNN_SPLIT,
    SML2010_DRIVING_SERIES,
    SML2010_FILES,
    SML2010_TARGET,
    SYNTHETIC_LAGS,
    SYNTHETIC_TARGET,
    default_data_dir,
    load_nasdaq100,
    load_sml2010,
    read_csv,
    synthetic_series,
    synthetic_true_forecast,
)
from keras_attention.data.timeseries.recursive import recursive_forecast, shift_window
from keras_attention.data.timeseries.scaling import SCALINGS, Scaler
from keras_attention.data.timeseries.windows import (
    PART_NAMES,
    PROTOCOLS,
    WindowedSeries,
    Windows,
    make_windows,
    rows_needed,
    split_bounds,
)

__all__ = [
    "MissingValuesError",
    "NASDAQ_DARNN_SPLIT",
    "NASDAQ_PREFIX_FILE",
    "NASDAQ_TARGET",
    "PART_NAMES",
    "PROTOCOLS",
    "SCALINGS",
    "SML2010_DARNN_SPLIT",
    "SML2010_DRIVING_SERIES",
    "SML2010_FILES",
    "SML2010_TARGET",
    "SYNTHETIC_LAGS",
    "SYNTHETIC_TARGET",
    "Scaler",
    "WindowedSeries",
    "Windows",
    "default_data_dir",
    "find_time_gaps",
    "load_nasdaq100",
    "load_sml2010",
    "make_windows",
    "read_csv",
    "recursive_forecast",
    "rows_needed",
    "select_columns",
    "shift_window",
    "split_bounds",
    "synthetic_series",
    "synthetic_true_forecast",
]
