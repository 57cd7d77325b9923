"""examples/forecast.py runs end to end (tiny settings)."""

import importlib.util
import json
import pathlib

import keras
import numpy as np
import pytest

from keras_attention.data import timeseries as ts

REPO = pathlib.Path(__file__).resolve().parents[2]


def load_example():
    spec = importlib.util.spec_from_file_location("forecast", REPO / "examples" / "forecast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.example("forecast")
def test_forecast_example_on_the_embedded_series(tmp_path):
    record = load_example().main(
        [
            "--num-steps", "300", "--epochs", "1", "--units", "8", "--input-attention",
            "--encoder", "lstm", "--seeds", "0,1", "--output-dir", str(tmp_path),
        ]
    )
    for name in ("forecast.png", "temporal_attention.png", "input_attention.png", "model.keras"):
        assert (tmp_path / name).stat().st_size > 0, name
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["protocol"] == record["protocol"] == "nowcast"
    assert "protocol='nowcast'" in saved["description"]
    # The linear part alone (the untrained model) is recorded next to the
    # model and the baselines, with what validation chose.
    assert set(saved["summary"]) == {"model", "naive", "linear", "linear_part", "true_model"}
    # The embedded series' true model (its generating process), by hand on the
    # test rows: the same for every seed.
    frame = ts.synthetic_series(300)
    test_rows = np.arange(300 - saved["test_windows"], 300)
    noise = frame["target"].to_numpy()[test_rows] - ts.synthetic_true_forecast(frame)[test_rows]
    true_model = saved["summary"]["true_model"]["rmse"]
    assert true_model["mean"] == pytest.approx(np.sqrt(np.mean(noise**2)), rel=1e-6)
    assert true_model["std"] == 0
    assert len(saved["runs"]) == 2
    for run in saved["runs"]:
        assert run["val_loss_kept"] <= run["val_loss_initial"]
        assert run["linear_fit"]["refit_on_validation"]
        assert set(run["linear_fit"]) >= {"l2", "level_l2", "smooth_l2"}
    assert saved["model_config"]["highway"] and saved["model_config"]["residual"]
    assert all(r["results"]["model"]["protocol"] == "nowcast" for r in saved["runs"])
    restored = keras.models.load_model(tmp_path / "model.keras")
    assert restored.protocol == "nowcast" and restored.input_attention


@pytest.mark.slow
@pytest.mark.example("forecast")
def test_forecast_example_on_a_csv_file_with_the_forecast_protocol(tmp_path):
    csv = tmp_path / "series.csv"
    ts.synthetic_series(200).rename(columns={"target": "load"}).to_csv(csv, index=False)
    record = load_example().main(
        [
            "--data", str(csv), "--target", "load", "--protocol", "forecast",
            "--horizon", "2", "--epochs", "1", "--units", "8", "--attention", "luong",
            "--split", "0.6,0.2,0.2", "--output-dir", str(tmp_path / "out"), "--no-plots",
        ]
    )
    assert record["protocol"] == "forecast"
    assert record["test_windows"] == 40 - 10 - 2 + 1
    assert np.isfinite(record["summary"]["model"]["rmse"]["mean"])
    assert not (tmp_path / "out" / "forecast.png").exists()


@pytest.mark.slow
@pytest.mark.example("forecast")
def test_forecast_example_resumes_from_checkpoint_dir_and_logs_attention_images(
    tmp_path, monkeypatch
):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from keras_attention import training

    example = load_example()
    args = [
        "--num-steps", "300", "--units", "8", "--no-plots",
        "--output-dir", str(tmp_path / "out"), "--checkpoint-dir", str(tmp_path / "ckpt"),
    ]
    # A first run that "dies" after its first epoch: its backup stays behind.
    monkeypatch.setattr(training.BackupAndRestore, "on_train_end", lambda self, logs=None: None)
    example.main(args + ["--epochs", "1"])
    assert json.loads((tmp_path / "ckpt" / "seed-0" / "checkpoint.json").read_text())["epoch"] == 1
    monkeypatch.undo()
    # The same command with 3 epochs trains only epochs 2 and 3, then cleans up.
    record = example.main(args + ["--epochs", "3", "--logdir", str(tmp_path / "logs")])
    assert record["runs"][0]["epochs"] == 2
    assert not (tmp_path / "ckpt" / "seed-0").exists()
    accumulator = EventAccumulator(
        str(tmp_path / "logs" / "seed-0" / "attention"), size_guidance={"tensors": 0}
    ).Reload()
    tags = accumulator.Tags()["tensors"]
    assert tags and all("attention" in t for t in tags), tags
    steps = {e.step for t in tags for e in accumulator.Tensors(t)}
    assert steps == {1, 2}  # the epochs this run trained (0-based)
