"""examples/caption_digits.py runs end to end (tiny settings)."""

import importlib.util
import json
import pathlib

import keras
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def load_example():
    spec = importlib.util.spec_from_file_location(
        "caption_digits", REPO / "examples" / "caption_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.example("caption_digits")
def test_caption_digits_example_tiny(tmp_path):
    model, results = load_example().main([
        "--epochs", "1", "--train-size", "256", "--validation-size", "0",
        "--test-size", "20", "--long-size", "5", "--conv-filters", "8,8,8",
        "--conv-pools", "2,2,2", "--units", "16", "--embedding-dim", "8",
        "--attention-units", "8", "--output-dir", str(tmp_path), "--verbose", "0",
    ])
    for suffix in (".keras", "_demo.png", "_attention.png", "_metrics.json", ".tflite"):
        assert (tmp_path / f"digit_captioner{suffix}").stat().st_size > 0, suffix
    saved = json.loads((tmp_path / "digit_captioner_metrics.json").read_text())
    assert saved["test"]["n"] == 20 and saved["six_digits"]["n"] == 5
    assert set(saved["test"]) >= {"exact_match", "digit_accuracy", "exact_by_length",
                                  "localisation"}
    assert saved["export"]["verified"] is True
    assert results["attention"] == "soft"
    restored = keras.models.load_model(tmp_path / "digit_captioner.keras")
    assert restored.get_config() == model.get_config()
