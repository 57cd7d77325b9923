"""
Title: Time-series forecasting with an attention encoder–decoder (DA-RNN style)
Author: keras-attention contributors
Date created: 2026/11/21
Last modified: 2026/11/21
Description: Forecast a target series from driving series with temporal (and input) attention, next to naive and linear baselines, under an explicit nowcast/forecast protocol.
Accelerator: None
"""

"""
## Introduction

This example trains `keras_attention.models.TimeSeriesForecaster` with the
library's defaults: a linear part fitted in closed form (a ridge regression
of the change from the last value, shrunk towards "repeat the last value")
plus an encoder–decoder with temporal attention over the encoder states
(and, optionally, DA-RNN's input attention over the driving series) that
models what the linear part leaves, on:

- the project's **embedded series** (default, no download): a target driven by
  `x1` at lag 3 and `x2` at lag 6, with two distractor series;
- the **NASDAQ-100** prefix of DA-RNN's data (`--data nasdaq`, or a CSV path);
- **SML2010** indoor temperature (`--data sml2010`, DA-RNN's split and 16
  driving series);
- any CSV file: `--data my.csv --target COLUMN`.

Every number it prints or saves names the **protocol**:

- `nowcast` (as DA-RNN): the driving series are seen up to and including the
  target time step;
- `forecast`: only values strictly before the target time are seen.

and is shown next to two baselines computed on the same windows: the naive
"repeat the last value" forecast and a least-squares linear autoregressive
model with the same inputs.

Run it with no arguments for the quick demo (about a minute on 2 CPU cores):

```
python examples/forecast.py
python examples/forecast.py --data sml2010 --protocol nowcast --seeds 0,1,2
python examples/forecast.py --data sml2010 --protocol forecast --horizon 6 \\
    --horizon-strategy recursive
python examples/forecast.py --data nasdaq --protocol forecast --no-highway --revin none
```

Model arguments that are not given keep the library's defaults. With a
two-part split (`0.7,0.3`) the last 20% of the training rows become the
validation part (`--validation-fraction`); the test rows do not change.

It writes `metrics.json`, `forecast.png` (forecast vs truth on the test part),
`temporal_attention.png` (and `input_attention.png` with `--input-attention`)
and `model.keras` to `--output-dir`.
"""

"""
## Setup
"""

