import inspect
import json

import keras
import numpy as np
import pytest

from keras_attention.data.vocabulary import Vocabulary
from keras_attention.models import Seq2SeqTranslator, token_rows_step
from tests.harness import assert_model_save_load, run_in_fresh_process, to_numpy

SRC_V, TGT_V = 23, 17


def small(**kwargs):
    kwargs.setdefault("embedding_dim", 8)
    kwargs.setdefault("units", 12)
    return Seq2SeqTranslator(SRC_V, TGT_V, **kwargs)


def batch(b=3, s=7, t=5, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(4, SRC_V, (b, s)).astype("int32")
    src[0, s - 2 :] = 0  # padded source
    tgt = rng.integers(4, TGT_V, (b, t)).astype("int32")
    tgt[:, 0] = 2
    tgt[1, t - 1 :] = 0  # padded target
    return {"source_ids": src, "target_ids": tgt}


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(attention="bahdanau"),
        dict(attention="luong"),
        dict(attention="luong", score_mode="dot"),
        dict(attention="luong", score_mode="concat", window_mode="local_m", window=2),
        dict(attention="none"),
        dict(attention="bahdanau", encoder="lstm", bidirectional=True),
        dict(attention="luong", encoder="simple", num_encoder_layers=2),
        dict(attention="none", encoder="lstm", bidirectional=True),
        dict(attention="bahdanau", deep_output="maxout", input_feeding=True),
    ],
)
def test_forward_shapes_and_attention_rows(kwargs):
    model = small(**kwargs)
    x = batch()
    logits, weights = model(x, return_attention_scores=True)
    assert tuple(logits.shape) == (3, 5, TGT_V)
    assert keras.backend.standardize_dtype(logits.dtype) == "float32"
    weights = to_numpy(weights)
    if kwargs["attention"] == "none":
        assert weights.shape == (3, 5, 1)
        return
    assert weights.shape == (3, 5, 7)
    # Padded source positions get exactly zero weight.
    np.testing.assert_array_equal(weights[0, :, 5:], 0.0)
    if kwargs.get("window_mode", "global") == "global":
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("attention", ["bahdanau", "luong", "none"])
def test_extra_source_padding_changes_nothing(attention):
    model = small(attention=attention)
    x = batch()
    longer = dict(x, source_ids=np.pad(x["source_ids"], ((0, 0), (0, 4))))
    a, wa = model(x, return_attention_scores=True)
    b, wb = model(longer, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=1e-5)
    if attention != "none":
        np.testing.assert_allclose(to_numpy(wa), to_numpy(wb)[..., :7], atol=1e-6)


def test_luong_defaults_use_the_fast_path_and_bahdanau_does_not():
    assert small(attention="luong").decoder.uses_fast_path
    assert not small(attention="bahdanau").decoder.uses_fast_path
    assert small(attention="luong").resolved_data_flow == ("current", False, 12, True)
    assert small(attention="bahdanau").resolved_data_flow == ("previous", False, None, False)


def test_config_is_exactly_the_constructor_arguments():
    model = small(attention="luong", score_mode="general", dropout=0.1, seed=3)
    config = model.get_config()
    params = set(inspect.signature(Seq2SeqTranslator.__init__).parameters) - {
        "self",
        "kwargs",
    }
    assert params <= set(config)
    assert set(config) - params <= {"name", "trainable", "dtype"}
    json.dumps(config)  # plain JSON
    clone = Seq2SeqTranslator.from_config(config)
    assert clone.get_config() == config


def _vocabularies():
    src_vocab = Vocabulary(["", "[UNK]", "[START]", "[END]"] + list("abcdefg"))
    tgt_vocab = Vocabulary(["", "[UNK]", "[START]", "[END]"] + list("xyz"))
    return src_vocab, tgt_vocab


