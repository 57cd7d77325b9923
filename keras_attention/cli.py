"""`keras-attention`: train, run, evaluate, export and tune models from a shell.

```
keras-attention train translate          # the date translator (the README main job)
keras-attention translate "3 mar. 1998"  # -> 1998-03-03
keras-attention evaluate                 # exact match on 2,000 unseen dates
keras-attention export                   # SavedModel + .tflite, verified
keras-attention plot-attention "Tuesday, 3 March 1998"
keras-attention train forecast           # the embedded time series
keras-attention forecast --model runs/forecast/model.keras --input series.csv
keras-attention tune forecast --max-trials 4
```

`train` and `tune` run the example scripts of the repository
(`examples/translate_dates.py`, `translate_pairs.py`, `forecast.py`,
`tune_translator.py`, `tune_forecaster.py`): the options are forwarded to
them, so a command line and the script it names train the same model. They
need the `examples/` folder of a source checkout (`pip install -e .` from a
clone). The other commands use the package only: `keras_attention.models`,
`.evaluation`, `.export` and `.plotting`.

Errors are reported as one line, `keras-attention: error: ...`, with exit
status 1 (2 for a bad command line); `--debug` shows the traceback instead.
See docs/cli.md.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import pathlib
import sys
import time

PROG = "keras-attention"
DEFAULT_TRANSLATOR = os.path.join("saved_models", "date_translator.keras")
DEFAULT_FORECASTER = os.path.join("runs", "forecast", "model.keras")
PREPROCESSING_SUFFIX = ".preprocessing.json"


class CLIError(Exception):
    """An error shown as one line; exit status 1."""

    status = 1


class UsageError(CLIError):
    """A bad command line; exit status 2."""

    status = 2


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


# -- helpers ----------------------------------------------------------------------
def _one_line(exc):
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and exc.args:
        text = f"missing key {exc.args[0]!r}"
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _number(convert, ok, what):
    """An argparse `type`: `convert(text)`, refused unless `ok(value)`."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    return parse


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_non_negative_int = _number(int, lambda v: v >= 0, "an integer >= 0")
_positive_float = _number(float, lambda v: v > 0, "a positive number")


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value


def _existing_file(option, path, what="file"):
    if path is None or not os.path.exists(path):
        raise CLIError(f"argument {option}: no such {what}: {path!r}")
    if os.path.isdir(path) and what != "folder":
        raise CLIError(f"argument {option}: {path!r} is a folder, not a {what}")
    return path


def _print_outputs(paths, stream=None):
    """The last lines of every command: where its outputs went."""
    stream = stream or sys.stdout
    paths = [str(p) for p in paths if p is not None and os.path.exists(p)]
    if not paths:
        print("Outputs: none written", file=stream)
        return
    print("Outputs:", file=stream)
    for path in paths:
        print(f"  {path}{os.sep if os.path.isdir(path) else ''}", file=stream)


def _repo():
    return pathlib.Path(__file__).resolve().parents[1]


