"""Data sets, vocabularies and `tf.data` pipelines."""

from keras_attention.data import timeseries
from keras_attention.data.dates import format_date, load_dates
from keras_attention.data.text_pairs import (
    TextPairsError,
    build_vocabularies,
    encode_pairs,
    load_text_pairs,
    make_dataset,
    split_pairs,
    to_model_arrays,
)
from keras_attention.data.text_utils import detokenize, normalize_text, tokenize
from keras_attention.data.timeseries import (
    load_nasdaq100,
    load_sml2010,
    make_windows,
    synthetic_series,
    synthetic_true_forecast,
)
from keras_attention.data.vocabulary import Vocabulary

__all__ = [
    "TextPairsError",
    "Vocabulary",
    "build_vocabularies",
    "detokenize",
    "encode_pairs",
    "format_date",
    "load_dates",
    "load_nasdaq100",
    "load_sml2010",
    "load_text_pairs",
    "make_dataset",
    "make_windows",
    "normalize_text",
    "split_pairs",
    "synthetic_series",
    "synthetic_true_forecast",
    "timeseries",
    "to_model_arrays",
    "tokenize",
]
