"""The registry of model families: what the command line does with each kind of model.

A `Family` maps a family name (`model.family`: "translator", "forecaster",
"captioner")
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
import re

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


def _texts(page):
    """Each job's `help`, `description`, `examples` and `outputs` from a page.

    The page has a section per job: a line `== job: help` (`== job` for no
    help), the description's lines, the examples (lines starting with `$ `),
    then the outputs' lines.

    Example:

    >>> _texts("== run: do it\\nDoes it.\\n$ do-it\\nOutputs: it.")["run"]["examples"]
    ('do-it',)
    """
    texts = {}
    for section in re.split(r"^== ", page, flags=re.MULTILINE)[1:]:
        head, *lines = section.strip("\n").split("\n")
        job, _, help_ = head.partition(": ")
        shown = [i for i, line in enumerate(lines) if line.startswith("$ ")]
        first, last = shown[0], shown[-1] + 1
        texts[job] = dict(
            help=help_,
            description="\n".join(lines[:first]),
            examples=tuple(line[2:] for line in lines[first:last]),
            outputs="\n".join(lines[last:]),
        )
    return texts


def _family(
    name, task, model_class, default_model, recipes, page, *, configs, tune, select=None
):
    """A `Family` whose recipe module `recipes` has `train`, `run`, `evaluate`
    and `plot_attention`; `configs` holds the configuration classes of each job
    (train, tune, run, evaluate, plot), `tune` the tuning function, `select`
    the train job's choice among its configurations, `page` the texts (`_texts`).
    """
    functions = {
        "train": f"{recipes}:train",
        "tune": tune,
        "run": f"{recipes}:run",
        "evaluate": f"{recipes}:evaluate",
        "plot": f"{recipes}:plot_attention",
    }
    texts = _texts(page)
    jobs = {
        job: Job(
            configs=job_configs,
            function=functions[job],
            select=select if job == "train" else None,
            **texts[job],
        )
        for job, job_configs in zip(functions, configs, strict=True)
    }
    return Family(
        name=name,
        task=task,
        model_class=model_class,
        default_model=default_model,
        **jobs,
    )


TUNING = "keras_attention.recipes.tuning"

TRANSLATOR = _family(
    "translator",
    "translate",
    "Seq2SeqTranslator",
    "saved_models/date_translator.keras",
    "keras_attention.recipes.translation",
    """
== train: train a Seq2SeqTranslator (dates, or a sentence-pair file)
Train a Seq2SeqTranslator. With --data dates (the default): the character-
level date normaliser of the README (keras_attention.recipes.translation
.train_dates), trained on the embedded, generated data set (about 3-5 minutes
on 2 CPU cores with the defaults), evaluated on 2,000 unseen dates, exported
to SavedModel and LiteRT. With --data FILE (an Anki-format sentence-pair
file: .txt, .xz, .gz or .zip): a word-level translator (train_pairs), with
corpus BLEU on the test split.
$ keras-attention train translate
$ keras-attention train translate --epochs 2 --train-size 4000 --no-export
$ keras-attention train translate --attention luong --score-mode general
$ keras-attention train translate --data spa.txt.xz --max-pairs 20000 --epochs 2
$ keras-attention train translate --checkpoint-dir ckpt/dates   # rerun to resume
Outputs (in --output-dir): NAME.keras, NAME_attention.png, NAME_metrics.json;
with dates also NAME/ (SavedModel), NAME.tflite and NAME.vocab.json.
== tune: search Seq2SeqTranslator architectures (dates or a pair file)
Search attention type, encoder, sizes, dropout, learning rate and batch size
of a Seq2SeqTranslator (keras_attention.tuners.HyperSeq2SeqTranslator) on the
date task or a sentence-pair file, then retrain the best configuration and
save it. The defaults (6 trials x 2 epochs on 4,000 dates) take about 5
minutes on 2 CPU cores.
$ keras-attention tune translate
$ keras-attention tune translate --max-trials 2 --epochs 1 --train-size 500
$ keras-attention tune translate --tuner hyperband --epochs 3
Outputs: NAME.keras and NAME_search.json in --output-dir; the search in --directory.
== run: translate text with a trained translator (.keras)
Translate text with a Seq2SeqTranslator saved as .keras. The text comes from
the TEXT arguments, from --input FILE (one sentence per line; '-' for stdin)
or from stdin; translations are written one per line to --output or stdout.
Decoding a file shows a progress bar on stderr.
$ keras-attention translate "3 mar. 1998" "Tuesday, 3 March 1998"
$ keras-attention translate --sampler beam --beam-width 5 "03/03/98"
$ keras-attention translate --input dates.txt --output iso_dates.txt
$ echo '21 July 2031' | keras-attention translate
$ keras-attention translate --model saved_models/pairs_translator.keras "Tengo hambre."
== evaluate
Translator: translates the evaluation pairs (greedy or beam search, with a
progress bar) and reports exact match, and for word-level models corpus BLEU
(sacrebleu) overall and by source length. --data dates uses the unseen test
dates of the date recipe; --data FILE a sentence-pair file, either its test
split as the sentence-pair recipe makes it (--split test) or every pair
(--split all).
$ keras-attention evaluate
$ keras-attention evaluate --model saved_models/date_translator.keras --limit 200 --sampler beam
$ keras-attention evaluate --model saved_models/pairs_translator.keras --data spa.txt.xz
== plot
Translator: one PNG per TEXT (or per line of --input): rows are the output
tokens, columns the source tokens. With several texts, --output x.png becomes
x_1.png, x_2.png, ...
$ keras-attention plot-attention "Tuesday, 3 March 1998"
$ keras-attention plot-attention "03/03/98" "the 21st of July, 2031" --output dates.png
""",
    configs=(
        (configs.DatesConfig, configs.PairsConfig),
        (configs.TuneTranslatorConfig,),
        (cc.TranslateConfig,),
        (cc.EvaluateTranslatorConfig,),
        (cc.PlotTranslatorConfig,),
    ),
    tune=f"{TUNING}:tune_translator",
    select="keras_attention.recipes.configs:translator_train_config",
)

FORECASTER = _family(
    "forecaster",
    "forecast",
    "TimeSeriesForecaster",
    "runs/forecast/model.keras",
    "keras_attention.recipes.forecasting",
    """
