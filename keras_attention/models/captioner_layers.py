"""The pieces `ImageCaptioner` is built from, and its argument checks."""

import keras
import numpy as np
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.attention_decoder import AttentionDecoder
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell
from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.hard_attention import HardAttention
from keras_attention.runtime.vocabulary import END_ID, PAD_ID

ATTENTIONS = ("soft", "hard", "none")
CELLS = {
    "gru": (keras.layers.GRUCell, 1),
    "lstm": (keras.layers.LSTMCell, 2),
}
POSITIONS = ("onehot", "learned", "none")
DEEP_OUTPUTS = (None, "maxout")


# -- argument checks -------------------------------------------------------------
def check_image_shape(image_shape):
    shape = tuple(image_shape) if isinstance(image_shape, (list, tuple)) else None
    if shape is None or len(shape) != 3 or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0 for d in shape
    ):
        raise ValueError(
            "`image_shape` must be (height, width, channels), three positive "
            f"integers. Received: image_shape={image_shape!r}"
        )
    return tuple(int(d) for d in shape)


def check_int_list(name, values, minimum):
    if not isinstance(values, (list, tuple)) or not values or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= minimum
        for v in values
    ):
        raise ValueError(
            f"`{name}` must be a non-empty list of integers >= {minimum}. "
            f"Received: {name}={values!r}"
        )
    return [int(v) for v in values]


def check_encoder(encoder, image_shape):
    """`"conv"`, or a Keras model mapping images to a feature map (checked)."""
    if isinstance(encoder, dict):
        encoder = keras.saving.deserialize_keras_object(encoder)
    if isinstance(encoder, str):
        if encoder != "conv":
            raise ValueError(
                "`encoder` must be 'conv' (a small convolutional stack trained from "
                "scratch) or a keras.Model mapping images to a feature map. "
                f"Received: encoder={encoder!r}"
            )
        return encoder
    if not isinstance(encoder, keras.Model):
        raise ValueError(
            "`encoder` must be 'conv' or a keras.Model mapping images "
            f"(B, H, W, C) to a feature map (B, H', W', D). Received: encoder={encoder!r}"
        )
    shape = encoder.compute_output_shape((None,) + tuple(image_shape))
    if len(shape) != 4 or any(d is None for d in shape[1:]):
        raise ValueError(
            "`encoder` must map images of `image_shape` to a feature map "
            f"(B, H', W', D) of known size. Received: an encoder whose output for "
            f"image_shape={tuple(image_shape)} is {tuple(shape)}"
        )
    return encoder


# -- the encoder -----------------------------------------------------------------------
def conv_encoder(filters, pools, name="conv_encoder"):
    """Conv 3×3 (no bias) + BatchNorm + ReLU per block, then max-pooling of
    `pools[k]` (1: none)."""
    layers = []
    for k, (f, p) in enumerate(zip(filters, pools, strict=True)):
        layers += [
            keras.layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"conv_{k}"),
            keras.layers.BatchNormalization(momentum=0.9, name=f"batch_norm_{k}"),
            keras.layers.ReLU(name=f"relu_{k}"),
        ]
        if p > 1:
            layers.append(keras.layers.MaxPooling2D(p, name=f"pool_{k}"))
    return keras.Sequential(layers, name=name)


def feature_map_shape(backbone, image_shape):
    """`(H', W', D)` of the backbone's output for `image_shape`."""
    shape = backbone.compute_output_shape((None,) + tuple(image_shape))
    return tuple(int(d) for d in shape[1:])


def onehot_positions(height, width):
    """`(H'·W', H' + W')`: the one-hot row and column of every location,
    row-major (Wojna et al., 2017)."""
    rows, cols = np.divmod(np.arange(height * width), width)
    return np.concatenate([np.eye(height)[rows], np.eye(width)[cols]], -1).astype("float32")


# -- the decoder -------------------------------------------------------------------------
def make_attention(model):
    if model.attention == "soft":
        return BahdanauAttention(model.attention_units, name="attention")
    if model.attention == "hard":
        return HardAttention(model.attention_units, seed=model.seed, name="attention")
    return None


