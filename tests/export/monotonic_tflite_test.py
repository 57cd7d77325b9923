"""One monotonic-attention step converts to builtins-only TFLite (batch 1).

The step a decoder exports: keys from the memory (`layer(None, memory)`), then
the call with the previous alignment as attention state, returning context, weights and the next alignment. The
memory length stays dynamic. ("hard" uses cumsum, not cumprod: tf.Cumprod
would need a Flex op.)
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_attention.layers import (  # noqa: E402
    BahdanauMonotonicAttention,
    MonotonicChunkwiseAttention,
)

CASES = {
    "hard": lambda: BahdanauMonotonicAttention(5, mode="hard"),
    "recursive": lambda: BahdanauMonotonicAttention(5, mode="recursive"),
    "mocha_parallel": lambda: MonotonicChunkwiseAttention(5, chunk_size=3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_attend_step_converts_builtins_only(name, tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    rng = np.random.default_rng(0)
    query = rng.normal(size=(1, 4)).astype("float32")
    memory = rng.normal(size=(1, 7, 6)).astype("float32")
    previous = np.zeros((1, 7), "float32")
    if name == "hard":
        previous[0, 2] = 1.0
    else:
        previous[0, 2], previous[0, 3] = 0.6, 0.4
    layer = CASES[name]()
    layer(query, memory)

    def step(query, memory, previous):
        keys = layer(None, memory)
        context, weights, alignment = layer(
            query, memory, projected_keys=keys, attention_state=previous,
            return_attention_state=True,
        )
        return {"context": context, "weights": weights, "alignment": alignment}

    archive = keras.export.ExportArchive()
    archive.track(layer)
    archive.add_endpoint(
        "step",
        step,
        input_signature=[
            tf.TensorSpec([1, 4], tf.float32, name="query"),
            tf.TensorSpec([1, None, 6], tf.float32, name="memory"),
            tf.TensorSpec([1, None], tf.float32, name="previous"),
        ],
    )
    archive.write_out(str(tmp_path / "saved"), verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(
        str(tmp_path / "saved"), signature_keys=["step"]
    )
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    runner = Interpreter(model_content=converter.convert()).get_signature_runner("step")
    for length in (7, 5):  # the same model, another memory length
        got = runner(
            query=query, memory=memory[:, :length], previous=previous[:, :length]
        )
        expected = step(query, memory[:, :length], previous[:, :length])
        for key, value in expected.items():
            np.testing.assert_allclose(
                got[key], keras.ops.convert_to_numpy(value), atol=1e-6, err_msg=key
            )
