"""Masked normalisers and small helpers shared by the attention layers.

Every normaliser here maps scores `(..., S)` and an optional boolean mask
`(..., S)` to weights `(..., S)` such that

- masked positions get exactly 0,
- each row with at least one unmasked position sums to 1 (up to rounding),
- a row whose positions are all masked is all zeros, never NaN.

Scores are normalised in float32 whatever the compute dtype, and the result
is cast back. This keeps mixed precision safe: the "large negative" constant
used for masked positions never meets float16 (where -1e9 is -inf), and
sparsemax's cumulative sums cannot overflow.
"""

import keras
from keras import ops

# The generic checks live in the Keras-free utils.validation (re-exported
# here for the layers that call `attention_utils.validate_*`).
from keras_attention.utils.validation import (  # noqa: F401
    validate_choice,
    validate_positive_int,
    validate_rate,
)

PROBABILITY_FNS = ("softmax", "sparsemax", "hardmax", "hard_straight_through")

# Masked positions are replaced (never added to) by this value before the
# normaliser runs in float32, so exp() of it is exactly 0.
_NEG = -1e9


def dims_differ(a, b):
    """Whether two static dimensions are both known and unequal."""
    return a is not None and b is not None and a != b


def validate_probability_fn(probability_fn):
    """A normaliser name of `PROBABILITY_FNS`, or a callable.

    A callable (as `tfa.seq2seq`'s `probability_fn`) receives float32 scores
    `(..., S)` in which masked positions already hold a large negative value
    and returns weights of the same shape; masked positions are set to 0
    afterwards. To save a model that uses one, register the function with
    `keras.saving.register_keras_serializable()`. A serialized function
    (a dict, as `get_config()` writes it) is accepted too.
    """
    if isinstance(probability_fn, dict):
        probability_fn = keras.saving.deserialize_keras_object(probability_fn)
    if callable(probability_fn) and not isinstance(probability_fn, str):
        return probability_fn
    if probability_fn not in PROBABILITY_FNS:
        raise ValueError(
            "`probability_fn` must be one of "
            f"{', '.join(repr(p) for p in PROBABILITY_FNS)} or a callable. "
            f"Received: probability_fn={probability_fn!r}"
        )
    return probability_fn


def serialize_probability_fn(probability_fn):
    """The config value of a `probability_fn` (its name, or a serialized function)."""
    if isinstance(probability_fn, str):
        return probability_fn
    return keras.saving.serialize_keras_object(probability_fn)


def _prepare(scores, mask):
    scores = ops.cast(scores, "float32")
    if mask is None:
        return scores, None
    mask = ops.cast(mask, "bool")
    return ops.where(mask, scores, _NEG), mask


def _finish(weights, mask, dtype):
    if mask is not None:
        weights = ops.where(mask, weights, 0.0)
    return ops.cast(weights, dtype)


def masked_softmax(scores, mask=None, dtype=None):
    """Softmax over the last axis with padded positions excluded.

    Args:
        scores: float tensor `(..., S)`.
        mask: optional boolean tensor broadcastable to `scores`; `True` marks
            positions that may receive weight.
        dtype: dtype of the result (default: the dtype of `scores`).

    Returns:
        Weights with the same shape as `scores`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import masked_softmax
    >>> scores = np.array([[1.0, 2.0, 3.0]], "float32")
    >>> np.asarray(masked_softmax(scores, np.array([[True, True, False]]))).round(4)
    array([[0.2689, 0.7311, 0.    ]], dtype=float32)
    >>> np.asarray(masked_softmax(scores, np.zeros((1, 3), bool)))  # all masked
    array([[0., 0., 0.]], dtype=float32)
    """
    dtype = dtype or scores.dtype
    scores, mask = _prepare(scores, mask)
    if scores.shape[-1] == 1:
        # A one-position memory: the weight is 1 (Keras warns on this softmax).
        return _finish(ops.ones_like(scores), mask, dtype)
    return _finish(ops.softmax(scores, axis=-1), mask, dtype)


