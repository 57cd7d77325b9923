"""Export to TensorFlow SavedModel and TFLite (LiteRT), with parity checks.

Works for every model family: the endpoints, their signatures and the
metadata come from the model (`keras_attention.models.Task`).

- `export_saved_model(model, path, sampler=None, max_length=None)`: the
  model's endpoints (translators: `translate_greedy`, `translate_beam`,
  `encode`, `decode_step` and a string `translate`; forecasters: `predict`).
- `export_tflite(model, path, quantization=None, ...)`: the same endpoints
  (but text) as signatures of one `.tflite` file, builtin ops only.
- `verify_export(model, artifacts, samples)`: Keras vs SavedModel vs LiteRT.
- `export_artifacts(model, out_dir, name)`: all of the above.

The `.tflite` files run with `keras_attention.runtime` (LiteRT + numpy,
no TensorFlow). See `docs/export.md`.
"""

from keras_attention.export.artifacts import (
    export_artifacts,
    export_translator_artifacts,
)
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
    "ExportVerificationError",
    "UnsupportedOpsError",
    "export_artifacts",
    "export_saved_model",
    "export_tflite",
    "export_translator_artifacts",
    "find_metadata",
    "sidecar_path",
    "verify_export",
]
