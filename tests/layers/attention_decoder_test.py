"""AttentionDecoder: the step loop, the fast path, masking, scheduled sampling."""

import keras
import numpy as np
import pytest

from keras_attention.layers import (
    AttentionDecoder,
    AttentionDecoderCell,
    BahdanauAttention,
    LuongAttention,
)
from tests.harness import assert_model_save_load, to_numpy

RNG = np.random.default_rng(0)
MEMORY = RNG.normal(size=(2, 5, 6)).astype("float32")
MEMORY_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
X = RNG.normal(size=(2, 4, 3)).astype("float32")
TARGET_MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)


def manual_loop(cell, x, memory, memory_mask, target_mask):
    """The reference: the cell's step called from Python, padded steps keep states."""
    states = cell.get_initial_state(batch_size=x.shape[0])
    outs, ws = [], []
    for t in range(x.shape[1]):
        out, new_states, w = cell(x[:, t], states, memory, memory_mask=memory_mask)
        m = target_mask[:, t : t + 1]
        states = [np.where(m, to_numpy(a), to_numpy(b)) for a, b in zip(new_states, states)]
        outs.append(to_numpy(out))
        ws.append(to_numpy(w))
    return np.stack(outs, 1), states, np.stack(ws, 1)


@pytest.mark.parametrize(
    "attention",
    [
        lambda: LuongAttention("general"),
        lambda: LuongAttention("dot", window=1, window_mode="local_m"),
        lambda: BahdanauAttention(7, probability_fn="sparsemax"),
    ],
)
@pytest.mark.parametrize("cell_type", [keras.layers.GRUCell, keras.layers.LSTMCell])
def test_fast_path_equals_step_loop(attention, cell_type):
    cell = AttentionDecoderCell(
        cell_type(6), attention(), query="current", input_feeding=False, attention_layer_size=5
    )
    decoder = AttentionDecoder(cell)
    assert decoder.uses_fast_path
    out, states, w = decoder(X, MEMORY, memory_mask=MEMORY_MASK, mask=TARGET_MASK)
    ref_out, ref_states, ref_w = manual_loop(cell, X, MEMORY, MEMORY_MASK, TARGET_MASK)
    np.testing.assert_allclose(to_numpy(out), ref_out, atol=1e-5)
    np.testing.assert_allclose(to_numpy(w), ref_w, atol=1e-6)
    for a, b in zip(states, ref_states):
        np.testing.assert_allclose(to_numpy(a), b, atol=1e-5)


@pytest.mark.parametrize("query", ["previous", "current"])
def test_sequential_loop_equals_manual_steps(query):
    cell = AttentionDecoderCell(
        keras.layers.LSTMCell(6), BahdanauAttention(4), query=query, input_feeding=True,
        attention_layer_size=5, deep_output="maxout",
    )
    decoder = AttentionDecoder(cell)
    assert not decoder.uses_fast_path
    out, states, w = decoder(X, MEMORY, memory_mask=MEMORY_MASK, mask=TARGET_MASK)
    ref_out, ref_states, ref_w = manual_loop(cell, X, MEMORY, MEMORY_MASK, TARGET_MASK)
    np.testing.assert_allclose(to_numpy(out), ref_out, atol=1e-5)
    np.testing.assert_allclose(to_numpy(w), ref_w, atol=1e-6)
    for a, b in zip(states, ref_states):
        np.testing.assert_allclose(to_numpy(a), b, atol=1e-5)


@pytest.mark.parametrize("input_feeding", [False, True])
def test_final_state_is_the_state_at_the_last_real_step(input_feeding):
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(6), LuongAttention("general"), query="current", input_feeding=input_feeding
    )
    decoder = AttentionDecoder(cell)
    _, padded_states, _ = decoder(X[:1], MEMORY[:1], mask=TARGET_MASK[:1])
    _, trimmed_states, _ = decoder(X[:1, :3], MEMORY[:1])
    for a, b in zip(padded_states, trimmed_states):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=1e-6)


