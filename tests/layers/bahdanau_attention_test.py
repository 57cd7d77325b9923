"""BahdanauAttention against attention-math.md §3 (concat / additive)."""

import math

import keras
import numpy as np
import pytest

from keras_attention.layers import BahdanauAttention
from tests.harness import assert_config_round_trip, to_numpy


def numpy_bahdanau(query, value, wq, wk, v, b, mask=None):
    """e_ij = vᵀ tanh(W_q q_i + W_k h_j + b), softmax over unmasked j."""
    q = query @ wq  # (B, Tq, u)
    k = value @ wk  # (B, S, u)
    e = np.tanh(q[:, :, None, :] + k[:, None, :, :] + b) @ v  # (B, Tq, S)
    if mask is not None:
        e = np.where(mask[:, None, :], e, -np.inf)
    w = np.exp(e - e.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)
    return w @ value, w


def build(layer, query, value):
    layer(query, value)
    return layer


def test_hand_computed_one_unit():
    # units=1, all weights 1, no bias: e_j = tanh(0 + h_j).
    layer = build(BahdanauAttention(1, use_bias=False), np.zeros((1, 1)), np.zeros((1, 2, 1)))
    layer.set_weights([np.ones((1, 1)), np.ones((1, 1)), np.ones((1,))])
    h1 = math.atanh(0.5)
    value = np.array([[[0.0], [h1]]], "float32")
    context, w = layer(np.zeros((1, 1), "float32"), value, return_attention_scores=True)
    # e = [tanh(0), tanh(atanh(.5))] = [0, .5]
    w1 = math.exp(0.5) / (1 + math.exp(0.5))
    np.testing.assert_allclose(to_numpy(w), [[1 - w1, w1]], atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), [[w1 * h1]], atol=1e-6)


def test_matches_numpy_reference_with_mask_and_bias():
    rng = np.random.default_rng(1)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    value = rng.normal(size=(2, 5, 6)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = BahdanauAttention(7, bias_initializer="random_normal")
    context, w = layer(query, value, value_mask=mask, return_attention_scores=True)
    wq, wk, v, b = (to_numpy(x) for x in layer.weights)
    ref_c, ref_w = numpy_bahdanau(query, value, wq, wk, v, b, mask)
    np.testing.assert_allclose(to_numpy(w), ref_w, atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), ref_c, atol=1e-5)
    assert (to_numpy(w)[0, :, 3:] == 0).all()


def test_normalize_uses_weight_normalised_score_vector():
    rng = np.random.default_rng(2)
    query = rng.normal(size=(1, 2, 3)).astype("float32")
    value = rng.normal(size=(1, 4, 3)).astype("float32")
    layer = build(BahdanauAttention(2, normalize=True), query, value)
    wq, wk, v, b, g = (to_numpy(x) for x in layer.weights)
    np.testing.assert_allclose(g, math.sqrt(1 / 2))  # tfa's initial scale
    layer.set_weights([wq, wk, np.array([3.0, 4.0]), b, np.array(2.0)])
    _, w = layer(query, value, return_attention_scores=True)
    # v = g * v / |v| = 2 * [3, 4] / 5
    _, ref = numpy_bahdanau(query, value, wq, wk, np.array([1.2, 1.6]), b)
    np.testing.assert_allclose(to_numpy(w), ref, atol=1e-6)


def test_one_step_query_equals_multi_step_query():
    rng = np.random.default_rng(3)
    query = rng.normal(size=(2, 4)).astype("float32")
    value = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = BahdanauAttention(6)
    c1, w1 = layer(query, value, return_attention_scores=True)
    c3, w3 = layer(query[:, None], value, return_attention_scores=True)
    assert tuple(c1.shape) == (2, 3) and tuple(w1.shape) == (2, 5)
    np.testing.assert_allclose(to_numpy(c1), to_numpy(c3)[:, 0], atol=1e-6)
    np.testing.assert_allclose(to_numpy(w1), to_numpy(w3)[:, 0], atol=1e-7)


