"""The part shared by the monotonic attention layers (not public).

`MonotonicAttentionMixin` turns a score layer (`BahdanauAttention`,
`LuongAttention`) into monotonic attention (Raffel et al., 2017): it adds the
scalar `score_bias`, replaces the softmax by stopping probabilities
`p = sigmoid(score + score_bias + noise)` and the monotonic recurrence of
`monotonic.monotonic_attention`, and carries the previous alignment through
the call. Weights and key precomputation are those of the score layer.
"""

import numbers

import keras
from keras import ops

from keras_attention.layers import attention_utils, loops, monotonic


class _StatelessSeed(keras.random.SeedGenerator):
    """Hands a seed tensor to `keras.random`, which takes only ints and generators.

    Holds no state (no variable is made), so it can be built inside a loop
    body from a per-step seed, on every backend.
    """

    def __init__(self, seed):  # no super().__init__(): no state variable
        dtype = "uint32" if keras.backend.backend() == "jax" else "int32"
        self._seed = ops.cast(seed, dtype)

    def next(self, ordered=True):
        return self._seed


def _static_shape(x):
    dims = getattr(x, "shape", None)
    if dims is None:
        return None
    try:
        return tuple(None if d is None else int(d) for d in dims)
    except (TypeError, ValueError):
        return None


