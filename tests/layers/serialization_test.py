"""Every public layer: get_config/from_config and .keras save -> load.

Loading happens in a fresh interpreter that imports nothing but
`keras_attention` (whose classes register themselves), with safe_mode=True.
"""

import json

import keras
import numpy as np
import pytest

import keras_attention as ka
from tests.harness import run_in_fresh_process, to_numpy

SRC = np.array([[3, 4, 5, 6, 0], [7, 8, 0, 0, 0]], "int32")
TGT = np.array([[1, 2, 3, 4], [1, 5, 6, 0]], "int32")


def attention_model(attention):
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    memory = keras.layers.Embedding(10, 6, mask_zero=True)(src)
    query = keras.layers.Embedding(10, 6, mask_zero=True)(tgt)
    context, weights = attention(query, memory, return_attention_scores=True)
    return keras.Model([src, tgt], [context, weights])


def decoder_model(cell_kwargs, tokens=True):
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    memory = keras.layers.GRU(6, return_sequences=True)(
        keras.layers.Embedding(10, 4, mask_zero=True)(src)
    )
    cell = ka.AttentionDecoderCell(**cell_kwargs)
    if tokens:
        decoder = ka.AttentionDecoder(
            cell, keras.layers.Embedding(10, 4, mask_zero=True), keras.layers.Dense(10)
        )
        outputs, _, weights = decoder(tgt, memory)
    else:
        x = keras.layers.Embedding(10, 4)(tgt)
        outputs, _, weights = ka.AttentionDecoder(cell)(x, memory)
    return keras.Model([src, tgt], [outputs, weights])


def self_attention_model(cell_type):
    src = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(src)
    cell = ka.SelfAttentionRNNCell(5, memory_size=3, cell_type=cell_type)
    out = keras.layers.Bidirectional(keras.layers.RNN(cell, return_sequences=True))(x)
    return keras.Model(src, out)


def maxout_model():
    inp = keras.Input((4,))
    return keras.Model(inp, ka.Maxout(3, pool_size=2)(inp))


CASES = {
    "bahdanau": lambda: attention_model(ka.BahdanauAttention(5)),
    "bahdanau_normalized_sparsemax": lambda: attention_model(
        ka.BahdanauAttention(5, normalize=True, probability_fn="sparsemax", use_bias=False)
    ),
    "luong_dot_scaled": lambda: attention_model(ka.LuongAttention("dot", use_scale=True)),
    "luong_scaled_dot_hardmax": lambda: attention_model(
        ka.LuongAttention("scaled_dot", probability_fn="hardmax")
    ),
    "luong_general_local_p": lambda: attention_model(
        ka.LuongAttention("general", window=2, window_mode="local_p")
    ),
    "luong_concat_local_m": lambda: attention_model(
        ka.LuongAttention("concat", units=3, window=1, window_mode="local_m")
    ),
    "luong_location": lambda: attention_model(ka.LuongAttention("location", units=8)),
    "luong_straight_through": lambda: attention_model(
        ka.LuongAttention("general", probability_fn="hard_straight_through", seed=1)
    ),
    "maxout": maxout_model,
    "decoder_bahdanau_maxout": lambda: decoder_model(
        dict(cell=keras.layers.GRUCell(6), attention=ka.BahdanauAttention(6), deep_output="maxout")
    ),
    "decoder_luong_fast_path": lambda: decoder_model(
        dict(
            cell=keras.layers.LSTMCell(6),
            attention=ka.LuongAttention("general"),
            query="current",
            input_feeding=False,
            attention_layer_size=6,
        )
    ),
    "decoder_float_inputs": lambda: decoder_model(
        dict(cell=keras.layers.SimpleRNNCell(6), attention=ka.LuongAttention("dot")), tokens=False
    ),
    "self_attention_simple": lambda: self_attention_model("simple"),
    "self_attention_lstmn": lambda: self_attention_model("lstm"),
}


def inputs_for(name):
    if name == "maxout":
        return np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    if name.startswith("self_attention"):
        return SRC
    return [SRC, TGT]


@pytest.mark.parametrize("name", sorted(CASES))
def test_get_config_from_config(name):
    model = CASES[name]()
    for layer in model.layers:
        if type(layer).__module__.startswith("keras_attention"):
            config = layer.get_config()
            json.dumps(config)  # plain Python, JSON-serialisable
            clone = type(layer).from_config(config)
            assert clone.get_config() == config


def test_save_load_every_public_layer_in_a_fresh_process(tmp_path):
    expected = {}
    for name, make in CASES.items():
        model = make()
        outputs = model(inputs_for(name), training=False)
        expected[name] = [to_numpy(o) for o in keras.tree.flatten(outputs)]
        model.save(str(tmp_path / f"{name}.keras"))
        np.savez(tmp_path / f"{name}.npz", *expected[name])
    names = json.dumps(sorted(CASES))
    out = run_in_fresh_process(
        f"""
        import json, numpy as np, keras
        import keras_attention
        src = np.array({SRC.tolist()}, "int32"); tgt = np.array({TGT.tolist()}, "int32")
        for name in json.loads('{names}'):
            model = keras.models.load_model(r"{tmp_path}/" + name + ".keras", safe_mode=True)
            if name == "maxout":
                x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
            elif name.startswith("self_attention"):
                x = src
            else:
                x = [src, tgt]
            got = [keras.ops.convert_to_numpy(o) for o in keras.tree.flatten(model(x, training=False))]
            ref = np.load(r"{tmp_path}/" + name + ".npz")
            ref = [ref[f"arr_{{i}}"] for i in range(len(ref.files))]
            assert len(got) == len(ref), name
            for g, r in zip(got, ref):
                np.testing.assert_array_equal(g, r, err_msg=name)
            print("ok", name)
        """
    )
    assert out.count("ok ") == len(CASES)
