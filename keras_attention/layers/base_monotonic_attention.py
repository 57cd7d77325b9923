"""The part shared by the monotonic attention layers (not public).

`MonotonicAttentionMixin` turns a score layer (`BahdanauAttention`,
`LuongAttention`) into monotonic attention (Raffel et al., 2017): it adds the
scalar `score_bias`, replaces the softmax by stopping probabilities
`p = sigmoid(score + score_bias + noise)` and the monotonic recurrence of
`monotonic.monotonic_attention`, and keeps the previous alignment as the
layer's attention state (`has_attention_state`), which a decoder carries
between steps. Weights and key projection are those of the score layer.
"""

import numbers

import keras
from keras import ops

from keras_attention.layers import attention_utils, loops, monotonic
from keras_attention.layers.base_attention import _static_shape


class MonotonicAttentionMixin:
    """Monotonic alignments on top of a `BaseAttention` score layer.

    Put it first in the bases: `class X(MonotonicAttentionMixin,
    BahdanauAttention)`. Subclasses call `_init_monotonic()` in `__init__`
    and `_build_score_bias()` at the end of `_build_scores()`.

    The call contract is `BaseAttention`'s, with the previous alignment as
    the attention state: `layer(query, value, attention_state=a,
    return_attention_state=True)` returns `(context, weights, next_a)`.
    `previous_attention=` is accepted as another name of `attention_state`
    (tfa's). A rank-3 query runs the recurrence over its steps in one call:
    the energies of every step are one batched product, the sigmoid noise is
    drawn once for all steps, then a scan over the steps carries the
    alignment (no random numbers inside the loop).
    """

    def _init_monotonic(self, sigmoid_noise, score_bias_init, mode, seed):
        if (
            isinstance(sigmoid_noise, bool)
            or not isinstance(sigmoid_noise, numbers.Real)
            or not sigmoid_noise >= 0
        ):
            raise ValueError(
                "`sigmoid_noise` must be a non-negative number. "
                f"Received: sigmoid_noise={sigmoid_noise!r}"
            )
        if isinstance(score_bias_init, bool) or not isinstance(
            score_bias_init, numbers.Real
        ):
            raise ValueError(
                "`score_bias_init` must be a float. "
                f"Received: score_bias_init={score_bias_init!r}"
            )
        self.sigmoid_noise = float(sigmoid_noise)
        self.score_bias_init = float(score_bias_init)
        self.mode = attention_utils.validate_choice("mode", mode, monotonic.MODES)
        if self.seed_generator is None and self.sigmoid_noise > 0:
            self.seed_generator = keras.random.SeedGenerator(seed)

    def _build_score_bias(self):
        self.score_bias = self.add_weight(
            name="score_bias",
            shape=(),
            initializer=keras.initializers.Constant(self.score_bias_init),
        )

    def _scores(self, query, keys, attention_state=None):
        """Raw energies plus the scalar `score_bias`, `(B, Tq, S)`.

        The attention state (the alignment) does not enter the energy.
        """
        return super()._scores(query, keys) + self.score_bias

    # -- the attention state: the previous alignment -----------------------
    @property
    def has_attention_state(self):
        return True

    def initial_attention_state(self, batch_size, memory_length, dtype="float32"):
        """The alignment before the first decoder step: one-hot at position 0."""
        return monotonic.initial_alignment(batch_size, memory_length, dtype)

    def initial_alignment(self, batch_size, memory_length, dtype=None):
        """`initial_attention_state` in the layer's compute dtype by default.

        Args:
            batch_size: integer (or scalar integer tensor).
            memory_length: integer (or scalar integer tensor), `S`.
            dtype: dtype of the result (default: the layer's compute dtype).

        Returns:
            `(batch_size, memory_length)`: `[1, 0, ..., 0]` on every row.
        """
        return monotonic.initial_alignment(
            batch_size, memory_length, dtype or self.compute_dtype
        )

    def next_attention_state(self, state, weights):
        # Only called by BaseAttention._attend, which _attend replaces here.
        return weights

    # -- the recurrence ------------------------------------------------------
    def _stopping_probabilities(self, scores, mask, training):
        z = ops.cast(scores, "float32")
        if training and self.sigmoid_noise > 0:
            noise = keras.random.normal(
                ops.shape(z), dtype="float32", seed=self.seed_generator
            )
            z = z + self.sigmoid_noise * noise
        if self.mode == "hard":
            p = ops.cast(z > 0, "float32")
        else:
            p = ops.sigmoid(z)
        if mask is not None:
            p = ops.where(mask, p, 0.0)
        return p

    def _alignments(self, p, previous):
        """The recurrence over the query steps: `(B, T, S)` -> `(B, T, S)`."""
        if p.shape[1] == 1:
            step = monotonic.monotonic_attention(p[:, 0], previous, self.mode)
            return ops.expand_dims(step, 1)

        def step(carry, p_t):
            a = monotonic.monotonic_attention(p_t, carry, self.mode)
            return a, a

        _, alignments = loops.scan(step, previous, loops.time_major(p), previous)
        return loops.batch_major(alignments)

    def _expected_weights(self, alignments, query, keys, mask):
        """Attention weights from the alignments (MoChA overrides it)."""
        return alignments

    def _attend(self, query, value, keys, mask, positions, training, state):
        """`(context, weights, last alignment)` for a rank-3 query `(B, Tq, d)`.

        Runs the `Tq` steps from the alignment `state` (default one-hot at
        0): energies in one product, noise drawn before the recurrence.
        """
        scores = self._scores(query, keys)  # (B, Tq, S)
        if state is None:
            shape = ops.shape(scores)
            previous = monotonic.initial_alignment(shape[0], shape[2], "float32")
        else:
            previous = ops.cast(state, "float32")
        p = self._stopping_probabilities(scores, mask, training)
        alignments = self._alignments(p, previous)  # float32
        weights = ops.cast(
            self._expected_weights(alignments, query, keys, mask), self.compute_dtype
        )
        dropped = weights
        if training and self.dropout > 0:
            dropped = keras.random.dropout(
                weights, self.dropout, seed=self.seed_generator
            )
        new_state = alignments[:, -1]
        if state is not None:
            new_state = ops.cast(new_state, state.dtype)
        return ops.matmul(dropped, value), weights, new_state

    def _attend_in_order(self, query, value, keys, mask, positions, training, state):
        # The recurrence over the steps of a rank-3 query is `_attend` itself.
        return self._attend(query, value, keys, mask, positions, training, state)

    # -- the call --------------------------------------------------------------
    def call(
        self,
        query,
        value=None,
        key=None,
        query_mask=None,
        value_mask=None,
        return_attention_scores=False,
        training=None,
        query_positions=None,
        projected_keys=None,
        attention_state=None,
        return_attention_state=False,
        mask=None,
        previous_attention=None,
    ):
        """See the subclasses' docstrings; `previous_attention` = `attention_state`."""
        if previous_attention is not None:
            if attention_state is not None:
                raise ValueError(
                    "Pass the previous alignment as `attention_state` or as "
                    "`previous_attention`, not both. Received both"
                )
            attention_state = previous_attention
        if attention_state is not None:
            self._check_alignment_shape(query, value, attention_state)
        return super().call(
            query,
            value,
            key=key,
            query_mask=query_mask,
            value_mask=value_mask,
            return_attention_scores=return_attention_scores,
            training=training,
            query_positions=query_positions,
            projected_keys=projected_keys,
            attention_state=attention_state,
            return_attention_state=return_attention_state,
            mask=mask,
        )

    def _check_alignment_shape(self, query, value, state):
        if isinstance(query, (list, tuple)) and value is None and len(query) >= 2:
            query, value = query[0], query[1]
        q, v, prev = _static_shape(query), _static_shape(value), _static_shape(state)
        if prev is None or v is None or q is None or len(v) != 3:
            return
        expected = (q[0], v[1])
        if len(prev) != 2 or any(
            a is not None and b is not None and a != b for a, b in zip(prev, expected)
        ):
            raise ValueError(
                "The previous alignment (`attention_state` / `previous_attention`) "
                f"must have shape (batch, memory_length) = {expected}. "
                f"Received: shape={prev}"
            )

    def compute_output_spec(
        self,
        query,
        value=None,
        key=None,
        query_mask=None,
        value_mask=None,
        return_attention_scores=False,
        training=None,
        query_positions=None,
        projected_keys=None,
        attention_state=None,
        return_attention_state=False,
        mask=None,
        previous_attention=None,
    ):
        return super().compute_output_spec(
            query,
            value,
            key=key,
            return_attention_scores=return_attention_scores,
            return_attention_state=return_attention_state,
        )

    def _monotonic_config(self, config):
        config.pop("probability_fn", None)
        config.pop("use_coverage", None)
        config.update(
            {
                "sigmoid_noise": self.sigmoid_noise,
                "score_bias_init": self.score_bias_init,
                "mode": self.mode,
            }
        )
        return config