def test_save_load_round_trip_keeps_outputs_vocabulary_and_optimizer(tmp_path):
    src_vocab, tgt_vocab = _vocabularies()
    model = Seq2SeqTranslator(
        embedding_dim=8,
        units=12,
        attention="bahdanau",
        source_vocabulary=src_vocab,
        target_vocabulary=tgt_vocab,
        tokenization="char",
    )
    model.compile()
    x = {
        "source_ids": np.array([[4, 5, 6, 0], [7, 8, 9, 10]], "int32"),
        "target_ids": np.array([[2, 4, 5], [2, 6, 0]], "int32"),
    }
    y = np.array([[4, 5, 3], [6, 3, 0]], "int32")
    model.fit(x, y, epochs=2, verbose=0)
    restored = assert_model_save_load(model, x, tmp_path)
    assert restored.get_config() == model.get_config()
    assert restored.translate(["abc", "gfed"], max_length=6) == model.translate(
        ["abc", "gfed"], max_length=6
    )
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) == 2
    for a, b in zip(restored.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(attention="luong", encoder="lstm", bidirectional=True, score_mode="general"),
        dict(attention="none", encoder="simple", num_encoder_layers=2, deep_output="maxout"),
    ],
)
def test_save_load_other_architectures(tmp_path, kwargs):
    src_vocab, tgt_vocab = _vocabularies()
    model = Seq2SeqTranslator(
        embedding_dim=8,
        units=12,
        source_vocabulary=src_vocab,
        target_vocabulary=tgt_vocab,
        tokenization="char",
        **kwargs,
    )
    x = {
        "source_ids": np.array([[4, 5, 6, 0], [7, 8, 9, 10]], "int32"),
        "target_ids": np.array([[2, 4, 5], [2, 6, 0]], "int32"),
    }
    restored = assert_model_save_load(model, x, tmp_path)
    out_a = model.generate(x["source_ids"], sampler="beam", max_length=5)
    out_b = restored.generate(x["source_ids"], sampler="beam", max_length=5)
    np.testing.assert_array_equal(to_numpy(out_a["token_ids"]), to_numpy(out_b["token_ids"]))


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_parameter_counts_match_the_peer_benchmark_specs():
    # Analytic counts of /work/shared/bench/peers (common.expected_params):
    # model A "bahdanau" 11,876,672 and model B "luong" 11,090,240.
    spec = dict(
        source_vocabulary_size=8000,
        target_vocabulary_size=8000,
        embedding_dim=256,
        units=512,
        encoder="gru",
    )
    model_a = Seq2SeqTranslator(
        attention="bahdanau",
        use_attention_bias=False,
        attention_query="current",
        input_feeding=True,
        attention_layer_size=None,
        output_attention=False,
        **spec,
    )
    model_a.build()
    assert trainable_count(model_a) == 11_876_672
    # + the non-trainable scheduled-sampling probability.
    assert model_a.count_params() == 11_876_672 + 1
    model_b = Seq2SeqTranslator(
        attention="luong",
        score_mode="dot",
        input_feeding=False,
        attention_layer_size=512,
        **spec,
    )
    model_b.build()
    assert trainable_count(model_b) == 11_090_240
    assert model_b.decoder.uses_fast_path


def test_fit_learns_a_copy_task():
    rng = np.random.default_rng(0)
    src = rng.integers(4, 10, (256, 5)).astype("int32")
    tgt_in = np.concatenate([np.full((256, 1), 2), src], 1).astype("int32")
    labels = np.concatenate([src, np.full((256, 1), 3)], 1).astype("int32")
    model = Seq2SeqTranslator(12, 12, embedding_dim=16, units=32, attention="luong")
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(
        {"source_ids": src, "target_ids": tgt_in}, labels, epochs=6, batch_size=32, verbose=0
    )
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["masked_accuracy"][-1] > 0.6


def test_translate_text_and_attention_matrices():
    src_vocab = Vocabulary(["", "[UNK]", "[START]", "[END]"] + list("abc "))
    tgt_vocab = Vocabulary(["", "[UNK]", "[START]", "[END]", "x", "y"])
    model = Seq2SeqTranslator(
        embedding_dim=8,
        units=12,
        source_vocabulary=src_vocab,
        target_vocabulary=tgt_vocab,
        tokenization="char",
    )
    texts, attention = model.translate(
        ["ab c", "cab"], max_length=4, return_attention=True, batch_size=1
    )
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)
    assert set("".join(texts)) <= {"x", "y", "[", "U", "N", "K", "]"}
    assert attention[0]["source_tokens"] == list("ab c")
    n_out = len(attention[0]["output_tokens"])
    assert attention[0]["weights"].shape == (n_out, 4)
    np.testing.assert_allclose(attention[0]["weights"].sum(-1), 1.0, atol=1e-5)
    assert isinstance(model.translate("abc", max_length=3), str)


