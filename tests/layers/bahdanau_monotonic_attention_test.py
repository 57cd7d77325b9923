"""BahdanauMonotonicAttention against numpy (energies, recurrence, masking, noise)."""

import keras
import numpy as np
import pytest

from keras_attention.layers import BahdanauMonotonicAttention, loops
from tests.harness import assert_config_round_trip, to_numpy
from tests.layers import monotonic_reference as ref

TF_ONLY = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="uses tf.GradientTape"
)
MODES = ["recursive", "parallel", "hard"]


def make_inputs(seed=0, batch=2, steps=4, length=6, dim=3):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(batch, steps, dim)).astype("float32")
    value = rng.normal(size=(batch, length, dim + 1)).astype("float32")
    mask = np.ones((batch, length), bool)
    mask[0, length - 2 :] = False
    return query, value, mask


def set_random_weights(layer, seed=1, score_bias=-0.3, scale=3.0):
    """Non-zero weights everywhere (biases included), scaled up so that some
    stopping probabilities are near 0 and 1; returns them by name."""
    rng = np.random.default_rng(seed)
    weights = {}
    for w in layer.weights:
        name = w.path.split("/")[-1]
        if name == "score_bias":
            value = np.array(score_bias, "float32")
        elif name == "score_scale":
            value = np.array(1.7, "float32")
        else:
            value = (rng.normal(size=w.shape) * scale).astype("float32")
        w.assign(value)
        weights[name] = value
    return weights


def numpy_energy(weights, query, value, normalize=False):
    v = weights["score_vector"]
    if normalize:
        v = weights["score_scale"] * v / np.linalg.norm(v)
    bias = weights.get("bias", 0.0)
    return ref.bahdanau_energy(
        query, value, weights["query_kernel"], weights["key_kernel"], v, bias,
        weights["score_bias"],
    )


def numpy_weights(weights, query, value, mask, mode, previous=None, normalize=False):
    energy = numpy_energy(weights, query, value, normalize)
    p = (energy > 0).astype("float64") if mode == "hard" else ref.sigmoid(energy)
    p = np.where(mask[:, None, :], p, 0.0)
    return ref.over_steps(p, mode, previous)


def built(layer, query, value):
    layer(query, value)
    return layer


@pytest.mark.parametrize("normalize", [False, True])
def test_energies_match_numpy(normalize):
    query, value, _ = make_inputs()
    layer = built(BahdanauMonotonicAttention(5, normalize=normalize), query, value)
    weights = set_random_weights(layer, scale=1.0)
    scores = layer._scores(query, layer(None, value))  # energies + score_bias
    np.testing.assert_allclose(
        to_numpy(scores), numpy_energy(weights, query, value, normalize), atol=1e-5
    )


@pytest.mark.parametrize("mode", MODES)
def test_weights_match_numpy_recurrence_with_mask(mode):
    query, value, mask = make_inputs()
    layer = built(BahdanauMonotonicAttention(5, mode=mode), query, value)
    weights = set_random_weights(layer)
    context, w = layer(query, value, value_mask=mask, return_attention_scores=True)
    expected = numpy_weights(weights, query, value, mask, mode)
    np.testing.assert_allclose(to_numpy(w), expected, atol=1e-5)
    np.testing.assert_allclose(to_numpy(context), expected @ value, atol=1e-5)
    assert (to_numpy(w)[0, :, -2:] == 0.0).all()  # padding: exactly zero
    assert (to_numpy(w).sum(-1) <= 1 + 1e-6).all()


def test_previous_attention_is_the_start_of_the_recurrence():
    query, value, mask = make_inputs(steps=3)
    layer = built(BahdanauMonotonicAttention(5, mode="recursive"), query, value)
    weights = set_random_weights(layer, scale=1.0)
    previous = np.array([[0, 0.3, 0.5, 0.1, 0, 0], [0, 0, 0, 1, 0, 0]], "float32")
    _, w = layer(
        query, value, value_mask=mask, previous_attention=previous,
        return_attention_scores=True,
    )
    expected = numpy_weights(weights, query, value, mask, "recursive", previous)
    np.testing.assert_allclose(to_numpy(w), expected, atol=1e-6)
    # Nothing can be attended before where the previous alignment starts.
    assert (to_numpy(w)[1, :, :3] == 0).all()