def test_padded_memory_positions_change_nothing():
    cell = AttentionDecoderCell(keras.layers.GRUCell(6), BahdanauAttention(5))
    decoder = AttentionDecoder(cell)
    out1, _, w1 = decoder(X[:1], MEMORY[:1, :3])
    noise = RNG.normal(size=(1, 4, 6)).astype("float32")
    padded = np.concatenate([MEMORY[:1, :3], noise], 1)
    mask = np.array([[1, 1, 1, 0, 0, 0, 0]], bool)
    out2, _, w2 = decoder(X[:1], padded, memory_mask=mask)
    np.testing.assert_allclose(to_numpy(out1), to_numpy(out2), atol=1e-6)
    assert (to_numpy(w2)[..., 3:] == 0).all()


def token_decoder(vocab=7, query="previous"):
    cell = AttentionDecoderCell(keras.layers.GRUCell(8), BahdanauAttention(8), query=query)
    return AttentionDecoder(
        cell,
        embedding=keras.layers.Embedding(vocab, 4, mask_zero=True),
        output_layer=keras.layers.Dense(vocab),
        seed=0,
    )


TOKENS = np.array([[1, 3, 4, 2], [1, 5, 0, 0]], "int32")


def test_scheduled_sampling_zero_is_teacher_forcing():
    decoder = token_decoder()
    infer, _, _ = decoder(TOKENS, MEMORY)
    decoder.sampling_probability.assign(0.0)
    train, _, _ = decoder(TOKENS, MEMORY, training=True)
    real = TOKENS != 0
    np.testing.assert_allclose(to_numpy(train)[real], to_numpy(infer)[real], atol=1e-6)
    # In training the projection skips padded steps (they are not in the loss).
    assert (to_numpy(train)[~real] == 0).all()


def test_scheduled_sampling_one_feeds_back_argmax_predictions():
    decoder = token_decoder()
    decoder(TOKENS, MEMORY)
    decoder.sampling_probability.assign(1.0)
    logits, _, _ = decoder(TOKENS, MEMORY, training=True)
    # Reference: step 0 takes the true start token, every later step the
    # arg-max of the previous logits (padded steps keep the states).
    memory = decoder.prepare_memory(MEMORY)  # a Memory: values, mask, keys
    states = decoder.get_initial_state(batch_size=2)
    token = TOKENS[:, 0]
    mask = TOKENS != 0
    for t in range(TOKENS.shape[1]):
        step_logits, new_states, _ = decoder.decode_step(token, states, memory)
        np.testing.assert_allclose(to_numpy(logits)[:, t], to_numpy(step_logits), atol=1e-5)
        m = mask[:, t : t + 1]
        states = [np.where(m, to_numpy(a), to_numpy(b)) for a, b in zip(new_states, states)]
        token = np.argmax(to_numpy(step_logits), -1).astype("int32")


def test_token_decoder_output_mask_and_save_load(tmp_path):
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    memory = keras.layers.GRU(6, return_sequences=True)(
        keras.layers.Embedding(9, 4, mask_zero=True)(src)
    )
    logits, _, alignments = token_decoder(vocab=9)(tgt, memory)
    model = keras.Model([src, tgt], [logits, alignments])
    source = np.array([[3, 4, 5, 0], [6, 7, 0, 0]], "int32")
    _, w = model.predict([source, TOKENS], verbose=0)
    assert (w[0, :, 3:] == 0).all() and (w[1, :, 2:] == 0).all()
    assert_model_save_load(model, [source, TOKENS], tmp_path)


