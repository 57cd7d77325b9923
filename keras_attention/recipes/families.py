"""The registry of model families: what the command line does with each kind of model.

A `Family` maps a family name (`model.family`: "translator", "forecaster")
to its jobs: `train`, `tune`, `run` (the command named after the family's
task: `translate`, `forecast`), `evaluate` and `plot`. Each `Job` names
its configuration classes, the recipe function that does the work
("module:function", imported only when the job runs) and the texts of its
`--help`. The command line builds its parsers from this registry and looks
a loaded model up in it (`family_of`), so it holds no model-type branches:
a new family (a captioner) is one more entry here and its own recipe
module.

This module imports only the standard library.

>>> from keras_attention.recipes.families import FAMILIES
>>> FAMILIES["forecaster"].task, FAMILIES["translator"].default_model
('forecast', 'saved_models/date_translator.keras')
"""

import dataclasses
import importlib

from keras_attention.recipes import command_configs as cc
from keras_attention.recipes import configs


@dataclasses.dataclass(frozen=True)
class Job:
    """One job of a family: its configurations, its function and its texts.

    Args:
        configs: the configuration classes whose fields are the options.
        function: "module:function" that does it.
        select: "module:function" choosing among several `configs` from the
            given option values (default: the first class).
        help: one line in the parent command's `--help`.
        description: the command's `--help` text (or, for the commands
            shared by every family, this family's paragraph of it).
        examples: command lines shown under "Examples:".
        outputs: what it writes, shown after the examples.

    Example:

    >>> job = Job(configs=(configs.DatesConfig,), function="math:sqrt")
    >>> job.call(16.0)
    4.0
    """

    configs: tuple
    function: str
    select: str | None = None
    help: str = ""
    description: str = ""
    examples: tuple = ()
    outputs: str = ""

    def call(self, *args, **kwargs):
        return _resolve(self.function)(*args, **kwargs)

    def config_class(self, values):
        """The configuration class for the given option values."""
        return _resolve(self.select)(values) if self.select else self.configs[0]


def _resolve(spec):
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


@dataclasses.dataclass(frozen=True)
class Family:
    """A kind of model and its jobs (see the module docstring).

    Args:
        name: the family name (`model.family`).
        task: the command-line word of its jobs (`train translate`, the
            `translate` command).
        model_class: the model's class name (how a model is recognised
            until every model class has its `family` attribute).
        default_model: the `--model` of the commands that run it.
        train, tune, run, evaluate, plot: its `Job`s.

    Example:

    >>> FAMILIES["translator"].evaluate.configs[0].__name__
    'EvaluateTranslatorConfig'
    """

    name: str
    task: str
    model_class: str
    default_model: str
    train: Job
    tune: Job
    run: Job
    evaluate: Job
    plot: Job


T = "keras_attention.recipes.translation"
F = "keras_attention.recipes.forecasting"
TUNING = "keras_attention.recipes.tuning"

