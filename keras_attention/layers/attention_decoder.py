"""Runs the `AttentionDecoderCell` step over a whole target sequence."""

import keras
from keras import ops

from keras_attention.layers import attention_utils, loops
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell
from keras_attention.layers.memory import Memory


@keras.saving.register_keras_serializable(package="keras_attention")
class AttentionDecoder(keras.layers.Layer):
    """Teacher-forced attention decoder over a sequence, with scheduled sampling.

    Runs the cell's step (its call) over the time axis in a `keras.ops` loop,
    projecting the memory's keys once per sequence. When the cell's outputs do not depend on
    attention (`query="current"` without input feeding) it takes the fast
    path instead: the wrapped RNN cell runs over the whole sequence first and
    attention for every step is one batched product (same results).

    If an `embedding` and an `output_layer` are given, the decoder takes
    token ids and returns logits, and supports scheduled sampling (Bengio et
    al., 2015): in training, the input at step `i > 0` is, with probability
    `sampling_probability`, the model's own previous prediction (arg-max)
    instead of the true token. `sampling_probability` is a non-trainable
    variable (0 by default: pure teacher forcing) that a callback can set,
    e.g. `keras_attention.callbacks.ScheduledSampling`.

    Args:
        cell: an `AttentionDecoderCell`.
        embedding: optional `keras.layers.Embedding` for token-id inputs.
        output_layer: optional layer mapping step outputs to logits.
        seed: integer seed for the scheduled-sampling coin flips.
        **kwargs: base `Layer` arguments.

    Call arguments:
        inputs: `(B, T, input_dim)` step inputs, or `(B, T)` token ids when an
            `embedding` is set (teacher forcing: `[start, y_1, …, y_{T-1}]`).
        memory: `(B, S, memory_dim)`.
        memory_mask: optional boolean `(B, S)`; filled from Keras masking.
        initial_state: optional list, either the wrapped cell's states (e.g.
            the encoder's final state) or the full step states.
        mask: optional boolean `(B, T)` for padded targets; padded steps keep
            the previous states. Filled from Keras masking.
        training: Python boolean.

    Returns:
        `(outputs, final_states, attention_weights)`: outputs `(B, T, units)`
        (logits `(B, T, vocab)` with an `output_layer`), the full list of step
        states after the last unpadded step, and the alignments `(B, T, S)`.

    Example:

    >>> import numpy as np, keras
    >>> from keras_attention.layers import (
    ...     AttentionDecoder, AttentionDecoderCell, LuongAttention)
    >>> cell = AttentionDecoderCell(
    ...     keras.layers.LSTMCell(8), LuongAttention("general"),
    ...     query="current", input_feeding=False, attention_layer_size=8)
    >>> decoder = AttentionDecoder(cell)
    >>> memory = np.ones((2, 5, 8), "float32")
    >>> out, states, alignments = decoder(np.ones((2, 3, 4), "float32"), memory)
    >>> tuple(out.shape), tuple(alignments.shape)
    ((2, 3, 8), (2, 3, 5))
    """

    def __init__(self, cell, embedding=None, output_layer=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        cell = attention_utils.deserialize_layer(
            "cell",
            cell,
            lambda c: isinstance(c, AttentionDecoderCell),
            "an AttentionDecoderCell",
        )
        embedding = attention_utils.deserialize_layer("embedding", embedding)
        output_layer = attention_utils.deserialize_layer("output_layer", output_layer)
        if (embedding is None) != (output_layer is None):
            raise ValueError(
                "Pass both `embedding` and `output_layer` (token ids in, logits "
                "out) or neither. Received: "
                f"embedding={'set' if embedding is not None else None}, "
                f"output_layer={'set' if output_layer is not None else None}"
            )
        self.cell = cell
        self.embedding = embedding
        self.output_layer = output_layer
        self.seed = seed
        self.supports_masking = True
        # On TensorFlow, XLA cannot compile the gradient of the time loop
        # (tf2xla rejects the variable reads inside the while_loop's
        # gradient), and Keras resolves compile(jit_compile="auto") to XLA on
        # GPUs unless a layer opts out. JAX needs jit (and scans compile).
        self.supports_jit = loops.supports_jit()
        if embedding is not None:
            self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def uses_fast_path(self):
        return self.cell.supports_all_steps

    @property
    def takes_tokens(self):
        return self.embedding is not None

    def build(self, inputs_shape, memory_shape=None):
        if memory_shape is None:
            raise ValueError("AttentionDecoder.build needs `memory_shape`.")
        if self.takes_tokens:
            if not self.embedding.built:
                self.embedding.build(tuple(inputs_shape))
            step_dim = self.embedding.output_dim
        else:
            step_dim = inputs_shape[-1]
        if not self.cell.built:
            self.cell.build((None, step_dim), memory_shape)
        if self.output_layer is not None and not self.output_layer.built:
            self.output_layer.build((None, self.cell.output_size))
        if self.takes_tokens:
            self.sampling_probability = self.add_weight(
                name="sampling_probability",
                shape=(),
                initializer="zeros",
                trainable=False,
                dtype="float32",
            )
        self.built = True

    # -- the pieces the samplers and the export endpoints run ----------------
    def prepare_memory(self, memory, memory_mask=None):
        """The `Memory` to decode over: values, mask and keys projected once.

        Args:
            memory: `(B, S, D)` values (or a `Memory`, or a list per mechanism).
            memory_mask: optional boolean `(B, S)`.

        Returns:
            A `Memory` (a tuple of them with several mechanisms over their
            own memories), to pass to `decode_step` at every step.
        """
        return self.cell.prepare_memory(memory, memory_mask)

    def get_initial_state(self, batch_size=None, cell_states=None, memory=None):
        """Full step states from optional wrapped-cell states."""
        if cell_states is not None:
            cell_states = list(cell_states) if isinstance(cell_states, (list, tuple)) else [cell_states]
            if len(cell_states) == len(self.cell.state_size):
                return cell_states
        return self.cell.get_initial_state(
            batch_size=batch_size, cell_states=cell_states, memory=memory
        )

    def decode_step(self, tokens, states, memory, memory_mask=None, keys=None, training=None):
        """One step from token ids: embed, run the cell, project to logits.

        Args:
            tokens: int `(B,)`, the previous tokens.
            states: the step states.
            memory: a `Memory` from `prepare_memory` (or values with
                `memory_mask` and `keys`, as before `Memory` existed).

        Returns:
            `(logits (B, vocab), new_states, attention_weights (B, S))`.
            Used by the samplers and the exported decode signatures.
        """
        if not self.takes_tokens:
            raise ValueError(
                "decode_step() needs an AttentionDecoder built with `embedding` "
                "and `output_layer`."
            )
        if keys is not None and not isinstance(memory, Memory):
            memory, memory_mask = Memory(memory, memory_mask, keys), None
        x = self.embedding(tokens)
        output, states, weights = self.cell(
            x, states, memory, memory_mask=memory_mask, training=training
        )
        return self.output_layer(output), states, weights

    # -- the sequence loop ----------------------------------------------
    def _teacher_forced(self, x, memory, states, mask, training):
        """Outputs `(B, T, O)`, final states and weights `(B, T, S)`."""
        cell = self.cell
        batch = ops.shape(x)[0]
        if training:
            loops.prime_dropout_masks(
                cell.cell,
                x[:, 0]
                if self.uses_fast_path
                else ops.zeros((batch, cell.rnn_input_dim), x.dtype),
                states[: cell.num_cell_states],
            )
        steps = ops.shape(x)[1]
        x_tm = loops.time_major(x)
        m_tm = (
            ops.ones((steps, batch), "bool")
            if mask is None
            else loops.time_major(ops.cast(mask, "bool"))
        )

        if self.uses_fast_path:
            n = cell.num_cell_states
            zero_out = ops.zeros((batch, cell.units), cell.compute_dtype)

            def rnn_body(cell_states, xs):
                x_t, m_t = xs
                out, new_states = loops.call_cell(
                    cell.cell, x_t, cell_states, training=training
                )
                m = ops.expand_dims(m_t, -1)
                new_states = [ops.where(m, ns, s) for ns, s in zip(new_states, cell_states)]
                return new_states, out

            final_cell_states, outs = loops.scan(
                rnn_body, list(states[:n]), (x_tm, m_tm), zero_out, stateful=[self]
            )
            cell_outputs = loops.batch_major(outs)
            outputs, weights = cell._all_steps(cell_outputs, x, memory, training=training)
            lengths = ops.sum(ops.cast(m_tm, "float32"), axis=0)
            final_states = list(final_cell_states) + [
                states[-1] + ops.expand_dims(lengths, -1)
            ]
        else:
            zero_out = ops.zeros((batch, cell.output_size), cell.compute_dtype)
            zero_w = self._zero_weights(batch, memory)

            def step_body(step_states, xs):
                x_t, m_t = xs
                out, new_states, w = cell(x_t, step_states, memory, training=training)
                m = ops.expand_dims(m_t, -1)
                new_states = [ops.where(m, ns, s) for ns, s in zip(new_states, step_states)]
                return new_states, (out, w)

            final_states, (outs, ws) = loops.scan(
                step_body, list(states), (x_tm, m_tm), (zero_out, zero_w), stateful=[self]
            )
            final_states = list(final_states)
            outputs = loops.batch_major(outs)
            weights = keras.tree.map_structure(loops.batch_major, ws)
        if training:
            loops.reset_dropout_masks(cell.cell)
        return outputs, final_states, weights

    def _zero_weights(self, batch, memory):
        """Zeros shaped like one step's attention weights (the loop buffers)."""
        memories = self.cell._memories(memory)
        if self.cell.attention is None:
            return ops.zeros((batch, 1), self.cell.compute_dtype)
        zeros = [
            ops.zeros((batch, ops.shape(m.values)[1]), self.cell.compute_dtype)
            for m in memories
        ]
        return zeros[0] if len(zeros) == 1 else tuple(zeros)

    def _project(self, outputs, mask, training):
        """Logits from step outputs; in training, only at unpadded steps.

        The vocabulary projection is the largest product of a training step.
        Padded steps are excluded from the loss (the outputs carry the target
        mask), so in training their logits are not computed: they come back
        as zeros. At inference every step is projected.
        """
        if training and mask is not None:
            return loops.project_where(self.output_layer, outputs, mask)
        return self.output_layer(outputs)

    def _scheduled(self, tokens, memory, states, mask, use_prediction):
        """Training loop that feeds back arg-max predictions; returns logits."""
        batch, steps = ops.shape(tokens)[0], ops.shape(tokens)[1]
        m_tm = (
            ops.ones((steps, batch), "bool")
            if mask is None
            else loops.time_major(ops.cast(mask, "bool"))
        )
        vocab = self.output_layer.compute_output_shape((None, self.cell.output_size))[-1]
        zero_logits = ops.zeros((batch, vocab), self.output_layer.compute_dtype)
        zero_w = self._zero_weights(batch, memory)
        loops.prime_dropout_masks(
            self.cell.cell,
            ops.zeros((batch, self.cell.rnn_input_dim), self.compute_dtype),
            states[: self.cell.num_cell_states],
        )

        def body(carry, xs):
            step_states, prev_logits = carry
            true_t, coin_t, m_t = xs
            predicted = ops.cast(ops.top_k(prev_logits, 1)[1][:, 0], true_t.dtype)
            token = ops.where(coin_t, predicted, true_t)
            logits, new_states, w = self.decode_step(
                token, step_states, memory, training=True
            )
            m = ops.expand_dims(m_t, -1)
            new_states = [ops.where(m, ns, s) for ns, s in zip(new_states, step_states)]
            return (new_states, logits), (logits, w)

        (final_states, _), (logits, ws) = loops.scan(
            body,
            (list(states), zero_logits),
            (loops.time_major(tokens), use_prediction, m_tm),
            (zero_logits, zero_w),
            stateful=[self],
        )
        loops.reset_dropout_masks(self.cell.cell)
        return (
            loops.batch_major(logits),
            list(final_states),
            keras.tree.map_structure(loops.batch_major, ws),
        )

    def _sampling_coins(self, tokens):
        """Per-step, per-example coins: True where the prediction is fed back.

        Drawn before any loop or branch (a backend cannot draw inside a
        JAX loop body or `cond` branch), one independent coin per example
        and step; step 0 always reads the true start token.
        """
        batch, steps = ops.shape(tokens)[0], ops.shape(tokens)[1]
        coins = keras.random.uniform((steps, batch), seed=self.seed_generator)
        use_prediction = coins < ops.cast(self.sampling_probability, coins.dtype)
        first = ops.expand_dims(ops.arange(steps) == 0, -1)
        return ops.logical_and(use_prediction, ops.logical_not(first))

    def _check_call_inputs(self, inputs, mask, initial_state):
        """Clear errors for step inputs, a target mask or initial states that
        do not fit (static shapes), before the loop or a MatMul meets them."""
        shape = tuple(getattr(inputs, "shape", ()))
        if len(shape) != (2 if self.takes_tokens else 3):
            expected = ("(batch, steps) token ids: this decoder has an `embedding`"
                        if self.takes_tokens else
                        "(batch, steps, input_dim): this decoder has no `embedding` for "
                        "token ids")
            raise ValueError(f"`inputs` must have shape {expected}. Received: "
                             f"inputs.shape={shape}")

        differ = attention_utils.dims_differ
        m = None if mask is None else tuple(getattr(mask, "shape", ()))
        if m is not None and (len(m) != 2 or differ(m[0], shape[0]) or differ(m[1], shape[1])):
            raise ValueError(f"`mask` must have shape (batch, steps) = {shape[:2]}, like "
                             f"`inputs`. Received: mask.shape={m}")
        if initial_state is None or not self.cell.built:
            return
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        sizes = loops.cell_state_sizes(self.cell.cell)
        if len(states) != len(sizes):
            return  # the cell names the expected count
        for i, (state, size) in enumerate(zip(states, sizes, strict=True)):
            s = tuple(getattr(state, "shape", ()))
            if len(s) != 2 or differ(s[1], size) or differ(s[0], shape[0]):
                raise ValueError(
                    f"`initial_state[{i}]` must have shape (batch, {size}) (batch as "
                    f"`inputs`, {size}: the state size of the wrapped "
                    f"{type(self.cell.cell).__name__}). Received: "
                    f"initial_state[{i}].shape={s} with inputs.shape={shape}")

    def _setup(self, inputs, memory, memory_mask, initial_state, mask=None):
        """Prepare the memory (keys projected once), fill the target mask, initial states."""
        self._check_call_inputs(inputs, mask, initial_state)
        memory = self.prepare_memory(memory, memory_mask)
        if mask is None and self.takes_tokens and self.embedding.mask_zero:
            mask = ops.not_equal(inputs, 0)
        states = self.get_initial_state(
            batch_size=ops.shape(inputs)[0], cell_states=initial_state, memory=memory
        )
        return memory, mask, states

    def call(
        self,
        inputs,
        memory,
        memory_mask=None,
        initial_state=None,
        mask=None,
        training=None,
        positions=None,
    ):
        """See the class docstring; `positions` selects logits (token rows).

        With `positions` (int `(N,)`, flat indices `row · T + step` into the
        `(B, T)` targets; token-id decoders only), the vocabulary projection
        runs on those positions only and the logits come back as `(N, vocab)`
        (no `(B, T, vocab)` tensor is made): a training step that scores only
        the non-padding tokens uses it.
        """
        memory, mask, states = self._setup(
            inputs, memory, memory_mask, initial_state, mask
        )
        if not self.takes_tokens:
            return self._teacher_forced(inputs, memory, states, mask, training)
        tokens = inputs

        def teacher():
            x = self.embedding(tokens)
            outputs, final_states, weights = self._teacher_forced(
                x, memory, states, mask, training
            )
            if positions is not None:
                rows = _take_rows(outputs, positions)
                return self.output_layer(rows), final_states, weights
            return self._project(outputs, mask, training), final_states, weights

        if not training:
            return teacher()
        use_prediction = self._sampling_coins(tokens)

        def scheduled():
            logits, final_states, weights = self._scheduled(
                tokens, memory, states, mask, use_prediction
            )
            if positions is not None:
                logits = _take_rows(logits, positions)
            return logits, final_states, weights

        return loops.cond(
            self.sampling_probability > 0.0, scheduled, teacher, stateful=[self]
        )

    def compute_mask(self, inputs, previous_mask=None):
        # Only the outputs (the first of the returned values) carry a mask.
        if previous_mask is None and self.takes_tokens and self.embedding.mask_zero:
            return ops.not_equal(inputs, 0)
        return previous_mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "cell": keras.layers.serialize(self.cell),
                "embedding": None
                if self.embedding is None
                else keras.layers.serialize(self.embedding),
                "output_layer": None
                if self.output_layer is None
                else keras.layers.serialize(self.output_layer),
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("cell", "embedding", "output_layer"):
            if config.get(key) is not None:
                config[key] = keras.layers.deserialize(config[key])
        return cls(**config)


def _take_rows(x, positions):
    """`(B, T, D)` → `(N, D)`: the rows at flat positions `row · T + step`."""
    shape = ops.shape(x)
    flat = ops.reshape(x, (shape[0] * shape[1], shape[2]))
    return ops.take(flat, ops.cast(positions, "int32"), axis=0)
