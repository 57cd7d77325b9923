"""The captioner on the command line: `train caption` (a real process), then
`caption`, `evaluate`, `plot-attention` and `export` on the model it wrote."""

import json

import keras
import numpy as np
import pytest

from keras_attention import cli
from keras_attention.models import load_model
from keras_attention.recipes import configs
from tests.cli_test import assert_quiet, load_example, outputs, run

TINY = ["--epochs", "1", "--train-size", "256", "--validation-size", "0", "--test-size", "20",
        "--long-size", "5", "--conv-filters", "8,8,8", "--conv-pools", "2,2,2", "--units", "16",
        "--embedding-dim", "8", "--attention-units", "8", "--no-export"]


@pytest.fixture(scope="module")
def captioner(tmp_path_factory):
    folder = tmp_path_factory.mktemp("caption")
    proc = run("train", "caption", *TINY, "--output-dir", folder, "--name", "cap")
    return folder / "cap.keras", proc


def test_example_and_command_line_parse_to_the_same_configuration():
    assert load_example("caption_digits").parse_args([]) == configs.CaptionConfig()
    config = load_example("caption_digits").parse_args(["--attention", "hard"])
    assert config == configs.CaptionConfig(attention="hard")


def test_train_caption_help_and_bad_option(capsys):
    assert cli.main(["train", "caption", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--attention {soft,hard,none}" in text and "keras-attention train caption" in text
    assert cli.main(["train", "caption", "--conv-pools", "2,2"]) != 0
    err = capsys.readouterr().err
    assert "--conv-pools" in err and "'2,2'" in err


@pytest.mark.slow
def test_train_then_caption_npy_and_png(captioner, tmp_path, capsys):
    path, train = captioner
    assert_quiet(train.stderr)
    assert "Test (1-5 digits): exact match" in train.stdout
    metrics = json.loads(path.with_name("cap_metrics.json").read_text())
    assert "localisation" in metrics["test"]  # None when nothing was emitted
    listed = outputs(train.stdout)
    assert str(path) in listed and str(path.with_name("cap_attention.png")) in listed
    model = load_model(path)
    assert model.family == "captioner"
    images = np.random.default_rng(0).uniform(size=(3, 32, 96, 1)).astype("float32")
    npy = tmp_path / "three.npy"
    np.save(npy, images)
    demo = path.with_name("cap_demo.png")
    assert cli.main(["caption", "--model", str(path), str(npy), str(demo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = model.caption(images) + [model.caption(str(demo))]
    assert lines == expected
    out = tmp_path / "captions.txt"
    assert cli.main(["caption", "--model", str(path), "--sampler", "beam", str(npy),
                     "--output", str(out)]) == 0
    assert out.read_text().splitlines() == model.caption(images, sampler="beam")
    assert cli.main(["caption", "--model", str(path), str(tmp_path / "missing.png")]) != 0
    assert "missing.png" in capsys.readouterr().err


@pytest.mark.slow
def test_evaluate_plot_and_export_a_captioner(captioner, tmp_path, capsys):
    path, _ = captioner
    report = tmp_path / "eval.json"
    assert cli.main(["evaluate", "--model", str(path), "--limit", "20", "--long-size", "5",
                     "--output", str(report)]) == 0
    out = capsys.readouterr().out
    assert "Test (1-5 digits): exact match" in out
    results = json.loads(report.read_text())
    assert results["test"]["n"] == 20 and results["six_digits"]["n"] == 5
    # The same test canvases as training evaluated (same data seed, first 20).
    trained = json.loads(path.with_name("cap_metrics.json").read_text())
    assert results["test"]["exact_match"] == pytest.approx(trained["test"]["exact_match"])

    png = tmp_path / "att.png"
    assert cli.main(["plot-attention", "--model", str(path), "--input",
                     str(path.with_name("cap_demo.png")), "--output", str(png)]) == 0
    assert outputs(capsys.readouterr().out) == [str(png)]
    assert keras.utils.load_img(png).size[0] == 640

    proc = run("export", "--model", path, "--output-dir", tmp_path, "--name", "cap",
               "--max-length", "8")
    assert "passed" in proc.stdout
    from keras_attention.runtime import TFLiteCaptioner

    demo = str(path.with_name("cap_demo.png"))
    assert TFLiteCaptioner(str(tmp_path / "cap.tflite")).caption(demo) == (
        load_model(path).caption(demo, max_length=8))
