"""Attention encoder–decoder for multivariate time-series forecasting."""

import keras
import numpy as np
from keras import ops

from keras_attention.layers.attention_decoder import AttentionDecoder
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell
from keras_attention.layers.attention_utils import (
    validate_choice,
    validate_positive_int,
    validate_rate,
)
from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.input_attention_encoder import InputAttentionEncoder
from keras_attention.layers.luong_attention import SCORE_MODES, LuongAttention
from keras_attention.layers.reversible_instance_normalization import (
    ReversibleInstanceNormalization,
)
from keras_attention.models import linear_part
from keras_attention.models.forecaster_export import ForecasterExport
from keras_attention.models.samplers.feedback_sampler import FeedbackSampler
from keras_attention.models.task import Task, check_finite
from keras_attention.runtime.preprocessors import (
    SeriesPreprocessor,
    check_drivers_shape,
)

ENCODERS = ("lstm", "gru", "bilstm", "bigru", "simple")
DECODERS = ("lstm", "gru")
ATTENTIONS = ("bahdanau", "luong", "none")
PROTOCOLS = ("nowcast", "forecast")
STRATEGIES = ("direct", "recursive")
REVIN_MODES = ("mean", "last")

# What a config saved before an argument existed means: the behaviour of the
# version that saved it (the constructor defaults may differ).
_LEGACY_DEFAULTS = {"strategy": "recursive", "revin": None, "revin_std": True}

_RNN_LAYERS = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "simple": keras.layers.SimpleRNN,
}
_CELLS = {
    "lstm": keras.layers.LSTMCell,
    "gru": keras.layers.GRUCell,
    "simple": keras.layers.SimpleRNNCell,
}