TRANSLATOR = Family(
    name="translator",
    task="translate",
    model_class="Seq2SeqTranslator",
    default_model="saved_models/date_translator.keras",
    train=Job(
        configs=(configs.DatesConfig, configs.PairsConfig),
        select="keras_attention.recipes.configs:translator_train_config",
        function=f"{T}:train",
        help="train a Seq2SeqTranslator (dates, or a sentence-pair file)",
        description=(
            "Train a Seq2SeqTranslator. With --data dates (the default): the character-\n"
            "level date normaliser of the README (keras_attention.recipes.translation\n"
            ".train_dates), trained on the embedded, generated data set (about 3-5 minutes\n"
            "on 2 CPU cores with the defaults), evaluated on 2,000 unseen dates, exported\n"
            "to SavedModel and LiteRT. With --data FILE (an Anki-format sentence-pair\n"
            "file: .txt, .xz, .gz or .zip): a word-level translator (train_pairs), with\n"
            "corpus BLEU on the test split."
        ),
        examples=(
            "keras-attention train translate",
            "keras-attention train translate --epochs 2 --train-size 4000 --no-export",
            "keras-attention train translate --attention luong --score-mode general",
            "keras-attention train translate --data spa.txt.xz --max-pairs 20000 --epochs 2",
            "keras-attention train translate --checkpoint-dir ckpt/dates   # rerun to resume",
        ),
        outputs=(
            "Outputs (in --output-dir): NAME.keras, NAME_attention.png, NAME_metrics.json;\n"
            "with dates also NAME/ (SavedModel), NAME.tflite and NAME.vocab.json."
        ),
    ),
    tune=Job(
        configs=(configs.TuneTranslatorConfig,),
        function=f"{TUNING}:tune_translator",
        help="search Seq2SeqTranslator architectures (dates or a pair file)",
        description=(
            "Search attention type, encoder, sizes, dropout, learning rate and batch size\n"
            "of a Seq2SeqTranslator (keras_attention.tuners.HyperSeq2SeqTranslator) on the\n"
            "date task or a sentence-pair file, then retrain the best configuration and\n"
            "save it. The defaults (6 trials x 2 epochs on 4,000 dates) take about 5\n"
            "minutes on 2 CPU cores."
        ),
        examples=(
            "keras-attention tune translate",
            "keras-attention tune translate --max-trials 2 --epochs 1 --train-size 500",
            "keras-attention tune translate --tuner hyperband --epochs 3",
        ),
        outputs="Outputs: NAME.keras and NAME_search.json in --output-dir; the search in "
        "--directory.",
    ),
    run=Job(
        configs=(cc.TranslateConfig,),
        function=f"{T}:run",
        help="translate text with a trained translator (.keras)",
        description=(
            "Translate text with a Seq2SeqTranslator saved as .keras. The text comes from\n"
            "the TEXT arguments, from --input FILE (one sentence per line; '-' for stdin)\n"
            "or from stdin; translations are written one per line to --output or stdout.\n"
            "Decoding a file shows a progress bar on stderr."
        ),
        examples=(
            'keras-attention translate "3 mar. 1998" "Tuesday, 3 March 1998"',
            'keras-attention translate --sampler beam --beam-width 5 "03/03/98"',
            "keras-attention translate --input dates.txt --output iso_dates.txt",
            "echo '21 July 2031' | keras-attention translate",
            'keras-attention translate --model saved_models/pairs_translator.keras '
            '"Tengo hambre."',
        ),
    ),
    evaluate=Job(
        configs=(cc.EvaluateTranslatorConfig,),
        function=f"{T}:evaluate",
        description=(
            "Translator: translates the evaluation pairs (greedy or beam search, with a\n"
            "progress bar) and reports exact match, and for word-level models corpus BLEU\n"
            "(sacrebleu) overall and by source length. --data dates uses the unseen test\n"
            "dates of the date recipe; --data FILE a sentence-pair file, either its test\n"
            "split as the sentence-pair recipe makes it (--split test) or every pair\n"
            "(--split all)."
        ),
        examples=(
            "keras-attention evaluate",
            "keras-attention evaluate --model saved_models/date_translator.keras --limit 200 "
            "--sampler beam",
            "keras-attention evaluate --model saved_models/pairs_translator.keras "
            "--data spa.txt.xz",
        ),
    ),
    plot=Job(
        configs=(cc.PlotTranslatorConfig,),
        function=f"{T}:plot_attention",
        description=(
            "Translator: one PNG per TEXT (or per line of --input): rows are the output\n"
            "tokens, columns the source tokens. With several texts, --output x.png becomes\n"
            "x_1.png, x_2.png, ..."
        ),
        examples=(
            'keras-attention plot-attention "Tuesday, 3 March 1998"',
            'keras-attention plot-attention "03/03/98" "the 21st of July, 2031" '
            "--output dates.png",
        ),
    ),
)

