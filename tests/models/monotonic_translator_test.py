"""Seq2SeqTranslator with monotonic attention and coverage: decoding, training, config."""

import json

import keras
import numpy as np
import pytest
from keras import ops

from keras_attention.layers import (
    BahdanauMonotonicAttention,
    LuongMonotonicAttention,
    MonotonicChunkwiseAttention,
)
from keras_attention.losses import coverage_loss
from keras_attention.models import BeamSampler, Seq2SeqTranslator
from tests.harness import assert_model_save_load, to_numpy

MONOTONIC = ["bahdanau_monotonic", "luong_monotonic", "mocha"]
LAYERS = {
    "bahdanau_monotonic": BahdanauMonotonicAttention,
    "luong_monotonic": LuongMonotonicAttention,
    "mocha": MonotonicChunkwiseAttention,
}


def small_model(attention="bahdanau_monotonic", **kwargs):
    keras.utils.set_random_seed(2)
    model = Seq2SeqTranslator(19, 13, embedding_dim=8, units=16, attention=attention, **kwargs)
    src = np.random.default_rng(0).integers(4, 19, (3, 6)).astype("int32")
    src[1, 4:] = 0
    src[2, 2:] = 0
    model.build()
    # An untrained model may emit the padding id, which teacher forcing would
    # then mask: make ids 0 and 1 (padding, OOV) unlikely.
    bias = model.decoder.output_layer.bias
    bias.assign(ops.where(ops.arange(13) < 2, -20.0, bias.value))
    return model, src


def teacher_forced(model, src_row, tokens):
    """Log-probabilities and alignments of `tokens` re-run with teacher forcing."""
    target_in = np.array([[2] + list(tokens[:-1])], "int32")
    logits, weights = model(
        {"source_ids": src_row, "target_ids": target_in}, return_attention_scores=True
    )
    return to_numpy(ops.log_softmax(logits, axis=-1))[0], to_numpy(weights)[0]


@pytest.mark.parametrize("attention", MONOTONIC)
def test_the_decoder_cell_carries_the_alignment(attention):
    model, src = small_model(attention)
    cell = model.decoder.cell
    assert isinstance(cell.attention, LAYERS[attention])
    assert cell.stateful_mechanisms == [0]
    assert not model.decoder.uses_fast_path  # the alignment is a step state
    tgt = np.array([[2, 5, 6, 7], [2, 8, 9, 0], [2, 4, 0, 0]], "int32")
    logits, weights = model({"source_ids": src, "target_ids": tgt}, return_attention_scores=True)
    weights = to_numpy(weights)
    assert tuple(logits.shape) == (3, 4, 13) and weights.shape == (3, 4, 6)
    np.testing.assert_array_equal(weights[1, :, 4:], 0.0)  # source padding
    np.testing.assert_array_equal(weights[2, :, 2:], 0.0)
    assert (weights.sum(-1) <= 1 + 1e-5).all()  # mass may run off the end
    assert (weights >= 0).all()


@pytest.mark.parametrize("attention", MONOTONIC)
def test_greedy_decoding_equals_teacher_forcing_on_its_tokens(attention):
    """The sampler carries the alignment state exactly as teacher forcing does."""
    model, src = small_model(attention)
    out = {k: to_numpy(v) for k, v in model.generate(src, "greedy", max_length=6).items()}
    for b in range(3):
        n = int(out["lengths"][b])
        tokens = list(out["token_ids"][b, :n])
        lp, weights = teacher_forced(model, src[b : b + 1], tokens)
        np.testing.assert_array_equal(lp.argmax(-1), tokens)
        np.testing.assert_allclose(out["attention"][b, :n], weights, atol=1e-5)
        np.testing.assert_allclose(
            out["scores"][b], sum(lp[t, tok] for t, tok in enumerate(tokens)), atol=1e-4
        )