@keras.saving.register_keras_serializable(package="keras_attention")
class TimeSeriesForecaster(ForecasterExport, Task):
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
      statistics.

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
        revin="last", revin_std=True, preprocessor=None,
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
        if score_mode is not None:
            if attention != "luong":
                raise ValueError(
                    "`score_mode` applies only to attention='luong'. Received: "
                    f"score_mode={score_mode!r} with attention={attention!r}"
                )
            validate_choice("score_mode", score_mode, SCORE_MODES)
        self.score_mode = score_mode
        if not isinstance(input_attention, bool):
            raise ValueError(
                f"`input_attention` must be a bool. Received: input_attention={input_attention!r}"
            )
        if input_attention and encoder.startswith("bi"):
            raise ValueError(
                "`input_attention=True` needs a unidirectional encoder ('lstm', "
                f"'gru' or 'simple'). Received: encoder={encoder!r}"
            )
        self.input_attention = input_attention
        self.protocol = validate_choice("protocol", protocol, PROTOCOLS)
        if protocol == "nowcast" and window < 2:
            raise ValueError(
                "`window` must be at least 2 with protocol='nowcast' (the decoder "
                f"reads window - 1 past target values). Received: window={window}"
            )
        if not isinstance(residual, bool):
            raise ValueError(f"`residual` must be a bool. Received: residual={residual!r}")
        self.residual = residual
        if not isinstance(highway, bool):
            raise ValueError(f"`highway` must be a bool. Received: highway={highway!r}")
        self.highway = highway
        self.dropout = validate_rate("dropout", dropout)
        self.strategy = validate_choice("strategy", strategy, STRATEGIES)
        if revin is not None:
            validate_choice("revin", revin, REVIN_MODES)
        self.revin = revin
        if not isinstance(revin_std, bool):
            raise ValueError(f"`revin_std` must be a bool. Received: revin_std={revin_std!r}")
        self.revin_std = revin_std
        if isinstance(preprocessor, dict):
            preprocessor = SeriesPreprocessor.from_config(preprocessor)
        if preprocessor is not None:
            if not isinstance(preprocessor, SeriesPreprocessor):
                raise ValueError(
                    "`preprocessor` must be a keras_attention.runtime.SeriesPreprocessor "
                    f"or None. Received: preprocessor={preprocessor!r}"
                )
            if len(preprocessor.features) != num_features:
                raise ValueError(
                    f"`preprocessor` names {len(preprocessor.features)} driving series "
                    f"but the model reads num_features={num_features}. Received: "
                    f"features={preprocessor.features}"
                )
        self._preprocessor = preprocessor

        score_units = attention_units or units
        base = encoder[2:] if encoder.startswith("bi") else encoder
        if input_attention:
            self.encoder = InputAttentionEncoder(
                _CELLS[base](units, name="encoder_cell"),
                BahdanauAttention(score_units, name="input_attention"),
                name="encoder",
            )
        else:
            rnn = _RNN_LAYERS[base](
                units, return_sequences=True, return_state=True, name=f"encoder_{base}"
            )
            self.encoder = (
                keras.layers.Bidirectional(rnn, name="encoder")
                if encoder.startswith("bi")
                else rnn
            )
        if attention == "bahdanau":
            temporal = BahdanauAttention(score_units, name="temporal_attention")
            query = "previous"
        elif attention == "luong":
            temporal = LuongAttention(
                score_mode or "general",
                units=attention_units,
                name="temporal_attention",
            )
            query = "current"
        else:
            temporal, query = None, "previous"
        self.decoder_cell = AttentionDecoderCell(
            _CELLS[decoder](units, name="decoder_cell"),
            temporal,
            query=query,
            input_feeding=False,
            attention_layer_size=units,
            output_attention=True,
            name="attention_decoder_cell",
        )
        self.decoder = AttentionDecoder(self.decoder_cell, name="decoder")
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
        self.encoder.build(drivers_shape)
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

    def _split_inputs(self, inputs):
        if isinstance(inputs, dict):
            missing = [k for k in ("drivers", "past_target") if k not in inputs]
            if missing:
                raise ValueError(
                    "TimeSeriesForecaster inputs must be a dict with 'drivers' and "
                    f"'past_target'. Missing: {missing}"
                )
            drivers, past = inputs["drivers"], inputs["past_target"]
        elif isinstance(inputs, (list, tuple)) and len(inputs) == 2:
            drivers, past = inputs
        else:
            raise ValueError(
                "TimeSeriesForecaster inputs must be {'drivers': (B, T, n), "
                "'past_target': (B, T_p, 1)} or a (drivers, past_target) tuple. "
                f"Received: {type(inputs).__name__}"
            )
        if len(past.shape) == 2:
            past = ops.expand_dims(past, -1)
        # Known values (numpy, eager tensors) are checked here; NaN would
        # otherwise flow silently through the attention weights.
        for name, value in (("drivers", drivers), ("past_target", past)):
            if isinstance(value, np.ndarray) or not isinstance(value, keras.KerasTensor):
                try:
                    known = keras.ops.convert_to_numpy(value)
                except Exception:  # noqa: BLE001 (a traced tensor has no values)
                    continue
                check_finite(name, known)
        expected = (self.window, self.num_features)
        if tuple(drivers.shape[1:]) != expected:
            raise ValueError(
                f"`drivers` must have shape (batch, {self.window}, {self.num_features}) "
                f"(window, num_features). Received: drivers.shape={tuple(drivers.shape)}"
            )
        if (
            drivers.shape[0] is not None
            and past.shape[0] is not None
            and drivers.shape[0] != past.shape[0]
        ):
            raise ValueError(
                "`drivers` and `past_target` must have the same batch size. "
                f"Received: drivers.shape={tuple(drivers.shape)} and "
                f"past_target.shape={tuple(past.shape)}"
            )
        if past.shape[1] != self.past_target_length:
            raise ValueError(
                f"`past_target` must have {self.past_target_length} steps with "
                f"protocol={self.protocol!r} and window={self.window}. "
                f"Received: past_target.shape={tuple(past.shape)}"
            )
        return drivers, past

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
        drivers, past = self._split_inputs(inputs)
        drivers = ops.cast(drivers, self.compute_dtype)
        past = ops.cast(past, self.compute_dtype)
        if self.revin is not None:
            net_drivers, _ = self.revin_drivers(drivers)
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

    def fit_linear(
        self,
        x,
        y,
        validation_data=None,
        l2=None,
        level_l2=None,
        smooth_l2=None,
        refit=False,
        freeze=True,
        own_l2=None,
        naive=None,
    ):
        """Sets the linear part (the highway) by ridge regression, in closed form.

        Call it before `compile`/`fit` (it needs `highway=True`). The highway
        then holds a ridge regression fitted on `(x, y)` (see
        `keras_attention.models.linear_part`): with `residual=True`, a
        forecast of the change from the last value, from the window's
        changes and its last values, with four penalties (on the driving
        series' change weights, on the target's own change weights, on the
        level weights, on the roughness of each series' lag weights) chosen
        on `validation_data` (else on the last 20% of `x`, in time order); with `strategy="recursive"`, the one-step fit iterated
        over the horizon. As the network's output layer starts at zero, the
        model is then exactly this linear model, and training fits the
        network to what the linear part leaves. With `freeze`, the highway
        is not trained (the setting is saved with the model).

        Args:
            x: dict `{"drivers": (N, T, n), "past_target": (N, T_p, 1)}` (or
                the tuple) of training windows, in time order, as numpy
                arrays.
            y: `(N, horizon)` targets.
            validation_data: optional `(x_val, y_val)` to choose the
                penalties on.
            l2, level_l2, smooth_l2: fixed penalties of the driving series'
                change weights, the level weights and the roughness of the
                lag weights, instead of their search (`level_l2=float("inf")`
                drops the levels): numbers, or lists of one per horizon step
                (the returned dict's, to refit on more windows later).
            refit: after the search on `validation_data`, fit on `x` and
                `validation_data` together. Leave it off when the same
                validation data then selects the network's epochs (it would
                judge a linear part that has seen it); refit at the end
                instead, with the returned penalties:
                `fit_linear(x_and_val, y_and_val, **linear_part.chosen(info))`
                (the penalties and the naive choice of `info`).
            freeze: make the highway non-trainable.
            own_l2: fixed penalty of the target's own past changes (like
                `l2`; searched when `None`).
            naive: with `residual=True`, "repeat the last value" (every
                highway weight 0) is a candidate: the fit is used only if it
                beats it on the held-out windows by
                `linear_part.SEARCH_MARGIN` (default, `None`); a list of one
                boolean per horizon step fixes the choice; `False`: never.

        Returns:
            A dict: the chosen penalties and their held-out RMSE, per
            horizon step (of the one-step fit for `"recursive"`).

        Example:

        >>> import numpy as np
        >>> model = TimeSeriesForecaster(window=4, num_features=1, units=4,
        ...                               residual=True, highway=True)
        >>> rng = np.random.default_rng(0)
        >>> x = {"drivers": rng.normal(size=(64, 4, 1)).astype("float32"),
        ...      "past_target": rng.normal(size=(64, 3, 1)).astype("float32")}
        >>> y = x["past_target"][:, -1] + 0.5 * x["drivers"][:, -1]
        >>> info = model.fit_linear(x, y, l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0)
        >>> bool(np.allclose(model.predict(x, verbose=0), y, atol=1e-4))
        True
        """
        if not self.highway:
            raise ValueError(
                "fit_linear() sets the highway: build the model with highway=True."
            )
        if isinstance(x, dict):
            drivers, past = x.get("drivers"), x.get("past_target")
        elif isinstance(x, (list, tuple)) and len(x) == 2:
            drivers, past = x
        else:
            drivers = past = None
        if drivers is None or past is None:
            raise ValueError(
                "`x` must be {'drivers': (N, T, n), 'past_target': (N, T_p, 1)} or a "
                f"(drivers, past_target) tuple. Received: {type(x).__name__}"
            )
        drivers = np.asarray(drivers)
        past = np.asarray(past)
        if past.ndim == 2:
            past = past[..., None]
        y = np.asarray(y)
        if y.ndim == 1:
            y = y[:, None]
        check_drivers_shape(drivers, self.window, self.num_features)
        if past.shape[1:] != (self.past_target_length, 1):
            raise ValueError(
                f"`past_target` must have {self.past_target_length} steps with "
                f"protocol={self.protocol!r} and window={self.window}. "
                f"Received: past_target.shape={past.shape}"
            )
        if y.shape != (len(drivers), self.horizon):
            raise ValueError(
                f"`y` must have shape (N, horizon) = ({len(drivers)}, {self.horizon}). "
                f"Received: y.shape={y.shape}"
            )
        if not self.built:
            self.build()
        kernel, bias, info = linear_part.fit_linear_part(
            (drivers, past), y, self.window, self.num_features, self.past_target_length,
            residual=self.residual, strategy=self.strategy, validation_data=validation_data,
            l2=l2, level_l2=level_l2, smooth_l2=smooth_l2, refit=refit, own_l2=own_l2,
            naive=naive,
        )
        self.highway_layer.set_weights([kernel.astype("float32"), bias.astype("float32")])
        if freeze:
            self.highway_layer.trainable = False
        return info

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
