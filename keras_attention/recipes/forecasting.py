"""Forecasters: training next to the baselines, and using a trained one.

Training, step by step (`train(config)` runs them all, one model per seed:
`examples/forecast.py`, `keras-attention train forecast`):

    series = load_series(config)                  # windows, scaler on train rows
    model, history, ... = fit(config, series, seed)
        # build; the linear part in closed form (fit_linear), then the
        # network with early stopping on validation; the linear part refitted
    results = evaluate_model(model, series)       # model, naive, linear
    save_forecaster(model, series, config)        # .keras + preprocessing
    save_plots(model, series, out_dir)            # forecast and attention PNGs

A trained forecaster: `run` (a CSV in, its predictions out, the empty
targets at the end forecast), `evaluate` (on the data it was trained on)
and `plot_attention`. They read the preprocessing saved with the model
(`model.preprocessor`: columns and fitted scaler; a model of
keras-attention 0.1 has it in `<model>.preprocessing.json` beside it).

The data steps (`load_series`, the baselines, the saved preprocessing) are in
`recipes.forecast_data`; this module re-exports its public names.
"""

import dataclasses
import os
import pathlib
import time

import keras
import numpy as np

import keras_attention.io_utils as io_utils
import keras_attention.training as training
from keras_attention.callbacks import AttentionImageLogger
from keras_attention.data.prediction_windows import forecast_table
from keras_attention.evaluation import forecasting as fc
from keras_attention.models import TimeSeriesForecaster, forecaster_linear, linear_part
from keras_attention.recipes.common import Result, fit_verbose, get_log, written
from keras_attention.recipes.configs import ForecastConfig
from keras_attention.recipes.forecast_data import (  # noqa: F401 (public names re-exported)
    PREPROCESSING_SUFFIX,
    _absolute_data,
    _checked,
    _new_data,
    baseline_fit_parts,
    baseline_predictions,
    carve_validation,
    load_preprocessing,
    load_series,
    missing_values_error,
    preprocessing_path,
    series_preprocessor,
    series_spec,
    true_model_prediction,
)
from keras_attention.recipes.forecast_plots import save_plots
from keras_attention.recipes.options import ConfigError

METRICS = ("rmse", "mae", "mape", "nrmse", "rmse_scaled")


# -- model --------------------------------------------------------------------------------
def build_model(config, series):
    """A compiled `TimeSeriesForecaster` (Adam with cosine decay, MSE)."""
    with training.strategy_scope(config.strategy):
        model = TimeSeriesForecaster(
            window=config.window, num_features=series.num_features, horizon=config.horizon,
            units=config.units, encoder=config.encoder, decoder=config.decoder,
            attention=config.attention, input_attention=config.input_attention,
            protocol=config.protocol, residual=config.residual, highway=config.highway,
            dropout=config.dropout, strategy=config.horizon_strategy,
            revin=None if config.revin == "none" else config.revin,
            revin_std=config.revin_std, revin_levels=config.revin_levels,
            preprocessor=series_preprocessor(series),
        )
        _compile(model, config, series)
    model.build()
    return model


def _compile(model, config, series):
    steps = config.epochs * int(np.ceil(len(series["train"]) / config.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, max(steps, 1))
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0), loss="mse")


def fit_linear_part(model, config, series):
    """The linear part in closed form, before the network trains.

    Its penalties are chosen on the validation part; it is fitted on the
    training windows only (`refit=False`), so that the validation part still
    judges the network fairly. The model is compiled again (the optimizer
    must see the frozen highway). Returns `fit_linear`'s dict, or None
    without a linear part (`highway` or `fit_linear` off).
    """
    if not (model.highway and config.fit_linear):
        return None
    train = series["train"]
    val = series["val"] if "val" in series.parts else None
    info = model.fit_linear(
        train.inputs, train.target,
        validation_data=(val.inputs, val.target) if val is not None else None, refit=False)
    with training.strategy_scope(config.strategy):
        _compile(model, config, series)
    return info


def refit_linear_part(model, config, series, info):
    """After training: the linear part fitted again on the training and
    validation windows with the chosen penalties (the usual refit after a
    search); the network's correction is kept as trained."""
    if info is None or not config.refit_linear or "val" not in series.parts:
        return info
    train, val = series["train"], series["val"]
    both = {key: np.concatenate([train.inputs[key], val.inputs[key]])
            for key in ("drivers", "past_target")}
    model.fit_linear(both, np.concatenate([train.target, val.target]),
                     **linear_part.chosen(info))
    return {**info, "refit_on_validation": True}


