"""Monotonic chunkwise attention (MoChA)."""

import keras
from keras import ops

from keras_attention.layers import attention_utils, monotonic
from keras_attention.layers.bahdanau_monotonic_attention import (
    BahdanauMonotonicAttention,
)


@keras.saving.register_keras_serializable(package="keras_attention")
class MonotonicChunkwiseAttention(BahdanauMonotonicAttention):
    """Monotonic chunkwise attention, MoChA (Chiu & Raffel, 2018).

    A monotonic head (exactly `BahdanauMonotonicAttention`: stopping
    probabilities from an additive energy plus `score_bias`, alignment `a`)
    chooses where to stop; the context is then a softmax over the
    `chunk_size` positions ending at the stop, with a second additive
    energy `u_j = v_cᵀ tanh(W_cq q + W_ck k_j + b_c)` (its own weights, no
    normalisation). In expectation (the soft modes) the weights are

        b_j = Σ_{k=j}^{j+w−1} a_k exp(u_j) / Σ_{l=k−w+1}^{k} exp(u_l)

    (`monotonic.chunkwise_attention`), and with `mode="hard"` exactly the
    softmax over the chunk ending at the chosen position. `Σ_j b_j = Σ_k a_k
    ≤ 1`. `chunk_size=1` gives `BahdanauMonotonicAttention`.

    The attention state is the monotonic alignment `a`, not the weights
    `b`: `return_attention_state=True` returns it as the third value, and a
    decoder carries it between steps. A rank-3 query runs the recurrence
    over its steps in one call, as the other monotonic layers.

    `layer(None, value)` (the keys a decoder projects once) returns both key
    projections concatenated, `(B, S, 2·units)`.

    Args:
        units: positive integer, size of both energies' hidden layers.
        chunk_size: positive integer `w`, the width of the softmax window.
        use_bias: whether both energies add a bias inside the tanh.
        normalize: whether to weight-normalise the monotonic energy's `v`
            (the paper does).
        sigmoid_noise, score_bias_init, mode, dropout, seed: as
            `BahdanauMonotonicAttention`.
        kernel_initializer, bias_initializer: initializers of the kernels
            and score vectors, and of the biases.
        kernel_regularizer, bias_regularizer: optional regularizers.
        **kwargs: base `Layer` arguments.

    Call arguments:
        query: `(B, query_dim)` or `(B, T, query_dim)`.
        value: memory `(B, S, value_dim)`.
        key: optional `(B, S, key_dim)`; defaults to `value`.
        query_mask: optional boolean `(B, T)`.
        value_mask: optional boolean `(B, S)`, `False` for padding.
        return_attention_scores: also return the weights `b`.
        training: Python boolean (noise, dropout).
        projected_keys: the keys from `layer(None, value)`.
        attention_state: the monotonic alignment `a` before this call,
            `(B, S)`; default one-hot at position 0 (`previous_attention`
            is another name).
        return_attention_state: return `(context, weights b, alignment a)`.

    Returns:
        The context `Σ_j b_j h_j`, `(B, [T,] value_dim)`, and with
        `return_attention_scores=True` also the weights `b`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import MonotonicChunkwiseAttention
    >>> layer = MonotonicChunkwiseAttention(units=8, chunk_size=2, mode="hard")
    >>> query = np.ones((1, 3, 4), "float32")
    >>> value = np.ones((1, 6, 5), "float32")
    >>> context, weights = layer(query, value, return_attention_scores=True)
    >>> tuple(context.shape), tuple(weights.shape)
    ((1, 3, 5), (1, 3, 6))
    >>> bool((np.asarray(weights).sum(-1) <= 1 + 1e-6).all())
    True

    Reference:
        - [Chiu & Raffel, 2018](https://arxiv.org/abs/1712.05382)
        - [Raffel et al., 2017](https://arxiv.org/abs/1704.00784)
    """

    def __init__(self, units, chunk_size=2, *, normalize=True, **kwargs):
        # The other arguments are BahdanauMonotonicAttention's, with its
        # defaults; only `normalize` differs (the paper normalises).
        super().__init__(units, normalize=normalize, **kwargs)
        self.chunk_size = attention_utils.validate_positive_int("chunk_size", chunk_size)

    def _build_scores(self, query_dim, key_dim, memory_length):
        super()._build_scores(query_dim, key_dim, memory_length)
        (
            self.chunk_query_kernel,
            self.chunk_key_kernel,
            self.chunk_score_vector,
            self.chunk_bias,
        ) = self._add_energy_weights("chunk_", query_dim, key_dim)

    def _project_keys(self, key):
        kernel = ops.concatenate([self.key_kernel, self.chunk_key_kernel], axis=-1)
        return ops.matmul(key, kernel)  # (B, S, 2 * units)

    def _scores(self, query, keys, attention_state=None):
        return super()._scores(query, keys[..., : self.units])

    def _chunk_energies(self, query, keys):
        q = ops.matmul(query, self.chunk_query_kernel)  # (B, T, units)
        return attention_utils.additive_energy(
            q, keys[..., self.units :], self.chunk_score_vector, self.chunk_bias
        )

    def _expected_weights(self, alignments, query, keys, mask):
        if self.chunk_size == 1:
            return alignments
        energies = self._chunk_energies(query, keys)
        return monotonic.chunkwise_attention(
            alignments, energies, self.chunk_size, mask=mask
        )

    def get_config(self):
        config = super().get_config()
        config["chunk_size"] = self.chunk_size
        return config