def _example(name):
    """The module `examples/<name>.py` of the source checkout."""
    key = f"_keras_attention_example_{name}"
    if key in sys.modules:
        return sys.modules[key]
    path = _repo() / "examples" / f"{name}.py"
    if not path.exists():
        raise CLIError(
            f"this command runs examples/{name}.py, which is not at {path}: "
            "install keras-attention from a source checkout (pip install -e .)"
        )
    spec = importlib.util.spec_from_file_location(key, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[key]
        raise
    return module


def _example_defaults(name, required=()):
    """The defaults of an example's options, from its own parser."""
    return vars(_example(name).parse_args(list(required)))


def _verbose_default():
    # Keras progress bars on a terminal; one line per epoch in a log.
    return 1 if sys.stdout.isatty() else 2


class _Progress:
    """Progress of a long loop on stderr: a Keras bar on a terminal, else a
    line every 10 %."""

    def __init__(self, total, unit):
        self.total, self.unit, self.done = total, unit, 0
        self.started = time.time()
        self.bar = None
        self.next_line = 0.1
        if sys.stderr.isatty():
            import keras

            self.bar = keras.utils.Progbar(total, unit_name=unit.rstrip("s"))

    def update(self, n):
        self.done += n
        if self.bar is not None:
            with contextlib.redirect_stdout(sys.stderr):
                self.bar.update(self.done)
            return
        if self.done >= self.total or self.done >= self.next_line * self.total:
            while self.next_line * self.total <= self.done:
                self.next_line += 0.1
            print(
                f"{PROG}: {self.done}/{self.total} {self.unit} "
                f"({self.done / max(self.total, 1):.0%}, {time.time() - self.started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )


# -- models -----------------------------------------------------------------------
def _load_model(path, kind=None, option="--model"):
    _existing_file(option, path, "model file")
    from keras_attention.models import load_model

    try:
        return load_model(path, kind=kind)
    except ValueError as e:
        raise CLIError(f"argument {option}: {_one_line(e)}") from e


def _kind(model):
    from keras_attention.models import Seq2SeqTranslator

    return "translator" if isinstance(model, Seq2SeqTranslator) else "forecaster"


def _add_sampler_options(p):
    p.add_argument(
        "--sampler", choices=["greedy", "beam"], default="greedy",
        help="decoding: greedy (default) or beam search",
    )
    p.add_argument(
        "--beam-width", type=_positive_int, default=None, metavar="N",
        help="beams of --sampler beam (default: 4)",
    )
    p.add_argument(
        "--length-penalty", type=float, default=0.0, metavar="ALPHA",
        help="beam search length penalty (GNMT's alpha; default: 0)",
    )
    p.add_argument(
        "--batch-size", type=_positive_int, default=64, metavar="N",
        help="sentences decoded together (default: 64)",
    )


def _resolve_sampler_args(args):
    """The sampler of --sampler / --beam-width / --length-penalty."""
    if args.sampler != "beam":
        if args.beam_width is not None:
            raise UsageError(
                f"argument --beam-width: only with --sampler beam (got --sampler {args.sampler})"
            )
        return "greedy"
    from keras_attention.models import BeamSampler

    if args.beam_width is None:
        args.beam_width = 4
    if args.length_penalty < 0:
        raise UsageError(
            f"argument --length-penalty: must be >= 0, got {args.length_penalty}"
        )
    return BeamSampler(args.beam_width, length_penalty=args.length_penalty)


def _translate_corpus(model, texts, sampler, batch_size, progress=True, return_attention=False):
    """`model.translate` over many texts, sorted by length, with progress."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    bar = _Progress(len(texts), "sentences") if progress else None
    outputs = [None] * len(texts)
    attentions = [None] * len(texts)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        result = model.translate(
            [texts[i] for i in chunk],
            sampler=sampler,
            batch_size=batch_size,
            return_attention=return_attention,
        )
        translated, attention = result if return_attention else (result, None)
        for k, i in enumerate(chunk):
            outputs[i] = translated[k]
            if return_attention:
                attentions[i] = attention[k]
        if bar is not None:
            bar.update(len(chunk))
    return (outputs, attentions) if return_attention else outputs


def _read_lines(option, path, keep_blank=False):
    """The stripped lines of a file, or of stdin for '-' (blank lines dropped
    unless `keep_blank`)."""
    if path == "-":
        lines = sys.stdin.read().splitlines()
    else:
        _existing_file(option, path)
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    lines = [line.strip() for line in lines]
    if not any(lines):
        raise CLIError(f"argument {option}: {path!r} holds no text")
    return lines if keep_blank else [line for line in lines if line]


def _texts(args, keep_blank=False):
    """(texts, from_a_file) of TEXT arguments, --input FILE or stdin."""
    if args.text and args.input:
        raise UsageError("give TEXT arguments or --input, not both")
    if args.text:
        return list(args.text), False
    if args.input:
        return _read_lines("--input", args.input, keep_blank), True
    if sys.stdin.isatty():
        raise UsageError("give TEXT arguments, --input FILE, or text on stdin")
    return _read_lines("--input", "-", keep_blank), True


# -- forecaster preprocessing -------------------------------------------------------
def _preprocessing_path(model_path):
    stem = str(model_path)[: -len(".keras")] if str(model_path).endswith(".keras") else str(model_path)
    return stem + PREPROCESSING_SUFFIX


def _write_preprocessing(model_path, series, example, argv):
    """Saves what a forecaster's inputs must look like next to the model."""
    from keras_attention import io_utils
    from keras_attention.data.prediction_windows import preprocessing_config

    record = preprocessing_config(series)
    # How the data was made, so that `evaluate` can rebuild the same test part.
    record["training"] = {"example": example, "argv": argv}
    path = _preprocessing_path(model_path)
    io_utils.atomic_write_json(path, record)
    return path


def _load_preprocessing(model_path):
    """The preprocessing of a forecaster: its sidecar, or the metrics.json
    that examples/forecast.py writes beside `model.keras`."""
    path = _preprocessing_path(model_path)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    metrics = os.path.join(os.path.dirname(os.path.abspath(model_path)), "metrics.json")
    if os.path.exists(metrics):
        with open(metrics, encoding="utf-8") as f:
            record = json.load(f)
        if "args" in record:
            known = _example_defaults("forecast")
            argv = _argv_from_dict({k: v for k, v in record["args"].items() if k in known})
            series = _rebuild_series({"example": "forecast", "argv": argv})
            from keras_attention.data.prediction_windows import preprocessing_config

            config = preprocessing_config(series)
            config["training"] = {"example": "forecast", "argv": argv}
            return config
    raise CLIError(
        f"argument --model: no preprocessing found for {model_path!r} (looked for "
        f"{path!r} and {metrics!r}); train it with '{PROG} train forecast'"
    )


def _argv_from_dict(values):
    argv = []
    for key, value in values.items():
        if value is None or value is False or key in ("output_dir", "no_plots", "verbose"):
            continue
        flag = "--" + key.replace("_", "-")
        argv += [flag] if value is True else [flag, str(value)]
    return argv


def _rebuild_series(training, data=None, target=None):
    """The `WindowedSeries` a forecaster was trained on (or `data` instead,
    with `target` as the target column unless the training named one)."""
    example = _example(training["example"])
    args = example.parse_args(training["argv"])
    if data is not None:
        args.data = data
        if target is not None and args.target is None:
            args.target = target
    try:
        return example.load_data(args)
    except SystemExit as e:  # the examples' own one-line errors
        raise CLIError(str(e.code)) from None


# -- train ------------------------------------------------------------------------
# Options forwarded to the example scripts, with where they apply.
TRANSLATE_COMMON = [
    ("--attention", dict(choices=["bahdanau", "luong", "none"], help="attention type")),
    ("--score-mode", dict(
        choices=["dot", "scaled_dot", "general", "concat", "location"],
        help="Luong score (with --attention luong; default general)")),
    ("--encoder", dict(choices=["gru", "lstm", "simple"], help="encoder (and decoder) cell")),
    ("--units", dict(type=_positive_int, metavar="N", help="recurrent units")),
    ("--embedding-dim", dict(type=_positive_int, metavar="N", help="embedding size")),
    ("--epochs", dict(type=_positive_int, metavar="N", help="training epochs")),
    ("--batch-size", dict(type=_positive_int, metavar="N", help="batch size")),
    ("--learning-rate", dict(type=_positive_float, metavar="LR", help="Adam learning rate")),
    ("--seed", dict(type=_non_negative_int, metavar="N", help="seed of data split and weights")),
    ("--checkpoint-dir", dict(metavar="DIR", help="back up every epoch; rerun to resume")),
    ("--strategy", dict(choices=["none", "mirrored", "multiworker"],
                        help="tf.distribute strategy (multiworker: dates only)")),
    ("--deterministic", dict(action="store_true", help="deterministic ops (same seed, same weights)")),
]
TRANSLATE_DATES = [
    ("--train-size", dict(type=_positive_int, metavar="N", help="training dates")),
    ("--validation-size", dict(type=_non_negative_int, metavar="N", help="validation dates")),
    ("--test-size", dict(type=_non_negative_int, metavar="N", help="test dates")),
    ("--logdir", dict(metavar="DIR", help="TensorBoard logs and attention images")),
    ("--no-export", dict(action="store_true", help="skip the SavedModel / .tflite export")),
]
TRANSLATE_PAIRS = [
    ("--direction", dict(choices=["other-to-eng", "eng-to-other"],
                         help="which column is the source")),
    ("--bidirectional", dict(action="store_true", help="bidirectional encoder")),
    ("--dropout", dict(type=float, metavar="RATE", help="dropout rate")),
    ("--time-budget-minutes", dict(type=_positive_float, metavar="MIN",
                                   help="stop training after this long")),
    ("--max-pairs", dict(type=_positive_int, metavar="N", help="read only the first N pairs")),
    ("--max-length", dict(type=_positive_int, metavar="WORDS", help="longest source sentence")),
    ("--source-vocab-size", dict(type=_positive_int, metavar="N", help="source vocabulary cap")),
    ("--target-vocab-size", dict(type=_positive_int, metavar="N", help="target vocabulary cap")),
    ("--validation-fraction", dict(type=_fraction, metavar="F", help="validation share")),
    ("--test-fraction", dict(type=_fraction, metavar="F", help="test share")),
    ("--max-test", dict(type=_positive_int, metavar="N", help="test pairs evaluated")),
    ("--beam-width", dict(type=_non_negative_int, metavar="N",
                          help="beam width of the test translations (0: greedy)")),
]
FORECAST_OPTIONS = [
    ("--target", dict(metavar="COLUMN", help="target column (required with a CSV)")),
    ("--features", dict(metavar="A,B,...", help="driving series (default: all other columns)")),
    ("--protocol", dict(choices=["nowcast", "forecast"],
                        help="nowcast: drivers up to the target time (DA-RNN); "
                        "forecast: strictly before it")),
    ("--encoder", dict(choices=["lstm", "gru", "simple", "bilstm", "bigru"], help="encoder")),
    ("--decoder", dict(choices=["lstm", "gru"], help="decoder cell")),
    ("--attention", dict(choices=["bahdanau", "luong", "none"], help="temporal attention")),
    ("--input-attention", dict(action="store_true", help="DA-RNN's input attention")),
    ("--residual", dict(action="store_true", help="predict the change from the last value")),
    ("--highway", dict(action="store_true", help="add a linear (LSTNet highway) term")),
    ("--window", dict(type=_positive_int, metavar="T", help="look-back steps")),
    ("--horizon", dict(type=_positive_int, metavar="H", help="steps predicted")),
    ("--units", dict(type=_positive_int, metavar="N", help="recurrent units")),
    ("--dropout", dict(type=float, metavar="RATE", help="dropout rate")),
    ("--split", dict(metavar="R,R[,R]", help="train,[val,]test ratios or row counts")),
    ("--scaling", dict(choices=["standard", "minmax"], help="scaler fitted on training rows")),
    ("--interpolate", dict(action="store_true", help="fill missing cells")),
    ("--num-steps", dict(type=_positive_int, metavar="N", help="rows of the embedded series")),
    ("--epochs", dict(type=_positive_int, metavar="N", help="training epochs")),
    ("--batch-size", dict(type=_positive_int, metavar="N", help="batch size")),
    ("--learning-rate", dict(type=_positive_float, metavar="LR", help="Adam learning rate")),
    ("--patience", dict(type=_non_negative_int, metavar="N",
                        help="early stopping on the validation part (0: never)")),
    ("--seeds", dict(metavar="S,S,...", help="seeds; mean and std over them")),
    ("--no-plots", dict(action="store_true", help="skip the PNGs")),
    ("--logdir", dict(metavar="DIR", help="TensorBoard logs and attention images")),
    ("--checkpoint-dir", dict(metavar="DIR", help="back up every epoch; rerun to resume")),
    ("--strategy", dict(choices=["none", "mirrored"], help="tf.distribute strategy")),
    ("--deterministic", dict(action="store_true", help="deterministic ops (same seed, same weights)")),
]
TUNE_TRANSLATE = [
    ("--data", dict(metavar="dates|FILE", help="the date task or a sentence-pair file")),
    ("--tuner", dict(choices=["random", "hyperband", "bayesian"], help="KerasTuner tuner")),
    ("--max-trials", dict(type=_positive_int, metavar="N", help="trials (random, bayesian)")),
    ("--epochs", dict(type=_positive_int, metavar="N", help="epochs per trial")),
    ("--final-epochs", dict(type=_positive_int, metavar="N", help="epochs of the retraining")),
    ("--train-size", dict(type=_positive_int, metavar="N", help="training examples")),
    ("--validation-size", dict(type=_positive_int, metavar="N", help="validation examples")),
    ("--test-size", dict(type=_positive_int, metavar="N", help="test examples")),
    ("--max-words", dict(type=_positive_int, metavar="N", help="pairs: longest source")),
    ("--full-space", dict(action="store_true", help="search the whole space")),
    ("--directory", dict(metavar="DIR", help="KerasTuner's folder")),
    ("--project-name", dict(metavar="NAME", help="KerasTuner project")),
    ("--resume", dict(action="store_true", help="continue a search in --directory")),
    ("--logdir", dict(metavar="DIR", help="TensorBoard: one run per trial")),
    ("--seed", dict(type=_non_negative_int, metavar="N", help="seed")),
]
TUNE_FORECAST = [
    ("--data", dict(metavar="NAME|CSV", help="synthetic, nasdaq, sml2010 or a CSV path")),
    ("--target", dict(metavar="COLUMN", help="target column (required with a CSV)")),
    ("--protocol", dict(choices=["nowcast", "forecast"], help="what the inputs may see")),
    ("--window", dict(type=_positive_int, metavar="T", help="look-back steps")),
    ("--horizon", dict(type=_positive_int, metavar="H", help="steps predicted")),
    ("--split", dict(metavar="R,R,R", help="train,validation,test ratios or row counts")),
    ("--num-steps", dict(type=_positive_int, metavar="N", help="rows of the embedded series")),
] + [o for o in TUNE_TRANSLATE if o[0] in (
    "--tuner", "--max-trials", "--epochs", "--final-epochs", "--full-space", "--directory",
    "--project-name", "--resume", "--logdir", "--seed")]


def _dest(flag):
    return flag[2:].replace("-", "_")


def _default_text(values):
    """'(default: X)' from {label: default}; labels shown only if they differ."""
    shown = {label: v for label, v in values.items()}
    distinct = {repr(v) for v in shown.values()}
    if len(distinct) == 1:
        value = next(iter(shown.values()))
        return "" if value is None or value is False else f" (default: {value})"
    parts = [f"{'none' if v is None else v} {label}" for label, v in shown.items()]
    return f" (default: {', '.join(parts)})"


def _add_forwarded(group, options, defaults):
    """Adds example options; `defaults` maps a label to an example's defaults."""
    for flag, kwargs in options:
        kwargs = dict(kwargs)
        dest = _dest(flag)
        values = {label: d[dest] for label, d in defaults.items() if dest in d}
        kwargs["help"] = kwargs["help"] + _default_text(values)
        group.add_argument(flag, default=argparse.SUPPRESS, **kwargs)


def _forward(args, options):
    """The example's argv for the options the user gave."""
    argv = []
    for flag, kwargs in options:
        dest = _dest(flag)
        if dest not in vars(args):
            continue
        value = getattr(args, dest)
        if kwargs.get("action") == "store_true":
            argv += [flag] if value else []
        else:
            argv += [flag, str(value)]
    return argv


def _reject(args, options, why):
    for flag, _ in options:
        if _dest(flag) in vars(args):
            raise UsageError(f"argument {flag}: {why}")


def _run_example(name, argv):
    try:
        return _example(name).main(argv)
    except SystemExit as e:
        if isinstance(e.code, str):  # `raise SystemExit("message")` in an example
            raise CLIError(e.code) from None
        if e.code not in (None, 0):
            raise CLIError(f"examples/{name}.py exited with status {e.code}") from None
        return None


def _train_translate(args):
    data = args.data
    name = args.name
    out_dir = args.output_dir
    verbose = ["--verbose", str(args.verbose if args.verbose is not None else _verbose_default())]
    common = _forward(args, TRANSLATE_COMMON)
    if data == "dates":
        _reject(args, TRANSLATE_PAIRS, "applies to a sentence-pair --data file only")
        name = name or "date_translator"
        model = os.path.join(out_dir, name + ".keras")
        metrics = os.path.join(out_dir, name + "_metrics.json")
        argv = common + _forward(args, TRANSLATE_DATES) + verbose + [
            "--output", model, "--metrics-json", metrics]
        _run_example("translate_dates", argv)
        outputs = [model, os.path.join(out_dir, name + "_attention.png"), metrics]
        if not getattr(args, "no_export", False):
            outputs += [os.path.join(out_dir, name + s) for s in ("", ".tflite", ".vocab.json")]
    else:
        _existing_file("--data", data)
        _reject(args, TRANSLATE_DATES, "applies to --data dates only")
        if getattr(args, "strategy", None) == "multiworker":
            raise UsageError(
                "argument --strategy: 'multiworker' needs --data dates (array data)"
            )
        name = name or "pairs_translator"
        model = os.path.join(out_dir, name + ".keras")
        metrics = os.path.join(out_dir, name + "_metrics.json")
        argv = ["--data", data] + common + _forward(args, TRANSLATE_PAIRS) + verbose + [
            "--output", model, "--results-json", metrics]
        _run_example("translate_pairs", argv)
        outputs = [model, os.path.join(out_dir, name + "_attention.png"), metrics]
    _print_outputs(outputs)
    return 0


def _train_forecast(args):
    _check_forecast_data(args)
    verbose = ["--verbose", str(args.verbose if args.verbose is not None else _verbose_default())]
    argv = _data_argv(args) + _forward(args, FORECAST_OPTIONS) + [
        "--output-dir", args.output_dir]
    _run_example("forecast", argv + verbose)
    model = os.path.join(args.output_dir, "model.keras")
    series = _rebuild_series({"example": "forecast", "argv": argv})
    sidecar = _write_preprocessing(model, series, "forecast", argv)
    names = ["model.keras", "metrics.json", "forecast.png", "temporal_attention.png",
             "input_attention.png"]
    _print_outputs([os.path.join(args.output_dir, n) for n in names] + [sidecar])
    return 0


def _data_argv(args):
    data = args.data
    if data not in ("synthetic", "nasdaq", "sml2010") and os.path.isfile(data):
        data = os.path.abspath(data)  # recorded for `evaluate`, from any folder
    return ["--data", data]


def _check_forecast_data(args):
    data = args.data
    if data in ("synthetic", "nasdaq", "sml2010"):
        return
    _existing_file("--data", data, "file or folder" if os.path.isdir(data) else "file")
    if os.path.isdir(data):
        return
    target = getattr(args, "target", None)
    if target is None:
        raise UsageError(f"argument --target: required with a CSV file (--data {data})")
    from keras_attention.data import timeseries as ts

    try:
        columns = list(ts.read_csv(data).columns)
    except ValueError as e:
        raise CLIError(f"argument --data: {_one_line(e)}") from e
    if target not in columns:
        raise CLIError(
            f"argument --target: {data} has no column {target!r}; columns: {', '.join(columns)}"
        )


def _add_train(sub, wanted):
    p = sub.add_parser(
        "train",
        help="train a translator or a forecaster",
        description="Train a model with the example scripts' recipe "
        "(examples/translate_dates.py, translate_pairs.py, forecast.py).",
    )
    tasks = p.add_subparsers(dest="task", metavar="{translate,forecast}", required=True)
    tp = tasks.add_parser(
        "translate",
        help="train a Seq2SeqTranslator (dates, or a sentence-pair file)",
        description=(
            "Train a Seq2SeqTranslator. With --data dates (the default) this runs\n"
            "examples/translate_dates.py: a character-level date normaliser trained on\n"
            "the embedded, generated data set (about 3-5 minutes on 2 CPU cores with the\n"
            "defaults), evaluated on 2,000 unseen dates, exported to SavedModel and\n"
            "LiteRT. With --data FILE (an Anki-format sentence-pair file: .txt, .xz, .gz\n"
            "or .zip) it runs examples/translate_pairs.py: a word-level translator, with\n"
            "corpus BLEU on the test split."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention train translate\n"
            "  keras-attention train translate --epochs 2 --train-size 4000 --no-export\n"
            "  keras-attention train translate --attention luong --score-mode general\n"
            "  keras-attention train translate --data spa.txt.xz --max-pairs 20000 --epochs 2\n"
            "  keras-attention train translate --checkpoint-dir ckpt/dates   # rerun to resume\n"
            "\n"
            "Outputs (in --output-dir): NAME.keras, NAME_attention.png, NAME_metrics.json;\n"
            "with dates also NAME/ (SavedModel), NAME.tflite and NAME.vocab.json."
        ),
    )
    tp.set_defaults(func=_train_translate)
    tp.add_argument(
        "--data", default="dates", metavar="dates|FILE",
        help="'dates' (the embedded date task; default) or a sentence-pair file",
    )
    tp.add_argument("--output-dir", default="saved_models", metavar="DIR",
                    help="where the model and its outputs go (default: saved_models)")
    tp.add_argument("--name", default=None,
                    help="base name of the outputs (default: date_translator, or "
                    "pairs_translator with a FILE)")
    tp.add_argument("--verbose", type=int, choices=[0, 1, 2], default=None,
                    help="Keras fit output: 1 progress bars, 2 a line per epoch "
                    "(default: 1 on a terminal, else 2)")
    if wanted in (("train", "translate"), "all"):
        dates = _example_defaults("translate_dates")
        pairs = _example_defaults("translate_pairs", ["--data", "FILE"])
        _add_forwarded(tp.add_argument_group("model and training"), TRANSLATE_COMMON,
                       {"with dates": dates, "with a pairs file": pairs})
        _add_forwarded(tp.add_argument_group("with --data dates"), TRANSLATE_DATES,
                       {"": dates})
        _add_forwarded(tp.add_argument_group("with a sentence-pair --data FILE"),
                       TRANSLATE_PAIRS, {"": pairs})
    _add_debug(tp)

    fp = tasks.add_parser(
        "forecast",
        help="train a TimeSeriesForecaster (embedded series, NASDAQ-100, SML2010, a CSV)",
        description=(
            "Train a TimeSeriesForecaster with examples/forecast.py: an attention\n"
            "encoder-decoder (DA-RNN style) on a target series and driving series, shown\n"
            "next to the naive and linear baselines, under an explicit protocol\n"
            "(nowcast: drivers seen up to the target time; forecast: strictly before).\n"
            "The default, the embedded series, trains in about a minute on 2 CPU cores.\n"
            "Besides the example's outputs it writes model.preprocessing.json (columns,\n"
            "window, fitted scaler), which 'keras-attention forecast' and 'evaluate' read."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention train forecast\n"
            "  keras-attention train forecast --epochs 5 --output-dir runs/quick\n"
            "  keras-attention train forecast --data my.csv --target load --protocol forecast\n"
            "  keras-attention train forecast --data sml2010 --encoder gru --epochs 100\n"
            "\n"
            "Outputs (in --output-dir): model.keras, model.preprocessing.json, metrics.json,\n"
            "forecast.png, temporal_attention.png (and input_attention.png)."
        ),
    )
    fp.set_defaults(func=_train_forecast)
    fp.add_argument("--data", default="synthetic", metavar="NAME|CSV",
                    help="'synthetic' (embedded series; default), 'nasdaq', 'sml2010', "
                    "a .csv/.csv.xz path or a folder with the SML2010 files")
    fp.add_argument("--output-dir", default=os.path.join("runs", "forecast"), metavar="DIR",
                    help="where the model and its outputs go (default: runs/forecast)")
    fp.add_argument("--verbose", type=int, choices=[0, 1, 2], default=None,
                    help="Keras fit output: 1 progress bars, 2 a line per epoch "
                    "(default: 1 on a terminal, else 2)")
    if wanted in (("train", "forecast"), "all"):
        _add_forwarded(fp.add_argument_group("data, model and training"), FORECAST_OPTIONS,
                       {"": _example_defaults("forecast")})
    _add_debug(fp)
    _add_debug(p)


# -- translate ----------------------------------------------------------------------
def _translate(args):
    lines, corpus = _texts(args, keep_blank=True)
    sampler = _resolve_sampler_args(args)
    model = _load_model(args.model, "translator")
    started = time.time()
    # One output line per input line: a blank line stays blank.
    texts = [t for t in lines if t]
    translated = iter(_translate_corpus(model, texts, sampler, args.batch_size, progress=corpus))
    text = "".join((next(translated) if line else "") + "\n" for line in lines)
    if args.output:
        from keras_attention import io_utils

        io_utils.atomic_write_text(args.output, text)
        print(f"Translated {len(texts)} text(s) in {time.time() - started:.1f} s "
              f"({args.sampler} search)")
        _print_outputs([args.output])
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
        print(f"{PROG}: translated {len(texts)} text(s) in {time.time() - started:.1f} s; "
              "output: stdout", file=sys.stderr)
    return 0


def _add_translate(sub):
    p = sub.add_parser(
        "translate",
        help="translate text with a trained translator (.keras)",
        description=(
            "Translate text with a Seq2SeqTranslator saved as .keras. The text comes from\n"
            "the TEXT arguments, from --input FILE (one sentence per line; '-' for stdin)\n"
            "or from stdin; translations are written one per line to --output or stdout.\n"
            "Decoding a file shows a progress bar on stderr."
        ),
        epilog=(
            "Examples:\n"
            '  keras-attention translate "3 mar. 1998" "Tuesday, 3 March 1998"\n'
            '  keras-attention translate --sampler beam --beam-width 5 "03/03/98"\n'
            "  keras-attention translate --input dates.txt --output iso_dates.txt\n"
            "  echo '21 July 2031' | keras-attention translate\n"
            "  keras-attention translate --model saved_models/pairs_translator.keras "
            '"Tengo hambre."'
        ),
    )
    p.set_defaults(func=_translate)
    p.add_argument("text", nargs="*", metavar="TEXT", help="text(s) to translate")
    p.add_argument("--model", default=DEFAULT_TRANSLATOR, metavar="PATH.keras",
                   help=f"the translator (default: {DEFAULT_TRANSLATOR}, from "
                   "'keras-attention train translate')")
    p.add_argument("--input", metavar="FILE", help="read one text per line ('-': stdin)")
    p.add_argument("--output", metavar="FILE", help="write the translations here (default: stdout)")
    _add_sampler_options(p)
    _add_debug(p)


# -- forecast -----------------------------------------------------------------------
def _forecast_inputs(args, model):
    """Windows of --input under the model's saved preprocessing."""
    config = _load_preprocessing(args.model)
    _existing_file("--input", args.input)
    from keras_attention.data import timeseries as ts
    from keras_attention.data.prediction_windows import prediction_windows

    try:
        frame = ts.read_csv(args.input)
    except ValueError as e:
        raise CLIError(f"argument --input: {_one_line(e)}") from e
    columns = [str(c) for c in frame.columns]
    for column in [config["target"]] + list(config["features"]):
        if column not in columns:
            role = "target" if column == config["target"] else "driving series"
            raise CLIError(
                f"argument --input: {args.input} has no column {column!r} (the model's "
                f"{role}); columns: {', '.join(columns)}"
            )
    if model.num_features != len(config["features"]) or model.window != config["window"]:
        raise CLIError(
            f"argument --model: the preprocessing beside {args.model} does not match the "
            f"model (window {model.window}, {model.num_features} driving series)"
        )
    try:
        return prediction_windows(frame, config, interpolate=args.interpolate)
    except ValueError as e:
        raise CLIError(f"argument --input: {_one_line(e)}") from e


def _forecast(args):
    import numpy as np
    import pandas as pd

    from keras_attention import io_utils

    model = _load_model(args.model, "forecaster")
    series = _forecast_inputs(args, model)
    windows = series["test"]
    scaled = model.predict(windows.inputs, batch_size=512, verbose=0)
    predicted = series.inverse_target(scaled)
    horizon = series.horizon
    rows = windows.target_rows[:, None] + np.arange(horizon)[None, :]
    table = pd.DataFrame(
        {
            "row": rows.reshape(-1),
            "step": np.tile(np.arange(1, horizon + 1), len(windows)),
            series.target: windows.target_raw.reshape(-1),
            f"{series.target}_predicted": predicted.reshape(-1),
        }
    )
    stem = pathlib.Path(args.input).name.removesuffix(".xz").removesuffix(".csv")
    output = args.output or stem + "_predictions.csv"
    io_utils.atomic_write_text(output, table.to_csv(index=False))
    known = np.isfinite(windows.target_raw)
    future = int((~known).any(axis=1).sum())
    print(
        f"{len(windows)} windows (protocol={series.protocol!r}, window {series.window}, "
        f"horizon {horizon}): predictions for rows {int(rows.min())}–{int(rows.max())} of "
        f"{args.input}, {future} window(s) reaching past its last row"
    )
    if known.any():
        from keras_attention.evaluation import forecasting as fc

        print(f"RMSE where {series.target!r} is known: "
              f"{fc.rmse(windows.target_raw[known], predicted[known]):.5g} "
              f"({int(known.sum())} values)")
    _print_outputs([output])
    return 0


def _add_forecast(sub):
    p = sub.add_parser(
        "forecast",
        help="predict a CSV with a trained forecaster (CSV in, CSV out)",
        description=(
            "Forecast with a TimeSeriesForecaster saved as .keras. --input is a CSV with\n"
            "the model's target and driving-series columns (other columns are ignored),\n"
            "one row per time step; it is scaled with the scaler fitted at training time\n"
            "(model.preprocessing.json beside the model, written by 'keras-attention train\n"
            "forecast'). Every window of the input is predicted, including the step after\n"
            "its last row when the protocol is 'forecast'. The output CSV has one line per\n"
            "predicted value: row (0-based row of --input), step (1..horizon), the actual\n"
            "target where known, and <target>_predicted."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention forecast --input series.csv\n"
            "  keras-attention forecast --model runs/forecast/model.keras --input series.csv "
            "--output predictions.csv"
        ),
    )
    p.set_defaults(func=_forecast)
    p.add_argument("--model", default=DEFAULT_FORECASTER, metavar="PATH.keras",
                   help=f"the forecaster (default: {DEFAULT_FORECASTER})")
    p.add_argument("--input", required=True, metavar="CSV", help="the series (.csv or .csv.xz)")
    p.add_argument("--output", metavar="CSV",
                   help="predictions (default: <input name>_predictions.csv here)")
    p.add_argument("--interpolate", action="store_true", help="fill missing cells")
    _add_debug(p)


# -- evaluate -----------------------------------------------------------------------
def _evaluate(args):
    model = _load_model(args.model)
    if _kind(model) == "translator":
        return _evaluate_translator(args, model)
    return _evaluate_forecaster(args, model)


def _evaluation_pairs(args):
    data = args.data or "dates"
    if data == "dates":
        from keras_attention.data import load_dates

        defaults = _example_defaults("translate_dates")
        test_size = args.limit or defaults["test_size"]
        splits = load_dates(
            train_size=defaults["train_size"],
            validation_size=defaults["validation_size"],
            test_size=test_size,
            seed=args.seed,
        )
        return list(zip(*splits["test"], strict=True)), f"{test_size} unseen test dates"
    _existing_file("--data", data)
    if args.split == "test":
        example = _example("translate_pairs")
        argv = ["--data", data, "--direction", args.direction, "--seed", str(args.seed)]
        if args.max_pairs:
            argv += ["--max-pairs", str(args.max_pairs)]
        ns = example.parse_args(argv)
        pairs = example.load_splits(ns)["test"]
        what = "the test split of examples/translate_pairs.py"
    else:
        from keras_attention.data import load_text_pairs

        pairs = load_text_pairs(data, max_pairs=args.max_pairs)
        if args.direction == "other-to-eng":
            pairs = [(other, eng) for eng, other in pairs]
        what = "every pair"
    if args.limit:
        pairs = pairs[: args.limit]
    if not pairs:
        raise CLIError(f"argument --data: no sentence pairs to evaluate in {data!r}")
    return pairs, f"{what} of {data} ({len(pairs)} pairs)"


def _evaluate_translator(args, model):
    from keras_attention import io_utils
    from keras_attention.data import detokenize, tokenize
    from keras_attention.data.text_pairs import count_words
    from keras_attention.evaluation import bleu_by_length, corpus_bleu, exact_match

    sampler = _resolve_sampler_args(args)
    pairs, what = _evaluation_pairs(args)
    sources = [s for s, _ in pairs]
    references = [t for _, t in pairs]
    if model.tokenization == "word":
        # Hypotheses are normalised text (lowercase, no accents): so are the references.
        references = [detokenize(tokenize(t, "word"), "word") for t in references]
    print(f"Evaluating {args.model} on {what}, {args.sampler} search")
    started = time.time()
    hypotheses = _translate_corpus(model, sources, sampler, args.batch_size)
    results = {
        "model": args.model,
        "data": args.data or "dates",
        "examples": len(pairs),
        "sampler": args.sampler,
        "beam_width": args.beam_width if args.sampler == "beam" else None,
        "exact_match": exact_match(hypotheses, references),
        "decode_seconds": round(time.time() - started, 1),
    }
    print(f"Exact match: {results['exact_match']:.2%} "
          f"({round(results['exact_match'] * len(pairs))}/{len(pairs)})")
    if model.tokenization == "word":
        try:
            results["bleu"] = corpus_bleu(hypotheses, references)
            results["bleu_by_length"] = bleu_by_length(
                [count_words(s) for s in sources], hypotheses, references
            )
        except ImportError as e:
            print(f"BLEU skipped: {e}")
        else:
            print(f"BLEU: {results['bleu']:.2f}")
            for row in results["bleu_by_length"]:
                bleu = "-" if row["bleu"] is None else f"{row['bleu']:.2f}"
                print(f"  {row['bucket']:>6} words: BLEU {bleu:>6} (n={row['count']})")
    errors = [(s, h, r) for s, h, r in zip(sources, hypotheses, references, strict=True)
              if h.strip() != r.strip()]
    results["errors"] = [{"source": s, "hypothesis": h, "reference": r}
                         for s, h, r in errors[:20]]
    for s, h, r in errors[:5]:
        print(f"  {s!r} -> {h!r} (expected {r!r})")
    output = args.output or str(pathlib.Path(args.model).with_suffix("")) + "_evaluation.json"
    io_utils.atomic_write_json(output, results)
    _print_outputs([output])
    return 0


def _evaluate_forecaster(args, model):
    from keras_attention import io_utils
    from keras_attention.evaluation import forecasting as fc

    config = _load_preprocessing(args.model)
    training = config.get("training")
    if not training:
        raise CLIError(f"argument --model: {args.model} records no training data to evaluate on")
    data = args.data
    if data is not None and data not in ("synthetic", "nasdaq", "sml2010"):
        _existing_file("--data", data)
    series = _rebuild_series(training, data, config["target"])
    if series.window != model.window or series.num_features != model.num_features:
        raise CLIError(
            f"argument --data: its windows ({series.window} steps, {series.num_features} "
            f"driving series) do not fit the model ({model.window}, {model.num_features})"
        )
    test = series["test"]
    forecast = model.predict(test.inputs, batch_size=512, verbose=0)
    results = fc.evaluate(series, {"model": forecast, **fc.baseline_predictions(series)})
    print(series.describe())
    print(fc.format_table(results, title=f"Test part ({len(test)} windows):"))
    output = args.output or str(pathlib.Path(args.model).with_suffix("")) + "_evaluation.json"
    io_utils.atomic_write_json(
        output, {"model": args.model, "description": series.describe(), "results": results}
    )
    _print_outputs([output])
    return 0


def _add_evaluate(sub):
    p = sub.add_parser(
        "evaluate",
        help="score a trained model (exact match / BLEU; RMSE, MAE... with baselines)",
        description=(
            "Evaluate a saved model.\n"
            "\n"
            "Translator: translates the evaluation pairs (greedy or beam search, with a\n"
            "progress bar) and reports exact match, and for word-level models corpus BLEU\n"
            "(sacrebleu) overall and by source length. --data dates uses the unseen test\n"
            "dates of examples/translate_dates.py; --data FILE a sentence-pair file, either\n"
            "its test split as examples/translate_pairs.py makes it (--split test) or every\n"
            "pair (--split all).\n"
            "\n"
            "Forecaster: rebuilds the data it was trained on (recorded in\n"
            "model.preprocessing.json; --data evaluates another series the same way) and\n"
            "reports RMSE, MAE, MAPE, nRMSE on the test part next to the naive\n"
            "(last value) and linear autoregressive baselines, naming the protocol."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention evaluate\n"
            "  keras-attention evaluate --model saved_models/date_translator.keras --limit 200 "
            "--sampler beam\n"
            "  keras-attention evaluate --model saved_models/pairs_translator.keras "
            "--data spa.txt.xz\n"
            "  keras-attention evaluate --model runs/forecast/model.keras"
        ),
    )
    p.set_defaults(func=_evaluate)
    p.add_argument("--model", default=DEFAULT_TRANSLATOR, metavar="PATH.keras",
                   help=f"translator or forecaster (default: {DEFAULT_TRANSLATOR})")
    p.add_argument("--data", default=None, metavar="SPEC",
                   help="translator: 'dates' (default) or a sentence-pair file; "
                   "forecaster: default its training data, or synthetic/nasdaq/sml2010/a CSV")
    p.add_argument("--split", choices=["test", "all"], default="test",
                   help="sentence-pair file: its test split (default) or every pair")
    p.add_argument("--direction", choices=["other-to-eng", "eng-to-other"],
                   default="other-to-eng",
                   help="sentence-pair file: which column is the source (default: other-to-eng)")
    p.add_argument("--seed", type=_non_negative_int, default=0,
                   help="seed of the split, as in training (default: 0)")
    p.add_argument("--max-pairs", type=_positive_int, default=None, metavar="N",
                   help="sentence-pair file: read only the first N pairs, as in training")
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="translator: evaluate only N examples")
    p.add_argument("--output", metavar="FILE.json",
                   help="the results (default: <model>_evaluation.json)")
    _add_sampler_options(p)
    _add_debug(p)


# -- export -------------------------------------------------------------------------
def _export(args):
    import numpy as np

    from keras_attention.export import QUANTIZATIONS
    from keras_attention.export.verify import format_report_line

    quantizations = [q.strip() for q in (args.quantize or "").split(",") if q.strip()]
    for q in quantizations:
        if q not in QUANTIZATIONS or q is None:
            raise UsageError(
                f"argument --quantize: invalid value {q!r} (choose from float16, "
                "dynamic_range, int8)"
            )
    model = _load_model(args.model)
    out_dir = args.output_dir or os.path.dirname(os.path.abspath(args.model))
    name = args.name or pathlib.Path(args.model).stem
    os.makedirs(out_dir, exist_ok=True)
    started = time.time()
    if _kind(model) == "translator":
        from keras_attention.export import export_translator_artifacts

        samples = _read_lines("--samples", args.samples) if args.samples else None
        if "int8" in quantizations:
            raise UsageError("argument --quantize: int8 is not supported for translators")
        print(f"Exporting {args.model} to {out_dir}/{name}/ and {name}.tflite ...")
        summary = export_translator_artifacts(
            model, out_dir=out_dir, name=name, samples=samples,
            max_length=args.max_length, beam_width=args.beam_width,
            quantizations=tuple(quantizations), verify=not args.no_verify,
        )
        paths = list(summary["paths"].values())
        reports = [summary["verification"]] if summary["verification"] else []
        reports += list(summary["quantized"].values())
    else:
        from keras_attention.export import (
            export_saved_model,
            export_tflite,
            verify_export,
        )

        saved_model = os.path.join(out_dir, name)
        tflite = os.path.join(out_dir, name + ".tflite")
        print(f"Exporting {args.model} to {saved_model}/ and {tflite} ...")
        export_saved_model(model, saved_model)
        export_tflite(model, tflite)
        paths = [saved_model, tflite, tflite[: -len(".tflite")] + ".json"]
        for q in quantizations:
            path = os.path.join(out_dir, f"{name}.{q}.tflite")
            export_tflite(model, path, quantization=q)
            paths += [path, path[: -len(".tflite")] + ".json"]
        reports = []
        if not args.no_verify:
            rng = np.random.default_rng(0)
            n = 32  # scaled inputs are roughly standard normal
            samples = {
                "drivers": rng.normal(size=(n, model.window, model.num_features)),
                "past_target": rng.normal(size=(n, model.past_target_length, 1)),
            }
            reports.append(verify_export(model, [saved_model, tflite], samples))
    for report in reports:
        print(f"Verified on {report['samples']} samples: "
              f"{'passed' if report['passed'] else 'FAILED'}")
        for r in report["results"]:
            print(format_report_line(r))
    print(f"Done in {time.time() - started:.0f} s")
    _print_outputs(paths)
    return 0


def _add_export(sub):
    p = sub.add_parser(
        "export",
        help="export to SavedModel and TFLite (LiteRT), and verify against Keras",
        description=(
            "Export a saved translator or forecaster with keras_attention.export: a\n"
            "SavedModel folder NAME/ (translators: translate_greedy, translate_beam,\n"
            "encode, decode_step and a string translate endpoint; forecasters: predict),\n"
            "NAME.tflite with the same signatures (builtin ops only; run it with\n"
            "keras_attention.runtime) and its sidecar JSON. Both are then run on the\n"
            "same inputs as the Keras model (verify_export): zero token mismatches and\n"
            "|Δscore| <= 1e-3 for translators, |Δprediction| <= 1e-4 for forecasters,\n"
            "or the command fails."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention export\n"
            "  keras-attention export --model saved_models/date_translator.keras "
            "--output-dir exports --quantize float16,dynamic_range\n"
            "  keras-attention export --model runs/forecast/model.keras --name forecaster"
        ),
    )
    p.set_defaults(func=_export)
    p.add_argument("--model", default=DEFAULT_TRANSLATOR, metavar="PATH.keras",
                   help=f"translator or forecaster (default: {DEFAULT_TRANSLATOR})")
    p.add_argument("--output-dir", metavar="DIR", help="default: the model's folder")
    p.add_argument("--name", help="base name of the artifacts (default: the model's file name)")
    p.add_argument("--quantize", metavar="Q[,Q]",
                   help="extra .tflite variants: float16, dynamic_range (int8: forecasters)")
    p.add_argument("--max-length", type=_positive_int, default=50, metavar="N",
                   help="translators: longest output of the decode endpoints (default: 50)")
    p.add_argument("--beam-width", type=_positive_int, default=4, metavar="N",
                   help="translators: beams of translate_beam (default: 4)")
    p.add_argument("--samples", metavar="FILE",
                   help="translators: texts to verify on, one per line (default: 50 random "
                   "id sequences)")
    p.add_argument("--no-verify", action="store_true", help="skip the verification")
    _add_debug(p)


# -- tune -----------------------------------------------------------------------------
def _tune_translate(args):
    name = args.name or "tuned_translator"
    model = os.path.join(args.output_dir, name + ".keras")
    data = getattr(args, "data", "dates")
    if data != "dates":
        _existing_file("--data", data)
    argv = _forward(args, TUNE_TRANSLATE) + ["--output", model]
    if args.verbose is not None:
        argv += ["--verbose", str(args.verbose)]
    _run_example("tune_translator", argv)
    _print_outputs([model, os.path.join(args.output_dir, name + "_search.json"),
                    getattr(args, "logdir", None)])
    return 0


def _tune_forecast(args):
    name = args.name or "tuned_forecaster"
    model = os.path.join(args.output_dir, name + ".keras")
    args.data = getattr(args, "data", "synthetic")
    _check_forecast_data(args)
    forwarded = [o for o in TUNE_FORECAST if o[0] != "--data"]
    data_argv = _data_argv(args)
    argv = data_argv + _forward(args, forwarded) + ["--output", model]
    if args.verbose is not None:
        argv += ["--verbose", str(args.verbose)]
    _run_example("tune_forecaster", argv)
    data_options = ("--target", "--protocol", "--window", "--horizon", "--split", "--num-steps")
    record_argv = data_argv + _forward(args, [o for o in TUNE_FORECAST if o[0] in data_options])
    series = _rebuild_series({"example": "tune_forecaster", "argv": record_argv})
    sidecar = _write_preprocessing(model, series, "tune_forecaster", record_argv)
    _print_outputs([model, os.path.join(args.output_dir, name + "_search.json"), sidecar,
                    getattr(args, "logdir", None)])
    return 0


def _add_tune(sub, wanted):
    p = sub.add_parser(
        "tune",
        help="KerasTuner search over translator or forecaster architectures",
        description="Hyperparameter search with KerasTuner (examples/tune_translator.py, "
        "tune_forecaster.py): search, retrain the best configuration, save it.",
    )
    tasks = p.add_subparsers(dest="task", metavar="{translate,forecast}", required=True)
    common_epilog = (
        "\nEach trial prints one progress line (a bar on a terminal); --verbose 1 adds\n"
        "KerasTuner's trial tables and Keras progress bars."
    )
    tp = tasks.add_parser(
        "translate",
        help="search Seq2SeqTranslator architectures (dates or a pair file)",
        description=(
            "Search attention type, encoder, sizes, dropout, learning rate and batch size\n"
            "of a Seq2SeqTranslator (keras_attention.tuners.HyperSeq2SeqTranslator) on the\n"
            "date task or a sentence-pair file, then retrain the best configuration and\n"
            "save it. The defaults (6 trials x 2 epochs on 4,000 dates) take about 5\n"
            "minutes on 2 CPU cores."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention tune translate\n"
            "  keras-attention tune translate --max-trials 2 --epochs 1 --train-size 500\n"
            "  keras-attention tune translate --tuner hyperband --epochs 3\n"
            "\n"
            "Outputs: NAME.keras and NAME_search.json in --output-dir; the search in "
            "--directory." + common_epilog
        ),
    )
    tp.set_defaults(func=_tune_translate)
    fp = tasks.add_parser(
        "forecast",
        help="search TimeSeriesForecaster architectures",
        description=(
            "Search encoder, decoder, attention, input attention, size, dropout, learning\n"
            "rate and batch size of a TimeSeriesForecaster\n"
            "(keras_attention.tuners.HyperTimeSeriesForecaster) on a validation part,\n"
            "retrain the best, and evaluate it once on the test part next to the naive\n"
            "and linear baselines. The defaults (8 trials x 4 epochs on the embedded\n"
            "series) take about 4 minutes on 2 CPU cores."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention tune forecast\n"
            "  keras-attention tune forecast --max-trials 2 --epochs 1 --final-epochs 2\n"
            "  keras-attention tune forecast --data my.csv --target load --tuner bayesian\n"
            "\n"
            "Outputs: NAME.keras, NAME_search.json and NAME.preprocessing.json in "
            "--output-dir." + common_epilog
        ),
    )
    fp.set_defaults(func=_tune_forecast)
    for q, default_name in ((tp, "tuned_translator"), (fp, "tuned_forecaster")):
        q.add_argument("--output-dir", default="saved_models", metavar="DIR",
                       help="where the retrained best model goes (default: saved_models)")
        q.add_argument("--name", default=None, help=f"base name (default: {default_name})")
        q.add_argument("--verbose", type=int, choices=[0, 1, 2], default=None,
                       help="Keras fit and KerasTuner output (default: 0, one line per trial)")
    if wanted in (("tune", "translate"), "all"):
        _add_forwarded(tp.add_argument_group("search"), TUNE_TRANSLATE,
                       {"": _example_defaults("tune_translator")})
    if wanted in (("tune", "forecast"), "all"):
        _add_forwarded(fp.add_argument_group("data and search"), TUNE_FORECAST,
                       {"": _example_defaults("tune_forecaster")})
    for q in (tp, fp, p):
        _add_debug(q)


# -- plot-attention -------------------------------------------------------------------
def _plot_attention(args):
    model = _load_model(args.model)
    if _kind(model) == "forecaster":
        return _plot_forecaster_attention(args, model)
    from keras_attention.evaluation import plot_translation_attention

    texts, _ = _texts(args)
    sampler = _resolve_sampler_args(args)
    translations, attentions = _translate_corpus(
        model, texts, sampler, 64, progress=False, return_attention=True
    )
    output = args.output or "attention.png"
    if not output.endswith(".png"):
        raise UsageError(f"argument --output: must end in .png, got {output!r}")
    paths = []
    for i, (text, prediction, attention) in enumerate(
        zip(texts, translations, attentions, strict=True)
    ):
        path = output if len(texts) == 1 else f"{output[:-4]}_{i + 1}.png"
        plot_translation_attention(attention, path, title=f"{text!r} → {prediction!r}")
        print(f"{text!r} -> {prediction!r}: {attention['weights'].shape[0]} output x "
              f"{attention['weights'].shape[1]} source tokens")
        paths.append(path)
    _print_outputs(paths)
    return 0


def _plot_forecaster_attention(args, model):
    if args.text:
        raise UsageError("TEXT arguments are for translators; give a forecaster --input CSV")
    if not args.input:
        raise UsageError("argument --input: required with a forecaster (a CSV of the series)")
    series = _forecast_inputs(args, model)
    out_dir = pathlib.Path(args.output or "attention")
    if out_dir.suffix == ".png":
        raise UsageError(
            f"argument --output: a forecaster writes several PNGs; give a folder, got {out_dir}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, _ = _example("forecast").save_plots(model, series, out_dir)
    _print_outputs(paths)
    return 0


def _add_plot_attention(sub):
    p = sub.add_parser(
        "plot-attention",
        help="PNG heat maps of a model's attention for given inputs",
        description=(
            "Draw attention matrices as PNG.\n"
            "\n"
            "Translator: one PNG per TEXT (or per line of --input): rows are the output\n"
            "tokens, columns the source tokens (keras_attention.evaluation\n"
            ".plot_translation_attention). With several texts, --output x.png becomes\n"
            "x_1.png, x_2.png, ...\n"
            "\n"
            "Forecaster: --input CSV (scaled with the training scaler); --output is a\n"
            "folder that receives temporal_attention.png (windows x lags), forecast.png\n"
            "and, with input attention, input_attention.png (examples/forecast.py's plots)."
        ),
        epilog=(
            "Examples:\n"
            '  keras-attention plot-attention "Tuesday, 3 March 1998"\n'
            '  keras-attention plot-attention "03/03/98" "the 21st of July, 2031" '
            "--output dates.png\n"
            "  keras-attention plot-attention --model runs/forecast/model.keras "
            "--input series.csv --output runs/forecast/attention"
        ),
    )
    p.set_defaults(func=_plot_attention)
    p.add_argument("text", nargs="*", metavar="TEXT", help="translator inputs")
    p.add_argument("--model", default=DEFAULT_TRANSLATOR, metavar="PATH.keras",
                   help=f"translator or forecaster (default: {DEFAULT_TRANSLATOR})")
    p.add_argument("--input", metavar="FILE",
                   help="translator: texts, one per line; forecaster: the series CSV")
    p.add_argument("--output", metavar="PATH",
                   help="translator: PNG path (default: attention.png); forecaster: "
                   "a folder (default: attention/)")
    p.add_argument("--interpolate", action="store_true", help="forecaster: fill missing cells")
    _add_sampler_options(p)
    _add_debug(p)


# -- parser and entry point -------------------------------------------------------------
def _add_debug(parser):
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show the full traceback of an error",
    )


def _version():
    from keras_attention import __version__

    return __version__


def _wanted(argv):
    """(command, task) named on the command line, to build only what is used."""
    words = [a for a in argv if not a.startswith("-")]
    if not words:
        return None
    if words[0] in ("train", "tune"):
        return (words[0], words[1] if len(words) > 1 else None)
    return (words[0], None)


def build_parser(argv=None):
    """The argument parser; `argv` limits the example-derived options to the
    command it names (`None`: every command, e.g. for documentation)."""
    wanted = "all" if argv is None else _wanted(argv)
    parser = _Parser(
        prog=PROG,
        description=(
            "Attention RNN models for Keras 3 from the command line: train, translate,\n"
            "forecast, evaluate, export, tune and plot attention."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention train translate            # train the date translator\n"
            '  keras-attention translate "3 mar. 1998"    # -> 1998-03-03\n'
            "  keras-attention evaluate                   # exact match on unseen dates\n"
            "  keras-attention export                     # SavedModel + .tflite, verified\n"
            "  keras-attention train forecast             # the embedded time series\n"
            "  keras-attention tune forecast --max-trials 4\n"
            "\n"
            "'keras-attention COMMAND --help' shows each command's options; docs/cli.md\n"
            "has more."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_train(sub, wanted)
    _add_translate(sub)
    _add_forecast(sub)
    _add_evaluate(sub)
    _add_export(sub)
    _add_tune(sub, wanted)
    _add_plot_attention(sub)
    return parser


def main(argv=None):
    """Runs the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    try:
        args = build_parser(argv).parse_args(argv)
        debug = debug or getattr(args, "debug", False)
        return args.func(args) or 0
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except SystemExit as e:  # --help, --version
        if debug and e.code not in (None, 0):
            raise
        if isinstance(e.code, str):
            print(f"{PROG}: error: {e.code}", file=sys.stderr)
            return 1
        return e.code or 0
    except Exception as e:
        if debug:
            raise
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return getattr(e, "status", 1)


if __name__ == "__main__":
    sys.exit(main())
