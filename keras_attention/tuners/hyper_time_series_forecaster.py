"""The KerasTuner search space of `TimeSeriesForecaster`."""

import keras
import numpy as np

from keras_attention.models import forecaster_linear
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

    **The linear part.** With `fit_linear` (the default) and a model with
    `highway=True` (the builder's default), `fit` does what
    `keras-attention train forecast` does, so that no trial ends worse than
    the linear model: it sets the linear part in closed form on the
    training windows (`TimeSeriesForecaster.fit_linear`, penalties chosen
    on `validation_data`, frozen) before the network trains, and after
    training keeps the untrained model (exactly the linear part) unless the
    best epoch's `val_loss` is `keep_margin` lower. The trial then reports
    the kept model's metrics (and the tuner's checkpoint of the trial holds
    it). `linear_info` holds the dict of the last `fit_linear`.

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
        preprocessor: the `SeriesPreprocessor` saved with each model.
        fit_linear: set the linear part in closed form before training
            (above); needs numpy inputs.
        keep_margin: the trained network replaces the untrained model (the
            linear part) only if its best `val_loss` is at least this
            fraction lower (0 to 1).

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
        preprocessor=None, fit_linear=True, keep_margin=0.02,
    ):
        problem = {
            "window": window, "num_features": num_features, "horizon": horizon,
            "protocol": protocol, "preprocessor": preprocessor,
        }
        super().__init__(TimeSeriesForecaster, problem, batch_sizes, epochs, name, tunable)
        if not isinstance(fit_linear, bool):
            raise ValueError(f"`fit_linear` must be True or False. Received: "
                             f"fit_linear={fit_linear!r}")
        if (isinstance(keep_margin, bool) or not isinstance(keep_margin, (int, float))
                or not 0.0 <= keep_margin < 1.0):
            raise ValueError(f"`keep_margin` must be a number in [0, 1). Received: "
                             f"keep_margin={keep_margin!r}")
        self.fit_linear = fit_linear
        self.keep_margin = float(keep_margin)
        self.linear_info = None

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
        self._compile(hp, model)
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

    def _compile(self, hp, model):
        model.compile(
            optimizer=keras.optimizers.Adam(search_utils.learning_rate(hp), clipnorm=1.0),
            loss="mse",
            metrics=["mae"],
            # compile() again after the linear part (fit) keeps a run_eagerly
            # set after build, which compile()'s default would reset.
            run_eagerly=model.run_eagerly,
        )

    def fit(self, hp, model, *args, **kwargs):
        """`model.fit` with the searched batch size (and epochs), after the
        closed-form linear part, keeping the linear part unless the network
        beats it on validation (see the class docstring).

        Returns:
            Keras' `History` where a trained epoch is kept; the kept model's
            metrics (a dict, as `evaluate` gives them, the training ones
            prefixed like `fit`'s) where the untrained model is.
        """
        if not (self.fit_linear and model.highway):
            return super().fit(hp, model, *args, **kwargs)
        x, y = _fit_arrays(args, kwargs)
        validation = kwargs.get("validation_data")
        if validation is not None and not isinstance(validation, (tuple, list)):
            raise ValueError(
                "With fit_linear=True the validation data must be an `(x, y)` tuple of "
                "numpy arrays (it chooses the linear part's penalties). Received: "
                f"validation_data of type {type(validation).__name__}"
            )
        self.linear_info = model.fit_linear(
            x, y, validation_data=tuple(validation) if validation is not None else None,
            refit=False,
        )
        self._compile(hp, model)  # the optimizer must see the frozen highway
        if validation is None:
            return super().fit(hp, model, *args, **kwargs)
        x_val, y_val = validation
        parent_fit = super().fit
        kept = forecaster_linear.train_beyond_linear_part(
            model, lambda: parent_fit(hp, model, *args, **kwargs),
            lambda: model.evaluate(x_val, y_val, batch_size=512, verbose=0, return_dict=True),
            self.keep_margin)
        if kept["best_epoch"]:
            return kept["result"]  # the History: KerasTuner scores its best epoch
        # No epoch beat the untrained model (the linear part) by the margin,
        # or training diverged (TerminateOnNaN): the untrained model is back;
        # report it, and let the tuner's checkpoint hold it.
        for callback in kwargs.get("callbacks") or []:
            if hasattr(callback, "_save_model") and hasattr(callback, "filepath"):
                callback._save_model()  # KerasTuner's SaveBestEpoch
        train = model.evaluate(x, y, batch_size=512, verbose=0, return_dict=True)
        return {**train, **{f"val_{name}": value for name, value in kept["initial"].items()}}


def _fit_arrays(args, kwargs):
    """`(x, y)` of a `fit(x, y, ...)` call, checked to be arrays."""
    x = args[0] if args else kwargs.get("x")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    if y is None or not isinstance(x, (dict, tuple, list)):
        raise ValueError(
            "With fit_linear=True, search() needs the training windows as numpy arrays, "
            "`x` a dict {'drivers', 'past_target'} and `y` the targets (the linear part "
            "is fitted in closed form on them); pass fit_linear=False to the HyperModel "
            f"to search on a dataset. Received: x of type {type(x).__name__}"
        )
    return x, y
