"""A model trained on JAX (or PyTorch) loads on TensorFlow and exports to TFLite.

The path a JAX user takes to the edge: `fit` on JAX, `model.save(".keras")`,
then, with TensorFlow, `keras.models.load_model` and
`keras_attention.export`. The TensorFlow side runs in a subprocess of
another Python that has TensorFlow: `$KERAS_ATTENTION_TF_PYTHON`, else the
repository's `.venv/bin/python` (made by `make test`). It must give the
training backend's outputs (greedy tokens exactly, forecasts to 1e-5) and
its `.tflite` file must emit the Keras tokens (`verify_export`).
"""

import json
import os
import subprocess
import textwrap

import keras
import numpy as np
import pytest

from keras_attention.data import Vocabulary
from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster
from tests.harness import to_numpy

BACKEND = keras.backend.backend()
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tensorflow_python():
    """A Python with TensorFlow and Keras, or None."""
    candidates = [
        os.environ.get("KERAS_ATTENTION_TF_PYTHON"),
        os.path.join(ROOT, ".venv", "bin", "python"),
    ]
    for python in candidates:
        if not python or not os.path.exists(python):
            continue
        probe = subprocess.run(
            [python, "-c", "import tensorflow, keras"],
            capture_output=True,
            timeout=120,
            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow"),
        )
        if probe.returncode == 0:
            return python
    return None


pytestmark = pytest.mark.skipif(
    BACKEND == "tensorflow",
    reason="trains on JAX or PyTorch and loads on TensorFlow (this run is TensorFlow)",
)


@pytest.fixture(scope="module")
def tf_python():
    python = tensorflow_python()
    if python is None:
        pytest.skip(
            "no Python with TensorFlow: set KERAS_ATTENTION_TF_PYTHON or run "
            "`make test` first (it creates .venv)"
        )
    return python


def run_on_tensorflow(python, code, timeout=600):
    env = dict(
        os.environ,
        KERAS_BACKEND="tensorflow",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONPATH=ROOT,
        TF_NUM_INTRAOP_THREADS="1",
        TF_NUM_INTEROP_THREADS="1",
    )
    result = subprocess.run(
        [python, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_translator_trained_here_exports_token_exact_from_tensorflow(tf_python, tmp_path):
    keras.utils.set_random_seed(0)
    vocab = Vocabulary.build([list("abcdefgh")])
    model = Seq2SeqTranslator(
        embedding_dim=8, units=12, source_vocabulary=vocab, target_vocabulary=vocab,
        tokenization="char", dropout=0.1, seed=1,
    )
    # Learn to copy short strings (a few steps: the point is trained weights).
    rng = np.random.default_rng(0)
    texts = ["".join(rng.choice(list("abcdefgh"), rng.integers(2, 6))) for _ in range(64)]
    ids = model.preprocessor.encode_sources(texts, argument="texts").ids
    length = max(map(len, ids))
    src = np.zeros((len(ids), length), "int32")
    for i, row in enumerate(ids):
        src[i, : len(row)] = row
    tgt_in = np.concatenate([np.full((len(ids), 1), 2), src], 1).astype("int32")
    labels = np.concatenate([src, np.zeros((len(ids), 1), "int32")], 1)
    for i, row in enumerate(ids):
        labels[i, len(row)] = 3
    model.compile(optimizer=keras.optimizers.Adam(0.02))
    model.fit({"source_ids": src, "target_ids": tgt_in}, labels, epochs=3, batch_size=16, verbose=0)
    path = tmp_path / "translator.keras"
    model.save(path)
    samples = ["abc", "hgfe", "a", "ddcb"]
    expected = {
        sampler: to_numpy(model.generate(
            model.preprocessor.pad(model.preprocessor.encode_sources(samples, argument="s").ids),
            sampler, max_length=8,
        )["token_ids"]).tolist()
        for sampler in ("greedy", "beam")
    }
    got = run_on_tensorflow(
        tf_python,
        f"""
        import json, keras, numpy as np
        import keras_attention
        from keras_attention import export
        model = keras.models.load_model({str(path)!r})
        samples = {samples!r}
        pre = model.preprocessor
        src = pre.pad(pre.encode_sources(samples, argument="s").ids)
        tokens = {{s: np.asarray(model.generate(src, s, max_length=8)["token_ids"]).tolist()
                  for s in ("greedy", "beam")}}
        tflite = {str(tmp_path / "translator.tflite")!r}
        export.export_tflite(model, tflite, max_length=8)
        report = export.verify_export(model, tflite, samples, raise_on_failure=False)
        print(json.dumps({{"tokens": tokens, "passed": report["passed"],
                          "results": [(r["endpoint"], r.get("token_mismatches"))
                                      for r in report["results"]]}}))
        """,
    )
    assert got["tokens"] == expected
    assert got["passed"], got["results"]
    endpoints = {name for name, _ in got["results"]}
    assert {"translate_greedy", "translate_beam"} <= endpoints
    assert all(mismatches == 0 for _, mismatches in got["results"] if mismatches is not None)


@pytest.mark.slow
def test_forecaster_trained_here_exports_from_tensorflow(tf_python, tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = {
        "drivers": rng.normal(size=(48, 6, 3)).astype("float32"),
        "past_target": rng.normal(size=(48, 5, 1)).astype("float32"),
    }
    y = (x["drivers"][:, -1, :1] + 0.5 * x["past_target"][:, -1]).astype("float32")
    y = np.repeat(y, 2, axis=1)
    model = TimeSeriesForecaster(6, 3, horizon=2, units=8, input_attention=True, dropout=0.1)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    path = tmp_path / "forecaster.keras"
    model.save(path)
    np.savez(tmp_path / "inputs.npz", **x)
    expected = to_numpy(model(x, training=False))
    got = run_on_tensorflow(
        tf_python,
        f"""
        import json, keras, numpy as np
        import keras_attention
        from keras_attention import export
        model = keras.models.load_model({str(path)!r})
        x = dict(np.load({str(tmp_path / "inputs.npz")!r}))
        forecast = np.asarray(model(x, training=False)).tolist()
        tflite = {str(tmp_path / "forecaster.tflite")!r}
        export.export_tflite(model, tflite)
        report = export.verify_export(model, tflite, x, raise_on_failure=False)
        print(json.dumps({{"forecast": forecast, "passed": report["passed"],
                          "diff": max(r["max_abs_prediction_diff"] for r in report["results"])}}))
        """,
    )
    np.testing.assert_allclose(np.array(got["forecast"]), expected, atol=1e-5)
    assert got["passed"] and got["diff"] <= 1e-4, got