def test_precomputed_keys_equal_call():
    rng = np.random.default_rng(4)
    query = rng.normal(size=(2, 4)).astype("float32")
    value = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = BahdanauAttention(6)
    c_call = layer(query, value)
    keys = layer(None, value)  # W_k h_j, computed once
    np.testing.assert_allclose(
        to_numpy(keys), value @ to_numpy(layer.key_kernel), rtol=1e-5, atol=1e-6
    )
    c_step = layer(query, value, projected_keys=keys)
    np.testing.assert_allclose(to_numpy(c_call), to_numpy(c_step), atol=1e-7)


def test_mask_from_embedding_mask_zero_in_functional_model():
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    value = keras.layers.Embedding(10, 4, mask_zero=True)(src)
    query = keras.layers.Embedding(10, 4)(tgt)
    context, w = BahdanauAttention(5)(query, value, return_attention_scores=True)
    model = keras.Model([src, tgt], w)
    ids = np.array([[3, 4, 0, 0], [5, 6, 7, 0]])
    weights = model.predict([ids, np.ones((2, 3), "int32")], verbose=0)
    assert (weights[0, :, 2:] == 0).all() and (weights[1, :, 3:] == 0).all()
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)


def test_extra_padding_does_not_change_the_result():
    rng = np.random.default_rng(5)
    query = rng.normal(size=(1, 2, 3)).astype("float32")
    value = rng.normal(size=(1, 3, 3)).astype("float32")
    layer = BahdanauAttention(4)
    c1, w1 = layer(query, value, return_attention_scores=True)
    padded = np.concatenate([value, rng.normal(size=(1, 4, 3)).astype("float32")], 1)
    mask = np.array([[1, 1, 1, 0, 0, 0, 0]], bool)
    c2, w2 = layer(query, padded, value_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(c1), to_numpy(c2), atol=1e-6)
    np.testing.assert_allclose(to_numpy(w1), to_numpy(w2)[..., :3], atol=1e-7)


def test_dropout_only_in_training():
    rng = np.random.default_rng(6)
    query = rng.normal(size=(4, 3, 3)).astype("float32")
    value = rng.normal(size=(4, 8, 3)).astype("float32")
    layer = BahdanauAttention(4, dropout=0.5, seed=1)
    infer = to_numpy(layer(query, value, training=False))
    np.testing.assert_array_equal(infer, to_numpy(layer(query, value, training=False)))
    assert not np.allclose(infer, to_numpy(layer(query, value, training=True)))


def test_config_round_trip():
    layer = BahdanauAttention(
        8, use_bias=False, normalize=True, dropout=0.1, seed=3, probability_fn="sparsemax"
    )
    clone = assert_config_round_trip(layer)
    assert clone.units == 8 and clone.normalize and clone.probability_fn == "sparsemax"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "`units` must be a positive integer. Received: units=0"),
        ({"units": 2.5}, "`units` must be a positive integer. Received: units=2.5"),
        ({"units": 4, "dropout": 1.5}, "`dropout` must be a float in [0, 1). Received: dropout=1.5"),
        (
            {"units": 4, "probability_fn": "softmin"},
            "`probability_fn` must be one of 'softmax', 'sparsemax', 'hardmax', "
            "'hard_straight_through' or a callable. Received: probability_fn='softmin'",
        ),
        ({"units": 4, "seed": "x"}, "`seed` must be an integer or None. Received: seed='x'"),
    ],
)
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        BahdanauAttention(**kwargs)
    assert message in str(info.value)


def test_wrong_rank_errors():
    layer = BahdanauAttention(4)
    with pytest.raises(ValueError, match=r"`query` must have rank 2 .* Received: query.shape=\(1, 2, 3, 4\)"):
        layer(np.zeros((1, 2, 3, 4)), np.zeros((1, 5, 4)))
    with pytest.raises(ValueError, match=r"`value` must have rank 3 .* Received: value.shape=\(1, 4\)"):
        BahdanauAttention(4)(np.zeros((1, 2, 4)), np.zeros((1, 4)))


def test_projecting_keys_before_build_errors():
    layer = BahdanauAttention(4)
    with pytest.raises(ValueError, match="is built from a query shape"):
        layer(None, np.zeros((1, 2, 3)))