def linear_part_forecast(model, inputs):
    """The forecast of the linear part alone (the network's output set to
    zero, as before training): what the network adds is the difference."""
    head = model.head.get_weights()
    model.head.set_weights([np.zeros_like(w) for w in head])
    try:
        return model.predict(inputs, batch_size=512, verbose=0)
    finally:
        model.head.set_weights(head)


def fit(config, series, seed):
    """Seeds, builds and trains one forecaster.

    In order: `fit_linear_part` (the closed-form linear part, frozen; the
    network's output starts at zero, so the model is then exactly the linear
    model); `model.fit`, the network learning what the linear part leaves,
    with early stopping on the validation part (the best validation epoch is
    kept if its loss is `keep_margin` below the untrained model's, else the
    untrained model); `refit_linear_part`.

    Returns:
        `(model, history, seconds, best_epoch, linear_info)`; `best_epoch`
        is 0 where the untrained model was kept, `history` holds the
        validation losses `val_loss_initial` (untrained) and `val_loss_kept`.
    """
    training.seed_everything(seed, config.deterministic)
    model = build_model(config, series)
    linear_info = fit_linear_part(model, config, series)
    callbacks, validation = [], None
    if "val" in series.parts:
        validation = series.dataset("val", 256)
        callbacks += [
            # A diverging run stops at its first NaN loss (EarlyStopping takes
            # a NaN first epoch for its best one and would restore it).
            keras.callbacks.TerminateOnNaN(),
            keras.callbacks.EarlyStopping(
                patience=config.patience if config.patience > 0 else config.epochs + 1,
                restore_best_weights=True,
            ),
        ]
    if config.checkpoint_dir:
        # One backup folder per seed; rerunning the command resumes.
        callbacks += training.checkpoint_callbacks(
            os.path.join(config.checkpoint_dir, f"seed-{seed}"))
    if config.logdir:
        run = os.path.join(config.logdir, f"seed-{seed}")
        examples = {k: v[:2] for k, v in series["test"].inputs.items()}
        callbacks += [
            keras.callbacks.TensorBoard(run),
            AttentionImageLogger(os.path.join(run, "attention"), examples),
        ]
    start = time.time()

    def train():
        return model.fit(
            series.dataset("train", config.batch_size, shuffle=True, seed=seed),
            validation_data=validation, epochs=config.epochs, callbacks=callbacks,
            shuffle=False, verbose=fit_verbose(config.verbose),
        )

    if validation is None:
        history, best_epoch = dict(train().history), None
    else:
        # Never end worse (on validation) than the untrained model, which is
        # the linear part after fit_linear (forecaster_linear's rule, shared
        # with the KerasTuner hypermodel).
        kept = forecaster_linear.train_beyond_linear_part(
            model, train, lambda: model.evaluate(validation, verbose=0, return_dict=True),
            config.keep_margin)
        history, best_epoch = kept["history"], kept["best_epoch"]
        history["val_loss_initial"] = float(kept["initial"]["loss"])
        history["val_loss_kept"] = kept["val_loss_kept"]
    linear_info = refit_linear_part(model, config, series, linear_info)
    return model, history, time.time() - start, best_epoch, linear_info


def evaluate_model(model, series, baselines=None, linear_part=False):
    """Test metrics of the model, the naive and the linear baselines
    (original scale, and RMSE on the scaled target).

    The baselines are run as the model is (`strategy`, for `horizon > 1`)
    unless given. With `linear_part`, also the model's linear part alone
    (`"linear_part"`).
    """
    inputs = series["test"].inputs
    predictions = {"model": model.predict(inputs, batch_size=512, verbose=0)}
    predictions.update(baselines or fc.baseline_predictions(series, strategy=model.strategy))
    if linear_part:
        predictions["linear_part"] = linear_part_forecast(model, inputs)
    return fc.evaluate(series, predictions)


def summarize(runs):
    """Mean and std over seeds of every metric of every predictor."""
    return {
        name: {key: {"mean": float(np.mean([r[name][key] for r in runs])),
                     "std": float(np.std([r[name][key] for r in runs]))} for key in METRICS}
        for name in runs[0]
    }


