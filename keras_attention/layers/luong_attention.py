"""Multiplicative (Luong) attention, global or local."""

import math

import keras
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.base_attention import BaseAttention

SCORE_MODES = ("dot", "scaled_dot", "general", "concat", "location")
WINDOW_MODES = ("global", "local_m", "local_p")


@keras.saving.register_keras_serializable(package="keras_attention")
class LuongAttention(BaseAttention):
    """Luong attention with the scores and windows of Luong et al. (2015).

    Score modes (`q` the query, `k_j` the keys, see attention-math.md §3):

    - `"dot"`: `qᵀ k_j` (query and key sizes must match);
    - `"scaled_dot"`: `qᵀ k_j / √d`;
    - `"general"`: `qᵀ W_a k_j` (keys projected once per memory);
    - `"concat"`: `vᵀ tanh(W_q q + W_k k_j)`;
    - `"location"`: `(W_a q)_j`, depends on the query only. `units` is then
      the longest memory the layer can attend over (defaults to the memory
      length seen at build time; longer memories are an error).

    `use_scale=True` multiplies the scores by a learned scalar `g`
    (initialised to 1), as `keras.layers.Attention(use_scale=True)`.

    Windows (§4): `"global"` attends to every position. `"local_m"` and
    `"local_p"` restrict query `i` to positions `|j − p_i| ≤ window` around
    `p_i = i` (monotonic) or `p_i = (S_b − 1)·sigmoid(v_pᵀ tanh(W_p q_i))`
    (predicted; `S_b` the unpadded length of the example), then multiply the
    normalised weights by `exp(−(j − p_i)² / (2σ²))`, `σ = window / 2`. As in
    the paper, local weights are not renormalised after that product: a row
    sums to at most 1.

    Args:
        score_mode: one of `"dot"`, `"scaled_dot"`, `"general"`, `"concat"`,
            `"location"`.
        units: hidden size for `"concat"` and for the `"local_p"` position
            predictor (default: the query size); the maximum memory length
            for `"location"`.
        use_scale: whether to learn a scalar multiplying the scores.
        window: half-width `D` of the local window (required, and only
            allowed, for `"local_m"` / `"local_p"`).
        window_mode: `"global"`, `"local_m"` or `"local_p"`.
        dropout: float in [0, 1), dropout rate on the attention weights.
        seed: integer seed for dropout and Gumbel noise.
        probability_fn: `"softmax"`, `"sparsemax"`, `"hardmax"` or
            `"hard_straight_through"` (see `BahdanauAttention`).
        kernel_initializer: initializer of the score weights.
        kernel_regularizer: optional regularizer of the score weights.
        **kwargs: base `Layer` arguments.

    Call arguments:
        query: `(B, query_dim)` for one decoder step or `(B, Tq, query_dim)`.
        value: memory `(B, S, value_dim)`.
        key: optional `(B, S, key_dim)`; defaults to `value`.
        query_mask: optional boolean `(B, Tq)`.
        value_mask: optional boolean `(B, S)`, `False` for padding.
        return_attention_scores: also return the attention weights.
        training: Python boolean.
        query_positions: decoder positions of the queries for `"local_m"`
            (default `0 … Tq−1`; pass the step index for a rank-2 query).

    Returns:
        The context `(B, [Tq,] value_dim)`, and with
        `return_attention_scores=True` also the weights `(B, [Tq,] S)`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import LuongAttention
    >>> layer = LuongAttention(score_mode="general")
    >>> query = np.ones((2, 4), "float32")  # one decoder step
    >>> value = np.ones((2, 5, 6), "float32")
    >>> context, weights = layer(query, value, return_attention_scores=True)
    >>> tuple(context.shape), tuple(weights.shape)
    ((2, 6), (2, 5))

    A local window: query `i` only sees positions `|j - i| <= window`.

    >>> local = LuongAttention("dot", window=1, window_mode="local_m")
    >>> _, weights = local(np.ones((1, 3, 6), "float32"), value[:1],
    ...                    return_attention_scores=True)
    >>> (np.asarray(weights)[0] > 0).astype(int)
    array([[1, 1, 0, 0, 0],
           [1, 1, 1, 0, 0],
           [0, 1, 1, 1, 0]])

    Reference:
        - [Luong et al., 2015](https://arxiv.org/abs/1508.04025)
    """

    def __init__(
        self,
        score_mode="general",
        units=None,
        use_scale=False,
        window=None,
        window_mode="global",
        dropout=0.0,
        seed=None,
        probability_fn="softmax",
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(
            dropout=dropout, seed=seed, probability_fn=probability_fn, **kwargs
        )
        self.score_mode = attention_utils.validate_choice(
            "score_mode", score_mode, SCORE_MODES
        )
        self.units = attention_utils.validate_positive_int("units", units, True)
        self.use_scale = bool(use_scale)
        self.window_mode = attention_utils.validate_choice(
            "window_mode", window_mode, WINDOW_MODES
        )
        if window_mode == "global":
            if window is not None:
                raise ValueError(
                    "`window` is only used with window_mode='local_m' or "
                    f"'local_p'. Received: window={window!r} with "
                    "window_mode='global'"
                )
        else:
            attention_utils.validate_positive_int("window", window)
        self.window = window
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def _weight(self, name, shape):
        return self.add_weight(
            name=name,
            shape=shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )

    def _build_scores(self, query_dim, key_dim, memory_length):
        mode = self.score_mode
        if mode in ("dot", "scaled_dot") and query_dim != key_dim:
            raise ValueError(
                f"score_mode='{mode}' needs queries and keys of the same size. "
                f"Received: query dim={query_dim}, key dim={key_dim}. Use "
                "score_mode='general' or 'concat' for different sizes."
            )
        if mode == "general":
            self.kernel = self._weight("kernel", (key_dim, query_dim))
        elif mode == "concat":
            units = self.units or query_dim
            self.query_kernel = self._weight("query_kernel", (query_dim, units))
            self.key_kernel = self._weight("key_kernel", (key_dim, units))
            self.score_vector = self._weight("score_vector", (units,))
        elif mode == "location":
            if self.units is None and memory_length is None:
                raise ValueError(
                    "score_mode='location' needs the maximum memory length: pass "
                    "`units=<max length>` or build with a static memory length. "
                    "Received: units=None and a memory of unknown length"
                )
            self._max_length = self.units or int(memory_length)
            self.kernel = self._weight("kernel", (query_dim, self._max_length))
            self.location_bias = self.add_weight(
                name="location_bias", shape=(self._max_length,), initializer="zeros"
            )
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.window_mode == "local_p":
            units = self.units if (self.units and mode != "location") else query_dim
            self.position_kernel = self._weight("position_kernel", (query_dim, units))
            self.position_vector = self._weight("position_vector", (units,))

    def _project_keys(self, key):
        if self.score_mode == "general":
            return ops.matmul(key, self.kernel)  # (B, S, query_dim)
        if self.score_mode == "concat":
            return ops.matmul(key, self.key_kernel)
        return key

    def _scores(self, query, keys, attention_state=None):
        mode = self.score_mode
        if mode in ("dot", "scaled_dot", "general"):
            scores = ops.matmul(query, ops.transpose(keys, (0, 2, 1)))
            if mode == "scaled_dot":
                scores = scores / math.sqrt(float(query.shape[-1]))
        elif mode == "concat":
            q = ops.matmul(query, self.query_kernel)
            hidden = ops.tanh(ops.expand_dims(q, 2) + ops.expand_dims(keys, 1))
            scores = ops.sum(hidden * self.score_vector, axis=-1)
        else:  # location
            length = ops.shape(keys)[1]
            if isinstance(length, int) and length > self._max_length:
                raise ValueError(
                    "score_mode='location' was built for memories of at most "
                    f"{self._max_length} positions (`units`). Received a memory "
                    f"of length {length}"
                )
            scores = ops.matmul(query, self.kernel) + self.location_bias
            scores = scores[:, :, :length]
        if self.use_scale:
            scores = scores * self.scale
        return scores

    def _adjust_weights(
        self, scores, mask, query, query_positions, training, attention_state=None
    ):
        if self.window_mode == "global":
            return super()._adjust_weights(scores, mask, query, None, training)
        length = ops.shape(scores)[-1]
        positions = ops.cast(ops.arange(length), "float32")  # j
        if self.window_mode == "local_m":
            if query_positions is None:
                query_positions = ops.arange(ops.shape(scores)[1])
            center = ops.cast(query_positions, "float32")
            if len(center.shape) == 1:
                center = ops.expand_dims(center, 0)  # (1, Tq)
        else:
            if mask is None:
                lengths = ops.cast(length, "float32")
            else:
                lengths = ops.sum(ops.cast(mask, "float32"), axis=-1)  # (B, 1)
            hidden = ops.tanh(ops.matmul(query, self.position_kernel))
            gate = ops.sigmoid(
                ops.cast(ops.sum(hidden * self.position_vector, -1), "float32")
            )  # (B, Tq)
            center = ops.maximum(lengths - 1.0, 0.0) * gate
        distance = ops.expand_dims(positions, 0) - ops.expand_dims(center, -1)
        if len(distance.shape) == 2:
            distance = ops.expand_dims(distance, 0)
        # Here `distance` is (B or 1, Tq, S).
        in_window = ops.abs(distance) <= float(self.window)
        window_mask = in_window if mask is None else ops.logical_and(in_window, mask)
        weights = super()._adjust_weights(scores, window_mask, query, None, training)
        sigma = self.window / 2.0
        gaussian = ops.exp(-ops.square(distance) / (2.0 * sigma * sigma))
        return weights * ops.cast(gaussian, weights.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "score_mode": self.score_mode,
                "units": self.units,
                "use_scale": self.use_scale,
                "window": self.window,
                "window_mode": self.window_mode,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
            }
        )
        return config
