"""keras_attention.training: determinism, resumable backups, strategies."""

import json
import os
import re

import keras
import numpy as np
import pytest

from keras_attention import training
from keras_attention.callbacks import ScheduledSampling
from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster


@pytest.fixture
def deterministic_ops():
    """Op determinism for one test (it is process-wide in TensorFlow)."""
    from tensorflow.python.framework import config

    yield
    config.disable_op_determinism()


# -- ShuffledArrays ---------------------------------------------------------------
def test_the_order_depends_only_on_seed_and_epoch():
    x = {"a": np.arange(10), "b": np.arange(10) * 2}
    data = training.ShuffledArrays(x, np.arange(10), batch_size=4, seed=3)
    other = training.ShuffledArrays(x, np.arange(10), batch_size=4, seed=3)
    other.epoch = 5
    other[0]  # another epoch first: nothing is carried over
    data.epoch = other.epoch = 2
    assert len(data) == 3
    batches = [data[i] for i in range(3)]
    for i, (bx, by) in enumerate(batches):
        np.testing.assert_array_equal(bx["a"], other[i][0]["a"])
        np.testing.assert_array_equal(bx["b"], 2 * by)
    assert sorted(np.concatenate([b[1] for b in batches])) == list(range(10))
    assert not np.array_equal(data.order(1), data.order(2))
    np.testing.assert_array_equal(
        training.ShuffledArrays(x, batch_size=4, shuffle=False).order(7), np.arange(10)
    )


