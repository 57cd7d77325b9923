"""Contracts that a sampled mutation run (bench/mutation_sample.py) found
unpinned: each test here fails on one of the mutants that survived the
suite (docs/testing.md lists them)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_attention.layers import (
    AttentionDecoder,
    AttentionDecoderCell,
    BahdanauAttention,
    BahdanauMonotonicAttention,
    LuongAttention,
    Maxout,
    SelfAttentionRNNCell,
)
from keras_attention.layers.attention_utils import normalize_scores
from keras_attention.layers.monotonic import monotonic_attention
from tests.harness import to_numpy

RNG = np.random.default_rng(7)
QUERY = RNG.normal(size=(2, 3)).astype("float32")
VALUE = RNG.normal(size=(2, 5, 6)).astype("float32")
X = RNG.normal(size=(2, 4, 3)).astype("float32")


def test_a_built_layer_refuses_a_query_of_another_size():
    layer = BahdanauAttention(4)
    layer(QUERY, VALUE)
    with pytest.raises(ValueError, match=r"The last dimension of `query` must be 3, the size "
                       r"this layer was built with. Received: query.shape=\(2, 7\)"):
        layer(np.ones((2, 7), "float32"), VALUE)
    with pytest.raises(ValueError, match=r"The last dimension of `value` must be 6"):
        layer(QUERY, np.ones((2, 5, 9), "float32"))


def test_compute_mask_keeps_the_query_mask_of_a_list_call():
    layer = BahdanauAttention(4)
    query_mask = np.array([[True, False, True]])
    assert layer.compute_mask([QUERY, VALUE], None) is None
    assert layer.compute_mask([QUERY, VALUE], [query_mask, None]) is query_mask
    assert layer.compute_mask(QUERY, query_mask) is query_mask


def test_the_initial_monotonic_state_has_the_dtype_asked_for():
    state = BahdanauMonotonicAttention(4).initial_attention_state(2, 3, dtype="float16")
    assert keras.backend.standardize_dtype(state.dtype) == "float16"
    np.testing.assert_array_equal(to_numpy(state), [[1, 0, 0], [1, 0, 0]])


def test_monotonic_attention_of_integer_inputs_equals_the_float_result():
    p = np.array([[0, 1, 0, 1]])
    previous = np.array([[1, 0, 0, 0]])
    as_ints = monotonic_attention(p, previous, "recursive")
    as_floats = monotonic_attention(p.astype("float32"), previous.astype("float32"),
                                    "recursive")
    assert keras.backend.standardize_dtype(as_ints.dtype) == "float32"
    # Stops at the first position with p = 1 (position 1), all the mass there.
    np.testing.assert_allclose(to_numpy(as_ints), [[0, 1, 0, 0]], atol=1e-6)
    np.testing.assert_allclose(to_numpy(as_ints), to_numpy(as_floats))


def test_sparsemax_scores_come_back_in_the_dtype_asked_for():
    scores = np.array([[0.0, 0.5, 1.0]], "float16")
    weights = normalize_scores(scores, probability_fn="sparsemax", dtype="float32")
    assert keras.backend.standardize_dtype(weights.dtype) == "float32"
    np.testing.assert_allclose(to_numpy(weights), [[0.0, 0.25, 0.75]], atol=1e-3)


def test_luong_dropout_drops_attention_weights_in_training_only():
    plain, dropped = LuongAttention("dot"), LuongAttention("dot", dropout=0.5, seed=1)
    query = RNG.normal(size=(2, 6)).astype("float32")
    reference = to_numpy(plain(query, VALUE))
    np.testing.assert_allclose(to_numpy(dropped(query, VALUE, training=False)), reference,
                               atol=1e-6)
    assert not np.allclose(to_numpy(dropped(query, VALUE, training=True)), reference,
                           atol=1e-3)


def test_the_decoder_cell_passes_training_to_its_rnn_cell():
    # GRU input dropout of 0.9: the decoder's outputs in training differ
    # from those at inference.
    cell = AttentionDecoderCell(keras.layers.GRUCell(6, dropout=0.9, seed=0),
                                BahdanauAttention(4))
    decoder = AttentionDecoder(cell)
    inference, _, _ = decoder(X, VALUE, training=False)
    training_out, _, _ = decoder(X, VALUE, training=True)
    assert not np.allclose(to_numpy(training_out), to_numpy(inference), atol=1e-4)


class PlainCell(keras.layers.Layer):
    """A minimal RNN cell without Keras' dropout-mask methods."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        self.dense = keras.layers.Dense(self.units)
        self.dense.build((input_shape[0], input_shape[-1] + self.units))

    def call(self, inputs, states, training=None):
        h = ops.tanh(self.dense(ops.concatenate([inputs, states[0]], -1)))
        return h, [h]


