"""LuongMonotonicAttention: Luong energies + score_bias through the recurrence."""

import math

import numpy as np
import pytest

from keras_attention.layers import LuongMonotonicAttention
from tests.harness import assert_config_round_trip, to_numpy
from tests.layers import monotonic_reference as ref


def make_inputs(seed=0, dim=3):
    rng = np.random.default_rng(seed)
    query = rng.normal(size=(2, 4, dim)).astype("float32")
    value = rng.normal(size=(2, 5, dim)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    return query, value, mask


def built(layer, query, value):
    layer(query, value)
    return layer


@pytest.mark.parametrize("mode", ["recursive", "parallel", "hard"])
def test_general_scaled_energy_matches_numpy(mode):
    # tfa's LuongMonotonicAttention(scale=True): g * qᵀ W k + r.
    query, value, mask = make_inputs()
    value = np.concatenate([value, value[..., :1]], -1)  # key size 4 != query 3
    layer = built(LuongMonotonicAttention(use_scale=True, mode=mode), query, value)
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(4, 3)).astype("float32")
    layer.set_weights([kernel, np.array(1.5, "float32"), np.array(-0.4, "float32")])
    scores = layer._scores(query, layer(None, value))  # energies + score_bias
    energy = 1.5 * np.einsum("btd,bsk,kd->bts", query, value, kernel) - 0.4
    np.testing.assert_allclose(to_numpy(scores), energy, atol=1e-5)
    context, w = layer(query, value, value_mask=mask, return_attention_scores=True)
    p = (energy > 0).astype("float64") if mode == "hard" else ref.sigmoid(energy)
    expected = ref.over_steps(np.where(mask[:, None], p, 0.0), mode)
    np.testing.assert_allclose(to_numpy(w), expected, atol=1e-5)
    np.testing.assert_allclose(to_numpy(context), expected @ value, atol=1e-5)
    assert (to_numpy(w)[0, :, 3:] == 0).all()


def test_scaled_dot_energy_hand_computed():
    layer = LuongMonotonicAttention("scaled_dot", score_bias_init=1.0, mode="recursive")
    query = np.array([[[2.0, 0.0, 0.0, 0.0]]], "float32")
    value = np.array([[[1.0, 0, 0, 0], [0, 1.0, 0, 0]]], "float32")
    _, w = layer(query, value, return_attention_scores=True)
    # energies: [2/2 + 1, 0/2 + 1] = [2, 1]; a = [p0, (1 - p0) p1].
    p0, p1 = 1 / (1 + math.exp(-2)), 1 / (1 + math.exp(-1))
    np.testing.assert_allclose(to_numpy(w), [[[p0, (1 - p0) * p1]]], atol=1e-6)


def test_rank_3_query_equals_stepping_the_rank_2_call():
    query, value, mask = make_inputs(seed=2)
    layer = built(LuongMonotonicAttention("concat", units=3, mode="parallel"), query, value)
    c3, w3 = layer(query, value, value_mask=mask, return_attention_scores=True)
    alignment = None  # the first step starts from one-hot at position 0
    for t in range(4):
        c, _, alignment = layer(
            query[:, t], value, value_mask=mask, attention_state=alignment,
            return_attention_state=True,
        )
        np.testing.assert_allclose(to_numpy(alignment), to_numpy(w3)[:, t], atol=1e-6)
        np.testing.assert_allclose(to_numpy(c), to_numpy(c3)[:, t], atol=1e-6)


def test_config_round_trip():
    layer = LuongMonotonicAttention(
        "concat", units=4, use_scale=True, sigmoid_noise=1.0, score_bias_init=-3.0,
        mode="recursive", seed=2,
    )
    config = assert_config_round_trip(layer).get_config()
    assert config["score_mode"] == "concat" and config["use_scale"]
    assert config["sigmoid_noise"] == 1.0 and config["mode"] == "recursive"
    for key in ("window", "window_mode", "probability_fn"):
        assert key not in config


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"score_mode": "location"},
            "`score_mode` must be one of 'dot', 'scaled_dot', 'general', 'concat'. "
            "Received: score_mode='location'",
        ),
        (
            {"mode": "parallell"},
            "`mode` must be one of 'recursive', 'parallel', 'hard'. "
            "Received: mode='parallell'",
        ),
        (
            {"sigmoid_noise": -0.5},
            "`sigmoid_noise` must be a non-negative number. Received: sigmoid_noise=-0.5",
        ),
        (
            {"score_bias_init": True},
            "`score_bias_init` must be a float. Received: score_bias_init=True",
        ),
        ({"units": -1, "score_mode": "concat"}, "`units` must be a positive integer. Received: units=-1"),
    ],
)
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        LuongMonotonicAttention(**kwargs)
    assert message in str(info.value)


def test_dot_needs_equal_sizes():
    with pytest.raises(ValueError, match=r"Received: query dim=3, key dim=4"):
        LuongMonotonicAttention("dot")(np.zeros((1, 3)), np.zeros((1, 2, 4)))
