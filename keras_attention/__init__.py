"""keras_attention: attention RNN layers and models for Keras 3."""

__version__ = "0.1.0"

from keras_attention import layers  # noqa: E402
from keras_attention.layers import (  # noqa: E402
    AttentionDecoder,
    AttentionDecoderCell,
    BahdanauAttention,
    LuongAttention,
    Maxout,
    SelfAttentionRNNCell,
)

__all__ = [
    "AttentionDecoder",
    "AttentionDecoderCell",
    "BahdanauAttention",
    "LuongAttention",
    "Maxout",
    "SelfAttentionRNNCell",
    "layers",
]
