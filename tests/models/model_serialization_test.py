"""Every model configuration: get_config -> from_config, and .keras save -> load.

One table of `Seq2SeqTranslator` and `TimeSeriesForecaster` configurations
(attention types and scores, encoders, bidirectional and stacked encoders,
deep output, input feeding, local windows, sparsemax/hardmax/straight-
through, mixed precision; forecaster encoders/decoders, input attention,
horizon > 1, residual/highway). For each one:

- `from_config(get_config())` gives the same config and, with the same
  weights, identical outputs;
- the `.keras` file loads in a fresh interpreter that imports nothing but
  `keras_attention`, with `safe_mode=True`, and gives identical outputs
  (logits and alignments, plus greedy tokens for translators; forecasts
  and attention scores for forecasters).
"""

import json

import keras
import numpy as np
import pytest

from keras_attention.data.vocabulary import SPECIAL_TOKENS
from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster
from tests.harness import assert_config_round_trip, run_in_fresh_process, to_numpy

SRC_V, TGT_V = 13, 11
VOCAB = list(SPECIAL_TOKENS) + [chr(ord("a") + i) for i in range(SRC_V - 4)]

TRANSLATORS = {
    "bahdanau_gru": dict(),
    "bahdanau_sparsemax_no_bias_lstm": dict(
        encoder="lstm", probability_fn="sparsemax", use_attention_bias=False
    ),
    "bahdanau_bidirectional_lstm_maxout_input_feeding": dict(
        encoder="lstm", bidirectional=True, deep_output="maxout", deep_output_units=6,
        input_feeding=True,
    ),
    "bahdanau_current_query_no_attention_layer": dict(
        attention_query="current", attention_layer_size=None, output_attention=False
    ),
    "luong_general_lstm": dict(attention="luong", encoder="lstm"),
    "luong_dot_hardmax_simple": dict(attention="luong", score_mode="dot", encoder="simple",
                                     probability_fn="hardmax"),
    "luong_concat_two_layers": dict(attention="luong", score_mode="concat", num_encoder_layers=2,
                                    attention_units=5),
    "luong_scaled_dot_local_p_input_feeding": dict(
        attention="luong", score_mode="scaled_dot", window_mode="local_p", window=2,
        input_feeding=True,
    ),
    "luong_local_m_straight_through": dict(
        attention="luong", window_mode="local_m", window=1,
        probability_fn="hard_straight_through",
    ),
    "luong_location": dict(attention="luong", score_mode="location", attention_units=9),
    "none_bidirectional_gru": dict(attention="none", bidirectional=True),
    "vocabularies_dropout_seed_char": dict(
        source_vocabulary=VOCAB, target_vocabulary=VOCAB[:TGT_V], tokenization="char",
        dropout=0.2, seed=3,
    ),
    "mixed_float16": dict(dtype="mixed_float16"),
}

FORECASTERS = {
    "lstm_lstm_bahdanau": dict(),
    "bilstm_bahdanau_horizon3": dict(encoder="bilstm", horizon=3),
    "gru_forecast_luong": dict(encoder="gru", decoder="gru", attention="luong",
                               protocol="forecast"),
    "bigru_luong_concat": dict(encoder="bigru", attention="luong", score_mode="concat",
                               attention_units=5),
    "simple_luong_dot": dict(encoder="simple", attention="luong", score_mode="dot"),
    "luong_location": dict(attention="luong", score_mode="location"),
    "none_horizon2": dict(attention="none", horizon=2),
    "input_attention_lstm": dict(input_attention=True),
    "input_attention_gru_luong_forecast_horizon3": dict(
        encoder="gru", decoder="gru", attention="luong", input_attention=True,
        protocol="forecast", horizon=3,
    ),
    "residual_highway_dropout": dict(residual=True, highway=True, dropout=0.2, horizon=2),
}

WINDOW, FEATURES = 6, 3


def make_translator(kwargs):
    return Seq2SeqTranslator(
        None if "source_vocabulary" in kwargs else SRC_V,
        None if "target_vocabulary" in kwargs else TGT_V,
        embedding_dim=4, units=4, **kwargs,
    )