def test_fit_with_cell_dropout_and_scheduled_sampling():
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    memory = keras.layers.Embedding(9, 6, mask_zero=True)(src)
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(8, dropout=0.2, recurrent_dropout=0.2), LuongAttention("general")
    )
    decoder = AttentionDecoder(
        cell, keras.layers.Embedding(9, 4, mask_zero=True), keras.layers.Dense(9), seed=1
    )
    logits, _, _ = decoder(tgt, memory)
    model = keras.Model([src, tgt], logits)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    source = RNG.integers(1, 9, (16, 5)).astype("int32")
    target = RNG.integers(1, 9, (16, 4)).astype("int32")
    decoder.sampling_probability.assign(0.5)
    history = model.fit([source, target], target, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_mixed_precision_training_is_finite():
    keras.config.set_dtype_policy("mixed_float16")
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    memory = keras.layers.Embedding(9, 6, mask_zero=True)(src)
    cell = AttentionDecoderCell(keras.layers.LSTMCell(8), BahdanauAttention(8), deep_output="maxout")
    decoder = AttentionDecoder(
        cell, keras.layers.Embedding(9, 4, mask_zero=True), keras.layers.Dense(9, dtype="float32")
    )
    logits, _, w = decoder(tgt, memory)
    model = keras.Model([src, tgt], logits)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0))
    source = RNG.integers(0, 9, (16, 5)).astype("int32")
    source[:, 0] = 1
    source[0] = 0  # a fully padded source row
    target = RNG.integers(1, 9, (16, 4)).astype("int32")
    history = model.fit([source, target], target, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert np.isfinite(model.predict([source, target], verbose=0)).all()


def test_constructor_errors():
    with pytest.raises(ValueError, match="`cell` must be an AttentionDecoderCell"):
        AttentionDecoder(keras.layers.GRUCell(3))
    cell = AttentionDecoderCell(keras.layers.GRUCell(3), BahdanauAttention(3))
    with pytest.raises(ValueError, match="Pass both `embedding` and `output_layer`"):
        AttentionDecoder(cell, embedding=keras.layers.Embedding(5, 3))
    with pytest.raises(ValueError, match="decode_step\\(\\) needs an AttentionDecoder built with `embedding`"):
        AttentionDecoder(cell).decode_step(np.zeros((1,), "int32"), [], MEMORY)


@pytest.mark.parametrize("probability", [0.3, 0.7])
def test_scheduled_sampling_draws_one_coin_per_example(probability):
    """Over 400 identical rows, the share fed their own prediction at step 1
    follows Binomial(400, p): each example draws its own coin (a coin shared
    by the batch would feed all rows or none)."""
    decoder = token_decoder(query="current")  # step 1's output reads step 1's input
    rows = 400
    memory = np.repeat(MEMORY[:1], rows, 0)
    probe = np.array([[1, 1, 1, 1]], "int32")
    first, _, _ = decoder(probe, MEMORY[:1])
    predicted = int(np.argmax(to_numpy(first)[0, 0]))
    true_next = 1 + predicted % 6  # a real token (1..6) that is not the prediction
    assert true_next != predicted
    tokens = np.repeat(np.array([[1, true_next, 4, 5]], "int32"), rows, 0)
    fed = tokens.copy()
    fed[:, 1] = predicted
    teacher_logits = to_numpy(decoder(tokens[:1], MEMORY[:1])[0])[0, 1]
    fed_logits = to_numpy(decoder(fed[:1], MEMORY[:1])[0])[0, 1]
    assert np.abs(teacher_logits - fed_logits).max() > 1e-3
    decoder.sampling_probability.assign(probability)
    logits = to_numpy(decoder(tokens, memory, training=True)[0])[:, 1]
    took_prediction = np.abs(logits - fed_logits).max(-1) < 1e-5
    took_truth = np.abs(logits - teacher_logits).max(-1) < 1e-5
    assert np.all(took_prediction ^ took_truth)  # one or the other, per row
    share = took_prediction.mean()
    bound = 4 * np.sqrt(probability * (1 - probability) / rows)
    assert abs(share - probability) < bound, share