== train: train a TimeSeriesForecaster (embedded series, NASDAQ-100, SML2010, a CSV)
Train a TimeSeriesForecaster (keras_attention.recipes.forecasting.train): an
attention encoder-decoder (DA-RNN style) on a target series and driving
series, shown next to the naive and linear baselines, under an explicit
protocol (nowcast: drivers seen up to the target time; forecast: strictly
before). The default, the embedded series, trains in about a minute on 2 CPU
cores. The model keeps its preprocessing (columns, fitted scaler) in its
config, which 'keras-attention forecast' and 'evaluate' use.
$ keras-attention train forecast
$ keras-attention train forecast --epochs 5 --output-dir runs/quick
$ keras-attention train forecast --data my.csv --target load --protocol forecast
$ keras-attention train forecast --data sml2010 --encoder gru --epochs 100
Outputs (in --output-dir): model.keras, metrics.json,
forecast.png, temporal_attention.png (and input_attention.png).
== tune: search TimeSeriesForecaster architectures
Search encoder, decoder, attention, input attention, size, dropout, learning
rate and batch size of a TimeSeriesForecaster
(keras_attention.tuners.HyperTimeSeriesForecaster) on a validation part,
retrain the best, and evaluate it once on the test part next to the naive
and linear baselines. The defaults (8 trials x 4 epochs on the embedded
series) take about 4 minutes on 2 CPU cores.
$ keras-attention tune forecast
$ keras-attention tune forecast --max-trials 2 --epochs 1 --final-epochs 2
$ keras-attention tune forecast --data my.csv --target load --tuner bayesian
Outputs: NAME.keras and NAME_search.json in --output-dir.
== run: predict a CSV with a trained forecaster (CSV in, CSV out)
Forecast with a TimeSeriesForecaster saved as .keras. --input is a CSV with
the model's target and driving-series columns (other columns are ignored),
one row per time step; it is scaled with the scaler fitted at training time
(saved with the model). Every window of the input is predicted, including
the step after its last row when the protocol is 'forecast'. Rows at the end whose target is
empty are the values to predict: each is predicted in turn, feeding the
predictions before it back as past values, and never scored. The output CSV
has one line per predicted value: row (0-based row of --input), step
(1..horizon), the actual target where known, and <target>_predicted.
$ keras-attention forecast --input series.csv
$ keras-attention forecast --model runs/forecast/model.keras --input series.csv --output predictions.csv
== evaluate
Forecaster: rebuilds the data it was trained on (recorded in the run's
metrics.json or NAME_search.json; --data evaluates another series the same
way) and
reports RMSE, MAE, MAPE, nRMSE on the test part next to the naive
(last value) and linear autoregressive baselines, naming the protocol.
$ keras-attention evaluate --model runs/forecast/model.keras
== plot
Forecaster: --input CSV (scaled with the training scaler); --output is a
folder that receives temporal_attention.png (windows x lags), forecast.png
and, with input attention, input_attention.png.
$ keras-attention plot-attention --model runs/forecast/model.keras --input series.csv --output runs/forecast/attention
""",
    configs=(
        (configs.ForecastConfig,),
        (configs.TuneForecasterConfig,),
        (cc.ForecastRunConfig,),
        (cc.EvaluateForecasterConfig,),
        (cc.PlotForecasterConfig,),
    ),
    tune=f"{TUNING}:tune_forecaster",
)

CAPTIONER = _family(
    "captioner",
    "caption",
    "ImageCaptioner",
    "saved_models/digit_captioner.keras",
    "keras_attention.recipes.captioning",
    """
