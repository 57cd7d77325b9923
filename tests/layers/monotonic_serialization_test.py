"""The monotonic layers: get_config/from_config and .keras save -> load.

As serialization_test.py: the reload happens in a fresh interpreter that
imports nothing but `keras_attention`, with safe_mode=True.
"""

import json

import keras
import numpy as np
import pytest

from keras_attention import layers
from tests.harness import assert_model_save_load, run_in_fresh_process, to_numpy

SRC = np.array([[3, 4, 5, 6, 0], [7, 8, 0, 0, 0]], "int32")
TGT = np.array([[1, 2, 3, 4], [1, 5, 6, 0]], "int32")

CASES = {
    "bahdanau_monotonic": lambda: layers.BahdanauMonotonicAttention(
        5, normalize=True, sigmoid_noise=1.0, score_bias_init=-1.0, mode="recursive"
    ),
    "bahdanau_monotonic_hard": lambda: layers.BahdanauMonotonicAttention(
        5, use_bias=False, mode="hard"
    ),
    "luong_monotonic": lambda: layers.LuongMonotonicAttention(
        use_scale=True, score_bias_init=0.5, sigmoid_noise=0.5, seed=2
    ),
    "luong_monotonic_concat": lambda: layers.LuongMonotonicAttention(
        "concat", units=3, mode="recursive"
    ),
    "mocha": lambda: layers.MonotonicChunkwiseAttention(
        4, chunk_size=3, sigmoid_noise=1.0, dropout=0.1, seed=1
    ),
}


def attention_model(attention):
    src = keras.Input((None,), dtype="int32")
    tgt = keras.Input((None,), dtype="int32")
    memory = keras.layers.Embedding(10, 6, mask_zero=True)(src)
    query = keras.layers.Embedding(10, 6, mask_zero=True)(tgt)
    context, weights = attention(query, memory, return_attention_scores=True)
    return keras.Model([src, tgt], [context, weights])


@pytest.mark.parametrize("name", sorted(CASES))
def test_get_config_from_config(name):
    layer = CASES[name]()
    config = layer.get_config()
    json.dumps(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    # The weights come back with the same names and shapes once built.
    attention_model(layer)
    attention_model(clone)
    assert [(w.path.split("/")[-1], w.shape) for w in layer.weights] == [
        (w.path.split("/")[-1], w.shape) for w in clone.weights
    ]


def test_save_load_in_process(tmp_path):
    model = attention_model(CASES["mocha"]())
    restored = assert_model_save_load(model, [SRC, TGT], tmp_path)
    weights = to_numpy(restored([SRC, TGT])[1])
    assert (weights[1, :, 2:] == 0).all()  # the padding mask survives


def test_save_load_every_monotonic_layer_in_a_fresh_process(tmp_path):
    for name, make in CASES.items():
        model = attention_model(make())
        outputs = [to_numpy(o) for o in model([SRC, TGT], training=False)]
        model.save(str(tmp_path / f"{name}.keras"))
        np.savez(tmp_path / f"{name}.npz", *outputs)
    names = json.dumps(sorted(CASES))
    out = run_in_fresh_process(
        f"""
        import json, numpy as np, keras
        import keras_attention
        src = np.array({SRC.tolist()}, "int32"); tgt = np.array({TGT.tolist()}, "int32")
        for name in json.loads('{names}'):
            model = keras.models.load_model(r"{tmp_path}/" + name + ".keras", safe_mode=True)
            got = [keras.ops.convert_to_numpy(o) for o in model([src, tgt], training=False)]
            ref = np.load(r"{tmp_path}/" + name + ".npz")
            for i, g in enumerate(got):
                np.testing.assert_array_equal(g, ref[f"arr_{{i}}"], err_msg=name)
            print("ok", name)
        """
    )
    assert out.count("ok ") == len(CASES)
