"""Bad-input catalogue: every refused input, with its exact message.

Each case runs in an empty working folder (plus the input files it needs)
and must raise the listed error with exactly the listed message (for errors
raised inside a layer's `call`, the message Keras wraps), and leave the
folder exactly as it was: no partial output on disk.

Behaviour decisions (see docs/reliability.md):

- mismatched batch sizes (query/value, key/value, masks, source/target ids,
  drivers/past target) are an error before any computation;
- "window larger than memory": the forecaster's `window` longer than the
  driving series given (model) or than the series (data), and a
  `score_mode="location"` memory longer than the layer's `units`, are
  errors; a Luong *local* window wider than the memory is allowed (it
  covers the whole memory: see
  `test_local_window_wider_than_the_memory_covers_it`);
- "vocabulary overflow": token ids outside `[0, vocabulary_size)` given to
  a translator (calls, `generate`, `translate`), and a vocabulary list whose
  length differs from the declared size, are errors.
"""

import os
import re

import keras
import numpy as np
import pandas as pd
import pytest
from keras import ops

import keras_attention as ka
from keras_attention import export
from keras_attention.data import (
    TextPairsError,
    Vocabulary,
    load_text_pairs,
    split_pairs,
)
from keras_attention.data import timeseries as ts
from keras_attention.models import (
    GreedySampler,
    ImageCaptioner,
    Seq2SeqTranslator,
    TimeSeriesForecaster,
)
from keras_attention.models import load_model as load_ka_model

F = "float32"


def ones(*shape, dtype=F):
    return np.ones(shape, dtype)


def translator(name="translator"):
    model = Seq2SeqTranslator(10, 8, embedding_dim=4, units=4, name=name)
    model.compile()
    return model


def forecaster():
    return TimeSeriesForecaster(window=6, num_features=2, units=4)


def built_forecaster():
    model = forecaster()
    model.build()
    return model


def compiled_forecaster():
    model = forecaster()
    model.compile(optimizer="adam", loss="mse")
    return model


def predict_after_a_good_call(x):
    """`predict(x)` on a model whose predict function has already been
    traced: Keras retraces with relaxed shapes (`None` for a changed size)."""
    model = compiled_forecaster()
    model.predict({"drivers": ones(3, 6, 2), "past_target": ones(3, 5, 1)}, verbose=0)
    return model.predict(x, verbose=0)


def small_captioner():
    return ImageCaptioner(vocabulary_size=12, image_shape=(16, 16, 1), conv_filters=(4, 4),
                          conv_pools=(2, 2), units=8, embedding_dim=4)


def luong_decoder():
    cell = ka.AttentionDecoderCell(keras.layers.LSTMCell(8), ka.LuongAttention("general"),
                                   query="current", input_feeding=False, attention_layer_size=8)
    return ka.AttentionDecoder(cell)


def built_bahdanau():
    layer = ka.BahdanauAttention(3)
    layer(ones(2, 4), ones(2, 5, 4))
    return layer


def char_translator():
    """An untrained date-like translator with its vocabularies (char tokens)."""
    vocab = Vocabulary.build([list("0123456789 abcdefghijklmnopqrstuvwxyz-./,")])
    model = Seq2SeqTranslator(embedding_dim=4, units=4, tokenization="char",
                              source_vocabulary=vocab, target_vocabulary=vocab)
    model.build()
    return model


def nan_windows():
    x = {"drivers": ones(3, 6, 2), "past_target": ones(3, 5, 1)}
    x["drivers"][1, 2, 0] = np.nan
    return x