import argparse  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from keras_attention import io_utils, plotting, training  # noqa: E402
from keras_attention.callbacks import AttentionImageLogger  # noqa: E402
from keras_attention.data import timeseries as ts  # noqa: E402
from keras_attention.evaluation import forecasting as fc  # noqa: E402
from keras_attention.models.time_series_forecaster import (  # noqa: E402
    ATTENTIONS,
    DECODERS,
    ENCODERS,
    REVIN_MODES,
    STRATEGIES,
    TimeSeriesForecaster,
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Attention encoder–decoder forecaster with baselines.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--data",
        default="synthetic",
        help="'synthetic' (embedded series), 'nasdaq', 'sml2010', a .csv/.csv.xz "
        "path, or a folder holding the two SML2010 files",
    )
    p.add_argument("--target", default=None, help="target column (default per data set)")
    p.add_argument(
        "--features",
        default=None,
        help="comma-separated driving series (default: all other columns; "
        "SML2010: DA-RNN's 16)",
    )
    p.add_argument("--protocol", choices=ts.PROTOCOLS, default="nowcast")
    # Model arguments default to None: the library's defaults
    # (TimeSeriesForecaster's constructor) are used unless one is given.
    p.add_argument("--encoder", choices=ENCODERS, default=None)
    p.add_argument("--decoder", choices=DECODERS, default=None)
    p.add_argument("--attention", choices=ATTENTIONS, default=None)
    flag = argparse.BooleanOptionalAction
    p.add_argument("--input-attention", action=flag, default=None, help="DA-RNN's input attention")
    p.add_argument(
        "--residual", action=flag, default=None, help="predict the change from the last value"
    )
    p.add_argument(
        "--highway",
        action=flag,
        default=None,
        help="linear part (LSTNet's highway); fitted in closed form before training "
        "(model.fit_linear) unless --no-fit-linear",
    )
    p.add_argument(
        "--fit-linear",
        action=flag,
        default=True,
        help="set the highway by ridge regression and freeze it before training",
    )
    p.add_argument(
        "--refit-linear",
        action=flag,
        default=True,
        help="after choosing its penalties on the validation part, fit the linear part "
        "on the training and validation windows together",
    )
    p.add_argument(
        "--horizon-strategy",
        choices=STRATEGIES,
        default=None,
        help="for --horizon > 1: 'direct' (one output per step) or 'recursive' (the "
        "decoder feeds its prediction back); the baselines are run the same way",
    )
    p.add_argument(
        "--revin",
        choices=("none",) + REVIN_MODES,
        default=None,
        help="reversible instance normalization of the network's inputs",
    )
    p.add_argument("--revin-std", action=flag, default=None, help="RevIN divides by the std")
    p.add_argument("--window", type=int, default=10)
    p.add_argument("--horizon", type=int, default=1)
    p.add_argument("--units", type=int, default=None)
    p.add_argument("--dropout", type=float, default=None)
    p.add_argument(
        "--split",
        default=None,
        help="ratios '0.7,0.3' or counts '3200,400,537' (default: SML2010 "
        "3200,400,537; others 0.7,0.3 — the seed's protocol)",
    )
    p.add_argument(
        "--validation-fraction",
        type=float,
        default=0.2,
        help="with a 2-part split, the last fraction of the training rows becomes "
        "the validation part (early stopping, the linear part's penalties); the "
        "test rows do not change. 0: no validation part",
    )
    p.add_argument("--scaling", choices=ts.SCALINGS, default="standard")
    p.add_argument("--interpolate", action="store_true", help="fill missing cells")
    p.add_argument("--num-steps", type=int, default=3000, help="rows of the embedded series")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument(
        "--patience",
        type=int,
        default=20,
        help="with a validation part the best validation epoch is kept (or the "
        "untrained model, i.e. the linear part, if no epoch beats it); stop after "
        "this many epochs without improvement (0 = never)",
    )
    p.add_argument("--seeds", default="0", help="comma-separated seeds; mean ± std over them")
    p.add_argument("--output-dir", default="runs/forecast")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument(
        "--verbose", type=int, default=0, choices=[0, 1, 2],
        help="Keras fit verbosity (1: progress bar, 2: one line per epoch)",
    )
    p.add_argument(
        "--logdir",
        help="TensorBoard folder: losses, and heat maps of the temporal (and input) "
        "attention of two test windows every epoch",
    )
    # --checkpoint-dir (one sub-folder per seed), --strategy, --deterministic
    training.add_arguments(p, strategies=("none", "mirrored"))
    return p.parse_args(argv)


"""
## Data

`make_windows` builds the supervised windows, splits them chronologically,
and fits the scaler on the training rows only. The protocol decides whether
the driving window ends at the target time (nowcast) or just before it
(forecast).
"""


def load_data(args):
    data = args.data
    target, features, split = args.target, None, (0.7, 0.3)
    if data == "synthetic":
        frame = ts.synthetic_series(args.num_steps)
        target = target or ts.SYNTHETIC_TARGET
    elif data == "nasdaq":
        frame = ts.load_nasdaq100()
        target = target or ts.NASDAQ_TARGET
    elif data == "sml2010" or (os.path.isdir(data)):
        frame = ts.load_sml2010(None if data == "sml2010" else data)
        target = target or ts.SML2010_TARGET
        if target == ts.SML2010_TARGET:
            features = list(ts.SML2010_DRIVING_SERIES)
        split = ts.SML2010_DARNN_SPLIT
    else:
        frame = data  # a CSV path; make_windows reads and checks it
        if target is None:
            raise SystemExit("--target is required with a CSV file")
    if args.features:
        features = [f.strip() for f in args.features.split(",") if f.strip()]
    if args.split:
        parts = [s.strip() for s in args.split.split(",")]
        split = tuple(float(s) if "." in s else int(s) for s in parts)
    protocol_split = split
    split = carve_validation(split, len(frame) if not isinstance(frame, str) else None,
                             args.validation_fraction, frame)
    # The baselines are fitted on the protocol's training rows: with a
    # carved validation part, on both the train and val windows.
    args.baseline_fit_parts = ("train", "val") if split != protocol_split else ("train",)
    return ts.make_windows(
        frame,
        target,
        features,
        window=args.window,
        horizon=args.horizon,
        protocol=args.protocol,
        split=split,
        scaling=args.scaling,
        interpolate=args.interpolate,
    )


