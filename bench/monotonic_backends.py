"""Monotonic attention on the current Keras backend: gradients and a jitted loop.

What the tests cannot check backend-neutrally: gradients with sigmoid noise
through `jax.grad` / torch autograd / `tf.GradientTape`, and a decoder-style
loop (`keras_attention.layers.loops.scan` with `stateful=[layer]`, the
attention called one step at a time in the loop body, drawing its noise
from its own seed generator), compiled with `jax.jit` / `tf.function` where
the backend has one, against the same steps run eagerly one by one from the
same seed-generator state. On JAX the generator's state is threaded through
the loop (no per-step seed argument exists), so the compiled loop must give
the eager steps' numbers exactly, and the noise must differ between steps.

Run from the repository root, e.g.

    KERAS_BACKEND=jax PYTHONPATH=. /work/main/.venv-jax/bin/python bench/monotonic_backends.py
    KERAS_BACKEND=torch PYTHONPATH=. /work/main/.venv-torch/bin/python bench/monotonic_backends.py
    KERAS_BACKEND=tensorflow PYTHONPATH=. /work/main/.venv/bin/python bench/monotonic_backends.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from keras_attention.layers import (  # noqa: E402
    BahdanauMonotonicAttention,
    LuongMonotonicAttention,
    MonotonicChunkwiseAttention,
    loops,
)

BACKEND = keras.backend.backend()
rng = np.random.default_rng(0)
QUERY = rng.normal(size=(2, 5, 3)).astype("float32")
VALUE = rng.normal(size=(2, 6, 4)).astype("float32")
MASK = np.array([[1] * 6, [1, 1, 1, 1, 0, 0]], bool)


class StepLoop(keras.layers.Layer):
    """The decoder pattern: one attention step per loop iteration."""

    def __init__(self, attention, **kwargs):
        super().__init__(**kwargs)
        self.attention = attention
        self.built = True  # the attention layer is built; nothing else to make

    def call(self, query):
        keys = self.attention(None, VALUE)
        start = self.attention.initial_attention_state(2, 6, "float32")

        def body(alignment, q_t):
            _, _, new = self.attention(
                q_t, VALUE, value_mask=MASK, projected_keys=keys, training=True,
                attention_state=alignment, return_attention_state=True,
            )
            return new, new

        _, states = loops.scan(
            body, start, loops.time_major(query), start, stateful=[self.attention]
        )
        return loops.batch_major(states)


def grad_wrt_query(layer, query):
    """d/dquery of sum(context ** 2), with noise (training=True)."""
    if BACKEND == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss(q):
            context, _ = layer.stateless_call(
                trainable, non_trainable, q, VALUE, value_mask=MASK, training=True
            )
            return ops.sum(ops.square(context))

        return np.asarray(jax.grad(loss)(query))

    def loss(q):
        context = layer(q, VALUE, value_mask=MASK, training=True)
        return ops.sum(ops.square(context))

    if BACKEND == "torch":
        import torch

        q = torch.tensor(query, requires_grad=True)
        loss(q).backward()
        return q.grad.numpy()
    import tensorflow as tf

    q = tf.constant(query)
    with tf.GradientTape() as tape:
        tape.watch(q)
        value = loss(q)
    return tape.gradient(value, q).numpy()


def compiled_loop(loop):
    """The loop's alignments `(B, T, S)`, compiled where the backend compiles."""
    if BACKEND == "jax":
        import jax

        trainable = [v.value for v in loop.trainable_variables]
        non_trainable = [v.value for v in loop.non_trainable_variables]

        @jax.jit
        def run(non_trainable, query):
            return loop.stateless_call(trainable, non_trainable, query)

        out, new_state = run(non_trainable, QUERY)
        for v, value in zip(loop.non_trainable_variables, new_state):
            v.assign(value)
        return np.asarray(out), "jax.jit"
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(loop)(QUERY).numpy(), "tf.function"
    return ops.convert_to_numpy(loop(QUERY)), "eager"


def eager_steps(layer, training=True):
    keys = layer(None, VALUE)
    alignment = layer.initial_attention_state(2, 6, "float32")
    out = []
    for t in range(5):
        _, _, alignment = layer(
            QUERY[:, t], VALUE, value_mask=MASK, projected_keys=keys,
            training=training, attention_state=alignment, return_attention_state=True,
        )
        out.append(ops.convert_to_numpy(alignment))
    return np.stack(out, 1)


def main():
    print(f"backend={BACKEND} keras={keras.__version__}")
    layers = {
        "bahdanau_parallel": BahdanauMonotonicAttention(4, sigmoid_noise=1.0, seed=1),
        "bahdanau_recursive": BahdanauMonotonicAttention(
            4, sigmoid_noise=1.0, mode="recursive", seed=2
        ),
        "luong_recursive": LuongMonotonicAttention(
            use_scale=True, sigmoid_noise=1.0, mode="recursive", seed=3
        ),
        "mocha_parallel": MonotonicChunkwiseAttention(
            4, chunk_size=2, sigmoid_noise=1.0, seed=4
        ),
    }
    failures = 0
    for name, layer in layers.items():
        layer(QUERY, VALUE)  # build
        grad = grad_wrt_query(layer, QUERY)
        loop = StepLoop(layer)
        start = ops.convert_to_numpy(layer.seed_generator.state)
        looped, how = compiled_loop(loop)
        moved = not np.array_equal(ops.convert_to_numpy(layer.seed_generator.state), start)
        layer.seed_generator.state.assign(start)
        stepped = eager_steps(layer)
        noiseless = eager_steps(layer, training=False)
        diff = float(np.abs(looped - stepped).max())
        noisy = not np.allclose(looped, noiseless, atol=1e-3)
        ok = bool(
            np.isfinite(grad).all() and np.abs(grad).max() > 0 and diff < 1e-5
            and moved and noisy
        )
        failures += not ok
        print(
            f"{name:20s} grad finite={np.isfinite(grad).all()} "
            f"max|grad|={np.abs(grad).max():.3g}  "
            f"{how} loop vs eager steps max|diff|={diff:.2e} "
            f"seed state advanced={moved} noise applied={noisy}  "
            f"{'ok' if ok else 'FAIL'}"
        )
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
