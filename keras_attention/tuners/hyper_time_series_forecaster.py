"""The KerasTuner search space of `TimeSeriesForecaster`."""

import keras
import numpy as np

from keras_attention.models.time_series_forecaster import TimeSeriesForecaster
from keras_attention.tuners import search_utils

#: Encoders searched (the builder's names: "bi…" are bidirectional).
ENCODERS = ("lstm", "gru", "simple", "bilstm", "bigru")
#: DA-RNN's input attention needs a unidirectional encoder.
UNIDIRECTIONAL_ENCODERS = ("lstm", "gru", "simple")
#: Luong scores searched; the window is fixed, so "location" works here.
#: "dot" and "scaled_dot" are left out: they need the decoder state and the
#: memory to have the same size, which bidirectional encoders break, and
#: KerasTuner's conditions cannot express "luong AND unidirectional" over
#: two independent choices. Fix `encoder` and add them with a
#: `hyperparameters=` override to search them.
LUONG_SCORE_MODES = ("general", "concat", "location")


class HyperTimeSeriesForecaster(search_utils.TaskHyperModel):
    """KerasTuner search space over `TimeSeriesForecaster` architectures.

    The constructor fixes the problem (window, number of driving series,
    horizon, protocol); `build(hp)` draws an architecture and returns a
    compiled `TimeSeriesForecaster` whose weights are built (so that
    Hyperband and `get_best_models()` can load checkpoints into it). The
    network is always the builder's: this class only chooses its arguments.

    Hyperparameters (the default of each reproduces the builder's default
    model, `TimeSeriesForecaster(window, num_features, horizon)`):

    | name | values | default | active when |
    |---|---|---|---|
    | `units` | 16, 32, 64, 128 | 64 | always |
    | `encoder` | lstm, gru, simple, bilstm, bigru | lstm | always |
    | `input_attention` | bool (DA-RNN's input attention) | False | encoder = lstm / gru / simple |
    | `decoder` | lstm, gru | lstm | always |
    | `attention` | bahdanau, luong, none | bahdanau | always |
    | `score_mode` | general, concat, location | general | attention = luong |
    | `residual` | bool | True | always |
    | `dropout` | 0.0–0.5, step 0.1 | 0.0 | always |
    | `learning_rate` | 1e-4–1e-2, log | 1e-3 | always |
    | `batch_size` | `batch_sizes` | 32 | `fit()` with unbatched arrays |
    | `epochs` | `epochs` range | its max | `fit()`, if `epochs` is set and the tuner is not Hyperband |

    Models are compiled with `Adam(learning_rate, clipnorm=1.0)`, the mean
    squared error (on the scaled target) and the mean absolute error as a
    metric.

    Args:
        window: look-back `T` (fixed).
        num_features: number of driving series `n` (fixed).
        horizon: number of target steps (fixed).
        protocol: `"nowcast"` or `"forecast"` (fixed; see
            `keras_attention.data.timeseries`).
        batch_sizes: batch sizes searched by `fit()`, or `None`.
        epochs: `(min_epochs, max_epochs)` to search the number of epochs,
            or `None` (default) to use `search(epochs=...)`.
        name: optional name of the HyperModel.
        tunable: KerasTuner's `HyperModel` argument.

    Example:

    >>> import keras_tuner
    >>> from keras_attention.tuners import HyperTimeSeriesForecaster
    >>> hypermodel = HyperTimeSeriesForecaster(window=10, num_features=4)
    >>> model = hypermodel.build(keras_tuner.HyperParameters())  # defaults
    >>> model.encoder_type, model.attention_type
    ('lstm', 'bahdanau')
    >>> hp = keras_tuner.HyperParameters()
    >>> hp.Fixed("attention", "luong")
    'luong'
    >>> model = hypermodel.build(hp)  # the other choices at their defaults
    >>> model.attention_type, model.score_mode
    ('luong', 'general')
    """

    def __init__(
        self, window, num_features, horizon=1, protocol="nowcast",
        batch_sizes=search_utils.DEFAULT_BATCH_SIZES, epochs=None, name=None, tunable=True,
        preprocessor=None,
    ):
        problem = {
            "window": window, "num_features": num_features, "horizon": horizon,
            "protocol": protocol, "preprocessor": preprocessor,
        }
        super().__init__(TimeSeriesForecaster, problem, batch_sizes, epochs, name, tunable)

    def model_kwargs(self, hp):
        """The builder's arguments for `hp` (searched ones only).

        Registers the hyperparameters in `hp` as a side effect, like
        `build(hp)`, without creating a model.
        """
        kwargs = {"units": hp.Choice("units", [16, 32, 64, 128], default=64)}
        encoder = hp.Choice("encoder", list(ENCODERS), default="lstm")
        kwargs["encoder"] = encoder
        with hp.conditional_scope("encoder", list(UNIDIRECTIONAL_ENCODERS)):
            input_attention = hp.Boolean("input_attention", default=False)
            if encoder in UNIDIRECTIONAL_ENCODERS:
                kwargs["input_attention"] = input_attention
        kwargs["decoder"] = hp.Choice("decoder", ["lstm", "gru"], default="lstm")
        attention = hp.Choice(
            "attention", ["bahdanau", "luong", "none"], default="bahdanau"
        )
        kwargs["attention"] = attention
        with hp.conditional_scope("attention", ["luong"]):
            score_mode = hp.Choice(
                "score_mode", list(LUONG_SCORE_MODES), default="general"
            )
            if attention == "luong":
                kwargs["score_mode"] = score_mode
        kwargs["residual"] = hp.Boolean("residual", default=True)
        kwargs["dropout"] = search_utils.dropout(hp)
        return kwargs

    def build(self, hp):
        """Builds, compiles and builds the weights of one forecaster."""
        model = self.new_model(hp)
        lr = search_utils.learning_rate(hp)
        model.compile(
            optimizer=keras.optimizers.Adam(lr, clipnorm=1.0),
            loss="mse",
            metrics=["mae"],
        )
        # Called once, so every weight exists before the tuner loads a
        # checkpoint (Hyperband, get_best_models).
        p = self.problem
        past = p["window"] - 1 if p["protocol"] == "nowcast" else p["window"]
        model(
            {
                "drivers": np.zeros((1, p["window"], p["num_features"]), "float32"),
                "past_target": np.zeros((1, past, 1), "float32"),
            },
            training=False,
        )
        return model