def test_the_epoch_callback_sets_the_epoch():
    data = training.ShuffledArrays(np.zeros((4, 1)), np.zeros((4, 1)), batch_size=2)
    (callback,) = training.checkpoint_callbacks(None, data)
    callback.on_epoch_begin(6)
    assert data.epoch == 6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=np.zeros(4), batch_size=0),
         "`batch_size` must be a positive integer. Received: batch_size=0"),
        (dict(x=np.zeros(4), y=np.zeros(3)),
         "`x` and `y` must hold arrays with the same number of examples. Received: lengths [3, 4]"),
        (dict(x=np.zeros(0)), "`x` holds no examples. Received: 0 examples"),
    ],
)
def test_shuffled_arrays_errors(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        training.ShuffledArrays(**kwargs)


# -- EpochArrays -------------------------------------------------------------------
def test_epoch_arrays_feed_each_epoch_its_own_arrays_through_fit():
    calls = []

    def make_epoch(epoch):
        calls.append(epoch)
        x = np.ones((8, 1), "float32")
        return x, np.full((8, 1), float(epoch), "float32")

    data = training.EpochArrays(make_epoch, batch_size=4, seed=0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = training.fit(model, data, epochs=3, callbacks=training.checkpoint_callbacks(
        None, data), verbose=0)
    # The model predicts 0 throughout: the loss of epoch e is e**2, so each epoch saw its own targets.
    np.testing.assert_allclose(history.history["loss"], [0.0, 1.0, 4.0])
    assert calls == [0, 1, 2]


def test_epoch_arrays_errors():
    with pytest.raises(ValueError, match="`make_epoch` must be a callable"):
        training.EpochArrays(np.zeros(4))
    data = training.EpochArrays(lambda e: (np.zeros(4 + e), np.zeros(4 + e)), batch_size=2)
    data.epoch = 1
    with pytest.raises(ValueError, match=re.escape(
            "`make_epoch(1)` must return 4 examples like epoch 0. Received: lengths [5]")):
        data[0]


# -- BackupAndRestore -------------------------------------------------------------
def dropout_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dropout(0.5, seed=1),
         keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


def toy_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    return training.ShuffledArrays(x, x.sum(1, keepdims=True), batch_size=8, seed=0)


class Crash(keras.callbacks.Callback):
    """Raises at the start of an epoch, as a kill would stop the run."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("killed")


def test_an_interrupted_fit_resumes_with_the_same_weights_and_dropout(tmp_path):
    data = toy_data()
    reference = dropout_model()
    reference.fit(data, epochs=3, shuffle=False, verbose=0,
                  callbacks=training.checkpoint_callbacks(None, data))

    folder = tmp_path / "ckpt"
    model = dropout_model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(data, epochs=3, shuffle=False, verbose=0,
                  callbacks=training.checkpoint_callbacks(folder, data) + [Crash(2)])
    assert json.loads((folder / "checkpoint.json").read_text()) == {
        "epoch": 2, "folder": "epoch-2"}
    assert sorted(os.listdir(folder)) == ["checkpoint.json", "epoch-2"]  # older pruned

    resumed = dropout_model()  # a new process would rebuild the model like this
    callbacks = training.checkpoint_callbacks(folder, data)
    history = resumed.fit(data, epochs=3, shuffle=False, verbose=0, callbacks=callbacks)
    assert callbacks[-1].restored_epoch == 2 and len(history.history["loss"]) == 1
    assert not folder.exists()
    for e, g in zip(reference.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(g, e)


def test_a_crash_while_writing_a_backup_keeps_the_previous_one(tmp_path, monkeypatch):
    data = toy_data()
    folder = tmp_path / "ckpt"
    model = dropout_model()
    calls = []
    original = keras.Model.save_weights

    def save_weights(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:  # the second backup dies half-way
            with open(path, "wb") as f:
                f.write(b"half a file")
            raise KeyboardInterrupt("killed while writing")
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "save_weights", save_weights)
    with pytest.raises(KeyboardInterrupt):
        model.fit(data, epochs=3, shuffle=False, verbose=0,
                  callbacks=training.checkpoint_callbacks(folder, data))
    monkeypatch.setattr(keras.Model, "save_weights", original)
    assert json.loads((folder / "checkpoint.json").read_text())["epoch"] == 1
    callbacks = training.checkpoint_callbacks(folder, data)
    dropout_model().fit(data, epochs=3, shuffle=False, verbose=0, callbacks=callbacks)
    assert callbacks[-1].restored_epoch == 1


def test_only_the_chief_writes(monkeypatch, tmp_path):
    cluster = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    for task, chief in [({"type": "worker", "index": 0}, True),
                        ({"type": "worker", "index": 1}, False)]:
        monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))
        assert training.is_chief() is chief
    monkeypatch.setenv("TF_CONFIG", json.dumps(
        {"cluster": dict(cluster, chief=["127.0.0.1:3"]), "task": {"type": "worker", "index": 0}}))
    assert not training.is_chief()
    data = toy_data()
    dropout_model().fit(data, epochs=1, shuffle=False, verbose=0,
                        callbacks=training.checkpoint_callbacks(tmp_path / "ckpt", data,
                                                                delete_checkpoint=False))
    assert not (tmp_path / "ckpt").exists()
    monkeypatch.delenv("TF_CONFIG")
    assert training.is_chief()


def test_argument_errors():
    with pytest.raises(ValueError, match=re.escape(
        "`strategy` must be one of 'none', 'mirrored', 'multiworker'. Received: strategy='tpu'"
    )):
        training.get_strategy("tpu")
    with pytest.raises(ValueError, match=re.escape(
        "`seed` must be a non-negative integer. Received: seed=-1"
    )):
        training.enable_determinism(-1)
    with pytest.raises(ValueError, match=re.escape(
        "`backup_dir` must be a folder path. Received: backup_dir=''"
    )):
        training.BackupAndRestore("")


def test_command_line_options():
    import argparse

    from keras_attention.recipes.configs import RunOptions
    from keras_attention.recipes.options import add_options

    parser = argparse.ArgumentParser()
    add_options(parser, RunOptions, suppress=False, exclude=["logdir", "verbose"])
    args = parser.parse_args(["--checkpoint-dir", "c", "--strategy", "mirrored",
                              "--deterministic"])
    assert (args.checkpoint_dir, args.strategy, args.deterministic) == ("c", "mirrored", True)
    with training.strategy_scope(parser.parse_args([]).strategy) as strategy:
        assert strategy.num_replicas_in_sync == 1


# -- determinism ------------------------------------------------------------------
def train_translator():
    training.enable_determinism(0)
    rng = np.random.default_rng(0)
    src = rng.integers(4, 20, (48, 7)).astype("int32")
    src[::3, 5:] = 0
    tgt = rng.integers(4, 15, (48, 6)).astype("int32")
    tgt[:, 0] = 2
    y = np.concatenate([tgt[:, 1:], np.full((48, 1), 3)], 1).astype("int32")
    model = Seq2SeqTranslator(20, 15, embedding_dim=8, units=8, dropout=0.2, seed=1)
    model.compile()
    data = training.ShuffledArrays({"source_ids": src, "target_ids": tgt}, y, batch_size=16)
    callbacks = training.checkpoint_callbacks(None, data) + [
        ScheduledSampling("linear", c=0.4, per="epoch")
    ]
    history = training.fit(model, data, epochs=2, callbacks=callbacks, verbose=0)
    return history.history["loss"], model.get_weights()


def train_forecaster():
    training.enable_determinism(0)
    rng = np.random.default_rng(0)
    x = {"drivers": rng.normal(size=(48, 6, 3)).astype("float32"),
         "past_target": rng.normal(size=(48, 5, 1)).astype("float32")}
    model = TimeSeriesForecaster(window=6, num_features=3, horizon=2, units=8, dropout=0.2,
                                 input_attention=True)
    model.compile(optimizer="adam", loss="mse")
    data = training.ShuffledArrays(x, rng.normal(size=(48, 2)).astype("float32"), batch_size=16)
    history = training.fit(model, data, epochs=2, verbose=0,
                           callbacks=training.checkpoint_callbacks(None, data))
    return history.history["loss"], model.get_weights()


@pytest.mark.parametrize("train", [train_translator, train_forecaster],
                         ids=["translator", "forecaster"])
def test_two_seeded_runs_give_identical_losses_and_weights(train, deterministic_ops):
    losses, weights = train()
    keras.backend.clear_session()
    losses2, weights2 = train()
    assert losses == losses2 and np.isfinite(losses).all()
    for a, b in zip(weights, weights2, strict=True):
        np.testing.assert_array_equal(a, b)


def test_backup_and_restore_names_an_unbuilt_model(tmp_path):
    model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    model.compile(optimizer="adam", loss="mse")  # compiling does not build it
    callback = training.BackupAndRestore(tmp_path / "ckpt")
    callback.set_model(model)
    with pytest.raises(ValueError, match=r"call `model.build\(\)`.*Received: an unbuilt model"):
        callback.on_train_begin()
    model.build()
    callback.on_train_begin()  # nothing to restore yet: no error
    assert callback.restored_epoch is None
