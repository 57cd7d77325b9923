"""Additive (Bahdanau) attention."""

import math

import keras
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.base_attention import BaseAttention


@keras.saving.register_keras_serializable(package="keras_attention")
class BahdanauAttention(BaseAttention):
    """Additive attention: `e_j = vᵀ tanh(W_q q + W_k k_j + b)`.

    The score of Bahdanau et al. (2015). Keys are projected once per memory
    (`layer(None, value)`, see `projected_keys`), so a decoder pays only for `W_q q` at each step. With
    `normalize=True` the score vector is weight-normalised,
    `v = g · v / ‖v‖` with a learned scalar `g` (Salimans & Kingma, 2016),
    as in `tfa.seq2seq.BahdanauAttention(normalize=True)`.

    Args:
        units: positive integer, size of the hidden layer of the score.
        use_bias: whether to add a bias `b` inside the tanh.
        normalize: whether to weight-normalise `v`.
        dropout: float in [0, 1), dropout rate on the attention weights.
        seed: integer seed for dropout and Gumbel noise.
        probability_fn: `"softmax"` (soft attention, default), `"sparsemax"`,
            `"hardmax"` (one-hot arg-max; inference only, no gradient to the
            scores) or `"hard_straight_through"` (Gumbel-softmax, one-hot
            forward pass, soft gradient).
        kernel_initializer, bias_initializer: initializers of `W_q`, `W_k`,
            `v` and of `b`.
        kernel_regularizer, bias_regularizer: optional regularizers.
        use_coverage: add the coverage vector `c_j = Σ_{t'<t} α_{t'j}` (the
            attention already paid to position `j`) to the score,
            `vᵀ tanh(W_q q + W_k k_j + w_c c_j + b)` (See et al., 2017). The
            coverage is a per-position state (`has_attention_state`): a
            decoder carries it between steps; a rank-3 query runs its steps
            in order. Pair it with `keras_attention.losses.coverage_loss`.
        **kwargs: base `Layer` arguments (`name`, `dtype`, ...).

    Call arguments:
        query: `(B, query_dim)` for one decoder step or `(B, Tq, query_dim)`.
        value: memory `(B, S, value_dim)`.
        key: optional `(B, S, key_dim)`; defaults to `value`.
        query_mask: optional boolean `(B, Tq)`; masked rows get zero context.
        value_mask: optional boolean `(B, S)`; `False` marks padding, which gets
            exactly zero weight. Filled from Keras masking when `value` comes
            from e.g. `Embedding(mask_zero=True)`.
        return_attention_scores: also return the attention weights.
        training: Python boolean (dropout, Gumbel noise).

    Returns:
        The context `(B, [Tq,] value_dim)`, and with
        `return_attention_scores=True` also the weights `(B, [Tq,] S)`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import BahdanauAttention
    >>> layer = BahdanauAttention(units=8)
    >>> query = np.ones((2, 3, 4), "float32")  # 3 decoder steps
    >>> value = np.ones((2, 5, 6), "float32")  # a memory of 5 positions
    >>> value_mask = np.array([[True] * 5, [True, True, True, False, False]])
    >>> context, weights = layer(
    ...     query, value, value_mask=value_mask, return_attention_scores=True)
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 3, 6), (2, 3, 5))
    >>> np.asarray(weights)[1, 0].round(4)  # equal scores; padding gets 0
    array([0.3333, 0.3333, 0.3333, 0.    , 0.    ], dtype=float32)

    In a functional model, the mask comes from `Embedding(mask_zero=True)`
    by itself:

    >>> import keras
    >>> tokens = keras.Input((None,), dtype="int32")
    >>> memory = keras.layers.Embedding(50, 16, mask_zero=True)(tokens)
    >>> memory = keras.layers.GRU(16, return_sequences=True)(memory)
    >>> context = BahdanauAttention(16)(memory, memory)  # self-attention
    >>> tuple(keras.Model(tokens, context)(np.array([[5, 6, 0]])).shape)
    (1, 3, 16)

    Reference:
        - [Bahdanau et al., 2015](https://arxiv.org/abs/1409.0473)
        - [See et al., 2017](https://arxiv.org/abs/1704.04368) (coverage)
    """

    def __init__(
        self,
        units,
        use_bias=True,
        normalize=False,
        dropout=0.0,
        seed=None,
        probability_fn="softmax",
        kernel_initializer="glorot_uniform", bias_initializer="zeros",
        kernel_regularizer=None, bias_regularizer=None,
        use_coverage=False,
        **kwargs,
    ):
        super().__init__(
            dropout=dropout, seed=seed, probability_fn=probability_fn, **kwargs
        )
        self.units = attention_utils.validate_positive_int("units", units)
        self.use_bias = bool(use_bias)
        self.normalize = bool(normalize)
        attention_utils.set_kernel_and_bias_options(
            self, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
        )
        self.use_coverage = bool(use_coverage)

    def _add_energy_weights(self, prefix, query_dim, key_dim):
        """`(W_q, W_k, v, b or None)` of an additive energy, named `prefix*`.

        `MonotonicChunkwiseAttention` adds its chunk energy with it.
        """

        def weight(name, shape, kind="kernel"):
            return self.add_weight(
                name=prefix + name,
                shape=shape,
                initializer=getattr(self, f"{kind}_initializer"),
                regularizer=getattr(self, f"{kind}_regularizer"),
            )

        return (
            weight("query_kernel", (query_dim, self.units)),
            weight("key_kernel", (key_dim, self.units)),
            weight("score_vector", (self.units,)),
            weight("bias", (self.units,), "bias") if self.use_bias else None,
        )

    def _build_scores(self, query_dim, key_dim, memory_length):
        self.query_kernel, self.key_kernel, self.score_vector, self.bias = (
            self._add_energy_weights("", query_dim, key_dim)
        )
        if self.use_coverage:
            self.coverage_kernel = self.add_weight(
                name="coverage_kernel",
                shape=(self.units,),
                initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer,
            )
        if self.normalize:
            self.score_scale = self.add_weight(
                name="score_scale",
                shape=(),
                initializer=keras.initializers.Constant(math.sqrt(1.0 / self.units)),
            )

    def _project_keys(self, key):
        return ops.matmul(key, self.key_kernel)

    def _score_vector(self):
        v = self.score_vector
        if self.normalize:
            v = self.score_scale * v / ops.sqrt(ops.sum(ops.square(v)))
        return v

    @property
    def has_attention_state(self):
        return self.use_coverage

    def initial_attention_state(self, batch_size, memory_length, dtype="float32"):
        if not self.use_coverage:
            return None
        return ops.zeros((batch_size, memory_length), dtype)

    def next_attention_state(self, state, weights):
        if not self.use_coverage:
            return None
        return state + ops.cast(weights, state.dtype)

    def _scores(self, query, keys, attention_state=None):
        q = ops.matmul(query, self.query_kernel)  # (B, Tq, units)
        coverage = None
        if self.use_coverage:
            # See et al. (2017): w_c · coverage_j inside the tanh.
            coverage = ops.cast(attention_state, q.dtype)[:, None, :, None]
            coverage = coverage * self.coverage_kernel
        return attention_utils.additive_energy(
            q, keys, self._score_vector(), self.bias, extra=coverage
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "use_bias": self.use_bias,
                "normalize": self.normalize,
                "use_coverage": self.use_coverage,
                **attention_utils.weight_options_config(self),
            }
        )
        return config
