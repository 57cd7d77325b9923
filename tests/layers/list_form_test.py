"""Keras' list call form, `layer([query, value(, key)], mask=[query_mask, value_mask])`.

As `keras.layers.Attention` / `AdditiveAttention` are called; with masks given
by hand or filled by Keras from `Embedding(mask_zero=True)`.
"""

import keras
import numpy as np
import pytest

from keras_attention.layers import BahdanauAttention, LuongAttention
from tests.harness import to_numpy

RNG = np.random.default_rng(7)
QUERY = RNG.normal(size=(2, 3, 4)).astype("float32")
VALUE = RNG.normal(size=(2, 5, 4)).astype("float32")
KEY = RNG.normal(size=(2, 5, 6)).astype("float32")
QUERY_MASK = np.array([[1, 1, 0], [1, 1, 1]], bool)
VALUE_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)


@pytest.mark.parametrize("make", [lambda: BahdanauAttention(5), lambda: LuongAttention("general")])
def test_list_form_equals_the_keyword_call(make):
    layer = make()
    expected = layer(QUERY, VALUE, query_mask=QUERY_MASK, value_mask=VALUE_MASK,
                     return_attention_scores=True)
    got = layer([QUERY, VALUE], mask=[QUERY_MASK, VALUE_MASK], return_attention_scores=True)
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    context, weights = (to_numpy(x) for x in got)
    np.testing.assert_array_equal(weights[0, :, 3:], 0.0)  # value padding
    np.testing.assert_array_equal(context[0, 2], 0.0)  # masked query row


def test_list_form_with_a_key():
    layer = BahdanauAttention(5)
    expected = layer(QUERY, VALUE, key=KEY, value_mask=VALUE_MASK)
    got = layer([QUERY, VALUE, KEY], mask=[None, VALUE_MASK])
    np.testing.assert_array_equal(to_numpy(expected), to_numpy(got))
    assert tuple(got.shape) == (2, 3, 4)


def test_dot_score_in_list_form_equals_keras_attention():
    ours = LuongAttention("dot")([QUERY, VALUE], mask=[QUERY_MASK, VALUE_MASK])
    theirs = keras.layers.Attention()([QUERY, VALUE], mask=[QUERY_MASK, VALUE_MASK])
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), atol=1e-6)


def test_masks_from_embeddings_in_a_functional_model():
    source = keras.Input((None,), dtype="int32")
    target = keras.Input((None,), dtype="int32")
    memory = keras.layers.Embedding(10, 4, mask_zero=True)(source)
    queries = keras.layers.Embedding(10, 4, mask_zero=True)(target)
    context, weights = BahdanauAttention(5)([queries, memory], return_attention_scores=True)
    model = keras.Model([source, target], [context, weights])
    src = np.array([[3, 4, 0, 0], [5, 6, 7, 8]])
    tgt = np.array([[1, 2, 0], [1, 2, 3]])
    context, weights = (to_numpy(x) for x in model([src, tgt]))
    np.testing.assert_array_equal(weights[0, :, 2:], 0.0)
    assert (weights[1] > 0).all()
    np.testing.assert_array_equal(context[0, 2], 0.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda layer: layer([QUERY, VALUE, KEY, KEY]),
         "the first argument must be [query, value] or [query, value, key]. "
         "Received: a list of 4 items"),
        (lambda layer: layer([QUERY, VALUE], mask=[None, None, None, None]),
         "`mask` must be [query_mask, value_mask] (Keras' list form). "
         "Received: a list of 4 masks"),
    ],
)
def test_list_form_errors(call, message):
    with pytest.raises(ValueError) as info:
        call(BahdanauAttention(5))
    assert message in str(info.value)
