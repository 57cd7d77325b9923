"""The translation examples run end to end (tiny settings)."""

import importlib.util
import json
import pathlib

import keras
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.example("translate_dates")
def test_translate_dates_runs_saves_and_reloads(tmp_path):
    example = load_example("translate_dates")
    output = tmp_path / "dates.keras"
    metrics = tmp_path / "dates_metrics.json"
    model, results = example.main(
        [
            "--train-size", "512", "--validation-size", "64", "--test-size", "64",
            "--epochs", "1", "--units", "16", "--embedding-dim", "8", "--verbose", "0",
            "--output-dir", str(tmp_path), "--name", "dates",
        ]
    )
    assert output.exists() and (tmp_path / "dates_attention.png").exists()
    assert (tmp_path / "dates.tflite").exists() and results["export"]["verified"]
    saved = json.loads(metrics.read_text())
    assert saved["test_examples"] == 64 and 0.0 <= saved["test_exact_match"] <= 1.0
    restored = keras.models.load_model(output)
    assert restored.translate(["3 mar. 1998"]) == model.translate(["3 mar. 1998"])


@pytest.mark.slow
@pytest.mark.example("translate_pairs")
def test_translate_pairs_runs_on_an_anki_file(tmp_path):
    example = load_example("translate_pairs")
    lines = [f"I see {n} cats.\tVeo {n} gatos.\tCC-BY" for n in range(40)]
    lines += [f"I have {n} dogs.\tTengo {n} perros." for n in range(40)]
    data = tmp_path / "pairs.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "pairs_metrics.json"
    _, results = example.main(
        [
            "--data", str(data), "--epochs", "1", "--units", "16", "--embedding-dim", "8",
            "--batch-size", "16", "--verbose", "0", "--output-dir", str(tmp_path),
            "--name", "pairs", "--beam-width", "2",
        ]
    )
    assert (tmp_path / "pairs.keras").exists()
    saved = json.loads(out.read_text())
    assert saved["pairs"]["test"] == results["test_pairs"] > 0
    assert [r["bucket"] for r in saved["bleu_by_length"]] == ["1–9", "10–14", "15–19", "20+"]
    assert 0.0 <= saved["bleu"] <= 100.0
