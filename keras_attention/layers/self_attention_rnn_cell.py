"""An RNN cell that attends over its own past states (self-attention RNN, LSTMN)."""

import keras
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.luong_attention import LuongAttention

SCORE_MODES = ("additive", "dot", "scaled_dot", "general", "concat")
CELL_TYPES = ("simple", "lstm")


@keras.saving.register_keras_serializable(package="keras_attention")
class SelfAttentionRNNCell(keras.layers.Layer):
    """RNN cell whose recurrence reads an attention summary of its past states.

    `cell_type="simple"` (attention-math.md §5): instead of `h_{t-1}`, the
    update uses a context over the stored past states,

        c_{t-1} = Σ_i α_i h_i,  α = softmax_i(score(h_{t-1}, h_i))
        h_t     = tanh(W x_t + U c_{t-1} + b)

    `cell_type="lstm"` is the LSTMN of Cheng, Dong & Lapata (2016): it keeps a
    tape of hidden and memory states, scores them with the input and the
    previous summary, `score([x_t; h̃_{t-1}], h_i)`, and runs the LSTM gates on
    the adaptive summaries `h̃_t = Σ s_i h_i`, `c̃_t = Σ s_i c_i`:

        [i, f, o, ĉ] = [σ, σ, σ, tanh](W [x_t; h̃_t] + b)
        c_t = f ⊙ c̃_t + i ⊙ ĉ,   h_t = o ⊙ tanh(c_t)

    A Keras cell needs a fixed-size state, so the past is a ring buffer of the
    last `memory_size` states plus a step counter; slots not yet written are
    masked out (the first step attends to nothing and gets a zero summary).
    All states are 2-D, so the cell runs in `keras.layers.RNN` and
    `keras.layers.Bidirectional`, with `return_sequences` and masking.

    The scores reuse the project's attention layers: `"additive"` is
    `BahdanauAttention(attention_units)`; the other modes are
    `LuongAttention(score_mode)`.

    Args:
        units: positive integer, size of the state.
        memory_size: positive integer, number of past states kept.
        score_mode: `"additive"` (default), `"dot"`, `"scaled_dot"`,
            `"general"` or `"concat"`.
        cell_type: `"simple"` or `"lstm"` (LSTMN).
        attention_units: hidden size of the additive / concat score (default:
            `units`).
        use_bias: whether the recurrence has a bias.
        kernel_initializer, recurrent_initializer, bias_initializer:
            initializers of `W`, `U` and `b`.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(B, input_dim)`, one time step.
        states: list of state tensors (see `state_size`).
        training: Python boolean.

    Returns:
        `(h_t, new_states)`.

    Example:

    >>> import numpy as np, keras
    >>> from keras_attention.layers import SelfAttentionRNNCell
    >>> cell = SelfAttentionRNNCell(units=8, memory_size=4)
    >>> layer = keras.layers.RNN(cell, return_sequences=True)
    >>> tuple(layer(np.ones((2, 6, 3), "float32")).shape)
    (2, 6, 8)
    >>> lstmn = SelfAttentionRNNCell(8, memory_size=4, cell_type="lstm")
    >>> tuple(keras.layers.Bidirectional(keras.layers.RNN(lstmn))(
    ...     np.ones((2, 6, 3), "float32")).shape)
    (2, 16)

    Reference:
        - [Cheng, Dong & Lapata, 2016](https://arxiv.org/abs/1601.06733)
    """

    def __init__(
        self,
        units,
        memory_size,
        score_mode="additive",
        cell_type="simple",
        attention_units=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = attention_utils.validate_positive_int("units", units)
        self.memory_size = attention_utils.validate_positive_int(
            "memory_size", memory_size
        )
        self.score_mode = attention_utils.validate_choice(
            "score_mode", score_mode, SCORE_MODES
        )
        self.cell_type = attention_utils.validate_choice(
            "cell_type", cell_type, CELL_TYPES
        )
        if cell_type == "lstm" and score_mode in ("dot", "scaled_dot"):
            # The LSTMN's query is [x_t; h̃_{t-1}], wider than the tape's h
            # vectors, and a dot score needs equal sizes.
            raise ValueError(
                f"score_mode={score_mode!r} cannot be used with cell_type='lstm': "
                "the LSTMN query [x_t; h̃] is wider than the stored states it is "
                "compared with, and a dot product needs equal sizes. Use "
                "score_mode='general', 'concat' or 'additive'. Received: "
                f"cell_type={cell_type!r}, score_mode={score_mode!r}"
            )
        self.attention_units = attention_utils.validate_positive_int(
            "attention_units", attention_units, allow_none=True
        )
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        if score_mode == "additive":
            self.attention = BahdanauAttention(
                self.attention_units or units, name="attention", dtype=self.dtype_policy
            )
        else:
            self.attention = LuongAttention(
                score_mode,
                units=self.attention_units if score_mode == "concat" else None,
                name="attention",
                dtype=self.dtype_policy,
            )
        tape = self.memory_size * units
        if cell_type == "simple":
            # h, the ring buffer of past h, the step counter
            self.state_size = [units, tape, 1]
        else:
            # h, the h tape, the c tape, the previous summary h̃, the counter
            self.state_size = [units, tape, tape, units, 1]
        self.output_size = units

    def build(self, input_shape):
        input_dim = int(input_shape[-1])
        gates = 1 if self.cell_type == "simple" else 4
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, gates * self.units),
            initializer=self.kernel_initializer,
        )
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, gates * self.units),
            initializer=self.recurrent_initializer,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(gates * self.units,), initializer=self.bias_initializer
            )
        query_dim = self.units if self.cell_type == "simple" else input_dim + self.units
        self.attention.build(
            (None, query_dim), (None, self.memory_size, self.units)
        )

    def _summary(self, query, tape, valid):
        return self.attention(query, tape, value_mask=valid, return_attention_scores=True)

    def call(self, inputs, states, training=None):
        inputs = ops.cast(inputs, self.compute_dtype)
        batch = ops.shape(inputs)[0]
        m, u = self.memory_size, self.units
        count = states[-1]
        steps = ops.cast(count, "float32")
        slots = ops.cast(ops.arange(m), "float32")
        valid = ops.expand_dims(slots, 0) < ops.minimum(steps, float(m))  # (B, M)
        slot = ops.cast(ops.mod(steps[:, 0], float(m)), "int32")
        write = ops.expand_dims(ops.one_hot(slot, m, dtype=self.compute_dtype), -1)

        def store(tape, value):
            return tape * (1.0 - write) + write * ops.expand_dims(value, 1)

        linear = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            linear = linear + self.bias
        if self.cell_type == "simple":
            h_prev = states[0]
            tape = ops.reshape(states[1], (batch, m, u))
            context, _ = self._summary(h_prev, tape, valid)
            h = ops.tanh(linear + ops.matmul(context, self.recurrent_kernel))
            new_tape = store(tape, h)
            return h, [h, ops.reshape(new_tape, (batch, m * u)), count + 1.0]

        h_tape = ops.reshape(states[1], (batch, m, u))
        c_tape = ops.reshape(states[2], (batch, m, u))
        summary_prev = states[3]
        query = ops.concatenate([inputs, summary_prev], axis=-1)
        h_summary, weights = self._summary(query, h_tape, valid)
        c_summary = ops.squeeze(
            ops.matmul(ops.expand_dims(weights, 1), c_tape), 1
        )
        z = linear + ops.matmul(h_summary, self.recurrent_kernel)
        i, f, o, g = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(f) * c_summary + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c)
        return h, [
            h,
            ops.reshape(store(h_tape, h), (batch, m * u)),
            ops.reshape(store(c_tape, c), (batch, m * u)),
            h_summary,
            count + 1.0,
        ]

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, size), dtype=self.compute_dtype)
            for size in self.state_size
        ]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "memory_size": self.memory_size,
                "score_mode": self.score_mode,
                "cell_type": self.cell_type,
                "attention_units": self.attention_units,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "recurrent_initializer": keras.initializers.serialize(
                    self.recurrent_initializer
                ),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config
