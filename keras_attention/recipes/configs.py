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

The groups of fields they share (`RunOptions`, `SeriesConfig`,
`DecodingOptions`, `AttentionOptions`) and the choices of the options are in
`recipes.shared_configs`; this module re-exports them.

This module imports only the standard library (`keras-attention --help`
reads it without importing TensorFlow). The choices of the model arguments
repeat the models' own tuples; tests/recipes/configs_test.py checks that
they agree.
"""

import dataclasses

from keras_attention.recipes.options import ConfigError, option
from keras_attention.recipes.shared_configs import (  # noqa: F401 (re-exported)
    CAPTIONER_ATTENTIONS,
    CAPTIONER_CELLS,
    CAPTIONER_POSITIONS,
    FORECASTER_ATTENTIONS,
    FORECASTER_DECODERS,
    FORECASTER_ENCODERS,
    FORECASTER_REVIN,
    FORECASTER_STRATEGIES,
    LOCAL_STRATEGIES,
    MONOTONIC_ATTENTIONS,
    MONOTONIC_MODES,
    MONOTONIC_OPTIONS,
    PROTOCOLS,
    SAMPLERS,
    SCALINGS,
    SCORE_MODES,
    SERIES,
    STRATEGIES,
    TRANSLATOR_ATTENTIONS,
    TRANSLATOR_ENCODERS,
    TUNERS,
    VERBOSE_HELP,
    AttentionOptions,
    DecodingOptions,
    LinearPartOptions,
    RunOptions,
    SeriesConfig,
    _Checked,
)


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
class ForecastConfig(SeriesConfig, LinearPartOptions, RunOptions):
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
    revin_levels: bool = option(
        False, "with RevIN, the encoder also reads the drivers' levels (for targets that "
        "depend nonlinearly on them; not with --input-attention)")
    units: int = option(64, "recurrent units", check="positive", metavar="N")
    dropout: float = option(0.0, "dropout rate", check="rate", metavar="RATE")
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
    seeds: str = option("0", "comma-separated seeds; mean and std over them",
                        metavar="S,S,...")
    strategy: str = option("none", "tf.distribute strategy (docs/distributed.md)",
                           choices=LOCAL_STRATEGIES)
    no_plots: bool = option(False, "skip the PNGs")
    output_dir: str = option("runs/forecast", "where the model and its outputs go",
                             metavar="DIR", output="dir")

    def __post_init__(self):
        super().__post_init__()
        self.seed_list()  # a bad --seeds is refused before any data is loaded
        if self.revin_levels and self.revin == "none":
            raise ConfigError("revin_levels", "needs RevIN (--revin last or mean), got "
                              "--revin none: without RevIN the network reads the levels")
        if self.revin_levels and self.input_attention:
            raise ConfigError("revin_levels", "cannot be combined with --input-attention "
                              "(input attention weighs each driving series once)")

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
class TuneForecasterConfig(SeriesConfig, LinearPartOptions, _TuneOptions):
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
