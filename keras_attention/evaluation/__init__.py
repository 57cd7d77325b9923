"""Evaluation: masked token accuracy, BLEU, exact match and plots; forecast metrics."""

from keras_attention.evaluation import forecasting
from keras_attention.evaluation.plots import (
    bleu_by_length_figure,
    plot_bleu_by_length,
    plot_translation_attention,
)
from keras_attention.evaluation.translation_metrics import (
    LENGTH_BUCKETS,
    bleu_by_length,
    corpus_bleu,
    exact_match,
)
from keras_attention.metrics import MaskedAccuracy

__all__ = [
    "LENGTH_BUCKETS",
    "MaskedAccuracy",
    "bleu_by_length",
    "bleu_by_length_figure",
    "corpus_bleu",
    "exact_match",
    "forecasting",
    "plot_bleu_by_length",
    "plot_translation_attention",
]
