"""Shared, session-scoped models and exports (each conversion costs seconds).

The date translator is trained briefly (a few hundred steps): its outputs are
not all correct dates, but its distributions are peaked like a real model's,
so the token comparisons exercise real decoding.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_attention import export  # noqa: E402
from keras_attention.data import Vocabulary, load_dates, to_model_arrays, tokenize  # noqa: E402
from keras_attention.models import (  # noqa: E402
    BeamSampler,
    Seq2SeqTranslator,
    TimeSeriesForecaster,
)

NUM_SAMPLES = 60
MAX_LENGTH = 14
BEAM_WIDTH = 4


@pytest.fixture(scope="session")
def date_data():
    splits = load_dates(train_size=4000, validation_size=0, test_size=NUM_SAMPLES, seed=7)
    src, tgt = splits["train"]
    source_vocab = Vocabulary.build([tokenize(s, "char") for s in src])
    target_vocab = Vocabulary.build([tokenize(t, "char") for t in tgt])
    return {"splits": splits, "source": source_vocab, "target": target_vocab}


@pytest.fixture(scope="session")
def date_model(date_data):
    keras.utils.set_random_seed(0)
    src, tgt = date_data["splits"]["train"]
    x, y = to_model_arrays(
        [date_data["source"].encode(tokenize(s, "char")) for s in src],
        [date_data["target"].encode(tokenize(t, "char"), add_start=True, add_end=True)
         for t in tgt],
        32,
        11,
    )
    model = Seq2SeqTranslator(
        embedding_dim=16,
        units=32,
        encoder="gru",
        attention="bahdanau",
        source_vocabulary=date_data["source"],
        target_vocabulary=date_data["target"],
        tokenization="char",
        seed=0,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=5.0))
    model.fit(x, y, batch_size=64, epochs=3, verbose=0)
    return model


@pytest.fixture(scope="session")
def date_samples(date_data):
    """The test dates: 60 texts of 8 to 28 characters."""
    return list(date_data["splits"]["test"][0])


@pytest.fixture(scope="session")
def date_exports(date_model, tmp_path_factory):
    """SavedModel, float32 / float16 / dynamic-range `.tflite` of the date model."""
    folder = tmp_path_factory.mktemp("date_exports")
    options = {"max_length": MAX_LENGTH, "sampler": BeamSampler(beam_width=BEAM_WIDTH)}
    paths = {"saved_model": str(folder / "dates"), "tflite": str(folder / "dates.tflite")}
    export.export_saved_model(date_model, paths["saved_model"], **options)
    export.export_tflite(date_model, paths["tflite"], **options)
    for q in ("float16", "dynamic_range"):
        paths[q] = str(folder / f"dates.{q}.tflite")
        export.export_tflite(date_model, paths[q], quantization=q, **options)
    return paths


def forecaster_data(model, n=24, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "drivers": rng.normal(size=(n, model.window, model.num_features)).astype("float32"),
        "past_target": rng.normal(size=(n, model.past_target_length, 1)).astype("float32"),
    }


def small_forecaster(units=8, **kwargs):
    keras.utils.set_random_seed(3)
    model = TimeSeriesForecaster(window=10, num_features=3, units=units, **kwargs)
    model.build()
    return model
