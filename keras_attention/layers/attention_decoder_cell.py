"""One attention-decoder step: RNN cell + attention + input feeding + output."""

import keras
from keras import ops

from keras_attention.layers import attention_mechanisms as mechanisms_lib
from keras_attention.layers import attention_utils, loops
from keras_attention.layers.maxout import Maxout
from keras_attention.layers.memory import Memory

QUERY_MODES = ("previous", "current")
DEEP_OUTPUTS = (None, "maxout")


@keras.saving.register_keras_serializable(package="keras_attention")
class AttentionDecoderCell(keras.layers.Layer):
    """Wraps a Keras RNN cell with attention over a memory; one step per call.

    Calling the cell runs exactly one decoder step; that call is the single
    source of truth for a step: the teacher-forced loop (`AttentionDecoder`),
    the greedy/sampling/beam samplers and the exported decode signatures all
    run it.

    With `x_i` the step input (e.g. the embedded previous token), `s` the
    cell's output state, `c_i` the context and `a_i` the attention vector:

    - `query="previous"` (Bahdanau et al., 2015): `c_i = attend(s_{i-1})`,
      then `s_i = cell([x_i; c_i (; a_{i-1})], s_{i-1})`.
    - `query="current"` (Luong et al., 2015; `tfa.seq2seq.AttentionWrapper`):
      `s_i = cell([x_i (; a_{i-1})], s_{i-1})`, then `c_i = attend(s_i)`.
    - `a_i = tanh(W_c [c_i; s_i] + b_c)` with `attention_layer_size` units,
      `a_i = attention_layer([c_i; s_i])` with a custom `attention_layer`,
      or `a_i = c_i` when both are `None` (as tfa).
    - `input_feeding=True` feeds `a_{i-1}` into the next step's cell input
      (`cell_input_fn(x_i, a_{i-1})`, default concatenation).
    - `context_gate=True` scales each context by `β_i = σ(w_β · s_q + b_β)`
      (`s_q` the query state), the gating scalar of Show, Attend and Tell.
    - The step output is `maxout(U s_q + V x_i + C c_i)` with
      `deep_output="maxout"`, else `a_i` when `output_attention=True`, else
      `s_i` (always `s_i` without attention and without an attention layer).

    Several attention mechanisms (`attention=[BahdanauAttention(...),
    LuongAttention(...)]`, as tfa's `AttentionWrapper`) each compute a
    context from the same query, over one shared memory or one memory each;
    the contexts are concatenated (with a list of `attention_layer`s, each
    mechanism gets its own attention layer and their outputs are
    concatenated). `attention=None` gives the classic encoder–decoder
    without attention: the memory must then hold one vector per example,
    `(B, 1, D)` (e.g. the encoder's final state), used as the context at
    every step.

    States are a flat list: the cell's states, then `a_{i-1}` if
    `input_feeding`, then one `(B, S)` state per mechanism that keeps one
    (monotonic attention's previous alignment, coverage), then the step
    counter `(B, 1)` (used by local windows). `state_size` lists their
    sizes, `None` for the memory-length states.

    Args:
        cell: a Keras RNN cell (`LSTMCell`, `GRUCell`, `SimpleRNNCell`, ...).
        attention: an attention layer (`BahdanauAttention`, `LuongAttention`,
            the monotonic ones), a list of them, or `None`.
        query: `"previous"` or `"current"`, see above.
        input_feeding: whether to feed the previous attention vector.
        attention_layer_size: units of `W_c` (an int; a list with one int
            per mechanism), or `None` for `a_i = c_i`.
        output_attention: output `a_i` (True) or the cell output `s_i`.
        deep_output: `None` or `"maxout"`.
        deep_output_units: units of the maxout output (default: cell units).
        context_gate: gate each context with a learned scalar `β_i`.
        attention_layer: a Keras layer (or one per mechanism) mapping
            `[c_i; s_i]` to `a_i`, instead of `W_c` (e.g.
            `keras.layers.Dense(units, use_bias=False)` is tfa's attention
            layer exactly). Excludes `attention_layer_size`.
        cell_input_fn: a callable `(x_i, a_{i-1}) -> cell input` used with
            input feeding (tfa's `cell_input_fn`; default: concatenation).
            Register it with `keras.saving.register_keras_serializable()` to
            save the model.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: step input `(B, input_dim)`.
        states: list of state tensors (see `get_initial_state`).
        memory: a `Memory` (values, mask, projected keys; from
            `prepare_memory`), a tuple with one `Memory` per mechanism, or a
            `(B, S, memory_dim)` tensor (then `memory_mask` may be given).
        memory_mask: optional boolean `(B, S)` with a tensor `memory`.
        training: Python boolean.

    Returns:
        `(output, new_states, attention_weights)`; the weights are `(B, S)`
        (a tuple, one per mechanism, with several mechanisms).

    Example:

    >>> import numpy as np, keras
    >>> from keras_attention.layers import AttentionDecoderCell, BahdanauAttention
    >>> cell = AttentionDecoderCell(
    ...     keras.layers.GRUCell(8), BahdanauAttention(8), query="previous")
    >>> values = np.ones((2, 5, 6), "float32")
    >>> cell.build((None, 4), values.shape)
    >>> memory = cell.prepare_memory(values)  # keys projected once
    >>> states = cell.get_initial_state(batch_size=2, memory=memory)
    >>> out, states, weights = cell(np.ones((2, 4), "float32"), states, memory)
    >>> tuple(out.shape), tuple(weights.shape)
    ((2, 6), (2, 5))

    Reference:
        - [Bahdanau et al., 2015](https://arxiv.org/abs/1409.0473)
        - [Luong et al., 2015](https://arxiv.org/abs/1508.04025)
        - [Xu et al., 2015](https://arxiv.org/abs/1502.03044) (context gate)
    """

    def __init__(
        self,
        cell,
        attention=None,
        # How the attention enters and leaves the cell.
        query="previous", input_feeding=True, attention_layer_size=None,
        output_attention=True, deep_output=None, deep_output_units=None,
        context_gate=False,
        # tfa's AttentionWrapper's hooks.
        attention_layer=None, cell_input_fn=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        (
            cell, attention, mechanisms, attention_layer, attention_layer_size,
            cell_input_fn,
        ) = mechanisms_lib.check_cell_arguments(
            cell, attention, attention_layer, attention_layer_size, context_gate,
            cell_input_fn,
        )
        # The decoder applies the target mask itself (padded steps keep their
        # states); a step input may carry an embedding's Keras mask.
        self.supports_masking = True
        self.cell = cell
        self.attention = attention
        self.mechanisms = mechanisms
        self.query = attention_utils.validate_choice("query", query, QUERY_MODES)
        self.input_feeding = bool(input_feeding)
        self.attention_layer_size = attention_layer_size
        self.attention_layer = attention_layer
        self.output_attention = bool(output_attention)
        self.deep_output = attention_utils.validate_choice(
            "deep_output", deep_output, DEEP_OUTPUTS
        )
        self.deep_output_units = attention_utils.validate_positive_int(
            "deep_output_units", deep_output_units, allow_none=True
        )
        self.context_gate = bool(context_gate)
        self.cell_input_fn = cell_input_fn
        self._cell_state_sizes = loops.cell_state_sizes(cell)
        self.units = self._cell_state_sizes[0]
        self._attention_dense = mechanisms_lib.make_attention_dense(
            self.attention_layer_size, self.dtype_policy
        )
        self.maxout = None
        if self.deep_output == "maxout":
            self.maxout = Maxout(
                self.deep_output_units or self.units,
                name="deep_output",
                dtype=self.dtype_policy,
            )
        self.gate = None
        if self.context_gate:
            self.gate = keras.layers.Dense(
                len(mechanisms), activation="sigmoid", name="context_gate",
                dtype=self.dtype_policy,
            )

    # -- structure -------------------------------------------------------
    @property
    def attention_layers(self):
        """The layers mapping `[c; s]` to the attention vector (a list or None)."""
        layers = self.attention_layer if self.attention_layer is not None else (
            self._attention_dense
        )
        if layers is None:
            return None
        return layers if isinstance(layers, list) else [layers]

    @property
    def attention_dense(self):
        """The single `W_c` layer (or custom attention layer), if there is one."""
        layers = self.attention_layers
        return layers[0] if layers is not None and len(layers) == 1 else None

    @property
    def _per_mechanism_layers(self):
        """Whether each mechanism has its own attention layer (given as a list)."""
        given = self.attention_layer
        return isinstance(self.attention_layer_size if given is None else given, list)

    @property
    def _outputs_attention(self):
        # Without attention and without W_c, a_i would be the constant summary
        # vector: the cell output is the only sensible output then.
        has_vector = bool(self.mechanisms) or self.attention_layers is not None
        return self.output_attention and has_vector

    @property
    def num_cell_states(self):
        return len(self._cell_state_sizes)

    @property
    def stateful_mechanisms(self):
        """Indices of the mechanisms that keep a per-position state."""
        return [k for k, m in enumerate(self.mechanisms) if m.has_attention_state]

    @property
    def state_size(self):
        if not self.built:
            raise ValueError(
                "AttentionDecoderCell has no state size until it knows its memory, "
                "so it cannot run inside keras.layers.RNN by itself. Run it with "
                "keras_attention.layers.AttentionDecoder (teacher forcing, "
                "scheduled sampling) or a sampler (greedy/beam decoding), or call "
                "it step by step: cell.build(inputs_shape, memory_shape); memory = "
                "cell.prepare_memory(values, mask); states = "
                "cell.get_initial_state(batch_size, memory=memory); "
                "out, states, weights = cell(x, states, memory)."
            )
        sizes = list(self._cell_state_sizes)
        if self.input_feeding:
            sizes.append(self.attention_size)
        sizes += [None] * len(self.stateful_mechanisms)
        sizes.append(1)
        return sizes

    # -- building ---------------------------------------------------------
    def build(self, inputs_shape, memory_shape=None):
        memory_shapes = mechanisms_lib.memory_shapes(memory_shape, len(self.mechanisms))
        input_dim = int(inputs_shape[-1])
        if not self.mechanisms:
            context_dims = [int(memory_shapes[0][-1])]
        else:
            context_dims = []
            for mechanism, shape in zip(self.mechanisms, memory_shapes, strict=True):
                if not mechanism.built:
                    mechanism.build((None, self.units), tuple(shape))
                context_dims.append(mechanism.context_dim)
        self.context_dims = context_dims
        self.context_dim = sum(context_dims)
        layers = self.attention_layers
        if layers is None:
            self.attention_size = self.context_dim
        elif not self._per_mechanism_layers:
            layer = layers[0]
            if not layer.built:
                layer.build((None, self.context_dim + self.units))
            self.attention_size = int(
                layer.compute_output_shape((None, self.context_dim + self.units))[-1]
            )
        else:
            size = 0
            for layer, dim in zip(layers, context_dims, strict=True):
                if not layer.built:
                    layer.build((None, dim + self.units))
                size += int(layer.compute_output_shape((None, dim + self.units))[-1])
            self.attention_size = size
        rnn_input_dim = input_dim
        if self.query == "previous":
            rnn_input_dim += self.context_dim
        if self.input_feeding:
            if self.cell_input_fn is None:
                rnn_input_dim += self.attention_size
            else:
                probe = self.cell_input_fn(
                    ops.zeros((1, input_dim)), ops.zeros((1, self.attention_size))
                )
                rnn_input_dim += int(probe.shape[-1]) - input_dim
        self.rnn_input_dim = rnn_input_dim
        if not self.cell.built:
            self.cell.build((None, rnn_input_dim))
        if self.gate is not None and not self.gate.built:
            self.gate.build((None, self.units))
        if self.maxout is not None:
            if not self.maxout.built:
                self.maxout.build((None, self.units + input_dim + self.context_dim))
            self.output_size = self.maxout.num_units
        elif self._outputs_attention:
            self.output_size = self.attention_size
        else:
            self.output_size = self.units
        self.built = True

    # -- memory and states -------------------------------------------------
    def prepare_memory(self, values, mask=None):
        """The `Memory` the step attends over, with its keys projected once.

        Args:
            values: `(B, S, D)` (or a list, one per mechanism, with several
                mechanisms over different memories).
            mask: optional boolean `(B, S)` (or a list like `values`).

        Returns:
            A `Memory`, or a tuple of them (one per mechanism) when the
            mechanisms do not share one memory or need different keys.
        """
        return mechanisms_lib.prepare_memories(
            self.mechanisms, values, mask, self.compute_dtype
        )

    def _memories(self, memory, memory_mask=None):
        """A list with one `Memory` per mechanism (one without attention)."""
        return mechanisms_lib.per_mechanism(memory, memory_mask, len(self.mechanisms))

    def get_initial_state(self, batch_size=None, cell_states=None, dtype=None, memory=None):
        """The step's initial states.

        Args:
            batch_size: batch size (an int or a scalar tensor); taken from
                `cell_states` when given.
            cell_states: optional list of initial states for the wrapped cell
                (e.g. the encoder's final states, projected to the cell size).
            dtype: dtype of the zero states (default: the compute dtype).
            memory: the memory (needed when a mechanism keeps a per-position
                state, e.g. monotonic attention or coverage).
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
        stateful = self.stateful_mechanisms
        if stateful:
            if memory is None:
                raise ValueError(
                    "This cell's attention keeps a per-position state (monotonic "
                    "attention or coverage): pass `memory` to get_initial_state()."
                )
            memories = self._memories(memory)
            for k in stateful:
                values = memories[k].values
                states.append(
                    self.mechanisms[k].initial_attention_state(
                        batch_size, ops.shape(values)[1], "float32"
                    )
                )
        states.append(ops.zeros((batch_size, 1), dtype="float32"))
        return states

    # -- the step ------------------------------------------------------
    def _attend(self, query, memories, training, positions, attention_states):
        """Contexts and weights of every mechanism for a rank-2 or rank-3 query."""
        if not self.mechanisms:
            context = ops.cast(memories[0].values[:, 0, :], self.compute_dtype)
            if len(query.shape) == 3:
                context = ops.broadcast_to(
                    ops.expand_dims(context, 1),
                    (ops.shape(query)[0], ops.shape(query)[1], ops.shape(context)[-1]),
                )
            weights = ops.ones(tuple(ops.shape(query)[:-1]) + (1,), self.compute_dtype)
            return [context], [weights], []
        contexts, weights, new_states = [], [], []
        stateful = self.stateful_mechanisms
        for k, (mechanism, memory) in enumerate(zip(self.mechanisms, memories)):
            state = None
            if k in stateful and attention_states is not None:
                state = attention_states[stateful.index(k)]
            context, w, new_state = mechanism(
                query, memory.values, value_mask=memory.mask, projected_keys=memory.keys,
                training=training, query_positions=positions, attention_state=state,
                return_attention_state=True,
            )
            if k in stateful and state is not None:
                new_states.append(ops.cast(new_state, state.dtype))
            contexts.append(context)
            weights.append(w)
        if self.gate is not None:
            beta = self.gate(query)  # (..., K)
            contexts = [c * beta[..., k : k + 1] for k, c in enumerate(contexts)]
        return contexts, weights, new_states

    def _attention_vector(self, contexts, cell_output):
        layers = self.attention_layers
        if layers is None:
            return contexts[0] if len(contexts) == 1 else ops.concatenate(contexts, -1)
        if self._per_mechanism_layers:
            return ops.concatenate(
                [
                    layer(ops.concatenate([c, cell_output], axis=-1))
                    for layer, c in zip(layers, contexts, strict=True)
                ],
                axis=-1,
            )
        context = contexts[0] if len(contexts) == 1 else ops.concatenate(contexts, -1)
        return layers[0](ops.concatenate([context, cell_output], axis=-1))

    def _output(self, attention_vector, cell_output, query_state, inputs, contexts):
        if self.maxout is not None:
            return self.maxout(ops.concatenate([query_state, inputs, *contexts], axis=-1))
        return attention_vector if self._outputs_attention else cell_output

    def _weights_out(self, weights):
        return weights[0] if len(weights) == 1 else tuple(weights)

    def call(self, inputs, states, memory, memory_mask=None, training=None):
        memories = self._memories(memory, memory_mask)
        inputs = ops.cast(inputs, self.compute_dtype)
        states = list(states)
        n = self.num_cell_states
        cell_states = states[:n]
        feed = states[n] if self.input_feeding else None
        first = n + (1 if self.input_feeding else 0)
        attention_states = states[first:-1] or None
        counter = states[-1]
        positions = counter[:, 0]
        rnn_in = inputs
        contexts = weights = new_attention_states = None
        if self.query == "previous":
            query_state = cell_states[0]
            contexts, weights, new_attention_states = self._attend(
                query_state, memories, training, positions, attention_states
            )
            rnn_in = ops.concatenate([rnn_in, *contexts], -1)
        if self.input_feeding:
            if self.cell_input_fn is not None:
                rnn_in = self.cell_input_fn(rnn_in, feed)
            else:
                rnn_in = ops.concatenate([rnn_in, feed], -1)
        cell_output, new_cell_states = loops.call_cell(
            self.cell, rnn_in, cell_states, training=training
        )
        if self.query == "current":
            query_state = cell_output
            contexts, weights, new_attention_states = self._attend(
                cell_output, memories, training, positions, attention_states
            )
        attention_vector = self._attention_vector(contexts, cell_output)
        output = self._output(attention_vector, cell_output, query_state, inputs, contexts)
        new_states = list(new_cell_states)
        if self.input_feeding:
            new_states.append(attention_vector)
        new_states += list(new_attention_states or [])
        new_states.append(counter + 1.0)
        return output, new_states, self._weights_out(weights)

    def step(self, inputs, states, memory, memory_mask=None, training=None, keys=None):
        """One decoder step: the same as calling the cell (kept for old code).

        `keys` (projected keys from before `Memory` existed) may be given
        with a tensor `memory`.
        """
        if keys is not None and not isinstance(memory, Memory):
            memory = Memory(memory, memory_mask, keys)
            memory_mask = None
        return self(inputs, states, memory, memory_mask=memory_mask, training=training)

    def _all_steps(self, cell_outputs, inputs, memory, training=None):
        """The post-RNN half of a step for every time step at once.

        Valid for `query="current"` without input feeding and without
        per-position attention states, where the cell's outputs do not
        depend on attention: attention for all steps is then one batched
        product (`AttentionDecoder`'s fast path). Call it inside a layer call.

        Returns:
            `(outputs (B, T, output_size), attention_weights (B, T, S))`.
        """
        inputs = ops.cast(inputs, self.compute_dtype)
        contexts, weights, _ = self._attend(
            cell_outputs, self._memories(memory), training, None, None
        )
        attention_vector = self._attention_vector(contexts, cell_outputs)
        output = self._output(attention_vector, cell_outputs, cell_outputs, inputs, contexts)
        return output, self._weights_out(weights)

    @property
    def supports_all_steps(self):
        """Whether attention can run on all steps at once (see `AttentionDecoder`)."""
        return (
            self.query == "current"
            and not self.input_feeding
            and not self.stateful_mechanisms
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": keras.layers.serialize(self.cell),
                "attention": mechanisms_lib.serialize_layers(self.attention),
                "query": self.query,
                "input_feeding": self.input_feeding,
                "attention_layer_size": self.attention_layer_size,
                "output_attention": self.output_attention,
                "deep_output": self.deep_output,
                "deep_output_units": self.deep_output_units,
                "context_gate": self.context_gate,
                "attention_layer": mechanisms_lib.serialize_layers(self.attention_layer),
                "cell_input_fn": None
                if self.cell_input_fn is None
                else keras.saving.serialize_keras_object(self.cell_input_fn),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