def truncated_keras_file(path):
    """A .keras archive whose weights file lost its last two thirds."""
    import zipfile

    model = translator()
    model.build()
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content[: len(content) // 3] if name.endswith(".h5") else content)


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def series_csv(path, rows=30, target=True):
    frame = pd.DataFrame({"a": np.arange(rows, dtype=F), "b": np.cos(np.arange(rows))})
    if target:
        frame["y"] = np.sin(np.arange(rows))
    frame.to_csv(path, index=False)


def plain_keras_model(path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(path)


# (id, setup(folder) -> None, action() -> anything, error type, exact message)
CASES = [
    # -- attention layers: ranks, shapes, batch sizes -----------------------------
    ("query_rank_4", None, lambda: ka.BahdanauAttention(4)(ones(1, 2, 3, 4), ones(1, 5, 4)),
     ValueError, "`query` must have rank 2 (batch, dim) for one decoder step or rank 3 "
     "(batch, steps, dim). Received: query.shape=(1, 2, 3, 4)"),
    ("value_rank_2", None, lambda: ka.LuongAttention()(ones(2, 4), ones(2, 4)),
     ValueError, "`value` must have rank 3 (batch, memory_length, dim). "
     "Received: value.shape=(2, 4)"),
    ("value_rank_2_after_build", None, lambda: built_bahdanau()(ones(2, 4), ones(2, 4)),
     ValueError, "`value` must have rank 3 (batch, memory_length, dim). "
     "Received: value.shape=(2, 4)"),
    ("value_dim_after_build", None, lambda: built_bahdanau()(ones(2, 4), ones(2, 5, 7)),
     ValueError, "The last dimension of `value` must be 4, the size this layer was built "
     "with. Received: value.shape=(2, 5, 7)"),
    ("query_value_batch", None, lambda: ka.BahdanauAttention(3)(ones(2, 4), ones(3, 5, 4)),
     ValueError, "`query` and `value` must have the same batch size. "
     "Received: query.shape=(2, 4) and value.shape=(3, 5, 4)"),
    ("query_value_batch_luong", None,
     lambda: ka.LuongAttention("dot")(ones(2, 3, 4), ones(3, 5, 4)),
     ValueError, "`query` and `value` must have the same batch size. "
     "Received: query.shape=(2, 3, 4) and value.shape=(3, 5, 4)"),
    ("key_value_length", None,
     lambda: ka.BahdanauAttention(3)(ones(2, 4), ones(2, 5, 4), key=ones(2, 6, 4)),
     ValueError, "`key` and `value` must have the same batch size and memory length. "
     "Received: key.shape=(2, 6, 4) and value.shape=(2, 5, 4)"),
    ("value_mask_batch", None,
     lambda: ka.BahdanauAttention(3)(ones(2, 4), ones(2, 5, 4), value_mask=ones(3, 5, dtype=bool)),
     ValueError, "`value_mask` must have shape (batch, memory_length) = (2, 5), like "
     "`value`. Received: value_mask.shape=(3, 5)"),
    # A memory mask passed as the single `mask=` (the query's mask in Keras'
    # convention) was dropped without a word for a one-step query.
    ("memory_mask_as_single_mask", None,
     lambda: ka.BahdanauAttention(3)(ones(2, 4), ones(2, 5, 4), mask=ones(2, 5, dtype=bool)),
     ValueError, "A rank-2 `query` is one decoder step, with no steps to mask: `query_mask` "
     "must be None or have shape (2,) (a single `mask=` is the query's mask, as in Keras; to "
     "mask the memory pass `value_mask=` or `mask=[query_mask, value_mask]`). Received: "
     "query_mask.shape=(2, 5)"),
    ("query_mask_steps", None,
     lambda: ka.LuongAttention("dot")(ones(2, 3, 4), ones(2, 5, 4), mask=ones(2, 5, dtype=bool)),
     ValueError, "`query_mask` must have shape (batch, steps) = (2, 3), like `query` (a single "
     "`mask=` is the query's mask, as in Keras; to mask the memory pass `value_mask=` or "
     "`mask=[query_mask, value_mask]`). Received: query_mask.shape=(2, 5)"),
    ("dot_score_unequal_sizes", None, lambda: ka.LuongAttention("dot")(ones(2, 3), ones(2, 5, 4)),
     ValueError, "score_mode='dot' needs queries and keys of the same size. Received: "
     "query dim=3, key dim=4. Use score_mode='general' or 'concat' for different sizes."),
    # -- unknown choices, non-positive sizes ----------------------------------------
    ("unknown_score_mode", None, lambda: ka.LuongAttention("cosine"),
     ValueError, "`score_mode` must be one of 'dot', 'scaled_dot', 'general', 'concat', "
     "'location'. Received: score_mode='cosine'"),
    ("unknown_probability_fn", None, lambda: ka.BahdanauAttention(3, probability_fn="softmin"),
     ValueError, "`probability_fn` must be one of 'softmax', 'sparsemax', 'hardmax', "
     "'hard_straight_through' or a callable. Received: probability_fn='softmin'"),
    ("unknown_translator_encoder", None, lambda: Seq2SeqTranslator(10, 10, encoder="transformer"),
     ValueError, "`encoder` must be one of 'lstm', 'gru', 'simple'. "
     "Received: encoder='transformer'"),
    ("unknown_forecaster_encoder", None,
     lambda: TimeSeriesForecaster(window=6, num_features=2, encoder="tcn"),
     ValueError, "`encoder` must be one of 'lstm', 'gru', 'bilstm', 'bigru', 'simple'. "
     "Received: encoder='tcn'"),
    ("units_zero", None, lambda: ka.BahdanauAttention(0),
     ValueError, "`units` must be a positive integer. Received: units=0"),
    ("units_negative_translator", None, lambda: Seq2SeqTranslator(10, 10, units=-3),
     ValueError, "`units` must be a positive integer. Received: units=-3"),
    ("units_zero_forecaster", None, lambda: TimeSeriesForecaster(window=6, num_features=2, units=0),
     ValueError, "`units` must be a positive integer. Received: units=0"),
    ("memory_size_zero", None, lambda: ka.SelfAttentionRNNCell(5, memory_size=0),
     ValueError, "`memory_size` must be a positive integer. Received: memory_size=0"),
    # -- window larger than the memory ---------------------------------------------
    ("forecaster_window_longer_than_drivers", None,
     lambda: forecaster()({"drivers": ones(2, 4, 2), "past_target": ones(2, 5, 1)}),
     ValueError, "`drivers` must have shape (batch, 6, 2) (window, num_features). "
     "Received: drivers.shape=(2, 4, 2)"),
    ("location_memory_longer_than_units", None,
     lambda: ka.LuongAttention("location", units=4)(ones(1, 2, 3), ones(1, 6, 3)),
     ValueError, "score_mode='location' was built for memories of at most 4 positions "
     "(`units`). Received a memory of length 6"),
    ("series_shorter_than_window_plus_horizon", lambda d: series_csv(d / "s.csv"),
     lambda: ts.make_windows("s.csv", "y", window=25, horizon=10),
     ValueError, "The series has 30 rows, fewer than one window needs: protocol='nowcast' "
     "with window=25 and horizon=10 spans 34 rows (window + horizon - 1)."),
    # -- model inputs ----------------------------------------------------------------
    # One example's ids without the batch axis reached the encoder's LSTM
    # ("expected ndim=3, found ndim=2").
    ("translator_generate_1d_source_ids", None,
     lambda: translator().generate(np.array([5, 6, 7], "int32")),
     ValueError, "`source_ids` must have shape (batch, length): one row of ids per example. "
     "Received: source_ids.shape=(3,)"),
    # NaN pixels were captioned without a word by generate (fit refused them).
    ("captioner_generate_nan_images", None,
     lambda: small_captioner().generate(np.full((1, 16, 16, 1), np.nan, "float32"),
                                        max_length=3),
     ValueError, "`images` must not hold NaN or infinite values (they would propagate "
     "silently through the attention weights). Received: images[0, 0, 0, 0]=nan"),
    # The decoder's own inputs reached the backend: a loop's TensorArray
    # ("Cannot unstack 5 tensors ...") or the cell's MatMul.
    ("decoder_mask_length", None,
     lambda: luong_decoder()(ones(2, 3, 4), ones(2, 5, 8), mask=ones(2, 5, dtype=bool)),
     ValueError, "`mask` must have shape (batch, steps) = (2, 3), like `inputs`. "
     "Received: mask.shape=(2, 5)"),
    ("decoder_token_ids_without_embedding", None,
     lambda: luong_decoder()(ones(2, 3), ones(2, 5, 8)),
     ValueError, "`inputs` must have shape (batch, steps, input_dim): this decoder has no "
     "`embedding` for token ids. Received: inputs.shape=(2, 3)"),
    ("decoder_initial_state_size", None,
     lambda: luong_decoder()(ones(2, 3, 4), ones(2, 5, 8), initial_state=[ones(2, 7), ones(2, 7)]),
     ValueError, "`initial_state[0]` must have shape (batch, 8) (batch as `inputs`, 8: the "
     "state size of the wrapped LSTMCell). Received: initial_state[0].shape=(2, 7) with "
     "inputs.shape=(2, 3, 4)"),
    ("translator_batch_mismatch", None,
     lambda: translator()({"source_ids": ones(2, 3, dtype="int32"),
                           "target_ids": ones(3, 4, dtype="int32")}),
     ValueError, "`source_ids` and `target_ids` must have the same batch size. "
     "Received: source_ids.shape=(2, 3) and target_ids.shape=(3, 4)"),
    ("forecaster_batch_mismatch", None,
     lambda: forecaster()({"drivers": ones(2, 6, 2), "past_target": ones(3, 5, 1)}),
     ValueError, "`drivers` and `past_target` must have the same batch size. "
     "Received: drivers.shape=(2, 6, 2) and past_target.shape=(3, 5, 1)"),
    # -- vocabulary overflow -----------------------------------------------------------
    ("source_id_overflow", None,
     lambda: translator()({"source_ids": np.array([[5, 11]]), "target_ids": np.array([[2, 4]])}),
     ValueError, "`source_ids` must hold token ids in [0, 10) (source_vocabulary_size=10). "
     "Received: source_ids[0, 1]=11"),
    ("target_id_overflow", None,
     lambda: translator()({"source_ids": np.array([[5, 6]]), "target_ids": np.array([[2, 8]])}),
     ValueError, "`target_ids` must hold token ids in [0, 8) (target_vocabulary_size=8). "
     "Received: target_ids[0, 1]=8"),
    ("negative_id", None, lambda: translator().generate(np.array([[4, -1]])),
     ValueError, "`source_ids` must hold token ids in [0, 10) (source_vocabulary_size=10). "
     "Received: source_ids[0, 1]=-1"),
    ("vocabulary_longer_than_size", None,
     lambda: Seq2SeqTranslator(5, 8, source_vocabulary=["", "[UNK]", "[START]", "[END]", "a", "b"]),
     ValueError, "`source_vocabulary_size` must equal the length of `source_vocabulary`. "
     "Received: source_vocabulary_size=5 and a vocabulary of 6 tokens"),
    # -- text files --------------------------------------------------------------------
    ("empty_text_file", lambda d: write(d / "empty.txt", ""), lambda: load_text_pairs("empty.txt"),
     TextPairsError, "empty.txt: no sentence pairs found (the file is empty). "
     "Received: path='empty.txt'"),
    ("line_without_tab", lambda d: write(d / "p.txt", "Hi.\tHola.\nhello world\n"),
     lambda: load_text_pairs("p.txt"),
     TextPairsError, "p.txt:2: no tab between the two sentences; expected "
     "'english<TAB>translation[<TAB>attribution]'. Received: 'hello world'"),
    ("non_utf8_bytes", lambda d: write(d / "latin.txt", "Hi.\tOl\xe1.\n".encode("latin-1")),
     lambda: load_text_pairs("latin.txt"),
     TextPairsError, "latin.txt:1: not valid UTF-8 (invalid continuation byte at byte 6)"),
    ("pairs_split_leaves_no_training_pair", None,
     lambda: split_pairs([("a", "b"), ("c", "d")], 0.3, 0.3),
     ValueError, "`validation_fraction` and `test_fraction` leave no sentence pair for "
     "training: 2 distinct source sentences, 1 for validation and 1 for test. "
     "Received: validation_fraction=0.3, test_fraction=0.3"),
    ("vocabulary_max_size_below_4", None, lambda: Vocabulary.build([["a"]], max_size=3),
     ValueError, "`max_size` must be an integer >= 4 (the padding, OOV, start and end "
     "tokens take 4 ids), or None. Received: max_size=3"),
    # -- CSV series ------------------------------------------------------------------------
    ("csv_without_target", lambda d: series_csv(d / "s.csv", target=False),
     lambda: ts.make_windows("s.csv", "y"),
     ValueError, "`target` must be a column of the data. Received: target='y'; columns: a, b"),
    ("csv_nan_and_inf", lambda d: write(d / "s.csv", "a,b,y\n1,2,3\n,2,3\n4,inf,5\n6,7,8\n"),
     lambda: ts.make_windows("s.csv", "y", window=2),
     ValueError, "The data has non-numeric or missing values: column 'a' at rows 1; column "
     "'b' at rows 2. Fix them, choose other `features`, or pass `interpolate=True` to fill "
     "them by linear interpolation."),
    ("csv_non_numeric", lambda d: write(d / "s.csv", "a,y\n1,2\nx,3\n4,5\n"),
     lambda: ts.make_windows("s.csv", "y", window=2),
     ValueError, "The data has non-numeric or missing values: column 'a' at rows 1. Fix them, "
     "choose other `features`, or pass `interpolate=True` to fill them by linear "
     "interpolation."),
    ("series_split_leaves_empty_part", lambda d: series_csv(d / "s.csv"),
     lambda: ts.make_windows("s.csv", "y", window=5, split=(0.9, 0.1)),
     ValueError, "`split`=(0.9, 0.1) leaves no window in the 'test' part: it has rows 27–29 "
     "(3 rows) and one window with protocol='nowcast', window=5, horizon=1 spans 5 "
     "contiguous rows."),
    ("series_not_a_csv", lambda d: write(d / "s.txt", "a,y\n1,2\n"),
     lambda: ts.make_windows("s.txt", "y"),
     ValueError, "`data` must be a pandas DataFrame or the path of a .csv or .csv.xz file. "
     "Received: data='s.txt'"),
    # -- export ----------------------------------------------------------------------------
    ("export_unbuilt_model", None,
     lambda: export.export_tflite(Seq2SeqTranslator(10, 8, units=4, name="unbuilt"), "m.tflite"),
     ValueError, "The Seq2SeqTranslator is not built, so it has no weights to export. Call it "
     "once on data, fit it, or load a trained one (`keras_attention.models.load_model`) before "
     "exporting. Received: an unbuilt model 'unbuilt'"),
    ("export_unbuilt_saved_model", None,
     lambda: export.export_saved_model(Seq2SeqTranslator(10, 8, units=4, name="unbuilt"), "sm"),
     ValueError, "The Seq2SeqTranslator is not built, so it has no weights to export. Call it "
     "once on data, fit it, or load a trained one (`keras_attention.models.load_model`) before "
     "exporting. Received: an unbuilt model 'unbuilt'"),
    # A SavedModel path naming an existing file (a trained .keras model given
    # by mistake) replaced that file with the SavedModel folder.
    ("export_saved_model_over_a_file", lambda d: write(d / "model.keras", b"trained weights"),
     lambda: export.export_saved_model(built_forecaster(), "model.keras"),
     ValueError, re.compile(r"`path` must name a folder to write, but it is an existing file, "
                            r"which is never replaced. Received: path='.*/model\.keras'")),
    # -- loading something that is not a keras_attention model ------------------------------------
    ("load_random_bytes", lambda d: write(d / "m.keras", os.urandom(256)),
     lambda: load_ka_model("m.keras"),
     ValueError, "`path` is not a Keras model file (a .keras zip archive with a config.json). "
     "Received: path='m.keras'"),
    ("load_plain_keras_model", lambda d: plain_keras_model(str(d / "plain.keras")),
     lambda: load_ka_model("plain.keras"),
     ValueError, "`path` holds a Sequential object, not a keras_attention Seq2SeqTranslator, "
     "TimeSeriesForecaster or ImageCaptioner. Received: path='plain.keras'"),
    ("load_folder", lambda d: os.mkdir(d / "saved"), lambda: load_ka_model("saved"),
     ValueError, "`path` must be a .keras file, not a folder (load an exported SavedModel with "
     "`keras_attention.runtime` or `tf.saved_model.load`). Received: path='saved'"),
    ("load_missing", None, lambda: load_ka_model("nope.keras"),
     FileNotFoundError, "No model file at `path`. Received: path='nope.keras'"),
    ("load_truncated_weights", lambda d: truncated_keras_file(str(d / "cut.keras")),
     lambda: load_ka_model("cut.keras"),
     # The loader's reason follows (Keras' or h5py's words): matched as a prefix.
     ValueError, re.compile(re.escape("`path` holds a Seq2SeqTranslator that could not be loaded: "
                                      "the file is damaged or incomplete (") + r".*"
                            + re.escape("). Received: path='cut.keras'"))),
    # -- translate: lengths, text the vocabulary cannot read, wrong types ---------------------
    ("translate_max_length_huge", None,
     lambda: char_translator().translate("3 mar. 1998", max_length=10**9),
     ValueError, "`max_length` must be at most 152 (8 output tokens per source token + 64 for "
     "a source of 11 tokens): every decoding step has a buffer slot, so a larger value only "
     "costs memory. Received: max_length=1000000000"),
    ("generate_max_length_huge", None,
     lambda: translator().generate(np.array([[4, 5]]), max_length=10**9),
     ValueError, "`max_length` must be at most 80 (8 output tokens per source token + 64 for "
     "a source of 2 tokens): every decoding step has a buffer slot, so a larger value only "
     "costs memory. Received: max_length=1000000000"),
    ("export_max_length_huge", None,
     lambda: export.export_tflite(char_translator(), "m.tflite", max_length=10**9),
     ValueError, "`max_length` must be at most 4096 (the absolute cap 4096): every decoding "
     "step has a buffer slot, so a larger value only costs memory. "
     "Received: max_length=1000000000"),
    ("translate_only_spaces", None, lambda: char_translator().translate("   "),
     ValueError, "Input 0 of `texts_or_ids` is empty after normalisation: nothing to "
     "translate. Received: texts_or_ids[0]='   '"),
    ("translate_empty_string", None, lambda: char_translator().translate(""),
     ValueError, "Input 0 of `texts_or_ids` is empty after normalisation: nothing to "
     "translate. Received: texts_or_ids[0]=''"),
    ("translate_none", None, lambda: char_translator().translate(None),
     ValueError, "`texts_or_ids` must be a string, a list of strings or a list of token-id "
     "lists. Received: texts_or_ids=None"),
    ("translate_float_ids", None, lambda: char_translator().translate([[5.5, 6.1, 7.0]]),
     ValueError, "`texts_or_ids` must hold integer token ids. Received: "
     "texts_or_ids[0][0]=5.5"),
    ("generate_float_ids", None, lambda: translator().generate(np.array([[5.5, 6.1]])),
     ValueError, "`source_ids` must hold integer token ids. Received: dtype=float64 "
     "(e.g. source_ids[0, 0]=5.5)"),
    # -- NaN in model inputs ---------------------------------------------------------------------
    ("forecaster_fit_nan", None,
     lambda: compiled_forecaster().fit(nan_windows(), ones(3, 1), verbose=0),
     ValueError, '`x["drivers"]` must not hold NaN or infinite values (they would propagate '
     'silently through the attention weights). Received: x["drivers"][1, 2, 0]=nan'),
    ("forecaster_predict_nan", None,
     lambda: compiled_forecaster().predict(nan_windows(), verbose=0),
     ValueError, '`x["drivers"]` must not hold NaN or infinite values (they would propagate '
     'silently through the attention weights). Received: x["drivers"][1, 2, 0]=nan'),
    # Wrong shapes reach predict / fit / evaluate with the shape as given (a
    # traced shape would show None for the size at fault).
    ("forecaster_predict_wrong_features", None,
     lambda: predict_after_a_good_call(
         {"drivers": ones(3, 6, 3), "past_target": ones(3, 5, 1)}),
     ValueError, "`drivers` must have shape (batch, 6, 2) (window, num_features). "
     "Received: drivers.shape=(3, 6, 3)"),
    ("forecaster_fit_wrong_past_length", None,
     lambda: compiled_forecaster().fit(
         (ones(3, 6, 2), ones(3, 4, 1)), ones(3, 1), verbose=0),
     ValueError, "`past_target` must have 5 steps with protocol='nowcast' and window=6. "
     "Received: past_target.shape=(3, 4, 1)"),
    ("forecaster_evaluate_wrong_batch", None,
     lambda: compiled_forecaster().evaluate(
         {"drivers": ones(3, 6, 2), "past_target": ones(2, 5, 1)}, ones(3, 1), verbose=0),
     ValueError, "`drivers` and `past_target` must have the same batch size. Received: "
     "drivers.shape=(3, 6, 2) and past_target.shape=(2, 5, 1)"),
    # A past target of another rank, or of 2 series, was an IndexError
    # (1-D), Keras' wrapper around a RevIN message (4-D), or fitted without
    # a word by fit_linear (2 series).
    ("forecaster_predict_past_target_1d", None,
     lambda: compiled_forecaster().predict(
         {"drivers": ones(3, 6, 2), "past_target": ones(3)}, verbose=0),
     ValueError, "`past_target` must have shape (batch, 5) or (batch, 5, 1): the target's "
     "past values. Received: past_target.shape=(3,)"),
    ("forecaster_predict_past_target_4d", None,
     lambda: compiled_forecaster().predict(
         {"drivers": ones(3, 6, 2), "past_target": ones(3, 5, 1, 1)}, verbose=0),
     ValueError, "`past_target` must have shape (batch, 5) or (batch, 5, 1): the target's "
     "past values. Received: past_target.shape=(3, 5, 1, 1)"),
    ("forecaster_fit_linear_past_target_2_series", None,
     lambda: forecaster().fit_linear(
         {"drivers": ones(3, 6, 2), "past_target": ones(3, 5, 2)}, ones(3, 1)),
     ValueError, "`past_target` must have shape (batch, 5) or (batch, 5, 1): the target's "
     "past values. Received: past_target.shape=(3, 5, 2)"),
    ("forecaster_call_nan", None, lambda: forecaster()(nan_windows()),
     ValueError, "`drivers` must not hold NaN or infinite values (they would propagate "
     "silently through the attention weights). Received: drivers[1, 2, 0]=nan"),
    ("forecaster_fit_inf_target", None,
     lambda: compiled_forecaster().fit(
         {"drivers": ones(3, 6, 2), "past_target": ones(3, 5, 1)},
         np.array([[1.0], [np.inf], [0.0]], F), verbose=0),
     ValueError, "`y` must not hold NaN or infinite values (they would propagate silently "
     "through the attention weights). Received: y[1, 0]=inf"),
    # -- cells that cannot work as configured ----------------------------------------------------
    ("lstmn_dot_score", None,
     lambda: ka.SelfAttentionRNNCell(5, memory_size=3, cell_type="lstm", score_mode="dot"),
     ValueError, "score_mode='dot' cannot be used with cell_type='lstm': the LSTMN query "
     "[x_t; h̃] is wider than the stored states it is compared with, and a dot product needs "
     "equal sizes. Use score_mode='general', 'concat' or 'additive'. Received: "
     "cell_type='lstm', score_mode='dot'"),
    ("decoder_cell_in_keras_rnn", None,
     lambda: keras.layers.RNN(ka.AttentionDecoderCell(keras.layers.GRUCell(4),
                                                      ka.BahdanauAttention(4))),
     ValueError, "AttentionDecoderCell has no state size until it knows its memory, so it "
     "cannot run inside keras.layers.RNN by itself. Run it with "
     "keras_attention.layers.AttentionDecoder (teacher forcing, scheduled sampling) or a "
     "sampler (greedy/beam decoding), or call it step by step: cell.build(inputs_shape, "
     "memory_shape); memory = cell.prepare_memory(values, mask); states = "
     "cell.get_initial_state(batch_size, memory=memory); out, states, weights = cell(x, "
     "states, memory)."),
]


def snapshot(folder):
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = (
                None if os.path.isdir(path) else open(path, "rb").read()
            )
    return out


def core_message(error):
    """The message as raised (Keras wraps errors raised inside `call`)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    if text.startswith("Exception encountered when calling"):
        text = text.split("\n\n")[1]
    return text.strip()


@pytest.mark.parametrize(
    "setup, action, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_clearly_and_writes_nothing(
    setup, action, error, message, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        setup(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(error) as info:
        action()
    if isinstance(message, re.Pattern):
        assert message.fullmatch(core_message(info.value)), core_message(info.value)
    else:
        assert core_message(info.value) == message
    assert snapshot(tmp_path) == before


def test_tflite_conversion_needing_flex_ops_is_refused_and_writes_nothing(
    tmp_path, monkeypatch
):
    """`ops.argmax` on floats lowers to tf.BitwiseAnd, a Flex op (toolchain.md)."""
    model = translator()
    monkeypatch.setattr(
        GreedySampler, "_next_tokens", lambda self, logits: ops.argmax(logits, axis=-1)
    )
    (tmp_path / "old.tflite").write_bytes(b"previous complete export")
    before = snapshot(tmp_path)
    with pytest.raises(export.UnsupportedOpsError) as info:
        export.export_tflite(model, tmp_path / "old.tflite", endpoints_to_export=["translate_greedy"])
    assert info.value.ops == ["BitwiseAnd"]
    # The converter's own log follows this fixed part of the message.
    assert str(info.value).startswith(
        "TFLite conversion needs TensorFlow (Flex / Select TF) ops that LiteRT's builtin op "
        "set does not have, and keras_attention exports builtins only. Offending ops: "
        "BitwiseAnd. Typical causes: `keras.ops.argmax` on floats (use "
        "`ops.top_k(x, 1)[1][:, 0]`), a dynamic batch size inside a loop, string ops. "
        "Converter message (end):\n"
    )
    assert snapshot(tmp_path) == before


def test_local_window_wider_than_the_memory_covers_it():
    """Not an error: every position is in the window (global weights × Gaussian)."""
    rng = np.random.default_rng(0)
    query, value = rng.normal(size=(1, 2, 4)).astype(F), rng.normal(size=(1, 3, 4)).astype(F)
    local = ka.LuongAttention("dot", window=10, window_mode="local_m")
    _, w_local = local(query, value, return_attention_scores=True)
    _, w_global = ka.LuongAttention("dot")(query, value, return_attention_scores=True)
    distance = np.arange(3)[None, :] - np.arange(2)[:, None]  # j - p_i, p_i = i
    gaussian = np.exp(-(distance**2) / (2 * 5.0**2))  # sigma = window / 2
    np.testing.assert_allclose(
        ops.convert_to_numpy(w_local)[0], ops.convert_to_numpy(w_global)[0] * gaussian, rtol=1e-6
    )


# -- the LiteRT runtime ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_tflite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_tflite")
    model = char_translator()
    export.export_tflite(model, folder / "t.tflite", max_length=6,
                         endpoints_to_export=["translate_greedy", "encode", "decode_step"])
    return folder / "t.tflite", model.source_vocabulary_size


def _runtime():
    from keras_attention import runtime

    return runtime


def _truncated(path, folder):
    cut = folder / "cut.tflite"
    cut.write_bytes(path.read_bytes()[:1000])
    (folder / "cut.json").write_text(path.with_suffix(".json").read_text())
    return cut


RUNTIME_CASES = [
    ("missing_file", lambda rt, path, folder, size: rt.TFLiteTranslator(folder / "missing.tflite"),
     FileNotFoundError, "No .tflite file at `model_path`. Received: model_path='{folder}/missing.tflite'"),
    ("a_folder", lambda rt, path, folder, size: rt.load(folder),
     ValueError, "`model_path` must be a .tflite file, not a folder (a SavedModel folder runs "
     "with TensorFlow). Received: model_path='{folder}'"),
    ("truncated_file", lambda rt, path, folder, size: rt.TFLiteTranslator(_truncated(path, folder)),
     ValueError, re.compile(re.escape("`model_path` is not a readable .tflite model (truncated "
                                      "or not a LiteRT flatbuffer: ") + r".*\)\. Received: "
                            r"model_path='.*/cut\.tflite'")),
    ("id_out_of_range", lambda rt, path, folder, size: rt.TFLiteTranslator(path).generate([5, size]),
     ValueError, "`source_ids` must hold token ids in [0, {size}). Received: "
     "source_ids[0][1]={size}"),
    ("negative_id", lambda rt, path, folder, size: rt.TFLiteTranslator(path).generate([-1, 5]),
     ValueError, "`source_ids` must hold token ids in [0, {size}). Received: source_ids[0][0]=-1"),
    ("float_id", lambda rt, path, folder, size: rt.TFLiteTranslator(path).generate([5, 6.5]),
     ValueError, "`source_ids` must hold integer token ids. Received: source_ids[0][1]=6.5"),
    ("two_d_ids", lambda rt, path, folder, size: rt.TFLiteTranslator(path).generate([[5, 6], [7, 8]]),
     ValueError, "`source_ids` must be one sequence of token ids (a list or a 1-D array). "
     "Received: an array of shape (2, 2); pass the rows one at a time"),
    ("step_loop_max_length", lambda rt, path, folder, size:
     rt.TFLiteTranslator(path).generate_with_steps([5, 6], max_length=10**9),
     ValueError, "`max_length` must be an integer in [1, 4096]. Received: max_length=1000000000"),
    ("empty_text", lambda rt, path, folder, size: rt.TFLiteTranslator(path).translate(" "),
     ValueError, "Input 0 of `texts` is empty after normalisation: nothing to translate. "
     "Received: texts[0]=' '"),
    ("none_text", lambda rt, path, folder, size: rt.TFLiteTranslator(path).translate(None),
     ValueError, "`texts` must be a string, a list of strings or a list of token-id lists. "
     "Received: texts=None"),
]


@pytest.mark.parametrize(
    "action, error, message", [c[1:] for c in RUNTIME_CASES], ids=[c[0] for c in RUNTIME_CASES]
)
def test_runtime_refuses_bad_input_clearly(action, error, message, tiny_tflite, tmp_path):
    path, size = tiny_tflite
    with pytest.raises(error) as info:
        action(_runtime(), path, tmp_path, size)
    text = core_message(info.value)
    if isinstance(message, re.Pattern):
        assert message.fullmatch(text), text
    else:
        assert text == message.format(folder=tmp_path, size=size)
