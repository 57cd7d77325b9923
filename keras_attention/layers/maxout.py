"""Maxout units (Goodfellow et al., 2013) for the deep-output layer."""

import keras
from keras import ops

from keras_attention.layers import attention_utils


@keras.saving.register_keras_serializable(package="keras_attention")
class Maxout(keras.layers.Layer):
    """A linear layer followed by a max over groups of `pool_size` units.

    `t̃ = x W + b` has `num_units · pool_size` units; the output is
    `t_j = max(t̃_{j·p}, …, t̃_{j·p + p − 1})`. With `pool_size=2` and `x` the
    concatenation `[s_{i-1}; E y_{i-1}; c_i]`, this is the deep output of
    Bahdanau et al. (2015, appendix A.2.2):
    `t̃_i = U_o s_{i-1} + V_o E y_{i-1} + C_o c_i` (one matrix on the
    concatenation is the same as three on the parts).

    Args:
        num_units: positive integer, size of the output.
        pool_size: positive integer, number of linear pieces per unit.
        use_bias: whether the linear part has a bias.
        kernel_initializer, bias_initializer: initializers.
        kernel_regularizer, bias_regularizer: optional regularizers.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(..., input_dim)`.

    Returns:
        `(..., num_units)`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import Maxout
    >>> layer = Maxout(4, pool_size=2)
    >>> tuple(layer(np.ones((2, 3), "float32")).shape)
    (2, 4)
    >>> tuple(layer.kernel.shape)  # 4 units x 2 pieces
    (3, 8)

    Reference:
        - [Goodfellow et al., 2013](https://arxiv.org/abs/1302.4389)
    """

    def __init__(
        self,
        num_units,
        pool_size=2,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_units = attention_utils.validate_positive_int("num_units", num_units)
        self.pool_size = attention_utils.validate_positive_int("pool_size", pool_size)
        self.use_bias = bool(use_bias)
        attention_utils.set_kernel_and_bias_options(
            self, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
        )
        self.supports_masking = True

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                "The last dimension of the inputs to Maxout must be known. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(int(input_shape[-1]), self.num_units * self.pool_size),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.num_units * self.pool_size,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )

    def call(self, inputs):
        x = ops.matmul(inputs, ops.cast(self.kernel, self.compute_dtype))
        if self.bias is not None:
            x = x + ops.cast(self.bias, self.compute_dtype)
        shape = ops.shape(x)
        x = ops.reshape(x, tuple(shape[:-1]) + (self.num_units, self.pool_size))
        return ops.max(x, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_units": self.num_units,
                "pool_size": self.pool_size,
                "use_bias": self.use_bias,
                **attention_utils.weight_options_config(self),
            }
        )
        return config
