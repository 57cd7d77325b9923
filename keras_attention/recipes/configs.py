"""The configurations of the recipes: every default declared once.

One dataclass per pipeline (`DatesConfig`, `PairsConfig`, `ForecastConfig`,
`CaptionConfig`, `TuneTranslatorConfig`, `TuneForecasterConfig`,
`TuneCaptionerConfig`; those of the commands that
use a trained model are in `recipes.command_configs`). Each field holds its default, its help
text and its check (`options.option`); the command line and the example
scripts make their options from them (`options.add_options`,
`options.parse_config`), and Python code builds them directly:

>>> from keras_attention.recipes.configs import DatesConfig
>>> DatesConfig(epochs=2, train_size=4000).units
64

This module imports only the standard library (`keras-attention --help`
reads it without importing TensorFlow). The choices of the model arguments
repeat the models' own tuples; tests/recipes/configs_test.py checks that
they agree.
"""

import dataclasses

from keras_attention.recipes.options import ConfigError, check_config, option

STRATEGIES = ("none", "mirrored", "multiworker")
LOCAL_STRATEGIES = ("none", "mirrored")
TRANSLATOR_ATTENTIONS = (
    "bahdanau", "luong", "none", "bahdanau_monotonic", "luong_monotonic", "mocha")
MONOTONIC_ATTENTIONS = ("bahdanau_monotonic", "luong_monotonic", "mocha")
MONOTONIC_MODES = ("recursive", "parallel", "hard")
MONOTONIC_OPTIONS = ("monotonic_mode", "sigmoid_noise", "score_bias_init", "chunk_size")
FORECASTER_ATTENTIONS = ("bahdanau", "luong", "none")
SCORE_MODES = ("dot", "scaled_dot", "general", "concat", "location")
TRANSLATOR_ENCODERS = ("gru", "lstm", "simple")
FORECASTER_ENCODERS = ("lstm", "gru", "simple", "bilstm", "bigru")
FORECASTER_DECODERS = ("lstm", "gru")
FORECASTER_STRATEGIES = ("direct", "recursive")
FORECASTER_REVIN = ("last", "mean", "none")
PROTOCOLS = ("nowcast", "forecast")
SCALINGS = ("standard", "minmax")
SERIES = ("synthetic", "nasdaq", "sml2010")
TUNERS = ("random", "hyperband", "bayesian")
SAMPLERS = ("greedy", "beam")
CAPTIONER_ATTENTIONS = ("soft", "hard", "none")
CAPTIONER_POSITIONS = ("onehot", "learned", "none")
CAPTIONER_CELLS = ("gru", "lstm")
VERBOSE_HELP = "Keras fit output: 0 none, 1 progress bars, 2 a line per epoch"


class _Checked:
    def __post_init__(self):
        check_config(self)


# -- shared groups of fields ---------------------------------------------------------
@dataclasses.dataclass
class RunOptions(_Checked):
    """Reliability and logging options of a training run (docs/reliability.md).

    Example:

    >>> RunOptions(checkpoint_dir="ckpt").strategy
    'none'
    """

    GENERIC_OPTIONS = True  # listed after a recipe's own options

    checkpoint_dir: str | None = option(
        None, "back up the training state every epoch; run the same command again to "
        "resume (the folder is deleted when training completes)", metavar="DIR", output="dir")
    strategy: str = option("none", "tf.distribute strategy (docs/distributed.md)",
                           choices=STRATEGIES)
    deterministic: bool = option(
        False, "deterministic TensorFlow ops: the same seed gives the same weights")
    logdir: str | None = option(
        None, "TensorBoard folder: training curves and attention images", metavar="DIR",
        output="dir")
    verbose: int | None = option(
        None, VERBOSE_HELP + " (default: 1 on a terminal, else 2)", choices=(0, 1, 2))


