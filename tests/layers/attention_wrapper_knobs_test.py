"""The knobs of tfa's AttentionWrapper, on AttentionDecoderCell.

Several mechanisms in one cell (shared memory, or one memory each), a
callable `probability_fn`, `cell_input_fn`, `output_attention`, a custom
`attention_layer`, the alignment history of the decoder, and the
`FeedbackSampler` (tfa's InferenceSampler / CustomSampler). Each check
compares with a computation written out by hand from the cell's parts or in
numpy.
"""

import keras
import numpy as np
import pytest
from keras import ops

from keras_attention.layers import (
    AttentionDecoder,
    AttentionDecoderCell,
    BahdanauAttention,
    LuongAttention,
    Memory,
)
from keras_attention.models import FeedbackSampler
from tests.harness import assert_config_round_trip, assert_model_save_load, to_numpy

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3, 4)).astype("float32")  # 3 steps of inputs
MEMORY = RNG.normal(size=(2, 5, 6)).astype("float32")
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
# A second memory for a second mechanism: other length and size.
MEMORY_2 = RNG.normal(size=(2, 7, 3)).astype("float32")
MASK_2 = np.array([[1] * 7, [1, 1, 0, 0, 0, 0, 0]], bool)


def run_steps(cell, memory, steps=3, states=None):
    """Outputs and weights of `steps` calls of the cell, one step at a time."""
    if states is None:
        states = cell.get_initial_state(batch_size=2, memory=memory)
    outs, weights = [], []
    for t in range(steps):
        out, states, w = cell(X[:, t], states, memory)
        outs.append(to_numpy(out))
        weights.append(tuple(to_numpy(x) for x in w) if isinstance(w, tuple) else to_numpy(w))
    return outs, weights, states


def mechanisms():
    return [BahdanauAttention(5), LuongAttention("general")]


# -- several attention mechanisms ------------------------------------------------
@pytest.mark.parametrize("per_mechanism_memory", [False, True])
@pytest.mark.parametrize("layer_size", [None, [4, 3]])
def test_each_context_equals_the_single_mechanism_cell(per_mechanism_memory, layer_size):
    """tfa's AttentionWrapper(attention_mechanism=[...]): one context per
    mechanism, concatenated (each through its own attention layer with a list
    `attention_layer_size`); every mechanism's weights and attention vector
    equal those of a cell with that mechanism alone, on the same weights."""
    rnn = keras.layers.GRUCell(6)
    attentions = mechanisms()
    multi = AttentionDecoderCell(
        rnn, attentions, query="current", input_feeding=False,
        attention_layer_size=layer_size,
    )
    memories = [(MEMORY, MASK), (MEMORY_2, MASK_2) if per_mechanism_memory else (MEMORY, MASK)]
    if per_mechanism_memory:
        multi.build((None, 4), [MEMORY.shape, MEMORY_2.shape])
        memory = multi.prepare_memory([MEMORY, MEMORY_2], [MASK, MASK_2])
        assert isinstance(memory, tuple) and len(memory) == 2
    else:
        multi.build((None, 4), MEMORY.shape)
        memory = multi.prepare_memory(MEMORY, MASK)
    multi_out, multi_w, _ = run_steps(multi, memory)
    assert all(isinstance(w, tuple) and len(w) == 2 for w in multi_w)

    singles = []
    for k, (attention, (values, mask)) in enumerate(zip(attentions, memories)):
        size = None if layer_size is None else layer_size[k]
        single = AttentionDecoderCell(  # the same RNN cell and attention layer objects
            rnn, attention, query="current", input_feeding=False, attention_layer_size=size,
        )
        single.build((None, 4), values.shape)
        if size is not None:
            single.attention_dense.set_weights(multi.attention_layers[k].get_weights())
        out, w, _ = run_steps(single, single.prepare_memory(values, mask))
        singles.append((out, w))
    for t in range(3):
        for k in range(2):
            np.testing.assert_allclose(multi_w[t][k], singles[k][1][t], atol=1e-6)
        expected = np.concatenate([singles[0][0][t], singles[1][0][t]], -1)
        np.testing.assert_allclose(multi_out[t], expected, atol=1e-6)
    width = (6 + 6 if not per_mechanism_memory else 6 + 3) if layer_size is None else 7
    assert multi.attention_size == multi.output_size == width


