"""AttentionDecoderCell.step: the wiring of attention-math.md §2 and §6."""

import keras
import numpy as np
import pytest

from keras_attention.layers import (
    AttentionDecoderCell,
    BahdanauAttention,
    LuongAttention,
)
from tests.harness import assert_config_round_trip, to_numpy

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3)).astype("float32")
MEMORY = RNG.normal(size=(2, 4, 5)).astype("float32")
MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)


def make_cell(**kwargs):
    defaults = dict(cell=keras.layers.GRUCell(6), attention=BahdanauAttention(7))
    defaults.update(kwargs)
    cell = AttentionDecoderCell(**defaults)
    cell.build(X.shape, MEMORY.shape)
    return cell


def random_states(cell):
    return [RNG.normal(size=(2, s)).astype("float32") for s in cell.state_size[:-1]] + [
        np.zeros((2, 1), "float32")
    ]


def test_previous_query_bahdanau_wiring():
    cell = make_cell(query="previous", input_feeding=True, attention_layer_size=8)
    states = random_states(cell)
    out, new_states, w = cell.step(X, states, MEMORY, MASK)
    h_prev, feed = states[0], states[1]
    # c_i from s_{i-1}; s_i = cell([x_i; c_i; a_{i-1}], s_{i-1})
    context, weights = cell.attention(h_prev, MEMORY, value_mask=MASK, return_attention_scores=True)
    rnn_in = np.concatenate([X, to_numpy(context), feed], -1)
    h, _ = cell.cell(rnn_in, [h_prev])
    a = cell.attention_dense(np.concatenate([to_numpy(context), to_numpy(h)], -1))
    np.testing.assert_allclose(to_numpy(w), to_numpy(weights), atol=1e-6)
    np.testing.assert_allclose(to_numpy(new_states[0]), to_numpy(h), atol=1e-6)
    np.testing.assert_allclose(to_numpy(new_states[1]), to_numpy(a), atol=1e-6)
    np.testing.assert_allclose(to_numpy(out), to_numpy(a), atol=1e-6)
    np.testing.assert_array_equal(to_numpy(new_states[-1]), [[1.0], [1.0]])


def test_current_query_luong_wiring_and_tfa_flow():
    # attention_layer_size=None, output_attention=False: the flow of
    # tfa.seq2seq.AttentionWrapper (and the benchmark's model A).
    cell = make_cell(
        query="current", input_feeding=True, attention_layer_size=None, output_attention=False
    )
    states = random_states(cell)
    out, new_states, w = cell.step(X, states, MEMORY, MASK)
    h_prev, feed = states[0], states[1]
    assert feed.shape[-1] == 5  # the fed vector is the context itself
    h, _ = cell.cell(np.concatenate([X, feed], -1), [h_prev])
    context, weights = cell.attention(h, MEMORY, value_mask=MASK, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(out), to_numpy(h), atol=1e-6)
    np.testing.assert_allclose(to_numpy(new_states[1]), to_numpy(context), atol=1e-6)
    np.testing.assert_allclose(to_numpy(w), to_numpy(weights), atol=1e-6)


def test_deep_output_maxout_wiring():
    cell = make_cell(query="previous", input_feeding=False, deep_output="maxout", deep_output_units=4)
    states = random_states(cell)
    out, _, _ = cell.step(X, states, MEMORY, MASK)
    context = cell.attention(states[0], MEMORY, value_mask=MASK)
    # t_i = maxout(U s_{i-1} + V x_i + C c_i)
    expected = cell.maxout(np.concatenate([states[0], X, to_numpy(context)], -1))
    assert tuple(out.shape) == (2, 4)
    np.testing.assert_allclose(to_numpy(out), to_numpy(expected), atol=1e-6)


def test_no_attention_uses_the_summary_vector_as_context():
    summary = RNG.normal(size=(2, 1, 5)).astype("float32")
    cell = AttentionDecoderCell(keras.layers.LSTMCell(6), None, query="previous", input_feeding=False)
    cell.build(X.shape, summary.shape)
    states = cell.get_initial_state(batch_size=2)
    assert [tuple(s.shape) for s in states] == [(2, 6), (2, 6), (2, 1)]
    out, new_states, w = cell.step(X, states, summary)
    h, _ = cell.cell(np.concatenate([X, summary[:, 0]], -1), states[:2])
    np.testing.assert_allclose(to_numpy(out), to_numpy(h), atol=1e-6)
    np.testing.assert_array_equal(to_numpy(w), np.ones((2, 1)))


