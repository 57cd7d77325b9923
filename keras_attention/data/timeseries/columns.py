"""`select_columns`: the target and driving series of a table, checked, as float64."""

import os

import numpy as np
import pandas as pd

from keras_attention.data.timeseries.loaders import read_csv


class MissingValuesError(ValueError):
    """Non-numeric or missing cells in the columns a series is made of.

    `cells` describes them ("column 'a' at rows 1; column 'b' at rows 2"),
    so that a caller can word its own advice (the command line names its
    `--interpolate` option).
    """

    def __init__(self, cells):
        self.cells = cells
        super().__init__(
            f"The data has non-numeric or missing values: {cells}. Fix them, choose "
            "other `features`, or pass `interpolate=True` to fill them by linear "
            "interpolation."
        )


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
    >>> try:
    ...     ts.select_columns(data, "y")
    ... except ts.MissingValuesError as e:  # a ValueError
    ...     print(e.cells)
    column 'a' at rows 1
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
                f"`features` must not contain the target column {target!r}. "
                f"Received: features={features!r}"
            )
        if not features:
            raise ValueError(
                "`features` must name at least one driving series (None: every "
                "column but the target). Received: features=[]"
            )
        repeated = sorted({c for c in features if features.count(c) > 1})
        if repeated:  # the model would read the same series twice
            raise ValueError(
                f"`features` must not repeat a column. Received: {repeated} more than "
                f"once in features={features!r}"
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
            raise MissingValuesError("; ".join(parts))
        empty = [c for j, c in enumerate(numeric.columns) if bad[:, j].all()]
        if empty:
            raise ValueError(
                f"Cannot interpolate columns with no numeric value: {empty}"
            )
        numeric = numeric.where(np.isfinite(numeric))
        numeric = numeric.interpolate(method="linear", limit_direction="both", axis=0)
    return numeric, features
