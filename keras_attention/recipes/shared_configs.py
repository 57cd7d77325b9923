"""The choices and the groups of fields that the configurations share.

`RunOptions` (reliability and logging), `SeriesConfig` (a series and its
windows), `LinearPartOptions` (a forecaster's linear part), `DecodingOptions`
(a translator's sampler) and `AttentionOptions` (a translator's attention),
on which `recipes.configs` and
`recipes.command_configs` build, and the tuples of choices of their options.
`recipes.configs` re-exports them all. Like it, this module imports only the
standard library.
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
class LinearPartOptions(_Checked):
    """How a forecaster's linear part is set (training and tuning)."""

    fit_linear: bool = option(
        True, "set the linear part by ridge regression (penalties chosen on the validation "
        "part) and freeze it before training the network")
    refit_linear: bool = option(
        True, "after training, fit the linear part again on the training and validation "
        "windows with the chosen penalties")
    keep_margin: float = option(
        0.02, "the trained network replaces the untrained model (the linear part) only if "
        "its best validation loss (MSE) is at least this fraction lower", check="rate",
        metavar="F")


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
