"""DA-RNN's first stage: a recurrent encoder with attention over its inputs."""

import keras
from keras import ops

from keras_attention.layers import loops
from keras_attention.layers.base_attention import BaseAttention


@keras.saving.register_keras_serializable(package="keras_attention")
class InputAttentionEncoder(keras.layers.Layer):
    """A recurrent encoder that re-weights the driving series at every step.

    The input attention of DA-RNN (Qin et al., 2017). The input is a window
    of `n` driving series over `T` steps; series `k` is seen as a whole as
    the vector `x^k ∈ R^T`. At step `t` the encoder's previous states
    `[h_{t-1}; s_{t-1}]` (all the cell's states, concatenated) query the
    `n` series with the given attention layer (DA-RNN's score is additive:
    `e_t^k = v_eᵀ tanh(W_e [h_{t-1}; s_{t-1}] + U_e x^k)`, i.e.
    `BahdanauAttention` with the series as memory), the weights
    `α_t = softmax(e_t)` rescale the step's input, `x̃_t = α_t ⊙ x_t`, and
    the cell runs on `x̃_t`. The attention's keys `U_e x^k` are projected
    once per window.

    Args:
        cell: a Keras RNN cell (`LSTMCell`, `GRUCell`, `SimpleRNNCell`, ...)
            with a flat list of states.
        attention: the score layer, e.g. `BahdanauAttention(units)` (DA-RNN)
            or a `LuongAttention`. Its memory is the series, `(B, n, T)`.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(B, T, n)`; `T` and `n` must be known when building.
        training: Python boolean.

    Returns:
        `(outputs, final_states, input_attention)`: the cell outputs
        `(B, T, units)`, the list of final cell states, and the input
        attention weights `(B, T, n)` (each row sums to 1).

    Example:

    >>> import numpy as np, keras
    >>> from keras_attention.layers import BahdanauAttention
    >>> encoder = InputAttentionEncoder(
    ...     keras.layers.LSTMCell(8), BahdanauAttention(8))
    >>> outputs, states, alpha = encoder(np.ones((2, 10, 3), "float32"))
    >>> tuple(outputs.shape), len(states), tuple(alpha.shape)
    ((2, 10, 8), 2, (2, 10, 3))

    Reference:
        - [Qin et al., 2017](https://arxiv.org/abs/1704.02971)
    """

    def __init__(self, cell, attention, **kwargs):
        super().__init__(**kwargs)
        # As AttentionDecoder: on TensorFlow XLA cannot compile the time
        # loop's gradient, so compile(jit_compile="auto") must not pick XLA.
        self.supports_jit = loops.supports_jit()
        if isinstance(cell, dict):
            cell = keras.layers.deserialize(cell)
        if not (hasattr(cell, "state_size") and callable(cell)):
            raise ValueError(
                "`cell` must be a Keras RNN cell (e.g. keras.layers.LSTMCell(64)). "
                f"Received: cell={cell!r}"
            )
        if isinstance(attention, dict):
            attention = keras.layers.deserialize(attention)
        if not isinstance(attention, BaseAttention):
            raise ValueError(
                "`attention` must be a BahdanauAttention or LuongAttention layer. "
                f"Received: attention={attention!r}"
            )
        self.cell = cell
        self.attention = attention
        self._state_sizes = loops.cell_state_sizes(cell)
        self.units = self._state_sizes[0]

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[1] is None or input_shape[2] is None:
            raise ValueError(
                "InputAttentionEncoder needs inputs (batch, steps, series) with a "
                "known number of steps and series (each series is attended as a "
                f"vector of length steps). Received: input_shape={tuple(input_shape)}"
            )
        steps, series = int(input_shape[1]), int(input_shape[2])
        if not self.attention.built:
            self.attention.build((None, sum(self._state_sizes)), (None, series, steps))
        if not self.cell.built:
            self.cell.build((None, series))
        self.built = True

    def call(self, inputs, training=None):
        x = ops.cast(inputs, self.compute_dtype)
        batch = ops.shape(x)[0]
        series = ops.transpose(x, (0, 2, 1))  # (B, n, T): one row per series
        keys = self.attention(None, series)  # projected once
        states = [ops.zeros((batch, size), self.compute_dtype) for size in self._state_sizes]
        if training:
            loops.prime_dropout_masks(self.cell, x[:, 0], states)

        def body(step_states, x_t):
            query = (
                step_states[0]
                if len(step_states) == 1
                else ops.concatenate(step_states, axis=-1)
            )
            _, alpha = self.attention(
                query,
                series,
                projected_keys=keys,
                return_attention_scores=True,
                training=training,
            )
            output, new_states = loops.call_cell(
                self.cell, alpha * x_t, step_states, training=training
            )
            return new_states, (output, alpha)

        y_like = (
            ops.zeros((batch, self.units), self.compute_dtype),
            ops.zeros((batch, ops.shape(x)[2]), self.compute_dtype),
        )
        final_states, (outputs, alphas) = loops.scan(
            body, states, loops.time_major(x), y_like, stateful=[self]
        )
        if training:
            loops.reset_dropout_masks(self.cell)
        return loops.batch_major(outputs), list(final_states), loops.batch_major(alphas)

    def compute_output_spec(self, inputs, training=None):
        batch, steps, series = inputs.shape
        dtype = self.compute_dtype
        return (
            keras.KerasTensor((batch, steps, self.units), dtype=dtype),
            [keras.KerasTensor((batch, size), dtype=dtype) for size in self._state_sizes],
            keras.KerasTensor((batch, steps, series), dtype=dtype),
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": keras.layers.serialize(self.cell),
                "attention": keras.layers.serialize(self.attention),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cell"] = keras.layers.deserialize(config["cell"])
        config["attention"] = keras.layers.deserialize(config["attention"])
        return cls(**config)
