"""The attention mechanisms of a decoder cell: their memories, keys and layers.

Helpers of `AttentionDecoderCell`, which may hold several mechanisms (as
`tfa.seq2seq.AttentionWrapper(attention_mechanism=[...])`), each over one
shared memory or over a memory of its own.
"""

import keras
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.base_attention import BaseAttention
from keras_attention.layers.memory import Memory, as_memories


def deserialize_layers(value):
    """A layer config (or a list of them) → layer(s); other values unchanged."""
    if isinstance(value, dict):
        return keras.layers.deserialize(value)
    if isinstance(value, (list, tuple)):
        return [deserialize_layers(v) for v in value]
    return value


def serialize_layers(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [keras.layers.serialize(v) for v in value]
    return keras.layers.serialize(value)


def check_cell_arguments(
    cell, attention, attention_layer, attention_layer_size, context_gate, cell_input_fn
):
    """`AttentionDecoderCell`'s arguments, deserialized and checked.

    Returns:
        `(cell, attention, mechanisms, attention_layer, attention_layer_size,
        cell_input_fn)`, `mechanisms` the list of attention layers.
    """
    cell = deserialize_layers(cell)
    if not (hasattr(cell, "state_size") and callable(cell)):
        raise ValueError(
            "`cell` must be a Keras RNN cell (e.g. keras.layers.GRUCell(64)). "
            f"Received: cell={cell!r}"
        )
    attention = deserialize_layers(attention)
    mechanisms = [] if attention is None else (
        list(attention) if isinstance(attention, (list, tuple)) else [attention]
    )
    if not all(isinstance(m, BaseAttention) for m in mechanisms):
        raise ValueError(
            "`attention` must be an attention layer of keras_attention "
            "(BahdanauAttention, LuongAttention, ...), a list of them, or "
            f"None. Received: attention={attention!r}"
        )
    if isinstance(attention, (list, tuple)) and not mechanisms:
        raise ValueError(
            "`attention` must not be an empty list (use None for no attention). "
            "Received: attention=[]"
        )
    sizes = validate_layer_sizes(attention_layer_size, len(mechanisms))
    attention_layer = deserialize_layers(attention_layer)
    if attention_layer is not None and attention_layer_size is not None:
        raise ValueError(
            "Pass `attention_layer` or `attention_layer_size`, not both. "
            f"Received: attention_layer_size={attention_layer_size!r} and an "
            "attention_layer"
        )
    if isinstance(attention_layer, list) and len(attention_layer) != len(mechanisms):
        raise ValueError(
            "A list of `attention_layer`s needs one per attention mechanism. "
            f"Received: {len(attention_layer)} layers for {len(mechanisms)} mechanisms"
        )
    if context_gate and not mechanisms:
        raise ValueError(
            "`context_gate=True` gates attention contexts and needs an "
            "`attention` layer. Received: attention=None"
        )
    if isinstance(cell_input_fn, dict):
        cell_input_fn = keras.saving.deserialize_keras_object(cell_input_fn)
    if cell_input_fn is not None and not callable(cell_input_fn):
        raise ValueError(
            "`cell_input_fn` must be a callable (inputs, attention) -> cell "
            f"input, or None. Received: cell_input_fn={cell_input_fn!r}"
        )
    if isinstance(attention, tuple):
        attention = list(attention)
    return cell, attention, mechanisms, attention_layer, sizes, cell_input_fn


def validate_layer_sizes(size, num_mechanisms):
    """`attention_layer_size`: None, an int, or one int per mechanism."""
    if isinstance(size, (list, tuple)):
        if len(size) != num_mechanisms:
            raise ValueError(
                "A list `attention_layer_size` needs one size per attention "
                f"mechanism. Received: attention_layer_size={list(size)} for "
                f"{num_mechanisms} mechanisms"
            )
        return [attention_utils.validate_positive_int("attention_layer_size", s) for s in size]
    return attention_utils.validate_positive_int("attention_layer_size", size, allow_none=True)


def make_attention_dense(size, dtype_policy):
    """`W_c` (tanh) for an `attention_layer_size`: one layer, a list, or None."""
    if size is None:
        return None
    if isinstance(size, list):
        return [
            keras.layers.Dense(
                s, activation="tanh", name=f"attention_layer_{k}", dtype=dtype_policy
            )
            for k, s in enumerate(size)
        ]
    return keras.layers.Dense(size, activation="tanh", name="attention_layer", dtype=dtype_policy)


def memory_shapes(memory_shape, num_mechanisms):
    """One `(batch, length, dim)` shape per mechanism (one without attention)."""

    def valid(shape):
        return (
            isinstance(shape, (list, tuple))
            and len(shape) == 3
            and shape[-1] is not None
            and not isinstance(shape[0], (list, tuple))
        )

    n = max(1, num_mechanisms)
    if isinstance(memory_shape, Memory):
        memory_shape = memory_shape.values
    if valid(memory_shape):
        return [memory_shape] * n
    shapes = None
    if isinstance(memory_shape, (list, tuple)) and memory_shape:
        shapes = [m.values if isinstance(m, Memory) else m for m in memory_shape]
    if shapes is None or not all(valid(s) for s in shapes):
        raise ValueError(
            "AttentionDecoderCell.build needs the memory shape "
            "(batch, memory_length, memory_dim) with a known last dimension "
            "(or one such shape per attention mechanism). "
            f"Received: memory_shape={memory_shape}"
        )
    if len(shapes) != n:
        raise ValueError(
            f"Got {len(shapes)} memory shapes for {num_mechanisms} "
            f"attention mechanisms. Received: memory_shape={memory_shape}"
        )
    return shapes


def prepare_memories(mechanisms, values, mask, dtype):
    """The `Memory` (or one per mechanism) with each mechanism's keys projected.

    `values` is a tensor (one memory shared by the mechanisms), a list of
    tensors (one per mechanism), or already a `Memory` / tuple of them
    (returned as is once their keys are there).
    """
    if isinstance(values, Memory) or (
        isinstance(values, (list, tuple)) and values and isinstance(values[0], Memory)
    ):
        memories = as_memories(values)
        if not mechanisms or all(m.keys is not None for m in memories):
            return values  # already prepared
        values = [m.values for m in memories]
        mask = [m.mask for m in memories]
    shared = not isinstance(values, (list, tuple))
    value_list = [values] * max(1, len(mechanisms)) if shared else list(values)
    if mask is None or not isinstance(mask, (list, tuple)):
        mask_list = [mask] * len(value_list)
    else:
        mask_list = list(mask)
    prepared = []
    for k, (v, m) in enumerate(zip(value_list, mask_list, strict=True)):
        v = ops.cast(v, dtype)
        m = None if m is None else ops.cast(m, "bool")
        keys = mechanisms[k](None, v) if mechanisms else None
        prepared.append(Memory(v, m, keys))
    return prepared[0] if len(prepared) == 1 else tuple(prepared)


def per_mechanism(memory, memory_mask, num_mechanisms):
    """A list with one `Memory` per mechanism (one without attention)."""
    memories = as_memories(memory, memory_mask)
    n = max(1, num_mechanisms)
    if len(memories) == 1 and n > 1:
        # One memory shared by every mechanism; keys are per mechanism.
        base = memories[0]
        return [Memory(base.values, base.mask, None) for _ in range(n)]
    if len(memories) != n:
        raise ValueError(
            f"The cell has {n} attention mechanisms but got {len(memories)} "
            "memories. Pass one Memory, or one per mechanism."
        )
    return memories
