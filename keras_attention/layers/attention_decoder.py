"""Runs `AttentionDecoderCell.step` over a whole target sequence."""

import keras
from keras import ops

from keras_attention.layers import loops
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell


@keras.saving.register_keras_serializable(package="keras_attention")
class AttentionDecoder(keras.layers.Layer):
    """Teacher-forced attention decoder over a sequence, with scheduled sampling.

    Runs `cell.step` over the time axis in a `keras.ops` loop, projecting the
    memory's keys once per sequence. When the cell's outputs do not depend on
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
        if isinstance(cell, dict):
            cell = keras.layers.deserialize(cell)
        if not isinstance(cell, AttentionDecoderCell):
            raise ValueError(
                "`cell` must be an AttentionDecoderCell. "
                f"Received: cell={cell!r}"
            )
        if isinstance(embedding, dict):
            embedding = keras.layers.deserialize(embedding)
        if isinstance(output_layer, dict):
            output_layer = keras.layers.deserialize(output_layer)
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
        # XLA cannot compile the gradient of the time loop (tf2xla rejects the
        # variable reads inside the while_loop's gradient). Keras resolves
        # compile(jit_compile="auto") to XLA on GPUs unless a layer opts out.
        self.supports_jit = False
        if embedding is not None:
            self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def uses_fast_path(self):
        return self.cell.query == "current" and not self.cell.input_feeding

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
            self.cell.build((None, step_dim), tuple(memory_shape))
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

    # -- helpers shared with the samplers -------------------------------
    def prepare_memory(self, memory):
        """Keys of the memory, projected once (pass them to `decode_step`)."""
        return self.cell.precompute_keys(ops.cast(memory, self.compute_dtype))

    def get_initial_state(self, batch_size=None, cell_states=None):
        """Full step states from optional wrapped-cell states."""
        if cell_states is not None:
            cell_states = list(cell_states) if isinstance(cell_states, (list, tuple)) else [cell_states]
            if len(cell_states) == len(self.cell.state_size):
                return cell_states
        return self.cell.get_initial_state(batch_size=batch_size, cell_states=cell_states)

    def decode_step(self, tokens, states, memory, memory_mask=None, keys=None, training=None):
        """One step from token ids: embed, `cell.step`, project to logits.

        Returns `(logits (B, vocab), new_states, attention_weights (B, S))`.
        Used by the samplers and the exported decode signatures.
        """
        if not self.takes_tokens:
            raise ValueError(
                "decode_step() needs an AttentionDecoder built with `embedding` "
                "and `output_layer`."
            )
        x = self.embedding(tokens)
        output, states, weights = self.cell.step(
            x, states, memory, memory_mask, training=training, keys=keys
        )
        return self.output_layer(output), states, weights

    # -- the sequence loop ----------------------------------------------
    def _teacher_forced(self, x, memory, memory_mask, keys, states, mask, training):
        """Outputs `(B, T, O)`, final states and weights `(B, T, S)`."""
        cell = self.cell
        batch_first_input = x[:, 0]
        if training:
            loops.prime_dropout_masks(
                cell.cell,
                ops.zeros((ops.shape(x)[0], cell.rnn_input_dim), x.dtype)
                if not self.uses_fast_path
                else batch_first_input,
                states[: cell.num_cell_states],
            )
        steps = ops.shape(x)[1]
        x_tm = loops.time_major(x)
        m_tm = (
            ops.ones((steps, ops.shape(x)[0]), "bool")
            if mask is None
            else loops.time_major(ops.cast(mask, "bool"))
        )

        if self.uses_fast_path:
            n = cell.num_cell_states
            zero_out = ops.zeros((ops.shape(x)[0], cell.units), cell.compute_dtype)

            def rnn_body(cell_states, xs):
                x_t, m_t = xs
                out, new_states = loops.call_cell(
                    cell.cell, x_t, cell_states, training=training
                )
                m = ops.expand_dims(m_t, -1)
                new_states = [ops.where(m, ns, s) for ns, s in zip(new_states, cell_states)]
                return new_states, out

            final_cell_states, outs = loops.scan(
                rnn_body, list(states[:n]), (x_tm, m_tm), zero_out
            )
            cell_outputs = loops.batch_major(outs)
            outputs, weights = cell.step_all(
                cell_outputs, x, memory, memory_mask, training=training, keys=keys
            )
            lengths = ops.sum(ops.cast(m_tm, "float32"), axis=0)
            final_states = list(final_cell_states) + [
                states[-1] + ops.expand_dims(lengths, -1)
            ]
        else:
            zero_out = ops.zeros((ops.shape(x)[0], cell.output_size), cell.compute_dtype)
            zero_w = ops.zeros(
                (ops.shape(x)[0], self._memory_positions(memory)), cell.compute_dtype
            )

            def step_body(step_states, xs):
                x_t, m_t = xs
                out, new_states, w = cell.step(
                    x_t, step_states, memory, memory_mask, training=training, keys=keys
                )
                m = ops.expand_dims(m_t, -1)
                new_states = [ops.where(m, ns, s) for ns, s in zip(new_states, step_states)]
                return new_states, (out, w)

            final_states, (outs, ws) = loops.scan(
                step_body, list(states), (x_tm, m_tm), (zero_out, zero_w)
            )
            final_states = list(final_states)
            outputs = loops.batch_major(outs)
            weights = loops.batch_major(ws)
        if training:
            loops.reset_dropout_masks(cell.cell)
        return outputs, final_states, weights

    def _memory_positions(self, memory):
        return 1 if self.cell.attention is None else ops.shape(memory)[1]

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

    def _scheduled(self, tokens, memory, memory_mask, keys, states, mask):
        """Training loop that feeds back arg-max predictions; returns logits."""
        batch, steps = ops.shape(tokens)[0], ops.shape(tokens)[1]
        coins = keras.random.uniform((steps, batch), seed=self.seed_generator)
        use_prediction = coins < ops.cast(self.sampling_probability, coins.dtype)
        # Step 0 has no previous prediction: always the true start token.
        first = ops.expand_dims(ops.arange(steps) == 0, -1)
        use_prediction = ops.logical_and(use_prediction, ops.logical_not(first))
        m_tm = (
            ops.ones((steps, batch), "bool")
            if mask is None
            else loops.time_major(ops.cast(mask, "bool"))
        )
        vocab = self.output_layer.compute_output_shape((None, self.cell.output_size))[-1]
        zero_logits = ops.zeros((batch, vocab), self.output_layer.compute_dtype)
        zero_w = ops.zeros((batch, self._memory_positions(memory)), self.compute_dtype)
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
                token, step_states, memory, memory_mask, keys=keys, training=True
            )
            m = ops.expand_dims(m_t, -1)
            new_states = [ops.where(m, ns, s) for ns, s in zip(new_states, step_states)]
            return (new_states, logits), (logits, w)

        (final_states, _), (logits, ws) = loops.scan(
            body,
            (list(states), zero_logits),
            (loops.time_major(tokens), use_prediction, m_tm),
            (zero_logits, zero_w),
        )
        loops.reset_dropout_masks(self.cell.cell)
        return loops.batch_major(logits), list(final_states), loops.batch_major(ws)

    def _setup(self, inputs, memory, memory_mask, initial_state, mask=None):
        """Cast memory and mask, project the keys, fill the target mask, initial states."""
        memory = ops.cast(memory, self.compute_dtype)
        if memory_mask is not None:
            memory_mask = ops.cast(memory_mask, "bool")
        keys = self.prepare_memory(memory)
        if mask is None and self.takes_tokens and self.embedding.mask_zero:
            mask = ops.not_equal(inputs, 0)
        states = self.get_initial_state(
            batch_size=ops.shape(inputs)[0], cell_states=initial_state
        )
        return memory, memory_mask, keys, mask, states

    def call(
        self,
        inputs,
        memory,
        memory_mask=None,
        initial_state=None,
        mask=None,
        training=None,
    ):
        memory, memory_mask, keys, mask, states = self._setup(
            inputs, memory, memory_mask, initial_state, mask
        )
        if not self.takes_tokens:
            return self._teacher_forced(
                inputs, memory, memory_mask, keys, states, mask, training
            )
        tokens = inputs

        def teacher():
            x = self.embedding(tokens)
            outputs, final_states, weights = self._teacher_forced(
                x, memory, memory_mask, keys, states, mask, training
            )
            return self._project(outputs, mask, training), final_states, weights

        if not training:
            return teacher()
        return ops.cond(
            self.sampling_probability > 0.0,
            lambda: self._scheduled(tokens, memory, memory_mask, keys, states, mask),
            teacher,
        )

    def logits_at(self, tokens, memory, index, memory_mask=None, initial_state=None):
        """Training logits at the `(row, step)` positions `index` only.

        The same forward pass as `call(..., training=True)` (teacher forcing,
        or scheduled sampling when `sampling_probability > 0`), but the
        vocabulary projection runs on the gathered outputs at `index`
        (`(N, 2)` int64, e.g. `tf.where(labels != 0)`) and the result is
        `(N, vocab)`: no `(B, T, vocab)` tensor is made. Used by
        `Seq2SeqTranslator.train_step` to score only non-padding tokens.
        """
        import tensorflow as tf  # TensorFlow backend only (the caller checks)

        memory, memory_mask, keys, mask, states = self._setup(
            tokens, memory, memory_mask, initial_state
        )

        def teacher():
            outputs, _, _ = self._teacher_forced(
                self.embedding(tokens), memory, memory_mask, keys, states, mask, True
            )
            return self.output_layer(tf.gather_nd(outputs, index))

        def scheduled():
            logits, _, _ = self._scheduled(tokens, memory, memory_mask, keys, states, mask)
            return tf.gather_nd(logits, index)

        return tf.cond(self.sampling_probability > 0.0, scheduled, teacher)

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
