"""The tuning examples run end to end (one tiny trial each)."""

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
@pytest.mark.example("tune_translator")
def test_tune_translator_searches_retrains_and_saves(tmp_path):
    output = tmp_path / "saved" / "tuned.keras"
    model, summary = load_example("tune_translator").main(
        [
            "--max-trials", "1", "--epochs", "1", "--final-epochs", "1",
            "--train-size", "128", "--validation-size", "16", "--test-size", "8",
            "--directory", str(tmp_path / "runs"), "--logdir", str(tmp_path / "logs"),
            "--output-dir", str(output.parent), "--name", output.stem,
        ]
    )
    saved = json.loads((tmp_path / "saved" / "tuned_search.json").read_text())
    assert saved["completed_trials"] == 1 and "attention" in saved["best_hyperparameters"]
    assert 0.0 <= saved["test_exact_match"] <= 1.0
    restored = keras.models.load_model(output)
    assert restored.get_config() == model.get_config()
    assert list((tmp_path / "logs" / "search").iterdir())
    if model.attention != "none":
        assert list((tmp_path / "logs" / "best" / "attention").iterdir())


@pytest.mark.slow
@pytest.mark.example("tune_forecaster")
def test_tune_forecaster_searches_retrains_and_saves(tmp_path):
    output = tmp_path / "tuned.keras"
    _, summary = load_example("tune_forecaster").main(
        [
            "--tuner", "bayesian", "--max-trials", "1", "--epochs", "1",
            "--final-epochs", "1", "--num-steps", "200",
            "--directory", str(tmp_path / "runs"), "--output-dir", str(tmp_path),
            "--name", "tuned",
        ]
    )
    assert summary["completed_trials"] == 1 and output.exists()
    assert not (tmp_path / "tuned.preprocessing.json").exists()  # the model holds it
    assert keras.models.load_model(output).preprocessor.target == "target"
    assert set(summary["test"]) == {"model", "naive", "linear"}
    assert summary["protocol"] == "nowcast"
