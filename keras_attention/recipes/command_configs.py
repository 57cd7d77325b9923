"""The configurations of the commands that use a trained model.

`TranslateConfig` and `ForecastRunConfig` (running it), the `Evaluate*`,
`Plot*` classes and `ExportConfig`: like `recipes.configs`, one dataclass
per job whose fields declare the defaults, help texts and checks of the
command line's options, importing only the standard library.

>>> from keras_attention.recipes.command_configs import TranslateConfig
>>> TranslateConfig(text=["3 mar. 1998"], sampler="beam").beam_width is None
True
"""

import dataclasses

from keras_attention.recipes.configs import DecodingOptions, _Checked
from keras_attention.recipes.options import ConfigError, option


@dataclasses.dataclass
class TextInputs(DecodingOptions):
    """Texts for a translator: arguments, or a file (`-`: stdin), and how to decode them.

    Example:

    >>> TextInputs(input="dates.txt").text
    []
    """

    text: list = option([], "text(s) for the translator", metavar="TEXT", positional=True)
    input: str | None = option(None, "read one text per line ('-': stdin)", metavar="FILE")


@dataclasses.dataclass
class TranslateConfig(TextInputs):
    """Translating text with a trained translator (`recipes.translation.run`).

    Example:

    >>> TranslateConfig(text=["3 mar. 1998"]).sampler
    'greedy'
    """

    LABEL = "translators"
    output: str | None = option(None, "write the translations here (default: stdout)",
                                metavar="FILE", output="file")


@dataclasses.dataclass
class ForecastRunConfig(_Checked):
    """Forecasting a CSV with a trained forecaster (`recipes.forecasting.run`).

    Example:

    >>> ForecastRunConfig(input="series.csv").output is None
    True
    """

    LABEL = "forecasters"
    input: str = option(None, "the series (.csv or .csv.xz)", metavar="CSV", required=True)
    output: str | None = option(
        None, "predictions (default: <input name>_predictions.csv here)", metavar="CSV",
        output="file")
    interpolate: bool = option(
        False, "fill missing cells by linear interpolation (never a target that is still "
        "to be predicted)")


@dataclasses.dataclass
class EvaluateTranslatorConfig(DecodingOptions):
    """Scoring a translator (`recipes.translation.evaluate`).

    Example:

    >>> EvaluateTranslatorConfig(limit=500).data
    'dates'
    """

    LABEL = "translators"
    SCOPE = "translators"
    data: str = option("dates", "'dates' (the unseen test dates; default) or a sentence-pair "
                       "file", metavar="SPEC")
    split: str = option("test", "sentence-pair file: its test split or every pair",
                        choices=("test", "all"))
    direction: str = option("other-to-eng", "sentence-pair file: which column is the source",
                            choices=("other-to-eng", "eng-to-other"))
    seed: int = option(0, "seed of the split, as in training", check="non_negative",
                       metavar="N")
    max_pairs: int | None = option(
        None, "sentence-pair file: read only the first N pairs, as in training",
        check="positive", metavar="N")
    limit: int | None = option(None, "evaluate only the first N examples", check="positive",
                               metavar="N")


@dataclasses.dataclass
class EvaluateForecasterConfig(_Checked):
    """Scoring a forecaster next to the baselines (`recipes.forecasting.evaluate`).

    Example:

    >>> EvaluateForecasterConfig().data is None
    True
    """

    LABEL = "forecasters"
    SCOPE = "forecasters"
    data: str | None = option(
        None, "its training data (default), or synthetic/nasdaq/sml2010/a CSV", metavar="SPEC")


@dataclasses.dataclass
class PlotTranslatorConfig(TextInputs):
    """Attention heat maps of a translator (`recipes.translation.plot_attention`).

    Example:

    >>> PlotTranslatorConfig(text=["03/03/98"]).output
    'attention.png'
    """

    LABEL = "translators"
    SCOPE = "translators"
    output: str = option("attention.png", "a PNG path (several texts: x_1.png, x_2.png ...)",
                         metavar="PATH", output="file")

    def __post_init__(self):
        super().__post_init__()
        if not str(self.output).endswith(".png"):
            raise ConfigError("output", f"must end in .png, got {self.output!r}")


@dataclasses.dataclass
class PlotForecasterConfig(_Checked):
    """Attention heat maps of a forecaster (`recipes.forecasting.plot_attention`).

    Example:

    >>> PlotForecasterConfig(input="series.csv").output
    'attention'
    """

    LABEL = "forecasters"
    SCOPE = "forecasters"
    input: str | None = option(None, "the series CSV (required)", metavar="CSV")
    output: str = option("attention", "a folder for the PNGs", metavar="DIR", output="dir")
    interpolate: bool = option(False, "fill missing cells by linear interpolation")

    def __post_init__(self):
        super().__post_init__()
        if self.input is None:
            raise ConfigError("input", "required with a forecaster (a CSV of the series)")
        if str(self.output).endswith(".png"):
            raise ConfigError("output", "a forecaster writes several PNGs; give a folder, "
                              f"got {self.output!r}")


@dataclasses.dataclass
class ExportConfig(_Checked):
    """Exporting a trained model (`recipes.export.export_model`).

    Example:

    >>> ExportConfig(quantize="float16").quantizations()
    ('float16',)
    """

    LABEL = "export"
    output_dir: str | None = option(None, "default: the model's folder", metavar="DIR",
                                    output="dir")
    name: str | None = option(None, "base name of the artifacts (default: the model's file "
                              "name)")
    quantize: str | None = option(
        None, "extra .tflite variants: float16, dynamic_range (int8: forecasters)",
        metavar="Q[,Q]")
    max_length: int = option(50, "translators: longest output of the decode endpoints",
                             check="positive", metavar="N")
    beam_width: int | None = option(
        None, "translators: beams of translate_beam (default: BeamSampler's)",
        check="positive", metavar="N")
    length_penalty: float | None = option(
        None, "translators: length penalty of translate_beam (default: BeamSampler's)",
        metavar="ALPHA")
    samples: str | None = option(
        None, "translators: texts to verify on, one per line (default: 50 random id "
        "sequences)", metavar="FILE")
    no_verify: bool = option(False, "skip the verification")

    def quantizations(self):
        parts = tuple(q.strip() for q in (self.quantize or "").split(",") if q.strip())
        for q in parts:
            if q not in ("float16", "dynamic_range", "int8"):
                raise ConfigError("quantize", f"invalid value {q!r} (choose from float16, "
                                  "dynamic_range, int8)")
        return parts
