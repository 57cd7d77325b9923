"""The monotonic options of the translation recipes: checked, passed on, recorded."""

import importlib.util
import json
import pathlib

import pytest

from keras_attention.recipes import configs
from keras_attention.recipes.options import ConfigError, parse_config

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("config_class, required", [
    (configs.DatesConfig, {}), (configs.PairsConfig, {"data": "pairs.txt"}),
])
def test_monotonic_options_parse(config_class, required):
    argv = [x for k, v in required.items() for x in (f"--{k}", v)]
    config = parse_config(config_class, argv + [
        "--attention", "mocha", "--monotonic-mode", "recursive", "--sigmoid-noise", "1",
        "--score-bias-init", "-2", "--chunk-size", "3"])
    assert (config.monotonic_mode, config.sigmoid_noise, config.score_bias_init,
            config.chunk_size) == ("recursive", 1.0, -2.0, 3)
    assert parse_config(config_class, argv).monotonic_mode is None


@pytest.mark.parametrize("kwargs, field, message", [
    (dict(attention="bahdanau", monotonic_mode="hard"), "monotonic_mode",
     "`monotonic_mode` applies to attention='bahdanau_monotonic' or 'luong_monotonic' or "
     "'mocha' only. Received: attention='bahdanau'"),
    (dict(attention="bahdanau_monotonic", chunk_size=3), "chunk_size",
     "`chunk_size` applies to attention='mocha' only. Received: "
     "attention='bahdanau_monotonic'"),
    (dict(attention="mocha", sigmoid_noise=-1.0), "sigmoid_noise", "must be >= 0, got -1.0"),
    (dict(attention="mocha", monotonic_mode="soft"), "monotonic_mode",
     "`monotonic_mode` must be one of 'recursive', 'parallel', 'hard'. "
     "Received: monotonic_mode='soft'"),
])
def test_monotonic_option_errors_name_the_option(kwargs, field, message):
    with pytest.raises(ValueError) as info:
        configs.DatesConfig(**kwargs)
    assert message in str(info.value)
    if isinstance(info.value, ConfigError):
        assert info.value.field == field


def test_command_line_message_names_the_flag(capsys):
    with pytest.raises(SystemExit):
        parse_config(configs.DatesConfig, ["--attention", "luong", "--chunk-size", "2"])
    assert "--chunk-size" in capsys.readouterr().err


@pytest.mark.slow
def test_translate_pairs_trains_mocha_and_records_its_options(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "translate_pairs", REPO / "examples" / "translate_pairs.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    lines = [f"I see {n} cats.\tVeo {n} gatos." for n in range(40)]
    data = tmp_path / "pairs.txt"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model, _ = example.main([
        "--data", str(data), "--epochs", "1", "--units", "16", "--embedding-dim", "8",
        "--batch-size", "16", "--verbose", "0", "--output-dir", str(tmp_path),
        "--name", "pairs", "--beam-width", "2", "--attention", "mocha",
        "--chunk-size", "3", "--sigmoid-noise", "1",
    ])
    layer = model.decoder.cell.attention
    assert type(layer).__name__ == "MonotonicChunkwiseAttention"
    assert (layer.chunk_size, layer.sigmoid_noise) == (3, 1.0)
    saved = json.loads((tmp_path / "pairs_metrics.json").read_text())
    assert saved["attention"] == "mocha" and saved["chunk_size"] == 3
    assert saved["sigmoid_noise"] == 1.0 and "monotonic_mode" not in saved
