"""`Memory`: what an attention decoder attends over, travelling as one value."""

from typing import Any, NamedTuple

from keras import ops, tree


class Memory(NamedTuple):
    """The memory of an attention decoder: values, their mask and projected keys.

    The decoder step, the samplers and the exported decode signatures pass
    this one structure instead of three loose arguments. `keys` are the
    attention layer's projection of `values` (computed once per sequence by
    `AttentionDecoderCell.prepare_memory`); `None` means "project when
    needed". Beam search tiles the whole structure once with `tile()`.

    With several attention mechanisms over different memories (as
    `tfa.seq2seq.AttentionWrapper(attention_mechanism=[...])`), a decoder
    takes a tuple of `Memory`, one per mechanism.

    Attributes:
        values: `(B, S, D)` float tensor, e.g. encoder outputs.
        mask: optional boolean `(B, S)`, `True` for real positions.
        keys: optional projected keys (whatever the attention layer returns
            for `layer(None, values)`), or `None`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import Memory
    >>> memory = Memory(np.ones((2, 5, 3), "float32"),
    ...                 mask=np.array([[True] * 5, [True] * 3 + [False] * 2]))
    >>> tiled = memory.tile(4)  # beam search: each row repeated 4 times
    >>> tuple(tiled.values.shape), tuple(tiled.mask.shape), tiled.keys
    ((8, 5, 3), (8, 5), None)
    """

    values: Any
    mask: Any = None
    keys: Any = None

    def tile(self, beam_width):
        """Every tensor `(B, ...)` → `(B·K, ...)`, each row repeated K times in a row."""
        return Memory(
            *[
                None if part is None else tree.map_structure(
                    lambda x: tile_beams(x, beam_width), part
                )
                for part in self
            ]
        )


def _is_empty(mask):
    # Keras fills a `memory_mask` argument from the `memory` argument's Keras
    # masks, structure for structure: a Memory (or a list) of Nones is no mask.
    if mask is None:
        return True
    if isinstance(mask, (list, tuple)):
        return all(_is_empty(m) for m in mask)
    return False


def as_memories(memory, memory_mask=None):
    """`memory` (a `Memory`, a tuple of them, or a values tensor) → list of `Memory`.

    `memory_mask` applies to a values tensor only: a `Memory` carries its own
    mask (Keras also fills `memory_mask` from the tensors' own Keras masks).
    """
    if _is_empty(memory_mask):
        memory_mask = None
    if isinstance(memory, Memory):
        return [memory]
    if isinstance(memory, (list, tuple)) and memory and all(
        isinstance(m, Memory) for m in memory
    ):
        return list(memory)
    return [Memory(memory, memory_mask)]


def first_memory(memory):
    """The `Memory` itself, or the first of a tuple of them."""
    return memory if isinstance(memory, Memory) else memory[0]


def tile_memories(memories, beam_width):
    """`tile(beam_width)` of a `Memory` or of each `Memory` of a tuple."""
    if isinstance(memories, Memory):
        return memories.tile(beam_width)
    return tuple(m.tile(beam_width) for m in memories)


def tile_beams(x, beam_width):
    """`(B, ...)` → `(B·K, ...)`, each row repeated K times in a row."""
    shape = ops.shape(x)
    x = ops.expand_dims(x, 1)
    x = ops.broadcast_to(x, (shape[0], beam_width) + tuple(shape[1:]))
    return ops.reshape(x, (shape[0] * beam_width,) + tuple(shape[1:]))
