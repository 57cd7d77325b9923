"""The `keras-attention` command line, run as users run it (subprocesses).

One tiny translator and one tiny forecaster are trained once per module
(`train translate`, `train forecast`) and shared by the commands that use
them: translate -> evaluate -> export -> plot-attention, forecast ->
evaluate. Cheap checks (help texts, some errors) call `cli.main` in-process;
the exit status, the stderr format (no TensorFlow start-up lines), the
entry points and the start-up without TensorFlow are checked with real
processes, which do not inherit the test session's TF_CPP_MIN_LOG_LEVEL.
"""

import dataclasses
import importlib.util
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys

import keras
import numpy as np
import pandas as pd
import pytest

from keras_attention import cli
from keras_attention.data import timeseries as ts
from keras_attention.models import BeamSampler, load_model
from keras_attention.recipes import configs
from keras_attention.recipes.families import FAMILIES

REPO = pathlib.Path(__file__).resolve().parents[1]
# The command line must quiet TensorFlow by itself: no log level from here.
ENV = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
ENV.update(KERAS_BACKEND="tensorflow", PYTHONPATH=str(REPO))
# What TensorFlow and CUDA print at start-up unless silenced (issue 15).
STARTUP_NOISE = ("absl::InitializeLog", "cuInit", "oneDNN", "cpu_feature_guard",
                 "cudart_stub", "XNNPACK")
COMMANDS = [
    ["train", "translate"], ["train", "forecast"], ["translate"], ["forecast"],
    ["evaluate"], ["export"], ["tune", "translate"], ["tune", "forecast"],
    ["plot-attention"],
]


def run(*args, cwd=None, check=True, stdin=None):
    """`python -m keras_attention ARGS`; returns the CompletedProcess."""
    proc = subprocess.run(
        [sys.executable, "-m", "keras_attention", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=ENV, input=stdin, timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"exit status {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return proc


def assert_quiet(stderr):
    noise = [line for line in stderr.splitlines() if any(n in line for n in STARTUP_NOISE)]
    assert not noise, stderr


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("keras-attention: error:")]


def outputs(stdout):
    """The paths listed after the final 'Outputs:' line."""
    lines = stdout.splitlines()
    start = max(i for i, line in enumerate(lines) if line == "Outputs:")
    return [line.strip().rstrip("/") for line in lines[start + 1 :]]


@pytest.fixture(scope="module")
def translator(tmp_path_factory):
    out = tmp_path_factory.mktemp("translator")
    proc = run(
        "train", "translate", "--train-size", 64, "--validation-size", 16,
        "--test-size", 16, "--batch-size", 32, "--epochs", 1, "--units", 8,
        "--embedding-dim", 8, "--attention", "luong", "--score-mode", "general",
        "--no-export", "--output-dir", out,
    )
    return out / "date_translator.keras", proc


@pytest.fixture(scope="module")
def forecaster(tmp_path_factory):
    out = tmp_path_factory.mktemp("forecaster")
    proc = run(
        "train", "forecast", "--num-steps", 200, "--epochs", 1, "--units", 8,
        "--output-dir", out,
    )
    return out / "model.keras", proc


@pytest.fixture(scope="module")
def series_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("series") / "series.csv"
    ts.synthetic_series(40, seed=3).to_csv(path, index=False)
    return path


# -- help, version, defaults ------------------------------------------------------
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_of_every_command_has_examples(command, capsys):
    assert cli.main([*command, "--help"]) == 0
    text = capsys.readouterr().out
    assert f"usage: keras-attention {' '.join(command)}" in text
    examples = text.split("Examples:\n", 1)[1].splitlines()
    assert examples[0].startswith(f"  keras-attention {command[0]}")


def test_version_and_help_of_the_console_script():
    script = pathlib.Path(sys.executable).parent / "keras-attention"
    if not script.exists():
        pytest.skip("the console script is not installed (pip install -e .)")
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, env=ENV)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"keras-attention {cli.version()}"


