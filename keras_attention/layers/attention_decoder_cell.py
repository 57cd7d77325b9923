"""One attention-decoder step: RNN cell + attention + input feeding + output."""

import keras
from keras import ops

from keras_attention.layers import attention_utils, loops
from keras_attention.layers.maxout import Maxout

QUERY_MODES = ("previous", "current")
DEEP_OUTPUTS = (None, "maxout")


@keras.saving.register_keras_serializable(package="keras_attention")
class AttentionDecoderCell(keras.layers.Layer):
    """Wraps a Keras RNN cell with attention over a memory; one step at a time.

    `step()` is the single source of truth for a decoder step: the
    teacher-forced loop (`AttentionDecoder`), the greedy/sampling/beam
    samplers and the exported decode signatures all call it.

    With `x_i` the step input (e.g. the embedded previous token), `s` the
    cell's output state, `c_i` the context and `a_i` the attention vector:

    - `query="previous"` (Bahdanau et al., 2015): `c_i = attend(s_{i-1})`,
      then `s_i = cell([x_i; c_i (; a_{i-1})], s_{i-1})`.
    - `query="current"` (Luong et al., 2015; `tfa.seq2seq.AttentionWrapper`):
      `s_i = cell([x_i (; a_{i-1})], s_{i-1})`, then `c_i = attend(s_i)`.
    - `a_i = tanh(W_c [c_i; s_i] + b_c)` with `attention_layer_size` units,
      or `a_i = c_i` when `attention_layer_size=None` (as tfa).
    - `input_feeding=True` feeds `a_{i-1}` into the next step's cell input.
    - The step output is `maxout(U s_q + V x_i + C c_i)` with
      `deep_output="maxout"` (`s_q` the query state), else `a_i` when
      `output_attention=True`, else `s_i` (always `s_i` without attention
      and without `attention_layer_size`).

    `attention=None` gives the classic encoder–decoder without attention:
    the memory must then hold one vector per example, `(B, 1, D)` (e.g. the
    encoder's final state), used as the context at every step.

    States are a flat list: the cell's states, then `a_{i-1}` if
    `input_feeding`, then the step counter `(B, 1)` (used by local windows).

    Args:
        cell: a Keras RNN cell (`LSTMCell`, `GRUCell`, `SimpleRNNCell`, ...).
        attention: a `BahdanauAttention` / `LuongAttention` layer, or `None`.
        query: `"previous"` or `"current"`, see above.
        input_feeding: whether to feed the previous attention vector.
        attention_layer_size: units of `W_c`, or `None` for `a_i = c_i`.
        output_attention: output `a_i` (True) or the cell output `s_i`.
        deep_output: `None` or `"maxout"`.
        deep_output_units: units of the maxout output (default: cell units).
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: step input `(B, input_dim)`.
        states: list of state tensors (see `get_initial_state`).
        memory: `(B, S, memory_dim)`, e.g. encoder outputs.
        memory_mask: optional boolean `(B, S)`.
        training: Python boolean.

    Returns:
        `(output, new_states, attention_weights)`; the weights are `(B, S)`.

    Example:

    >>> import numpy as np, keras
    >>> from keras_attention.layers import AttentionDecoderCell, BahdanauAttention
    >>> cell = AttentionDecoderCell(
    ...     keras.layers.GRUCell(8), BahdanauAttention(8), query="previous")
    >>> memory = np.ones((2, 5, 6), "float32")
    >>> cell.build((None, 4), memory.shape)
    >>> states = cell.get_initial_state(batch_size=2)
    >>> out, states, weights = cell.step(np.ones((2, 4), "float32"), states, memory)
    >>> tuple(out.shape), tuple(weights.shape)
    ((2, 6), (2, 5))

    Reference:
        - [Bahdanau et al., 2015](https://arxiv.org/abs/1409.0473)
        - [Luong et al., 2015](https://arxiv.org/abs/1508.04025)
    """

    def __init__(
        self,
        cell,
        attention=None,
        query="previous",
        input_feeding=True,
        attention_layer_size=None,
        output_attention=True,
        deep_output=None,
        deep_output_units=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(cell, dict):
            cell = keras.layers.deserialize(cell)
        if not (hasattr(cell, "state_size") and callable(cell)):
            raise ValueError(
                "`cell` must be a Keras RNN cell (e.g. keras.layers.GRUCell(64)). "
                f"Received: cell={cell!r}"
            )
        if isinstance(attention, dict):
            attention = keras.layers.deserialize(attention)
        if attention is not None and not hasattr(attention, "attend"):
            raise ValueError(
                "`attention` must be a BahdanauAttention or LuongAttention layer "
                f"(or None). Received: attention={attention!r}"
            )
        self.cell = cell
        self.attention = attention
        self.query = attention_utils.validate_choice("query", query, QUERY_MODES)
        self.input_feeding = bool(input_feeding)
        self.attention_layer_size = attention_utils.validate_positive_int(
            "attention_layer_size", attention_layer_size, allow_none=True
        )
        self.output_attention = bool(output_attention)
        self.deep_output = attention_utils.validate_choice(
            "deep_output", deep_output, DEEP_OUTPUTS
        )
        self.deep_output_units = attention_utils.validate_positive_int(
            "deep_output_units", deep_output_units, allow_none=True
        )
        self._cell_state_sizes = loops.cell_state_sizes(cell)
        self.units = self._cell_state_sizes[0]
        self.attention_dense = None
        if self.attention_layer_size:
            self.attention_dense = keras.layers.Dense(
                self.attention_layer_size,
                activation="tanh",
                name="attention_layer",
                dtype=self.dtype_policy,
            )
        self.maxout = None
        if self.deep_output == "maxout":
            self.maxout = Maxout(
                self.deep_output_units or self.units,
                name="deep_output",
                dtype=self.dtype_policy,
            )

    @property
    def _outputs_attention(self):
        # Without attention and without W_c, a_i would be the constant summary
        # vector: the cell output is the only sensible output then.
        has_vector = self.attention is not None or self.attention_dense is not None
        return self.output_attention and has_vector

    # -- shapes --------------------------------------------------------
    @property
    def num_cell_states(self):
        return len(self._cell_state_sizes)

    def build(self, inputs_shape, memory_shape=None):
        if memory_shape is None or len(memory_shape) != 3 or memory_shape[-1] is None:
            raise ValueError(
                "AttentionDecoderCell.build needs the memory shape "
                "(batch, memory_length, memory_dim) with a known last dimension. "
                f"Received: memory_shape={memory_shape}"
            )
        input_dim = int(inputs_shape[-1])
        memory_dim = int(memory_shape[-1])
        if self.attention is None:
            context_dim = memory_dim
        else:
            if not self.attention.built:
                self.attention.build((None, self.units), tuple(memory_shape))
            context_dim = self.attention._value_dim
        self.context_dim = context_dim
        self.attention_size = self.attention_layer_size or context_dim
        rnn_input_dim = input_dim
        if self.query == "previous":
            rnn_input_dim += context_dim
        if self.input_feeding:
            rnn_input_dim += self.attention_size
        self.rnn_input_dim = rnn_input_dim
        if not self.cell.built:
            self.cell.build((None, rnn_input_dim))
        if self.attention_dense is not None and not self.attention_dense.built:
            self.attention_dense.build((None, context_dim + self.units))
        if self.maxout is not None:
            if not self.maxout.built:
                self.maxout.build((None, self.units + input_dim + context_dim))
            self.output_size = self.maxout.num_units
        elif self._outputs_attention:
            self.output_size = self.attention_size
        else:
            self.output_size = self.units
        self.state_size = list(self._cell_state_sizes)
        if self.input_feeding:
            self.state_size.append(self.attention_size)
        self.state_size.append(1)
        self.built = True

    def _ensure_built(self, inputs, memory):
        if not self.built:
            self.build(tuple(inputs.shape), tuple(memory.shape))

    def get_initial_state(self, batch_size=None, cell_states=None, dtype=None):
        """The step's initial states.

        Args:
            batch_size: batch size (an int or a scalar tensor); taken from
                `cell_states` when given.
            cell_states: optional list of initial states for the wrapped cell
                (e.g. the encoder's final states, projected to the cell size).
            dtype: dtype of the zero states (default: the compute dtype).
        """
        if not self.built:
            raise ValueError(
                "Build the AttentionDecoderCell (or run it once) before "
                "get_initial_state(): the size of the fed attention vector "
                "depends on the memory."
            )
        dtype = dtype or self.compute_dtype
        if cell_states is None:
            states = [
                ops.zeros((batch_size, size), dtype=dtype)
                for size in self._cell_state_sizes
            ]
        else:
            states = list(cell_states) if isinstance(cell_states, (list, tuple)) else [
                cell_states
            ]
            if len(states) != self.num_cell_states:
                raise ValueError(
                    f"`cell_states` must hold {self.num_cell_states} tensor(s) for "
                    f"{type(self.cell).__name__}. Received: {len(states)}"
                )
            batch_size = ops.shape(states[0])[0]
        if self.input_feeding:
            states.append(ops.zeros((batch_size, self.attention_size), dtype=dtype))
        states.append(ops.zeros((batch_size, 1), dtype="float32"))
        return states

    # -- the step ------------------------------------------------------
    def precompute_keys(self, memory):
        """Keys projected once per memory (`None` without attention)."""
        if self.attention is None:
            return None
        return self.attention.precompute_keys(memory)

    def _context(self, query, memory, memory_mask, keys, training, positions):
        """Context and weights for a rank-2 or rank-3 query."""
        if self.attention is None:
            context = memory[:, 0, :]
            if len(query.shape) == 3:
                context = ops.broadcast_to(
                    ops.expand_dims(context, 1),
                    (ops.shape(query)[0], ops.shape(query)[1], ops.shape(context)[-1]),
                )
            weights = ops.ones(tuple(ops.shape(query)[:-1]) + (1,), self.compute_dtype)
            return ops.cast(context, self.compute_dtype), weights
        if keys is None:
            keys = self.attention.precompute_keys(memory)
        return self.attention.attend(
            query,
            memory,
            keys,
            value_mask=memory_mask,
            training=training,
            query_positions=positions,
        )

    def _attention_vector(self, context, cell_output):
        if self.attention_dense is None:
            return context
        return self.attention_dense(ops.concatenate([context, cell_output], axis=-1))

    def _output(self, attention_vector, cell_output, query_state, inputs, context):
        if self.maxout is not None:
            return self.maxout(
                ops.concatenate([query_state, inputs, context], axis=-1)
            )
        return attention_vector if self._outputs_attention else cell_output

    def step(self, inputs, states, memory, memory_mask=None, training=None, keys=None):
        """Runs exactly one decoder step.

        Args:
            inputs: `(B, input_dim)`.
            states: list of state tensors.
            memory: `(B, S, memory_dim)`.
            memory_mask: optional boolean `(B, S)`.
            training: Python boolean.
            keys: `precompute_keys(memory)`; computed here if `None` (pass it
                in a loop so the memory is projected once per sequence).

        Returns:
            `(output, new_states, attention_weights)`.
        """
        self._ensure_built(inputs, memory)
        inputs = ops.cast(inputs, self.compute_dtype)
        states = list(states)
        n = self.num_cell_states
        cell_states = states[:n]
        feed = states[n] if self.input_feeding else None
        counter = states[-1]
        positions = counter[:, 0]
        rnn_parts = [inputs]
        if self.query == "previous":
            query_state = cell_states[0]
            context, weights = self._context(
                query_state, memory, memory_mask, keys, training, positions
            )
            rnn_parts.append(context)
        if self.input_feeding:
            rnn_parts.append(feed)
        rnn_in = rnn_parts[0] if len(rnn_parts) == 1 else ops.concatenate(rnn_parts, -1)
        cell_output, new_cell_states = loops.call_cell(
            self.cell, rnn_in, cell_states, training=training
        )
        if self.query == "current":
            query_state = cell_output
            context, weights = self._context(
                cell_output, memory, memory_mask, keys, training, positions
            )
        attention_vector = self._attention_vector(context, cell_output)
        output = self._output(attention_vector, cell_output, query_state, inputs, context)
        new_states = list(new_cell_states)
        if self.input_feeding:
            new_states.append(attention_vector)
        new_states.append(counter + 1.0)
        return output, new_states, weights

    def step_all(
        self, cell_outputs, inputs, memory, memory_mask=None, training=None, keys=None
    ):
        """The post-RNN half of `step` for every time step at once.

        Valid for `query="current"` without input feeding, where the cell's
        outputs do not depend on attention: attention for all steps is then
        one batched product (`AttentionDecoder`'s fast path).

        Args:
            cell_outputs: `(B, T, units)`, the cell run over the whole input.
            inputs: `(B, T, input_dim)`.

        Returns:
            `(outputs (B, T, output_size), attention_weights (B, T, S))`.
        """
        if self.query != "current" or self.input_feeding:
            raise ValueError(
                "step_all() applies only to query='current' without input "
                f"feeding. Received: query={self.query!r}, "
                f"input_feeding={self.input_feeding}"
            )
        inputs = ops.cast(inputs, self.compute_dtype)
        context, weights = self._context(
            cell_outputs, memory, memory_mask, keys, training, None
        )
        attention_vector = self._attention_vector(context, cell_outputs)
        output = self._output(attention_vector, cell_outputs, cell_outputs, inputs, context)
        return output, weights

    def call(self, inputs, states, memory, memory_mask=None, training=None):
        return self.step(inputs, states, memory, memory_mask, training=training)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": keras.layers.serialize(self.cell),
                "attention": (
                    None
                    if self.attention is None
                    else keras.layers.serialize(self.attention)
                ),
                "query": self.query,
                "input_feeding": self.input_feeding,
                "attention_layer_size": self.attention_layer_size,
                "output_attention": self.output_attention,
                "deep_output": self.deep_output,
                "deep_output_units": self.deep_output_units,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["cell"] = keras.layers.deserialize(config["cell"])
        if config.get("attention") is not None:
            config["attention"] = keras.layers.deserialize(config["attention"])
        return cls(**config)