def test_translate_runs_greedy_and_beam_traced_once_with_the_eager_results():
    from keras_attention.models import BeamSampler, task

    src_vocab = Vocabulary(["", "[UNK]", "[START]", "[END]"] + list("abc "))
    tgt_vocab = Vocabulary(["", "[UNK]", "[START]", "[END]", "x", "y", "z"])
    model = Seq2SeqTranslator(
        embedding_dim=8, units=12, source_vocabulary=src_vocab,
        target_vocabulary=tgt_vocab, tokenization="char", seed=3,
    )
    texts = ["ab c", "cab", "a", "cc bb aa"]
    for sampler in ("greedy", BeamSampler(beam_width=3, length_penalty=0.6)):
        # batches of different sizes and lengths: one trace per sampler
        got = model.translate(texts, sampler=sampler, max_length=6, batch_size=3)
        ids = [src_vocab.encode(list(t)) for t in texts]
        want = []
        for row in ids:
            out = model.generate(np.array([row], "int32"), sampler=sampler, max_length=6)
            tokens = keras.ops.convert_to_numpy(out["token_ids"])
            lengths = keras.ops.convert_to_numpy(out["lengths"])
            if tokens.ndim == 3:
                tokens, lengths = tokens[:, 0], lengths[:, 0]
            want.append("".join(tgt_vocab.decode(tokens[0, : lengths[0]])))
        assert got == want
    functions = list(task._COMPILED[model].values())
    assert len(functions) == 2
    assert [f.experimental_get_tracing_count() for f in functions] == [1, 1]
    # The same configuration given as a new sampler object reuses the trace.
    model.translate(texts[:1], sampler=BeamSampler(beam_width=3, length_penalty=0.6), max_length=6)
    assert len(task._COMPILED[model]) == 2


def test_translate_needs_vocabularies():
    model = small()
    with pytest.raises(ValueError, match="needs the model's `target_vocabulary`"):
        model.translate("abc")
    model = Seq2SeqTranslator(
        SRC_V, None, target_vocabulary=["", "[UNK]", "[START]", "[END]", "x"]
    )
    with pytest.raises(ValueError, match="needs the model's `source_vocabulary`"):
        model.translate("abc")
    # Ids work without a source vocabulary.
    assert len(model.translate([[5, 6, 7]], max_length=3)) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(units=0), r"`units` must be a positive integer. Received: units=0"),
        (dict(embedding_dim=-3), "`embedding_dim` must be a positive integer"),
        (dict(encoder="rnn"), "`encoder` must be one of"),
        (dict(attention="luong-dot"), "`attention` must be one of"),
        (dict(score_mode="dot"), "`score_mode` applies to attention='luong' only"),
        (dict(attention="none", window_mode="local_m"), "apply to attention='luong' only"),
        (dict(attention_query="next"), "`attention_query` must be"),
        (dict(input_feeding="yes"), "`input_feeding` must be True, False or 'auto'"),
        (dict(attention_layer_size=0), "`attention_layer_size` must be a positive integer"),
        (dict(dropout=1.0), r"`dropout` must be a float in \[0, 1\)"),
        (dict(tokenization="bpe"), "`tokenization` must be one of"),
        (dict(num_encoder_layers=0), "`num_encoder_layers` must be a positive integer"),
    ],
)
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small(**kwargs)


