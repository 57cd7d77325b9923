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


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)
