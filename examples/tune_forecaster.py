"""
Title: Hyperparameter search for an attention forecaster with KerasTuner
Author: keras-attention contributors
Date created: 2026/11/21
Last modified: 2026/11/21
Description: Search encoder, decoder, attention type, input attention, size, dropout, learning rate and batch size of a TimeSeriesForecaster with KerasTuner, then retrain, compare with baselines and save the best configuration.
Accelerator: None
"""

"""
## Introduction

`keras_attention.tuners.HyperTimeSeriesForecaster` is a KerasTuner
`HyperModel` over `TimeSeriesForecaster`: its constructor holds the fixed
problem (window, number of driving series, horizon, protocol), and
`build(hp)` returns a compiled forecaster drawn from the search space: the
encoder (LSTM, GRU, simple RNN, bidirectional LSTM / GRU), DA-RNN's input
attention (unidirectional encoders only), the decoder cell, the temporal
attention (Bahdanau, Luong with its score mode, or none), a residual
connection, the units, dropout and learning rate; the batch size is searched
in `HyperModel.fit`. Every default reproduces the builder's default model.

The search uses a validation part of the series (the objective is the
validation MSE on the scaled target); the best configuration is retrained
and evaluated once on the test part, next to the naive and linear baselines.

```
python examples/tune_forecaster.py                      # embedded series, random search, ~4 min on 2 cores
python examples/tune_forecaster.py --tuner hyperband --epochs 9
python examples/tune_forecaster.py --tuner bayesian --max-trials 20
python examples/tune_forecaster.py --data nasdaq --window 10
python examples/tune_forecaster.py --data my.csv --target y --logdir logs/tune_forecaster
```

Distributed search: see `docs/tuning.md`.
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
import keras_tuner as kt  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from keras_attention import io_utils  # noqa: E402
from keras_attention.callbacks import AttentionImageLogger  # noqa: E402
from keras_attention.data import timeseries as ts  # noqa: E402
from keras_attention.evaluation import forecasting as fc  # noqa: E402
from keras_attention.tuners import HyperTimeSeriesForecaster, TrialProgress  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
TUNERS = ("random", "hyperband", "bayesian")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="KerasTuner search over TimeSeriesForecaster architectures.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--data",
        default="synthetic",
        help="'synthetic' (embedded series), 'nasdaq', 'sml2010', or a .csv/.csv.xz path",
    )
    p.add_argument("--target", default=None, help="target column (required for a CSV)")
    p.add_argument("--protocol", choices=ts.PROTOCOLS, default="nowcast")
    p.add_argument("--window", type=int, default=10)
    p.add_argument("--horizon", type=int, default=1)
    p.add_argument(
        "--split",
        default="0.6,0.2,0.2",
        help="train,validation,test ratios or row counts (a validation part is needed)",
    )
    p.add_argument(
        "--num-steps", type=int, default=3000, help="rows of the embedded series"
    )
    p.add_argument("--tuner", choices=TUNERS, default="random")
    p.add_argument("--max-trials", type=int, default=8, help="random / bayesian trials")
    p.add_argument(
        "--epochs",
        type=int,
        default=4,
        help="epochs per trial (Hyperband: the most epochs one model gets)",
    )
    p.add_argument(
        "--final-epochs", type=int, default=15, help="epochs of the retraining"
    )
    p.add_argument("--full-space", action="store_true", help="search the whole space")
    p.add_argument("--directory", default="runs/tuning", help="KerasTuner's folder")
    p.add_argument("--project-name", default=None, help="default: forecaster_<tuner>")
    p.add_argument(
        "--resume", action="store_true", help="continue a search in --directory"
    )
    p.add_argument(
        "--logdir",
        default=None,
        help="TensorBoard folder: one run per trial, and the retraining with "
        "attention images",
    )
    p.add_argument(
        "--output",
        default=str(REPO / "saved_models" / "tuned_forecaster.keras"),
        help="where to save the retrained best model",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", type=int, default=0, choices=[0, 1, 2])
    args = p.parse_args(argv)
    for name in ("max_trials", "epochs", "final_epochs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    return args


"""
## The data

`make_windows` splits the series chronologically into train / validation /
test parts and fits the scaler on the training rows only. The search never
sees the test part.
"""


def load_data(args):
    parts = [s.strip() for s in args.split.split(",")]
    split = tuple(float(s) if "." in s else int(s) for s in parts)
    if len(split) != 3:
        raise SystemExit("--split needs three parts: train,validation,test")
    target, features = args.target, None
    if args.data == "synthetic":
        frame, target = (
            ts.synthetic_series(args.num_steps),
            target or ts.SYNTHETIC_TARGET,
        )
    elif args.data == "nasdaq":
        frame, target = ts.load_nasdaq100(), target or ts.NASDAQ_TARGET
    elif args.data == "sml2010":
        frame, target = ts.load_sml2010(), target or ts.SML2010_TARGET
        if target == ts.SML2010_TARGET:
            features = list(ts.SML2010_DRIVING_SERIES)
    else:
        if target is None:
            raise SystemExit("--target is required with a CSV file")
        frame = args.data
    return ts.make_windows(
        frame,
        target,
        features,
        window=args.window,
        horizon=args.horizon,
        protocol=args.protocol,
        split=split,
    )


"""
## The search space

