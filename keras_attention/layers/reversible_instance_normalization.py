"""Reversible instance normalization (RevIN) of time-series windows."""

import keras
from keras import ops

from keras_attention.layers.attention_utils import validate_choice

MODES = ("normalize", "denormalize")


def _validate_bool(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be a bool. Received: {name}={value!r}")
    return value


@keras.saving.register_keras_serializable(package="keras_attention")
class ReversibleInstanceNormalization(keras.layers.Layer):
    """Normalizes each window by its own statistics, and undoes it on outputs.

    RevIN (Kim et al., 2022). For a window `x` of shape `(B, T, C)` (`C`
    series over `T` steps), each series of each window is normalized by
    statistics of that window alone, over its time axis:

        center = mean_t x[b, t, c]          (or x[b, T-1, c], `subtract_last`)
        scale  = sqrt(var_t x[b, t, c] + epsilon)      (or 1, `use_std=False`)
        x̂ = (x - center) / scale · weight[c] + bias[c]

    with an optional learnable affine map (`weight` starts at 1, `bias` at
    0). A model then works on windows that all have the same location and
    spread, and its outputs `ŷ` (in normalized units) are mapped back with
    the statistics of the input window:

        y = (ŷ - bias[c]) / weight[c] · scale + center.

    This removes a level (and spread) shift between the training and test
    windows, e.g. a price that leaves its training range. `subtract_last` is
    PatchTST's variant (Nie et al., 2023): subtract the last value of the
    window instead of its mean. With `use_std=False` the windows are only
    shifted, so a model that is linear in `x̂` stays linear in `x`.

    The layer keeps no statistics between calls: `call` returns them and the
    caller passes them back to `denormalize`, so one layer serves any number
    of windows, in any order, in graphs and on every backend. Statistics are
    computed in float32 whatever the compute dtype (float16 safe).

    Args:
        affine: learn a per-series `weight` and `bias` applied after the
            normalization (and undone by `denormalize`).
        subtract_last: center on the last value of the window instead of
            its mean.
        use_std: divide by the window's standard deviation; `False` only
            subtracts the center.
        epsilon: small float added to the variance (and the guard of the
            affine weight's inverse).
        num_features: number of series `C`; default: the last dimension of
            the first window the layer normalizes (which builds it).
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: the windows `(B, T, C)` to normalize; or, with `stats`,
            values to map with those statistics: `(B, ..., C)`, or
            `(B, ...)` for the one series chosen by `feature_index`.
        stats: `None` (compute the statistics of `inputs`), or the dict
            returned by an earlier normalization, to map other values
            (outputs, later targets) of the same windows.
        mode: `"normalize"` (default) or `"denormalize"` (needs `stats`).
        feature_index: with `stats`, use the statistics of this one series
            (an int) instead of all `C`.
        center: with `stats`, `False` maps a *difference* of values (a
            change, a correction): it is only scaled (by `weight / scale`,
            or back by `scale / weight`), never shifted.

    Returns:
        Without `stats`: `(normalized, stats)`, the windows `(B, T, C)` and a
        dict with `"center"` and `"scale"`, each `(B, 1, C)`, in the layer's
        compute dtype. With `stats`: the mapped values, with the shape of
        `inputs`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import ReversibleInstanceNormalization
    >>> revin = ReversibleInstanceNormalization()
    >>> x = np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]]], "float32")
    >>> x_norm, stats = revin(x)
    >>> np.asarray(x_norm[0, :, 0]).round(4)  # mean 2, std sqrt(2/3)
    array([-1.2247,  0.    ,  1.2247], dtype=float32)
    >>> np.asarray(stats["center"]).tolist()
    [[[2.0, 30.0]]]
    >>> x_back = revin.denormalize(x_norm, stats)
    >>> np.allclose(x_back, x, atol=1e-4)
    True
    >>> forecast = np.array([[1.0, 0.0]], "float32")  # 2 steps of series 1
    >>> np.asarray(revin.denormalize(forecast, stats, feature_index=1)).round(2)
    array([[51.6, 30. ]], dtype=float32)

    Reference:
        - [Kim et al., 2022](https://openreview.net/forum?id=cGDAkQo1C0p)
          (RevIN)
        - [Nie et al., 2023](https://arxiv.org/abs/2211.14730) (PatchTST,
          `subtract_last`)
    """

    def __init__(
        self,
        affine=True,
        subtract_last=False,
        use_std=True,
        epsilon=1e-5,
        num_features=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.affine = _validate_bool("affine", affine)
        self.subtract_last = _validate_bool("subtract_last", subtract_last)
        self.use_std = _validate_bool("use_std", use_std)
        if (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, (int, float))
            or not epsilon > 0
        ):
            raise ValueError(
                f"`epsilon` must be a positive float. Received: epsilon={epsilon!r}"
            )
        self.epsilon = float(epsilon)
        if num_features is not None and (
            isinstance(num_features, bool)
            or not isinstance(num_features, int)
            or num_features <= 0
        ):
            raise ValueError(
                "`num_features` must be a positive integer or None. "
                f"Received: num_features={num_features!r}"
            )
        self.num_features = num_features

    def build(self, input_shape):
        num_features = self.num_features or input_shape[-1]
        if num_features is None:
            raise ValueError(
                "The last dimension (the series) of the windows given to "
                "ReversibleInstanceNormalization must be known, or pass "
                f"`num_features`. Received: input_shape={tuple(input_shape)}"
            )
        self._num_series = int(num_features)
        if self.affine:
            self.affine_weight = self.add_weight(
                name="affine_weight", shape=(self._num_series,), initializer="ones"
            )
            self.affine_bias = self.add_weight(
                name="affine_bias", shape=(self._num_series,), initializer="zeros"
            )
        self.built = True

    def call(self, inputs, stats=None, mode="normalize", feature_index=None, center=True):
        validate_choice("mode", mode, MODES)
        if mode == "normalize":
            if stats is None:
                return self._normalize(inputs)
            return self._apply(inputs, stats, feature_index, center, inverse=False)
        if stats is None:
            raise ValueError(
                "`stats` is required with mode='denormalize': pass the statistics "
                "returned by the normalization of the same windows."
            )
        return self._apply(inputs, stats, feature_index, center, inverse=True)

    def _normalize(self, inputs):
        if len(inputs.shape) != 3:
            raise ValueError(
                "ReversibleInstanceNormalization normalizes windows of shape "
                f"(batch, steps, series). Received: inputs.shape={tuple(inputs.shape)}"
            )
        if inputs.shape[-1] is not None and inputs.shape[-1] != self._num_series:
            raise ValueError(
                f"The windows must have {self._num_series} series (the layer was "
                f"built for them). Received: inputs.shape={tuple(inputs.shape)}"
            )
        # float32 statistics: a float16 variance of values of order 1e2
        # overflows, and epsilon=1e-5 is below float16's normal range.
        x = ops.cast(inputs, "float32")
        if self.subtract_last:
            center = x[:, -1:, :]
        else:
            center = ops.mean(x, axis=1, keepdims=True)
        if self.use_std:
            variance = ops.var(x, axis=1, keepdims=True)
            scale = ops.sqrt(variance + self.epsilon)
        else:
            scale = ops.ones_like(center)
        normalized = (x - center) / scale
        if self.affine:
            normalized = normalized * ops.cast(self.affine_weight, "float32") + ops.cast(
                self.affine_bias, "float32"
            )
        dtype = self.compute_dtype
        stats = {"center": ops.cast(center, dtype), "scale": ops.cast(scale, dtype)}
        return ops.cast(normalized, dtype), stats

    def _apply(self, values, stats, feature_index, center, inverse):
        """Maps `values` to (or, `inverse`, from) normalized units with `stats`."""
        center_values = ops.cast(stats["center"], "float32")
        scale = ops.cast(stats["scale"], "float32")
        if center_values.shape[-1] is not None and center_values.shape[-1] != self._num_series:
            raise ValueError(
                f"`stats` must hold the statistics of {self._num_series} series (the "
                "layer's). Received: stats['center'].shape="
                f"{tuple(center_values.shape)}"
            )
        y = ops.cast(values, "float32")
        if self.affine:
            weight = ops.cast(self.affine_weight, "float32")
            bias = ops.cast(self.affine_bias, "float32")
        if feature_index is None:
            if y.shape[-1] is not None and y.shape[-1] != self._num_series:
                raise ValueError(
                    "Without `feature_index`, the last dimension of the values must "
                    f"be the {self._num_series} series. Received: shape={tuple(y.shape)}"
                )
            # (B, 1, C) -> (B, 1, ..., 1, C) to broadcast over the middle axes.
            shape = (-1,) + (1,) * (len(y.shape) - 2) + (self._num_series,)
            center_values = ops.reshape(center_values, shape)
            scale = ops.reshape(scale, shape)
        else:
            if (
                isinstance(feature_index, bool)
                or not isinstance(feature_index, int)
                or not 0 <= feature_index < self._num_series
            ):
                raise ValueError(
                    f"`feature_index` must be an integer in [0, {self._num_series}). "
                    f"Received: feature_index={feature_index!r}"
                )
            shape = (-1,) + (1,) * (len(y.shape) - 1)
            center_values = ops.reshape(center_values[:, 0, feature_index], shape)
            scale = ops.reshape(scale[:, 0, feature_index], shape)
            if self.affine:
                weight, bias = weight[feature_index], bias[feature_index]
        if inverse:
            if self.affine:
                if center:
                    y = y - bias
                # RevIN's guard: the weight may pass through 0 while training.
                y = y / (weight + self.epsilon * self.epsilon)
            y = y * scale
            if center:
                y = y + center_values
        else:
            if center:
                y = y - center_values
            y = y / scale
            if self.affine:
                y = y * weight
                if center:
                    y = y + bias
        return ops.cast(y, self.compute_dtype)

    def denormalize(self, outputs, stats, feature_index=None, center=True):
        """Maps outputs in normalized units back to the windows' scale.

        The same as `layer(outputs, stats=stats, mode="denormalize", ...)`.

        Args:
            outputs: `(B, ..., C)`, or `(B, ...)` with `feature_index`.
            stats: the dict returned with the normalized windows.
            feature_index: use the statistics of this series only.
            center: `False` for a difference of normalized values (scaled,
                not shifted).

        Returns:
            A tensor with the shape of `outputs`.

        Example:

        >>> import numpy as np
        >>> from keras_attention.layers import ReversibleInstanceNormalization
        >>> revin = ReversibleInstanceNormalization(subtract_last=True, use_std=False)
        >>> _, stats = revin(np.array([[[5.0], [7.0]]], "float32"))
        >>> np.asarray(revin.denormalize(np.array([[0.5]], "float32"), stats)).tolist()
        [[7.5]]
        >>> np.asarray(revin.denormalize(np.array([[0.5]], "float32"), stats,
        ...                              center=False)).tolist()
        [[0.5]]
        """
        if not self.built and self.num_features is None:
            raise ValueError(
                "This ReversibleInstanceNormalization layer has not normalized any "
                "window yet: call it on windows first (or pass `num_features`)."
            )
        return self(
            outputs, stats=stats, mode="denormalize", feature_index=feature_index, center=center
        )

    def compute_output_spec(
        self, inputs, stats=None, mode="normalize", feature_index=None, center=True
    ):
        dtype = self.compute_dtype
        if stats is None:
            stat = keras.KerasTensor((inputs.shape[0], 1, inputs.shape[-1]), dtype=dtype)
            return keras.KerasTensor(inputs.shape, dtype=dtype), {
                "center": stat,
                "scale": keras.KerasTensor(stat.shape, dtype=dtype),
            }
        return keras.KerasTensor(inputs.shape, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "affine": self.affine,
                "subtract_last": self.subtract_last,
                "use_std": self.use_std,
                "epsilon": self.epsilon,
                "num_features": self.num_features,
            }
        )
        return config
