"""The configurations: defaults declared once, checks, options, the registry."""

import argparse
import dataclasses
import re

import pytest

from keras_attention import training
from keras_attention.data import timeseries as ts
from keras_attention.models import (
    seq2seq_translator,
    time_series_forecaster,
    translator_layers,
)
from keras_attention.recipes import command_configs as cc
from keras_attention.recipes import configs
from keras_attention.recipes.families import FAMILIES, family_of
from keras_attention.recipes.options import (
    ConfigError,
    add_options,
    config_from,
    given,
    output_paths,
    parse_config,
)

ALL_CONFIGS = [
    configs.DatesConfig, configs.PairsConfig, configs.ForecastConfig,
    configs.TuneTranslatorConfig, configs.TuneForecasterConfig, cc.TranslateConfig,
    cc.ForecastRunConfig, cc.EvaluateTranslatorConfig, cc.EvaluateForecasterConfig,
    cc.PlotTranslatorConfig, cc.PlotForecasterConfig, cc.ExportConfig,
]
REQUIRED = {configs.PairsConfig: {"data": "pairs.txt"}, cc.ForecastRunConfig: {"input": "s.csv"},
            cc.PlotForecasterConfig: {"input": "s.csv"}}


def test_choices_repeat_the_models_and_data_tuples():
    """configs.py imports no Keras, so it repeats these tuples: they must agree."""
    assert set(configs.TRANSLATOR_ENCODERS) == set(seq2seq_translator.ENCODERS)
    assert set(configs.TRANSLATOR_ATTENTIONS) == set(seq2seq_translator.ATTENTIONS)
    assert set(configs.FORECASTER_ENCODERS) == set(time_series_forecaster.ENCODERS)
    assert set(configs.FORECASTER_DECODERS) == set(time_series_forecaster.DECODERS)
    assert set(configs.FORECASTER_ATTENTIONS) == set(time_series_forecaster.ATTENTIONS)
    assert set(configs.MONOTONIC_ATTENTIONS) == set(translator_layers.MONOTONIC)
    assert set(configs.MONOTONIC_MODES) == set(translator_layers.MONOTONIC_MODES)
    assert configs.PROTOCOLS == ts.PROTOCOLS and configs.SCALINGS == ts.SCALINGS
    assert configs.STRATEGIES == training.STRATEGIES


def test_the_forecasters_defaults_are_the_models():
    """One set of defaults: the recipe's model options are the constructor's."""
    import inspect

    params = inspect.signature(time_series_forecaster.TimeSeriesForecaster).parameters
    config = configs.ForecastConfig()
    names = {"strategy": "horizon_strategy"}
    for name in ("units", "encoder", "decoder", "attention", "input_attention", "residual",
                 "highway", "dropout", "strategy", "revin", "revin_std", "revin_levels"):
        value = getattr(config, names.get(name, name))
        assert (None if value == "none" else value) == params[name].default, name


def test_options_on_by_default_can_be_turned_off():
    config = parse_config(configs.ForecastConfig, ["--no-highway", "--revin", "none"])
    assert (config.highway, config.residual, config.revin) == (False, True, "none")


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(revin="none"), "needs RevIN (--revin last or mean), got --revin none"),
        (dict(input_attention=True), "cannot be combined with --input-attention"),
    ],
)
def test_revin_levels_is_refused_where_it_cannot_apply(kwargs, match):
    config = parse_config(configs.ForecastConfig, ["--revin-levels"])
    assert config.revin_levels and config.revin == "last"
    with pytest.raises(ConfigError, match=re.escape(match)) as info:
        configs.ForecastConfig(revin_levels=True, **kwargs)
    assert str(info.value).startswith("`revin_levels`: ")
    assert info.value.cli_message().startswith("argument --revin-levels: ")


@pytest.mark.parametrize("config_class", ALL_CONFIGS, ids=lambda c: c.__name__)
def test_the_options_parse_to_the_defaults(config_class):
    """A script with no option gets the dataclass's own defaults, and every
    field is an option with a help text."""
    required = REQUIRED.get(config_class, {})
    argv = [x for k, v in required.items() for x in (f"--{k}", v)]
    assert parse_config(config_class, argv) == config_class(**required)
    for field in dataclasses.fields(config_class):
        assert field.metadata["help"], field.name