@pytest.mark.parametrize("mode", MODES)
def test_rank_3_query_equals_stepping_the_rank_2_call(mode):
    query, value, mask = make_inputs(seed=2, steps=5)
    layer = built(BahdanauMonotonicAttention(4, mode=mode), query, value)
    set_random_weights(layer, seed=3)
    context3, w3 = layer(query, value, value_mask=mask, return_attention_scores=True)
    keys = layer(None, value)
    alignment = layer.initial_attention_state(2, 6)
    for t in range(5):
        context, weights, alignment = layer(
            query[:, t], value, value_mask=mask, projected_keys=keys,
            attention_state=alignment, return_attention_state=True,
        )
        np.testing.assert_allclose(to_numpy(alignment), to_numpy(w3)[:, t], atol=1e-6)
        np.testing.assert_allclose(to_numpy(weights), to_numpy(w3)[:, t], atol=1e-6)
        np.testing.assert_allclose(to_numpy(context), to_numpy(context3)[:, t], atol=1e-6)
    # The state after a rank-3 call is the last step's alignment.
    _, _, last = layer(query, value, value_mask=mask, return_attention_state=True)
    np.testing.assert_allclose(to_numpy(last), to_numpy(w3)[:, -1], atol=1e-7)


def test_default_previous_attention_is_one_hot_at_zero():
    query, value, _ = make_inputs()
    layer = BahdanauMonotonicAttention(4)
    _, w_default = layer(query, value, return_attention_scores=True)
    start = layer.initial_attention_state(2, 6)
    np.testing.assert_array_equal(to_numpy(start), np.eye(6)[[0, 0]])
    assert layer.has_attention_state
    _, w_given = layer(query, value, attention_state=start, return_attention_scores=True)
    np.testing.assert_array_equal(to_numpy(w_default), to_numpy(w_given))
    # tfa's name of the same argument.
    _, w_tfa = layer(query, value, previous_attention=start, return_attention_scores=True)
    np.testing.assert_array_equal(to_numpy(w_default), to_numpy(w_tfa))


def test_hard_mode_is_one_hot_and_never_moves_back():
    rng = np.random.default_rng(4)
    query = rng.normal(size=(16, 8, 3)).astype("float32")
    value = rng.normal(size=(16, 7, 3)).astype("float32")
    layer = built(BahdanauMonotonicAttention(6, mode="hard"), query, value)
    set_random_weights(layer, seed=5, score_bias=-1.0)
    w = to_numpy(layer(query, value, return_attention_scores=True)[1])
    assert set(np.unique(w)) <= {0.0, 1.0}
    sums = w.sum(-1)
    assert set(np.unique(sums)) <= {0.0, 1.0}
    assert (sums == 0).any() and (sums == 1).any()  # both cases occur here
    position = np.where(sums == 1, w.argmax(-1), 7)  # 7: ran off the end
    assert (np.diff(position, axis=1) >= 0).all()
    # Once off the end, it stays off.
    assert (np.diff(sums, axis=1) <= 0).all()


def test_padding_does_not_change_the_result():
    query, value, _ = make_inputs(seed=6, length=4)
    layer = built(BahdanauMonotonicAttention(5, mode="parallel"), query, value)
    set_random_weights(layer, seed=7)
    c1, w1 = layer(query, value, return_attention_scores=True)
    noise = np.random.default_rng(8).normal(size=(2, 3, 4)).astype("float32")
    padded = np.concatenate([value, noise], 1)
    mask = np.array([[1] * 4 + [0] * 3] * 2, bool)
    c2, w2 = layer(query, padded, value_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(c1), to_numpy(c2), atol=1e-6)
    np.testing.assert_allclose(to_numpy(w1), to_numpy(w2)[..., :4], atol=1e-7)
    assert (to_numpy(w2)[..., 4:] == 0).all()


def test_mask_from_embedding_mask_zero_in_functional_model():
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    value = keras.layers.Embedding(10, 4, mask_zero=True)(src)
    query = keras.layers.Embedding(10, 4)(tgt)
    layer = BahdanauMonotonicAttention(5, score_bias_init=-1.0)
    _, w = layer(query, value, return_attention_scores=True)
    model = keras.Model([src, tgt], w)
    ids = np.array([[3, 4, 0, 0], [5, 6, 7, 0]])
    weights = model.predict([ids, np.ones((2, 3), "int32")], verbose=0)
    assert (weights[0, :, 2:] == 0).all() and (weights[1, :, 3:] == 0).all()
    assert (weights[1, :, :3] > 0).any()


def test_noise_only_in_training_and_reproducible_with_a_seed():
    query, value, _ = make_inputs()
    layer = BahdanauMonotonicAttention(4, sigmoid_noise=1.0, seed=3)
    infer = to_numpy(layer(query, value, training=False))
    np.testing.assert_array_equal(infer, to_numpy(layer(query, value)))
    train1 = to_numpy(layer(query, value, training=True))
    train2 = to_numpy(layer(query, value, training=True))
    assert not np.allclose(infer, train1)
    assert not np.allclose(train1, train2)  # the SeedGenerator advances
    # The same seed gives the same noise.
    again = BahdanauMonotonicAttention(4, sigmoid_noise=1.0, seed=3)
    again(query, value)
    again.set_weights(layer.get_weights())
    np.testing.assert_array_equal(to_numpy(again(query, value, training=True)), train1)