def test_local_m_uses_the_step_counter():
    cell = make_cell(
        attention=LuongAttention("general", window=1, window_mode="local_m"),
        query="current",
        input_feeding=False,
    )
    states = cell.get_initial_state(batch_size=2)
    for step in range(3):
        _, states, w = cell.step(X, states, MEMORY)
        nonzero = np.nonzero(to_numpy(w)[1])[0]
        assert set(nonzero) <= {step - 1, step, step + 1}


def test_initial_state_from_encoder_state():
    cell = make_cell(query="current", input_feeding=True, attention_layer_size=3)
    enc = RNG.normal(size=(2, 6)).astype("float32")
    states = cell.get_initial_state(cell_states=[enc])
    assert [tuple(s.shape) for s in states] == [(2, 6), (2, 3), (2, 1)]
    np.testing.assert_array_equal(to_numpy(states[0]), enc)


def test_prepared_memory_gives_the_same_step():
    cell = make_cell(query="previous")
    states = random_states(cell)
    a = cell(X, states, MEMORY, memory_mask=MASK)
    memory = cell.prepare_memory(MEMORY, MASK)
    np.testing.assert_allclose(
        to_numpy(memory.keys), to_numpy(MEMORY @ to_numpy(cell.attention.key_kernel)),
        atol=1e-6,
    )
    b = cell(X, states, memory)
    c = cell.step(X, states, MEMORY, MASK, keys=memory.keys)  # the old spelling
    for x, y, z in zip(keras.tree.flatten(a), keras.tree.flatten(b), keras.tree.flatten(c)):
        np.testing.assert_allclose(to_numpy(x), to_numpy(y), atol=1e-7)
        np.testing.assert_allclose(to_numpy(x), to_numpy(z), atol=1e-7)


def test_config_round_trip():
    cell = AttentionDecoderCell(
        keras.layers.LSTMCell(5),
        LuongAttention("concat", units=3),
        query="current",
        input_feeding=False,
        attention_layer_size=4,
        deep_output="maxout",
        deep_output_units=2,
    )
    clone = assert_config_round_trip(cell)
    assert isinstance(clone.cell, keras.layers.LSTMCell) and clone.attention.score_mode == "concat"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"query": "next"}, "`query` must be one of 'previous', 'current'. Received: query='next'"),
        ({"deep_output": "relu"}, "`deep_output` must be one of None, 'maxout'. Received: deep_output='relu'"),
        ({"attention_layer_size": 0}, "`attention_layer_size` must be a positive integer. Received: attention_layer_size=0"),
        ({"cell": "gru"}, "`cell` must be a Keras RNN cell (e.g. keras.layers.GRUCell(64)). Received: cell='gru'"),
        ({"attention": "luong"}, "`attention` must be an attention layer of keras_attention (BahdanauAttention, LuongAttention, ...), a list of them, or None. Received: attention='luong'"),
        ({"attention": []}, "`attention` must not be an empty list (use None for no attention). Received: attention=[]"),
        ({"attention_layer_size": [3, 4]}, "A list `attention_layer_size` needs one size per attention mechanism. Received: attention_layer_size=[3, 4] for 1 mechanisms"),
        ({"attention_layer_size": 4, "attention_layer": keras.layers.Dense(3)}, "Pass `attention_layer` or `attention_layer_size`, not both. Received: attention_layer_size=4"),
        ({"attention": None, "context_gate": True}, "`context_gate=True` gates attention contexts and needs an `attention` layer. Received: attention=None"),
        ({"cell_input_fn": "concat"}, "`cell_input_fn` must be a callable (inputs, attention) -> cell input, or None. Received: cell_input_fn='concat'"),
    ],
)
def test_constructor_errors(kwargs, message):
    args = dict(cell=keras.layers.GRUCell(4), attention=BahdanauAttention(4))
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        AttentionDecoderCell(**args)
    assert message in str(info.value)


def test_all_steps_at_once_only_for_the_parallel_form():
    assert not make_cell(query="previous").supports_all_steps
    assert not make_cell(query="current", input_feeding=True).supports_all_steps
    assert make_cell(query="current", input_feeding=False).supports_all_steps
    coverage = BahdanauAttention(7, use_coverage=True)  # a per-position state
    assert not make_cell(
        attention=coverage, query="current", input_feeding=False
    ).supports_all_steps


def test_unbuilt_cell_explains_how_to_run_it_instead_of_keras_rnn():
    cell = AttentionDecoderCell(keras.layers.GRUCell(4), BahdanauAttention(4))
    with pytest.raises(ValueError, match="cannot run inside keras.layers.RNN by itself"):
        keras.layers.RNN(cell)