FORECASTER = Family(
    name="forecaster",
    task="forecast",
    model_class="TimeSeriesForecaster",
    default_model="runs/forecast/model.keras",
    train=Job(
        configs=(configs.ForecastConfig,),
        function=f"{F}:train",
        help="train a TimeSeriesForecaster (embedded series, NASDAQ-100, SML2010, a CSV)",
        description=(
            "Train a TimeSeriesForecaster (keras_attention.recipes.forecasting.train): an\n"
            "attention encoder-decoder (DA-RNN style) on a target series and driving\n"
            "series, shown next to the naive and linear baselines, under an explicit\n"
            "protocol (nowcast: drivers seen up to the target time; forecast: strictly\n"
            "before). The default, the embedded series, trains in about a minute on 2 CPU\n"
            "cores. The model keeps its preprocessing (columns, fitted scaler) in its\n"
            "config, which 'keras-attention forecast' and 'evaluate' use."
        ),
        examples=(
            "keras-attention train forecast",
            "keras-attention train forecast --epochs 5 --output-dir runs/quick",
            "keras-attention train forecast --data my.csv --target load --protocol forecast",
            "keras-attention train forecast --data sml2010 --encoder gru --epochs 100",
        ),
        outputs=(
            "Outputs (in --output-dir): model.keras, metrics.json,\n"
            "forecast.png, temporal_attention.png (and input_attention.png)."
        ),
    ),
    tune=Job(
        configs=(configs.TuneForecasterConfig,),
        function=f"{TUNING}:tune_forecaster",
        help="search TimeSeriesForecaster architectures",
        description=(
            "Search encoder, decoder, attention, input attention, size, dropout, learning\n"
            "rate and batch size of a TimeSeriesForecaster\n"
            "(keras_attention.tuners.HyperTimeSeriesForecaster) on a validation part,\n"
            "retrain the best, and evaluate it once on the test part next to the naive\n"
            "and linear baselines. The defaults (8 trials x 4 epochs on the embedded\n"
            "series) take about 4 minutes on 2 CPU cores."
        ),
        examples=(
            "keras-attention tune forecast",
            "keras-attention tune forecast --max-trials 2 --epochs 1 --final-epochs 2",
            "keras-attention tune forecast --data my.csv --target load --tuner bayesian",
        ),
        outputs="Outputs: NAME.keras and NAME_search.json in --output-dir.",
    ),
    run=Job(
        configs=(cc.ForecastRunConfig,),
        function=f"{F}:run",
        help="predict a CSV with a trained forecaster (CSV in, CSV out)",
        description=(
            "Forecast with a TimeSeriesForecaster saved as .keras. --input is a CSV with\n"
            "the model's target and driving-series columns (other columns are ignored),\n"
            "one row per time step; it is scaled with the scaler fitted at training time\n"
            "(saved with the model). Every window of the input is predicted, including\n"
            "the step after its last row when the protocol is 'forecast'. Rows at the end whose target is\n"
            "empty are the values to predict: each is predicted in turn, feeding the\n"
            "predictions before it back as past values, and never scored. The output CSV\n"
            "has one line per predicted value: row (0-based row of --input), step\n"
            "(1..horizon), the actual target where known, and <target>_predicted."
        ),
        examples=(
            "keras-attention forecast --input series.csv",
            "keras-attention forecast --model runs/forecast/model.keras --input series.csv "
            "--output predictions.csv",
        ),
    ),
    evaluate=Job(
        configs=(cc.EvaluateForecasterConfig,),
        function=f"{F}:evaluate",
        description=(
            "Forecaster: rebuilds the data it was trained on (recorded in the run's\n"
            "metrics.json or NAME_search.json; --data evaluates another series the same\n"
            "way) and\n"
            "reports RMSE, MAE, MAPE, nRMSE on the test part next to the naive\n"
            "(last value) and linear autoregressive baselines, naming the protocol."
        ),
        examples=("keras-attention evaluate --model runs/forecast/model.keras",),
    ),
    plot=Job(
        configs=(cc.PlotForecasterConfig,),
        function=f"{F}:plot_attention",
        description=(
            "Forecaster: --input CSV (scaled with the training scaler); --output is a\n"
            "folder that receives temporal_attention.png (windows x lags), forecast.png\n"
            "and, with input attention, input_attention.png."
        ),
        examples=(
            "keras-attention plot-attention --model runs/forecast/model.keras "
            "--input series.csv --output runs/forecast/attention",
        ),
    ),
)

#: Every family, by name; the first one's model is the default `--model` of
#: the commands shared by every family (evaluate, export, plot-attention).
FAMILIES = {f.name: f for f in (TRANSLATOR, FORECASTER)}


def family_of(model):
    """The `Family` of a model (`type(model).family`, else its class name).

    Example:

    >>> class Seq2SeqTranslator:  # a model class without `family` yet
    ...     pass
    >>> family_of(Seq2SeqTranslator()).name
    'translator'
    >>> class Captioner:
    ...     family = "captioner"
    >>> family_of(Captioner())
    Traceback (most recent call last):
    ...
    ValueError: No keras_attention model family 'captioner' (Captioner). Known families: translator, forecaster
    """
    # Until every model class carries `family`, the class name tells.
    name = getattr(type(model), "family", None)
    if name is None:
        by_class = {f.model_class: f.name for f in FAMILIES.values()}
        name = by_class.get(type(model).__name__)
    if name not in FAMILIES:
        raise ValueError(
            f"No keras_attention model family {name!r} ({type(model).__name__}). "
            f"Known families: {', '.join(FAMILIES)}"
        )
    return FAMILIES[name]
