"""Training plumbing shared by the examples and the CLI.

Three pieces, each usable alone:

- **Determinism**: `enable_determinism(seed)` seeds Python, NumPy and the
  backend and turns on TensorFlow's deterministic ops, so that two runs
  give identical losses and weights (see docs/reliability.md).
- **Resume**: `checkpoint_callbacks(checkpoint_dir, data)` returns a
  `BackupAndRestore` callback that backs up the training state at every
  epoch end and restores it when the same command is run again.
  `ShuffledArrays` feeds arrays in an order that depends only on the seed
  and the epoch, so a resumed run sees the same batches as an
  uninterrupted one and ends with the same weights.
- **Distribution**: `strategy_scope("none" | "mirrored" | "multiworker")`
  opens a `tf.distribute` strategy scope to build and compile the model in.

The examples expose them as `--seed`, `--deterministic`,
`--checkpoint-dir` and `--strategy` (`add_arguments`); the example of
`fit` shows the four together.

TensorFlow is imported only by the functions that need it.
"""

import contextlib
import json
import os
import shutil

import keras
import numpy as np

from keras_attention import io_utils

STRATEGIES = ("none", "mirrored", "multiworker")
POINTER = "checkpoint.json"


# -- command line ---------------------------------------------------------------
def add_arguments(parser, checkpoint=True, strategy=True, determinism=True, strategies=STRATEGIES):
    """Adds `--checkpoint-dir`, `--strategy` and `--deterministic` to a parser.

    Args:
        parser: an `argparse.ArgumentParser`.
        checkpoint, strategy, determinism: which options to add.
        strategies: the `--strategy` choices (default all of `STRATEGIES`).

    Returns:
        The parser.

    Example:

    >>> import argparse
    >>> from keras_attention import training
    >>> parser = training.add_arguments(argparse.ArgumentParser())
    >>> args = parser.parse_args(["--checkpoint-dir", "ckpt", "--deterministic"])
    >>> args.checkpoint_dir, args.strategy, args.deterministic
    ('ckpt', 'none', True)
    """
    if checkpoint:
        parser.add_argument(
            "--checkpoint-dir",
            default=None,
            help="back up the training state here at every epoch end; run the "
            "same command again to resume an interrupted training (the folder "
            "is deleted when training completes)",
        )
    if strategy:
        parser.add_argument(
            "--strategy",
            default="none",
            choices=list(strategies),
            help="tf.distribute strategy: 'mirrored' (every local device), "
            "'multiworker' (one process per machine, cluster from $TF_CONFIG; "
            "see docs/reliability.md)",
        )
    if determinism:
        parser.add_argument(
            "--deterministic",
            action="store_true",
            help="deterministic TensorFlow ops: two runs with the same --seed give "
            "identical losses and weights (a little slower)",
        )
    return parser


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


# -- determinism ------------------------------------------------------------------
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


# -- distribution -----------------------------------------------------------------
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