def test_a_custom_cell_without_dropout_masks_runs_in_training():
    decoder = AttentionDecoder(AttentionDecoderCell(PlainCell(6), BahdanauAttention(4)))
    out, _, weights = decoder(X, VALUE, training=True)
    assert tuple(out.shape)[:2] == (2, 4) and tuple(weights.shape) == (2, 4, 5)
    assert np.isfinite(to_numpy(out)).all()


def test_without_attention_the_fast_path_equals_the_step_loop():
    # No attention: the context is the first memory vector at every step;
    # 4 steps, a context of size 6 (the broadcast must not mix the two).
    cell = AttentionDecoderCell(keras.layers.GRUCell(5), None, query="current",
                                input_feeding=False)
    decoder = AttentionDecoder(cell)
    assert decoder.uses_fast_path
    out, _, _ = decoder(X, VALUE)
    states = cell.get_initial_state(batch_size=2)
    steps = []
    for t in range(X.shape[1]):
        step_out, states, _ = cell(X[:, t], states, VALUE)
        steps.append(to_numpy(step_out))
    np.testing.assert_allclose(to_numpy(out), np.stack(steps, 1), atol=1e-5)


def test_location_scores_start_without_a_position_bias():
    layer = LuongAttention("location", units=5)
    layer(QUERY, VALUE)
    np.testing.assert_array_equal(to_numpy(layer.location_bias), np.zeros(5))


def test_location_scores_need_a_maximum_length():
    layer = LuongAttention("location")
    with pytest.raises(ValueError, match=r"score_mode='location' needs the maximum memory "
                       r"length: pass `units=<max length>` or build with a static memory "
                       r"length. Received: units=None and a memory of unknown length"):
        layer(keras.Input((3,)), keras.Input((None, 6)))


def test_maxout_regularizer_and_output_shape():
    layer = Maxout(4, pool_size=2, kernel_regularizer=keras.regularizers.L2(0.5))
    assert layer.compute_output_shape((None, 5, 8)) == (None, 5, 4)
    out = layer(np.ones((2, 8), "float32"))
    assert tuple(out.shape) == (2, 4)
    (penalty,) = layer.losses
    kernel = to_numpy(layer.kernel)
    np.testing.assert_allclose(float(to_numpy(penalty)), 0.5 * np.sum(kernel**2), rtol=1e-5)


def test_lstmn_dot_score_message_says_what_to_use():
    with pytest.raises(ValueError, match=r"a dot product needs equal sizes. Use "
                       r"score_mode='general', 'concat' or 'additive'. Received: "
                       r"cell_type='lstm', score_mode='dot'"):
        SelfAttentionRNNCell(8, memory_size=4, cell_type="lstm", score_mode="dot")


def test_the_seed_fixes_the_dropout_draws():
    query = RNG.normal(size=(2, 6)).astype("float32")

    def dropped(seed):
        return to_numpy(LuongAttention("dot", dropout=0.5, seed=seed)(query, VALUE,
                                                                      training=True))

    np.testing.assert_array_equal(dropped(3), dropped(3))
    assert not np.array_equal(dropped(3), dropped(4))


def test_positions_select_the_logits_of_those_token_rows():
    cell = AttentionDecoderCell(keras.layers.GRUCell(6), BahdanauAttention(4))
    decoder = AttentionDecoder(cell, embedding=keras.layers.Embedding(10, 3),
                               output_layer=keras.layers.Dense(10))
    tokens = np.array([[1, 2, 3, 0], [4, 5, 6, 7]])
    full, _, _ = decoder(tokens, VALUE)
    positions = np.array([0, 2, 5, 7])  # row · T + step
    rows, _, _ = decoder(tokens, VALUE, positions=positions)
    expected = to_numpy(full).reshape(8, 10)[positions]
    np.testing.assert_allclose(to_numpy(rows), expected, atol=1e-5)