def carve_validation(split, num_rows, fraction, frame):
    """A 2-part split as 3 row counts: the validation rows are the last
    `fraction` of the training rows, so the test rows stay the same."""
    if len(split) != 2 or not fraction:
        return split
    if not 0 < fraction < 1:
        raise SystemExit(f"--validation-fraction must be in [0, 1). Received: {fraction}")
    if num_rows is None:
        num_rows = len(ts.read_csv(frame))
    if all(isinstance(v, float) for v in split):
        train_rows = int(round(split[0] * num_rows))  # as make_windows rounds
        test_rows = num_rows - train_rows
    else:
        train_rows, test_rows = split
    val_rows = int(round(fraction * train_rows))
    return (train_rows - val_rows, val_rows, test_rows)


"""
## Model and training

The recipe, in order:

1. `model.fit_linear(train, validation_data=val, refit=False)`: the linear
   part in closed form, its penalties chosen on the validation windows,
   frozen. The network's output layer starts at zero, so the model is now
   exactly this linear model.
2. `model.fit(...)`: the network learns what the linear part leaves, with
   early stopping on the validation part; the best validation epoch is kept,
   or the untrained model (the linear part alone) if no epoch beats it.
3. `model.fit_linear(train + val, <the chosen penalties>)`: the linear part
   refitted on the training and validation windows (`--no-refit-linear` to
   skip).

The forecaster's decoder is the library's `AttentionDecoderCell`: it reads
the past target values one per step with temporal attention over the
encoder states, then predicts the next `horizon` values.
"""


def model_arguments(args):
    """The model arguments given on the command line (the rest: library defaults)."""
    given = {
        "units": args.units,
        "encoder": args.encoder,
        "decoder": args.decoder,
        "attention": args.attention,
        "input_attention": args.input_attention,
        "residual": args.residual,
        "highway": args.highway,
        "dropout": args.dropout,
        "strategy": args.horizon_strategy,
        "revin_std": args.revin_std,
    }
    if args.revin is not None:
        given["revin"] = None if args.revin == "none" else args.revin
    return {k: v for k, v in given.items() if v is not None}


def build_model(args, series):
    return TimeSeriesForecaster(
        window=args.window,
        num_features=series.num_features,
        horizon=args.horizon,
        protocol=args.protocol,
        **model_arguments(args),
    )


def train(args, series, seed):
    training.seed_everything(seed, args.deterministic)
    with training.strategy_scope(args.strategy):
        model = build_model(args, series)
        steps = args.epochs * int(np.ceil(len(series["train"]) / args.batch_size))
        schedule = keras.optimizers.schedules.CosineDecay(args.learning_rate, max(steps, 1))
        model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0), loss="mse")
    model.build()
    linear_info, linear_forecast = None, None
    if model.highway and args.fit_linear:
        # The closed-form linear part first; the network (whose output
        # starts at zero) then models what it leaves.
        val = series["val"] if "val" in series.parts else None
        linear_info = model.fit_linear(
            series["train"].inputs,
            series["train"].target,
            validation_data=(val.inputs, val.target) if val is not None else None,
            # Fitted on the training windows only while the network trains, so
            # that the validation part judges the network fairly.
            refit=False,
        )
        # compile() again: the optimizer must see the highway frozen.
        model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0), loss="mse")
    callbacks, validation, initial = [], None, None
    if "val" in series.parts:
        # Model selection on the validation part: the weights of the best
        # validation epoch are restored at the end (and training stops after
        # `patience` epochs without improvement, if set).
        validation = series.dataset("val", 256)
        initial = (model.evaluate(validation, verbose=0), model.get_weights())
        callbacks.append(
            keras.callbacks.EarlyStopping(
                patience=args.patience if args.patience > 0 else args.epochs + 1,
                restore_best_weights=True,
            )
        )
    # Extra callbacks go after EarlyStopping (read back below as callbacks[0]).
    extra = []
    if args.checkpoint_dir:
        # A killed run, started again with the same command, resumes after
        # its last completed epoch (one backup folder per seed).
        extra += training.checkpoint_callbacks(
            os.path.join(args.checkpoint_dir, f"seed-{seed}")
        )
    if args.logdir:
        run = os.path.join(args.logdir, f"seed-{seed}")
        examples = {k: v[:2] for k, v in series["test"].inputs.items()}
        extra += [
            keras.callbacks.TensorBoard(run),
            AttentionImageLogger(
                os.path.join(run, "attention"), examples, feature_names=series.features
            ),
        ]
    start = time.time()
    history = model.fit(
        series.dataset("train", args.batch_size, shuffle=True, seed=seed),
        validation_data=validation,
        epochs=args.epochs,
        callbacks=callbacks + extra,
        shuffle=False,
        verbose=args.verbose,
    )
    best_epoch = None
    if callbacks and callbacks[0].best_epoch is not None:
        best_epoch = int(callbacks[0].best_epoch) + 1
        # Never end worse (on validation) than the untrained model, which is
        # the linear part after fit_linear: keep it if no epoch beat it.
        if initial is not None and initial[0] <= callbacks[0].best:
            model.set_weights(initial[1])
            best_epoch = 0
    if linear_info is not None and args.refit_linear and "val" in series.parts:
        # The penalties chosen, the linear part is fitted again on the
        # training and validation windows (the usual refit after a search);
        # the network's correction is kept as trained.
        train_val = {
            key: np.concatenate([series["train"].inputs[key], series["val"].inputs[key]])
            for key in ("drivers", "past_target")
        }
        model.fit_linear(
            train_val,
            np.concatenate([series["train"].target, series["val"].target]),
            l2=linear_info["l2"],
            level_l2=linear_info["level_l2"],
            smooth_l2=linear_info["smooth_l2"],
        )
        linear_info["refit_on_validation"] = True
    if linear_info is not None:
        # The linear part alone (the network's output set to zero, as before
        # training): its test forecast, for the record of what the network adds.
        head = model.head.get_weights()
        model.head.set_weights([np.zeros_like(w) for w in head])
        linear_forecast = model.predict(series["test"].inputs, batch_size=512, verbose=0)
        model.head.set_weights(head)
    history = dict(history.history)
    if initial is not None:
        # Validation MSE (scaled) of the untrained model and of the kept one:
        # the numbers defaults are chosen on (never the test part).
        history["val_loss_initial"] = float(initial[0])
        history["val_loss_kept"] = float(min([initial[0]] + list(history.get("val_loss", []))))
    return model, history, time.time() - start, best_epoch, linear_info, linear_forecast


