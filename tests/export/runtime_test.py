"""keras_attention.runtime: LiteRT + numpy only, same answers as Keras."""

import pytest

from keras_attention import runtime
from keras_attention.data import text_utils
from tests.export.conftest import MAX_LENGTH
from tests.harness import run_in_fresh_process

TEXTS = [
    "¿Qué tal?  Très   bien, merci!",
    "Don't stop — it's 3.5% (or so).",
    "Ünïcödé ﬁne ①②  ＡＢＣ",
    "Tuesday, 3 March 1998",
    "the 21st of July, 2031",
    "  spaces\tand\nnewlines  ",
    "İstanbul ΟΔΟΣ straße",
    "",
]


@pytest.mark.parametrize("tokenization", ["word", "char"])
def test_tokenizer_is_the_library_tokenizer(tokenization):
    for text in TEXTS:
        tokens = text_utils.tokenize(text, tokenization)
        assert runtime.tokenize(text, tokenization) == tokens
        assert runtime.detokenize(tokens, tokenization) == text_utils.detokenize(
            tokens, tokenization
        )


def test_translate_matches_keras(date_model, date_exports, date_samples):
    translator = runtime.TFLiteTranslator(date_exports["tflite"])
    texts = date_samples[:20]
    expected = date_model.translate(texts, max_length=MAX_LENGTH)
    assert translator.translate(texts) == expected
    assert translator.translate(texts[0]) == expected[0]
    beam = date_model.translate(texts, sampler="beam", max_length=MAX_LENGTH)
    assert translator.translate(texts, method="beam") == beam
    text, attention = translator.translate(texts[0], return_attention=True)
    assert attention["weights"].shape == (
        len(attention["output_tokens"]), len(texts[0])
    )
    assert runtime.load(date_exports["tflite"]).__class__ is runtime.TFLiteTranslator


def test_runtime_errors(date_exports, tmp_path):
    translator = runtime.TFLiteTranslator(date_exports["tflite"])
    with pytest.raises(ValueError, match="method='sample'"):
        translator.generate([5, 6], method="sample")
    with pytest.raises(ValueError, match="no tokens"):
        translator.generate([0, 0])
    with pytest.raises(ValueError, match="has no signature 'predict'"):
        translator.runner("predict")
    size = translator.source_vocabulary_size
    with pytest.raises(ValueError, match=rf"token ids in \[0, {size}\). Received: source_ids\[0\]\[1\]={size}"):
        translator.generate([5, size])
    with pytest.raises(ValueError, match=r"Received: source_ids\[0\]\[0\]=-2"):
        translator.generate([-2, 5])
    with pytest.raises(ValueError, match=r"integer token ids. Received: source_ids\[0\]\[1\]=5.5"):
        translator.generate([5, 5.5])
    with pytest.raises(ValueError, match=r"one sequence of token ids .* shape \(2, 2\)"):
        translator.generate([[5, 6], [7, 8]])
    with pytest.raises(ValueError, match=r"`max_length` must be an integer in \[1, 4096\]. Received: max_length=1000000000"):
        translator.generate_with_steps([5, 6], max_length=10**9)
    with pytest.raises(ValueError, match="empty after normalisation.*Received: texts\\[0\\]='   '"):
        translator.translate("   ")
    # The model file is named first: what is missing is the model, not its sidecar.
    missing = tmp_path / "nothing.tflite"
    with pytest.raises(FileNotFoundError, match=f"No .tflite file at `model_path`. Received: model_path='{missing}'"):
        runtime.TFLiteTranslator(missing)
    with pytest.raises(ValueError, match="must be a .tflite file, not a folder.*Received: model_path="):
        runtime.load(tmp_path)
    truncated = tmp_path / "truncated.tflite"
    truncated.write_bytes(open(date_exports["tflite"], "rb").read()[:1000])
    (tmp_path / "truncated.json").write_text(
        open(date_exports["tflite"][: -len(".tflite")] + ".json").read()
    )
    with pytest.raises(ValueError, match=f"not a readable .tflite model.*Received: model_path='{truncated}'"):
        runtime.TFLiteTranslator(truncated)
    alone = tmp_path / "alone.tflite"
    alone.write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="No metadata for"):
        runtime.TFLiteTranslator(alone)


def test_runtime_file_imports_neither_tensorflow_nor_keras(date_exports, date_model,
                                                           date_samples):
    """The runtime folder copied alone, as on a device: no Keras, no TensorFlow."""
    import os
    import shutil

    device = os.path.join(os.path.dirname(date_exports["tflite"]), "device")
    shutil.rmtree(device, ignore_errors=True)
    shutil.copytree(os.path.dirname(runtime.__file__), os.path.join(device, "runtime"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    expected = date_model.translate(date_samples[:3], max_length=MAX_LENGTH)
    out = run_in_fresh_process(
        f"""
        import json, sys
        sys.path.insert(0, {device!r})
        import runtime as rt
        translator = rt.TFLiteTranslator({date_exports["tflite"]!r})
        texts = {date_samples[:3]!r}
        result = {{
            "greedy": translator.translate(texts),
            "steps": [translator.decode_ids(translator.generate_with_steps(
                translator.encode_text(t))["token_ids"]) for t in texts],
            "heavy": sorted(m for m in ("tensorflow", "keras", "keras_attention")
                            if m in sys.modules),
        }}
        print(json.dumps(result))
        """
    )
    import json

    result = json.loads(out.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["greedy"] == expected
    assert result["steps"] == expected