# -- data -------------------------------------------------------------------------
class ShuffledArrays(keras.utils.PyDataset):
    """Batches of arrays in an order fixed by the seed and the epoch.

    `model.fit(x, y, shuffle=True)` draws a new order each epoch from a
    random state that lives in the process, so a training resumed in a new
    process sees other batches than an uninterrupted one.  Pass it to `fit`
    with `shuffle=False` (`training.fit` does): Keras would otherwise also
    shuffle the order of its batches with Python's `random`. Here epoch `e` is
    always permutation `numpy.random.default_rng([seed, e])`, whatever ran
    before. The epoch is set by the callback from `epoch_callback()` (which
    `checkpoint_callbacks(..., data=this)` includes).

    Args:
        x: an array or a dict / list of arrays with the same first dimension.
        y: optional targets, likewise.
        batch_size: positive integer; the last batch may be smaller.
        shuffle: shuffle every epoch (`False`: the arrays' order).
        seed: integer seed of the permutations.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_attention import training
    >>> data = training.ShuffledArrays(np.arange(10), np.arange(10), batch_size=4, seed=0)
    >>> len(data), data.order(0).tolist() == data.order(0).tolist()
    (3, True)
    >>> data.order(1).tolist() != data.order(0).tolist()  # a new order per epoch
    True
    >>> x, y = data[0]
    >>> x.shape, bool((x == y).all())
    ((4,), True)
    """

    def __init__(self, x, y=None, batch_size=32, shuffle=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
            )
        lengths = {len(a) for a in keras.tree.flatten((x, y)) if a is not None}
        if len(lengths) != 1:
            raise ValueError(
                "`x` and `y` must hold arrays with the same number of examples. "
                f"Received: lengths {sorted(lengths)}"
            )
        self.x, self.y = x, y
        self.num_examples = lengths.pop()
        if self.num_examples == 0:
            raise ValueError("`x` holds no examples. Received: 0 examples")
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.epoch = 0

    def __len__(self):
        return -(-self.num_examples // self.batch_size)

    def order(self, epoch):
        """The example order of `epoch`."""
        if not self.shuffle:
            return np.arange(self.num_examples)
        return np.random.default_rng([self.seed, int(epoch)]).permutation(self.num_examples)

    def __getitem__(self, index):
        if self._order_epoch != self.epoch:
            self._order = self.order(self.epoch)
            self._order_epoch = self.epoch
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]

        def take(a):
            return None if a is None else np.asarray(a)[rows]

        x = keras.tree.map_structure(take, self.x)
        if self.y is None:
            return (x,)
        return x, keras.tree.map_structure(take, self.y)

    _order_epoch = None
    _order = None

    def epoch_callback(self):
        """A callback that tells this dataset which epoch starts."""
        return _SetEpoch(self)


class _SetEpoch(keras.callbacks.Callback):
    def __init__(self, data):
        super().__init__()
        self.data = data

    def on_epoch_begin(self, epoch, logs=None):
        self.data.epoch = epoch