"""
## Evaluation

Metrics on the original scale (RMSE, MAE, MAPE, nRMSE = RMSE / range of the
test target) and RMSE on the scaled target, for the model and both baselines.
"""


def summarize(runs):
    names = list(runs[0].keys())
    out = {}
    for name in names:
        out[name] = {}
        for key in ("rmse", "mae", "mape", "nrmse", "rmse_scaled"):
            values = np.array([r[name][key] for r in runs])
            out[name][key] = {"mean": float(values.mean()), "std": float(values.std())}
    return out


def print_summary(summary, series, num_seeds):
    print(
        f"\nTest results, protocol={series.protocol!r}, mean ± std over "
        f"{num_seeds} seed(s) (baselines are deterministic):"
    )
    print(f"{'':<10}{'RMSE':>22}{'MAE':>22}{'MAPE %':>18}{'nRMSE':>18}{'RMSE scaled':>22}")
    for name, m in summary.items():
        cells = "".join(
            f"{m[k]['mean']:>{w - 9}.4g} ± {m[k]['std']:<6.2g}"
            for k, w in (("rmse", 22), ("mae", 22), ("mape", 18), ("nrmse", 18), ("rmse_scaled", 22))
        )
        print(f"{name:<10}{cells}")


def lag_labels(series):
    # Position j of the driving window, relative to the first target time τ.
    last = 0 if series.protocol == "nowcast" else -1
    first = last - series.window + 1
    return [("τ" if k == 0 else f"τ{k:+d}") for k in range(first, last + 1)]


