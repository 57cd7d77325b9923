"""The model families (tasks), their preprocessors and the decoding samplers.

Every model implements the task protocol of `keras_attention.models.Task`
(see docs/design.md): `family`, `preprocessor`, `generate`,
`attention_maps`, and the export members.
"""

import keras

from keras_attention.models import samplers
from keras_attention.models.loading import load_model
from keras_attention.models.samplers import (
    BeamSampler,
    FeedbackSampler,
    GreedySampler,
    RandomSampler,
    Sampler,
)
from keras_attention.models.seq2seq_translator import Seq2SeqTranslator
from keras_attention.models.task import Endpoint, Task
from keras_attention.models.time_series_forecaster import TimeSeriesForecaster
from keras_attention.runtime.preprocessors import SeriesPreprocessor, TextPreprocessor

# The preprocessors are plain Python (the LiteRT runtime uses them without
# Keras); registering them lets them appear in Keras configs.
for _cls in (TextPreprocessor, SeriesPreprocessor):
    keras.saving.register_keras_serializable(package="keras_attention")(_cls)

#: The model families by name (`Task.family`).
FAMILIES = {cls.family: cls for cls in (Seq2SeqTranslator, TimeSeriesForecaster)}

__all__ = [
    "FAMILIES",
    "BeamSampler",
    "Endpoint",
    "FeedbackSampler",
    "GreedySampler",
    "RandomSampler",
    "Sampler",
    "Seq2SeqTranslator",
    "SeriesPreprocessor",
    "Task",
    "TextPreprocessor",
    "TimeSeriesForecaster",
    "load_model",
    "samplers",
]
