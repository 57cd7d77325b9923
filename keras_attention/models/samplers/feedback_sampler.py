"""Decoding of continuous outputs: the decoder reads back what it produced."""

from keras import ops

from keras_attention.layers import attention_utils, loops
from keras_attention.layers.memory import first_memory


class FeedbackSampler:
    """Runs a decoder cell on its own outputs for a fixed number of steps.

    The loop for decoders without an embedding (continuous values, e.g. a
    forecaster's recursive horizon), as `tfa.seq2seq.InferenceSampler` /
    `CustomSampler` were for `BasicDecoder`: at step `t` the cell reads
    `x_t`, and `next_inputs_fn(cell_output, x_t, t)` gives both the value
    emitted at that step and the next input `x_{t+1}`. The number of steps is
    fixed, so the loop is an `ops.scan`: it is differentiable on every
    backend and runs in training too (teacher forcing replaced by the model's
    own predictions).

    Args:
        num_steps: positive integer, the steps to run.
        next_inputs_fn: `fn(cell_output, inputs, step) -> next_inputs`
            (`step` an int32 scalar tensor); default: the cell output itself.

    Call arguments:
        cell: an `AttentionDecoderCell` (built).
        memory: a `Memory` (from `cell.prepare_memory`).
        inputs: `(B, input_dim)`, the first step's input.
        states: the cell's step states.
        training: Python boolean.
        stateful: layers whose random draws happen inside the loop (dropout
            in `next_inputs_fn`), see `keras_attention.layers.loops.scan`.

    Returns:
        A dict: `"outputs"` `(B, num_steps, input_dim)` (the values emitted,
        `x_1 … x_T`), `"cell_outputs"` `(B, num_steps, output_size)`,
        `"attention"` `(B, num_steps, S)` and `"states"` (after the last step).

    Example:

    >>> import numpy as np, keras
    >>> from keras_attention.layers import AttentionDecoderCell, BahdanauAttention
    >>> from keras_attention.models import FeedbackSampler
    >>> cell = AttentionDecoderCell(keras.layers.GRUCell(4), BahdanauAttention(4),
    ...                             input_feeding=False)
    >>> cell.build((None, 1), (None, 6, 3))
    >>> head = keras.layers.Dense(1)
    >>> sampler = FeedbackSampler(3, lambda out, x, step: x + head(out))
    >>> memory = cell.prepare_memory(np.ones((2, 6, 3), "float32"))
    >>> states = cell.get_initial_state(batch_size=2)
    >>> out = sampler(cell, memory, np.zeros((2, 1), "float32"), states)
    >>> tuple(out["outputs"].shape), tuple(out["attention"].shape)
    ((2, 3, 1), (2, 3, 6))
    """

    def __init__(self, num_steps, next_inputs_fn=None):
        self.num_steps = attention_utils.validate_positive_int("num_steps", num_steps)
        if next_inputs_fn is not None and not callable(next_inputs_fn):
            raise ValueError(
                "`next_inputs_fn` must be a callable (cell_output, inputs, step) -> "
                f"next inputs, or None. Received: next_inputs_fn={next_inputs_fn!r}"
            )
        self.next_inputs_fn = next_inputs_fn

    def __repr__(self):
        return f"FeedbackSampler(num_steps={self.num_steps})"

    def __call__(self, cell, memory, inputs, states, training=None, stateful=()):
        fn = self.next_inputs_fn or (lambda output, x, step: output)
        batch = ops.shape(inputs)[0]
        out_like = ops.zeros((batch, cell.output_size), cell.compute_dtype)
        positions = 1 if cell.attention is None else ops.shape(first_memory(memory).values)[1]
        w_like = ops.zeros((batch, positions), cell.compute_dtype)

        def body(carry, step):
            x, step_states = carry
            output, new_states, weights = cell(x, step_states, memory, training=training)
            if isinstance(weights, tuple):
                weights = weights[0]
            next_x = ops.cast(fn(output, x, step), x.dtype)
            new_states = [ops.cast(n, s.dtype) for n, s in zip(new_states, step_states)]
            return (next_x, new_states), (next_x, output, weights)

        (_, final_states), (xs, outputs, weights) = loops.scan(
            body,
            (inputs, list(states)),
            ops.arange(self.num_steps, dtype="int32"),
            (inputs, out_like, w_like),
            stateful=stateful,
        )
        return {
            "outputs": loops.batch_major(xs),
            "cell_outputs": loops.batch_major(outputs),
            "attention": loops.batch_major(weights),
            "states": list(final_states),
        }
