"""The data of a forecaster: its series, the baselines and the preprocessing saved with it.

`load_series` cuts a series into windows (`carve_validation`: the validation
rows), `baseline_predictions` runs the naive and linear baselines on them
(and, on the embedded series, its true model: `true_model_prediction`),
`series_preprocessor` is what a model keeps of them, and `load_preprocessing`
/ `_new_data` read it back to use a trained forecaster on new data.
`recipes.forecasting` trains and uses the forecasters and re-exports these names.
"""

import dataclasses
import json
import os

from keras_attention.data import timeseries as ts
from keras_attention.data.prediction_windows import preprocessing_config
from keras_attention.evaluation import forecasting as fc
from keras_attention.models import SeriesPreprocessor
from keras_attention.recipes.configs import SeriesConfig
from keras_attention.recipes.options import ConfigError

PREPROCESSING_SUFFIX = ".preprocessing.json"

# -- data ---------------------------------------------------------------------------------
def _check_data(spec, option="data", features=None):
    """`spec.data` exists and (a CSV) holds the target and `features` (the
    resolved list of driving series), before the split meets a short file."""
    data = spec.data
    if data in ("synthetic", "nasdaq", "sml2010"):
        return
    if not os.path.exists(data):
        raise ConfigError(option, f"no such file: {data!r}")
    if os.path.isdir(data):
        return
    if spec.target is None:
        raise ConfigError("target", f"required with a CSV file (--data {data})",
                          f"`target` must name a column of {data!r}. Received: target=None")
    try:
        columns = [str(c) for c in ts.read_csv(data).columns]
    except ValueError as e:
        raise ConfigError(option, " ".join(str(e).split())) from None
    if spec.target not in columns:
        raise ConfigError("target", f"{data} has no column {spec.target!r}; columns: "
                          f"{', '.join(columns)}")
    features = features or ()
    missing = [f for f in features if f not in columns]
    if missing:  # before the split is applied to a file that may be too short
        raise ConfigError(option, f"{data} has no column {', '.join(map(repr, missing))} "
                          f"(driving series: {','.join(features)}); columns: "
                          f"{', '.join(columns)}")


def load_series(spec, option="data", features=None):
    """The windows of a `SeriesConfig` (a `ForecastConfig` is one).

    The series is the embedded one, NASDAQ-100, SML2010 (DA-RNN's split and
    driving series) or a CSV file; `make_windows` splits it
    chronologically and fits the scaler on the training rows only. With a
    two-part split and a `validation_fraction` (0.2 in a `ForecastConfig`), the
    last fraction of the training rows becomes the validation part
    (`carve_validation`): the test rows do not change.

    `features`, a list of column names, overrides `spec.features` (a
    comma-separated option, which cannot name a column whose name holds a
    comma or begins or ends with a space): `evaluate` passes a trained
    model's driving series this way.

    Raises:
        ConfigError: naming the option at fault (`--data`, `--target`,
            `--interpolate` for missing cells).
    """
    features = list(features) if features is not None else spec.feature_list()
    _check_data(spec, option, features)
    data, target, default_features, split = spec.data, spec.target, None, (0.7, 0.3)
    if data == "synthetic":
        frame, target = ts.synthetic_series(spec.num_steps), target or ts.SYNTHETIC_TARGET
    elif data == "nasdaq":
        frame, target = ts.load_nasdaq100(), target or ts.NASDAQ_TARGET
    elif data == "sml2010" or os.path.isdir(data):
        frame = ts.load_sml2010(None if data == "sml2010" else data)
        target = target or ts.SML2010_TARGET
        if target == ts.SML2010_TARGET:
            default_features = list(ts.SML2010_DRIVING_SERIES)
        split = ts.SML2010_DARNN_SPLIT
    else:
        frame = data  # a CSV path; make_windows reads and checks it
    features = features or default_features
    split = spec.split_parts() or split
    fraction = spec.validation_fraction
    if len(split) == 2 and fraction:
        num_rows = len(frame) if not isinstance(frame, str) else len(ts.read_csv(frame))
        split = carve_validation(split, num_rows, fraction)
    try:
        return ts.make_windows(
            frame, target, features, window=spec.window, horizon=spec.horizon,
            protocol=spec.protocol, split=split,
            scaling=spec.scaling, interpolate=spec.interpolate,
        )
    except ts.MissingValuesError as e:
        raise missing_values_error(option, data, e) from None