class MonotonicAttentionMixin:
    """Monotonic alignments on top of a `BaseAttention` score layer.

    Put it first in the bases: `class X(MonotonicAttentionMixin,
    BahdanauAttention)`. Subclasses call `_init_monotonic()` in `__init__`
    and `_build_score_bias()` at the end of `_build_scores()`.
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

    def _scores(self, query, keys):
        """Raw energies plus the scalar `score_bias`, `(B, Tq, S)`."""
        return super()._scores(query, keys) + self._w(self.score_bias)

    # -- alignments ------------------------------------------------------
    def initial_alignment(self, batch_size, memory_length, dtype=None):
        """The alignment before the first decoder step: one-hot at position 0.

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

    def _stopping_probabilities(self, scores, mask, training, seed):
        z = ops.cast(scores, "float32")
        if training and self.sigmoid_noise > 0:
            if seed is None:
                seed = self.seed_generator
            elif not isinstance(seed, int):
                seed = _StatelessSeed(seed)
            noise = keras.random.normal(ops.shape(z), dtype="float32", seed=seed)
            z = z + self.sigmoid_noise * noise
        if self.mode == "hard":
            p = ops.cast(z > 0, "float32")
        else:
            p = ops.sigmoid(z)
        if mask is not None:
            p = ops.where(mask, p, 0.0)
        return p

    def _alignments(self, p, previous):
        """Runs the recurrence over the query steps: `(B, T, S)` -> `(B, T, S)`."""
        if p.shape[1] == 1:
            return ops.expand_dims(monotonic.monotonic_attention(p[:, 0], previous, self.mode), 1)

        def step(carry, p_t):
            a = monotonic.monotonic_attention(p_t, carry, self.mode)
            return a, a

        _, alignments = loops.scan(step, previous, loops.time_major(p), previous)
        return loops.batch_major(alignments)

    def _expected_weights(self, alignments, query, keys, mask):
        """Attention weights from the alignments (MoChA overrides it)."""
        return alignments

    def attend(
        self,
        query,
        value,
        keys,
        value_mask=None,
        query_mask=None,
        training=None,
        query_positions=None,
        return_scores=False,
        previous_attention=None,
        seed=None,
        return_alignment=False,
    ):
        """Attends a query to a memory whose keys were precomputed.

        Args:
            query: `(B, query_dim)` for one step or `(B, Tq, query_dim)`.
            value: memory `(B, S, value_dim)`.
            keys: the result of `precompute_keys(value)`.
            value_mask: optional boolean `(B, S)`, `False` for padding.
            query_mask: optional boolean `(B, Tq)` (rank-3 query only);
                masked query rows get a zero context (the alignment still
                advances through them).
            training: Python boolean; enables sigmoid noise and dropout.
            query_positions: ignored (accepted for the decoder cell's call).
            return_scores: also return the energies (with `score_bias`,
                without noise).
            previous_attention: the alignment before this call, `(B, S)`;
                default `initial_alignment()`.
            seed: stateless seed of the sigmoid noise for this call, a
                Python int or an integer tensor of shape `(2,)`; default:
                the layer's `SeedGenerator`.
            return_alignment: also return the monotonic alignment, the
                decoder state to pass as `previous_attention` next time
                (`(B, S)` for a rank-2 query, `(B, Tq, S)` for rank 3,
                the last step being the state). It equals the weights,
                except for `MonotonicChunkwiseAttention`.

        Returns:
            `(context, weights)`, then the scores if `return_scores`, then
            the alignment if `return_alignment`.
        """
        self._check_built("attend")
        single_step = len(query.shape) == 2
        query = ops.cast(query, self.compute_dtype)
        value = ops.cast(value, self.compute_dtype)
        if single_step:
            query = ops.expand_dims(query, 1)
        scores = self._scores(query, keys)  # (B, T, S)
        mask = None
        if value_mask is not None:
            mask = ops.expand_dims(ops.cast(value_mask, "bool"), 1)
        if previous_attention is None:
            shape = ops.shape(scores)
            previous = monotonic.initial_alignment(shape[0], shape[2], "float32")
        else:
            previous = ops.cast(previous_attention, "float32")
        # All the noise is drawn here, before any loop (JAX cannot draw from a
        # SeedGenerator inside a loop body).
        p = self._stopping_probabilities(scores, mask, training, seed)
        alignments = self._alignments(p, previous)
        weights = self._expected_weights(alignments, query, keys, mask)
        weights = ops.cast(weights, self.compute_dtype)
        dropped = weights
        if training and self.dropout > 0:
            dropped = keras.random.dropout(weights, self.dropout, seed=self.seed_generator)
        context = ops.matmul(dropped, value)
        if query_mask is not None and not single_step:
            context = context * ops.expand_dims(ops.cast(query_mask, context.dtype), -1)
        alignments = ops.cast(alignments, self.compute_dtype)
        if single_step:
            context = ops.squeeze(context, 1)
            weights = ops.squeeze(weights, 1)
            scores = ops.squeeze(scores, 1)
            alignments = ops.squeeze(alignments, 1)
        outputs = (context, weights)
        if return_scores:
            outputs += (scores,)
        if return_alignment:
            outputs += (alignments,)
        return outputs

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        return_attention_scores=False,
        training=None,
        previous_attention=None,
        seed=None,
    ):
        self._check_call_shapes(query, value, key, query_mask, value_mask)
        self._check_monotonic_inputs(query, value, previous_attention, seed)
        keys = self.precompute_keys(value, key)
        context, weights = self.attend(
            query,
            value,
            keys,
            value_mask=value_mask,
            query_mask=query_mask,
            training=training,
            previous_attention=previous_attention,
            seed=seed,
        )
        if return_attention_scores:
            return context, weights
        return context

    def _check_monotonic_inputs(self, query, value, previous_attention, seed):
        v = _static_shape(value)
        q = _static_shape(query)
        prev = _static_shape(previous_attention)
        if prev is not None and v is not None and q is not None:
            expected = (q[0], v[1])
            if len(prev) != 2 or any(
                a is not None and b is not None and a != b
                for a, b in zip(prev, expected)
            ):
                raise ValueError(
                    "`previous_attention` must have shape (batch, memory_length) = "
                    f"{expected}. Received: previous_attention.shape={prev}"
                )
        if seed is None or isinstance(seed, int) and not isinstance(seed, bool):
            return
        s = _static_shape(seed)
        dtype = getattr(seed, "dtype", None)
        dtype = None if dtype is None else keras.backend.standardize_dtype(dtype)
        if s != (2,) or dtype is None or "int" not in dtype:
            received = (
                f"seed={seed!r}"
                if s is None
                else f"seed with shape {s} and dtype {dtype}"
            )
            raise ValueError(
                "`seed` must be a Python integer or an integer tensor of shape "
                f"(2,) (a stateless seed). Received: {received}"
            )

    def compute_output_spec(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        return_attention_scores=False,
        training=None,
        previous_attention=None,
        seed=None,
    ):
        return super().compute_output_spec(
            query,
            value,
            key=key,
            query_mask=query_mask,
            value_mask=value_mask,
            return_attention_scores=return_attention_scores,
            training=training,
        )

    def _monotonic_config(self, config):
        config.pop("probability_fn", None)
        config.update(
            {
                "sigmoid_noise": self.sigmoid_noise,
                "score_bias_init": self.score_bias_init,
                "mode": self.mode,
            }
        )
        return config