== train: train an ImageCaptioner (Show, Attend and Tell) on handwritten-digit canvases
Train an ImageCaptioner (keras_attention.recipes.captioning.train_captioner):
a small convolutional encoder and an attention GRU decoder that reads canvases
of 1-5 real handwritten digits (scikit-learn's digits, no download) as words
("three one four"), with soft, hard (REINFORCE) or no spatial attention.
Evaluated on unseen handwriting: exact match, per digit, per length, 6-digit
canvases and attention localisation; exported to SavedModel and LiteRT. The
defaults (12 epochs on 20,000 canvases) take about 10 minutes on 2 CPU cores.
$ keras-attention train caption
$ keras-attention train caption --epochs 2 --train-size 2000 --no-export
$ keras-attention train caption --attention hard --epochs 8
$ keras-attention train caption --attention none
Outputs (in --output-dir): NAME.keras, NAME_demo.png, NAME_attention.png,
NAME_metrics.json; unless --no-export also NAME/ (SavedModel), NAME.tflite and
NAME.vocab.json.
== tune: search ImageCaptioner architectures
Search encoder size, location features, decoder size, context gate and
learning rate of an ImageCaptioner (keras_attention.tuners.HyperImageCaptioner)
on digit canvases, then retrain the best configuration and save it.
$ keras-attention tune caption --max-trials 2 --epochs 1 --train-size 500
Outputs: NAME.keras and NAME_search.json in --output-dir; the search in --directory.
== run: caption images with a trained captioner (.png or .npy in, text out)
Caption images with an ImageCaptioner saved as .keras: one line per image
(a .npy holding several images gives one line per image). Images are
resized to the model's image shape; 8-bit images are scaled to [0, 1].
$ keras-attention caption saved_models/digit_captioner_demo.png
$ keras-attention caption --sampler beam --beam-width 3 canvases.npy
== evaluate
Captioner: captions unseen digit canvases (the test digit images of
--data-seed) and reports exact match, per-digit accuracy, exact match per
length, on 6-digit canvases, and attention localisation (the share of
emitted digits whose attention peak lies in that digit's box).
$ keras-attention evaluate --model saved_models/digit_captioner.keras --limit 500
== plot
Captioner: --input IMAGE (.png, .npy): the image with the attention of every
emitted word overlaid, one panel per word.
$ keras-attention plot-attention --model saved_models/digit_captioner.keras --input saved_models/digit_captioner_demo.png --output caption_attention.png
""",
    configs=(
        (configs.CaptionConfig,),
        (configs.TuneCaptionerConfig,),
        (cc.CaptionRunConfig,),
        (cc.EvaluateCaptionerConfig,),
        (cc.PlotCaptionerConfig,),
    ),
    tune="keras_attention.recipes.captioning:tune_captioner",
)

#: Every family, by name; the first one's model is the default `--model` of
#: the commands shared by every family (evaluate, export, plot-attention).
FAMILIES = {f.name: f for f in (TRANSLATOR, FORECASTER, CAPTIONER)}


def family_of(model):
    """The `Family` of a model (`type(model).family`, else its class name).

    Example:

    >>> class Seq2SeqTranslator:  # a model class without `family` yet
    ...     pass
    >>> family_of(Seq2SeqTranslator()).name
    'translator'
    >>> class Painter:
    ...     family = "painter"
    >>> family_of(Painter())
    Traceback (most recent call last):
    ...
    ValueError: No keras_attention model family 'painter' (Painter). Known families: translator, forecaster, captioner
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
