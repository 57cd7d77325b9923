"""Resumable training: a crash-safe `BackupAndRestore` and `checkpoint_callbacks`."""

import json
import os
import shutil

import keras
import numpy as np

import keras_attention.io_utils as io_utils
from keras_attention.training.distribution import is_chief
from keras_attention.training.shuffled_arrays import ShuffledArrays

POINTER = "checkpoint.json"


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
