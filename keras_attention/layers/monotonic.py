"""Monotonic alignments (Raffel et al., 2017) and chunkwise attention (MoChA).

Backend-neutral functions (`keras.ops` only) shared by
`BahdanauMonotonicAttention`, `LuongMonotonicAttention` and
`MonotonicChunkwiseAttention`. They replace `tfa.seq2seq.safe_cumprod` and
`tfa.seq2seq.monotonic_attention`.

With `p_j` the probability of stopping at memory position `j` and `a'` the
previous step's alignment, the expected alignment of the next step is

    q_j = (1 - p_{j-1}) q_{j-1} + a'_j      (q_0 = a'_0)
    a_j = p_j q_j

(the decoder starts reading where it stopped last time, and moves right past
each position it does not stop at). The mass that passes the last position
without stopping is lost: `sum_j a_j <= 1`.

Everything is computed in float32 whatever the input dtype (the cumulative
products underflow in float16), and cast back.
"""

import keras
import numpy as np
from keras import ops

from keras_attention.layers import attention_utils, loops

MODES = ("recursive", "parallel", "hard")

_LOW_PRECISION = ("float16", "bfloat16")


def _to_float32(x):
    """`(x in float32 or float64, dtype of the result)`."""
    x = ops.convert_to_tensor(x)
    dtype = keras.backend.standardize_dtype(x.dtype)
    if not dtype.startswith("float"):
        return ops.cast(x, "float32"), "float32"
    if dtype in _LOW_PRECISION:
        return ops.cast(x, "float32"), dtype
    return x, dtype


def _shift_right(x, fill):
    """`[fill, x_0, ..., x_{S-2}]` along the last axis."""
    first = ops.full_like(x[..., :1], fill)
    return ops.concatenate([first, x[..., :-1]], axis=-1)


def safe_cumprod(x, axis=-1, exclusive=False):
    """Cumulative product computed as `exp(cumsum(log(x)))`, safe for tiny `x`.

    `x` is clipped to `[tiny, 1]` (`tiny` the smallest normal number of the
    dtype) before the log, so neither the product nor its gradient meets
    `log(0)`: entries that should be 0 come out as a number at most `tiny`.
    Meant for probabilities (values in `[0, 1]`), as `tfa.seq2seq.safe_cumprod`.

    Args:
        x: float tensor with values in `[0, 1]`.
        axis: the axis of the product.
        exclusive: if `True`, the product up to but excluding each position
            (`[1, x_0, x_0 x_1, ...]`).

    Returns:
        A tensor shaped like `x`, in the dtype of `x`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import safe_cumprod
    >>> x = np.array([[0.5, 0.5, 0.0, 0.5]], "float32")
    >>> np.asarray(safe_cumprod(x)).round(4)
    array([[0.5 , 0.25, 0.  , 0.  ]], dtype=float32)
    >>> np.asarray(safe_cumprod(x, exclusive=True)).round(4)
    array([[1.  , 0.5 , 0.25, 0.  ]], dtype=float32)
    """
    x, dtype = _to_float32(x)
    rank = len(x.shape)
    last = axis in (-1, rank - 1)
    if not last:
        x = ops.moveaxis(x, axis, -1)
    tiny = float(np.finfo(keras.backend.standardize_dtype(x.dtype)).tiny)
    log_x = ops.log(ops.clip(x, tiny, 1.0))
    if exclusive:
        log_x = _shift_right(log_x, 0.0)
    out = ops.exp(ops.cumsum(log_x, axis=-1))
    if not last:
        out = ops.moveaxis(out, -1, axis)
    return ops.cast(out, dtype)


def _recursive(p, previous):
    # q_j = (1 - p_{j-1}) q_{j-1} + a'_j with q_{-1} = 0: a scan over the
    # memory positions, carrying q (one value per row).
    decay = _shift_right(1.0 - p, 1.0)
    lead_shape = ops.shape(p)[:-1]
    xs = (ops.moveaxis(decay, -1, 0), ops.moveaxis(previous, -1, 0))
    init = ops.zeros(lead_shape, dtype=p.dtype)

    def step(q, x):
        decay_j, previous_j = x
        q = decay_j * q + previous_j
        return q, q

    _, q = loops.scan(step, init, xs, init)
    return p * ops.moveaxis(q, 0, -1)


