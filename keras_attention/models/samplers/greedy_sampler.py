"""Greedy decoding."""

import keras
from keras import ops

from keras_attention.models.samplers.sampler import Sampler


@keras.saving.register_keras_serializable(package="keras_attention")
class GreedySampler(Sampler):
    """Greedy decoding: the most probable token at every step.

    Example:

    A sampler runs the decoder of a model over an encoded source (this is
    what `Seq2SeqTranslator.generate(source_ids, sampler="greedy")` does):

    >>> import numpy as np
    >>> from keras_attention.models import GreedySampler, Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> source_ids = np.array([[5, 6, 7], [8, 9, 0]])  # 0 = padding
    >>> memory, states = model.encode(source_ids)  # a Memory, cell states
    >>> out = GreedySampler()(model.decoder, memory, initial_state=states,
    ...                       start_id=2, end_id=3, max_length=6)
    >>> sorted(out)
    ['attention', 'lengths', 'scores', 'token_ids']
    >>> tuple(out["token_ids"].shape), tuple(out["attention"].shape)
    ((2, 6), (2, 6, 3))
    >>> same = model.generate(source_ids, sampler="greedy", max_length=6)
    >>> np.array_equal(out["token_ids"], same["token_ids"])
    True
    """

    def _next_tokens(self, logits):
        # top_k, not ops.argmax: it lowers to a TFLite builtin (argmax on
        # floats emits a Flex op).
        return ops.top_k(logits, 1)[1][:, 0]
