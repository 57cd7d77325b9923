"""MonotonicChunkwiseAttention (MoChA) against numpy."""

import keras
import numpy as np
import pytest

from keras_attention.layers import (
    BahdanauMonotonicAttention,
    MonotonicChunkwiseAttention,
)
from tests.harness import assert_config_round_trip, to_numpy
from tests.layers import monotonic_reference as ref

TF_ONLY = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="uses tf.GradientTape"
)


def make_inputs(seed=0, length=7):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(2, 4, 3)).astype("float32")
    value = rng.normal(size=(2, length, 4)).astype("float32")
    mask = np.ones((2, length), bool)
    mask[1, length - 3 :] = False
    return query, value, mask


def built(layer, query, value):
    layer(query, value)
    return layer


def set_random_weights(layer, seed=1, scale=2.0):
    rng = np.random.default_rng(seed)
    named = {}
    for w in layer.weights:
        name = w.path.split("/")[-1]
        if name == "score_bias":
            value = np.array(-0.5, "float32")
        elif name == "score_scale":
            value = np.array(2.0, "float32")
        else:
            value = (rng.normal(size=w.shape) * scale).astype("float32")
        w.assign(value)
        named[name] = value
    return named


def stepped(layer, query, value, mask=None):
    """Contexts, weights and alignment states `(B, T, ...)` of one-step calls."""
    keys = layer(None, value)
    alignment = layer.initial_attention_state(query.shape[0], value.shape[1])
    outs = []
    for t in range(query.shape[1]):
        c, w, alignment = layer(
            query[:, t], value, value_mask=mask, projected_keys=keys,
            attention_state=alignment, return_attention_state=True,
        )
        outs.append([to_numpy(c), to_numpy(w), to_numpy(alignment)])
    return [np.stack(x, 1) for x in zip(*outs)]


def numpy_mocha(w, query, value, mask, mode, chunk_size):
    v = w["score_scale"] * w["score_vector"] / np.linalg.norm(w["score_vector"])
    energy = ref.bahdanau_energy(
        query, value, w["query_kernel"], w["key_kernel"], v, w["bias"], w["score_bias"]
    )
    p = (energy > 0).astype("float64") if mode == "hard" else ref.sigmoid(energy)
    alignment = ref.over_steps(np.where(mask[:, None], p, 0.0), mode)
    chunk = ref.bahdanau_energy(
        query, value, w["chunk_query_kernel"], w["chunk_key_kernel"],
        w["chunk_score_vector"], w["chunk_bias"], 0.0,
    )
    weights = np.zeros_like(alignment)
    for b in range(alignment.shape[0]):
        for t in range(alignment.shape[1]):
            weights[b, t] = ref.chunkwise(alignment[b, t], chunk[b, t], chunk_size, mask[b])
    return weights, alignment


@pytest.mark.parametrize("mode", ["recursive", "parallel", "hard"])
@pytest.mark.parametrize("chunk_size", [2, 3])
def test_weights_match_numpy(mode, chunk_size):
    query, value, mask = make_inputs()
    layer = built(MonotonicChunkwiseAttention(5, chunk_size=chunk_size, mode=mode), query, value)
    w = set_random_weights(layer)
    context, weights = layer(query, value, value_mask=mask, return_attention_scores=True)
    expected, alignment = numpy_mocha(w, query, value, mask, mode, chunk_size)
    np.testing.assert_allclose(to_numpy(weights), expected, atol=1e-5)
    np.testing.assert_allclose(to_numpy(context), expected @ value, atol=1e-5)
    np.testing.assert_allclose(to_numpy(weights).sum(-1), alignment.sum(-1), atol=1e-5)
    assert (to_numpy(weights)[1, :, -3:] == 0).all()
    _, _, got_alignment = stepped(layer, query, value, mask)
    np.testing.assert_allclose(got_alignment, alignment, atol=1e-5)
    _, _, last = layer(query, value, value_mask=mask, return_attention_state=True)
    np.testing.assert_allclose(to_numpy(last), alignment[:, -1], atol=1e-5)


def test_hard_mode_is_a_softmax_over_the_chunk_ending_at_the_stop():
    query, value, _ = make_inputs(seed=2)
    layer = built(MonotonicChunkwiseAttention(5, chunk_size=3, mode="hard"), query, value)
    set_random_weights(layer, seed=3)
    _, weights, alignment = stepped(layer, query, value)
    chunk = to_numpy(layer._chunk_energies(query, layer(None, value)))
    stopped = 0
    for b, t in np.ndindex(2, 4):
        if alignment[b, t].sum() == 0:
            assert (weights[b, t] == 0).all()
            continue
        stopped += 1
        k = int(alignment[b, t].argmax())
        lo = max(0, k - 2)
        window = np.exp(chunk[b, t, lo : k + 1] - chunk[b, t, lo : k + 1].max())
        expected = np.zeros(7)
        expected[lo : k + 1] = window / window.sum()
        np.testing.assert_allclose(weights[b, t], expected, atol=1e-6)
    assert stopped > 0


