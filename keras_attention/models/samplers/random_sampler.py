"""Sampling with temperature and top-k."""

import keras
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.models.samplers.sampler import NEG, Sampler, validate_seed
from keras_attention.utils.validation import validate_positive_float


@keras.saving.register_keras_serializable(package="keras_attention")
class RandomSampler(Sampler):
    """Samples each token from the softmax of `logits / temperature`.

    With `top_k`, only the `top_k` most probable tokens can be drawn. Drawn
    with the Gumbel-max trick (`top_k(logits + Gumbel noise, 1)`), which
    needs only builtin TFLite ops. The returned `scores` are the sums of the
    model's own log-probabilities (temperature 1, no truncation). Every step
    draws new noise on every backend (on JAX the seed generator's state is
    carried through the loop).

    Args:
        temperature: positive float; below 1 sharpens, above 1 flattens.
        top_k: positive integer or `None` (sample from every token).
        seed: integer seed (a `keras.random.SeedGenerator` is made from it).

    Example:

    >>> import numpy as np
    >>> from keras_attention.models import RandomSampler, Seq2SeqTranslator
    >>> sampler = RandomSampler(temperature=0.7, top_k=10, seed=1)
    >>> sampler
    RandomSampler(temperature=0.7, top_k=10, seed=1)
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> out = model.generate(np.array([[5, 6, 7]]), sampler=sampler, max_length=6)
    >>> tuple(out["token_ids"].shape), tuple(out["scores"].shape)
    ((1, 6), (1,))
    """

    def __init__(self, temperature=1.0, top_k=None, seed=None):
        self.temperature = validate_positive_float("temperature", temperature)
        self.top_k = attention_utils.validate_positive_int("top_k", top_k, allow_none=True)
        self.seed = validate_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def _stateful(self):
        return (self.seed_generator,)

    def _next_tokens(self, logits):
        logits = logits / self.temperature
        if self.top_k is not None:
            k = min(self.top_k, int(logits.shape[-1]))
            kth = ops.top_k(logits, k)[0][:, -1:]
            logits = ops.where(logits < kth, NEG, logits)
        u = keras.random.uniform(
            ops.shape(logits), minval=1e-7, maxval=1.0, seed=self.seed_generator
        )
        gumbel = -ops.log(-ops.log(u))
        return ops.top_k(logits + gumbel, 1)[1][:, 0]

    def get_config(self):
        return {"temperature": self.temperature, "top_k": self.top_k, "seed": self.seed}