def test_options_round_trip_every_kind_of_field():
    config = parse_config(configs.DatesConfig, [
        "--units", "3", "--learning-rate", "0.5", "--no-export", "--score-mode", "general",
        "--checkpoint-dir", "ckpt", "--verbose", "0"])
    assert config == configs.DatesConfig(units=3, learning_rate=0.5, no_export=True,
                                         score_mode="general", checkpoint_dir="ckpt", verbose=0)
    run = parse_config(cc.TranslateConfig, ["a b", "c", "--sampler", "beam", "--beam-width", "2"])
    assert (run.text, run.beam_width) == (["a b", "c"], 2)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: configs.DatesConfig(units=0),
         "`units` must be a positive integer. Received: units=0"),
        (lambda: configs.PairsConfig(data="p.txt", dropout=1.5),
         "`dropout` must be a float in [0, 1). Received: dropout=1.5"),
        (lambda: configs.ForecastConfig(protocol="now"),
         "`protocol` must be one of 'nowcast', 'forecast'. Received: protocol='now'"),
        (lambda: configs.PairsConfig(), "`data` must be the path of a sentence-pair file. "
         "Received: data=None"),
        (lambda: configs.TuneForecasterConfig(split="0.5,0.5"),
         "`split`: needs three parts (train,validation,test), got '0.5,0.5'"),
        # Refused when the configuration is made, before any data is loaded.
        (lambda: configs.ForecastConfig(seeds="1,x"),
         "`seeds`: must be integers >= 0 separated by commas, got '1,x'"),
        (lambda: configs.DecodingOptions(beam_width=3),
         "`beam_width` applies to sampler='beam' only. Received: sampler='greedy'"),
        (lambda: cc.PlotTranslatorConfig(output="a.jpg"), "`output`: must end in .png, got 'a.jpg'"),
        (lambda: cc.ExportConfig(quantize="int4").quantizations(),
         "`quantize`: invalid value 'int4' (choose from float16, dynamic_range, int8)"),
    ],
)
def test_bad_values_name_the_field_and_show_the_value(build, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build()


def test_command_line_errors_name_the_option():
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_options(parser, configs.DatesConfig, configs.PairsConfig)
    with pytest.raises(argparse.ArgumentError, match=re.escape(
            "argument --epochs: must be a positive integer, got '0'")):
        parser.parse_args(["--epochs", "0"])
    with pytest.raises(argparse.ArgumentError, match=re.escape(
            "argument --learning-rate: must be a positive number, got 'fast'")):
        parser.parse_args(["--learning-rate", "fast"])
    for text in ("inf", "nan"):  # float() reads them: they trained to NaN
        with pytest.raises(argparse.ArgumentError, match=re.escape(
                f"argument --learning-rate: must be a positive number, got '{text}'")):
            parser.parse_args(["--learning-rate", text])
    values = given(parser.parse_args(["--max-pairs", "5"]), [configs.DatesConfig])
    assert values == {}  # not an option of DatesConfig alone
    values = given(parser.parse_args(["--max-pairs", "5", "--strategy", "multiworker"]),
                   [configs.DatesConfig, configs.PairsConfig])
    with pytest.raises(ConfigError) as info:
        config_from(configs.DatesConfig, values, [configs.DatesConfig, configs.PairsConfig])
    assert info.value.cli_message() == (
        "argument --max-pairs: applies to a sentence-pair --data file only")
    with pytest.raises(ConfigError) as info:
        config_from(configs.PairsConfig, {"data": "p.txt", "strategy": "multiworker"},
                    [configs.DatesConfig, configs.PairsConfig])
    assert info.value.cli_message() == (
        "argument --strategy: must be one of 'none', 'mirrored', got 'multiworker' "
        "(with a sentence-pair --data file)")


def test_defaults_differing_between_recipes_are_each_shown():
    parser = argparse.ArgumentParser()
    add_options(parser, configs.DatesConfig, configs.PairsConfig)
    helps = {a.dest: a.help for a in parser._actions}
    assert helps["units"].endswith("(default: 64 with dates, 256 with a pairs file)")
    assert helps["seed"].endswith("(default: 0)")
    assert "(default:" not in helps["data"]  # only the date recipe has one: the text says it
    assert sorted(a.choices for a in parser._actions if a.dest == "strategy")[0] == [
        "none", "mirrored", "multiworker"]


def test_output_paths_are_declared_for_the_command_lines_checks():
    config = configs.ForecastConfig(logdir="logs", checkpoint_dir="ckpt")
    assert sorted(output_paths(config)) == [
        ("checkpoint_dir", "dir", "ckpt"), ("logdir", "dir", "logs"),
        ("output_dir", "dir", "runs/forecast")]
    assert output_paths(cc.TranslateConfig(output="out.txt")) == [("output", "file", "out.txt")]


def test_every_family_job_resolves_and_models_find_their_family():
    from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster

    for family in FAMILIES.values():
        for job in (family.train, family.tune, family.run, family.evaluate, family.plot):
            module, name = job.function.split(":")
            assert callable(getattr(__import__(module, fromlist=[name]), name)), job.function
    assert family_of(Seq2SeqTranslator(10, 10, units=4)) is FAMILIES["translator"]
    assert family_of(TimeSeriesForecaster(window=4, num_features=2)) is FAMILIES["forecaster"]
    assert FAMILIES["translator"].train.config_class({"data": "x.txt"}) is configs.PairsConfig
