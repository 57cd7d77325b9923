"""One call that writes, checks and describes every deployable artifact."""

import os
import time

from keras_attention.export import metadata
from keras_attention.export.saved_model import check_built, export_saved_model
from keras_attention.export.tflite import QUANTIZATIONS, export_tflite
from keras_attention.export.verify import verify_export

_VARIANTS = [q for q in QUANTIZATIONS if q is not None]


def _folder_size(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def export_artifacts(
    model,
    out_dir="saved_models",
    name=None,
    samples=None,
    sampler=None,
    max_length=None,
    quantizations=(),
    verify=True,
):
    """Exports a model for serving and for devices, and verifies it.

    Works for every model family (`keras_attention.models.Task`). Writes,
    atomically:

    - `<out_dir>/<name>/`: the SavedModel (the model's endpoints, text
      endpoints included), with its metadata in `assets.extra/`;
    - `<out_dir>/<name>.tflite`: the same endpoints (but text) as LiteRT
      signatures (float32), and its sidecar `<out_dir>/<name>.json`
      (family, signatures, preprocessor, decoding options; read by
      `keras_attention.runtime`);
    - optionally `<out_dir>/<name>.<quantization>.tflite` (+ sidecar) for
      each entry of `quantizations`.

    Then runs `verify_export` on `samples` against the SavedModel and the
    float32 `.tflite` (zero token mismatches allowed, |Δscore| and
    |Δattention| ≤ 1e-3, |Δprediction| ≤ 1e-4, else
    `ExportVerificationError`), and reports the quantized variants'
    differences without failing on them.

    Args:
        model: a built keras_attention model.
        out_dir: output folder.
        name: base name of the artifacts (default: the model's family).
        samples: what the model's `export_examples` takes (texts or id lists
            for a translator, a dict of arrays for a forecaster, ...);
            default: a seeded random set.
        sampler: the `BeamSampler` of the beam-search endpoint (token
            decoders; default `BeamSampler()`).
        max_length: output buffer size of the decode endpoints.
        quantizations: extra `.tflite` variants, e.g.
            `("float16", "dynamic_range")`.
        verify: run `verify_export`.

    Returns:
        A summary dict: `paths`, `sizes_bytes`, `verification` (the
        float32 report), `quantized` (per-variant reports) and `seconds`.

    Example:

    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.export import export_artifacts
    >>> from keras_attention.models import BeamSampler, Seq2SeqTranslator
    >>> vocab = Vocabulary.build([list("0123456789/")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> model.build()
    >>> summary = export_artifacts(
    ...     model, "exports", "dates", samples=["03/03/98", "1/2/2003"],
    ...     max_length=8, sampler=BeamSampler(beam_width=2))
    >>> summary["paths"]
    {'saved_model': 'exports/dates', 'tflite': 'exports/dates.tflite', 'metadata': 'exports/dates.json'}
    >>> summary["verification"]["passed"]
    True
    """
    check_built(model)
    for q in quantizations:
        if q not in _VARIANTS:
            raise ValueError(
                f"`quantizations` entries must be among {_VARIANTS}. Received: {q!r}"
            )
    name = name or model.family
    started = time.time()
    options = dict(sampler=sampler, max_length=max_length)
    saved_model_path = os.path.join(out_dir, name)
    tflite_path = os.path.join(out_dir, name + ".tflite")
    export_saved_model(model, saved_model_path, **options)
    export_tflite(model, tflite_path, **options)
    paths = {
        "saved_model": saved_model_path,
        "tflite": tflite_path,
        "metadata": metadata.sidecar_path(tflite_path),
    }
    sizes = {
        "saved_model": _folder_size(saved_model_path),
        "tflite": os.path.getsize(tflite_path),
    }
    for q in quantizations:
        path = os.path.join(out_dir, f"{name}.{q}.tflite")
        export_tflite(model, path, quantization=q, **options)
        paths[f"tflite_{q}"] = path
        sizes[f"tflite_{q}"] = os.path.getsize(path)
    summary = {"paths": paths, "sizes_bytes": sizes, "verification": None, "quantized": {}}
    if verify:
        summary["verification"] = verify_export(
            model, [saved_model_path, tflite_path], samples
        )
        for q in quantizations:
            summary["quantized"][q] = verify_export(
                model,
                paths[f"tflite_{q}"],
                samples,
                # Quantized numbers differ by design; tokens are what counts.
                score_atol=float("inf"),
                attention_atol=float("inf"),
                prediction_atol=float("inf"),
                raise_on_failure=False,
            )
    summary["seconds"] = round(time.time() - started, 1)
    return summary


def export_translator_artifacts(model, out_dir="saved_models", name="date_translator", **kwargs):
    """`export_artifacts` for a translator (the name of keras-attention 0.1).

    Example:

    >>> from keras_attention.export import export_artifacts, export_translator_artifacts
    >>> import inspect
    >>> inspect.signature(export_translator_artifacts).parameters["name"].default
    'date_translator'
    """
    return export_artifacts(model, out_dir=out_dir, name=name, **kwargs)
