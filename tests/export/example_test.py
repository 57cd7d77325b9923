"""examples/export_and_run_tflite.py end to end (tiny translator trained there)."""

import importlib.util
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.example("export_and_run_tflite")
def test_example_exports_and_runs_both_model_kinds(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        "export_example", REPO / "examples" / "export_and_run_tflite.py"
    )
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    summary, forecaster = example.main(
        ["--translator", str(tmp_path / "missing.keras"), "--out-dir", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert "training a small date translator" in out
    assert summary["verification"]["passed"]
    for path in list(summary["paths"].values()) + list(forecaster.values()):
        assert os.path.exists(path), path
    assert "own loop" in out and "max |Δprediction|" in out
