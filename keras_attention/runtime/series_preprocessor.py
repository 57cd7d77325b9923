"""The preprocessor of forecasters: columns and fitted scaling.

`SeriesPreprocessor` (a table → scaled model inputs, scaled predictions →
the target's units), with the input checks the forecasters and their
runners share (`first_non_finite`, `check_drivers_shape`).
"""

import numpy as np

SCALINGS = ("standard", "minmax")


class SeriesPreprocessor:
    """The columns and fitted scaling of a forecaster.

    Every column (the driving series, then the target) is scaled as
    `(x - center) / scale`, with statistics fitted on the training rows:
    `"standard"` (mean, standard deviation) or `"minmax"` (min, max - min);
    a constant column gets scale 1.

    Args:
        target: the target column's name.
        features: the driving series' names, in model input order.
        scaling: `"standard"` or `"minmax"`.
        center, scale: the fitted statistics, one per column (features then
            target); `None` before `fit`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.runtime import SeriesPreprocessor
    >>> pre = SeriesPreprocessor("y", ["x"], "minmax")
    >>> pre = pre.fit(np.array([[0.0, 10.0], [4.0, 30.0]]))  # rows: x, y
    >>> pre.transform(np.array([[2.0, 20.0]])).tolist()
    [[0.5, 0.5]]
    >>> pre.inverse_target(np.array([0.0, 1.0])).tolist()
    [10.0, 30.0]
    """

    def __init__(self, target, features, scaling="standard", center=None, scale=None):
        if not isinstance(target, str) or not target:
            raise ValueError(
                f"`target` must be a column name. Received: target={target!r}"
            )
        if not isinstance(features, (list, tuple)) or not all(
            isinstance(f, str) for f in features
        ):
            raise ValueError(
                f"`features` must be a list of column names. Received: features={features!r}"
            )
        if scaling not in SCALINGS:
            raise ValueError(
                f"`scaling` must be one of {', '.join(repr(s) for s in SCALINGS)}. "
                f"Received: scaling={scaling!r}"
            )
        self.target = target
        self.features = list(features)
        self.scaling = scaling
        n = len(self.features) + 1
        self.center = None if center is None else np.asarray(center, "float64")
        self.scale = None if scale is None else np.asarray(scale, "float64")
        for name, value in (("center", self.center), ("scale", self.scale)):
            if value is not None and value.shape != (n,):
                raise ValueError(
                    f"`{name}` must hold one value per column ({n}: the features "
                    f"then the target). Received: {name} of shape {value.shape}"
                )

    @property
    def columns(self):
        """The scaled columns: the features, then the target."""
        return self.features + [self.target]

    @property
    def fitted(self):
        return self.center is not None and self.scale is not None

    def fit(self, values):
        """A copy fitted on training rows `(N, len(columns))` (float, no NaN)."""
        values = np.asarray(values, "float64")
        if self.scaling == "standard":
            center, scale = values.mean(axis=0), values.std(axis=0)
        else:
            center = values.min(axis=0)
            scale = values.max(axis=0) - center
        scale = np.where(scale > 0, scale, 1.0)
        return SeriesPreprocessor(self.target, self.features, self.scaling, center, scale)

    def _check_fitted(self):
        if not self.fitted:
            raise ValueError(
                "This SeriesPreprocessor is not fitted: call `fit(training_rows)` "
                "first (or build it with `center` and `scale`)."
            )

    def transform(self, values):
        """Rows `(N, len(columns))` on the original scale → scaled float64."""
        self._check_fitted()
        values = np.asarray(values, "float64")
        if values.ndim != 2 or values.shape[1] != len(self.columns):
            raise ValueError(
                f"`values` must be (rows, {len(self.columns)}) with the columns "
                f"{self.columns}. Received: values.shape={values.shape}"
            )
        return (values - self.center) / self.scale

    def inverse_target(self, values):
        """Scaled target values (any shape) → the target's units (float64)."""
        self._check_fitted()
        return np.asarray(values, "float64") * self.scale[-1] + self.center[-1]

    def get_config(self):
        return {
            "target": self.target,
            "features": list(self.features),
            "scaling": self.scaling,
            "center": None if self.center is None else self.center.tolist(),
            "scale": None if self.scale is None else self.scale.tolist(),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (
            f"SeriesPreprocessor(target={self.target!r}, features={self.features!r}, "
            f"scaling={self.scaling!r}, fitted={self.fitted})"
        )


def first_non_finite(array):
    """The index of the first NaN / infinite value of a numpy array, or None.

    Example:

    >>> import numpy as np
    >>> first_non_finite(np.array([[1.0, 2.0], [np.nan, np.inf]]))
    (1, 0)
    >>> first_non_finite(np.ones(3)) is None
    True
    """
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def check_drivers_shape(drivers, window, num_features):
    """Raises unless `drivers` (a numpy array) is `(N, window, num_features)`.

    Example:

    >>> import numpy as np
    >>> check_drivers_shape(np.zeros((2, 4, 3)), window=4, num_features=2)
    Traceback (most recent call last):
    ...
    ValueError: `drivers` must have shape (N, 4, 2). Received: drivers.shape=(2, 4, 3)
    """
    if drivers.shape[1:] != (window, num_features):
        raise ValueError(
            f"`drivers` must have shape (N, {window}, {num_features}). "
            f"Received: drivers.shape={drivers.shape}"
        )