def summary_lines(summary, series, num_seeds):
    """The results table as text lines."""
    lines = [
        f"\nTest results, protocol={series.protocol!r}, mean ± std over {num_seeds} "
        "seed(s) (baselines are deterministic):",
        f"{'':<10}{'RMSE':>22}{'MAE':>22}{'MAPE %':>18}{'nRMSE':>18}{'RMSE scaled':>22}",
    ]
    widths = (("rmse", 22), ("mae", 22), ("mape", 18), ("nrmse", 18), ("rmse_scaled", 22))
    for name, m in summary.items():
        cells = "".join(f"{m[k]['mean']:>{w - 9}.4g} ± {m[k]['std']:<6.2g}" for k, w in widths)
        lines.append(f"{name:<10}{cells}")
    if "true_model" in summary:
        lines.append("(true_model: the process that generated the embedded series, its noise "
                     "left out: the floor no forecaster can be expected to beat)")
    return lines


# -- the pipeline ---------------------------------------------------------------------------
def save_forecaster(model, series, config, name="model"):
    """Saves `<output_dir>/<name>.keras` (its preprocessor inside); returns `[path]`."""
    del series  # the model holds its preprocessor
    return [io_utils.save_model(model, os.path.join(config.output_dir, name + ".keras"))]


def fit_and_evaluate(config, series, seed, baselines=None, log=print):
    """One seed: `fit`, then `evaluate_model`; returns `(model, run)` where
    `run` holds the seed, its test results, seconds, epochs and best epoch."""
    model, history, seconds, best_epoch, linear_info = fit(config, series, seed)
    results = evaluate_model(model, series, baselines, linear_part=linear_info is not None)
    alone = results.get("linear_part")
    get_log(log)(
        f"seed {seed}: {len(history['loss'])} epochs in {seconds:.0f} s"
        + (f" (best validation epoch {best_epoch})" if best_epoch is not None else "")
        + f", test RMSE {results['model']['rmse']:.5g} (naive "
        f"{results['naive']['rmse']:.5g}, linear {results['linear']['rmse']:.5g}"
        + (f", linear part alone {alone['rmse']:.5g}" if alone else "")
        + f"), protocol={series.protocol}")
    return model, {"seed": seed, "results": results, "seconds": seconds,
                   "epochs": len(history["loss"]), "best_epoch": best_epoch,
                   "linear_fit": linear_info,
                   "loss": [float(v) for v in history["loss"]],
                   "val_loss": [float(v) for v in history.get("val_loss", [])],
                   "val_loss_initial": history.get("val_loss_initial"),
                   "val_loss_kept": history.get("val_loss_kept")}