def test_noise_is_the_stated_gaussian_before_the_sigmoid():
    # With zero weights the energy is score_bias alone (0 here), so
    # p = sigmoid(sigma * n) with n ~ N(0, 1): check through the first
    # position of the one-step alignment, a_0 = p_0.
    layer = BahdanauMonotonicAttention(2, sigmoid_noise=2.0, kernel_initializer="zeros")
    query = np.zeros((4000, 2), "float32")
    value = np.zeros((4000, 3, 2), "float32")
    _, w = layer(query, value, training=True, return_attention_scores=True)
    z = np.log(to_numpy(w)[:, 0]) - np.log1p(-to_numpy(w)[:, 0])  # logit(p_0)
    assert abs(z.mean()) < 0.15 and abs(z.std() - 2.0) < 0.1


def test_noise_inside_a_decoder_loop_needs_no_per_step_seed():
    # The decoder pattern: the layer called one step at a time inside a
    # keras.ops loop body (loops.scan with stateful=[layer], as the decoder
    # runs it). The seed generator's state is threaded through the loop, so
    # each step draws new noise, and the loop gives exactly the steps run
    # one by one from the same generator state.
    query, value, mask = make_inputs(seed=9, steps=3)
    layer = built(
        BahdanauMonotonicAttention(4, sigmoid_noise=1.0, mode="recursive", seed=5),
        query, value,
    )
    keys = layer(None, value)
    start_state = to_numpy(layer.seed_generator.state).copy()

    def step(alignment, q_t):
        _, w, new = layer(
            q_t, value, value_mask=mask, projected_keys=keys, training=True,
            attention_state=alignment, return_attention_state=True,
        )
        return new, w

    start = layer.initial_attention_state(2, 6)
    _, inside = loops.scan(step, start, loops.time_major(query), start, stateful=[layer])
    inside = to_numpy(inside)
    assert not np.array_equal(to_numpy(layer.seed_generator.state), start_state)
    layer.seed_generator.state.assign(start_state)
    alignment = start
    for t in range(3):
        alignment, _ = step(alignment, query[:, t])
        np.testing.assert_allclose(inside[t], to_numpy(alignment), atol=1e-6)
    noiseless = to_numpy(layer(query, value, value_mask=mask, return_attention_scores=True)[1])
    assert not np.allclose(loops.batch_major(inside), noiseless)


@TF_ONLY
@pytest.mark.parametrize("mode", ["recursive", "parallel"])
def test_gradients_are_finite_with_sigmoid_noise(mode):
    import tensorflow as tf

    query, value, mask = make_inputs(seed=10)
    layer = built(BahdanauMonotonicAttention(4, sigmoid_noise=1.0, mode=mode), query, value)
    set_random_weights(layer, seed=11, scale=4.0)  # saturated sigmoids too
    with tf.GradientTape() as tape:
        context = layer(query, value, value_mask=mask, training=True)
        loss = tf.reduce_sum(tf.square(context))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert len(grads) == len(layer.trainable_weights) == 5
    for g, w in zip(grads, layer.trainable_weights):
        assert g is not None and np.isfinite(g.numpy()).all(), w.path
    assert np.abs(grads[-1].numpy()) > 0  # score_bias learns


@pytest.mark.parametrize("mode", ["recursive", "parallel"])
def test_mixed_float16_is_finite_and_close_to_float32(mode):
    query, value, mask = make_inputs(seed=12)
    ref_layer = built(BahdanauMonotonicAttention(4, mode=mode), query, value)
    set_random_weights(ref_layer, seed=13, scale=1.0)
    c32, w32 = ref_layer(query, value, value_mask=mask, return_attention_scores=True)
    keras.config.set_dtype_policy("mixed_float16")
    layer = built(BahdanauMonotonicAttention(4, mode=mode), query, value)
    layer.set_weights(ref_layer.get_weights())
    c16, w16 = layer(query, value, value_mask=mask, return_attention_scores=True)
    assert keras.backend.standardize_dtype(w16.dtype) == "float16"
    assert np.isfinite(to_numpy(c16)).all() and np.isfinite(to_numpy(w16)).all()
    assert (to_numpy(w16)[0, :, -2:] == 0).all()
    np.testing.assert_allclose(to_numpy(w16), to_numpy(w32), atol=5e-3)
    np.testing.assert_allclose(to_numpy(c16), to_numpy(c32), atol=2e-2)