def test_one_attention_layer_over_the_concatenated_contexts():
    """An int `attention_layer_size` with several mechanisms: one W_c over
    [c_1; c_2; s], as tfa's AttentionWrapper with one attention_layer_size."""
    multi = AttentionDecoderCell(
        keras.layers.GRUCell(6), mechanisms(), query="current", input_feeding=False,
        attention_layer_size=5,
    )
    multi.build((None, 4), MEMORY.shape)
    states = multi.get_initial_state(batch_size=2)
    out, new_states, (w1, w2) = multi(X[:, 0], states, MEMORY, memory_mask=MASK)
    h, _ = multi.cell(X[:, 0], states[:1])
    c1 = multi.mechanisms[0](h, MEMORY, value_mask=MASK)
    c2 = multi.mechanisms[1](h, MEMORY, value_mask=MASK)
    kernel, bias = (to_numpy(v) for v in multi.attention_dense.weights)
    expected = np.tanh(np.concatenate([to_numpy(c1), to_numpy(c2), to_numpy(h)], -1) @ kernel + bias)
    np.testing.assert_allclose(to_numpy(out), expected, atol=1e-6)
    np.testing.assert_allclose(to_numpy(new_states[0]), to_numpy(h), atol=1e-6)


def test_query_previous_with_input_feeding_several_mechanisms():
    """Bahdanau data flow: every context enters the RNN input (and the fed
    vector is the concatenated contexts); weights equal single mechanisms'."""
    rnn = keras.layers.GRUCell(6)
    attentions = mechanisms()
    multi = AttentionDecoderCell(rnn, attentions, query="previous", input_feeding=True)
    multi.build((None, 4), MEMORY.shape)
    states = [RNG.normal(size=(2, 6)).astype("float32"),
              RNG.normal(size=(2, 12)).astype("float32"), np.zeros((2, 1), "float32")]
    out, new_states, (w1, w2) = multi(X[:, 0], states, MEMORY, memory_mask=MASK)
    c = [attentions[k](states[0], MEMORY, value_mask=MASK, return_attention_scores=True)
         for k in range(2)]
    np.testing.assert_allclose(to_numpy(w1), to_numpy(c[0][1]), atol=1e-6)
    np.testing.assert_allclose(to_numpy(w2), to_numpy(c[1][1]), atol=1e-6)
    rnn_in = np.concatenate([X[:, 0], to_numpy(c[0][0]), to_numpy(c[1][0]), states[1]], -1)
    h, _ = rnn(rnn_in, states[:1])
    np.testing.assert_allclose(to_numpy(new_states[0]), to_numpy(h), atol=1e-6)
    contexts = np.concatenate([to_numpy(c[0][0]), to_numpy(c[1][0])], -1)
    np.testing.assert_allclose(to_numpy(new_states[1]), contexts, atol=1e-6)
    np.testing.assert_allclose(to_numpy(out), contexts, atol=1e-6)


@pytest.mark.parametrize("fast_path", [True, False])
def test_decoder_returns_one_alignment_history_per_mechanism(fast_path):
    """AttentionDecoder over a multi-mechanism cell: (B, T, S_k) per mechanism,
    equal to stepping the cell (the fast path too)."""
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), mechanisms(), query="current",
        input_feeding=not fast_path, attention_layer_size=[4, 3],
    )
    decoder = AttentionDecoder(cell)
    memory = (Memory(MEMORY, MASK), Memory(MEMORY_2, MASK_2))
    outputs, _, (w1, w2) = decoder(X, memory)
    assert decoder.uses_fast_path == fast_path
    assert tuple(w1.shape) == (2, 3, 5) and tuple(w2.shape) == (2, 3, 7)
    steps, weights, _ = run_steps(cell, cell.prepare_memory(memory))
    np.testing.assert_allclose(to_numpy(outputs), np.stack(steps, 1), atol=1e-5)
    np.testing.assert_allclose(to_numpy(w1), np.stack([w[0] for w in weights], 1), atol=1e-6)
    np.testing.assert_allclose(to_numpy(w2), np.stack([w[1] for w in weights], 1), atol=1e-6)
    np.testing.assert_array_equal(to_numpy(w2)[1, :, 2:], 0.0)  # its own mask


def test_multi_mechanism_cell_config_and_save_load(tmp_path):
    cell = AttentionDecoderCell(
        keras.layers.LSTMCell(5), [BahdanauAttention(4), LuongAttention("dot")],
        query="current", input_feeding=True, attention_layer_size=[3, 2], context_gate=True,
    )
    clone = assert_config_round_trip(cell)
    assert [type(m).__name__ for m in clone.mechanisms] == ["BahdanauAttention", "LuongAttention"]
    tokens = keras.Input((None,), dtype="int32")
    values = keras.Input((None, 5))
    decoder = AttentionDecoder(
        cell, embedding=keras.layers.Embedding(9, 4), output_layer=keras.layers.Dense(9)
    )
    logits, _, _ = decoder(tokens, values)
    model = keras.Model([tokens, values], logits)
    inputs = [np.array([[2, 4, 5]], "int32"), RNG.normal(size=(1, 4, 5)).astype("float32")]
    assert_model_save_load(model, inputs, tmp_path)