@dataclasses.dataclass
class SeriesConfig(_Checked):
    """Which series, and how it is cut into windows (`make_windows`).

    Example:

    >>> SeriesConfig(data="my.csv", target="load").protocol
    'nowcast'
    """

    data: str = option(
        "synthetic", "'synthetic' (the embedded series), 'nasdaq', 'sml2010', a "
        ".csv/.csv.xz path or a folder holding the two SML2010 files", metavar="NAME|CSV")
    target: str | None = option(
        None, "target column (default per data set; required with a CSV)", metavar="COLUMN")
    features: str | None = option(
        None, "comma-separated driving series (default: every other column; SML2010: "
        "DA-RNN's 16)", metavar="A,B,...")
    protocol: str = option(
        "nowcast", "nowcast: drivers seen up to the target time (DA-RNN); forecast: "
        "strictly before it", choices=PROTOCOLS)
    window: int = option(10, "look-back steps", check="positive", metavar="T")
    horizon: int = option(1, "steps predicted", check="positive", metavar="H")
    split: str | None = option(
        None, "train,[val,]test ratios '0.7,0.3' or row counts '3200,400,537' (default: "
        "SML2010 3200,400,537, others 0.7,0.3)", metavar="R,R[,R]")
    scaling: str = option("standard", "scaler fitted on the training rows", choices=SCALINGS)
    interpolate: bool = option(False, "fill missing cells by linear interpolation")
    num_steps: int = option(3000, "rows of the embedded series", check="positive",
                            metavar="N")
    validation_fraction: float = option(
        0.0, "with a 2-part split, the last fraction of the training rows becomes the "
        "validation part (early stopping, the linear part's penalties); the test rows do "
        "not change; 0: none", check="rate", metavar="F")

    def split_parts(self):
        """`split` as a tuple of ratios (floats) or row counts (ints), or None."""
        if self.split is None:
            return None
        parts = [s.strip() for s in str(self.split).split(",") if s.strip()]
        try:
            return tuple(float(s) if "." in s else int(s) for s in parts)
        except ValueError:
            raise ConfigError("split", f"must be numbers separated by commas, got "
                              f"{self.split!r}") from None

    def feature_list(self):
        """`features` as a list, or None."""
        if self.features is None:
            return None
        return [f.strip() for f in self.features.split(",") if f.strip()]


@dataclasses.dataclass
class DecodingOptions(_Checked):
    """How a translator decodes: the sampler and its options.

    `beam_width` and `length_penalty` default to `BeamSampler`'s own
    defaults (None here: not given).

    Example:

    >>> DecodingOptions(sampler="beam", beam_width=3).beam_width
    3
    >>> DecodingOptions(beam_width=3)
    Traceback (most recent call last):
    ...
    keras_attention.recipes.options.ConfigError: `beam_width` applies to sampler='beam' only. Received: sampler='greedy'
    """

    sampler: str = option("greedy", "decoding: greedy search or beam search", choices=SAMPLERS)
    beam_width: int | None = option(
        None, "beams of --sampler beam (default: BeamSampler's)", check="positive", metavar="N")
    length_penalty: float | None = option(
        None, "beam search length penalty, GNMT's alpha >= 0 (default: BeamSampler's)",
        metavar="ALPHA")
    batch_size: int = option(64, "sentences decoded together", check="positive", metavar="N")

    def __post_init__(self):
        super().__post_init__()
        for name in ("beam_width", "length_penalty"):
            if getattr(self, name) is not None and self.sampler != "beam":
                raise ConfigError(
                    name, f"only with --sampler beam (got --sampler {self.sampler})",
                    f"`{name}` applies to sampler='beam' only. Received: sampler={self.sampler!r}")
        if self.length_penalty is not None and self.length_penalty < 0:
            raise ConfigError("length_penalty", f"must be >= 0, got {self.length_penalty}")


@dataclasses.dataclass
class AttentionOptions(_Checked):
    """A translator's attention: the type and, for Luong and the monotonic
    types, their options (None: the layer's default).

    Example:

    >>> AttentionOptions(attention="mocha", chunk_size=3).attention_arguments()
    {'attention': 'mocha', 'chunk_size': 3}
    >>> AttentionOptions(chunk_size=3)
    Traceback (most recent call last):
    ...
    keras_attention.recipes.options.ConfigError: `chunk_size` applies to attention='mocha' only. Received: attention='bahdanau'
    """

    attention: str = option("bahdanau", "attention type", choices=TRANSLATOR_ATTENTIONS)
    score_mode: str | None = option(
        None, "Luong score (with --attention luong or luong_monotonic; default general)",
        choices=SCORE_MODES)
    monotonic_mode: str | None = option(
        None, "monotonic attention: parallel (default), recursive or hard",
        choices=MONOTONIC_MODES)
    sigmoid_noise: float | None = option(
        None, "monotonic attention: noise on the energies in training (default 0)",
        metavar="STD")
    score_bias_init: float | None = option(
        None, "monotonic attention: initial energy offset (default 0)", metavar="R")
    chunk_size: int | None = option(
        None, "MoChA's chunk width (with --attention mocha; default 2)", check="positive",
        metavar="W")

    def __post_init__(self):
        super().__post_init__()
        for name in MONOTONIC_OPTIONS:
            if getattr(self, name) is None:
                continue
            allowed = ("mocha",) if name == "chunk_size" else MONOTONIC_ATTENTIONS
            if self.attention not in allowed:
                raise ConfigError(
                    name, f"only with --attention {' or '.join(allowed)} "
                    f"(got --attention {self.attention})",
                    f"`{name}` applies to attention={' or '.join(map(repr, allowed))} only. "
                    f"Received: attention={self.attention!r}")
        if self.sigmoid_noise is not None and self.sigmoid_noise < 0:
            raise ConfigError("sigmoid_noise", f"must be >= 0, got {self.sigmoid_noise}")

    def attention_arguments(self):
        """The `Seq2SeqTranslator` arguments given (those left None omitted)."""
        names = ("attention", "score_mode") + MONOTONIC_OPTIONS
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


