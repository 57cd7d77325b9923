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
    with pytest.raises(FileNotFoundError, match="No metadata"):
        runtime.TFLiteTranslator(tmp_path / "nothing.tflite")


def test_runtime_file_imports_neither_tensorflow_nor_keras(date_exports, date_model,
                                                           date_samples):
    """Loaded by path, as on a device: the package __init__ (Keras) never runs."""
    expected = date_model.translate(date_samples[:3], max_length=MAX_LENGTH)
    out = run_in_fresh_process(
        f"""
        import importlib.util, json, sys
        spec = importlib.util.spec_from_file_location("runtime", {runtime.__file__!r})
        rt = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(rt)
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
