"""LuongAttention: score modes and windows against attention-math.md §3-4."""

import math

import keras
import numpy as np
import pytest

from keras_attention.layers import LuongAttention
from tests.harness import assert_config_round_trip, gradients, to_numpy

E2 = math.exp(-2.0)  # Gaussian weight at distance 1 for window D=1 (sigma=1/2)


def softmax(e, mask=None):
    if mask is not None:
        e = np.where(mask, e, -np.inf)
    w = np.exp(e - e.max(-1, keepdims=True))
    return w / w.sum(-1, keepdims=True)


@pytest.mark.parametrize("use_scale", [False, True])
def test_dot_equals_keras_attention(use_scale):
    rng = np.random.default_rng(0)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    value = rng.normal(size=(2, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    ours = LuongAttention("dot", use_scale=use_scale)
    theirs = keras.layers.Attention(use_scale=use_scale)
    c1, w1 = ours(query, value, value_mask=mask, return_attention_scores=True)
    c2, w2 = theirs([query, value], mask=[None, mask], return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(c1), to_numpy(c2), atol=1e-6)
    np.testing.assert_allclose(to_numpy(w1), to_numpy(w2), atol=1e-6)


def test_dot_hand_computed():
    query = np.array([[[1.0, 0.0]]], "float32")
    value = np.array([[[0.0, 1.0], [math.log(3.0), 0.0]]], "float32")
    # scores: [0, ln 3] -> weights [1/4, 3/4]
    c, w = LuongAttention("dot")(query, value, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(w), [[[0.25, 0.75]]], atol=1e-7)
    np.testing.assert_allclose(to_numpy(c), [[[0.75 * math.log(3.0), 0.25]]], atol=1e-6)


def test_scaled_dot_divides_by_sqrt_dim():
    query = np.array([[[2.0, 0.0, 0.0, 0.0]]], "float32")
    value = np.array([[[1.0, 0, 0, 0], [0.0, 0, 0, 0]]], "float32")
    # scores [2, 0] / sqrt(4) = [1, 0]
    _, w = LuongAttention("scaled_dot")(query, value, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(w), [[[1 / (1 + E2 ** 0.5), 1 - 1 / (1 + E2 ** 0.5)]]], atol=1e-6)


def test_general_hand_computed():
    layer = LuongAttention("general")
    query = np.array([[[1.0, 2.0]]], "float32")
    value = np.array([[[1.0], [0.0]]], "float32")
    layer(query, value)
    layer.set_weights([np.array([[0.5, 0.25]])])  # W_a: key dim 1 -> query dim 2
    # e_j = q · (W_a h_j): h=1 -> 0.5*1 + 0.25*2 = 1; h=0 -> 0
    _, w = layer(query, value, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(w), [[[math.e / (1 + math.e), 1 / (1 + math.e)]]], atol=1e-6)


def test_concat_matches_numpy():
    rng = np.random.default_rng(1)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    value = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = LuongAttention("concat", units=6)
    _, w = layer(query, value, return_attention_scores=True)
    wq, wk, v = (to_numpy(x) for x in layer.weights)
    e = np.tanh((query @ wq)[:, :, None] + (value @ wk)[:, None]) @ v
    np.testing.assert_allclose(to_numpy(w), softmax(e), atol=1e-6)


def test_location_depends_on_query_only():
    layer = LuongAttention("location", units=4)
    query = np.array([[[1.0, -1.0]]], "float32")
    value_a = np.zeros((1, 3, 2), "float32")
    value_b = np.random.default_rng(2).normal(size=(1, 3, 2)).astype("float32")
    layer(query, value_a)
    kernel = np.array([[1.0, 0.0, 2.0, 5.0], [0.0, 1.0, 0.0, 5.0]])
    layer.set_weights([kernel, np.zeros(4)])
    # e = W_a q over the first 3 positions: [1, -1, 2]
    _, wa = layer(query, value_a, return_attention_scores=True)
    _, wb = layer(query, value_b, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(wa), softmax(np.array([[[1.0, -1.0, 2.0]]])), atol=1e-6)
    np.testing.assert_array_equal(to_numpy(wa), to_numpy(wb))
    with pytest.raises(ValueError, match="at most 4 positions"):
        layer(query, np.zeros((1, 6, 2), "float32"))


def test_local_m_window_and_gaussian_hand_computed():
    # Zero scores: inside the window the softmax is uniform, then multiplied by
    # exp(-(j-i)^2 / (2 sigma^2)), sigma = D/2 = 1/2.
    layer = LuongAttention("dot", window=1, window_mode="local_m")
    query = np.zeros((1, 3, 2), "float32")
    value = np.ones((1, 4, 2), "float32")
    _, w = layer(query, value, return_attention_scores=True)
    expected = [
        [1 / 2, E2 / 2, 0, 0],  # i=0: window {0, 1}
        [E2 / 3, 1 / 3, E2 / 3, 0],  # i=1: window {0, 1, 2}
        [0, E2 / 3, 1 / 3, E2 / 3],  # i=2: window {1, 2, 3}
    ]
    np.testing.assert_allclose(to_numpy(w)[0], expected, atol=1e-6)


def test_local_m_step_query_uses_query_positions():
    layer = LuongAttention("dot", window=1, window_mode="local_m")
    query = np.zeros((2, 2), "float32")
    value = np.ones((2, 4, 2), "float32")
    _, w = layer(query, value, query_positions=np.array([0.0, 3.0]), return_attention_scores=True)
    np.testing.assert_allclose(
        to_numpy(w), [[1 / 2, E2 / 2, 0, 0], [0, 0, E2 / 2, 1 / 2]], atol=1e-6
    )


def test_local_p_predicted_centre_hand_computed():
    layer = LuongAttention("dot", window=1, window_mode="local_p")
    query = np.zeros((2, 1, 2), "float32")
    value = np.ones((2, 5, 2), "float32")
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
    layer(query, value)
    # v_p = 0 -> sigmoid(0) = 1/2 -> p = (S_b - 1)/2: 2 for S_b=5, 1 for S_b=3
    layer.set_weights([np.ones((2, 2)), np.zeros(2)])
    _, w = layer(query, value, value_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(
        to_numpy(w)[:, 0],
        [[0, E2 / 3, 1 / 3, E2 / 3, 0], [E2 / 3, 1 / 3, E2 / 3, 0, 0]],
        atol=1e-6,
    )


def numpy_local_p(query, value, mask, w_p, v_p, window, kernel=None):
    """Luong's local-p attention in numpy (attention-math.md §4).

    p_i = (S_b - 1) · σ(v_pᵀ tanh(W_p h_i)) with S_b the real length of row
    b; weights = softmax over the window |j - p_i| ≤ D (and the mask) of the
    score, times exp(-(j - p_i)² / (2σ²)), σ = D / 2.
    """
    scores = query @ (value if kernel is None else value @ kernel).transpose(0, 2, 1)
    lengths = mask.sum(-1)[:, None]  # (B, 1)
    gate = 1.0 / (1.0 + np.exp(-(np.tanh(query @ w_p) @ v_p)))  # (B, Tq)
    centre = (lengths - 1) * gate
    j = np.arange(value.shape[1])[None, None, :]
    distance = j - centre[..., None]
    allowed = (np.abs(distance) <= window) & mask[:, None, :]
    z = np.where(allowed, scores, -np.inf)
    z = np.exp(z - z.max(-1, keepdims=True))
    soft = z / z.sum(-1, keepdims=True)
    sigma = window / 2.0
    return soft * np.exp(-(distance**2) / (2 * sigma**2))


def test_local_p_with_non_zero_weights_equals_numpy():
    """Every part of p_i matters: W_p, the tanh, v_p, the sigmoid, the length."""
    rng = np.random.default_rng(7)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    value = rng.normal(size=(2, 6, 4)).astype("float32")
    mask = np.array([[1] * 6, [1, 1, 1, 1, 0, 0]], bool)
    layer = LuongAttention("general", window=2, window_mode="local_p")
    layer(query, value)
    kernel = rng.normal(size=(4, 4)).astype("float32") * 0.5
    # Large enough that tanh saturates for some queries (tanh(x) != x there).
    w_p = rng.normal(size=(4, 4)).astype("float32") * 2.0
    v_p = rng.normal(size=(4,)).astype("float32") * 1.5
    layer.set_weights([kernel, w_p, v_p])
    _, w = layer(query, value, value_mask=mask, return_attention_scores=True)
    expected = numpy_local_p(query, value, mask, w_p, v_p, 2, kernel=kernel)
    np.testing.assert_allclose(to_numpy(w), expected, atol=1e-5)
    # Without the tanh the centres would differ (the test can tell):
    no_tanh = (mask.sum(-1)[:, None] - 1) / (1 + np.exp(-((query @ w_p) @ v_p)))
    with_tanh = (mask.sum(-1)[:, None] - 1) / (1 + np.exp(-(np.tanh(query @ w_p) @ v_p)))
    assert np.abs(no_tanh - with_tanh).max() > 0.5


def test_local_p_centre_is_differentiable():
    layer = LuongAttention("dot", window=2, window_mode="local_p")
    rng = np.random.default_rng(3)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    value = rng.normal(size=(2, 6, 4)).astype("float32")
    layer(query, value)
    _, grads = gradients(
        lambda: keras.ops.sum(layer(query, value) ** 2), layer.trainable_variables
    )
    assert len(grads) == 2 and all(np.abs(g).sum() > 0 for g in grads)


def test_general_with_different_query_and_key_sizes():
    c = LuongAttention("general")(np.ones((2, 3, 4)), np.ones((2, 5, 6)))
    assert tuple(c.shape) == (2, 3, 6)


def test_config_round_trip():
    layer = LuongAttention(
        "concat", units=5, use_scale=True, window=3, window_mode="local_p", probability_fn="hardmax"
    )
    clone = assert_config_round_trip(layer)
    assert clone.window == 3 and clone.window_mode == "local_p"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"score_mode": "cosine"},
            "`score_mode` must be one of 'dot', 'scaled_dot', 'general', 'concat', "
            "'location'. Received: score_mode='cosine'",
        ),
        ({"window_mode": "local"}, "Received: window_mode='local'"),
        ({"window_mode": "local_m"}, "`window` must be a positive integer. Received: window=None"),
        ({"window": 0, "window_mode": "local_p"}, "Received: window=0"),
        ({"window": 3}, "`window` is only used with window_mode='local_m' or 'local_p'. Received: window=3"),
        ({"units": -1}, "`units` must be a positive integer. Received: units=-1"),
    ],
)
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        LuongAttention(**kwargs)
    assert message in str(info.value)


def test_dot_with_unequal_sizes_errors():
    with pytest.raises(ValueError, match=r"needs queries and keys of the same size. Received: query dim=4, key dim=6"):
        LuongAttention("dot")(np.ones((2, 3, 4)), np.ones((2, 5, 6)))


def test_location_without_length_errors():
    layer = LuongAttention("location")
    with pytest.raises(ValueError, match="needs the maximum memory length"):
        layer.build((None, 4), (None, None, 4))