def sparsemax(scores, mask=None, dtype=None):
    """Sparsemax (Martins & Astudillo, 2016) over the last axis, masked.

    The Euclidean projection of the scores onto the probability simplex:
    `p = max(z - tau, 0)` with `tau` chosen so that `sum(p) == 1`. Unlike
    softmax it can give exact zeros. Arguments and result as
    `masked_softmax`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import sparsemax
    >>> np.asarray(sparsemax(np.array([[0.0, 0.5, 1.0]], "float32")))
    array([[0.  , 0.25, 0.75]], dtype=float32)

    Reference:
        - [Martins & Astudillo, 2016](https://arxiv.org/abs/1602.02068)
    """
    dtype = dtype or scores.dtype
    z, mask = _prepare(scores, mask)
    # Sorting in descending order: top_k with k = S lowers to a builtin
    # TFLite op (TOPK_V2), unlike a general sort.
    size = ops.shape(z)[-1]
    z_sorted, _ = ops.top_k(z, k=size, sorted=True)
    k = ops.cast(ops.arange(1, size + 1), "float32")
    cumsum = ops.cumsum(z_sorted, axis=-1)
    support = ops.cast(1.0 + k * z_sorted > cumsum, "float32")
    k_z = ops.sum(support, axis=-1, keepdims=True)
    # cumsum at index k_z - 1, without a gather: sum of the supported entries.
    tau = (ops.sum(support * z_sorted, axis=-1, keepdims=True) - 1.0) / k_z
    weights = ops.maximum(z - tau, 0.0)
    return _finish(weights, mask, dtype)


def _argmax_one_hot(scores):
    # ops.argmax on floats emits tf.BitwiseAnd (a Flex op) under TF; top_k
    # lowers to a TFLite builtin and gives ties to the first position there
    # (and on JAX). PyTorch's topk does not: its argmax does.
    size = ops.shape(scores)[-1]
    if keras.backend.backend() == "torch":
        index = ops.argmax(scores, axis=-1)
    else:
        index = ops.top_k(scores, k=1)[1][..., 0]
    return ops.one_hot(index, size, dtype="float32")


def hardmax(scores, mask=None, dtype=None):
    """One-hot of the arg-max over unmasked positions ("hard attention").

    Not differentiable with respect to the scores: use it at inference, or
    train with `hard_straight_through`. Ties go to the first position.

    Args:
        scores: float tensor `(..., S)`.
        mask: optional boolean tensor broadcastable to `scores`.
        dtype: dtype of the result (default: the dtype of `scores`).

    Returns:
        One-hot weights with the same shape as `scores` (all zeros for a
        fully masked row).

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import hardmax
    >>> scores = np.array([[0.0, 0.5, 1.0]], "float32")
    >>> np.asarray(hardmax(scores))
    array([[0., 0., 1.]], dtype=float32)
    >>> np.asarray(hardmax(scores, np.array([[True, True, False]])))
    array([[0., 1., 0.]], dtype=float32)
    """
    dtype = dtype or scores.dtype
    z, mask = _prepare(scores, mask)
    return _finish(_argmax_one_hot(z), mask, dtype)


def hard_straight_through(
    scores, mask=None, dtype=None, training=False, temperature=1.0, seed=None
):
    """Straight-through Gumbel-softmax: one-hot forward, soft gradient.

    In training, Gumbel noise is added to the scores and the forward value is
    the one-hot of the arg-max of `softmax((scores + g) / temperature)`,
    while the gradient is that of the soft sample (Jang et al., 2017). At
    inference (`training=False`) there is no noise: the result equals
    `hardmax`.

    Args:
        scores: float tensor `(..., S)`.
        mask: optional boolean tensor broadcastable to `scores`.
        dtype: dtype of the result (default: the dtype of `scores`).
        training: Python boolean; noise and the soft gradient only in
            training.
        temperature: positive float, the softmax temperature.
        seed: a `keras.random.SeedGenerator` (or int) used for the noise.

    Returns:
        One-hot weights with the same shape as `scores`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import hard_straight_through
    >>> scores = np.array([[0.0, 0.5, 1.0]], "float32")
    >>> np.asarray(hard_straight_through(scores))  # inference: the arg-max
    array([[0., 0., 1.]], dtype=float32)
    >>> sample = np.asarray(hard_straight_through(scores, training=True, seed=1))
    >>> sorted(sample[0].round(6).tolist())  # a random one-hot in training
    [0.0, 0.0, 1.0]
    """
    dtype = dtype or scores.dtype
    z, mask = _prepare(scores, mask)
    if training:
        u = keras.random.uniform(ops.shape(z), minval=1e-6, maxval=1.0, seed=seed)
        gumbel = -ops.log(-ops.log(u))
        soft = ops.softmax((z + gumbel) / temperature, axis=-1)
        hard = _argmax_one_hot(soft)
        weights = hard + soft - ops.stop_gradient(soft)
    else:
        weights = _argmax_one_hot(z)
    return _finish(weights, mask, dtype)


