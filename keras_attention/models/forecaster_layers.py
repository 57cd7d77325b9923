"""The pieces `TimeSeriesForecaster` is built from, and its argument and
input checks."""

import keras
import numpy as np

from keras_attention.layers.attention_decoder import AttentionDecoder
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell
from keras_attention.layers.attention_utils import validate_choice
from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.input_attention_encoder import InputAttentionEncoder
from keras_attention.layers.luong_attention import SCORE_MODES, LuongAttention
from keras_attention.models.task import check_finite
from keras_attention.runtime.series_preprocessor import (
    SeriesPreprocessor,
    check_drivers_shape,
)

ENCODERS = ("lstm", "gru", "bilstm", "bigru", "simple")
DECODERS = ("lstm", "gru")
ATTENTIONS = ("bahdanau", "luong", "none")
PROTOCOLS = ("nowcast", "forecast")
STRATEGIES = ("direct", "recursive")
REVIN_MODES = ("mean", "last")

RNN_LAYERS = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "simple": keras.layers.SimpleRNN,
}
CELLS = {
    "lstm": keras.layers.LSTMCell,
    "gru": keras.layers.GRUCell,
    "simple": keras.layers.SimpleRNNCell,
}


def check_bool(name, value):
    """`value` if it is a bool, else a ValueError naming `name`."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be a bool. Received: {name}={value!r}")
    return value


def check_network_args(encoder, attention, score_mode, input_attention):
    """The combinations of the network's arguments that cannot work."""
    if score_mode is not None:
        if attention != "luong":
            raise ValueError(
                "`score_mode` applies only to attention='luong'. Received: "
                f"score_mode={score_mode!r} with attention={attention!r}"
            )
        validate_choice("score_mode", score_mode, SCORE_MODES)
    check_bool("input_attention", input_attention)
    if input_attention and encoder.startswith("bi"):
        raise ValueError(
            "`input_attention=True` needs a unidirectional encoder ('lstm', "
            f"'gru' or 'simple'). Received: encoder={encoder!r}"
        )


def check_revin_levels(revin_levels, revin, input_attention):
    """`revin_levels` if it is a bool that the other arguments allow."""
    check_bool("revin_levels", revin_levels)
    if revin_levels and revin is None:
        raise ValueError(
            "`revin_levels=True` adds the drivers' levels next to the RevIN "
            "window; without RevIN the network reads the levels already. "
            f"Received: revin_levels=True with revin={revin!r}"
        )
    if revin_levels and input_attention:
        raise ValueError(
            "`revin_levels=True` cannot be combined with `input_attention=True` "
            "(input attention weighs each driving series once; it would weigh "
            "the normalized window and the levels as separate series). Received: "
            "revin_levels=True with input_attention=True"
        )
    return revin_levels


def check_preprocessor(preprocessor, num_features):
    """A `SeriesPreprocessor` (from itself or its config) or None."""
    if isinstance(preprocessor, dict):
        preprocessor = SeriesPreprocessor.from_config(preprocessor)
    if preprocessor is None:
        return None
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
    return preprocessor


def make_encoder(model):
    """The encoder over the driving series: an RNN (bidirectional for
    "bi…") or DA-RNN's input-attention encoder."""
    encoder, units = model.encoder_type, model.units
    base = encoder[2:] if encoder.startswith("bi") else encoder
    if model.input_attention:
        return InputAttentionEncoder(
            CELLS[base](units, name="encoder_cell"),
            BahdanauAttention(model.attention_units or units, name="input_attention"),
            name="encoder",
        )
    rnn = RNN_LAYERS[base](
        units, return_sequences=True, return_state=True, name=f"encoder_{base}"
    )
    return keras.layers.Bidirectional(rnn, name="encoder") if encoder.startswith("bi") else rnn


def make_decoder(model):
    """`(decoder_cell, decoder)`: the library's decoder step with temporal
    attention over the encoder states, and its loop."""
    units, attention = model.units, model.attention_type
    if attention == "bahdanau":
        temporal = BahdanauAttention(model.attention_units or units, name="temporal_attention")
        query = "previous"
    elif attention == "luong":
        temporal = LuongAttention(
            model.score_mode or "general", units=model.attention_units,
            name="temporal_attention",
        )
        query = "current"
    else:
        temporal, query = None, "previous"
    cell = AttentionDecoderCell(
        CELLS[model.decoder_type](units, name="decoder_cell"),
        temporal,
        query=query,
        input_feeding=False,
        attention_layer_size=units,
        output_attention=True,
        name="attention_decoder_cell",
    )
    return cell, AttentionDecoder(cell, name="decoder")


def check_past_length(model, past_shape):
    """`past_target` is `(batch, T_p, 1)` (callers expand a 2-D one), `T_p`
    the steps the model's protocol reads."""
    past_shape = tuple(past_shape)
    if len(past_shape) != 3 or past_shape[2] not in (1, None):
        raise ValueError(
            f"`past_target` must have shape (batch, {model.past_target_length}) or "
            f"(batch, {model.past_target_length}, 1): the target's past values. "
            f"Received: past_target.shape={past_shape}"
        )
    if past_shape[1] != model.past_target_length:
        raise ValueError(
            f"`past_target` must have {model.past_target_length} steps with "
            f"protocol={model.protocol!r} and window={model.window}. "
            f"Received: past_target.shape={tuple(past_shape)}"
        )


def split_inputs(model, inputs):
    """`(drivers (B, T, n), past_target (B, T_p, 1))` from the model's
    inputs (a dict or a pair), checked: shapes, batch sizes and, where the
    values are known, that they are finite."""
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
        past = keras.ops.expand_dims(past, -1)
    # Known values (numpy, eager tensors) are checked here; NaN would
    # otherwise flow silently through the attention weights.
    for name, value in (("drivers", drivers), ("past_target", past)):
        if isinstance(value, np.ndarray) or not isinstance(value, keras.KerasTensor):
            try:
                known = keras.ops.convert_to_numpy(value)
            except Exception:  # noqa: BLE001 (a traced tensor has no values)
                continue
            check_finite(name, known)
    check_input_shapes(model, drivers, past)
    return drivers, past


def check_input_shapes(model, drivers, past):
    """`drivers` `(B, T, n)` and `past_target` `(B, T_p, 1)` fit `model`
    (tensors or numpy arrays; `past` already 3-D)."""
    expected = (model.window, model.num_features)
    if tuple(drivers.shape[1:]) != expected:
        raise ValueError(
            f"`drivers` must have shape (batch, {model.window}, {model.num_features}) "
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
    check_past_length(model, past.shape)


def training_arrays(model, x, y):
    """`(drivers, past_target (N, T_p, 1), y (N, horizon))` as numpy arrays
    from `fit_linear`'s `x` (a dict or a pair) and `y`, checked."""
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
    drivers, past, y = np.asarray(drivers), np.asarray(past), np.asarray(y)
    if past.ndim == 2:
        past = past[..., None]
    if y.ndim == 1:
        y = y[:, None]
    check_drivers_shape(drivers, model.window, model.num_features)
    check_past_length(model, past.shape)
    if y.shape != (len(drivers), model.horizon):
        raise ValueError(
            f"`y` must have shape (N, horizon) = ({len(drivers)}, {model.horizon}). "
            f"Received: y.shape={y.shape}"
        )
    return drivers, past, y