def _parallel(p, previous):
    # Closed form of the recurrence: a_j = p_j c_j sum_{k<=j} a'_k / c_k with
    # c the exclusive cumulative product of (1 - p). The clip keeps the
    # division finite once c underflows; the result is then approximate.
    cumprod = safe_cumprod(1.0 - p, axis=-1, exclusive=True)
    return p * cumprod * ops.cumsum(previous / ops.clip(cumprod, 1e-10, 1.0), axis=-1)


def _hard(p, previous):
    # Positions left of the previous alignment cannot be chosen; the first
    # remaining position with p = 1 is. For p in {0, 1} the exclusive
    # cumulative product of 1 - p is "no 1 before j", i.e. an exclusive
    # cumulative sum equal to 0; cumsum lowers to a TFLite builtin, cumprod
    # does not.
    p = p * ops.cumsum(previous, axis=-1)
    before = ops.cumsum(_shift_right(p, 0.0), axis=-1)
    return p * ops.cast(before < 0.5, p.dtype)


def monotonic_attention(p_choose_i, previous_attention, mode):
    """Expected monotonic alignment from stopping probabilities.

    Computes `a_j = p_j q_j` with `q_j = (1 - p_{j-1}) q_{j-1} + a'_j`
    (Raffel et al., 2017, eq. 11–13), where `a'` is the previous step's
    alignment. Mass that runs past the last position is lost, so each row of
    the result sums to at most 1. Padded memory positions must be given
    `p = 0` by the caller; they then get exactly 0 weight.

    Args:
        p_choose_i: probabilities `(..., S)` of stopping at each position,
            in `[0, 1]`.
        previous_attention: the previous alignment `(..., S)`; one-hot at
            position 0 for the first decoder step.
        mode: how to compute it:
            - `"recursive"`: the recurrence itself, a scan over the `S`
              positions. Exact; `S` sequential steps.
            - `"parallel"`: the closed form with cumulative sums and products
              (`safe_cumprod`). Fast; approximate where the exclusive
              cumulative product of `1 - p` falls below `1e-10`, where the
              division is clipped: the previous alignment's mass beyond that
              point is lost. With `p` around 0.5 this happens after about 33
              positions (uniform random `p` in [0.01, 0.99] over 100
              positions: errors up to 0.05), so for long memories start with
              a negative `score_bias_init` (small `p`) or use `"recursive"`.
            - `"hard"`: for `p` in `{0, 1}` (e.g. `score > 0` at inference)
              and a one-hot (or all-zero) previous alignment: a one-hot on
              the first position at or after the previous one with
              `p_j = 1`, or all zeros if there is none. Exact.

    Returns:
        The alignment, shaped and typed like `p_choose_i`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import monotonic_attention
    >>> p = np.array([[0.5, 0.5, 0.5]], "float32")
    >>> start = np.array([[1.0, 0.0, 0.0]], "float32")
    >>> np.asarray(monotonic_attention(p, start, "recursive"))
    array([[0.5  , 0.25 , 0.125]], dtype=float32)
    >>> hard_p = np.array([[0.0, 1.0, 1.0]], "float32")
    >>> np.asarray(monotonic_attention(hard_p, start, "hard"))
    array([[0., 1., 0.]], dtype=float32)

    Reference:
        - [Raffel et al., 2017](https://arxiv.org/abs/1704.00784)
    """
    attention_utils.validate_choice("mode", mode, MODES)
    p, dtype = _to_float32(p_choose_i)
    previous, _ = _to_float32(previous_attention)
    if len(p.shape) != len(previous.shape) or any(
        a is not None and b is not None and a != b
        for a, b in zip(p.shape, previous.shape)
    ):
        raise ValueError(
            "`p_choose_i` and `previous_attention` must have the same shape. "
            f"Received: p_choose_i.shape={tuple(p.shape)} and "
            f"previous_attention.shape={tuple(previous.shape)}"
        )
    if mode == "recursive":
        out = _recursive(p, previous)
    elif mode == "parallel":
        out = _parallel(p, previous)
    else:
        out = _hard(p, previous)
    return ops.cast(out, dtype)


