"""Time loops written with `keras.ops`, shared by the decoder and the cells."""

import keras
from keras import ops, tree


def scan(fn, init, xs, y_like, stateful=()):
    """`jax.lax.scan`: runs `carry, y_t = fn(carry, x_t)` over axis 0 of `xs`.

    Returns `(final_carry, ys)` with the `y_t` stacked on a leading time axis.
    `xs`, `init` and the `y_t` may be nested (tuples/lists of tensors);
    `y_like` has the structure and dtypes of one `y_t` (its values are not
    used), so that the output arrays can be made before the loop runs.

    `stateful`: the layers (or `keras.random.SeedGenerator`s) whose
    variables `fn` reads or updates, e.g. a layer drawing dropout masks with
    its seed generator at every step. On JAX their state is threaded through
    the loop (a loop body cannot update a variable there), so every step
    draws new random numbers; elsewhere a body updates variables directly.

    On TensorFlow this is a `tf.while_loop` over `TensorArray`s: Keras 3.15's
    `keras.ops.scan` there stacks outputs into arrays shaped like the carry
    and fails on sequences of unknown length, which every padded batch has.
    Other backends use `keras.ops.scan` (`jax.lax.scan` on JAX), which is
    differentiable (`ops.while_loop` has no reverse-mode gradient on JAX).
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tf_scan(fn, init, xs, y_like)
    if backend == "jax" and stateful:
        threaded = _ThreadedState(stateful)
        (final_state, carry), ys = ops.scan(
            threaded.wrap_scan_body(fn), (threaded.initial(), init), xs
        )
        threaded.write_back(final_state)
        return carry, ys
    return ops.scan(fn, init, xs)


def while_loop(cond, body, loop_vars, stateful=()):
    """`keras.ops.while_loop` whose body may update `stateful` variables.

    For inference loops (the samplers): on JAX the variables of `stateful`
    (layers or seed generators, e.g. a sampler drawing noise at every step)
    are threaded through the loop as keras-hub's samplers do, so each step
    draws new random numbers instead of repeating the first step's.
    """
    loop_vars = tuple(loop_vars)
    if keras.backend.backend() != "jax" or not stateful:
        return ops.while_loop(cond, body, loop_vars)
    threaded = _ThreadedState(stateful)

    def threaded_cond(state, *args):
        return cond(*args)

    def threaded_body(state, *args):
        return threaded.call_body(body, state, args)

    state, *results = ops.while_loop(
        threaded_cond, threaded_body, (threaded.initial(), *loop_vars)
    )
    threaded.write_back(state)
    return tuple(results)


def cond(pred, true_fn, false_fn, stateful=()):
    """`keras.ops.cond` whose branches may update `stateful` variables.

    On JAX a branch cannot update a variable (e.g. a seed generator drawing
    dropout masks, or a loop inside the branch writing back its state): the
    variables of `stateful` are mapped into each branch and their new values
    returned from it, then assigned.
    """
    if keras.backend.backend() != "jax" or not stateful:
        return ops.cond(pred, true_fn, false_fn)
    threaded = _ThreadedState(stateful)
    state = threaded.initial()

    def branch(fn):
        def run():
            new_state, result = threaded.call_body(lambda: (fn(),), state, ())
            return new_state, result

        return run

    new_state, result = ops.cond(pred, branch(true_fn), branch(false_fn))
    threaded.write_back(new_state)
    return result


class _ThreadedState:
    """Variables of some layers / seed generators carried through a JAX loop.

    Inside the body, a `keras.StatelessScope` maps every trainable variable
    to its value outside the loop (so gradients flow) and every
    non-trainable one (seed generator states, counters) to the loop's
    carried value; the body's updates come back through the carry and are
    assigned when the loop ends.
    """

    def __init__(self, stateful):
        trainable, non_trainable, seen = [], [], set()
        for item in stateful:
            if isinstance(item, keras.random.SeedGenerator):
                pairs = [], [item.state]
            else:
                pairs = item.trainable_variables, item.non_trainable_variables
            for target, variables in zip((trainable, non_trainable), pairs):
                for v in variables:
                    if id(v) not in seen:
                        seen.add(id(v))
                        target.append(v)
        self.trainable = trainable
        self.non_trainable = non_trainable
        self.trainable_values = [ops.convert_to_tensor(v) for v in trainable]

    def initial(self):
        return [ops.convert_to_tensor(v) for v in self.non_trainable]

    def call_body(self, body, state, args):
        mapping = list(zip(self.trainable, self.trainable_values)) + list(
            zip(self.non_trainable, state)
        )
        with keras.StatelessScope(state_mapping=mapping) as scope:
            results = body(*args)
        new_state = []
        for v, old in zip(self.non_trainable, state):
            new = scope.get_current_value(v)
            new_state.append(old if new is None else ops.cast(new, old.dtype))
        return (new_state, *tuple(results))

    def wrap_scan_body(self, fn):
        def body(carry, x):
            state, inner = carry
            new_state, new_inner, y = self.call_body(
                lambda c: fn(c, x), state, (inner,)
            )
            return (new_state, new_inner), y

        return body

    def write_back(self, state):
        for v, value in zip(self.non_trainable, state):
            v.assign(value)


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


def supports_jit():
    """`supports_jit` for layers running these loops.

    TensorFlow's XLA cannot compile the gradient of a `tf.while_loop` that
    reads variables, so the layers opt out there (Keras would pick XLA on a
    GPU for `jit_compile="auto"`); JAX's scans compile, and running JAX
    without jit would be ~100x slower.
    """
    return keras.backend.backend() != "tensorflow"


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
    """The cells (nested ones included) that cache per-sequence dropout masks.

    Keras' cells with dropout (`LSTMCell`, `GRUCell`, `SimpleRNNCell`, and
    custom cells built like them) create their masks on first use and keep
    them until `reset_dropout_mask()`; they are recognised by those methods.
    """
    cells = getattr(cell, "cells", None)
    if cells is not None:  # StackedRNNCells
        return [c for sub in cells for c in dropout_cells(sub)]
    methods = (
        "get_dropout_mask",
        "get_recurrent_dropout_mask",
        "reset_dropout_mask",
        "reset_recurrent_dropout_mask",
    )
    return [cell] if all(callable(getattr(cell, m, None)) for m in methods) else []


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
