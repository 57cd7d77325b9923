"""`fit`: `model.fit`, or a loop of its own under `MultiWorkerMirroredStrategy`."""

import keras
import numpy as np

from keras_attention.training.shuffled_arrays import ShuffledArrays


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