def test_help_shows_the_recipes_defaults(capsys):
    """Option defaults come from the configuration dataclasses (declared
    once), and an example script parses the same options to the same
    configuration: a command line and the script train the same model."""
    parser = cli.build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "translate", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 64 with dates, 256 with a pairs file)" in text  # --units
    for name, config in (
        ("translate_dates", configs.DatesConfig()),
        ("translate_pairs", configs.PairsConfig(data="x")),
        ("forecast", configs.ForecastConfig()),
        ("tune_translator", configs.TuneTranslatorConfig()),
        ("tune_forecaster", configs.TuneForecasterConfig()),
    ):
        argv = ["--data", "x"] if name == "translate_pairs" else []
        assert load_example(name).parse_args(argv) == config, name
    # Every `train` / `tune` command offers every field of its family's configurations.
    for family in FAMILIES.values():
        for command in ("train", "tune"):
            dests = {a.dest for a in subparser(parser, command, family.task)._actions}
            for config_class in getattr(family, command).configs:
                fields = {f.name for f in dataclasses.fields(config_class)}
                assert fields <= dests, (command, family.name, fields - dests)


def subparser(parser, *words):
    for word in words:
        parser = parser._subparsers._group_actions[0].choices[word]
    return parser


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"cli_{name}", REPO / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documented_command_lines():
    """Every `keras-attention ...` line of docs/cli.md, README.md and the --help examples."""
    lines = []
    for page in (REPO / "docs" / "cli.md", REPO / "README.md"):
        for block in re.findall(r"```sh\n(.*?)```", page.read_text(), flags=re.S):
            lines += [line.split("| ")[-1] for line in block.splitlines()]
    parser = cli.build_parser()
    for action in parser._subparsers._group_actions[0].choices.values():
        parsers = [action]
        if action._subparsers is not None:
            parsers = list(action._subparsers._group_actions[0].choices.values())
        for p in parsers:
            lines += p.epilog.split("Examples:\n", 1)[1].splitlines()
    lines += parser.epilog.split("Examples:\n", 1)[1].splitlines()
    return [line.strip() for line in lines if line.strip().startswith("keras-attention ")]


def test_documented_command_lines_parse():
    """docs/cli.md, the README and the --help examples use options that exist."""
    lines = documented_command_lines()
    assert len(lines) > 40
    for line in lines:
        argv = shlex.split(line, comments=True)[1:]
        if {"--help", "--version"} & set(argv):
            continue
        args = cli.build_parser().parse_args(argv)  # raises UsageError if not
        assert callable(args.func), line


