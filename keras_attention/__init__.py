"""keras_attention: attention RNN layers and models for Keras 3."""

__version__ = "0.1.0"

import os as _os  # noqa: E402
import sys as _sys  # noqa: E402

# The command line (`keras-attention`, `python -m keras_attention`) keeps
# TensorFlow's C++ INFO and WARNING logs off the terminal, as the example
# scripts do. The variable is read when TensorFlow is imported, i.e. below;
# `sys.argv[0]` is "-m" while `python -m` imports this package. A plain
# `import keras_attention` changes nothing.
if _sys.argv and _os.path.splitext(_os.path.basename(_sys.argv[0]))[0] in (
    "keras-attention",
    "-m",
):
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _os.environ.setdefault("KERAS_BACKEND", "tensorflow")

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
