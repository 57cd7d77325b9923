"""Monotonic attention with a multiplicative (Luong) energy."""

import keras

from keras_attention.layers import attention_utils
from keras_attention.layers.base_monotonic_attention import MonotonicAttentionMixin
from keras_attention.layers.luong_attention import LuongAttention

SCORE_MODES = ("dot", "scaled_dot", "general", "concat")


@keras.saving.register_keras_serializable(package="keras_attention")
class LuongMonotonicAttention(MonotonicAttentionMixin, LuongAttention):
    """Monotonic attention (Raffel et al., 2017) with a Luong energy.

    As `BahdanauMonotonicAttention`, with the energy of `LuongAttention`:
    the stopping probability at position `j` is
    `p_j = sigmoid(g · qᵀ W_a k_j + r + σ·N(0, 1))` for the default
    `score_mode="general"` (`g` a learned scalar with `use_scale=True`,
    else 1; `r` the learned `score_bias`, initialised to `score_bias_init`;
    noise only in training). The weights are the expected monotonic
    alignment; **each row sums to at most 1** (mass that passes the last
    position is lost) and padded positions get exactly 0.

    The previous alignment is the layer's attention state (carried by a
    decoder, re-ordered by beam search; by hand: `attention_state=` or
    `previous_attention=`, default one-hot at position 0, and
    `return_attention_state=True`). A rank-3 query runs the recurrence over
    its steps in one call.

    Compared with `tfa.seq2seq.LuongMonotonicAttention(units, memory, scale)`:
    the memory is a call argument; tfa's keys `Dense(units, no bias)(memory)`
    with `units` equal to the query size are our `"general"` keys `W_a k_j`
    (sized to the query automatically, so there is no `units` to match);
    `use_scale` is tfa's `scale`; `seed` replaces `sigmoid_noise_seed`;
    the noise is added only with `training=True`.

    Args:
        score_mode: `"general"` (`qᵀ W_a k_j`, default), `"dot"`,
            `"scaled_dot"` or `"concat"` (see `LuongAttention`).
        units: hidden size for `"concat"` (default: the query size).
        use_scale: whether to multiply the energies by a learned scalar `g`
            (initialised to 1).
        sigmoid_noise: non-negative float, standard deviation of the noise
            added before the sigmoid in training; 0 disables it.
        score_bias_init: float, initial value of `r` (negative values make
            the decoder stop less often; useful for long memories).
        mode: `"parallel"`, `"recursive"` or `"hard"` (see
            `monotonic_attention`).
        seed: integer seed of the noise and dropout `SeedGenerator`.
        **kwargs: `LuongAttention`'s `dropout` (on the weights used for the
            context), `kernel_initializer`, `kernel_regularizer`, and the
            base `Layer` arguments.

    Call arguments:
        query, value, key, query_mask, value_mask, return_attention_scores,
            projected_keys: as `LuongAttention` (`T` query steps).
        training: Python boolean (noise, dropout).
        attention_state: the alignment before this call, `(B, S)`
            (`previous_attention` is another name).
        return_attention_state: return `(context, weights, alignment)`.

    Returns:
        The context `(B, [T,] value_dim)`, and with
        `return_attention_scores=True` also the weights `(B, [T,] S)`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import LuongMonotonicAttention
    >>> layer = LuongMonotonicAttention(use_scale=True, mode="hard")
    >>> query = np.ones((1, 4, 3), "float32")
    >>> value = np.ones((1, 6, 5), "float32")
    >>> context, weights = layer(query, value, return_attention_scores=True)
    >>> tuple(context.shape)
    (1, 4, 5)
    >>> bool(set(np.unique(weights)) <= {0.0, 1.0})  # one-hot or zero rows
    True

    Reference:
        - [Raffel et al., 2017](https://arxiv.org/abs/1704.00784)
        - [Luong et al., 2015](https://arxiv.org/abs/1508.04025)
    """

    _unused_config_keys = ("probability_fn", "window", "window_mode")

    def __init__(
        self, score_mode="general", units=None, *, sigmoid_noise=0.0, score_bias_init=0.0,
        mode="parallel", seed=None, **kwargs,
    ):
        # The score's other arguments (use_scale, dropout, initializer,
        # regularizer) are LuongAttention's, with its defaults.
        attention_utils.validate_choice("score_mode", score_mode, SCORE_MODES)
        super().__init__(score_mode=score_mode, units=units, seed=seed, **kwargs)
        self._init_monotonic(sigmoid_noise, score_bias_init, mode, seed)
