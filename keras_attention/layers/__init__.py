"""Attention layers, the attention decoder cell and the decoder loop."""

from keras_attention.layers.attention_decoder import AttentionDecoder
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell
from keras_attention.layers.attention_utils import (
    hard_straight_through,
    hardmax,
    masked_softmax,
    sparsemax,
)
from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.bahdanau_monotonic_attention import (
    BahdanauMonotonicAttention,
)
from keras_attention.layers.hard_attention import HardAttention
from keras_attention.layers.input_attention_encoder import InputAttentionEncoder
from keras_attention.layers.luong_attention import LuongAttention
from keras_attention.layers.luong_monotonic_attention import LuongMonotonicAttention
from keras_attention.layers.maxout import Maxout
from keras_attention.layers.memory import Memory
from keras_attention.layers.monotonic import monotonic_attention, safe_cumprod
from keras_attention.layers.monotonic_chunkwise_attention import (
    MonotonicChunkwiseAttention,
)
from keras_attention.layers.reversible_instance_normalization import (
    ReversibleInstanceNormalization,
)
from keras_attention.layers.self_attention_rnn_cell import SelfAttentionRNNCell

__all__ = [
    "AttentionDecoder",
    "AttentionDecoderCell",
    "BahdanauAttention",
    "BahdanauMonotonicAttention",
    "HardAttention",
    "InputAttentionEncoder",
    "LuongAttention",
    "LuongMonotonicAttention",
    "Maxout",
    "Memory",
    "MonotonicChunkwiseAttention",
    "ReversibleInstanceNormalization",
    "SelfAttentionRNNCell",
    "hard_straight_through",
    "hardmax",
    "masked_softmax",
    "monotonic_attention",
    "safe_cumprod",
    "sparsemax",
]
