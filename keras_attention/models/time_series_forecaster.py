"""Attention encoder–decoder for multivariate time-series forecasting."""

import keras
import numpy as np
from keras import ops

from keras_attention.layers.attention_utils import (
    validate_choice,
    validate_positive_int,
    validate_rate,
)
from keras_attention.layers.reversible_instance_normalization import (
    ReversibleInstanceNormalization,
)
from keras_attention.models import forecaster_layers
from keras_attention.models.forecaster_export import ForecasterExport
from keras_attention.models.forecaster_layers import (
    ATTENTIONS,
    DECODERS,
    ENCODERS,
    PROTOCOLS,
    REVIN_MODES,
    STRATEGIES,
    check_bool,
)
from keras_attention.models.forecaster_linear import ForecasterLinearPart
from keras_attention.models.samplers.feedback_sampler import FeedbackSampler
from keras_attention.models.task import Task

# What a config saved before an argument existed means: the behaviour of the
# version that saved it (the constructor defaults may differ).
_LEGACY_DEFAULTS = {"strategy": "recursive", "revin": None, "revin_std": True}


@keras.saving.register_keras_serializable(package="keras_attention")
class TimeSeriesForecaster(ForecasterExport, ForecasterLinearPart, Task):
    """A linear forecaster plus an attention encoder–decoder for what it leaves.

    The forecast is the sum of three parts, so that training can never end
    worse than the linear model alone (see `fit_linear`):

        ŷ_h = y_last  +  w_h · [vec(drivers); past_target] + b_h  +  f_h(window)
              residual     linear part (the "highway")               network

    - **residual** (`residual=True`): the last known target value (the naive
      forecast);
    - **linear part** (`highway=True`): a linear function of the flattened
      window, LSTNet's autoregressive "highway". `fit_linear` sets it by
      ridge regression in closed form (shrunk towards the naive forecast,
      with penalties chosen on validation windows) and freezes it;
    - **network** `f_h`: the structure of DA-RNN (Qin et al., 2017), with
      the seed's choice of encoders. Its output layer starts at zero, so the
      untrained model *is* the linear part; trained, it models what the
      linear part leaves:

      1. **Encoder** over the driving series window `(B, T, n)`: an LSTM,
         GRU, simple RNN or a bidirectional LSTM/GRU (states of both
         directions concatenated). With `input_attention=True` it is
         DA-RNN's input-attention encoder (`InputAttentionEncoder`): at each
         step an additive attention over the `n` series re-weights the
         input.
      2. **Decoder**: an `AttentionDecoderCell` (the library's single
         decoder step) reads the past target values one per step, with
         *temporal* attention over the encoder states (`"bahdanau"`:
         additive score, queried by the previous decoder state; `"luong"`:
         multiplicative score, queried by the current state; `"none"`: the
         encoder's final state is the context at every step). Its initial
         state is a `tanh` projection of the encoder's final state.
      3. **Output**: `w · a + b` from the step output `a = tanh(W_c [c; s])`
         after the last past target.

      With `revin`, the network reads windows normalized by their own
      statistics (`ReversibleInstanceNormalization`, each series and each
      window: minus its last value or mean, divided by its std), so a level
      it never saw in training (a price leaving its range) looks like the
      levels it did; its output is mapped back with the past target's
      statistics. The drivers' levels are then hidden from the network (the
      linear part still reads them); `revin_levels=True` gives the encoder
      both, for targets that depend nonlinearly on those levels.

    For `horizon > 1`, `strategy="direct"` gives every step its own output:
    the decoder runs `horizon - 1` steps further on placeholder inputs, each
    step with its own temporal attention, the linear part has one column per
    step (one least-squares fit each), and the residual is the last known
    value for every step. `strategy="recursive"` feeds the decoder its own
    previous prediction; the residual of step `h` is the prediction of step
    `h - 1`, and the linear part is the one-step fit iterated on its own
    predictions (`keras_attention.models.linear_part.compose_recursive`).

    The `protocol` fixes what the inputs hold (see
    `keras_attention.data.timeseries`): with `"nowcast"` (DA-RNN) the
    driving window ends at the first target time and `past_target` has
    `window - 1` values; with `"forecast"` both end just before it and
    `past_target` has `window` values.

    The defaults are one setting measured on SML2010, the NASDAQ-100 prefix
    and the embedded series (bench/forecast_results.py). A `.keras` file
    saved before `strategy` and `revin` existed loads as it was saved
    (recursive, without RevIN).

    Args:
        window: look-back `T`, the number of driving-series steps.
        num_features: number of driving series `n`.
        horizon: number of target steps to predict (1 = one step).
        units: RNN units of the encoder (per direction) and of the decoder.
        encoder: `"lstm"`, `"gru"`, `"bilstm"`, `"bigru"` or `"simple"`.
        decoder: `"lstm"` or `"gru"`.
        attention: temporal attention, `"bahdanau"`, `"luong"` or `"none"`.
        attention_units: hidden size of the additive scores (Bahdanau, input
            attention, Luong `"concat"`); default `units`.
        score_mode: Luong score (`"dot"`, `"scaled_dot"`, `"general"`,
            `"concat"`, `"location"`); only with `attention="luong"`
            (default `"general"`).
        input_attention: use DA-RNN's input attention in the encoder
            (unidirectional encoders only).
        protocol: `"nowcast"` or `"forecast"`, see above.
        residual: add the last known target value: the model predicts the
            change from it (a skip connection from the naive forecast).
        highway: add the linear part, a linear function of the flattened
            inputs (driving window and past target values); it starts at
            zero and is trainable until `fit_linear` sets and freezes it.
        dropout: dropout rate on the encoder states and the decoder outputs.
        strategy: for `horizon > 1`, `"direct"` or `"recursive"`, see above.
        revin: reversible instance normalization of the network's inputs:
            `"last"` (subtract each window's last value), `"mean"` (its
            mean) or `None` (the inputs as given).
        revin_std: with `revin`, also divide by each window's standard
            deviation.
        revin_levels: with `revin`, the encoder also reads the driving
            series as given (their levels), next to the normalized window:
            for targets that depend nonlinearly on the drivers' levels,
            which RevIN alone hides from the network (not with
            `input_attention`, whose weights are one per driving series).
        preprocessor: optional `keras_attention.runtime.SeriesPreprocessor`
            (the column names and the scaler fitted on the training rows),
            saved with the model so that new data can be scaled the same
            way (`keras-attention forecast`, the LiteRT runtime).
        **kwargs: base `Model` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: dict with `"drivers"` `(B, T, n)` and `"past_target"`
            `(B, T_p, 1)` (`T_p = T - 1` for "nowcast", `T` for
            "forecast"), or the tuple `(drivers, past_target)`.
        training: Python boolean.
        return_attention_scores: also return the attention weights.

    Returns:
        The forecast `(B, horizon)` (on the scale of the inputs). With
        `return_attention_scores=True`, `(forecast, scores)` where `scores`
        holds `"temporal"` `(B, horizon, T)` (unless `attention="none"`)
        and `"input"` `(B, T, n)` (with `input_attention=True`).

    Example:

    >>> import numpy as np
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> model = TimeSeriesForecaster(window=10, num_features=3, units=8,
    ...                              input_attention=True)
    >>> x = {"drivers": np.zeros((2, 10, 3), "float32"),     # x_{τ-9} … x_τ
    ...      "past_target": np.zeros((2, 9, 1), "float32")}  # y_{τ-9} … y_{τ-1}
    >>> forecast, scores = model(x, return_attention_scores=True)
    >>> tuple(forecast.shape), tuple(scores["temporal"].shape)
    ((2, 1), (2, 1, 10))
    >>> tuple(scores["input"].shape)  # one weight per driving series and step
    (2, 10, 3)
    >>> # Training: the linear part first (closed form), then the network.
    >>> # model.fit_linear(x_train, y_train, validation_data=(x_val, y_val))
    >>> model.compile(optimizer="adam", loss="mse")
    >>> # model.fit(x_train, y_train, validation_data=(x_val, y_val), ...)

    Reference:
        - [Qin et al., 2017](https://arxiv.org/abs/1704.02971) (DA-RNN)
        - [Bahdanau et al., 2015](https://arxiv.org/abs/1409.0473)
        - [Lai et al., 2018](https://arxiv.org/abs/1703.07015) (LSTNet)
        - [Kim et al., 2022](https://openreview.net/forum?id=cGDAkQo1C0p)
          (RevIN)
    """

    def __init__(
        self,
        # The windows.
        window, num_features, horizon=1,
        # The network.
        units=64, encoder="lstm", decoder="lstm", attention="bahdanau",
        attention_units=None, score_mode=None, input_attention=False,
        # What it predicts from, and the linear part.
        protocol="nowcast", residual=True, highway=True, dropout=0.0, strategy="direct",
        revin="last", revin_std=True, revin_levels=False, preprocessor=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.window = validate_positive_int("window", window)
        self.num_features = validate_positive_int("num_features", num_features)
        self.horizon = validate_positive_int("horizon", horizon)
        self.units = validate_positive_int("units", units)
        self.encoder_type = validate_choice("encoder", encoder, ENCODERS)
        self.decoder_type = validate_choice("decoder", decoder, DECODERS)
        self.attention_type = validate_choice("attention", attention, ATTENTIONS)
        self.attention_units = validate_positive_int(
            "attention_units", attention_units, allow_none=True
        )
        forecaster_layers.check_network_args(encoder, attention, score_mode, input_attention)
        self.score_mode = score_mode
        self.input_attention = input_attention
        self.protocol = validate_choice("protocol", protocol, PROTOCOLS)
        if protocol == "nowcast" and window < 2:
            raise ValueError(
                "`window` must be at least 2 with protocol='nowcast' (the decoder "
                f"reads window - 1 past target values). Received: window={window}"
            )
        self.residual = check_bool("residual", residual)
        self.highway = check_bool("highway", highway)
        self.dropout = validate_rate("dropout", dropout)
        self.strategy = validate_choice("strategy", strategy, STRATEGIES)
        if revin is not None:
            validate_choice("revin", revin, REVIN_MODES)
        self.revin = revin
        self.revin_std = check_bool("revin_std", revin_std)
        self.revin_levels = forecaster_layers.check_revin_levels(
            revin_levels, revin, input_attention
        )
        self._preprocessor = forecaster_layers.check_preprocessor(preprocessor, num_features)

        self.encoder = forecaster_layers.make_encoder(self)
        self.decoder_cell, self.decoder = forecaster_layers.make_decoder(self)
        num_decoder_states = 2 if decoder == "lstm" else 1
        self.bridge = [
            keras.layers.Dense(units, activation="tanh", name=f"bridge_{i}")
            for i in range(num_decoder_states)
        ]
        self.memory_dropout = keras.layers.Dropout(self.dropout)
        self.output_dropout = keras.layers.Dropout(self.dropout)
        # With `residual` (and/or `highway`), the network's output starts at
        # zero: an untrained model is exactly the naive forecast (or the
        # linear part, once `fit_linear` has set it).
        self.head = keras.layers.Dense(
            1,
            kernel_initializer="zeros" if residual or highway else "glorot_uniform",
            name="head",
        )
        if revin is not None:
            self.revin_drivers = ReversibleInstanceNormalization(
                subtract_last=revin == "last", use_std=revin_std, name="revin_drivers"
            )
            self.revin_target = ReversibleInstanceNormalization(
                subtract_last=revin == "last", use_std=revin_std, name="revin_target"
            )
        self.highway_layer = (
            keras.layers.Dense(horizon, kernel_initializer="zeros", name="highway")
            if highway
            else None
        )

    family = "forecaster"

    @property
    def preprocessor(self):
        """The columns and fitted scaler (`SeriesPreprocessor`), or None."""
        return self._preprocessor

    # -- shapes --------------------------------------------------------
    @property
    def past_target_length(self):
        """`window - 1` for "nowcast", `window` for "forecast"."""
        return self.window - 1 if self.protocol == "nowcast" else self.window

    @property
    def _decoder_steps(self):
        # The direct strategy runs the decoder `horizon - 1` steps further
        # on placeholders (zeros), one output per horizon step.
        extra = self.horizon - 1 if self.strategy == "direct" else 0
        return self.past_target_length + extra

    @property
    def memory_dim(self):
        return self.units * (2 if self.encoder_type.startswith("bi") else 1)

    def build(self, input_shape=None):
        # Every shape follows from the constructor arguments, so the model
        # builds the same way from a call and from a saved config.
        if self.built:
            return
        drivers_shape = (None, self.window, self.num_features)
        if self.revin is not None:
            self.revin_drivers.build(drivers_shape)
            self.revin_target.build((None, self.past_target_length, 1))
        encoder_features = self.num_features * (2 if self.revin_levels else 1)
        self.encoder.build((None, self.window, encoder_features))
        for dense in self.bridge:
            dense.build((None, self.memory_dim))
        memory_length = self.window if self.attention_type != "none" else 1
        self.decoder.build((None, self._decoder_steps, 1), (None, memory_length, self.memory_dim))
        self.head.build((None, self.decoder_cell.output_size))
        if self.highway_layer is not None:
            self.highway_layer.build(
                (None, self.window * self.num_features + self.past_target_length)
            )
        self.built = True

    # -- forward -------------------------------------------------------
    def _encode(self, drivers, training):
        input_weights = None
        if self.input_attention:
            outputs, states, input_weights = self.encoder(drivers, training=training)
            final = states[0]
        else:
            results = self.encoder(drivers, training=training)
            outputs, states = results[0], list(results[1:])
            if self.encoder_type.startswith("bi"):
                half = len(states) // 2
                final = ops.concatenate([states[0], states[half]], axis=-1)
            else:
                final = states[0]
        return outputs, final, input_weights

    def _network_value(self, output, stats, training):
        """The network's contribution, on the scale of the inputs."""
        value = self.head(self.output_dropout(output, training=training))
        if self.revin is None:
            return value
        # With a base (last value, linear part) the network predicts a
        # correction, i.e. a difference: scaled back, not shifted.
        return self.revin_target(
            value, stats=stats, mode="denormalize", center=not self._has_base
        )

    @property
    def _has_base(self):
        return self.residual or self.highway

    def _highway(self, drivers, past):
        """The linear term of every forecast step `(B, horizon)`, or None."""
        if self.highway_layer is None:
            return None
        batch = ops.shape(drivers)[0]
        flat = ops.concatenate(
            [
                ops.reshape(drivers, (batch, self.window * self.num_features)),
                ops.reshape(past, (batch, self.past_target_length)),
            ],
            axis=-1,
        )
        return self.highway_layer(flat)

    def call(self, inputs, training=None, return_attention_scores=False):
        drivers, past = forecaster_layers.split_inputs(self, inputs)
        drivers = ops.cast(drivers, self.compute_dtype)
        past = ops.cast(past, self.compute_dtype)
        if self.revin is not None:
            net_drivers, _ = self.revin_drivers(drivers)
            if self.revin_levels:
                net_drivers = ops.concatenate([net_drivers, drivers], axis=-1)
            net_past, stats = self.revin_target(past)
        else:
            net_drivers, net_past, stats = drivers, past, None
        outputs, final, input_weights = self._encode(net_drivers, training)
        if self.attention_type == "none":
            memory = ops.expand_dims(final, 1)
        else:
            memory = self.memory_dropout(outputs, training=training)
        initial = [dense(final) for dense in self.bridge]
        highway = self._highway(drivers, past)
        if self.strategy == "direct":
            decoder_inputs = net_past
            if self.horizon > 1:
                batch = ops.shape(past)[0]
                placeholders = ops.zeros((batch, self.horizon - 1, 1), self.compute_dtype)
                decoder_inputs = ops.concatenate([net_past, placeholders], axis=1)
            dec_outputs, _, alignments = self.decoder(
                decoder_inputs, memory, initial_state=initial, training=training
            )
            outs = dec_outputs[:, -self.horizon :]
            forecast = self._network_value(outs, stats, training)[..., 0]
            if self.residual:
                forecast = forecast + past[:, -1]
            if highway is not None:
                forecast = forecast + highway
            weights = alignments[:, -self.horizon :]
        else:
            forecast, weights = self._recursive(
                net_past, past, memory, initial, highway, stats, training
            )
        if not return_attention_scores:
            return forecast
        scores = {}
        if self.attention_type != "none":
            scores["temporal"] = weights
        if self.input_attention:
            scores["input"] = input_weights
        return forecast, scores

    def _recursive(self, net_past, past, memory, initial, highway, stats, training):
        dec_outputs, states, alignments = self.decoder(
            net_past, memory, initial_state=initial, training=training
        )

        def predict(output, previous, step):
            value = self._network_value(output, stats, training)
            if self.residual:
                value = value + previous
            if highway is not None:
                value = value + ops.expand_dims(ops.take(highway, step, axis=1), -1)
            return value

        prediction = predict(dec_outputs[:, -1], past[:, -1], 0)
        predictions = [prediction]
        weights = [alignments[:, -1:]]
        if self.horizon > 1:
            # The recursive steps (a `FeedbackSampler`): the decoder reads its
            # own previous prediction, in its input units (RevIN-normalized).
            def to_input(value):
                if self.revin is None:
                    return value
                return self.revin_target(value, stats=stats, mode="normalize")

            def from_input(value):
                if self.revin is None:
                    return value
                return self.revin_target(value, stats=stats, mode="denormalize")

            def next_inputs(output, fed, step):
                return to_input(predict(output, from_input(fed), step + 1))

            feedback = FeedbackSampler(self.horizon - 1, next_inputs)(
                self.decoder_cell,
                self.decoder.prepare_memory(memory),
                to_input(prediction),
                states,
                training=training,
                stateful=[self],
            )
            predictions.append(from_input(feedback["outputs"])[:, :, 0])
            weights.append(feedback["attention"])
        return ops.concatenate(predictions, axis=-1), ops.concatenate(weights, axis=1)

    def _check_input_arrays(self, x):
        # The shape messages of `call`, with the shapes the user passed (the
        # values were checked by `Task`).
        pair = (x.get("drivers"), x.get("past_target")) if isinstance(x, dict) else x
        if isinstance(pair, (tuple, list)) and len(pair) == 2 and all(
            isinstance(v, np.ndarray) for v in pair
        ):
            drivers, past = pair
            forecaster_layers.check_input_shapes(
                self, drivers, past[..., None] if past.ndim == 2 else past
            )

    def predict_with_attention(self, inputs, batch_size=256):
        """Forecasts and attention weights as numpy arrays, batch by batch.

        Args:
            inputs: dict of numpy arrays (`"drivers"`, `"past_target"`).
            batch_size: examples per forward pass.

        Returns:
            `(forecast (N, horizon), scores)`, `scores` as in `call`.
        """
        n = len(inputs["drivers"])
        forecasts, scores = [], {}
        for start in range(0, n, batch_size):
            batch = {k: v[start : start + batch_size] for k, v in inputs.items()}
            f, s = self(batch, training=False, return_attention_scores=True)
            forecasts.append(keras.ops.convert_to_numpy(f))
            for key, value in s.items():
                scores.setdefault(key, []).append(keras.ops.convert_to_numpy(value))
        return np.concatenate(forecasts), {k: np.concatenate(v) for k, v in scores.items()}

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "window": self.window,
            "num_features": self.num_features,
            "horizon": self.horizon,
            "units": self.units,
            "encoder": self.encoder_type,
            "decoder": self.decoder_type,
            "attention": self.attention_type,
            "attention_units": self.attention_units,
            "score_mode": self.score_mode,
            "input_attention": self.input_attention,
            "protocol": self.protocol,
            "residual": self.residual,
            "highway": self.highway,
            "dropout": self.dropout,
            "strategy": self.strategy,
            "revin": self.revin,
            "revin_std": self.revin_std,
            "revin_levels": self.revin_levels,
            "preprocessor": None
            if self._preprocessor is None
            else self._preprocessor.get_config(),
        }

    def get_build_config(self):
        # A frozen (fitted) highway stays frozen after loading.
        config = dict(super().get_build_config() or {})
        if self.highway_layer is not None:
            config["highway_trainable"] = bool(self.highway_layer.trainable)
        return config

    def build_from_config(self, config):
        if not self.built:  # KerasTuner's Hyperband may load into a built model
            self.build()
        if self.highway_layer is not None and config.get("highway_trainable") is False:
            self.highway_layer.trainable = False

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, value in _LEGACY_DEFAULTS.items():
            config.setdefault(key, value)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return super().from_config(config)
