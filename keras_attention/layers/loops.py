"""Time loops written with `keras.ops`, shared by the decoder and the cells."""

import keras
from keras import ops, tree


def scan(fn, init, xs, y_like):
    """`jax.lax.scan`: runs `carry, y_t = fn(carry, x_t)` over axis 0 of `xs`.

    Returns `(final_carry, ys)` with the `y_t` stacked on a leading time axis.
    `xs`, `init` and the `y_t` may be nested (tuples/lists of tensors);
    `y_like` has the structure and dtypes of one `y_t` (its values are not
    used), so that the output arrays can be made before the loop runs.

    On TensorFlow this is a `tf.while_loop` over `TensorArray`s: Keras 3.15's
    `keras.ops.scan` there stacks outputs into arrays shaped like the carry
    and fails on sequences of unknown length, which every padded batch has.
    Other backends use `keras.ops.scan` (`jax.lax.scan` on JAX).
    """
    if keras.backend.backend() != "tensorflow":
        return ops.scan(fn, init, xs)
    return _tf_scan(fn, init, xs, y_like)


def _tf_scan(fn, init, xs, y_like):
    import tensorflow as tf  # only on the TF backend, which has imported it

    xs_flat = [tf.convert_to_tensor(x) for x in tree.flatten(xs)]
    steps = tf.shape(xs_flat[0])[0]
    xs_tas = [
        tf.TensorArray(x.dtype, size=steps, element_shape=x.shape[1:]).unstack(x)
        for x in xs_flat
    ]
    init_flat = [tf.convert_to_tensor(c) for c in tree.flatten(init)]

    ys_tas = [
        tf.TensorArray(tf.as_dtype(y.dtype), size=steps, element_shape=y.shape)
        for y in tree.flatten(y_like)
    ]

    def body(t, carry_flat, ys_tas):
        x_t = tree.pack_sequence_as(xs, [ta.read(t) for ta in xs_tas])
        carry, y = fn(tree.pack_sequence_as(init, list(carry_flat)), x_t)
        new_flat = [
            tf.cast(c, old.dtype) for c, old in zip(tree.flatten(carry), carry_flat)
        ]
        ys_tas = [ta.write(t, v) for ta, v in zip(ys_tas, tree.flatten(y))]
        return t + 1, new_flat, ys_tas

    _, final_flat, ys_tas = tf.while_loop(
        lambda t, *_: t < steps,
        body,
        (tf.constant(0), init_flat, ys_tas),
        shape_invariants=(
            tf.TensorShape([]),
            [tf.TensorShape(c.shape) for c in init_flat],
            [tf.TensorShape(None) for _ in ys_tas],
        ),
    )
    ys = [ta.stack() for ta in ys_tas]
    # The loop's shape invariants drop the static time length; restore it, so
    # that what follows (e.g. a decoder over this memory) keeps static shapes
    # (the TFLite converter cannot lower TensorLists with unknown dims).
    static_steps = xs_flat[0].shape[0]
    if static_steps is not None and not tf.executing_eagerly():
        for y, like in zip(ys, tree.flatten(y_like)):
            y.set_shape(tf.TensorShape([static_steps]).concatenate(like.shape))
    return (
        tree.pack_sequence_as(init, final_flat),
        tree.pack_sequence_as(y_like, ys),
    )


def project_where(layer, x, mask):
    """`layer(x)` computed only where `mask` is True; zeros elsewhere.

    `x` is `(B, T, D)` and `mask` `(B, T)`. The selected rows are gathered,
    projected in one product and scattered back (the gradient flows through
    the gather/scatter pair). On backends other than TensorFlow (where
    boolean selection needs a static size) every row is projected and the
    masked rows zeroed, which gives the same values.
    """
    if keras.backend.backend() != "tensorflow":
        out = layer(x)
        return ops.where(ops.expand_dims(ops.cast(mask, "bool"), -1), out, 0.0)
    import tensorflow as tf

    index = tf.where(tf.cast(mask, tf.bool))  # (N, 2)
    rows = layer(tf.gather_nd(x, index))  # (N, V)
    shape = tf.concat([tf.shape(mask, out_type=tf.int64), tf.shape(rows, out_type=tf.int64)[-1:]], 0)
    out = tf.scatter_nd(index, rows, shape)
    out.set_shape(x.shape[:-1].concatenate(rows.shape[-1:]))
    return out


def time_major(x):
    """(B, T, ...) -> (T, B, ...)."""
    perm = (1, 0) + tuple(range(2, len(x.shape)))
    return ops.transpose(x, perm)


batch_major = time_major  # the permutation is its own inverse


def dropout_cells(cell):
    """The cells (nested ones included) that cache per-sequence dropout masks."""
    cells = getattr(cell, "cells", None)
    if cells is not None:  # StackedRNNCells
        return [c for sub in cells for c in dropout_cells(sub)]
    # Keras' DropoutRNNCell mixin (not public API: recognised by its methods).
    masks = ("get_dropout_mask", "get_recurrent_dropout_mask")
    return [cell] if all(hasattr(cell, m) for m in masks) else []


def prime_dropout_masks(cell, step_input, states):
    """Creates a cell's dropout masks once, before a loop, as `keras.layers.RNN`.

    Keras cells cache their dropout masks on first use; created inside a loop
    body they would leak out of the loop's graph.
    """
    for c in dropout_cells(cell):
        c.get_dropout_mask(step_input)
        c.get_recurrent_dropout_mask(states[0] if isinstance(states, list) else states)


def reset_dropout_masks(cell):
    for c in dropout_cells(cell):
        c.reset_dropout_mask()
        c.reset_recurrent_dropout_mask()


def cell_state_sizes(cell):
    """A Keras cell's `state_size` as a flat list of ints."""
    size = cell.state_size
    if isinstance(size, int):
        return [size]
    sizes = list(size)
    if not all(isinstance(s, int) for s in sizes):
        raise ValueError(
            "The decoder cell must have a flat list of integer state sizes "
            "(LSTMCell, GRUCell, SimpleRNNCell or a custom cell like them). "
            f"Received: {type(cell).__name__} with state_size={size!r}"
        )
    return sizes


def call_cell(cell, inputs, states, training=None):
    """Calls a Keras cell with a list of states; returns `(output, new_states)`."""
    output, new_states = cell(inputs, states, training=training)
    if not isinstance(new_states, (list, tuple)):
        new_states = [new_states]
    return output, list(new_states)