def test_context_gate_scales_each_context():
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), mechanisms(), query="current", input_feeding=False,
        context_gate=True,
    )
    cell.build((None, 4), MEMORY.shape)
    states = cell.get_initial_state(batch_size=2)
    out, _, _ = cell(X[:, 0], states, MEMORY, memory_mask=MASK)
    h, _ = cell.cell(X[:, 0], states[:1])
    beta = to_numpy(cell.gate(h))  # (B, 2): σ(w_β · s + b_β)
    contexts = [to_numpy(m(h, MEMORY, value_mask=MASK)) for m in cell.mechanisms]
    expected = np.concatenate([contexts[0] * beta[:, :1], contexts[1] * beta[:, 1:]], -1)
    np.testing.assert_allclose(to_numpy(out), expected, atol=1e-6)


# -- probability_fn, cell_input_fn, output_attention, attention_layer -----------------
@keras.saving.register_keras_serializable(package="keras_attention_tests")
def sharpened_softmax(scores):
    return ops.softmax(2.0 * scores, axis=-1)


@keras.saving.register_keras_serializable(package="keras_attention_tests")
def add_feed(inputs, attention):
    return inputs + attention


def test_callable_probability_fn_is_applied_to_masked_scores():
    layer = BahdanauAttention(5, probability_fn=sharpened_softmax)
    query = RNG.normal(size=(2, 3, 4)).astype("float32")
    context, weights = layer(query, MEMORY, value_mask=MASK, return_attention_scores=True)
    scores = to_numpy(layer._scores(query, layer(None, MEMORY)))
    z = np.where(MASK[:, None, :], 2.0 * scores, -np.inf)
    expected = np.exp(z - z.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    np.testing.assert_allclose(to_numpy(weights), expected, atol=1e-6)
    np.testing.assert_allclose(to_numpy(context), expected @ MEMORY, atol=1e-5)
    clone = assert_config_round_trip(layer)
    assert clone.probability_fn is sharpened_softmax


def test_callable_probability_fn_survives_save_load(tmp_path):
    query_in = keras.Input((None, 4))
    value_in = keras.Input((None, 6))
    context = LuongAttention("general", probability_fn=sharpened_softmax)(query_in, value_in)
    model = keras.Model([query_in, value_in], context)
    inputs = [RNG.normal(size=(2, 3, 4)).astype("float32"), MEMORY]
    restored = assert_model_save_load(model, inputs, tmp_path)
    assert restored.layers[-1].probability_fn is sharpened_softmax


def test_cell_input_fn_replaces_the_concatenation():
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), BahdanauAttention(5), query="current",
        input_feeding=True, attention_layer_size=4, cell_input_fn=add_feed,
    )
    cell.build((None, 4), MEMORY.shape)
    assert cell.rnn_input_dim == 4  # x + a keeps the input size
    states = [RNG.normal(size=(2, 6)).astype("float32"),
              RNG.normal(size=(2, 4)).astype("float32"), np.zeros((2, 1), "float32")]
    _, new_states, _ = cell(X[:, 0], states, MEMORY, memory_mask=MASK)
    h, _ = cell.cell(X[:, 0] + states[1], states[:1])
    np.testing.assert_allclose(to_numpy(new_states[0]), to_numpy(h), atol=1e-6)
    clone = assert_config_round_trip(cell)
    assert clone.cell_input_fn is add_feed


@pytest.mark.parametrize("output_attention", [True, False])
def test_output_attention_chooses_the_attention_vector_or_the_cell_output(output_attention):
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), BahdanauAttention(5), query="current",
        input_feeding=False, attention_layer_size=3, output_attention=output_attention,
    )
    cell.build((None, 4), MEMORY.shape)
    states = cell.get_initial_state(batch_size=2)
    out, _, _ = cell(X[:, 0], states, MEMORY, memory_mask=MASK)
    h, _ = cell.cell(X[:, 0], states[:1])
    c = cell.attention(h, MEMORY, value_mask=MASK)
    a = cell.attention_dense(ops.concatenate([c, h], -1))
    np.testing.assert_allclose(to_numpy(out), to_numpy(a if output_attention else h), atol=1e-6)
    assert cell.output_size == (3 if output_attention else 6)