# -- training pipelines ----------------------------------------------------------------
@dataclasses.dataclass
class DatesConfig(AttentionOptions, RunOptions):
    """The date translator of the README (`recipes.translation.train_dates`).

    Example:

    >>> DatesConfig().name, DatesConfig().epochs
    ('date_translator', 8)
    """

    LABEL = "with dates"
    SCOPE = "--data dates"

    data: str = option("dates", "'dates' (the embedded date task; default) or a sentence-pair "
                       "file", metavar="dates|FILE")
    encoder: str = option("gru", "encoder (and decoder) cell", choices=TRANSLATOR_ENCODERS)
    units: int = option(64, "recurrent units", check="positive", metavar="N")
    embedding_dim: int = option(32, "embedding size", check="positive", metavar="N")
    epochs: int = option(8, "training epochs", check="positive", metavar="N")
    batch_size: int = option(64, "batch size", check="positive", metavar="N")
    learning_rate: float = option(3e-3, "Adam learning rate", check="positive_float",
                                  metavar="LR")
    seed: int = option(0, "seed of the data split and the weights", check="non_negative",
                       metavar="N")
    train_size: int = option(20000, "training dates", check="positive", metavar="N")
    validation_size: int = option(1000, "validation dates", check="non_negative", metavar="N")
    test_size: int = option(2000, "test dates", check="non_negative", metavar="N")
    no_export: bool = option(False, "skip the SavedModel / .tflite export")
    output_dir: str = option("saved_models", "where the model and its outputs go",
                             metavar="DIR", output="dir")
    name: str = option("date_translator", "base name of the outputs")

    def __post_init__(self):
        if self.data != "dates":
            raise ConfigError("data", f"must be 'dates', got {self.data!r}")
        super().__post_init__()


@dataclasses.dataclass
class PairsConfig(AttentionOptions, RunOptions):
    """A word-level translator of an Anki sentence-pair file
    (`recipes.translation.train_pairs`).

    Example:

    >>> PairsConfig(data="spa.txt.xz").units
    256
    """

    LABEL = "with a pairs file"
    SCOPE = "a sentence-pair --data file"

    data: str = option(None, "'dates' (the embedded date task; default) or a sentence-pair "
                       "file", metavar="dates|FILE")
    direction: str = option("other-to-eng", "which column is the source",
                            choices=("other-to-eng", "eng-to-other"))
    encoder: str = option("gru", "encoder (and decoder) cell", choices=TRANSLATOR_ENCODERS)
    bidirectional: bool = option(False, "bidirectional encoder")
    units: int = option(256, "recurrent units", check="positive", metavar="N")
    embedding_dim: int = option(128, "embedding size", check="positive", metavar="N")
    dropout: float = option(0.1, "dropout rate", check="rate", metavar="RATE")
    epochs: int = option(10, "training epochs", check="positive", metavar="N")
    time_budget_minutes: float | None = option(
        None, "stop training after this long", check="positive_float", metavar="MIN")
    batch_size: int = option(128, "batch size", check="positive", metavar="N")
    learning_rate: float = option(2e-3, "Adam learning rate", check="positive_float",
                                  metavar="LR")
    seed: int = option(0, "seed of the data split and the weights", check="non_negative",
                       metavar="N")
    max_pairs: int | None = option(None, "read only the first N pairs", check="positive",
                                   metavar="N")
    max_length: int = option(20, "longest source sentence, in words", check="positive",
                             metavar="WORDS")
    source_vocab_size: int = option(12000, "source vocabulary cap", check="positive",
                                    metavar="N")
    target_vocab_size: int = option(6000, "target vocabulary cap", check="positive",
                                    metavar="N")
    validation_fraction: float = option(0.02, "validation share", check="rate", metavar="F")
    test_fraction: float = option(0.1, "test share", check="rate", metavar="F")
    max_test: int | None = option(None, "test pairs evaluated (default: all)",
                                  check="positive", metavar="N")
    beam_width: int = option(0, "beam width of the test translations (0: greedy)",
                             check="non_negative", metavar="N")
    strategy: str = option("none", "tf.distribute strategy (docs/distributed.md)",
                           choices=LOCAL_STRATEGIES)
    output_dir: str = option("saved_models", "where the model and its outputs go",
                             metavar="DIR", output="dir")
    name: str = option("pairs_translator", "base name of the outputs")

    def __post_init__(self):
        if not self.data or self.data == "dates":
            raise ConfigError("data", "a sentence-pair file is required",
                              "`data` must be the path of a sentence-pair file. "
                              f"Received: data={self.data!r}")
        super().__post_init__()


