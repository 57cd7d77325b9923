"""The part of the call contract shared by `BahdanauAttention` and `LuongAttention`."""

import keras
from keras import ops

from keras_attention.layers import attention_utils


class BaseAttention(keras.layers.Layer):
    """Base class of the score/mechanism layers (not registered, not public).

    Subclasses implement `_build_scores(query_dim, key_dim, memory_length)`,
    `_project_keys(key)` and `_scores(query, keys)`; this class owns the call
    contract, masking, the normaliser, dropout and the context product.

    The call is split in two so that a decoder projects the memory once per
    sequence and attends at every step:

    ```python
    keys = attention.precompute_keys(value)              # once
    context, weights = attention.attend(query, value, keys, value_mask)  # per step
    ```

    `call()` is exactly `attend(query, value, precompute_keys(value, key))`.
    """

    def __init__(
        self,
        dropout=0.0,
        seed=None,
        probability_fn="softmax",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.dropout = attention_utils.validate_rate("dropout", dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self.probability_fn = attention_utils.validate_probability_fn(probability_fn)
        self.supports_masking = True
        if self.dropout > 0 or self.probability_fn == "hard_straight_through":
            self.seed_generator = keras.random.SeedGenerator(seed)
        else:
            self.seed_generator = None

    # -- building --------------------------------------------------------
    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        for name, shape in (
            ("query", query_shape),
            ("value", value_shape),
            ("key", key_shape),
        ):
            if shape is None:
                continue
            if name == "query" and len(shape) not in (2, 3):
                raise ValueError(
                    "`query` must have rank 2 (batch, dim) for one decoder step "
                    "or rank 3 (batch, steps, dim). "
                    f"Received: query.shape={tuple(shape)}"
                )
            if name != "query" and len(shape) != 3:
                raise ValueError(
                    f"`{name}` must have rank 3 (batch, memory_length, dim). "
                    f"Received: {name}.shape={tuple(shape)}"
                )
            if shape[-1] is None:
                raise ValueError(
                    f"The last dimension of `{name}` must be known. "
                    f"Received: {name}.shape={tuple(shape)}"
                )
        self._query_dim = int(query_shape[-1])
        self._key_dim = int(key_shape[-1])
        self._value_dim = int(value_shape[-1])
        self._build_scores(self._query_dim, self._key_dim, key_shape[1])
        self.built = True

    def _build_scores(self, query_dim, key_dim, memory_length):
        raise NotImplementedError

    def _check_built(self, method):
        if not self.built:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' is not built: call the layer "
                f"once, or call build(query_shape, value_shape), before `{method}()`."
            )

    def _w(self, variable):
        # Explicit cast: `attend` is also called outside `__call__` (samplers,
        # export), where Keras' autocast scope is not active.
        return ops.cast(variable, self.compute_dtype)

    # -- the two halves of a call -----------------------------------------
    def precompute_keys(self, value, key=None):
        """Projects the memory once per sequence.

        Args:
            value: memory `(B, S, value_dim)`.
            key: optional keys `(B, S, key_dim)`; defaults to `value`.

        Returns:
            The processed keys to pass to `attend()` at every step.
        """
        self._check_built("precompute_keys")
        key = value if key is None else key
        return self._project_keys(ops.cast(key, self.compute_dtype))

    def _project_keys(self, key):
        raise NotImplementedError

    def _scores(self, query, keys):
        """Raw scores `(B, Tq, S)` for a rank-3 query."""
        raise NotImplementedError

    def _adjust_weights(self, scores, mask, query, query_positions, training):
        """Normalises scores; `LuongAttention` overrides it for local windows."""
        return attention_utils.normalize_scores(
            scores,
            mask,
            probability_fn=self.probability_fn,
            training=training,
            seed=self.seed_generator,
            dtype=self.compute_dtype,
        )

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
    ):
        """Attends a query to a memory whose keys were precomputed.

        Args:
            query: `(B, query_dim)` or `(B, Tq, query_dim)`.
            value: memory `(B, S, value_dim)`.
            keys: the result of `precompute_keys(value)`.
            value_mask: optional boolean `(B, S)`, `True` for real positions.
            query_mask: optional boolean `(B, Tq)` (rank-3 query only); masked
                query rows get a zero context, as in `keras.layers.Attention`.
            training: Python boolean; enables dropout and Gumbel noise.
            query_positions: decoder positions of the queries, used by local
                windows (`LuongAttention(window_mode="local_m")`): a scalar or
                `(B,)` for a rank-2 query, `(Tq,)` or `(B, Tq)` for rank 3.
                Defaults to `0 … Tq-1`.
            return_scores: also return the raw scores (before masking).

        Returns:
            `(context, weights)`: context `(B, [Tq,] value_dim)` and weights
            `(B, [Tq,] S)` (before dropout), plus raw scores if asked.
        """
        self._check_built("attend")
        single_step = len(query.shape) == 2
        query = ops.cast(query, self.compute_dtype)
        value = ops.cast(value, self.compute_dtype)
        if single_step:
            query = ops.expand_dims(query, 1)
            if query_positions is not None:
                query_positions = ops.reshape(
                    ops.cast(query_positions, "float32"), (-1, 1)
                )
        scores = self._scores(query, keys)
        mask = None
        if value_mask is not None:
            mask = ops.expand_dims(ops.cast(value_mask, "bool"), 1)
        weights = self._adjust_weights(scores, mask, query, query_positions, training)
        dropped = weights
        if training and self.dropout > 0:
            dropped = keras.random.dropout(
                weights, self.dropout, seed=self.seed_generator
            )
        context = ops.matmul(dropped, value)
        if query_mask is not None and not single_step:
            context = context * ops.expand_dims(
                ops.cast(query_mask, context.dtype), -1
            )
        if single_step:
            context = ops.squeeze(context, 1)
            weights = ops.squeeze(weights, 1)
            scores = ops.squeeze(scores, 1)
        if return_scores:
            return context, weights, scores
        return context, weights

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        return_attention_scores=False,
        training=None,
        query_positions=None,
    ):
        self._check_call_shapes(query, value, key, query_mask, value_mask)
        keys = self.precompute_keys(value, key)
        context, weights = self.attend(
            query,
            value,
            keys,
            value_mask=value_mask,
            query_mask=query_mask,
            training=training,
            query_positions=query_positions,
        )
        if return_attention_scores:
            return context, weights
        return context

    def _check_call_shapes(self, query, value, key, query_mask, value_mask):
        """Clear errors for inputs that do not fit together (static shapes).

        `build()` checks the first call; this checks every call, so that a
        mismatch never surfaces as a backend broadcasting error.
        """

        def shape(x):
            # Static shapes only (None for unknown dims): `ops.shape` would
            # give tensors while tracing.
            if x is None:
                return None
            dims = getattr(x, "shape", None)
            try:
                return tuple(None if d is None else int(d) for d in dims)
            except (TypeError, ValueError):  # unknown rank, or not an array
                return None

        q, v, k = shape(query), shape(value), shape(key)
        if q is None or v is None:
            return
        if len(q) not in (2, 3):
            raise ValueError(
                "`query` must have rank 2 (batch, dim) for one decoder step "
                f"or rank 3 (batch, steps, dim). Received: query.shape={q}"
            )
        for name, s in (("value", v), ("key", k)):
            if s is not None and len(s) != 3:
                raise ValueError(
                    f"`{name}` must have rank 3 (batch, memory_length, dim). "
                    f"Received: {name}.shape={s}"
                )
        if self.built:
            for name, s, dim in (
                ("query", q, self._query_dim),
                ("value", v, self._value_dim),
                ("key", k if k is not None else v, self._key_dim),
            ):
                if s is not None and s[-1] is not None and s[-1] != dim:
                    raise ValueError(
                        f"The last dimension of `{name}` must be {dim}, the size "
                        f"this layer was built with. Received: {name}.shape={s}"
                    )

        def differ(a, b):
            return a is not None and b is not None and a != b

        if differ(q[0], v[0]):
            raise ValueError(
                "`query` and `value` must have the same batch size. "
                f"Received: query.shape={q} and value.shape={v}"
            )
        if k is not None and (differ(k[0], v[0]) or differ(k[1], v[1])):
            raise ValueError(
                "`key` and `value` must have the same batch size and memory "
                f"length. Received: key.shape={k} and value.shape={v}"
            )
        m = shape(value_mask)
        if m is not None and (len(m) != 2 or differ(m[0], v[0]) or differ(m[1], v[1])):
            raise ValueError(
                "`value_mask` must have shape (batch, memory_length) = "
                f"{v[:2]}, like `value`. Received: value_mask.shape={m}"
            )
        m = shape(query_mask)
        if m is not None and len(q) == 3 and (
            len(m) != 2 or differ(m[0], q[0]) or differ(m[1], q[1])
        ):
            raise ValueError(
                "`query_mask` must have shape (batch, steps) = "
                f"{q[:2]}, like `query`. Received: query_mask.shape={m}"
            )

    def compute_mask(self, query, previous_mask=None):
        # Keras passes the first call argument and its mask: the context keeps
        # the query's mask, as in keras.layers.Attention.
        return previous_mask

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        return tuple(query_shape[:-1]) + (value_shape[-1],)

    def compute_output_spec(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        return_attention_scores=False,
        training=None,
        query_positions=None,
    ):
        out_shape = tuple(query.shape[:-1]) + (value.shape[-1],)
        context = keras.KerasTensor(out_shape, dtype=self.compute_dtype)
        if return_attention_scores:
            w_shape = tuple(query.shape[:-1]) + (value.shape[1],)
            return context, keras.KerasTensor(w_shape, dtype=self.compute_dtype)
        return context

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dropout": self.dropout,
                "seed": self.seed,
                "probability_fn": self.probability_fn,
            }
        )
        return config
