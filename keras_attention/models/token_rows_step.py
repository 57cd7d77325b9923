"""A TensorFlow training step that scores only the non-padding target tokens.

`Seq2SeqTranslator` uses it on the TensorFlow backend when the compile()
defaults are in use; other backends (and other compile() arguments) run
Keras' own `train_step`, with the same loss and gradients.
"""

import keras
from keras import ops

from keras_attention.metrics import MaskedAccuracy


def applies(loss, metrics, compile_kwargs):
    """Whether the token-rows step gives Keras' loss and metrics exactly.

    True for `SparseCategoricalCrossentropy(from_logits=True,
    ignore_class=0)` with a mean/sum reduction, metrics among
    `MaskedAccuracy(ignore_class=0)`, and no loss or metric weights, on the
    TensorFlow backend.
    """
    if keras.backend.backend() != "tensorflow":
        return False
    if not isinstance(loss, keras.losses.SparseCategoricalCrossentropy):
        return False
    config = loss.get_config()
    if not (
        config.get("from_logits")
        and config.get("ignore_class") == 0
        and config.get("reduction") in ("sum_over_batch_size", "sum", "mean")
    ):
        return False
    if metrics is not None and not (
        isinstance(metrics, (list, tuple))
        and all(isinstance(m, MaskedAccuracy) and m.ignore_class == 0 for m in metrics)
    ):
        return False
    return not any(compile_kwargs.get(k) for k in ("loss_weights", "weighted_metrics"))


def train_step(model, data):
    """`keras.Model.train_step` (TensorFlow), scoring only non-padding tokens.

    The logits are computed only at the labelled positions (`labels != 0`,
    gathered into `(N, vocab)` by the decoder's `positions` argument) and
    the compiled loss and metrics score those rows: the same loss value and
    gradients as Keras' step on the `(B, T, vocab)` logits, without making
    that tensor (6–8% faster on the benchmark spec, see bench/RESULTS.md).

    Returns:
        The metrics dict, or `None` when the step does not apply to `data`
        (sample weights, non-dict inputs): the caller then runs Keras' step.
    """
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    if sample_weight is not None or y is None or not isinstance(x, dict):
        return None
    import tensorflow as tf

    source_ids, target_ids = model._unpack(x)
    flat = tf.reshape(ops.convert_to_tensor(y), [-1])
    positions = tf.where(tf.not_equal(flat, 0))[:, 0]  # row · T + step
    row_labels = tf.gather(flat, positions)
    with tf.GradientTape() as tape:
        memory, cell_states = model.encode(source_ids, training=True)
        rows, _, weights = model.decoder(
            target_ids,
            memory,
            initial_state=cell_states,
            training=True,
            positions=positions,
        )
        # The model's call adds its losses on the alignments (coverage);
        # this step does not go through that call, so it adds them here, in
        # place of any left from an earlier call.
        model._clear_losses()
        model._add_attention_losses(weights, target_ids)
        # The decoder's call attaches its (B, T) target mask to its first
        # output; these are (N,) rows, all real tokens.
        rows = tf.identity(rows)
        loss = model._compute_loss(
            x=x, y=row_labels, y_pred=rows, sample_weight=None, training=True
        )
        # As keras.Model.train_step: the tracker sees the unscaled loss.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        model._loss_tracker.update_state(
            loss * tf.cast(replicas, loss.dtype),
            sample_weight=tf.shape(source_ids)[0],
        )
        if model.optimizer is not None:
            loss = model.optimizer.scale_loss(loss)
    gradients = tape.gradient(loss, model.trainable_weights)
    model.optimizer.apply_gradients(zip(gradients, model.trainable_weights))
    return model.compute_metrics(x, row_labels, rows, sample_weight=None)
