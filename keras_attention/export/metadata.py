"""The JSON that travels with an exported artifact (family, signatures, preprocessor).

A `.tflite` file `x.tflite` has the sidecar `x.json` in the same folder (the
translator exports of keras-attention 0.1 named it `x.vocab.json`; both are
read); a SavedModel folder `x/` keeps its own in
`x/assets.extra/keras_attention.json`. `keras_attention.runtime` reads the
sidecar without TensorFlow. What it holds besides the signatures comes from
the model (`Task.export_metadata`): vocabularies or scaler, decoding
options, state layout, window...
"""

import json
import os

from keras_attention.version import __version__

FORMAT = "keras_attention.export"
FORMAT_VERSION = 2
SAVED_MODEL_COPY = os.path.join("assets.extra", "keras_attention.json")


def _stem(artifact):
    artifact = os.fspath(artifact).rstrip("/\\")
    return artifact[: -len(".tflite")] if artifact.endswith(".tflite") else artifact


def sidecar_path(artifact, kind=None):
    """The sidecar JSON path of an artifact (`x.tflite` or folder `x/`): `x.json`.

    Args:
        artifact: a `.tflite` path or a SavedModel folder.
        kind: ignored (0.1 named translator sidecars `x.vocab.json`).

    Returns:
        The path as a string.

    Example:

    >>> from keras_attention.export import sidecar_path
    >>> sidecar_path("saved_models/date_translator.tflite")
    'saved_models/date_translator.json'
    """
    return _stem(artifact) + ".json"


def find_metadata(artifact):
    """Loads the metadata of an artifact, or raises a clear error.

    Looks inside a SavedModel folder (`assets.extra/keras_attention.json`),
    then for the sidecar JSON beside the artifact (`x.json`, or 0.1's
    `x.vocab.json`).

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
    >>> find_metadata("forecaster.tflite")["family"]
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
    candidates += [_stem(artifact) + ".json", _stem(artifact) + ".vocab.json"]
    for path in candidates:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            if data.get("format") != FORMAT:
                raise ValueError(
                    f"{path} is not a keras_attention export description "
                    f"(format={data.get('format')!r})."
                )
            data.setdefault("family", data.get("kind"))
            return data
    raise FileNotFoundError(
        f"No export metadata found for {artifact!r}; looked for: {candidates}. "
        "Export with keras_attention.export, which writes it beside the artifact."
    )


def build(model, signatures, outputs, sampler=None, max_length=None, batch_size=None):
    """The metadata dict of an export.

    Args:
        model: the exported model (a `keras_attention.models.Task`).
        signatures: `{endpoint: [(name, shape, dtype), ...]}` as exported.
        outputs: `{endpoint: [output names]}`.
        sampler, max_length: the export's decoding options.
        batch_size: the batch size of the looped endpoints (None: dynamic).
    """
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "keras_attention_version": __version__,
        "model": type(model).__name__,
        "family": model.family,
        "batch_size": batch_size,
        "signatures": {
            name: {
                "inputs": {n: {"shape": list(s), "dtype": d} for n, s, d in spec},
                "outputs": sorted(outputs[name]),
            }
            for name, spec in signatures.items()
        },
    }
    data.update(model.export_metadata(sampler=sampler, max_length=max_length))
    return data
