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
from keras_attention.layers.input_attention_encoder import InputAttentionEncoder
from keras_attention.layers.luong_attention import LuongAttention
from keras_attention.layers.maxout import Maxout
from keras_attention.layers.reversible_instance_normalization import (
    ReversibleInstanceNormalization,
)
from keras_attention.layers.self_attention_rnn_cell import SelfAttentionRNNCell

__all__ = [
    "AttentionDecoder",
    "AttentionDecoderCell",
    "BahdanauAttention",
    "InputAttentionEncoder",
    "LuongAttention",
    "Maxout",
    "ReversibleInstanceNormalization",
    "SelfAttentionRNNCell",
    "hard_straight_through",
    "hardmax",
    "masked_softmax",
    "sparsemax",
]
