"""Keras callbacks."""

from keras_attention.callbacks.attention_image_logger import AttentionImageLogger
from keras_attention.callbacks.scheduled_sampling import ScheduledSampling

__all__ = ["AttentionImageLogger", "ScheduledSampling"]