def carve_validation(split, num_rows, fraction):
    """A 2-part split as 3 row counts, the validation rows being the last
    `fraction` of the training rows (so the test rows stay the same).
    `split` is checked first, as `make_windows` checks it (ratios must add
    up to 1; a ValueError names it).

    Example:

    >>> carve_validation((0.7, 0.3), 1000, 0.2)
    (560, 140, 300)
    >>> carve_validation((3200, 937), 4137, 0.25)
    (2400, 800, 937)
    """
    bounds = ts.split_bounds(split, num_rows)  # checked as make_windows checks it
    (train_start, train_stop), (test_start, test_stop) = bounds["train"], bounds["test"]
    train_rows, test_rows = train_stop - train_start, test_stop - test_start
    val_rows = int(round(fraction * train_rows))
    return (train_rows - val_rows, val_rows, test_rows)


def baseline_fit_parts(config):
    """The parts the linear baseline is fitted on: the protocol's training
    rows, i.e. the training and the carved validation windows where the
    validation part was carved from them."""
    split = config.split_parts() or (
        ts.SML2010_DARNN_SPLIT if _is_sml2010(config.data) else (0.7, 0.3))
    carved = len(split) == 2 and config.validation_fraction
    return ("train", "val") if carved else ("train",)


def baseline_predictions(config, series):
    """The naive and linear baselines of a `ForecastConfig`'s test part, run
    as its model is (`horizon_strategy`: one least-squares fit per horizon
    step, or the one-step fit iterated) and fitted on the protocol's
    training rows (`baseline_fit_parts`); on the embedded series also its
    true model (`true_model_prediction`)."""
    return {
        **fc.baseline_predictions(
            series, strategy=config.horizon_strategy, fit_parts=baseline_fit_parts(config)),
        **true_model_prediction(config, series),
    }


def true_model_prediction(spec, series):
    """`{"true_model": (N, 1) scaled}` on the embedded series' test part, else `{}`.

    The process that generated the embedded series, its noise left out
    (`synthetic_true_forecast`): the lowest error any forecaster can expect,
    printed next to the baselines so that a model can be read against the
    floor as well. Only for one-step forecasts of the series' own target.
    """
    if spec.data != "synthetic" or series.horizon != 1 or series.target != ts.SYNTHETIC_TARGET:
        return {}
    frame = ts.synthetic_series(spec.num_steps)
    values = ts.synthetic_true_forecast(frame)[series["test"].target_rows]
    return {"true_model": series.scaler.transform_column(values, series.target)[:, None]}


def _is_sml2010(data):
    return data == "sml2010" or (data not in ("synthetic", "nasdaq") and os.path.isdir(data))


def missing_values_error(option, data, error, features=True):
    """A `MissingValuesError` worded for the command line (names --interpolate)."""
    other = "choose other --features, " if features else ""
    return ConfigError(
        option, f"{data} has non-numeric or missing values: {error.cells}. Fix them, {other}"
        "or pass --interpolate to fill them by linear interpolation", str(error))


def series_spec(config):
    """The `SeriesConfig` part of a configuration (what rebuilds its data)."""
    names = {f.name for f in dataclasses.fields(SeriesConfig)}
    return SeriesConfig(**{k: v for k, v in dataclasses.asdict(config).items() if k in names})


# -- the preprocessing saved with the model ------------------------------------------------------
def series_preprocessor(series):
    """The `SeriesPreprocessor` of a `WindowedSeries`: its columns and fitted scaler.

    The model keeps it in its config, so a saved forecaster scales new data
    as its training data was scaled.
    """
    scaler = series.scaler
    return SeriesPreprocessor(
        series.target, list(series.features), scaler.method, scaler.center, scaler.scale
    )


def preprocessing_path(model_path):
    """The `.preprocessing.json` that keras-attention 0.1 wrote beside a model."""
    stem = str(model_path).removesuffix(".keras")
    return stem + PREPROCESSING_SUFFIX