def initial_alignment(batch_size, memory_length, dtype="float32"):
    """One-hot alignments at position 0, `(batch_size, memory_length)`.

    Works with dynamic sizes (tensors) as well as Python integers.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers.monotonic import initial_alignment
    >>> np.asarray(initial_alignment(2, 3))
    array([[1., 0., 0.],
           [1., 0., 0.]], dtype=float32)
    """
    first = ops.cast(ops.equal(ops.arange(memory_length), 0), dtype)
    return ops.broadcast_to(ops.expand_dims(first, 0), (batch_size, memory_length))


def _shift_along_last(x, offset, fill):
    """`y_j = x_{j - offset}` (offset > 0: right shift), `fill` outside."""
    if offset == 0:
        return x
    pad = ops.full_like(x[..., : abs(offset)], fill)
    if offset > 0:
        return ops.concatenate([pad, x[..., :-offset]], axis=-1)
    return ops.concatenate([x[..., -offset:], pad], axis=-1)


def chunkwise_attention(alignment, chunk_energy, chunk_size, mask=None):
    """Expected MoChA weights from monotonic alignments and chunk energies.

    With `a_k` the probability that the monotonic head stops at `k` and `u`
    the chunk energies, the attention is a softmax over the `chunk_size`
    positions ending at the stop (Chiu & Raffel, 2018, eq. 17):

        b_j = sum_{k=j}^{j+w-1} a_k exp(u_j) / sum_{l=k-w+1}^{k} exp(u_l)

    Each chunk's softmax is computed with its own maximum subtracted (the
    `w` shifted copies of `u` are stacked on a new axis), so no chunk
    underflows to 0/0 whatever the spread of the energies. Positions before
    the start of the memory and masked positions are excluded from each
    chunk. `sum_j b_j = sum_k a_k <= 1`.

    Args:
        alignment: monotonic alignment `(..., S)` (`monotonic_attention`).
        chunk_energy: chunk energies `u`, `(..., S)`.
        chunk_size: positive Python integer `w`.
        mask: optional boolean `(..., S)` (broadcastable), `False` for
            padding.

    Returns:
        The attention weights `b`, shaped and typed like `alignment`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers.monotonic import chunkwise_attention
    >>> a = np.array([[0.0, 0.0, 1.0, 0.0]], "float32")  # stop at position 2
    >>> u = np.array([[5.0, 0.0, np.log(3.0), 9.0]], "float32")
    >>> np.asarray(chunkwise_attention(a, u, chunk_size=2)).round(4)
    array([[0.  , 0.25, 0.75, 0.  ]], dtype=float32)

    Reference:
        - [Chiu & Raffel, 2018](https://arxiv.org/abs/1712.05382)
    """
    attention_utils.validate_positive_int("chunk_size", chunk_size)
    a, dtype = _to_float32(alignment)
    u, _ = _to_float32(chunk_energy)
    if chunk_size == 1:
        return ops.cast(a, dtype)
    neg = attention_utils._NEG
    valid = ops.ones_like(u, dtype="bool")
    if mask is not None:
        valid = ops.logical_and(valid, ops.cast(mask, "bool"))
    u = ops.where(valid, u, neg)
    # windows[..., k, d] = u_{k-d}: the chunk ending at k, d steps back.
    offsets = range(chunk_size)
    windows = ops.stack([_shift_along_last(u, d, neg) for d in offsets], -1)
    in_chunk = ops.stack([_shift_along_last(valid, d, False) for d in offsets], -1)
    windows = ops.where(in_chunk, windows, neg)
    chunk_softmax = ops.softmax(windows, axis=-1)
    chunk_softmax = ops.where(in_chunk, chunk_softmax, 0.0)
    # b_j = sum_d a_{j+d} * softmax_{chunk ending at j+d}[d].
    weights = ops.zeros_like(a)
    for d in offsets:
        weights = weights + _shift_along_last(a * chunk_softmax[..., d], -d, 0.0)
    return ops.cast(weights, dtype)