@dataclasses.dataclass
class ForecastConfig(SeriesConfig, RunOptions):
    """A forecaster next to the naive and linear baselines
    (`recipes.forecasting.train`).

    Example:

    >>> config = ForecastConfig(epochs=5, seeds="0,1")
    >>> config.seed_list(), config.output_dir
    ([0, 1], 'runs/forecast')
    """

    LABEL = "forecaster"
    # The model's defaults are TimeSeriesForecaster's (tests/recipes/configs_test.py
    # checks that they agree); the training defaults were chosen with them
    # (docs/forecasting.md, bench/forecast_results.py).
    encoder: str = option("lstm", "encoder", choices=FORECASTER_ENCODERS)
    decoder: str = option("lstm", "decoder cell", choices=FORECASTER_DECODERS)
    attention: str = option("bahdanau", "temporal attention", choices=FORECASTER_ATTENTIONS)
    input_attention: bool = option(False, "DA-RNN's input attention")
    residual: bool = option(True, "add the last known value (predict the change from it)")
    highway: bool = option(
        True, "the linear part (LSTNet's highway), fitted in closed form before training "
        "unless --no-fit-linear")
    horizon_strategy: str = option(
        "direct", "for --horizon > 1: one output per step, or the decoder fed its own "
        "prediction; the baselines are run the same way", choices=FORECASTER_STRATEGIES)
    revin: str = option("last", "reversible instance normalization of the network's inputs",
                        choices=FORECASTER_REVIN)
    revin_std: bool = option(True, "RevIN divides by each window's std")
    units: int = option(64, "recurrent units", check="positive", metavar="N")
    dropout: float = option(0.0, "dropout rate", check="rate", metavar="RATE")
    fit_linear: bool = option(
        True, "set the linear part by ridge regression (penalties chosen on the validation "
        "part) and freeze it before training the network")
    refit_linear: bool = option(
        True, "after training, fit the linear part again on the training and validation "
        "windows with the chosen penalties")
    validation_fraction: float = option(
        0.2, "with a 2-part split, the last fraction of the training rows becomes the "
        "validation part (early stopping, the linear part's penalties; the scaler is "
        "fitted on the rows before it); the test rows do not change; 0: none",
        check="rate", metavar="F")
    epochs: int = option(100, "training epochs", check="positive", metavar="N")
    batch_size: int = option(64, "batch size", check="positive", metavar="N")
    learning_rate: float = option(1e-3, "Adam learning rate", check="positive_float",
                                  metavar="LR")
    patience: int = option(
        20, "with a validation part, stop after N epochs without improvement (0: never); "
        "the best validation epoch is kept, or the untrained model (the linear part) if "
        "none beats it", check="non_negative", metavar="N")
    keep_margin: float = option(
        0.02, "the trained network replaces the untrained model (the linear part) only if "
        "its best validation loss (MSE) is at least this fraction lower", check="rate",
        metavar="F")
    seeds: str = option("0", "comma-separated seeds; mean and std over them",
                        metavar="S,S,...")
    strategy: str = option("none", "tf.distribute strategy (docs/distributed.md)",
                           choices=LOCAL_STRATEGIES)
    no_plots: bool = option(False, "skip the PNGs")
    output_dir: str = option("runs/forecast", "where the model and its outputs go",
                             metavar="DIR", output="dir")

    def seed_list(self):
        try:
            seeds = [int(s) for s in self.seeds.split(",") if s.strip()]
        except ValueError:
            seeds = []
        if not seeds or min(seeds) < 0:
            raise ConfigError("seeds", f"must be integers >= 0 separated by commas, got "
                              f"{self.seeds!r}")
        return seeds


