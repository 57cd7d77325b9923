"""Keras callbacks."""

from keras_attention.callbacks.scheduled_sampling import ScheduledSampling

__all__ = ["ScheduledSampling"]