def normalize_scores(
    scores,
    mask=None,
    probability_fn="softmax",
    training=False,
    seed=None,
    dtype=None,
):
    """Applies the named normaliser (see `PROBABILITY_FNS`) or a callable one."""
    if callable(probability_fn) and not isinstance(probability_fn, str):
        dtype = dtype or scores.dtype
        z, mask = _prepare(scores, mask)
        return _finish(ops.cast(probability_fn(z), "float32"), mask, dtype)
    if probability_fn == "softmax":
        return masked_softmax(scores, mask, dtype)
    if probability_fn == "sparsemax":
        return sparsemax(scores, mask, dtype)
    if probability_fn == "hardmax":
        return hardmax(scores, mask, dtype)
    if probability_fn == "hard_straight_through":
        return hard_straight_through(
            scores, mask, dtype, training=training, seed=seed
        )
    validate_probability_fn(probability_fn)


# -- constructor arguments shared by the layers ------------------------------
_WEIGHT_OPTION_KINDS = {
    "_initializer": (keras.initializers.get, keras.initializers.serialize),
    "_regularizer": (keras.regularizers.get, keras.regularizers.serialize),
    "_constraint": (keras.constraints.get, keras.constraints.serialize),
}


def _weight_option_kind(name):
    for suffix, kind in _WEIGHT_OPTION_KINDS.items():
        if name.endswith(suffix):
            return kind
    raise ValueError(
        "A weight option's name must end with `_initializer`, `_regularizer` "
        f"or `_constraint`. Received: name={name!r}"
    )


def set_weight_options(layer, **options):
    """Stores initializer/regularizer/constraint arguments on `layer`.

    Each `name=value` becomes `layer.name = keras.<kind>.get(value)`, the
    kind chosen by the name's suffix (`kernel_initializer`,
    `bias_regularizer`, ...). `weight_options_config` writes them back.
    """
    for name, value in options.items():
        setattr(layer, name, _weight_option_kind(name)[0](value))
    names = getattr(layer, "_weight_option_names", ())
    layer._weight_option_names = names + tuple(n for n in options if n not in names)


def set_kernel_and_bias_options(
    layer, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
):
    """`set_weight_options` for the usual kernel and bias arguments."""
    values = (kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer)
    names = ("kernel_initializer", "bias_initializer")
    names += ("kernel_regularizer", "bias_regularizer")
    set_weight_options(layer, **dict(zip(names, values, strict=True)))


def weight_options_config(layer):
    """`{name: serialized value}` of the options `set_weight_options` stored."""
    return {
        name: _weight_option_kind(name)[1](getattr(layer, name))
        for name in getattr(layer, "_weight_option_names", ())
    }


def deserialize_layer(name, layer, accept=None, expected=None):
    """A layer argument, deserialized from its config dict if need be.

    Raises a `ValueError` naming the argument and the received value when
    `accept(layer)` is false (`expected` says what was expected).
    """
    if isinstance(layer, dict):
        layer = keras.layers.deserialize(layer)
    if accept is not None and not accept(layer):
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={layer!r}")
    return layer


def additive_energy(projected_query, keys, score_vector, bias=None, extra=None):
    """`vᵀ tanh(W_q q + W_k k_j [+ extra] [+ b])`, `(B, Tq, S)`.

    `projected_query` is `W_q q` `(B, Tq, units)`, `keys` the projected keys
    `W_k k` `(B, S, units)`; `extra` (e.g. coverage) broadcasts to
    `(B, Tq, S, units)`.
    """
    hidden = ops.expand_dims(projected_query, 2) + ops.expand_dims(keys, 1)
    if extra is not None:
        hidden = hidden + extra
    if bias is not None:
        hidden = hidden + bias
    return ops.sum(ops.tanh(hidden) * score_vector, axis=-1)