def int_list(config, name):
    """A comma-separated field ("16,32,64") as a list of positive integers.

    Example:

    >>> int_list(CaptionConfig(), "conv_filters")
    [16, 32, 64, 64]
    """
    text = str(getattr(config, name))
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise ConfigError(name, f"must be positive integers separated by commas, got {text!r}")
    return values


@dataclasses.dataclass
class CaptionConfig(RunOptions):
    """The digit-canvas captioner (`recipes.captioning.train_captioner`).

    Example:

    >>> config = CaptionConfig(attention="hard", epochs=2)
    >>> config.name, config.train_size, config.conv_pools
    ('digit_captioner', 20000, '2,2,2,1')
    """

    LABEL = "captioner"
    attention: str = option("soft", "spatial attention: soft (deterministic), hard "
                            "(sampled location, REINFORCE) or none (the mean feature)",
                            choices=CAPTIONER_ATTENTIONS)
    position: str = option("onehot", "location features of the feature map",
                           choices=CAPTIONER_POSITIONS)
    conv_filters: str = option("16,32,64,64", "filters of the convolutional blocks",
                               metavar="F,F,...")
    conv_pools: str = option("2,2,2,1", "max-pooling after each block (1: none)",
                             metavar="P,P,...")
    cell: str = option("gru", "decoder cell", choices=CAPTIONER_CELLS)
    units: int = option(128, "decoder units", check="positive", metavar="N")
    embedding_dim: int = option(32, "token embedding size", check="positive", metavar="N")
    attention_units: int = option(64, "hidden size of the attention score",
                                  check="positive", metavar="N")
    context_gate: bool = option(False, "gate the context with beta = sigmoid(w.h + b)")
    deep_output: bool = option(False, "maxout deep output")
    doubly_stochastic_weight: float = option(
        0.0, "soft attention: weight of the doubly stochastic regulariser", metavar="LAMBDA")
    reinforce_weight: float = option(1.0, "hard attention: weight of the REINFORCE term",
                                     metavar="LAMBDA")
    entropy_weight: float = option(0.01, "hard attention: weight of the entropy bonus",
                                   metavar="LAMBDA")
    dropout: float = option(0.0, "dropout rate (memory, decoder inputs)", check="rate",
                            metavar="RATE")
    epochs: int = option(12, "training epochs", check="positive", metavar="N")
    batch_size: int = option(64, "batch size", check="positive", metavar="N")
    learning_rate: float = option(3e-3, "Adam learning rate (cosine decay)",
                                  check="positive_float", metavar="LR")
    seed: int = option(0, "seed of the weights and the batch order", check="non_negative",
                       metavar="N")
    data_seed: int = option(0, "seed of the digit-image split and the canvases",
                            check="non_negative", metavar="N")
    train_size: int = option(20000, "training canvases (of every epoch)", check="positive",
                             metavar="N")
    fresh_canvases: bool = option(True, "draw new training canvases every epoch from the "
                                  "training digit images (--no-fresh-canvases: the same "
                                  "canvases every epoch)")
    validation_size: int = option(1000, "validation canvases", check="non_negative",
                                  metavar="N")
    test_size: int = option(2000, "test canvases (1-5 digits)", check="non_negative",
                            metavar="N")
    long_size: int = option(500, "test canvases of 6 digits", check="non_negative",
                            metavar="N")
    no_export: bool = option(False, "skip the SavedModel / .tflite export")
    output_dir: str = option("saved_models", "where the model and its outputs go",
                             metavar="DIR", output="dir")
    name: str = option("digit_captioner", "base name of the outputs")

    def __post_init__(self):
        super().__post_init__()
        for name in ("doubly_stochastic_weight", "reinforce_weight", "entropy_weight"):
            if getattr(self, name) < 0:
                raise ConfigError(name, f"must be >= 0, got {getattr(self, name)}")
        if len(int_list(self, "conv_filters")) != len(int_list(self, "conv_pools")):
            raise ConfigError("conv_pools", "needs one entry per --conv-filters block, got "
                              f"{self.conv_pools!r} for {self.conv_filters!r}")


