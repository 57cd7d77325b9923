"""keras_attention: attention RNN layers and models for Keras 3."""

__version__ = "0.1.0"

# Importing every subpackage registers every serializable class, so that
# `keras.models.load_model` works after a plain `import keras_attention`.
from keras_attention import (  # noqa: E402
    callbacks,
    data,
    evaluation,
    layers,
    models,
)
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
    "callbacks",
    "data",
    "evaluation",
    "layers",
    "models",
]