@pytest.mark.parametrize("attention", MONOTONIC)
def test_beam_search_reorders_the_alignment_with_the_beams(attention):
    """Each returned hypothesis's alignments and score equal a teacher-forced
    re-run of its own tokens: the alignment state followed its parent beam."""
    model, src = small_model(attention)
    out = model.generate(src, BeamSampler(beam_width=4, num_return=3), max_length=5)
    ids, lengths = to_numpy(out["token_ids"]), to_numpy(out["lengths"])
    attention_out, log_probs = to_numpy(out["attention"]), to_numpy(out["log_probs"])
    for b in range(3):
        for n in range(3):
            tokens = list(ids[b, n, : lengths[b, n]])
            lp, weights = teacher_forced(model, src[b : b + 1], tokens)
            expected = sum(lp[t, tok] for t, tok in enumerate(tokens))
            np.testing.assert_allclose(log_probs[b, n], expected, rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(attention_out[b, n, : len(tokens)], weights, atol=1e-5)


def test_beam_width_1_equals_greedy_and_random_sampling_runs():
    model, src = small_model("mocha", chunk_size=3)
    greedy = {k: to_numpy(v) for k, v in model.generate(src, "greedy", max_length=6).items()}
    beam = {
        k: to_numpy(v) for k, v in model.generate(src, BeamSampler(1), max_length=6).items()
    }
    np.testing.assert_array_equal(greedy["token_ids"], beam["token_ids"][:, 0])
    np.testing.assert_allclose(greedy["attention"], beam["attention"][:, 0], atol=1e-6)
    sampled = model.generate(src, "random", max_length=6)
    assert to_numpy(sampled["token_ids"]).shape == (3, 6)


def test_options_reach_the_attention_layer():
    model, _ = small_model(
        "mocha", monotonic_mode="recursive", sigmoid_noise=1.0, score_bias_init=-2.0,
        chunk_size=3, attention_units=5, use_attention_bias=False, seed=4,
    )
    layer = model.decoder.cell.attention
    assert (layer.mode, layer.sigmoid_noise, layer.score_bias_init) == ("recursive", 1.0, -2.0)
    assert (layer.chunk_size, layer.units, layer.use_bias, layer.seed) == (3, 5, False, 4)
    np.testing.assert_allclose(to_numpy(layer.score_bias), -2.0)
    # None in the config means the layer's defaults.
    model, _ = small_model("luong_monotonic", score_mode="scaled_dot")
    layer = model.decoder.cell.attention
    assert (layer.mode, layer.sigmoid_noise, layer.score_mode) == ("parallel", 0.0, "scaled_dot")
    assert model.get_config()["monotonic_mode"] is None


def test_with_monotonic_mode_hard_copies_the_weights_and_decodes_one_hot():
    model, src = small_model("bahdanau_monotonic", sigmoid_noise=1.0)
    hard = model.with_monotonic_mode("hard")
    assert hard is not model and hard.monotonic_mode == "hard"
    assert hard.decoder.cell.attention.mode == "hard"
    assert model.decoder.cell.attention.mode == "parallel"  # the original is unchanged
    for a, b in zip(model.get_weights(), hard.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    config = dict(hard.get_config(), monotonic_mode=None)
    assert config == model.get_config()
    out = to_numpy(hard.generate(src, "beam", max_length=5)["attention"])
    assert set(np.unique(out)) <= {0.0, 1.0}
    # Hard alignments never move back along the source.
    greedy = to_numpy(hard.generate(src, "greedy", max_length=5)["attention"])
    for row in greedy:
        stops = [int(r.argmax()) for r in row if r.sum() == 1]
        assert stops == sorted(stops)


def test_with_monotonic_mode_needs_monotonic_attention():
    model, _ = small_model("bahdanau")
    with pytest.raises(ValueError, match="Received a model with attention='bahdanau'"):
        model.with_monotonic_mode("hard")
    model, _ = small_model("bahdanau_monotonic")
    with pytest.raises(ValueError, match="Received: monotonic_mode='soft'"):
        model.with_monotonic_mode("soft")


@pytest.mark.parametrize("attention", ["mocha", "luong_monotonic"])
def test_save_load_round_trip(attention, tmp_path):
    model, src = small_model(attention, sigmoid_noise=0.5, score_bias_init=-1.0)
    tgt = np.array([[2, 5, 6], [2, 8, 0], [2, 4, 0]], "int32")
    restored = assert_model_save_load(model, {"source_ids": src, "target_ids": tgt}, tmp_path)
    assert restored.get_config() == model.get_config()
    np.testing.assert_array_equal(
        to_numpy(restored.generate(src, "beam", max_length=5)["token_ids"]),
        to_numpy(model.generate(src, "beam", max_length=5)["token_ids"]),
    )


def test_configs_of_older_versions_load_with_the_defaults():
    """A 0.1 config has none of the new arguments: it builds the same model."""
    model, _ = small_model("bahdanau")
    config = model.get_config()
    new = ("monotonic_mode", "sigmoid_noise", "score_bias_init", "chunk_size",
           "coverage", "coverage_loss_weight")
    old = {k: v for k, v in config.items() if k not in new}
    clone = Seq2SeqTranslator.from_config(json.loads(json.dumps(old)))
    assert clone.get_config() == config
    assert not clone.decoder.cell.attention.use_coverage


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(attention="bahdanau", monotonic_mode="hard"),
         "`monotonic_mode` applies to attention='bahdanau_monotonic', 'luong_monotonic' "
         "and 'mocha' only. Received: monotonic_mode='hard' with attention='bahdanau'"),
        (dict(attention="luong", sigmoid_noise=1.0),
         "`sigmoid_noise` applies to attention='bahdanau_monotonic', 'luong_monotonic' "
         "and 'mocha' only. Received: sigmoid_noise=1.0 with attention='luong'"),
        (dict(attention="bahdanau_monotonic", chunk_size=3),
         "`chunk_size` applies to attention='mocha' only. Received: chunk_size=3 with "
         "attention='bahdanau_monotonic'"),
        (dict(attention="mocha", chunk_size=0),
         "`chunk_size` must be a positive integer. Received: chunk_size=0"),
        (dict(attention="mocha", monotonic_mode="soft"),
         "`monotonic_mode` must be one of 'recursive', 'parallel', 'hard'. "
         "Received: monotonic_mode='soft'"),
        (dict(attention="mocha", sigmoid_noise=-1.0),
         "`sigmoid_noise` must be a non-negative number. Received: sigmoid_noise=-1.0"),
        (dict(attention="mocha", score_bias_init="x"),
         "`score_bias_init` must be a float. Received: score_bias_init='x'"),
        (dict(attention="luong_monotonic", score_mode="location"),
         "Received: score_mode='location'"),
        (dict(attention="bahdanau_monotonic", score_mode="dot"),
         "Received: score_mode='dot' with attention='bahdanau_monotonic'"),
        (dict(attention="luong", coverage=True),
         "`coverage=True` adds the coverage vector to the additive score of "
         "attention='bahdanau' only. Received: coverage=True with attention='luong'"),
        (dict(attention="bahdanau", coverage=1),
         "`coverage` must be True or False. Received: coverage=1"),
        (dict(attention="bahdanau", coverage_loss_weight=-0.5),
         "`coverage_loss_weight` must be a number >= 0. Received: coverage_loss_weight=-0.5"),
        (dict(attention="none", coverage_loss_weight=1.0),
         "Received: coverage_loss_weight=1.0 with attention='none'"),
    ],
)
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        Seq2SeqTranslator(19, 13, **kwargs)
    assert message in str(info.value)