def test_the_cli_starts_without_tensorflow():
    """Importing the CLI, building every parser and every --help stay
    without Keras and TensorFlow (issue 15: --version and --help at once)."""
    code = (
        "import contextlib, io, sys\n"
        "import keras_attention.cli as cli\n"
        "parser = cli.build_parser()\n"
        f"for argv in {[[*c, '--help'] for c in COMMANDS] + [['--version'], ['--help']]!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        assert cli.main(argv) == 0, argv\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'keras_tuner') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert proc.stderr == ""


# -- translator chain -------------------------------------------------------------
@pytest.mark.slow
def test_train_translate_writes_a_model_that_loads(translator):
    path, proc = translator
    assert_quiet(proc.stderr)
    assert "Test exact match:" in proc.stdout
    assert "loss:" in proc.stdout  # Keras progress (one line per epoch in a pipe)
    listed = outputs(proc.stdout)
    assert listed == [str(path), str(path.with_name("date_translator_attention.png")),
                      str(path.with_name("date_translator_metrics.json"))]
    metrics = json.loads(path.with_name("date_translator_metrics.json").read_text())
    assert metrics["train_size"] == 64 and metrics["test_examples"] == 16
    assert 0.0 <= metrics["test_exact_match"] <= 1.0
    model = load_model(path)
    assert model.units == 8 and (model.attention, model.score_mode) == ("luong", "general")


@pytest.mark.slow
def test_translate_a_file_with_beam_search_and_text_arguments(translator, tmp_path, capsys):
    path, _ = translator
    texts = ["3 mar. 1998", "Tuesday, 3 March 1998", "03/03/98"]
    (tmp_path / "in.txt").write_text("\n".join(texts[:2]) + "\n\n" + texts[2] + "\n")
    proc = run(
        "translate", "--model", path, "--input", tmp_path / "in.txt", "--output",
        tmp_path / "out.txt", "--sampler", "beam", "--beam-width", 3,
    )
    assert outputs(proc.stdout) == [str(tmp_path / "out.txt")]
    assert "3/3 sentences (100%" in proc.stderr  # the corpus progress
    assert_quiet(proc.stderr)
    model = load_model(path)
    got = (tmp_path / "out.txt").read_text().splitlines()
    expected = model.translate(texts, sampler=BeamSampler(3))
    assert got == expected[:2] + [""] + expected[2:]  # line for line, blank kept
    # Text arguments, greedy, translations on stdout.
    assert cli.main(["translate", "--model", str(path), *texts[:2]]) == 0
    assert capsys.readouterr().out.splitlines() == model.translate(texts[:2])


@pytest.mark.slow
def test_evaluate_a_translator_on_unseen_dates(translator, tmp_path):
    path, _ = translator
    report = tmp_path / "eval.json"
    proc = run("evaluate", "--model", path, "--limit", 12, "--output", report)
    assert "Exact match:" in proc.stdout and "12 unseen test dates" in proc.stdout
    assert outputs(proc.stdout) == [str(report)]
    results = json.loads(report.read_text())
    assert results["examples"] == 12 and results["sampler"] == "greedy"
    # The reported score is the model's on exactly those dates.
    from keras_attention.data import load_dates

    sources, targets = load_dates(train_size=20000, validation_size=1000, test_size=12)["test"]
    hypotheses = load_model(path).translate(sources)
    expected = np.mean([h == t for h, t in zip(hypotheses, targets, strict=True)])
    assert results["exact_match"] == pytest.approx(expected)
    assert len(results["errors"]) == round((1 - expected) * 12)


@pytest.mark.slow
def test_export_a_translator_and_run_the_tflite_file(translator, tmp_path):
    path, _ = translator
    samples = tmp_path / "samples.txt"
    samples.write_text("3 mar. 1998\n03/03/98\n")
    proc = run("export", "--model", path, "--output-dir", tmp_path, "--name", "dates",
               "--samples", samples)
    assert "Verified on 2 samples: passed" in proc.stdout
    assert_quiet(proc.stderr)
    assert outputs(proc.stdout) == [
        str(tmp_path / "dates"), str(tmp_path / "dates.tflite"),
        str(tmp_path / "dates.json"),
    ]
    from keras_attention.runtime import TFLiteTranslator

    text = "3 mar. 1998"  # max_length: the export's default
    assert TFLiteTranslator(str(tmp_path / "dates.tflite")).translate(text) == (
        load_model(path).translate(text, max_length=50)
    )


@pytest.mark.slow
def test_plot_attention_of_two_texts(translator, tmp_path, capsys):
    path, _ = translator
    png = tmp_path / "att.png"
    assert cli.main(["plot-attention", "--model", str(path), "3 mar. 1998",
                     "03/03/98", "--output", str(png)]) == 0
    written = [tmp_path / "att_1.png", tmp_path / "att_2.png"]
    assert outputs(capsys.readouterr().out) == [str(p) for p in written]
    for p in written:
        image = keras.utils.load_img(p)
        assert image.size == (640, 480)


# -- forecaster chain -------------------------------------------------------------
@pytest.mark.slow
def test_train_forecast_then_forecast_a_csv(forecaster, series_csv, tmp_path):
    path, train = forecaster
    assert_quiet(train.stderr)
    assert "test RMSE" in train.stdout and "loss:" in train.stdout
    # The model holds its preprocessing (columns, fitted scaler): no sidecar.
    assert not path.with_name("model.preprocessing.json").exists()
    from keras_attention.recipes.forecast_data import _config_of

    config = _config_of(load_model(path))
    assert config["target"] == "target" and config["window"] == 10

    predictions = tmp_path / "predictions.csv"
    proc = run("forecast", "--model", path, "--input", series_csv, "--output", predictions)
    assert outputs(proc.stdout) == [str(predictions)]
    table = pd.read_csv(predictions)
    assert list(table.columns) == ["row", "step", "target", "target_predicted"]
    assert table["row"].tolist() == list(range(9, 40))  # nowcast: T - 1 … N - 1
    np.testing.assert_allclose(table["target"], pd.read_csv(series_csv)["target"][9:].to_numpy())
    # The same numbers as the model on windows scaled with the training scaler.
    from keras_attention.data.prediction_windows import prediction_windows

    series = prediction_windows(series_csv, config)
    model = load_model(path)
    expected = series.inverse_target(model.predict(series["test"].inputs, verbose=0))
    np.testing.assert_allclose(table["target_predicted"], expected[:, 0], rtol=1e-5)


@pytest.mark.slow
def test_evaluate_a_forecaster_with_baselines(forecaster, tmp_path, capsys):
    path, train = forecaster
    report = tmp_path / "eval.json"
    assert cli.main(["evaluate", "--model", str(path), "--output", str(report)]) == 0
    out = capsys.readouterr().out
    assert "protocol: nowcast" in out and outputs(out) == [str(report)]
    results = json.loads(report.read_text())["results"]
    # The embedded series also gets its true model (the floor), as in training.
    assert set(results) == {"model", "naive", "linear", "true_model"}
    # Same test part, same numbers as the training run reported.
    trained = json.loads(path.with_name("metrics.json").read_text())["summary"]
    for name in results:
        assert results[name]["rmse"] == pytest.approx(trained[name]["rmse"]["mean"], rel=1e-5)
    assert results["linear"]["rmse"] < results["naive"]["rmse"]  # the series is linear


def assert_evaluate_reads_columns_by_name(model_path, frame, missing, tmp_path, capsys):
    """`evaluate --data` scores a CSV with the model's columns in the file's
    order and reversed alike, and refuses one without the column `missing`
    by name, before its length is checked. Returns the refusal's line."""
    rmse = {}
    for name, columns in (("in_order", list(frame.columns)),
                          ("reversed", list(reversed(frame.columns)))):
        csv, report = tmp_path / f"{name}.csv", tmp_path / f"{name}.json"
        frame[columns].to_csv(csv, index=False)
        args = ["evaluate", "--model", str(model_path), "--data", str(csv),
                "--output", str(report)]
        assert cli.main(args) == 0
        rmse[name] = json.loads(report.read_text())["results"]["model"]["rmse"]
    # The driving series go to the model by name, not in the file's order.
    assert rmse["reversed"] == pytest.approx(rmse["in_order"], rel=1e-6)
    capsys.readouterr()
    short = tmp_path / "short.csv"
    frame.drop(columns=missing).head(5).to_csv(short, index=False)
    assert cli.main(["evaluate", "--model", str(model_path), "--data", str(short)]) == 1
    (line,) = error_lines(capsys.readouterr().err)
    assert f"argument --data: {short} has no column {missing!r}" in line
    return line


@pytest.mark.slow
def test_evaluate_on_a_csv_reads_the_models_columns_by_name(forecaster, tmp_path, capsys):
    path, _ = forecaster
    line = assert_evaluate_reads_columns_by_name(
        path, ts.synthetic_series(200), "x2", tmp_path, capsys)
    assert "has no column 'x2' (driving series: x1,x2,x3,x4); columns: x1, x3, x4, target" in line


@pytest.mark.slow
def test_evaluate_reads_a_column_whose_name_holds_a_comma(tmp_path, capsys):
    # The model's columns reach the data by name even where `--features`
    # (comma-separated) could not name them: the file order came back.
    frame = ts.synthetic_series(200).rename(columns={"x1": "x1, lagged"})
    train_csv = tmp_path / "train.csv"
    frame.to_csv(train_csv, index=False)
    out = tmp_path / "model"
    run("train", "forecast", "--data", train_csv, "--target", "target", "--epochs", 1,
        "--units", 8, "--output-dir", out)
    assert_evaluate_reads_columns_by_name(
        out / "model.keras", frame, "x1, lagged", tmp_path, capsys)


@pytest.mark.slow
def test_tune_forecast_one_trial(tmp_path):
    proc = run(
        "tune", "forecast", "--max-trials", 1, "--epochs", 1, "--final-epochs", 1,
        "--num-steps", 200, "--directory", tmp_path / "search", "--output-dir", tmp_path,
    )
    trial_lines = [line for line in proc.stdout.splitlines() if line.startswith("trial ")]
    assert [line.split(":")[0] for line in trial_lines] == ["trial 1/1"]
    assert "Search: Running Trial" not in proc.stdout  # no KerasTuner trial tables
    assert len(proc.stdout.splitlines()) < 15, proc.stdout
    assert_quiet(proc.stderr)
    assert outputs(proc.stdout) == [
        str(tmp_path / f"tuned_forecaster{s}")
        for s in (".keras", "_search.json")
    ]
    summary = json.loads((tmp_path / "tuned_forecaster_search.json").read_text())
    assert summary["completed_trials"] == 1
    assert np.isfinite(summary["test"]["model"]["rmse"])
    assert load_model(tmp_path / "tuned_forecaster.keras").window == 10


# -- errors -------------------------------------------------------------------------
def test_bad_attention_value_is_one_line_naming_it():
    proc = run("train", "translate", "--attention", "bahdanu", check=False)
    assert proc.returncode == 2
    (line,) = error_lines(proc.stderr)
    assert "argument --attention: invalid choice: 'bahdanu'" in line
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_missing_model_file_is_one_line_and_debug_shows_the_traceback(tmp_path):
    missing = tmp_path / "nope.keras"
    proc = run("translate", "--model", missing, "3 mar. 1998", check=False)
    assert proc.returncode == 1
    (line,) = error_lines(proc.stderr)
    assert line == f"keras-attention: error: argument --model: no such model file: '{missing}'"
    assert "Traceback" not in proc.stderr
    with pytest.raises(cli.CLIError, match="no such model file"):  # --debug re-raises
        cli.main(["translate", "--model", str(missing), "x", "--debug"])


@pytest.mark.slow
def test_csv_without_the_target_column(forecaster, series_csv, tmp_path, capsys):
    path, _ = forecaster
    bad = tmp_path / "drivers_only.csv"
    pd.read_csv(series_csv).drop(columns="target").to_csv(bad, index=False)
    assert cli.main(["forecast", "--model", str(path), "--input", str(bad)]) == 1
    (line,) = error_lines(capsys.readouterr().err)
    assert f"argument --input: {bad} has no column 'target' (the model's target)" in line
    assert not (tmp_path / "drivers_only_predictions.csv").exists()
    assert cli.main(["train", "forecast", "--data", str(bad), "--target", "y"]) == 1
    (line,) = error_lines(capsys.readouterr().err)
    assert "argument --target: " in line and "has no column 'y'" in line


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "translate", "--data", "dates", "--max-pairs", "5"],
         "argument --max-pairs: applies to a sentence-pair --data file only"),
        (["train", "translate", "--epochs", "0"],
         "argument --epochs: must be a positive integer, got '0'"),
        (["translate", "--beam-width", "3", "x"],
         "argument --beam-width: only with --sampler beam"),
        (["export", "--quantize", "int4"], "argument --quantize: invalid value 'int4'"),
        (["train", "forecast", "--data", "missing.csv", "--target", "y"],
         "argument --data: no such file: 'missing.csv'"),
    ],
)
def test_usage_errors_are_one_line(argv, message, capsys):
    status = cli.main(argv)
    (line,) = error_lines(capsys.readouterr().err)
    assert message in line
    assert status in (1, 2)


