"""Decoding loops: greedy, random (temperature / top-k), beam search, feedback.

Each token sampler owns one `keras.ops.while_loop` that calls the decoder's
single step, `AttentionDecoder.decode_step` (embedding + the
`AttentionDecoderCell` step + output projection), and stops early once every
sequence has emitted the end token. Beam search tiles the `Memory` (values,
mask, projected keys) and the initial states itself: callers never tile.
`FeedbackSampler` runs a decoder on its own continuous outputs.

The token loops are written to be traced by `tf.function` and converted to
TFLite with builtin ops only (batch fixed, e.g. to 1): outputs live in
fixed-size buffers updated with `one_hot` / `where` (no TensorArray), the
arg-max is `top_k(x, 1)` (`ops.argmax` on floats needs a Flex op), beams are
reordered with `take` (GATHER), and every loop variable keeps its shape.
See `Sampler` for the call signature and the returned dict.
"""

import keras

from keras_attention.models.samplers.beam_sampler import BeamSampler
from keras_attention.models.samplers.feedback_sampler import FeedbackSampler
from keras_attention.models.samplers.greedy_sampler import GreedySampler
from keras_attention.models.samplers.penalties import coverage_penalty, length_penalty
from keras_attention.models.samplers.random_sampler import RandomSampler
from keras_attention.models.samplers.sampler import NEG, Sampler

__all__ = [
    "NEG",
    "BeamSampler",
    "FeedbackSampler",
    "GreedySampler",
    "RandomSampler",
    "Sampler",
    "coverage_penalty",
    "get",
    "length_penalty",
]

_ALIASES = {"greedy": GreedySampler, "random": RandomSampler, "beam": BeamSampler}


def get(identifier):
    """A sampler from a name (`"greedy"`, `"random"`, `"beam"`), a config or itself.

    Args:
        identifier: a name (default options), a serialized sampler config
            (`keras.saving.serialize_keras_object`) or a `Sampler`.

    Returns:
        A `Sampler` instance.

    Example:

    >>> import keras
    >>> from keras_attention.models import BeamSampler, samplers
    >>> samplers.get("greedy")
    GreedySampler()
    >>> config = keras.saving.serialize_keras_object(BeamSampler(beam_width=3))
    >>> samplers.get(config)
    BeamSampler(beam_width=3, length_penalty=0.0, coverage_penalty=0.0, num_return=1)
    """
    if isinstance(identifier, Sampler):
        return identifier
    if isinstance(identifier, str) and identifier in _ALIASES:
        return _ALIASES[identifier]()
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    raise ValueError(
        "`sampler` must be 'greedy', 'random', 'beam' or a Sampler instance "
        f"(GreedySampler, RandomSampler, BeamSampler). Received: sampler={identifier!r}"
    )