def make_decoder(model):
    """`AttentionDecoder(AttentionDecoderCell(cell, attention))`, embedding and logits.

    Bahdanau's data flow, as Show, Attend and Tell: the previous state
    queries, the context enters the RNN update, the logits come from the new
    state (or the maxout deep output).
    """
    cell_cls, _ = CELLS[model.cell]
    rnn_cell = cell_cls(model.units, dropout=model.dropout, seed=model.seed,
                        name="decoder_rnn_cell")
    # Embedded step inputs carry their Keras mask; the decoder masks itself.
    rnn_cell.supports_masking = True
    attention = make_attention(model)
    cell = AttentionDecoderCell(
        rnn_cell,
        attention,
        query="previous",
        input_feeding=False,
        attention_layer_size=None,
        output_attention=False,
        deep_output=model.deep_output,
        deep_output_units=model.deep_output_units,
        context_gate=model.context_gate and attention is not None,
        name="decoder_cell",
    )
    return AttentionDecoder(
        cell,
        embedding=keras.layers.Embedding(
            model.vocabulary_size, model.embedding_dim, mask_zero=True,
            name="token_embedding",
        ),
        output_layer=keras.layers.Dense(model.vocabulary_size, name="logits",
                                        dtype="float32"),
        seed=model.seed,
        name="decoder",
    )


# -- losses ------------------------------------------------------------------------------
def doubly_stochastic_penalty(weights, mask):
    """`mean_b Σ_i (1 − Σ_t α_{b,t,i})²` over the unpadded steps (Xu et al., eq. 14).

    Args:
        weights: `(B, T, L)` attention weights.
        mask: `(B, T)`, 1 for the caption's steps (end token included).
    """
    mask = ops.cast(mask, "float32")
    coverage = ops.sum(ops.cast(weights, "float32") * mask[:, :, None], axis=1)
    return ops.mean(ops.sum(ops.square(1.0 - coverage), axis=-1))


def labels_from_targets(target_ids):
    """The labels of teacher-forcing inputs: `[START, y1..yn, 0…]` → `[y1..yn, END, 0…]`.

    Example:

    >>> import numpy as np
    >>> from keras import ops
    >>> ids = np.array([[2, 7, 8, 0], [2, 9, 0, 0]])
    >>> ops.convert_to_numpy(labels_from_targets(ids)).tolist()
    [[7, 8, 3, 0], [9, 3, 0, 0]]
    """
    ids = ops.convert_to_tensor(target_ids)
    following = ops.concatenate([ids[:, 1:], ops.zeros_like(ids[:, :1])], axis=1)
    real = ops.not_equal(ids, PAD_ID)
    last = ops.logical_and(real, ops.equal(following, PAD_ID))
    return ops.where(last, ops.full_like(ids, END_ID), following)


def reinforce_terms(logits, target_ids, weights):
    """`(reward, score_term, entropy_term, tokens)` of hard attention (per example).

    `reward` `(B,)` is the caption's log-likelihood under teacher forcing
    (no gradient); `score_term` `(B,)` has the value 0 and the gradient
    `Σ_t ∇ log α_t(s_t)` and `entropy_term` `(B,)` the value 0 and the
    gradient `Σ_t ∇ H(α_t)` (from `HardAttention`'s weights); `tokens` is
    the number of unpadded steps.
    """
    labels = labels_from_targets(target_ids)
    mask = ops.cast(ops.not_equal(target_ids, PAD_ID), "float32")
    log_probs = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
    vocab = ops.shape(log_probs)[-1]
    token_log_prob = ops.sum(log_probs * ops.one_hot(labels, vocab), axis=-1)
    reward = ops.stop_gradient(ops.sum(token_log_prob * mask, axis=1))
    w = ops.cast(weights, "float32")
    sample = ops.stop_gradient(w)
    score = ops.sum(ops.sum(sample * w, axis=-1) * mask, axis=1)
    entropy = ops.sum(ops.sum((1.0 - sample) * w, axis=-1) * mask, axis=1)
    return (
        reward,
        score - ops.stop_gradient(score),
        entropy - ops.stop_gradient(entropy),
        ops.sum(mask),
    )


def check_attention_value(attention):
    return attention_utils.validate_choice("attention", attention, ATTENTIONS)
