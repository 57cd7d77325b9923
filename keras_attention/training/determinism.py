"""Seeds and deterministic ops: two runs with the same seed give the same weights."""

import keras


def seed_everything(seed, deterministic=False):
    """`keras.utils.set_random_seed(seed)`, or `enable_determinism(seed)`.

    Args:
        seed: non-negative integer.
        deterministic: also make TensorFlow ops deterministic (what
            `--deterministic` asks for).

    Example:

    >>> import numpy as np
    >>> from keras_attention import training
    >>> training.seed_everything(7)
    >>> first = np.random.rand()
    >>> training.seed_everything(7)
    >>> first == np.random.rand()
    True
    """
    if deterministic:
        enable_determinism(seed)
    else:
        keras.utils.set_random_seed(seed)


def enable_determinism(seed):
    """Seeds every generator and makes TensorFlow ops deterministic.

    Calls `keras.utils.set_random_seed(seed)` (Python, NumPy and backend
    seeds) and, on the TensorFlow backend,
    `tf.config.experimental.enable_op_determinism()`. Every op used by the
    library's layers, models and samplers has a deterministic CPU kernel, so
    two runs with the same seed, data and arguments give bit-identical
    losses and weights (`tests/training_test.py`). Training is somewhat
    slower with determinism on (no parallel reductions in tf.data). Op
    determinism is process-wide in TensorFlow and stays on.

    Args:
        seed: non-negative integer.

    Example:

    >>> import keras
    >>> from keras_attention import training
    >>> training.enable_determinism(0)
    >>> first = keras.ops.convert_to_numpy(keras.random.normal((3,)))
    >>> training.enable_determinism(0)
    >>> second = keras.ops.convert_to_numpy(keras.random.normal((3,)))
    >>> bool((first == second).all())
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer. Received: seed={seed!r}")
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