def test_chunk_size_one_is_bahdanau_monotonic_attention():
    query, value, mask = make_inputs(seed=4)
    mocha = built(MonotonicChunkwiseAttention(5, chunk_size=1, mode="parallel"), query, value)
    set_random_weights(mocha, seed=5)
    plain = built(
        BahdanauMonotonicAttention(5, normalize=True, mode="parallel"), query, value
    )
    plain.set_weights(mocha.get_weights()[:6])  # the monotonic head's weights
    c1, w1 = mocha(query, value, value_mask=mask, return_attention_scores=True)
    c2, w2 = plain(query, value, value_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(w1), to_numpy(w2), atol=1e-7)
    np.testing.assert_allclose(to_numpy(c1), to_numpy(c2), atol=1e-6)


def test_state_is_the_alignment_and_rank_3_equals_stepping():
    query, value, mask = make_inputs(seed=6)
    layer = built(MonotonicChunkwiseAttention(4, chunk_size=2, mode="recursive"), query, value)
    set_random_weights(layer, seed=7, scale=1.0)
    c3, w3, last = layer(query, value, value_mask=mask, return_attention_state=True)
    c, w, a = stepped(layer, query, value, mask)
    np.testing.assert_allclose(w, to_numpy(w3), atol=1e-6)
    np.testing.assert_allclose(c, to_numpy(c3), atol=1e-6)
    np.testing.assert_allclose(a[:, -1], to_numpy(last), atol=1e-6)
    # The weights (chunk softmax) differ from the state (the alignment).
    assert not np.allclose(w, a, atol=1e-3)


def test_keys_hold_both_projections():
    query, value, _ = make_inputs()
    layer = built(MonotonicChunkwiseAttention(5), query, value)
    keys = to_numpy(layer(None, value))
    assert keys.shape == (2, 7, 10)
    np.testing.assert_allclose(keys[..., 5:], value @ to_numpy(layer.chunk_key_kernel), atol=1e-5)


@TF_ONLY
def test_gradients_reach_both_energies_with_noise():
    import tensorflow as tf

    query, value, mask = make_inputs(seed=8)
    layer = built(
        MonotonicChunkwiseAttention(4, chunk_size=3, sigmoid_noise=1.0), query, value
    )
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(query, value, value_mask=mask, training=True)))
    grads = tape.gradient(loss, layer.trainable_weights)
    for g, w in zip(grads, layer.trainable_weights):
        assert g is not None and np.isfinite(g.numpy()).all(), w.path
        assert np.abs(g.numpy()).max() > 0, w.path


def test_mixed_float16_is_finite_and_close_to_float32():
    query, value, mask = make_inputs(seed=9)
    ref_layer = built(MonotonicChunkwiseAttention(4, chunk_size=2), query, value)
    set_random_weights(ref_layer, seed=10, scale=1.0)
    _, w32 = ref_layer(query, value, value_mask=mask, return_attention_scores=True)
    keras.config.set_dtype_policy("mixed_float16")
    layer = built(MonotonicChunkwiseAttention(4, chunk_size=2), query, value)
    layer.set_weights(ref_layer.get_weights())
    _, w16 = layer(query, value, value_mask=mask, return_attention_scores=True)
    assert np.isfinite(to_numpy(w16)).all()
    np.testing.assert_allclose(to_numpy(w16), to_numpy(w32), atol=5e-3)


def test_config_round_trip():
    layer = MonotonicChunkwiseAttention(
        6, chunk_size=4, use_bias=False, normalize=False, sigmoid_noise=1.0,
        score_bias_init=-2.0, mode="hard",
    )
    config = assert_config_round_trip(layer).get_config()
    assert config["chunk_size"] == 4 and config["mode"] == "hard"


@pytest.mark.parametrize("chunk_size", [0, 2.0, None])
def test_chunk_size_error(chunk_size):
    with pytest.raises(ValueError) as info:
        MonotonicChunkwiseAttention(4, chunk_size=chunk_size)
    assert (
        f"`chunk_size` must be a positive integer. Received: chunk_size={chunk_size!r}"
        in str(info.value)
    )