def make_forecaster(kwargs):
    return TimeSeriesForecaster(window=WINDOW, num_features=FEATURES, units=4, **kwargs)


def translator_inputs():
    rng = np.random.default_rng(0)
    src = rng.integers(4, SRC_V, (2, 6)).astype("int32")
    src[1, 4:] = 0
    tgt = rng.integers(4, TGT_V, (2, 4)).astype("int32")
    tgt[:, 0] = 2
    tgt[1, 3:] = 0
    return {"source_ids": src, "target_ids": tgt}


def forecaster_inputs(protocol):
    rng = np.random.default_rng(1)
    past = WINDOW - 1 if protocol == "nowcast" else WINDOW
    return {
        "drivers": rng.normal(size=(2, WINDOW, FEATURES)).astype("float32"),
        "past_target": rng.normal(size=(2, past, 1)).astype("float32"),
    }


def outputs(model, kind, x):
    """Every output compared after a round trip, as float32/int32 arrays."""
    first, second = model(x, training=False, return_attention_scores=True)
    arrays = [to_numpy(first)] + [to_numpy(v) for v in keras.tree.flatten(second)]
    if kind == "translator":
        arrays.append(to_numpy(model.generate(x["source_ids"], max_length=5)["token_ids"]))
    return arrays


def table():
    for name, kwargs in TRANSLATORS.items():
        yield f"translator-{name}", "translator", kwargs
    for name, kwargs in FORECASTERS.items():
        yield f"forecaster-{name}", "forecaster", kwargs


def build(kind, kwargs):
    if kind == "translator":
        return make_translator(kwargs), translator_inputs()
    return make_forecaster(kwargs), forecaster_inputs(kwargs.get("protocol", "nowcast"))


CASES = list(table())


@pytest.mark.parametrize("kind, kwargs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_get_config_from_config_round_trip(kind, kwargs):
    keras.config.set_dtype_policy("float32")
    model, x = build(kind, kwargs)
    expected = outputs(model, kind, x)
    json.dumps(model.get_config())  # plain JSON
    clone = assert_config_round_trip(model)
    clone(x, training=False)  # build
    clone.set_weights(model.get_weights())
    for e, g in zip(expected, outputs(clone, kind, x), strict=True):
        np.testing.assert_array_equal(g, e)


@pytest.mark.slow
def test_every_configuration_loads_in_a_fresh_process(tmp_path):
    names = []
    for name, kind, kwargs in CASES:
        model, x = build(kind, kwargs)
        if kind == "translator":
            model.compile()  # the optimizer and loss are saved too
        else:
            model.compile(optimizer="adam", loss="mse")
        np.savez(tmp_path / f"{name}.npz", *outputs(model, kind, x))
        np.savez(tmp_path / f"{name}.inputs.npz", **x)
        model.save(tmp_path / f"{name}.keras")
        names.append((name, kind, type(model).__name__))
        keras.backend.clear_session()
    out = run_in_fresh_process(
        f"""
        import json, numpy as np, keras
        import keras_attention
        folder = {str(tmp_path)!r}
        for name, kind, cls in json.loads({json.dumps(json.dumps(names))}):
            model = keras.models.load_model(f"{{folder}}/{{name}}.keras", safe_mode=True)
            assert type(model).__name__ == cls, (name, type(model))
            x = dict(np.load(f"{{folder}}/{{name}}.inputs.npz"))
            first, second = model(x, training=False, return_attention_scores=True)
            got = [keras.ops.convert_to_numpy(first)] + [
                keras.ops.convert_to_numpy(v) for v in keras.tree.flatten(second)]
            if kind == "translator":
                got.append(keras.ops.convert_to_numpy(
                    model.generate(x["source_ids"], max_length=5)["token_ids"]))
            ref = np.load(f"{{folder}}/{{name}}.npz")
            ref = [ref[f"arr_{{i}}"] for i in range(len(ref.files))]
            assert len(got) == len(ref), name
            for g, r in zip(got, ref):
                np.testing.assert_array_equal(g, r, err_msg=name)
            assert model.optimizer is not None, name
            print("ok", name)
        """
    )
    assert out.count("ok ") == len(CASES)
