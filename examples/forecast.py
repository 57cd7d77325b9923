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

This example trains `keras_attention.models.TimeSeriesForecaster`, an
encoder–decoder with temporal attention over the encoder states (and,
optionally, DA-RNN's input attention over the driving series), on:

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
python examples/forecast.py --data sml2010 --protocol nowcast --encoder gru --epochs 100
python examples/forecast.py --data nasdaq --encoder gru --decoder lstm \\
    --attention bahdanau --protocol forecast --seeds 0,1,2
```

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

from keras_attention.evaluation import forecasting as fc  # noqa: E402
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
`forecasting.fit(config, series, seed)` seeds, builds, compiles (Adam,
cosine decay, MSE) and fits one model; with a validation part (a 3-part
`--split`) the weights of the best validation epoch are kept.

## Evaluation

`forecasting.fit_and_evaluate` fits one seed's model and scores it on the
test part: RMSE, MAE, MAPE and nRMSE (RMSE / range of the test target) on
the original scale and RMSE on the scaled target, for the model and both
baselines. `forecasting.finish` reports them as mean ± std over the seeds
and writes the outputs.
"""


def main(argv=None):
    config = parse_args(argv)
    started = time.time()
    series = forecasting.load_series(config)
    print(series.describe())
    baselines = fc.baseline_predictions(series)

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
