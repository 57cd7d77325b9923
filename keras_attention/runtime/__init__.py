"""Run exported `.tflite` models with LiteRT and numpy only (no TensorFlow, no Keras).

This folder imports nothing but the standard library, numpy and
`ai_edge_litert`; its modules import each other relatively. It is what an
edge device runs. Two ways to use it:

- in an environment with keras_attention installed:
  `from keras_attention.runtime import load` (importing the package
  `keras_attention` itself imports Keras, so this does not save the
  TensorFlow import there);
- on a device: copy this folder (`keras_attention/runtime/`, e.g. as
  `runtime/`) next to the `.tflite` and its sidecar JSON (`<stem>.json`,
  written by `keras_attention.export`), `pip install ai-edge-litert numpy`,
  and `import runtime`. Nothing else is needed.

- `load(path)` returns the runner of the export's model family:
  `TFLiteTranslator` (text in, text out; greedy or beam search inside the
  file), `TFLiteForecaster`.
- The preprocessors (`TextPreprocessor`, `SeriesPreprocessor`) are the very
  classes the Keras models hold: tokenization, vocabularies and scaling are
  written once.

`docs/export.md` shows the whole route.
"""

from .litert import (
    MAX_DECODE_STEPS,
    TFLiteRunner,
    family_of,
    greedy_step_loop,
    load_metadata,
    preprocessor_of,
)
from .preprocessors import EncodedSources, SeriesPreprocessor, TextPreprocessor
from .runners import RUNNERS, TFLiteForecaster, TFLiteTranslator, load
from .text import detokenize, normalize_text, tokenize
from .vocabulary import Vocabulary

__all__ = [
    "MAX_DECODE_STEPS",
    "RUNNERS",
    "EncodedSources",
    "SeriesPreprocessor",
    "TFLiteForecaster",
    "TFLiteRunner",
    "TFLiteTranslator",
    "TextPreprocessor",
    "Vocabulary",
    "detokenize",
    "family_of",
    "greedy_step_loop",
    "load",
    "load_metadata",
    "normalize_text",
    "preprocessor_of",
    "tokenize",
]
