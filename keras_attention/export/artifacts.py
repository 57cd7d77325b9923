"""One call that writes, checks and describes every deployable artifact."""

import os
import time

import numpy as np

from keras_attention.export import endpoints, metadata
from keras_attention.export.saved_model import export_saved_model
from keras_attention.export.tflite import export_tflite
from keras_attention.export.verify import verify_export

_VARIANT_SUFFIX = {"float16": ".float16", "dynamic_range": ".dynamic_range", "int8": ".int8"}


def _folder_size(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def _default_samples(model, count=50, seed=0):
    """Random source id sequences of varied length (no text needed)."""
    rng = np.random.default_rng(seed)
    high = model.source_vocabulary_size
    return [rng.integers(4, high, size=int(n)).tolist() for n in rng.integers(1, 25, count)]


def export_translator_artifacts(
    model,
    out_dir="saved_models",
    name="date_translator",
    samples=None,
    max_length=50,
    beam_width=4,
    length_penalty=0.0,
    coverage_penalty=0.0,
    num_return=1,
    quantizations=(),
    verify=True,
):
    """Exports a translator for serving and for devices, and verifies it.

    Writes, atomically:

    - `<out_dir>/<name>/`: the SavedModel (`translate_greedy`,
      `translate_beam`, `encode`, `decode_step`, and the string→string
      `translate`), with its metadata in `assets.extra/`;
    - `<out_dir>/<name>.tflite`: the same id-level endpoints as LiteRT
      signatures (float32);
    - `<out_dir>/<name>.vocab.json`: vocabularies, tokenization, decoding
      options and state layout (read by `keras_attention.runtime`);
    - optionally `<out_dir>/<name>.<quantization>.tflite` (+ sidecar) for
      each entry of `quantizations`.

    Then runs `verify_export` on `samples` against the SavedModel and the
    float32 `.tflite` (zero token mismatches allowed, |Δscore| ≤ 1e-3, else
    `ExportVerificationError`), and reports the quantized variants'
    mismatches without failing on them.

    Args:
        model: a built `Seq2SeqTranslator`.
        out_dir: output folder.
        name: base name of the artifacts.
        samples: source texts or id lists to verify on (default: 50 random
            id sequences of lengths 1–24).
        max_length, beam_width, length_penalty, coverage_penalty,
            num_return: export-time decoding options.
        quantizations: extra `.tflite` variants, e.g.
            `("float16", "dynamic_range")`.
        verify: run `verify_export`.

    Returns:
        A summary dict: `paths`, `sizes_bytes`, `verification` (the
        float32 report), `quantized` (per-variant reports) and `seconds`.

    Example:

    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.export import export_translator_artifacts
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> vocab = Vocabulary.build([list("0123456789/")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> model.build()
    >>> summary = export_translator_artifacts(
    ...     model, "exports", "dates", samples=["03/03/98", "1/2/2003"],
    ...     max_length=8, beam_width=2)
    >>> summary["paths"]
    {'saved_model': 'exports/dates', 'tflite': 'exports/dates.tflite', 'vocab': 'exports/dates.vocab.json'}
    >>> summary["verification"]["passed"]
    True
    """
    endpoints.check_built(model)
    if endpoints.model_kind(model) != "translator":
        raise ValueError(
            "export_translator_artifacts() exports a Seq2SeqTranslator. Received: "
            f"{type(model).__name__}; use export_saved_model / export_tflite."
        )
    for q in quantizations:
        if q not in _VARIANT_SUFFIX:
            raise ValueError(
                f"`quantizations` entries must be among {sorted(_VARIANT_SUFFIX)}. "
                f"Received: {q!r}"
            )
    started = time.time()
    options = dict(
        max_length=max_length,
        beam_width=beam_width,
        length_penalty=length_penalty,
        coverage_penalty=coverage_penalty,
        num_return=num_return,
    )
    saved_model_path = os.path.join(out_dir, name)
    tflite_path = os.path.join(out_dir, name + ".tflite")
    export_saved_model(model, saved_model_path, **options)
    export_tflite(model, tflite_path, **options)
    paths = {
        "saved_model": saved_model_path,
        "tflite": tflite_path,
        "vocab": metadata.sidecar_path(tflite_path, "translator"),
    }
    sizes = {
        "saved_model": _folder_size(saved_model_path),
        "tflite": os.path.getsize(tflite_path),
    }
    for q in quantizations:
        path = os.path.join(out_dir, name + _VARIANT_SUFFIX[q] + ".tflite")
        export_tflite(model, path, quantization=q, **options)
        paths[f"tflite_{q}"] = path
        sizes[f"tflite_{q}"] = os.path.getsize(path)
    summary = {"paths": paths, "sizes_bytes": sizes, "verification": None, "quantized": {}}
    if verify:
        if samples is None:
            samples = _default_samples(model)
        summary["verification"] = verify_export(
            model, [saved_model_path, tflite_path], samples
        )
        for q in quantizations:
            summary["quantized"][q] = verify_export(
                model,
                paths[f"tflite_{q}"],
                samples,
                endpoints_to_check=("translate_greedy", "translate_beam"),
                # Quantized scores differ by design; tokens are what counts.
                score_atol=float("inf"),
                raise_on_failure=False,
            )
    summary["seconds"] = round(time.time() - started, 1)
    return summary
