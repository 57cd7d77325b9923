"""`tf.distribute` strategies by name, and which process writes shared files."""

import contextlib
import json
import os

import keras

STRATEGIES = ("none", "mirrored", "multiworker")


def get_strategy(name="none"):
    """A `tf.distribute.Strategy` from a name.

    Args:
        name: `"none"` (the default strategy: one device), `"mirrored"`
            (`MirroredStrategy` over every local GPU, or every logical CPU
            device) or `"multiworker"` (`MultiWorkerMirroredStrategy`; the
            cluster and this process's role come from the `TF_CONFIG`
            environment variable; without it, a cluster of one).

    Returns:
        The strategy (the same object on every call with the same name).

    Example:

    >>> from keras_attention import training
    >>> strategy = training.get_strategy("none")
    >>> strategy.num_replicas_in_sync
    1
    >>> training.get_strategy("mirrored") is training.get_strategy("mirrored")
    True
    """
    if name not in STRATEGIES:
        raise ValueError(
            f"`strategy` must be one of {', '.join(repr(s) for s in STRATEGIES)}. "
            f"Received: strategy={name!r}"
        )
    if keras.backend.backend() != "tensorflow":
        if name != "none":
            raise ValueError(
                f"strategy={name!r} needs the TensorFlow backend. Received: "
                f"KERAS_BACKEND={keras.backend.backend()!r}"
            )
        return None
    import tensorflow as tf

    if name == "none":
        return tf.distribute.get_strategy()
    # One instance per process: two MirroredStrategy objects in one process
    # can mix up their collective ops (shape-mismatch errors in the second
    # model's gradient all-reduce), and TensorFlow requires the
    # MultiWorkerMirroredStrategy to be created once, at startup.
    if name not in _STRATEGIES:
        _STRATEGIES[name] = (
            tf.distribute.MirroredStrategy()
            if name == "mirrored"
            else tf.distribute.MultiWorkerMirroredStrategy()
        )
    return _STRATEGIES[name]


_STRATEGIES = {}


@contextlib.contextmanager
def strategy_scope(name="none"):
    """Context manager: `get_strategy(name)` and its scope; yields the strategy.

    Build and compile the model inside the scope; `fit` may be called
    outside. With `"none"` this is the default strategy (a no-op scope).

    Example:

    >>> import keras
    >>> from keras_attention import training
    >>> with training.strategy_scope("none") as strategy:  # or "mirrored", ...
    ...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    ...     model.compile(optimizer="adam", loss="mse")
    >>> strategy.num_replicas_in_sync
    1
    """
    strategy = get_strategy(name)
    if strategy is None:
        yield None
        return
    with strategy.scope():
        yield strategy


def is_chief():
    """Whether this process writes shared files (checkpoints, models, results).

    True unless `TF_CONFIG` names this process a non-chief task: a `"worker"`
    with index > 0 when the cluster has no `"chief"`, or any `"worker"` when
    it has one.

    Example:

    >>> import json, os
    >>> from keras_attention import training
    >>> training.is_chief()  # no TF_CONFIG: a single process
    True
    >>> cluster = {"worker": ["10.0.0.1:12345", "10.0.0.2:12345"]}
    >>> os.environ["TF_CONFIG"] = json.dumps(
    ...     {"cluster": cluster, "task": {"type": "worker", "index": 1}})
    >>> training.is_chief()
    False
    >>> del os.environ["TF_CONFIG"]
    """
    config = os.environ.get("TF_CONFIG")
    if not config:
        return True
    try:
        config = json.loads(config)
    except json.JSONDecodeError:
        raise ValueError(
            f"`TF_CONFIG` must be JSON. Received: TF_CONFIG={os.environ['TF_CONFIG'][:80]!r}"
        ) from None
    task = config.get("task") or {}
    kind, index = task.get("type"), int(task.get("index", 0))
    if kind in (None, "chief"):
        return True
    if kind == "worker":
        return "chief" not in config.get("cluster", {}) and index == 0
    return False