def test_vocabulary_size_errors():
    with pytest.raises(ValueError, match=r"`source_vocabulary_size` must be an integer >= 4"):
        Seq2SeqTranslator(3, 10)
    with pytest.raises(ValueError, match="Pass `target_vocabulary_size` or `target_vocabulary`"):
        Seq2SeqTranslator(10, None)
    with pytest.raises(ValueError, match="must equal the length of `source_vocabulary`"):
        Seq2SeqTranslator(10, 10, source_vocabulary=["", "[UNK]", "[START]", "[END]", "a"])
    with pytest.raises(ValueError, match="not a valid vocabulary"):
        Seq2SeqTranslator(None, 10, source_vocabulary=["a", "b", "c", "d"])


def test_bad_inputs_are_named():
    model = small()
    with pytest.raises(ValueError, match="expects a dict with 'source_ids' and 'target_ids'"):
        model({"source": np.ones((1, 2), "int32")})
    with pytest.raises(ValueError, match="`source_ids` must hold integer token ids"):
        model.encode(np.ones((1, 3), "float32"))


@pytest.mark.slow
def test_saved_translator_loads_in_a_fresh_process_after_import_keras_attention(tmp_path):
    src_vocab, tgt_vocab = _vocabularies()
    model = Seq2SeqTranslator(
        embedding_dim=8,
        units=12,
        source_vocabulary=src_vocab,
        target_vocabulary=tgt_vocab,
        tokenization="char",
    )
    model.compile()
    path = tmp_path / "t.keras"
    model.save(path)
    expected = model.translate(["abc", "gfed"], max_length=5)
    out = run_in_fresh_process(
        f"""
        import keras, keras_attention
        model = keras.models.load_model({str(path)!r})
        print(model.translate(["abc", "gfed"], max_length=5))
        """
    )
    assert out.strip().splitlines()[-1] == str(expected)


def test_translate_input_errors():
    src_vocab, tgt_vocab = _vocabularies()
    model = Seq2SeqTranslator(
        embedding_dim=8, units=12, source_vocabulary=src_vocab,
        target_vocabulary=tgt_vocab, tokenization="char",
    )
    with pytest.raises(ValueError, match="Input 1 of `texts_or_ids` is empty after normalisation"):
        model.translate(["abc", ""])
    with pytest.raises(ValueError, match=r"must be all strings or all token-id lists. Received: texts_or_ids\[0\]=<object"):
        model.translate([object()])
    with pytest.raises(ValueError, match="`sampler` must be 'greedy', 'random', 'beam'"):
        model.translate("abc", sampler="top_p")
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        model.translate("abc", batch_size=0)


@pytest.mark.parametrize("attention", ["bahdanau", "luong", "none"])
def test_an_all_padding_source_row_gives_finite_outputs(attention):
    model = small(attention=attention)
    x = batch()
    x["source_ids"][2] = 0
    logits, weights = model(x, return_attention_scores=True)
    assert np.isfinite(to_numpy(logits)).all()
    assert np.isfinite(to_numpy(weights)).all()
    out = model.generate(x["source_ids"], "beam", max_length=4)
    assert np.isfinite(to_numpy(out["scores"])).all()


def _labels_of(b):
    """Next-token labels for `batch()`: the targets shifted left, 0 where padded."""
    tgt = b["target_ids"]
    labels = np.concatenate([tgt[:, 1:], np.full((tgt.shape[0], 1), 3)], 1).astype("int32")
    return np.where(tgt != 0, labels, 0).astype("int32")


def _two_steps(kwargs, rows, sampling=0.0, **compile_kwargs):
    keras.utils.set_random_seed(3)
    model = small(**kwargs)
    model.compile(optimizer=keras.optimizers.SGD(0.5), **compile_kwargs)
    model._token_rows_loss = rows  # force the path under comparison
    model.decoder.sampling_probability.assign(sampling)
    traced = []  # whether the token-rows step ran
    original = token_rows_step.train_step
    token_rows_step.train_step = lambda m, d: traced.append(1) or original(m, d)
    b = batch(b=4, s=7, t=6)
    b["target_ids"][2, 3:] = 0
    y = _labels_of(b)
    try:
        logs = [model.train_on_batch(b, y, return_dict=True) for _ in range(2)]
    finally:
        token_rows_step.train_step = original
    assert bool(traced) == rows
    return logs, [to_numpy(w) for w in model.trainable_weights]


