"""Keras metrics of the sequence models."""

from keras_attention.metrics.masked_accuracy import MaskedAccuracy

__all__ = ["MaskedAccuracy"]
