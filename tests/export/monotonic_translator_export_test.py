"""Monotonic-attention translators export to TFLite token-exact (greedy and beam).

Each model is a date translator trained for a moment (peaked distributions,
as in translator_export_test.py), exported with its four signatures and
compared with Keras by `verify_export` on 40 test dates of 8–28
characters: `translate_greedy`, `translate_beam` and the app's own greedy
loop over `encode` / `decode_step` (the alignment travels as
`attention_states`) must give the same tokens on every date.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_attention import export  # noqa: E402
from keras_attention.data import to_model_arrays, tokenize  # noqa: E402
from keras_attention.models import BeamSampler, Seq2SeqTranslator  # noqa: E402

pytestmark = pytest.mark.slow

CASES = {
    "bahdanau_monotonic": dict(attention="bahdanau_monotonic", sigmoid_noise=1.0),
    "luong_monotonic": dict(attention="luong_monotonic"),
    "mocha": dict(attention="mocha", chunk_size=3),
}
MAX_LENGTH = 14


@pytest.fixture(scope="module")
def trained(date_data):
    """{name: model} trained for 2 epochs on 3,000 dates."""
    src, tgt = date_data["splits"]["train"]
    src, tgt = src[:3000], tgt[:3000]
    x, y = to_model_arrays(
        [date_data["source"].encode(tokenize(s, "char")) for s in src],
        [date_data["target"].encode(tokenize(t, "char"), add_start=True, add_end=True)
         for t in tgt],
        32,
        11,
    )
    models = {}
    for name, kwargs in CASES.items():
        keras.utils.set_random_seed(0)
        model = Seq2SeqTranslator(
            embedding_dim=16, units=32, source_vocabulary=date_data["source"],
            target_vocabulary=date_data["target"], tokenization="char", seed=0, **kwargs,
        )
        model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=5.0))
        model.fit(x, y, batch_size=64, epochs=2, verbose=0)
        models[name] = model
    return models


@pytest.mark.parametrize("name", [*CASES, "bahdanau_monotonic_hard"])
def test_tflite_tokens_equal_keras_greedy_and_beam(name, trained, date_samples, tmp_path):
    if name.endswith("_hard"):
        model = trained[name.removesuffix("_hard")].with_monotonic_mode("hard")
    else:
        model = trained[name]
    samples = date_samples[:40]
    path = str(tmp_path / f"{name}.tflite")
    export.export_tflite(
        model, path, max_length=MAX_LENGTH, sampler=BeamSampler(beam_width=3)
    )
    report = export.verify_export(model, [path], samples, raise_on_failure=False)
    results = {r["endpoint"]: r for r in report["results"]}
    assert set(results) == {"translate_greedy", "translate_beam", "decode_step_loop"}
    for endpoint, r in results.items():
        assert r["samples"] == len(samples), r
        assert r["token_mismatches"] == 0, (endpoint, r)
        assert r["max_abs_score_diff"] < 1e-3, (endpoint, r)
        assert r["max_abs_attention_diff"] < 1e-3, (endpoint, r)
    assert report["passed"]
    # The model decodes real dates (not a degenerate constant), so the
    # comparison exercised varied alignments.
    out = model.translate(samples[:8], max_length=MAX_LENGTH)
    assert len(set(out)) > 1
    if name.endswith("_hard"):
        weights = model.translate(samples[:4], return_attention=True)[1]
        assert all(set(np.unique(w["weights"])) <= {0.0, 1.0} for w in weights)
