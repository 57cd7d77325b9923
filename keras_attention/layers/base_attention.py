"""The part of the call contract shared by `BahdanauAttention` and `LuongAttention`."""

import inspect

import keras
from keras import ops

from keras_attention.layers import attention_utils

# A single `mask=` is the query's mask (Keras passes the first argument's
# mask there): a memory mask passed that way is refused, never dropped.
_SINGLE_MASK_HINT = (
    "(a single `mask=` is the query's mask, as in Keras; to mask the memory pass "
    "`value_mask=` or `mask=[query_mask, value_mask]`)"
)


class BaseAttention(keras.layers.Layer):
    """Base class of the score/mechanism layers (not registered, not public).

    Subclasses implement `_build_scores(query_dim, key_dim, memory_length)`,
    `_project_keys(key)` and `_scores(query, keys)`; this class owns the call
    contract, masking, the normaliser, dropout and the context product.

    Everything runs inside `call` (so Keras' autocast applies under mixed
    precision). A decoder projects the memory once per sequence and attends
    at every step with two calls of the layer:

    ```python
    keys = attention(None, value)                           # once: projected keys
    context, weights = attention(query, value, projected_keys=keys,
                                 value_mask=mask, return_attention_scores=True)
    ```

    The layer also accepts Keras' list form, `attention([query, value])` or
    `attention([query, value, key], mask=[query_mask, value_mask])`, as
    `keras.layers.AdditiveAttention` does.
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
    def build(self, query_shape=None, value_shape=None, key_shape=None):
        if (
            value_shape is None
            and isinstance(query_shape, (list, tuple))
            and query_shape
            and all(isinstance(s, (list, tuple)) for s in query_shape)
            and len(query_shape) not in (2, 3)
        ):
            _unpack_list_form(list(query_shape), None, None, None, None, None)
        if value_shape is None and _is_shape_list(query_shape):
            # Keras' list form: build([query_shape, value_shape(, key_shape)]).
            shapes = list(query_shape)
            query_shape, value_shape = shapes[0], shapes[1]
            key_shape = shapes[2] if len(shapes) > 2 else None
        if value_shape is None:
            raise ValueError(
                f"{type(self).__name__}.build needs the memory (`value`) shape. "
                "Received: value_shape=None"
            )
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
        if query_shape is None:
            raise ValueError(
                f"{type(self).__name__} is built from a query shape: call it with "
                "a query first (or `build(query_shape, value_shape)`). Received: "
                "query=None on an unbuilt layer"
            )
        self._query_dim = int(query_shape[-1])
        self._key_dim = int(key_shape[-1])
        self._value_dim = int(value_shape[-1])
        self._build_scores(self._query_dim, self._key_dim, key_shape[1])
        self.built = True

    def _build_scores(self, query_dim, key_dim, memory_length):
        raise NotImplementedError

    @property
    def context_dim(self):
        """Size of the context vector (the memory's last dimension)."""
        return self._value_dim

    # -- what subclasses define -------------------------------------------
    def _project_keys(self, key):
        raise NotImplementedError

    def _scores(self, query, keys, attention_state=None):
        """Raw scores `(B, Tq, S)` for a rank-3 query."""
        raise NotImplementedError

    def _adjust_weights(
        self, scores, mask, query, query_positions, training, attention_state=None
    ):
        """Normalises scores; `LuongAttention` overrides it for local windows."""
        return attention_utils.normalize_scores(
            scores,
            mask,
            probability_fn=self.probability_fn,
            training=training,
            seed=self.seed_generator,
            dtype=self.compute_dtype,
        )

    # -- state carried between decoder steps ------------------------------
    @property
    def has_attention_state(self):
        """Whether the layer needs a per-position state between steps.

        Monotonic attention (the previous alignment) and coverage (the sum of
        past alignments) do; a decoder then keeps it in its states, starting
        from `initial_attention_state` and updating it with
        `next_attention_state` after every step.
        """
        return False

    def initial_attention_state(self, batch_size, memory_length, dtype="float32"):
        """The state before the first step `(B, S)`, or `None` without one."""
        return None

    def next_attention_state(self, state, weights):
        """The state after a step that produced `weights` `(B, S)` (see `_attend`)."""
        return None

    # -- the call -----------------------------------------------------------
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
        **kwargs,
    ):
        """See the subclasses' docstrings.

        `query=None` returns the projected keys of `key` (default `value`):
        what a decoder computes once per memory and passes back as
        `projected_keys` at every step. `query_positions` (local windows)
        are the decoder positions of the queries: a scalar or `(B,)` for a
        rank-2 query, `(Tq,)` or `(B, Tq)` for a rank-3 one.
        `attention_state` is the layer's per-position state for a rank-2
        query (see `has_attention_state`); a rank-3 query runs the steps in
        order from `initial_attention_state` (or the given state). With
        `return_attention_state=True` the call returns
        `(context, weights, new_state)`. Other keyword arguments go to
        `_resolve_attention_state` (the monotonic layers' `previous_attention`).
        """
        attention_state = self._resolve_attention_state(
            query, value, attention_state, **kwargs
        )
        query, value, key, query_mask, value_mask = _unpack_list_form(
            query, value, key, query_mask, value_mask, mask
        )
        if query is None:
            key = value if key is None else key
            return self._project_keys(ops.cast(key, self.compute_dtype))
        self._check_call_shapes(query, value, key, query_mask, value_mask)
        if projected_keys is None:
            projected_keys = self._project_keys(
                ops.cast(value if key is None else key, self.compute_dtype)
            )
        single_step = len(query.shape) == 2
        query = ops.cast(query, self.compute_dtype)
        value = ops.cast(value, self.compute_dtype)
        weight_mask = None
        if value_mask is not None:
            weight_mask = ops.expand_dims(ops.cast(value_mask, "bool"), 1)
        if single_step:
            if query_positions is not None:
                query_positions = ops.reshape(
                    ops.cast(query_positions, "float32"), (-1, 1)
                )
            if self.has_attention_state and attention_state is None:
                attention_state = self.initial_attention_state(
                    ops.shape(value)[0], ops.shape(value)[1], self.compute_dtype
                )
            context, weights, new_state = self._attend(
                ops.expand_dims(query, 1), value, projected_keys, weight_mask,
                query_positions, training, attention_state,
            )
            context, weights = ops.squeeze(context, 1), ops.squeeze(weights, 1)
        elif self.has_attention_state:
            context, weights, new_state = self._attend_in_order(
                query, value, projected_keys, weight_mask, query_positions,
                training, attention_state,
            )
        else:
            context, weights, new_state = self._attend(
                query, value, projected_keys, weight_mask, query_positions,
                training, None,
            )
        if query_mask is not None and not single_step:
            context = context * ops.expand_dims(
                ops.cast(query_mask, context.dtype), -1
            )
        if return_attention_state:
            return context, weights, new_state
        if return_attention_scores:
            return context, weights
        return context

    def _resolve_attention_state(self, query, value, attention_state, **kwargs):
        """The attention state a call starts from (a hook for extra call arguments).

        Subclasses that accept more call arguments (tfa's names) take them
        here and pass the rest on; this base accepts none.
        """
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.call() got an unexpected keyword argument "
                f"{next(iter(kwargs))!r}"
            )
        return attention_state

    def _attend(self, query, value, keys, mask, positions, training, state):
        """`(context (B, Tq, D), weights (B, Tq, S), new state)` for a rank-3 query.

        The new state (of a one-step query; `None` without state) is
        `next_attention_state(state, weights)`; layers whose state is not a
        function of the weights (chunkwise attention) override this.
        """
        scores = self._scores(query, keys, state)
        weights = self._adjust_weights(scores, mask, query, positions, training, state)
        dropped = weights
        if training and self.dropout > 0:
            dropped = keras.random.dropout(
                weights, self.dropout, seed=self.seed_generator
            )
        new_state = None
        if state is not None:
            new_state = ops.cast(
                self.next_attention_state(state, ops.squeeze(weights, 1)), state.dtype
            )
        return ops.matmul(dropped, value), weights, new_state

    def _attend_in_order(self, query, value, keys, mask, positions, training, state):
        """A rank-3 query of a stateful layer: one step after the other."""
        from keras_attention.layers import loops

        batch, length = ops.shape(value)[0], ops.shape(value)[1]
        if state is None:
            state = self.initial_attention_state(batch, length, self.compute_dtype)
        steps = ops.shape(query)[1]
        if positions is None:
            positions = ops.arange(steps)
        positions = ops.cast(positions, "float32")
        if len(positions.shape) == 1:
            positions = ops.broadcast_to(positions[None, :], (batch, steps))

        def body(carry, xs):
            q_t, p_t = xs
            context, weights, next_state = self._attend(
                ops.expand_dims(q_t, 1), value, keys, mask,
                ops.expand_dims(p_t, -1), training, carry,
            )
            return next_state, (ops.squeeze(context, 1), ops.squeeze(weights, 1))

        y_like = (
            ops.zeros((batch, self._value_dim), self.compute_dtype),
            ops.zeros((batch, length), self.compute_dtype),
        )
        final, (contexts, weights) = loops.scan(
            body, state, (loops.time_major(query), loops.time_major(positions)),
            y_like, stateful=[self],
        )
        return loops.batch_major(contexts), loops.batch_major(weights), final

    def _check_call_shapes(self, query, value, key, query_mask, value_mask):
        """Clear errors for inputs that do not fit together (static shapes).

        `build()` checks the first call; this checks every call, so that a
        mismatch never surfaces as a backend broadcasting error.
        """
        if value is None:
            raise ValueError(
                f"{type(self).__name__} needs a memory: call it as "
                "`layer(query, value)` or `layer([query, value])`. Received: value=None"
            )
        q, v, k = _static_shape(query), _static_shape(value), _static_shape(key)
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

        differ = attention_utils.dims_differ
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
        m = _static_shape(value_mask)
        if m is not None and (len(m) != 2 or differ(m[0], v[0]) or differ(m[1], v[1])):
            raise ValueError(
                "`value_mask` must have shape (batch, memory_length) = "
                f"{v[:2]}, like `value`. Received: value_mask.shape={m}"
            )
        m = _static_shape(query_mask)
        if m is not None and len(q) == 3 and (
            len(m) != 2 or differ(m[0], q[0]) or differ(m[1], q[1])
        ):
            raise ValueError(
                f"`query_mask` must have shape (batch, steps) = {q[:2]}, like `query` "
                f"{_SINGLE_MASK_HINT}. Received: query_mask.shape={m}"
            )
        if m is not None and len(q) == 2 and (len(m) != 1 or differ(m[0], q[0])):
            raise ValueError(
                "A rank-2 `query` is one decoder step, with no steps to mask: "
                f"`query_mask` must be None or have shape ({q[0]},) {_SINGLE_MASK_HINT}. "
                f"Received: query_mask.shape={m}"
            )

    def compute_mask(self, query, previous_mask=None):
        # Keras passes the first call argument and its mask: the context keeps
        # the query's mask, as in keras.layers.Attention.
        if isinstance(query, (list, tuple)):
            return previous_mask[0] if isinstance(previous_mask, (list, tuple)) else None
        return previous_mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and _is_shape_list(query_shape):
            query_shape, value_shape = query_shape[0], query_shape[1]
        return tuple(query_shape[:-1]) + (value_shape[-1],)

    def compute_output_spec(self, *args, **kwargs):
        # The arguments of `call` (a subclass's extra ones included), bound once.
        arguments = inspect.signature(self.call).bind(*args, **kwargs).arguments
        query, value, key = (arguments.get(n) for n in ("query", "value", "key"))
        return_attention_scores = arguments.get("return_attention_scores", False)
        return_attention_state = arguments.get("return_attention_state", False)
        query, value, key, _, _ = _unpack_list_form(
            query, value, key, None, None, None
        )
        if query is None:
            return keras.KerasTensor(
                tuple((value if key is None else key).shape[:-1]) + (None,),
                dtype=self.compute_dtype,
            )
        out_shape = tuple(query.shape[:-1]) + (value.shape[-1],)
        context = keras.KerasTensor(out_shape, dtype=self.compute_dtype)
        if not (return_attention_state or return_attention_scores):
            return context
        w_shape = tuple(query.shape[:-1]) + (value.shape[1],)
        weights = keras.KerasTensor(w_shape, dtype=self.compute_dtype)
        if return_attention_state:
            state = keras.KerasTensor((query.shape[0], value.shape[1]), dtype="float32")
            return context, weights, state
        return context, weights

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dropout": self.dropout,
                "seed": self.seed,
                "probability_fn": attention_utils.serialize_probability_fn(
                    self.probability_fn
                ),
            }
        )
        return config