@pytest.mark.tensorflow_only
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(attention="bahdanau"),
        dict(attention="luong", score_mode="dot"),
        dict(attention="none"),
        dict(attention="bahdanau", input_feeding=True, deep_output="maxout"),
    ],
)
def test_train_step_on_token_rows_equals_keras_step(kwargs):
    """The default train_step scores only non-padding rows: same loss, accuracy, weights."""
    fast_logs, fast_w = _two_steps(kwargs, rows=True)
    ref_logs, ref_w = _two_steps(kwargs, rows=False)
    for fast, ref in zip(fast_logs, ref_logs):
        np.testing.assert_allclose(fast["loss"], ref["loss"], rtol=1e-5)
        np.testing.assert_allclose(fast["masked_accuracy"], ref["masked_accuracy"], rtol=1e-6)
    assert fast_logs[1]["loss"] != fast_logs[0]["loss"]  # the weights moved
    for a, b in zip(fast_w, ref_w):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.tensorflow_only
def test_train_step_on_token_rows_with_scheduled_sampling():
    # probability 1: every step after the first feeds back the arg-max; the
    # coin flips come from the decoder's seed generator, the same for both.
    fast_logs, fast_w = _two_steps(dict(attention="bahdanau"), rows=True, sampling=1.0)
    ref_logs, ref_w = _two_steps(dict(attention="bahdanau"), rows=False, sampling=1.0)
    for fast, ref in zip(fast_logs, ref_logs):
        np.testing.assert_allclose(fast["loss"], ref["loss"], rtol=1e-5)
    for a, b in zip(fast_w, ref_w):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "compile_kwargs, expected",
    [
        ({}, True),
        (dict(metrics=[]), True),
        (dict(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, reduction="sum")), True),
        (dict(metrics=["accuracy"]), False),
        (dict(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)), False),
        (dict(loss=keras.losses.SparseCategoricalCrossentropy(ignore_class=0)), False),
        (dict(loss="sparse_categorical_crossentropy"), False),
        (dict(weighted_metrics=["accuracy"]), False),
    ],
)
def test_token_rows_step_applies_only_to_the_default_loss_and_metrics(compile_kwargs, expected):
    model = small(attention="luong")
    model.compile(**compile_kwargs)
    # The token-rows step is TensorFlow's; Keras' own step runs elsewhere.
    assert model._token_rows_loss is (expected and keras.backend.backend() == "tensorflow")


def test_sample_weights_take_keras_step_and_still_train():
    keras.utils.set_random_seed(1)
    model = small(attention="luong")
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    b = batch(b=4, s=7, t=6)
    y = _labels_of(b)
    weights = np.ones(y.shape, "float32")
    weights[1] = 0.0  # per-token weights, (B, T)
    # A zero weight on row 1 must change the loss: the Keras step handles it.
    weighted = model.test_on_batch(b, y, sample_weight=weights)
    unweighted = model.test_on_batch(b, y)
    assert not np.isclose(weighted[0], unweighted[0])
    before = to_numpy(model.trainable_weights[0]).copy()
    model.train_on_batch(b, y, sample_weight=weights)
    assert not np.allclose(before, to_numpy(model.trainable_weights[0]))


@pytest.mark.parametrize("model_kind", ["translator", "forecaster", "forecaster-input-attention"])
def test_models_opt_out_of_xla_on_tensorflow_only(model_kind):
    # compile(jit_compile="auto") means XLA on a GPU unless a layer sets
    # supports_jit=False; TensorFlow's XLA cannot compile our time loops'
    # gradients. JAX compiles the scans (without jit it runs op by op).
    from keras.src.trainers.trainer import model_supports_jit

    from keras_attention.models import TimeSeriesForecaster

    if model_kind == "translator":
        model = small(attention="bahdanau")
        model.build()
    else:
        model = TimeSeriesForecaster(
            6, 3, units=8, input_attention=model_kind.endswith("input-attention")
        )
        model.build()
    assert model_supports_jit(model) is (keras.backend.backend() != "tensorflow")
