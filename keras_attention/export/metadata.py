"""The JSON that travels with an exported artifact (vocabularies, options).

A `.tflite` file `x.tflite` has the sidecar `x.vocab.json` (translators) or
`x.json` (forecasters) in the same folder; a SavedModel folder `x/` keeps
its own in `x/assets.extra/keras_attention.json`. `keras_attention.runtime`
reads the sidecar without TensorFlow.
"""

import json
import os

from keras_attention.data.vocabulary import END_ID, OOV_ID, PAD_ID, START_ID
from keras_attention.export import endpoints
from keras_attention.version import __version__

FORMAT = "keras_attention.export"
FORMAT_VERSION = 1
SAVED_MODEL_COPY = os.path.join("assets.extra", "keras_attention.json")


def sidecar_path(artifact, kind="translator"):
    """The sidecar JSON path of an artifact (`x.tflite` or folder `x/`).

    Args:
        artifact: a `.tflite` path or a SavedModel folder.
        kind: `"translator"` (`<stem>.vocab.json`) or `"forecaster"`
            (`<stem>.json`).

    Returns:
        The path as a string.

    Example:

    >>> from keras_attention.export import sidecar_path
    >>> sidecar_path("saved_models/date_translator.tflite")
    'saved_models/date_translator.vocab.json'
    >>> sidecar_path("exports/forecaster.tflite", kind="forecaster")
    'exports/forecaster.json'
    """
    artifact = os.fspath(artifact).rstrip("/\\")
    stem = artifact[: -len(".tflite")] if artifact.endswith(".tflite") else artifact
    return stem + (".vocab.json" if kind == "translator" else ".json")


def find_metadata(artifact):
    """Loads the metadata of an artifact, or raises a clear error.

    Looks inside a SavedModel folder (`assets.extra/keras_attention.json`),
    then for the sidecar JSON of either kind beside the artifact.

    Args:
        artifact: a `.tflite` path or a SavedModel folder.

    Returns:
        The metadata dict.

    Example:

    >>> from keras_attention.export import export_tflite, find_metadata
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> model.build()
    >>> _ = export_tflite(model, "forecaster.tflite")
    >>> find_metadata("forecaster.tflite")["kind"]
    'forecaster'
    >>> find_metadata("elsewhere.tflite")
    Traceback (most recent call last):
    ...
    FileNotFoundError: No export metadata found for 'elsewhere.tflite'; ...
    """
    artifact = os.fspath(artifact).rstrip("/\\")
    candidates = []
    if os.path.isdir(artifact):
        candidates.append(os.path.join(artifact, SAVED_MODEL_COPY))
    candidates += [sidecar_path(artifact, "translator"), sidecar_path(artifact, "forecaster")]
    for path in candidates:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            if data.get("format") != FORMAT:
                raise ValueError(
                    f"{path} is not a keras_attention export description "
                    f"(format={data.get('format')!r})."
                )
            return data
    raise FileNotFoundError(
        f"No export metadata found for {artifact!r}; looked for: {candidates}. "
        "Export with keras_attention.export, which writes it beside the artifact."
    )


def _io(signature):
    return {spec.name: {"shape": list(spec.shape), "dtype": spec.dtype.name} for spec in signature}


def build(model, signatures, outputs, options=None, batch_size=None):
    """The metadata dict of an export.

    Args:
        model: the exported model.
        signatures: `{endpoint: [TensorSpec, ...]}` as exported.
        outputs: `{endpoint: [output names]}`.
        options: `endpoints.DecodingOptions` (translators).
        batch_size: the batch size of the looped endpoints (None: dynamic).
    """
    kind = endpoints.model_kind(model)
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "keras_attention_version": __version__,
        "model": type(model).__name__,
        "kind": kind,
        "batch_size": batch_size,
        "signatures": {
            name: {"inputs": _io(spec), "outputs": sorted(outputs[name])}
            for name, spec in signatures.items()
        },
    }
    if kind == "translator":
        data.update(
            {
                "tokenization": model.tokenization,
                "source_vocabulary": model.source_vocabulary,
                "target_vocabulary": model.target_vocabulary,
                "special_ids": {
                    "pad": PAD_ID,
                    "oov": OOV_ID,
                    "start": START_ID,
                    "end": END_ID,
                },
                "decoding": options.get_config(),
                "state_layout": [
                    {"name": name, "size": size}
                    for name, size in endpoints.state_layout(model)
                ],
                "attention": model.attention,
                "memory_dim": model.memory_dim,
            }
        )
    else:
        data.update(
            {
                "window": model.window,
                "num_features": model.num_features,
                "horizon": model.horizon,
                "protocol": model.protocol,
                "past_target_length": model.past_target_length,
            }
        )
    return data