def _static_shape(x):
    """Static shape with None for unknown dims; None if not an array.

    A dimension that is not a known integer (None on TensorFlow, a symbolic
    dimension when JAX traces a functional model's shapes) is None.
    """
    if x is None:
        return None
    dims = getattr(x, "shape", None)
    try:
        dims = tuple(dims)
    except TypeError:  # unknown rank, or not an array
        return None
    return tuple(_static_dim(d) for d in dims)


def _static_dim(d):
    if d is None:
        return None
    try:
        return int(d)
    except Exception:  # noqa: BLE001 (JAX's symbolic dims raise their own error)
        return None


def _is_shape_list(shape):
    return (
        isinstance(shape, (list, tuple))
        and len(shape) in (2, 3)
        and all(s is None or isinstance(s, (list, tuple)) for s in shape)
    )


def _unpack_list_form(query, value, key, query_mask, value_mask, mask):
    """Accepts `layer([query, value(, key)], mask=[query_mask, value_mask])`."""
    list_form = value is None and isinstance(query, (list, tuple))
    keras_masks = None
    if list_form and isinstance(query_mask, (list, tuple)):
        # Keras fills `query_mask` from the first argument's Keras masks:
        # for the list form, one per item (Nones where there is none).
        keras_masks, query_mask = list(query_mask), None
    if list_form:
        if len(query) not in (2, 3):
            raise ValueError(
                "In the list form, the first argument must be [query, value] or "
                f"[query, value, key]. Received: a list of {len(query)} items"
            )
        items = list(query)
        query, value = items[0], items[1]
        key = items[2] if len(items) > 2 else key
    if mask is not None:
        if isinstance(mask, (list, tuple)):
            if len(mask) not in (2, 3):
                raise ValueError(
                    "`mask` must be [query_mask, value_mask] (Keras' list form). "
                    f"Received: a list of {len(mask)} masks"
                )
            query_mask = mask[0] if query_mask is None else query_mask
            value_mask = mask[1] if value_mask is None else value_mask
        elif not list_form and query is not None and query_mask is None:
            # Keras passes the first argument's own mask as `mask`.
            query_mask = mask
    if keras_masks is not None:
        query_mask = keras_masks[0] if query_mask is None else query_mask
        if value_mask is None and len(keras_masks) > 1:
            value_mask = keras_masks[1]
    return query, value, key, query_mask, value_mask