`HyperTimeSeriesForecaster` defines the space; KerasTuner's
`hyperparameters=` argument narrows it (by default: at most 64 units, a
learning rate of at least 1e-3, so that a few epochs per trial say
something).
"""


def make_tuner(args, series):
    hypermodel = HyperTimeSeriesForecaster(
        window=series.window,
        num_features=series.num_features,
        horizon=series.horizon,
        protocol=series.protocol,
        batch_sizes=(32, 64, 128),
    )
    hp = kt.HyperParameters()
    if not args.full_space:
        hp.Choice("units", [16, 32, 64], default=64)
        hp.Float("learning_rate", 1e-3, 1e-2, sampling="log", default=3e-3)
    common = dict(
        objective="val_loss",
        hyperparameters=hp,
        directory=args.directory,
        project_name=args.project_name or f"forecaster_{args.tuner}",
        # Workers of a distributed search share the chief's folder: only the
        # chief may start it afresh.
        overwrite=not args.resume and not is_worker(),
        seed=args.seed,
    )
    if args.tuner == "random":
        return hypermodel, kt.RandomSearch(
            hypermodel, max_trials=args.max_trials, **common
        )
    if args.tuner == "bayesian":
        return hypermodel, kt.BayesianOptimization(
            hypermodel, max_trials=args.max_trials, **common
        )
    return hypermodel, kt.Hyperband(
        hypermodel, max_epochs=args.epochs, factor=3, **common
    )


def is_worker():
    """A worker of a distributed search (it only runs trials)."""
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in tuner_id


"""
## Searching

The windows are numpy arrays, so `HyperModel.fit` can set the batch size.
Hyperband chooses each trial's epochs itself.
"""


def search(args, tuner, series):
    train, val = series["train"], series["val"]
    kwargs = dict(
        validation_data=(val.inputs, val.target), shuffle=True, verbose=args.verbose
    )
    if args.tuner != "hyperband":
        kwargs["epochs"] = args.epochs
    # One progress report per trial (a bar on a terminal, a line in a log).
    kwargs["callbacks"] = [
        TrialProgress(None if args.tuner == "hyperband" else args.max_trials)
    ]
    if args.logdir:
        kwargs["callbacks"].append(
            keras.callbacks.TensorBoard(os.path.join(args.logdir, "search"))
        )
    tuner.search(train.inputs, train.target, **kwargs)


"""
## Retraining the best configuration

The best hyperparameters rebuild the model through the HyperModel. It is
trained longer, keeping the weights of its best validation epoch, then
evaluated once on the test part (on the original scale) with the baselines.
With `--logdir`, the temporal (and input) attention of two validation
windows is written to TensorBoard every epoch.
"""


def retrain(args, hypermodel, best_hp, series):
    model = hypermodel.build(best_hp)
    train, val = series["train"], series["val"]
    callbacks = [
        keras.callbacks.EarlyStopping(
            patience=args.final_epochs, restore_best_weights=True
        )
    ]
    if args.logdir:
        examples = {k: v[:2] for k, v in val.inputs.items()}
        callbacks += [
            keras.callbacks.TensorBoard(os.path.join(args.logdir, "best")),
            AttentionImageLogger(
                os.path.join(args.logdir, "best", "attention"),
                examples,
                feature_names=series.features,
            ),
        ]
    hypermodel.fit(
        best_hp,
        model,
        train.inputs,
        train.target,
        validation_data=(val.inputs, val.target),
        epochs=args.final_epochs,
        shuffle=True,
        callbacks=callbacks,
        verbose=args.verbose,
    )
    return model


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    started = time.time()
    series = load_data(args)
    print(series.describe())
    hypermodel, tuner = make_tuner(args, series)
    tuner.search_space_summary()
    search(args, tuner, series)
    if is_worker():
        print(f"Worker {os.environ['KERASTUNER_TUNER_ID']}: no trial left.")
        return None, None
    search_seconds = time.time() - started
    tuner.results_summary(num_trials=5)
    best_hp = tuner.get_best_hyperparameters(1)[0]
    trials = list(tuner.oracle.trials.values())
    completed = [t for t in trials if t.status == "COMPLETED"]
    print(
        f"\n{len(completed)}/{len(trials)} trials completed in {search_seconds:.0f} s; "
        f"best: {best_hp.values}"
    )
    model = retrain(args, hypermodel, best_hp, series)
    forecast = model.predict(series["test"].inputs, batch_size=512, verbose=0)
    results = fc.evaluate(
        series, {"model": forecast, **fc.baseline_predictions(series)}
    )
    print(
        f"Test RMSE, protocol={series.protocol!r}: model {results['model']['rmse']:.5g}, "
        f"naive {results['naive']['rmse']:.5g}, linear {results['linear']['rmse']:.5g}"
    )
    io_utils.save_model(model, args.output)
    summary = {
        "tuner": args.tuner,
        "protocol": series.protocol,
        "description": series.describe(),
        "trials": len(trials),
        "completed_trials": len(completed),
        "best_hyperparameters": best_hp.values,
        "test": results,
        "search_seconds": round(search_seconds, 1),
        "total_seconds": round(time.time() - started, 1),
    }
    summary_path = str(pathlib.Path(args.output).with_suffix("")) + "_search.json"
    io_utils.atomic_write_json(summary_path, summary)
    print(f"Saved {args.output} and {summary_path}")
    if args.logdir:
        print(
            f"TensorBoard: tensorboard --logdir {args.logdir}  (then open http://localhost:6006)"
        )
    print(f"Done in {summary['total_seconds']:.0f} s")
    return model, summary


if __name__ == "__main__":
    main()
