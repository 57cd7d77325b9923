"""Model builders and decoding samplers."""

from keras_attention.models import samplers
from keras_attention.models.samplers import BeamSampler, GreedySampler, RandomSampler
from keras_attention.models.seq2seq_translator import Seq2SeqTranslator

__all__ = [
    "BeamSampler",
    "GreedySampler",
    "RandomSampler",
    "Seq2SeqTranslator",
    "samplers",
]
