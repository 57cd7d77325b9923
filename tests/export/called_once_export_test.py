"""A translator built by calling it once on token ids exports (docs/export.md).

Writing the archive traces Keras' default serving signature, which a direct
call records with float dtypes; the translator refuses float token ids.
"""

import numpy as np
import tensorflow as tf

from keras_attention import export
from keras_attention.models import BeamSampler, Seq2SeqTranslator


def _called_once():
    model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    model({"source_ids": np.array([[5, 6, 7]]), "target_ids": np.array([[2, 5]])})
    return model


def test_a_model_called_once_exports_to_saved_model_and_tflite(tmp_path):
    model = _called_once()
    shapes = dict(model._build_shapes_dict)
    export.export_saved_model(model, tmp_path / "m", max_length=6, sampler=BeamSampler(beam_width=2))
    export.export_tflite(
        model, tmp_path / "m.tflite", max_length=6, endpoints_to_export=["translate_greedy"]
    )
    assert model._build_shapes_dict == shapes  # the model is left as it was
    reloaded = tf.saved_model.load(str(tmp_path / "m"))
    source = tf.constant([[5, 6, 7]], tf.int32)
    out = reloaded.signatures["translate_greedy"](source_ids=source)
    expected = model.generate(np.array([[5, 6, 7]]), max_length=6)["token_ids"]
    np.testing.assert_array_equal(out["token_ids"].numpy(), np.asarray(expected))
    report = export.verify_export(model, [str(tmp_path / "m.tflite")], [[5, 6, 7], [8, 9]])
    assert report["passed"]
