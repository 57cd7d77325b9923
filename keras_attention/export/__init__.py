"""Export to TensorFlow SavedModel and TFLite (LiteRT), with parity checks.

- `export_saved_model(model, path)`: id-level endpoints `translate_greedy`,
  `translate_beam`, `encode`, `decode_step` (translators; plus a string
  `translate`) or `predict` (forecasters).
- `export_tflite(model, path, quantization=None)`: the same endpoints as
  signatures of one `.tflite` file, builtin ops only.
- `verify_export(model, artifacts, samples)`: Keras vs SavedModel vs LiteRT.
- `export_translator_artifacts(model, out_dir, name)`: all of the above.

The `.tflite` files run with `keras_attention.runtime` (LiteRT + numpy,
no TensorFlow). See `docs/export.md`.
"""

from keras_attention.export.artifacts import export_translator_artifacts
from keras_attention.export.endpoints import DecodingOptions
from keras_attention.export.metadata import find_metadata, sidecar_path
from keras_attention.export.saved_model import export_saved_model
from keras_attention.export.tflite import (
    QUANTIZATIONS,
    UnsupportedOpsError,
    export_tflite,
)
from keras_attention.export.verify import ExportVerificationError, verify_export

__all__ = [
    "QUANTIZATIONS",
    "DecodingOptions",
    "ExportVerificationError",
    "UnsupportedOpsError",
    "export_saved_model",
    "export_tflite",
    "export_translator_artifacts",
    "find_metadata",
    "sidecar_path",
    "verify_export",
]
