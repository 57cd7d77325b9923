"""Coverage (See et al., 2017): the coverage vector in the additive score.

`BahdanauAttention(use_coverage=True)` scores `vᵀ tanh(W_q q + W_k k_j +
w_c c_j + b)` with `c_j = Σ_{t'<t} α_t'j`, the attention already paid to
position `j`; the coverage is the layer's per-position attention state.
"""

import keras
import numpy as np
import pytest

from keras_attention.layers import AttentionDecoderCell, BahdanauAttention
from keras_attention.models import BeamSampler, Seq2SeqTranslator
from tests.harness import assert_config_round_trip, to_numpy

RNG = np.random.default_rng(3)
QUERY = RNG.normal(size=(2, 2, 3)).astype("float32")  # 2 decoder steps
VALUE = RNG.normal(size=(2, 4, 5)).astype("float32")
MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)


def layer_with_weights():
    layer = BahdanauAttention(6, use_coverage=True)
    layer(QUERY, VALUE)
    weights = {}
    for w in layer.weights:
        name = w.path.split("/")[-1]
        value = RNG.normal(size=w.shape).astype("float32")
        w.assign(value)
        weights[name] = value
    return layer, weights


def numpy_coverage_steps(w, query, value, mask):
    """The two steps of See et al. eq. 11 written out with numpy."""
    coverage = np.zeros(value.shape[:2])
    contexts, alignments = [], []
    for t in range(query.shape[1]):
        hidden = (
            (query[:, t] @ w["query_kernel"])[:, None, :]
            + value @ w["key_kernel"]
            + coverage[:, :, None] * w["coverage_kernel"]
            + w["bias"]
        )
        scores = np.tanh(hidden) @ w["score_vector"]
        scores = np.where(mask, scores, -np.inf)
        alpha = np.exp(scores - scores.max(-1, keepdims=True))
        alpha /= alpha.sum(-1, keepdims=True)
        contexts.append(np.einsum("bs,bsd->bd", alpha, value))
        alignments.append(alpha)
        coverage = coverage + alpha
    return np.stack(contexts, 1), np.stack(alignments, 1), coverage


def test_two_steps_match_numpy():
    layer, w = layer_with_weights()
    context, weights, coverage = layer(
        QUERY, VALUE, value_mask=MASK, return_attention_state=True
    )
    expected_c, expected_w, expected_cov = numpy_coverage_steps(w, QUERY, VALUE, MASK)
    np.testing.assert_allclose(to_numpy(weights), expected_w, atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), expected_c, atol=1e-5)
    np.testing.assert_allclose(to_numpy(coverage), expected_cov, atol=1e-6)
    # The second step saw the first step's coverage: without it, it differs.
    plain = BahdanauAttention(6)
    plain(QUERY, VALUE)
    plain.set_weights(layer.get_weights()[:4])  # all but the coverage kernel
    _, plain_w = plain(QUERY, VALUE, value_mask=MASK, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(plain_w)[:, 0], expected_w[:, 0], atol=1e-6)
    assert not np.allclose(to_numpy(plain_w)[:, 1], expected_w[:, 1], atol=1e-3)


def test_rank_3_query_equals_stepping_and_state_is_the_running_sum():
    layer, _ = layer_with_weights()
    context3, weights3 = layer(QUERY, VALUE, value_mask=MASK, return_attention_scores=True)
    state = layer.initial_attention_state(2, 4)
    np.testing.assert_array_equal(to_numpy(state), 0.0)
    keys = layer(None, VALUE)
    total = np.zeros((2, 4))
    for t in range(2):
        context, weights, state = layer(
            QUERY[:, t], VALUE, value_mask=MASK, projected_keys=keys,
            attention_state=state, return_attention_state=True,
        )
        total += to_numpy(weights)
        np.testing.assert_allclose(to_numpy(weights), to_numpy(weights3)[:, t], atol=1e-6)
        np.testing.assert_allclose(to_numpy(context), to_numpy(context3)[:, t], atol=1e-6)
        np.testing.assert_allclose(to_numpy(state), total, atol=1e-6)
    np.testing.assert_array_equal(to_numpy(state)[0, 3], 0.0)  # padding never covered


def test_coverage_weight_exists_only_with_coverage_and_round_trips():
    layer, _ = layer_with_weights()
    assert layer.has_attention_state
    assert "coverage_kernel" in [w.path.split("/")[-1] for w in layer.weights]
    plain = BahdanauAttention(6)
    plain(QUERY, VALUE)
    assert not plain.has_attention_state and plain.initial_attention_state(2, 4) is None
    assert len(plain.weights) == len(layer.weights) - 1
    assert assert_config_round_trip(layer).use_coverage


def test_the_cell_carries_coverage_between_steps():
    attention, w = layer_with_weights()
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(3), attention, query="current", input_feeding=False
    )
    cell.build((None, 2), VALUE.shape)
    assert cell.stateful_mechanisms == [0] and cell.state_size == [3, None, 1]
    memory = cell.prepare_memory(VALUE, MASK)
    states = cell.get_initial_state(batch_size=2, memory=memory)
    x = RNG.normal(size=(2, 2, 2)).astype("float32")
    queries, total = [], np.zeros((2, 4))
    for t in range(2):
        h, _ = cell.cell(x[:, t], states[:1])
        queries.append(to_numpy(h))
        _, states, weights = cell(x[:, t], states, memory)
        total += to_numpy(weights)
        np.testing.assert_allclose(to_numpy(states[1]), total, atol=1e-6)
    # The same as the layer run on the cell outputs as a rank-3 query.
    _, expected_w, _ = numpy_coverage_steps(w, np.stack(queries, 1), VALUE, MASK)
    np.testing.assert_allclose(to_numpy(weights), expected_w[:, 1], atol=1e-5)


@pytest.mark.parametrize("sampler", ["greedy", "beam"])
def test_translator_decoding_with_coverage_equals_teacher_forcing(sampler):
    keras.utils.set_random_seed(5)
    model = Seq2SeqTranslator(19, 13, embedding_dim=8, units=16, coverage=True)
    model.build()
    bias = model.decoder.output_layer.bias
    bias.assign(keras.ops.where(keras.ops.arange(13) < 2, -20.0, bias))
    src = RNG.integers(4, 19, (2, 6)).astype("int32")
    src[1, 3:] = 0
    chosen = BeamSampler(beam_width=3, num_return=2) if sampler == "beam" else "greedy"
    out = {k: to_numpy(v) for k, v in model.generate(src, chosen, max_length=5).items()}
    ids, lengths, attention = out["token_ids"], out["lengths"], out["attention"]
    if sampler == "greedy":
        ids, lengths, attention = ids[:, None], lengths[:, None], attention[:, None]
    for b in range(2):
        for n in range(ids.shape[1]):
            tokens = list(ids[b, n, : lengths[b, n]])
            _, weights = model(
                {"source_ids": src[b : b + 1],
                 "target_ids": np.array([[2] + tokens[:-1]], "int32")},
                return_attention_scores=True,
            )
            np.testing.assert_allclose(
                attention[b, n, : len(tokens)], to_numpy(weights)[0], atol=1e-5
            )
