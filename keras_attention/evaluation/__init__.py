"""Evaluation: masked token accuracy, BLEU, exact match and plots."""

from keras_attention.evaluation.masked_accuracy import MaskedAccuracy

__all__ = ["MaskedAccuracy"]