# -- bad input (issue 15) -------------------------------------------------------------
def unwritable_cases(blocked):
    """(argv, option, path): an output under a regular file cannot be written."""
    out = str(blocked / "out")
    return [
        (["train", "translate", "--output-dir", out], "--output-dir", out),
        (["train", "translate", "--checkpoint-dir", out], "--checkpoint-dir", out),
        (["train", "forecast", "--logdir", out], "--logdir", out),
        (["train", "forecast", "--output-dir", str(blocked)], "--output-dir", str(blocked)),
        (["tune", "translate", "--directory", out], "--directory", out),
        (["tune", "forecast", "--output-dir", out], "--output-dir", out),
        (["translate", "--output", out + "/t.txt", "3 mar. 1998"], "--output", out + "/t.txt"),
        (["forecast", "--input", "s.csv", "--output", out + "/p.csv"], "--output",
         out + "/p.csv"),
        (["evaluate", "--output", out + "/e.json"], "--output", out + "/e.json"),
        (["export", "--output-dir", out], "--output-dir", out),
    ]


def test_unwritable_outputs_fail_before_any_work(tmp_path):
    """Each command checks its output paths first: one line naming the option
    and the path, status 1, and TensorFlow never imported (no work done)."""
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    cases = unwritable_cases(blocked)
    code = (
        "import contextlib, io, sys\n"
        "from keras_attention.cli import main\n"
        f"for argv, _, _ in {cases!r}:\n"
        "    print(main(argv), flush=True)\n"
        "print('tensorflow' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, cwd=tmp_path, timeout=120)
    assert proc.stdout.split() == ["1"] * len(cases) + ["False"], proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == len(cases), proc.stderr
    for line, (argv, option, path) in zip(lines, cases, strict=True):
        assert line.startswith(f"keras-attention: error: argument {option}: cannot write to "
                               f"{path!r}: "), (argv, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]  # nothing created


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory):
    """An untrained char-level translator and forecaster (+ its preprocessing)."""
    from keras_attention import io_utils
    from keras_attention.data import Vocabulary
    from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster
    from keras_attention.recipes import forecasting

    folder = tmp_path_factory.mktemp("tiny")
    vocab = Vocabulary.build([list("0123456789 abcdefghijklmnopqrstuvwxyz-./,")])
    translator = Seq2SeqTranslator(embedding_dim=4, units=4, tokenization="char",
                                   source_vocabulary=vocab, target_vocabulary=vocab)
    translator.build()
    io_utils.save_model(translator, folder / "translator.keras")
    series = ts.make_windows(ts.synthetic_series(200), "target", window=10)
    forecaster = TimeSeriesForecaster(
        window=10, num_features=4, units=4,
        preprocessor=forecasting.series_preprocessor(series),  # saved with the model
    )
    forecaster.build()
    io_utils.save_model(forecaster, folder / "forecaster.keras")
    return folder / "translator.keras", folder / "forecaster.keras"