def test_custom_attention_layer_is_tfa_bias_free_linear_layer():
    """`attention_layer=Dense(n, use_bias=False)`: a_i = W [c_i; s_i], no tanh."""
    dense = keras.layers.Dense(3, use_bias=False)
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), BahdanauAttention(5), query="current",
        input_feeding=True, attention_layer=dense,
    )
    cell.build((None, 4), MEMORY.shape)
    assert cell.attention_dense is dense and cell.attention_size == 3
    states = cell.get_initial_state(batch_size=2)
    out, new_states, _ = cell(X[:, 0], states, MEMORY, memory_mask=MASK)
    h, _ = cell.cell(np.concatenate([X[:, 0], to_numpy(states[1])], -1), states[:1])
    c = cell.attention(h, MEMORY, value_mask=MASK)
    expected = np.concatenate([to_numpy(c), to_numpy(h)], -1) @ to_numpy(dense.kernel)
    np.testing.assert_allclose(to_numpy(out), expected, atol=1e-6)
    np.testing.assert_allclose(to_numpy(new_states[1]), expected, atol=1e-6)
    clone = assert_config_round_trip(cell)
    assert not clone.attention_dense.use_bias


def test_custom_attention_layers_one_per_mechanism():
    layers = [keras.layers.Dense(2, use_bias=False), keras.layers.Dense(3, activation="relu")]
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), mechanisms(), query="current", input_feeding=False,
        attention_layer=layers,
    )
    cell.build((None, 4), MEMORY.shape)
    assert cell.attention_size == 5
    states = cell.get_initial_state(batch_size=2)
    out, _, _ = cell(X[:, 0], states, MEMORY, memory_mask=MASK)
    h, _ = cell.cell(X[:, 0], states[:1])
    parts = [
        layer(ops.concatenate([m(h, MEMORY, value_mask=MASK), h], -1))
        for layer, m in zip(layers, cell.mechanisms)
    ]
    np.testing.assert_allclose(
        to_numpy(out), np.concatenate([to_numpy(p) for p in parts], -1), atol=1e-6
    )


def test_attention_layer_list_needs_one_per_mechanism():
    with pytest.raises(ValueError) as info:
        AttentionDecoderCell(
            keras.layers.GRUCell(4), mechanisms(), attention_layer=[keras.layers.Dense(2)]
        )
    assert "Received: 1 layers for 2 mechanisms" in str(info.value)


# -- FeedbackSampler (tfa's InferenceSampler / CustomSampler) --------------------------
def test_feedback_sampler_with_a_user_next_inputs_fn_equals_a_python_loop():
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), BahdanauAttention(5), query="previous",
        input_feeding=True, attention_layer_size=4,
    )
    cell.build((None, 2), MEMORY.shape)
    head = keras.layers.Dense(2)
    head.build((None, 4))

    def next_inputs_fn(output, x, step):
        # A residual forecast whose increment is scaled by the step number.
        return x + head(output) * ops.cast(step + 1, "float32")

    memory = cell.prepare_memory(MEMORY, MASK)
    start = RNG.normal(size=(2, 2)).astype("float32")
    states = cell.get_initial_state(batch_size=2, memory=memory)
    out = FeedbackSampler(4, next_inputs_fn)(cell, memory, start, states)
    assert tuple(out["outputs"].shape) == (2, 4, 2)
    assert tuple(out["attention"].shape) == (2, 4, 5)

    x, expected_x, expected_w, expected_o = start, [], [], []
    for step in range(4):
        output, states, w = cell(x, states, memory)
        x = to_numpy(x) + to_numpy(head(output)) * (step + 1)
        expected_x.append(x)
        expected_w.append(to_numpy(w))
        expected_o.append(to_numpy(output))
    np.testing.assert_allclose(to_numpy(out["outputs"]), np.stack(expected_x, 1), atol=1e-5)
    np.testing.assert_allclose(to_numpy(out["attention"]), np.stack(expected_w, 1), atol=1e-6)
    np.testing.assert_allclose(to_numpy(out["cell_outputs"]), np.stack(expected_o, 1), atol=1e-5)
    for a, b in zip(out["states"], states):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=1e-5)
    np.testing.assert_array_equal(to_numpy(out["attention"])[0, :, 3:], 0.0)


def test_feedback_sampler_default_feeds_the_output_back():
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(3), LuongAttention("general"), query="current",
        input_feeding=False, output_attention=False,
    )
    cell.build((None, 3), MEMORY.shape)
    memory = cell.prepare_memory(MEMORY)
    states = cell.get_initial_state(batch_size=2)
    start = np.zeros((2, 3), "float32")
    out = FeedbackSampler(3)(cell, memory, start, states)
    x = start
    for step in range(3):
        x, states, _ = cell(x, states, memory)
        np.testing.assert_allclose(to_numpy(out["outputs"])[:, step], to_numpy(x), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_steps=0), "`num_steps` must be a positive integer. Received: num_steps=0"),
        (dict(num_steps=2, next_inputs_fn="identity"),
         "`next_inputs_fn` must be a callable (cell_output, inputs, step) -> next inputs, "
         "or None. Received: next_inputs_fn='identity'"),
    ],
)
def test_feedback_sampler_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        FeedbackSampler(**kwargs)
    assert message in str(info.value)