# -- coverage ---------------------------------------------------------------------
def _labels(tgt):
    labels = np.concatenate([tgt[:, 1:], np.full((tgt.shape[0], 1), 3)], 1)
    return np.where(tgt != 0, labels, 0).astype("int32")


def test_coverage_loss_weight_adds_lambda_times_the_coverage_loss():
    """Keras' step (and the token-rows step) add exactly λ·coverage_loss(α)."""
    model, src = small_model("bahdanau", coverage=True)
    tgt = np.array([[2, 5, 6, 7], [2, 8, 9, 0], [2, 4, 0, 0]], "int32")
    x, y = {"source_ids": src, "target_ids": tgt}, _labels(tgt)
    weighted = Seq2SeqTranslator.from_config(
        dict(model.get_config(), coverage_loss_weight=0.7)
    )
    weighted.build()
    weighted.set_weights(model.get_weights())
    _, alignments = model(x, return_attention_scores=True)
    expected_term = 0.7 * float(coverage_loss(alignments, tgt != 0))
    assert expected_term > 0.01
    losses = {}
    # The token-rows step is TensorFlow's (token_rows_step); Keras' step everywhere.
    steps = (True, False) if keras.backend.backend() == "tensorflow" else (False,)
    for name, m in (("plain", model), ("weighted", weighted)):
        for rows in steps:
            m.compile(optimizer=keras.optimizers.SGD(0.0))  # no update: same weights
            m._token_rows_loss = rows
            losses[name, rows] = m.train_on_batch(x, y, return_dict=True)["loss"]
    for rows in steps:
        np.testing.assert_allclose(
            losses["weighted", rows] - losses["plain", rows], expected_term, rtol=1e-4
        )
    # Evaluation reports the token loss alone.
    np.testing.assert_allclose(
        weighted.test_on_batch(x, y), model.test_on_batch(x, y), rtol=1e-6
    )


@pytest.mark.tensorflow_only  # the token-rows step is TensorFlow's (models/token_rows_step.py)
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(attention="bahdanau", coverage=True, coverage_loss_weight=0.5),
        dict(attention="bahdanau_monotonic", sigmoid_noise=0.0),
        dict(attention="mocha", coverage_loss_weight=0.3),
    ],
)
def test_train_step_on_token_rows_equals_keras_step(kwargs):
    def two_steps(rows):
        model, src = small_model(**kwargs)
        model.compile(optimizer=keras.optimizers.SGD(0.5))
        model._token_rows_loss = rows
        tgt = np.array([[2, 5, 6, 7], [2, 8, 9, 0], [2, 4, 0, 0]], "int32")
        x, y = {"source_ids": src, "target_ids": tgt}, _labels(tgt)
        logs = [model.train_on_batch(x, y, return_dict=True) for _ in range(2)]
        return logs, [to_numpy(w) for w in model.trainable_weights]

    fast_logs, fast_w = two_steps(True)
    ref_logs, ref_w = two_steps(False)
    for fast, ref in zip(fast_logs, ref_logs):
        np.testing.assert_allclose(fast["loss"], ref["loss"], rtol=1e-5)
    assert fast_logs[1]["loss"] != fast_logs[0]["loss"]
    for a, b in zip(fast_w, ref_w):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
