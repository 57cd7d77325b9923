"""
Title: Hyperparameter search for an attention forecaster with KerasTuner
Author: keras-attention contributors
Date created: 2026/11/21
Last modified: 2026/12/03
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

Every trial starts from the forecaster's linear part, fitted in closed form
and frozen (as `keras-attention train forecast` does); the network learns
what it leaves and is kept only where it beats it on validation by
`--keep-margin`, so no trial ends worse than the linear model.

The search uses a validation part of the series (the objective is the
validation MSE on the scaled target); the best configuration is retrained
(the linear part fitted again on the training and validation windows at the
end) and evaluated once on the test part, next to the naive and linear
baselines.

```
python examples/tune_forecaster.py                      # embedded series, random search, ~4 min on 2 cores
python examples/tune_forecaster.py --tuner hyperband --epochs 9
python examples/tune_forecaster.py --tuner bayesian --max-trials 20
python examples/tune_forecaster.py --data nasdaq --window 10
python examples/tune_forecaster.py --data my.csv --target y --logdir logs/tune_forecaster
```

Distributed search: see `docs/tuning.md`.

It saves `saved_models/tuned_forecaster.keras`, `tuned_forecaster_search.json`
and `tuned_forecaster.preprocessing.json` (`--output-dir`, `--name`). Every
step is a function of `keras_attention.recipes.tuning`;
`tune_forecaster(config)` (what `keras-attention tune forecast` runs)
composes them the same way. The options are the fields of
`recipes.configs.TuneForecasterConfig`.
"""

"""
## Setup

TensorFlow's start-up lines stay off the terminal (`--debug` shows them).
"""

import sys  # noqa: E402
import time  # noqa: E402

from keras_attention.utils.startup import quiet_tensorflow  # noqa: E402

quiet_tensorflow(debug="--debug" in sys.argv)

import keras  # noqa: E402

from keras_attention.recipes import forecasting, tuning  # noqa: E402
from keras_attention.recipes.configs import TuneForecasterConfig  # noqa: E402
from keras_attention.recipes.options import parse_config  # noqa: E402


def parse_args(argv=None):
    return parse_config(TuneForecasterConfig, argv, description="KerasTuner search over "
                        "TimeSeriesForecaster architectures.")


"""
## The data

`forecasting.load_series` calls `make_windows`, which splits the series
chronologically into train / validation / test parts and fits the scaler on
the training rows only. The search never sees the test part.

## The search space

`HyperTimeSeriesForecaster` defines the space; KerasTuner's
`hyperparameters=` argument narrows it (by default: at most 64 units, a
learning rate of at least 1e-3, so that a few epochs per trial say
something; `tuning.forecaster_hypermodel` returns both).

## Searching

The windows are numpy arrays, so `HyperModel.fit` can set the batch size.
Hyperband chooses each trial's epochs itself.

## Retraining the best configuration

The best hyperparameters rebuild the model through the HyperModel. It is
trained longer, keeping the weights of its best validation epoch, then
evaluated once on the test part (on the original scale) with the baselines.
With `--logdir`, the temporal (and input) attention of two validation
windows is written to TensorBoard every epoch.
"""


def main(argv=None):
    config = parse_args(argv)
    keras.utils.set_random_seed(config.seed)
    started = time.time()
    series = forecasting.load_series(config)
    print(series.describe())
    hypermodel, hp = tuning.forecaster_hypermodel(config, series)
    tuner = tuning.make_tuner(config, hypermodel, "forecaster", hp)
    train, val = series["train"], series["val"]
    tuning.search(config, tuner, train.inputs, train.target, (val.inputs, val.target),
                  shuffle=True)
    best_hp, summary = tuning.best(config, tuner, print, started)
    if best_hp is None:  # a worker of a distributed search: the chief retrains
        return None, None

    model = tuning.retrain_forecaster(config, hypermodel, best_hp, series)
    results = forecasting.evaluate_model(model, series)  # the model and both baselines
    print(f"Test RMSE, protocol={series.protocol!r}: model {results['model']['rmse']:.5g}, "
          f"naive {results['naive']['rmse']:.5g}, linear {results['linear']['rmse']:.5g}")
    summary.update(protocol=series.protocol, description=series.describe(), test=results)
    tuning.save_tuned(config, model, summary, started)
    return model, summary


if __name__ == "__main__":
    main()