@pytest.mark.parametrize("text", ["", "   "])
def test_translate_an_empty_text_is_an_error(tiny_models, text, capsys):
    translator, _ = tiny_models
    assert cli.main(["translate", "--model", str(translator), "3 mar. 1998", text]) == 1
    (line,) = error_lines(capsys.readouterr().err)
    assert line == ("keras-attention: error: argument TEXT: TEXT argument 2 is empty once "
                    f"normalised (char tokens): {text!r}")


def test_unknown_tokens_are_one_warning_line(tiny_models, capsys):
    translator, _ = tiny_models
    assert cli.main(["translate", "--model", str(translator), "3 MAR. 1998"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == ["keras-attention: warning: 3 of 11 source tokens are not in the "
                        "model's source vocabulary (27%), e.g. ['A', 'M', 'R']; they are read "
                        "as [UNK] and the translation may be wrong."]


def test_missing_cells_name_the_interpolate_option(tiny_models, tmp_path, capsys):
    _, forecaster = tiny_models
    frame = ts.synthetic_series(40, seed=3)
    frame.loc[5, "x1"] = np.nan
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    argv = ["forecast", "--model", str(forecaster), "--input", str(tmp_path / "gaps.csv"),
            "--output", str(tmp_path / "p.csv")]
    assert cli.main(argv) == 1
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith(f"keras-attention: error: argument --input: {tmp_path / 'gaps.csv'} "
                           "has non-numeric or missing values: column 'x1' at rows 5.")
    assert "--interpolate" in line and "interpolate=True" not in line
    assert not (tmp_path / "p.csv").exists()
    assert cli.main(argv + ["--interpolate"]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == 31


@pytest.mark.slow
def test_forecast_predicts_the_empty_targets_at_the_end(forecaster, series_csv, tmp_path):
    """Issue 17: the last rows' empty targets are predicted (feeding each
    prediction back as a past value), never filled, never scored."""
    path, _ = forecaster
    frame = pd.read_csv(series_csv)
    frame.loc[37:, "target"] = np.nan  # rows 37-39: the values to forecast
    frame.to_csv(tmp_path / "future.csv", index=False)
    proc = run("forecast", "--model", path, "--input", tmp_path / "future.csv",
               "--output", tmp_path / "p.csv")
    assert "Rows 37–39 have no 'target': forecast" in proc.stdout
    assert "(28 values)" in proc.stdout  # the RMSE counts only the known targets
    table = pd.read_csv(tmp_path / "p.csv")
    assert table["row"].tolist() == list(range(9, 40))
    assert table["target"].isna().tolist() == [r >= 37 for r in range(9, 40)]
    # The same numbers, fed back by hand: the model on the saved scaler's windows.
    from keras_attention.data.prediction_windows import scaler_from_dict
    from keras_attention.recipes.forecast_data import _config_of

    model = load_model(path)
    config = _config_of(model)
    scaler = scaler_from_dict(config["scaler"])
    scaled = scaler.transform(frame[config["features"] + ["target"]])
    for row in (37, 38, 39):
        x = {"drivers": scaled[None, row - 9 : row + 1, :4].astype("float32"),
             "past_target": scaled[None, row - 9 : row, 4:].astype("float32")}
        scaled[row, 4] = model.predict(x, verbose=0)[0, 0]
        expected = scaler.inverse_column(scaled[row, 4], "target")
        got = table.loc[table["row"] == row, "target_predicted"].item()
        assert got == pytest.approx(expected, rel=1e-5), row