def test_weights_are_those_of_bahdanau_attention_plus_score_bias():
    query, value, _ = make_inputs()
    layer = built(BahdanauMonotonicAttention(5, normalize=True, score_bias_init=-2.5), query, value)
    names = [w.path.split("/")[-1] for w in layer.weights]
    assert names == [
        "query_kernel", "key_kernel", "score_vector", "bias", "score_scale", "score_bias",
    ]
    np.testing.assert_allclose(to_numpy(layer.score_bias), -2.5)
    assert tuple(layer(None, value).shape) == (2, 6, 5)


def test_config_round_trip():
    layer = BahdanauMonotonicAttention(
        8, use_bias=False, normalize=True, sigmoid_noise=0.5, score_bias_init=-1,
        mode="hard", dropout=0.1, seed=3,
    )
    clone = assert_config_round_trip(layer)
    config = clone.get_config()
    assert config["sigmoid_noise"] == 0.5 and config["score_bias_init"] == -1.0
    assert config["mode"] == "hard" and config["units"] == 8
    assert "probability_fn" not in config


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "`units` must be a positive integer. Received: units=0"),
        (
            {"units": 4, "sigmoid_noise": -1.0},
            "`sigmoid_noise` must be a non-negative number. Received: sigmoid_noise=-1.0",
        ),
        (
            {"units": 4, "sigmoid_noise": "a"},
            "`sigmoid_noise` must be a non-negative number. Received: sigmoid_noise='a'",
        ),
        (
            {"units": 4, "score_bias_init": "x"},
            "`score_bias_init` must be a float. Received: score_bias_init='x'",
        ),
        (
            {"units": 4, "score_bias_init": None},
            "`score_bias_init` must be a float. Received: score_bias_init=None",
        ),
        (
            {"units": 4, "mode": "soft"},
            "`mode` must be one of 'recursive', 'parallel', 'hard'. Received: mode='soft'",
        ),
        ({"units": 4, "dropout": 1.5}, "`dropout` must be a float in [0, 1). Received: dropout=1.5"),
        ({"units": 4, "seed": "x"}, "`seed` must be an integer or None. Received: seed='x'"),
    ],
)
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        BahdanauMonotonicAttention(**kwargs)
    assert message in str(info.value)


def test_previous_attention_shape_error():
    query, value, _ = make_inputs()
    layer = BahdanauMonotonicAttention(4)
    for name in ("previous_attention", "attention_state"):
        with pytest.raises(ValueError) as info:
            layer(query, value, **{name: np.zeros((2, 5), "float32")})
        message = str(info.value)
        assert "must have shape (batch, memory_length) = (2, 6)" in message
        assert "Received: shape=(2, 5)" in message


def test_previous_attention_and_attention_state_together_error():
    query, value, _ = make_inputs()
    start = np.eye(6, dtype="float32")[[0, 0]]
    with pytest.raises(ValueError, match="not both"):
        BahdanauMonotonicAttention(4)(
            query, value, previous_attention=start, attention_state=start
        )


def test_list_form_with_masks():
    # keras.layers.AdditiveAttention's call form: [query, value], mask=[q, v].
    query, value, mask = make_inputs()
    layer = built(BahdanauMonotonicAttention(4, mode="recursive"), query, value)
    query_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    expected = layer(
        query, value, query_mask=query_mask, value_mask=mask, return_attention_scores=True
    )
    got = layer([query, value], mask=[query_mask, mask], return_attention_scores=True)
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    assert (to_numpy(got[0])[0, 3] == 0).all()  # the masked query row


@pytest.mark.parametrize("mode", ["recursive", "parallel"])
def test_fit_with_noise_and_unknown_lengths(mode):
    # Compiled training step (tf.function / jax.jit), sequence lengths unknown
    # when traced: the scan over decoder steps (and for "recursive" the inner
    # scan over memory positions) must trace, and gradients must be finite.
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    memory = keras.layers.Embedding(12, 6, mask_zero=True)(src)
    query = keras.layers.Embedding(12, 6, mask_zero=True)(tgt)
    attention = BahdanauMonotonicAttention(6, sigmoid_noise=1.0, mode=mode, seed=1)
    logits = keras.layers.Dense(12)(attention(query, memory))
    model = keras.Model([src, tgt], logits)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(14)
    x_src = rng.integers(1, 12, size=(16, 7))
    x_src[:8, 5:] = 0
    x_tgt = rng.integers(1, 12, size=(16, 4))
    before = [to_numpy(w).copy() for w in attention.weights]
    history = model.fit([x_src, x_tgt], x_tgt, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = [to_numpy(w) for w in attention.weights]
    assert all(np.isfinite(w).all() for w in after)
    assert not np.allclose(before[-1], after[-1])  # score_bias was trained
