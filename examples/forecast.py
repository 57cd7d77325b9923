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

With a two-part split (`0.7,0.3`) the last 20% of the training rows become
the validation part (`--validation-fraction`); the test rows do not change.

It writes `metrics.json`, `forecast.png` (forecast vs truth on the test part),
`temporal_attention.png` (and `input_attention.png` with `--input-attention`),
`model.keras` and `model.preprocessing.json` (the columns, window, protocol
and fitted scaler, which `keras-attention forecast` reads to scale new data)
to `--output-dir`.

Every step is a function of `keras_attention.recipes.forecasting`;
`forecasting.train(config)` (what `keras-attention train forecast` runs)
composes them the same way. The options are the fields of
`recipes.configs.ForecastConfig`.
"""

"""
## Setup

TensorFlow's start-up lines stay off the terminal (`--debug` shows them).
"""

import sys  # noqa: E402
import time  # noqa: E402

from keras_attention.utils.startup import quiet_tensorflow  # noqa: E402

quiet_tensorflow(debug="--debug" in sys.argv)

from keras_attention.recipes import forecasting  # noqa: E402
from keras_attention.recipes.configs import ForecastConfig  # noqa: E402
from keras_attention.recipes.options import parse_config  # noqa: E402


def parse_args(argv=None):
    return parse_config(ForecastConfig, argv, description="Attention encoder–decoder "
                        "forecaster with baselines.")


"""
## Data

`forecasting.load_series` reads the series and calls `make_windows`, which
builds the supervised windows, splits them chronologically, and fits the
scaler on the training rows only. The protocol decides whether the driving
window ends at the target time (nowcast) or just before it (forecast).

## Model and training

The forecaster's decoder is the library's `AttentionDecoderCell`: it reads
the past target values one per step with temporal attention over the
encoder states, then predicts the next `horizon` values.
`forecasting.fit(config, series, seed)` seeds, builds and compiles (Adam,
cosine decay, MSE) one model, then:

1. `model.fit_linear(train, validation_data=val, refit=False)`: the linear
   part in closed form, its penalties chosen on the validation windows,
   frozen. The network's output layer starts at zero, so the model is now
   exactly this linear model.
2. `model.fit(...)`: the network learns what the linear part leaves, with
   early stopping on the validation part; the best validation epoch is
   kept if its loss is at least `keep_margin` (2%) below the untrained
   model's, else the untrained model (the linear part alone).
3. `model.fit_linear(train + val, <the chosen penalties>)`: the linear part
   refitted on the training and validation windows (`--no-refit-linear` to
   skip).

## Evaluation

`forecasting.fit_and_evaluate` fits one seed's model and scores it on the
test part: RMSE, MAE, MAPE and nRMSE (RMSE / range of the test target) on
the original scale and RMSE on the scaled target, for the model, its linear
part alone and both baselines (run as the model is for `--horizon` > 1). `forecasting.finish` reports them as mean ± std over the seeds
and writes the outputs.
"""


def main(argv=None):
    config = parse_args(argv)
    started = time.time()
    series = forecasting.load_series(config)
    print(series.describe())
    baselines = forecasting.baseline_predictions(config, series)

    runs, first_model = [], None
    for seed in config.seed_list():  # fit, then evaluate next to the baselines
        model, run = forecasting.fit_and_evaluate(config, series, seed, baselines)
        runs.append(run)
        first_model = first_model or model

    # Mean ± std over the seeds; model.keras (+ its preprocessing), the plots
    # and metrics.json in --output-dir.
    record, _ = forecasting.finish(config, series, first_model, runs, started)
    return record


if __name__ == "__main__":
    main()
