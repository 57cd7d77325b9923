"""A small `run_layer_test`: config round trip and .keras save/load of a layer."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np


def assert_config_round_trip(layer):
    """`from_config(get_config())` rebuilds a layer with the same config."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def assert_model_save_load(model, inputs, tmp_path, name="model.keras"):
    """Saves to .keras, reloads (safe_mode) and compares outputs exactly.

    The reload only needs `import keras_attention`: the classes register
    themselves on import.
    """
    before = model(inputs, training=False)
    path = os.path.join(tmp_path, name)
    model.save(path)
    restored = keras.models.load_model(path, safe_mode=True)
    after = restored(inputs, training=False)
    for a, b in zip(keras.tree.flatten(before), keras.tree.flatten(after)):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
        )
    return restored


def run_in_fresh_process(code, timeout=300):
    """Runs Python code in a new interpreter (nothing imported beforehand)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def property_examples(tensorflow, other):
    """Generated cases for a property test: fewer off TensorFlow.

    JAX and PyTorch run these eager tests op by op, and JAX compiles every op
    again for each new shape a case brings (seconds per case on 2 cores).
    """
    return tensorflow if keras.backend.backend() == "tensorflow" else other


def to_numpy(x):
    if hasattr(x, "detach"):  # a torch tensor that requires grad
        x = x.detach()
    return keras.ops.convert_to_numpy(x)


def gradients(loss_fn, variables):
    """`(loss, grads)` of a scalar `loss_fn()` that reads `variables`, on any backend.

    `variables` are `keras.Variable`s (e.g. `layer.trainable_variables`, or
    `keras.Variable(array)` for a plain input). The gradients come back as
    numpy arrays, zeros where the loss does not depend on a variable (what
    `tf.GradientTape` reports as `None`). TensorFlow: a gradient tape; JAX:
    `jax.value_and_grad` with the variables mapped to traced values by a
    `keras.StatelessScope`; PyTorch: `torch.autograd.grad`.
    """
    variables = list(variables)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch([v.value for v in variables])
            loss = loss_fn()
        grads = tape.gradient(loss, [v.value for v in variables])
    elif backend == "jax":
        import jax

        def pure(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return loss_fn()

        loss, grads = jax.value_and_grad(pure)([v.value for v in variables])
    elif backend == "torch":
        import torch

        values = [v.value for v in variables]
        for value in values:
            value.requires_grad_(True)
        loss = loss_fn()
        if loss.requires_grad:
            grads = torch.autograd.grad(loss, values, allow_unused=True)
        else:  # nothing in the loss depends on the variables
            grads = [None] * len(values)
    else:
        raise NotImplementedError(f"gradients() on the {backend} backend")
    return to_numpy(loss), [
        np.zeros(v.shape, "float32") if g is None else to_numpy(g)
        for g, v in zip(grads, variables)
    ]