def _spec_from_training(training_record):
    if "series" in training_record:
        return SeriesConfig(**training_record["series"])
    # Written by earlier versions: the example script's command line.
    import argparse

    from keras_attention.recipes.options import add_options

    parser = argparse.ArgumentParser(add_help=False)
    add_options(parser, SeriesConfig, suppress=False)
    known, _ = parser.parse_known_args(training_record["argv"])
    return SeriesConfig(**vars(known))


def _config_of(model):
    """`prediction_windows`' config from the model and its preprocessor."""
    pre = model.preprocessor
    return {
        "target": pre.target,
        "features": list(pre.features),
        "window": model.window,
        "horizon": model.horizon,
        "protocol": model.protocol,
        "scaling": pre.scaling,
        "scaler": {
            "method": pre.scaling,
            "columns": pre.columns,
            "center": pre.center.tolist(),
            "scale": pre.scale.tolist(),
        },
    }


def _training_spec(model_path):
    """The `SeriesConfig` of the training data, from the run's record.

    `train forecast` writes it to `metrics.json` beside the model, `tune
    forecast` to `<name>_search.json`.
    """
    records = [
        os.path.join(os.path.dirname(os.path.abspath(model_path)), "metrics.json"),
        str(model_path).removesuffix(".keras") + "_search.json",
    ]
    for record in records:
        if os.path.exists(record):
            with open(record, encoding="utf-8") as f:
                args = json.load(f).get("args")
            if args:
                names = {f.name for f in dataclasses.fields(SeriesConfig)}
                return SeriesConfig(**{k: v for k, v in args.items() if k in names})
    return None


def _absolute_data(args):
    """The run's arguments with a data file's path made absolute (readable from
    any folder by `evaluate`)."""
    if args.get("data") not in ("synthetic", "nasdaq", "sml2010"):
        args["data"] = os.path.abspath(args["data"])
    return args


def load_preprocessing(model, model_path):
    """`(config, spec)`: the model's preprocessing and the `SeriesConfig` of
    its training data (None if unknown).

    The preprocessing comes from `model.preprocessor` (saved with the model),
    or, for a model saved by keras-attention 0.1, from the
    `.preprocessing.json` beside it; the training data from the `metrics.json`
    of the run that wrote the model.
    """
    if model.preprocessor is not None and model.preprocessor.fitted:
        return _config_of(model), _training_spec(model_path)
    path = preprocessing_path(model_path)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        training_record = record.get("training")
        spec = _spec_from_training(training_record) if training_record else None
        return record, spec or _training_spec(model_path)
    spec = _training_spec(model_path)
    if spec is not None:
        return preprocessing_config(load_series(spec)), spec
    raise ConfigError(
        "model", f"{str(model_path)!r} has no saved preprocessing (a forecaster trained "
        "without 'keras-attention train forecast'?); train it with 'keras-attention train "
        "forecast' or set its `preprocessor`")


# -- new data for a trained forecaster -----------------------------------------------------------
def _new_data(model, model_path, path, interpolate, option="input"):
    """`(frame, preprocessing config)` of a CSV for this model, checked."""
    config, _ = load_preprocessing(model, model_path)
    if not os.path.exists(path):
        raise ConfigError(option, f"no such file: {path!r}")
    try:
        frame = ts.read_csv(path)
    except ValueError as e:
        raise ConfigError(option, " ".join(str(e).split())) from None
    columns = [str(c) for c in frame.columns]
    for column in [config["target"], *config["features"]]:
        if column not in columns:
            role = "target" if column == config["target"] else "driving series"
            raise ConfigError(option, f"{path} has no column {column!r} (the model's {role}); "
                              f"columns: {', '.join(columns)}")
    if model.num_features != len(config["features"]) or model.window != config["window"]:
        raise ConfigError("model", f"the preprocessing beside {model_path} does not match the "
                          f"model (window {model.window}, {model.num_features} driving series)")
    return frame, config


def _checked(option, path, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ts.MissingValuesError as e:
        raise missing_values_error(option, path, e, features=False) from None
    except ValueError as e:
        raise ConfigError(option, " ".join(str(e).split())) from None