# -- resume -------------------------------------------------------------------------
def _seed_states(model):
    """Every `SeedGenerator` state of the model (dropout, sampling coins).

    `model.save_weights` leaves them out; a resumed run needs them to draw
    the same dropout masks as an uninterrupted one.
    """
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` made crash-safe and exact.

    Like the Keras callback, it saves the training state at the end of
    every epoch and, when `fit` starts again with the same `backup_dir`,
    restores it and continues from the next epoch; the folder is deleted
    when training completes (`delete_checkpoint=True`). It adds:

    - **atomic backups**: each backup is written to a new folder
      `epoch-<n>/` (weights, `SeedGenerator` states, metadata), and only
      then does `checkpoint.json` (replaced atomically) point to it. A kill
      at any moment leaves the previous complete backup in use; Keras'
      callback overwrites its one weights file in place, so a kill while it
      writes leaves a file that cannot be loaded.
    - **random states**: the states of the model's `SeedGenerator`s
      (dropout masks, scheduled-sampling coins), which `save_weights`
      leaves out, are backed up and restored, so a resumed run draws the
      same random numbers as an uninterrupted one.
    - **multi-worker**: only the chief (`is_chief()`) writes; every worker
      restores from the shared folder.

    Only `save_freq="epoch"` is supported: Keras restarts an interrupted
    epoch from its first batch, so a mid-epoch backup could not be resumed
    exactly.

    Args:
        backup_dir: folder of the backups (created if needed).
        delete_checkpoint: delete `backup_dir` when `fit` completes.
        keep: number of backups to keep (the newest ones).

    Example:

    A training stopped after its second epoch; the same `fit` run again
    restores the weights and continues with the third:

    >>> import keras, numpy as np
    >>> from keras_attention import training
    >>> def make_model():
    ...     model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    ...     model.compile(optimizer="sgd", loss="mse")
    ...     return model
    >>> x, y = np.ones((8, 2)), np.ones((8, 1))
    >>> backup = training.BackupAndRestore("ckpt", delete_checkpoint=False)
    >>> _ = make_model().fit(x, y, epochs=2, callbacks=[backup], verbose=0)
    >>> backup.latest()["epoch"]  # epochs completed
    2
    >>> model = make_model()
    >>> history = model.fit(x, y, epochs=4, callbacks=[
    ...     training.BackupAndRestore("ckpt", delete_checkpoint=False)], verbose=0)
    >>> len(history.history["loss"])  # epochs 3 and 4 only
    2
    """

    def __init__(self, backup_dir, delete_checkpoint=True, keep=1):
        if not backup_dir:
            raise ValueError(
                f"`backup_dir` must be a folder path. Received: backup_dir={backup_dir!r}"
            )
        super().__init__(
            os.fspath(backup_dir), save_freq="epoch", delete_checkpoint=delete_checkpoint
        )
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"`keep` must be a positive integer. Received: keep={keep!r}")
        self.keep = keep
        self.restored_epoch = None

    # -- reading ---------------------------------------------------------
    def latest(self):
        """`{"epoch": n, "folder": ...}` of the newest complete backup, or None."""
        pointer = os.path.join(self.backup_dir, POINTER)
        if not os.path.exists(pointer):
            return None
        with open(pointer, encoding="utf-8") as f:
            record = json.load(f)
        record["folder"] = os.path.join(self.backup_dir, record["folder"])
        return record

    def _load_model(self):
        if not self.model.built:
            raise ValueError(
                "BackupAndRestore needs a built model: call `model.build()` (or the "
                "model once on a batch) before fit(); compiling a TimeSeriesForecaster "
                f"does not build it. Received: an unbuilt model {self.model.name!r}"
            )
        record = self.latest()
        if record is None:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(os.path.join(record["folder"], "model.weights.h5"))
        seeds = _seed_states(self.model)
        with np.load(os.path.join(record["folder"], "seeds.npz")) as saved:
            if len(saved.files) != len(seeds):
                raise ValueError(
                    f"The backup in {record['folder']!r} holds {len(saved.files)} "
                    f"random-generator states but the model has {len(seeds)}: it was "
                    "written by another model. Use another `--checkpoint-dir` or "
                    "delete this one."
                )
            for i, variable in enumerate(seeds):
                variable.assign(saved[f"s{i}"])
        self.model._initial_epoch = int(record["epoch"])
        self.restored_epoch = int(record["epoch"])

    def on_train_begin(self, logs=None):
        self._load_model()

    # -- writing -----------------------------------------------------------
    def _save_model(self):
        if not is_chief():
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        epoch = int(self._current_epoch)
        name = f"epoch-{epoch}"
        with io_utils.atomic_directory(os.path.join(self.backup_dir, name)) as tmp:
            self.model.save_weights(os.path.join(tmp, "model.weights.h5"))
            states = {
                f"s{i}": keras.ops.convert_to_numpy(v.value)
                for i, v in enumerate(_seed_states(self.model))
            }
            np.savez(os.path.join(tmp, "seeds.npz"), **states)
        io_utils.atomic_write_json(
            os.path.join(self.backup_dir, POINTER), {"epoch": epoch, "folder": name}
        )
        self._prune(keep_name=name)

    def _prune(self, keep_name):
        backups = []
        for entry in os.listdir(self.backup_dir):
            path = os.path.join(self.backup_dir, entry)
            if entry.startswith("epoch-") and entry[6:].isdigit():
                backups.append((int(entry[6:]), path))
            elif entry.startswith((".tmp-", ".old-")):
                shutil.rmtree(path, ignore_errors=True)  # left by a killed run
        backups.sort()
        for _, path in backups[: -self.keep]:
            if os.path.basename(path) != keep_name:
                shutil.rmtree(path, ignore_errors=True)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and is_chief() and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)


def checkpoint_callbacks(checkpoint_dir=None, data=None, delete_checkpoint=True):
    """The callbacks that make `fit` resumable (for `--checkpoint-dir`).

    Args:
        checkpoint_dir: backup folder, or `None` (no backups).
        data: the `ShuffledArrays` passed to `fit`, if any (its epoch is set
            at every epoch start, with or without `checkpoint_dir`).
        delete_checkpoint: delete the folder once `fit` completes.

    Returns:
        A list of callbacks (possibly empty) to add to `fit`.

    Example:

    >>> import numpy as np
    >>> from keras_attention import training
    >>> data = training.ShuffledArrays(np.zeros((8, 2)), np.zeros(8), batch_size=4)
    >>> [type(c).__name__ for c in training.checkpoint_callbacks("ckpt", data)]
    ['_SetEpoch', 'BackupAndRestore']
    >>> training.checkpoint_callbacks(None)  # no --checkpoint-dir, plain arrays
    []
    """
    callbacks = []
    if isinstance(data, ShuffledArrays):
        callbacks.append(data.epoch_callback())
    if checkpoint_dir:
        callbacks.append(BackupAndRestore(checkpoint_dir, delete_checkpoint=delete_checkpoint))
    return callbacks


def build_for_strategy(model, batch):
    """Builds a model's loss, metrics and optimizer before `fit` under a strategy.

    Call it after `compile`, inside or outside the strategy scope, with one
    local batch. Under a `tf.distribute` strategy Keras 3.15 first builds
    them in `fit` from the *mean* of the replicas' first batches
    (`Trainer._maybe_symbolic_build`), which turns token ids into floats
    (`Seq2SeqTranslator` then refuses them) and, under
    `MultiWorkerMirroredStrategy`, fails on dict inputs altogether
    (keras-team/keras#20329). Built here from a real batch, nothing is left
    for that step, which is then skipped for this model. A no-op for a model
    made outside any strategy scope.

    Args:
        model: a compiled model.
        batch: `(x, y)` or `(x, y, sample_weight)`, e.g. `data[0]` of a
            `ShuffledArrays`.

    Example:

    >>> import numpy as np
    >>> from keras_attention import training
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> data = training.ShuffledArrays(
    ...     {"source_ids": np.full((8, 5), 4), "target_ids": np.full((8, 4), 2)},
    ...     np.full((8, 4), 5), batch_size=4)
    >>> with training.strategy_scope("mirrored"):
    ...     model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    ...     model.compile()
    >>> training.build_for_strategy(model, data[0])
    >>> model.optimizer.built
    True
    """
    # Keras' own condition for `_maybe_symbolic_build`: a model made outside
    # any strategy scope has none.
    strategy = getattr(model, "_distribute_strategy", None)
    if strategy is None:
        return
    x, y = batch[0], batch[1]
    sample_weight = batch[2] if len(batch) > 2 else None
    with strategy.scope():
        y_pred = model(x, training=False)
        model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    model.reset_metrics()
    # Everything `_maybe_symbolic_build` would build exists now; skip it
    # (for this model only) so that it never averages the input batch.
    model._maybe_symbolic_build = _nothing_to_build


def _nothing_to_build(iterator=None, data_batch=None):
    return None


def _is_multi_worker(strategy):
    if strategy is None or keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def fit(model, data, epochs=1, callbacks=None, validation_data=None, verbose="auto"):
    """`model.fit(data, epochs=..., ...)` that also runs multi-worker.

    With a model built under `MultiWorkerMirroredStrategy`, Keras 3.15's
    `fit` fails in every train step (it averages the scalar logs with
    `reduce("MEAN", axis=0)`: keras-team/keras#20585,
    tensorflow/tensorflow#72388). There this runs the model's own
    `train_step` (and `test_step`) with `strategy.run` in a short loop of
    its own, with the callbacks' epoch and batch hooks (`BackupAndRestore`
    included). Every worker must call it with the same data; each global
    batch of `data.batch_size` examples is split across the workers and the
    last incomplete batch of an epoch is dropped. Anything else goes to
    `model.fit`.

    Args:
        model: a compiled model.
        data: a `ShuffledArrays` (or, outside multi-worker, anything
            `model.fit` accepts as `x`).
        epochs: number of epochs.
        callbacks: list of Keras callbacks.
        validation_data: like `data` (a `ShuffledArrays` built with
            `shuffle=False`), or `None`.
        verbose: as in `model.fit`.

    Returns:
        The `History` callback.

    Example:

    What the examples do with `--seed 0 --checkpoint-dir ckpt --strategy
    none` (and `deterministic=True` with `--deterministic`):

    >>> import numpy as np
    >>> from keras_attention import training
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> training.seed_everything(0)
    >>> with training.strategy_scope("none"):
    ...     model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    ...     model.compile(optimizer="adam", loss="mse")
    >>> model.build()  # a backup can only be restored into a built model
    >>> x = {"drivers": np.random.rand(16, 4, 2), "past_target": np.random.rand(16, 3, 1)}
    >>> data = training.ShuffledArrays(x, np.random.rand(16, 1), batch_size=8, seed=0)
    >>> training.build_for_strategy(model, data[0])  # needed under a strategy
    >>> history = training.fit(model, data, epochs=2, verbose=0,
    ...                        callbacks=training.checkpoint_callbacks("ckpt", data))
    >>> len(history.history["loss"])
    2
    """
    strategy = getattr(model, "_distribute_strategy", None)
    if not _is_multi_worker(strategy):
        return model.fit(
            data,
            epochs=epochs,
            callbacks=callbacks,
            validation_data=validation_data,
            verbose=verbose,
            # A ShuffledArrays shuffles by itself; Keras would also shuffle its
            # batch order with the process's `random` state.
            shuffle=not isinstance(data, ShuffledArrays),
        )
    for name, value in (("data", data), ("validation_data", validation_data)):
        if value is not None and not isinstance(value, ShuffledArrays):
            raise ValueError(
                f"Multi-worker training takes `{name}` as a ShuffledArrays. "
                f"Received: {name} of type {type(value).__name__}"
            )
    return _fit_multi_worker(model, strategy, data, epochs, callbacks, validation_data, verbose)


def _distributed_epoch(strategy, data, epoch):
    import tensorflow as tf

    rows = data.order(epoch)
    x = keras.tree.map_structure(lambda a: np.asarray(a)[rows], data.x)
    y = None if data.y is None else keras.tree.map_structure(lambda a: np.asarray(a)[rows], data.y)
    ds = tf.data.Dataset.from_tensor_slices((x,) if y is None else (x, y))
    ds = ds.batch(data.batch_size, drop_remainder=True)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    return strategy.experimental_distribute_dataset(ds.with_options(options))


def _fit_multi_worker(model, strategy, data, epochs, callbacks, validation_data, verbose):
    import tensorflow as tf

    if data.num_examples < data.batch_size:
        raise ValueError(
            "Multi-worker training drops incomplete batches, and `data` has fewer "
            f"examples than one batch. Received: {data.num_examples} examples, "
            f"batch_size={data.batch_size}"
        )
    build_for_strategy(model, data[0])
    steps = data.num_examples // data.batch_size

    def reduce(logs):
        return {k: strategy.reduce("MEAN", v, axis=None) for k, v in logs.items()}

    @tf.function
    def train_step(batch):
        return reduce(strategy.run(model.train_step, args=(batch,)))

    @tf.function
    def test_step(batch):
        return reduce(strategy.run(model.test_step, args=(batch,)))

    if verbose == "auto":
        verbose = 1
    callbacks = keras.callbacks.CallbackList(
        callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        verbose=verbose,
        epochs=epochs,
        steps=steps,
        model=model,
    )
    model.stop_training = False
    callbacks.on_train_begin()
    epoch_logs = {}
    for epoch in range(model._initial_epoch or 0, epochs):
        model.reset_metrics()
        callbacks.on_epoch_begin(epoch)
        logs = {}
        for step, batch in enumerate(_distributed_epoch(strategy, data, epoch)):
            callbacks.on_train_batch_begin(step)
            logs = train_step(batch)
            callbacks.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        epoch_logs = {k: float(v) for k, v in logs.items()}
        if validation_data is not None:
            model.reset_metrics()
            val_logs = {}
            for batch in _distributed_epoch(strategy, validation_data, 0):
                val_logs = test_step(batch)
            epoch_logs.update({f"val_{k}": float(v) for k, v in val_logs.items()})
        callbacks.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callbacks.on_train_end(epoch_logs)
    return model.history
