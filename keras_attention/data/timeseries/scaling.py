"""`Scaler`: per-column affine scaling fitted on the training rows."""

import dataclasses

import numpy as np

from keras_attention.utils.validation import validate_choice

SCALINGS = ("standard", "minmax")


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
    >>> scaler.transform_column([5.0, 20.0], "x").tolist()
    [0.5, 2.0]
    """

    method: str
    columns: list
    center: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, frame, method="standard"):
        validate_choice("scaling", method, SCALINGS)
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

    def transform_column(self, values, column):
        """Scaled values of one column (float64): `transform` for one column."""
        j = self.columns.index(column)
        return (np.asarray(values, dtype="float64") - self.center[j]) / self.scale[j]

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