def save_plots(model, series, out_dir):
    test = series["test"]
    forecast, scores = model.predict_with_attention(test.inputs)
    plt = plotting._pyplot()
    n = min(300, len(test))
    fig, ax = plt.subplots(figsize=(10, 4))
    x = test.target_rows[:n]
    ax.plot(x, test.target_raw[:n, 0], label="truth", color="black", linewidth=1.2)
    ax.plot(x, series.inverse_target(forecast[:n, 0]), label="model", linewidth=1.0)
    ax.plot(
        x,
        series.inverse_target(fc.naive_forecast(test.past_target)[:n, 0]),
        label="naive (last value)",
        linewidth=0.8,
        linestyle="--",
    )
    ax.set_xlabel("row of the series (test part)")
    ax.set_ylabel(series.target)
    ax.set_title(f"{series.target}: one-step forecast vs truth — protocol={series.protocol}")
    ax.legend()
    fig.tight_layout()
    paths = [plotting.save_figure(fig, out_dir / "forecast.png")]
    if "temporal" in scores:
        rows = min(40, len(test))
        paths.append(
            plotting.plot_attention(
                scores["temporal"][:rows, 0],
                out_dir / "temporal_attention.png",
                x_labels=lag_labels(series),
                y_labels=[str(r) for r in test.target_rows[:rows]],
                x_title="driving-window step (τ = first target time)",
                y_title="test window (row of τ)",
                title=f"Temporal attention, protocol={series.protocol}",
                size=(7, 8),
            )
        )
    if "input" in scores:
        paths.append(
            plotting.plot_attention(
                scores["input"].mean(axis=0),
                out_dir / "input_attention.png",
                x_labels=series.features,
                y_labels=lag_labels(series),
                x_title="driving series",
                y_title="encoder step",
                title=f"Input attention (test mean), protocol={series.protocol}",
                size=(max(6, 0.3 * series.num_features + 3), 5),
            )
        )
    return paths, scores


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    out_dir = pathlib.Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    series = load_data(args)
    print(series.describe())
    runs, histories, first_model, baselines = [], [], None, None
    for seed in seeds:
        model, history, seconds, best_epoch, linear_info, linear_forecast = train(
            args, series, seed
        )
        if baselines is None:
            # Run the same way as the model: one fit per horizon step
            # ("direct") or the one-step fit iterated ("recursive").
            baselines = fc.baseline_predictions(
                series, strategy=model.strategy, fit_parts=args.baseline_fit_parts
            )
        forecast = model.predict(series["test"].inputs, batch_size=512, verbose=0)
        predictions = {"model": forecast, **baselines}
        if linear_forecast is not None:
            predictions["linear_part"] = linear_forecast
        results = fc.evaluate(series, predictions)
        runs.append(results)
        histories.append(
            {
                "seed": seed,
                "seconds": seconds,
                "epochs": len(history["loss"]),
                "best_epoch": best_epoch,
                "linear_fit": linear_info,
                "loss": [float(v) for v in history["loss"]],
                "val_loss": [float(v) for v in history.get("val_loss", [])],
                "val_loss_initial": history.get("val_loss_initial"),
                "val_loss_kept": history.get("val_loss_kept"),
            }
        )
        print(
            f"seed {seed}: {len(history['loss'])} epochs in {seconds:.0f} s"
            + (f" (best validation epoch {best_epoch})" if best_epoch is not None else "")
            + ", test RMSE "
            f"{results['model']['rmse']:.5g} (naive {results['naive']['rmse']:.5g}, "
            f"linear {results['linear']['rmse']:.5g}"
            + (
                f", linear part alone {results['linear_part']['rmse']:.5g}"
                if "linear_part" in results
                else ""
            )
            + f"), protocol={series.protocol}"
        )
        if first_model is None:
            first_model = model
    summary = summarize(runs)
    print_summary(summary, series, len(seeds))
    record = {
        "protocol": series.protocol,
        "description": series.describe(),
        "args": vars(args),
        "model_config": {
            k: v for k, v in first_model.get_config().items() if k not in ("name", "trainable", "dtype")
        },
        "scaler": series.scaler.to_dict(),
        "test_windows": len(series["test"]),
        "summary": summary,
        "runs": [{"seed": h["seed"], "results": r, **h} for h, r in zip(histories, runs)],
        "seconds": time.time() - start,
    }
    io_utils.save_model(first_model, out_dir / "model.keras")
    if not args.no_plots:
        paths, scores = save_plots(first_model, series, out_dir)
        if "temporal" in scores:
            record["temporal_attention_mean"] = scores["temporal"].mean(axis=0).tolist()
        if "input" in scores:
            record["input_attention_mean"] = scores["input"].mean(axis=(0, 1)).tolist()
        print("wrote " + ", ".join(str(p) for p in paths))
    io_utils.atomic_write_json(out_dir / "metrics.json", record)
    print(f"wrote {out_dir / 'metrics.json'} and {out_dir / 'model.keras'}")
    if args.logdir:
        print(f"TensorBoard: tensorboard --logdir {args.logdir}  (tab Images: attention)")
    print(f"total time {time.time() - start:.0f} s")
    return record


if __name__ == "__main__":
    main()
