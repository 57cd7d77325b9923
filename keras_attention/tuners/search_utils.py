"""What both HyperModels share: the training hyperparameters and helpers.

KerasTuner is an optional dependency (`pip install 'keras-attention[tuner]'`);
this module imports it and explains how to install it when it is missing.
"""

import keras

from keras_attention.utils.optional import import_optional

keras_tuner = import_optional(
    "keras_tuner",
    "keras_attention.tuners needs KerasTuner",
    "'keras-attention[tuner]' "
    "(keras-tuner[bayesian], which also brings scipy for BayesianOptimization)",
)

#: Keras' `fit()` default batch size, the default of the `batch_size` search.
DEFAULT_BATCH_SIZE = 32
DEFAULT_BATCH_SIZES = (16, 32, 64, 128)
#: Adam's default learning rate, the default of the `learning_rate` search.
DEFAULT_LEARNING_RATE = 1e-3


def validate_batch_sizes(batch_sizes):
    """`None` (not searched) or a non-empty sequence of positive integers."""
    if batch_sizes is None:
        return None
    ok = isinstance(batch_sizes, (list, tuple)) and len(batch_sizes) > 0
    ok = ok and all(
        isinstance(b, int) and not isinstance(b, bool) and b > 0 for b in batch_sizes
    )
    if not ok:
        raise ValueError(
            "`batch_sizes` must be None or a non-empty list of positive integers. "
            f"Received: batch_sizes={batch_sizes!r}"
        )
    return tuple(sorted(set(batch_sizes)))


def validate_epochs(epochs):
    """`None` (not searched) or a `(min, max)` pair of positive integers."""
    if epochs is None:
        return None
    ok = isinstance(epochs, (list, tuple)) and len(epochs) == 2
    ok = ok and all(isinstance(e, int) and not isinstance(e, bool) for e in epochs)
    ok = ok and 1 <= epochs[0] <= epochs[1]
    if not ok:
        raise ValueError(
            "`epochs` must be None or a (min_epochs, max_epochs) pair of integers "
            f"with 1 <= min_epochs <= max_epochs. Received: epochs={epochs!r}"
        )
    return tuple(epochs)


def learning_rate(hp):
    """The `learning_rate` hyperparameter (log scale, default Adam's 1e-3)."""
    return hp.Float(
        "learning_rate", 1e-4, 1e-2, sampling="log", default=DEFAULT_LEARNING_RATE
    )


def dropout(hp):
    """The `dropout` hyperparameter (0 to 0.5, default 0: the builders' default)."""
    return hp.Float("dropout", 0.0, 0.5, step=0.1, default=0.0)


def _is_dataset(x):
    if isinstance(x, keras.utils.PyDataset):
        return True
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover
        return False
    return isinstance(x, tf.data.Dataset)


def fit(hypermodel, hp, model, *args, **kwargs):
    """`model.fit` with the `batch_size` and `epochs` hyperparameters.

    - `batch_size` is searched among `hypermodel.batch_sizes` unless the
      inputs are already batched (a `tf.data.Dataset` or `PyDataset`), the
      caller passed `batch_size` to `search()`, or `batch_sizes=None`.
    - `epochs` is searched in `hypermodel.epochs = (min, max)` (default
      `max`) unless the tuner schedules epochs itself (Hyperband), or
      `epochs=None` (then `search(epochs=...)` is used).
    - `keras.callbacks.TerminateOnNaN` is added: a diverging trial stops at
      once and KerasTuner records it as invalid (its score is NaN) instead of
      silently training on.
    """
    kwargs = dict(kwargs)
    x = args[0] if args else kwargs.get("x")
    if (
        hypermodel.batch_sizes is not None
        and "batch_size" not in kwargs
        and not _is_dataset(x)
    ):
        kwargs["batch_size"] = hp.Choice(
            "batch_size",
            list(hypermodel.batch_sizes),
            default=(
                DEFAULT_BATCH_SIZE
                if DEFAULT_BATCH_SIZE in hypermodel.batch_sizes
                else hypermodel.batch_sizes[0]
            ),
        )
    hyperband = "tuner/epochs" in hp.values
    if hypermodel.epochs is not None and not hyperband:
        if "epochs" in kwargs:
            raise ValueError(
                "The number of epochs is searched (the HyperModel was built with "
                f"epochs={hypermodel.epochs}); do not also pass `epochs` to "
                f"search(). Received: epochs={kwargs['epochs']!r}"
            )
        low, high = hypermodel.epochs
        kwargs["epochs"] = hp.Int("epochs", low, high, default=high)
    callbacks = list(kwargs.pop("callbacks", None) or [])
    if not any(isinstance(c, keras.callbacks.TerminateOnNaN) for c in callbacks):
        callbacks.append(keras.callbacks.TerminateOnNaN())
    return model.fit(*args, callbacks=callbacks, **kwargs)


class TaskHyperModel(keras_tuner.HyperModel):
    """What the three HyperModels share: the fixed problem, the searched
    batch size and epochs, and `fit`.

    Args:
        task_class: the model class built (`Seq2SeqTranslator`, ...).
        problem: its fixed (not searched) constructor arguments; a model
            is built from them at once, so a bad one fails here with the
            model's own message (`derived_problem` reads that model).
        batch_sizes, epochs, name, tunable: see the subclasses.
    """

    def __init__(self, task_class, problem, batch_sizes, epochs, name, tunable):
        super().__init__(name=name, tunable=tunable)
        self.task_class = task_class
        self.batch_sizes = validate_batch_sizes(batch_sizes)
        self.epochs = validate_epochs(epochs)
        self.problem = {**problem, **self.derived_problem(task_class(**problem))}

    def derived_problem(self, model):
        """Fixed arguments that the model derived from `problem` (none)."""
        return {}

    def new_model(self, hp):
        """The model of the fixed problem and the choices in `hp` (registers
        the hyperparameters in `hp`), not yet compiled."""
        return self.task_class(**self.problem, **self.model_kwargs(hp))

    def fit(self, hp, model, *args, **kwargs):
        """`model.fit` with the searched batch size (and number of epochs)."""
        return fit(self, hp, model, *args, **kwargs)


def with_learning_rate(optimizer, value):
    """A copy of `optimizer` (same class and config) with another learning rate."""
    config = optimizer.get_config()
    config["learning_rate"] = float(value)
    return optimizer.__class__.from_config(config)


__all__ = ["keras_tuner"]