@dataclasses.dataclass
class _TuneOptions(_Checked):
    tuner: str = option("random", "KerasTuner tuner", choices=TUNERS)
    max_trials: int = option(6, "trials (random, bayesian)", check="positive", metavar="N")
    epochs: int = option(
        2, "epochs per trial (Hyperband: the most epochs one model gets)", check="positive",
        metavar="N")
    final_epochs: int = option(6, "epochs of the retraining", check="positive", metavar="N")
    full_space: bool = option(False, "search the whole space (default: small models)")
    directory: str = option("runs/tuning", "KerasTuner's folder", metavar="DIR", output="dir")
    project_name: str | None = option(None, "KerasTuner project (default: <kind>_<tuner>)",
                                      metavar="NAME")
    resume: bool = option(False, "continue a search in --directory")
    logdir: str | None = option(
        None, "TensorBoard: one run per trial, and the retraining with attention images",
        metavar="DIR", output="dir")
    seed: int = option(0, "seed", check="non_negative", metavar="N")
    verbose: int = option(
        0, "Keras fit and KerasTuner output (0: one line per trial)", choices=(0, 1, 2))
    output_dir: str = option("saved_models", "where the retrained best model goes",
                             metavar="DIR", output="dir")


@dataclasses.dataclass
class TuneTranslatorConfig(_TuneOptions):
    """A KerasTuner search over translators (`recipes.tuning.tune_translator`).

    Example:

    >>> TuneTranslatorConfig(max_trials=2).name
    'tuned_translator'
    """

    LABEL = "translator search"
    data: str = option("dates", "the date task or a sentence-pair file", metavar="dates|FILE")
    train_size: int = option(4000, "training examples", check="positive", metavar="N")
    validation_size: int = option(500, "validation examples", check="positive", metavar="N")
    test_size: int = option(500, "test examples", check="positive", metavar="N")
    max_words: int = option(15, "sentence pairs: longest source, in words", check="positive",
                            metavar="N")
    name: str = option("tuned_translator", "base name of the outputs")


@dataclasses.dataclass
class TuneForecasterConfig(SeriesConfig, _TuneOptions):
    """A KerasTuner search over forecasters (`recipes.tuning.tune_forecaster`).

    Example:

    >>> TuneForecasterConfig().split_parts()
    (0.6, 0.2, 0.2)
    """

    LABEL = "forecaster search"
    split: str = option("0.6,0.2,0.2", "train,validation,test ratios or row counts (a "
                        "validation part is needed)", metavar="R,R,R")
    max_trials: int = option(8, "trials (random, bayesian)", check="positive", metavar="N")
    epochs: int = option(
        4, "epochs per trial (Hyperband: the most epochs one model gets)", check="positive",
        metavar="N")
    final_epochs: int = option(15, "epochs of the retraining", check="positive", metavar="N")
    name: str = option("tuned_forecaster", "base name of the outputs")

    def __post_init__(self):
        super().__post_init__()
        if len(self.split_parts()) != 3:
            raise ConfigError("split", f"needs three parts (train,validation,test), got "
                              f"{self.split!r}")



@dataclasses.dataclass
class TuneCaptionerConfig(_TuneOptions):
    """A KerasTuner search over captioners (`recipes.captioning.tune_captioner`).

    Example:

    >>> TuneCaptionerConfig().train_size, TuneCaptionerConfig().name
    (4000, 'tuned_captioner')
    """

    LABEL = "captioner search"
    train_size: int = option(4000, "training canvases", check="positive", metavar="N")
    validation_size: int = option(500, "validation canvases", check="positive", metavar="N")
    test_size: int = option(500, "test canvases", check="positive", metavar="N")
    name: str = option("tuned_captioner", "base name of the outputs")


def translator_train_config(values):
    """The configuration class of `train translate` for given option values:
    `PairsConfig` when `data` names a file, else `DatesConfig`.

    Example:

    >>> translator_train_config({"data": "spa.txt.xz"}).__name__
    'PairsConfig'
    >>> translator_train_config({}).__name__
    'DatesConfig'
    """
    return PairsConfig if values.get("data", "dates") != "dates" else DatesConfig