def finish(config, series, model, runs, started, log=print):
    """Summarises the seeds' runs and writes the outputs: the model (the first
    seed's) and its preprocessing, the plots, `metrics.json`.

    Returns:
        `(record, paths)`: the `metrics.json` record and the paths written.
    """
    log = get_log(log)
    summary = summarize([r["results"] for r in runs])
    for line in summary_lines(summary, series, len(runs)):
        log(line)
    record = {
        "protocol": series.protocol,
        "description": series.describe(),
        "args": _absolute_data(dataclasses.asdict(config)),
        "model_config": {k: v for k, v in model.get_config().items()
                         if k not in ("name", "trainable", "dtype", "preprocessor")},
        "scaler": series.scaler.to_dict(),
        "test_windows": len(series["test"]),
        "summary": summary,
        "runs": runs,
    }
    out_dir = pathlib.Path(config.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = save_forecaster(model, series, config)
    plots = []
    if not config.no_plots:
        plots, scores = save_plots(model, series, out_dir)
        if "temporal" in scores:
            record["temporal_attention_mean"] = scores["temporal"].mean(axis=0).tolist()
        if "input" in scores:
            record["input_attention_mean"] = scores["input"].mean(axis=(0, 1)).tolist()
        log("wrote " + ", ".join(str(p) for p in plots))
    record["seconds"] = time.time() - started
    metrics = io_utils.atomic_write_json(out_dir / "metrics.json", record)
    log(f"wrote {metrics} and {saved[0]}")
    if config.logdir:
        log(f"TensorBoard: tensorboard --logdir {config.logdir}  (tab Images: attention)")
    log(f"total time {time.time() - started:.0f} s")
    return record, written([saved[0], metrics, *plots])


def train(config=None, log=print):
    """Trains a forecaster per seed and compares it with the baselines.

    Args:
        config: a `ForecastConfig` (default: the embedded series).
        log: where progress lines go (`print`; None: nowhere).

    Returns:
        A `Result`: the record also saved as `metrics.json`, the paths
        written (`model.keras` is the first seed's model) and that model.
    """
    config = config or ForecastConfig()
    log = get_log(log)
    started = time.time()
    series = load_series(config)
    log(series.describe())
    baselines = baseline_predictions(config, series)
    runs, first_model = [], None
    for seed in config.seed_list():
        model, run = fit_and_evaluate(config, series, seed, baselines, log)
        runs.append(run)
        first_model = first_model or model
    record, paths = finish(config, series, first_model, runs, started, log)
    return Result(record, paths, first_model)


# -- using a trained forecaster ------------------------------------------------------------------
def run(model, config, model_path=None, log=print, **_):
    """Forecasts a CSV (`ForecastRunConfig`): every window, then the empty
    targets at the end, one after the other (`forecast_table`).

    Returns:
        A `Result`: the predictions CSV in `outputs`; metrics `windows`,
        `unknown_rows` and, where the target is known, `rmse`.
    """
    log = get_log(log)
    frame, preprocessing = _new_data(model, model_path, config.input, config.interpolate)
    table, info = _checked(
        "input", config.input, forecast_table, frame, preprocessing,
        lambda inputs: model.predict(inputs, batch_size=512, verbose=0), config.interpolate,
    )
    stem = pathlib.Path(config.input).name.removesuffix(".xz").removesuffix(".csv")
    output = config.output or stem + "_predictions.csv"
    io_utils.atomic_write_text(output, table.to_csv(index=False))
    rows = table["row"]
    log(f"{info['windows']} windows (protocol={info['protocol']!r}, window {info['window']}, "
        f"horizon {info['horizon']}): predictions for rows {int(rows.min())}–{int(rows.max())} "
        f"of {config.input}, {int((rows >= len(frame)).sum())} value(s) after its last row")
    metrics = {key: info[key] for key in ("windows", "unknown_rows", "recursive_windows")}
    if info["unknown_rows"]:
        first, last = info["unknown_rows"]
        log(f"Rows {first}–{last} have no {info['target']!r}: forecast, each from the "
            f"predictions before it ({info['recursive_windows']} recursive window(s)); not "
            "scored")
    target, predicted = table[info["target"]].to_numpy(), table[f"{info['target']}_predicted"]
    known = np.isfinite(target)
    if known.any():
        metrics["rmse"] = fc.rmse(target[known], predicted.to_numpy()[known])
        log(f"RMSE where {info['target']!r} is known: {metrics['rmse']:.5g} "
            f"({int(known.sum())} values)")
    return Result(metrics, [output])


def evaluate(model, config, model_path=None, log=print, **_):
    """Test metrics next to the baselines (`EvaluateForecasterConfig`), on the
    data the model was trained on (or `config.data`, cut the same way)."""
    log = get_log(log)
    preprocessing, spec = load_preprocessing(model, model_path)
    if spec is None:
        raise ConfigError("model", f"{model_path} records no training data to evaluate on")
    if config.data is not None:
        # The model's driving series, by name and in its order (not the
        # file's other columns in the file's order).
        spec = dataclasses.replace(spec, data=config.data,
                                   target=spec.target or preprocessing["target"])
    series = load_series(spec, features=preprocessing["features"])
    if series.window != model.window or series.num_features != model.num_features:
        raise ConfigError(
            "data", f"its windows ({series.window} steps, {series.num_features} driving "
            f"series) do not fit the model ({model.window}, {model.num_features})")
    # The baselines as in the training run: fitted on its training rows.
    baselines = {**fc.baseline_predictions(series, strategy=model.strategy,
                                           fit_parts=baseline_fit_parts(spec)),
                 **true_model_prediction(spec, series)}
    results = evaluate_model(model, series, baselines)
    log(series.describe())
    log(fc.format_table(results, title=f"Test part ({len(series['test'])} windows):"))
    return Result({"description": series.describe(), "results": results})


def plot_attention(model, config, model_path=None, log=print, **_):
    """`forecast.png` and the attention PNGs of a CSV (`PlotForecasterConfig`)."""
    from keras_attention.data.prediction_windows import prediction_windows

    frame, preprocessing = _new_data(model, model_path, config.input, config.interpolate)
    series = _checked("input", config.input, prediction_windows, frame, preprocessing,
                      config.interpolate)
    out_dir = pathlib.Path(config.output)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, _ = save_plots(model, series, out_dir)
    return Result({"windows": len(series["test"])}, [str(p) for p in paths])
