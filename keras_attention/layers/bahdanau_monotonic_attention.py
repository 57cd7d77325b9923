"""Monotonic attention with the additive (Bahdanau) energy."""

import keras

from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.base_monotonic_attention import MonotonicAttentionMixin


@keras.saving.register_keras_serializable(package="keras_attention")
class BahdanauMonotonicAttention(MonotonicAttentionMixin, BahdanauAttention):
    """Monotonic attention (Raffel et al., 2017) with an additive energy.

    The decoder reads the memory left to right and never moves back. At each
    step it starts where it stopped at the previous step and, at each
    position `j`, stops with probability

        p_j = sigmoid(vᵀ tanh(W_q q + W_k k_j + b) + r + σ·N(0, 1))

    (`r` a learned scalar, `score_bias`, initialised to `score_bias_init`;
    the noise only in training, with `σ = sigmoid_noise`). The weights are
    the expected alignment (`monotonic_attention`): `a_j = p_j q_j`,
    `q_j = (1 − p_{j−1}) q_{j−1} + a'_j`, `a'` the previous step's
    alignment. The context is `Σ_j a_j h_j`. Mass that passes the last
    position without stopping is lost: **each row of weights sums to at most
    1**, and can sum to much less (a context of zeros when the decoder has
    run off the end). Padded memory positions get `p = 0`, hence exactly 0
    weight; a padded memory gives the same result as the trimmed one (right
    padding).

    The previous alignment is the layer's attention state
    (`has_attention_state`): a decoder (`AttentionDecoderCell`) carries it
    between steps, starting from `initial_attention_state()` (one-hot at
    position 0), and beam search re-orders it with the beams. Called by
    hand, pass it as `attention_state` (or tfa's name, `previous_attention`)
    and get the next one with `return_attention_state=True`. A rank-3 query
    `(B, T, dim)` runs the recurrence over its `T` steps in one call
    (energies for all steps in one batched product and the noise drawn
    before the recurrence, then a scan over `T`).

    The score weights are those of `BahdanauAttention` (keys projected once
    with `layer(None, value)`, passed back as `projected_keys`), plus
    `score_bias`. Compared with `tfa.seq2seq.BahdanauMonotonicAttention`:
    the memory is a call argument; `seed` replaces `sigmoid_noise_seed`;
    the noise is added only with `training=True`; `use_bias=False` with
    `normalize=False` gives tfa's bias-free energy (tfa's `normalize=True`
    also adds a bias: `use_bias=True, normalize=True` here).

    Args:
        units: positive integer, size of the hidden layer of the energy.
        use_bias: whether to add a bias `b` inside the tanh.
        normalize: whether to weight-normalise `v` (`g · v / ‖v‖`).
        sigmoid_noise: non-negative float, standard deviation of the Gaussian
            noise added to the energies before the sigmoid in training
            (encourages near-discrete stopping decisions; Raffel et al. used
            1). 0 disables it.
        score_bias_init: float, initial value of `r`. A negative value (e.g.
            -4 for long memories) makes the decoder stop less often, so the
            alignment is not all used up on the first positions.
        mode: `"parallel"` (closed form, fast; approximate once the
            cumulative product of `1 − p` before a position falls below
            1e-10, e.g. after ~33 positions with `p` ≈ 0.5, see
            `monotonic_attention`), `"recursive"` (exact scan over memory
            positions; `S` sequential steps per decoder step) or `"hard"`
            (stops at the first position with energy > 0; one-hot weights;
            for inference).
        dropout: float in [0, 1), dropout on the weights used for the context
            (the returned weights and alignment are not dropped).
        seed: integer seed of the noise and dropout `SeedGenerator` (inside
            a decoder loop the generator's state is threaded through the
            loop: every step draws new noise, on every backend).
        kernel_initializer, bias_initializer: initializers of `W_q`, `W_k`,
            `v` and of `b`.
        kernel_regularizer, bias_regularizer: optional regularizers.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        query: `(B, query_dim)` for one decoder step or `(B, T, query_dim)`.
        value: memory `(B, S, value_dim)`.
        key: optional `(B, S, key_dim)`; defaults to `value`.
        query_mask: optional boolean `(B, T)`; masked rows get zero context
            (the alignment still advances through them).
        value_mask: optional boolean `(B, S)`; `False` marks padding.
        return_attention_scores: also return the weights.
        training: Python boolean (noise, dropout).
        projected_keys: the keys from `layer(None, value)`, projected once.
        attention_state: the alignment before this call, `(B, S)`; default
            one-hot at position 0. `previous_attention` is another name.
        return_attention_state: return `(context, weights, alignment)`, the
            alignment after the (last) step being the next state.

    Returns:
        The context `(B, [T,] value_dim)`, and with
        `return_attention_scores=True` also the weights `(B, [T,] S)`, each
        row summing to at most 1 (for this layer they are the alignments:
        the last step's is the next attention state).

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import BahdanauMonotonicAttention
    >>> layer = BahdanauMonotonicAttention(units=8, mode="recursive")
    >>> query = np.ones((2, 3, 4), "float32")  # 3 decoder steps
    >>> value = np.ones((2, 5, 6), "float32")
    >>> value_mask = np.array([[True] * 5, [True, True, True, False, False]])
    >>> context, weights = layer(
    ...     query, value, value_mask=value_mask, return_attention_scores=True)
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 3, 6), (2, 3, 5))
    >>> bool((np.asarray(weights).sum(-1) <= 1 + 1e-6).all())
    True
    >>> np.asarray(weights)[1, :, 3:]  # padding gets exactly 0
    array([[0., 0.],
           [0., 0.],
           [0., 0.]], dtype=float32)

    One decoder step at a time, carrying the alignment:

    >>> alignment = layer.initial_attention_state(2, 5)
    >>> for t in range(3):
    ...     context, w, alignment = layer(
    ...         query[:, t], value, value_mask=value_mask,
    ...         attention_state=alignment, return_attention_state=True)
    >>> bool(np.allclose(alignment, np.asarray(weights)[:, -1], atol=1e-6))
    True

    Reference:
        - [Raffel et al., 2017](https://arxiv.org/abs/1704.00784)
        - [Bahdanau et al., 2015](https://arxiv.org/abs/1409.0473)
    """

    def __init__(
        self, units, *, sigmoid_noise=0.0, score_bias_init=0.0, mode="parallel", seed=None,
        **kwargs,
    ):
        # The energy's arguments (use_bias, normalize, dropout, initializers,
        # regularizers) are BahdanauAttention's, with its defaults.
        super().__init__(units, seed=seed, **kwargs)
        self._init_monotonic(sigmoid_noise, score_bias_init, mode, seed)
