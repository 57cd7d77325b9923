"""Token accuracy over non-padding positions."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_attention")
class MaskedAccuracy(keras.metrics.Metric):
    """Accuracy of next-token predictions, ignoring padded labels.

    `keras.metrics.SparseCategoricalAccuracy` counts padded positions unless
    a mask reaches it; this metric skips every label equal to
    `ignore_class` itself, so it is right whatever the model's masking.

    Args:
        ignore_class: label id to skip (padding, 0 by default).
        name: metric name.
        dtype: dtype of the metric's state.

    Example:

    >>> from keras_attention.metrics import MaskedAccuracy
    >>> m = MaskedAccuracy()  # label 0 (padding) is skipped
    >>> m.update_state([[5, 2, 0]], [[[0, 0, 0, 0, 0, 1.0],
    ...                               [0, 1.0, 0, 0, 0, 0],
    ...                               [1.0, 0, 0, 0, 0, 0]]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, ignore_class=0, name="masked_accuracy", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.ignore_class = ignore_class
        self.correct = self.add_variable(shape=(), initializer="zeros", name="correct")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "int32")
        predicted = ops.cast(ops.argmax(y_pred, axis=-1), "int32")
        weight = ops.cast(ops.not_equal(y_true, self.ignore_class), self.dtype)
        if sample_weight is not None:
            weight = weight * ops.cast(sample_weight, self.dtype)
        hits = ops.cast(ops.equal(predicted, y_true), self.dtype) * weight
        self.correct.assign_add(ops.sum(hits))
        self.count.assign_add(ops.sum(weight))

    def result(self):
        return ops.divide_no_nan(self.correct, self.count)

    def reset_state(self):
        self.correct.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        return {"ignore_class": self.ignore_class, "name": self.name, "dtype": self.dtype}
