"""Model builders and decoding samplers."""

from keras_attention.models import samplers
from keras_attention.models.loading import load_model
from keras_attention.models.samplers import BeamSampler, GreedySampler, RandomSampler
from keras_attention.models.seq2seq_translator import Seq2SeqTranslator
from keras_attention.models.time_series_forecaster import TimeSeriesForecaster

__all__ = [
    "BeamSampler",
    "GreedySampler",
    "RandomSampler",
    "Seq2SeqTranslator",
    "TimeSeriesForecaster",
    "load_model",
    "samplers",
]
