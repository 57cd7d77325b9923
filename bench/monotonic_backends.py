"""Monotonic attention on the current Keras backend: gradients and a jitted loop.

What the tests cannot check backend-neutrally: gradients with sigmoid noise
through `jax.grad` / torch autograd / `tf.GradientTape`, and a decoder-style
loop (`keras.ops.fori_loop`, one stateless seed per step, attention called in
the loop body), compiled with `jax.jit` / `tf.function` where the backend has
one, against the same steps run eagerly one by one.

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
)

BACKEND = keras.backend.backend()
rng = np.random.default_rng(0)
QUERY = rng.normal(size=(2, 5, 3)).astype("float32")
VALUE = rng.normal(size=(2, 6, 4)).astype("float32")
MASK = np.array([[1] * 6, [1, 1, 1, 1, 0, 0]], bool)
SEEDS = np.array([[1, t] for t in range(5)], "int32")


def grad_wrt_query(layer, query):
    """d/dquery of sum(context ** 2), with noise (training=True, fixed seed)."""

    def loss(q):
        context = layer(q, VALUE, value_mask=MASK, training=True, seed=7)
        return ops.sum(ops.square(context))

    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(loss)(query))
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


def loop_with_per_step_seeds(layer, keys):
    """A decoder-style loop: fori_loop over steps, one stateless seed each."""

    def run(query, seeds):
        def body(t, alignment):
            _, _, new = layer.attend(
                ops.take(query, t, axis=1), VALUE, keys, value_mask=MASK,
                training=True, previous_attention=alignment,
                seed=ops.take(seeds, t, axis=0), return_alignment=True,
            )
            return new

        start = layer.initial_alignment(2, 6, "float32")
        return ops.fori_loop(0, 5, body, start)

    if BACKEND == "jax":
        import jax

        return np.asarray(jax.jit(run)(QUERY, SEEDS)), "jax.jit"
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(run)(QUERY, SEEDS).numpy(), "tf.function"
    return ops.convert_to_numpy(run(QUERY, SEEDS)), "eager"


def eager_steps(layer, keys):
    alignment = layer.initial_alignment(2, 6, "float32")
    for t in range(5):
        _, _, alignment = layer.attend(
            QUERY[:, t], VALUE, keys, value_mask=MASK, training=True,
            previous_attention=alignment, seed=SEEDS[t], return_alignment=True,
        )
    return ops.convert_to_numpy(alignment)


def main():
    print(f"backend={BACKEND} keras={keras.__version__}")
    layers = {
        "bahdanau_parallel": BahdanauMonotonicAttention(4, sigmoid_noise=1.0),
        "bahdanau_recursive": BahdanauMonotonicAttention(
            4, sigmoid_noise=1.0, mode="recursive"
        ),
        "luong_recursive": LuongMonotonicAttention(
            use_scale=True, sigmoid_noise=1.0, mode="recursive"
        ),
        "mocha_parallel": MonotonicChunkwiseAttention(4, chunk_size=2, sigmoid_noise=1.0),
    }
    failures = 0
    for name, layer in layers.items():
        layer(QUERY, VALUE)  # build
        grad = grad_wrt_query(layer, QUERY)
        keys = layer.precompute_keys(VALUE)
        looped, how = loop_with_per_step_seeds(layer, keys)
        stepped = eager_steps(layer, keys)
        diff = float(np.abs(looped - stepped).max())
        ok = bool(np.isfinite(grad).all() and np.abs(grad).max() > 0 and diff < 1e-5)
        failures += not ok
        print(
            f"{name:20s} grad finite={np.isfinite(grad).all()} "
            f"max|grad|={np.abs(grad).max():.3g}  "
            f"{how} loop vs eager steps max|diff|={diff:.2e}  "
            f"{'ok' if ok else 'FAIL'}"
        )
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
