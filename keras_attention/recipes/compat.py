"""The model interfaces the recipes call, each in one small function.

The models and the export package are gaining family-generic entry points
(`load_model(path, family=...)`, `export.export_artifacts`,
`model.attention_maps`, `plotting.save_attention_map`,
`translate(..., return_details=True)`, `model.preprocessor`). The recipes
and the command line call them through the functions here: each uses the
new interface when the installed package has it, and the current one
otherwise, so switching over is a change to this module only.
"""

import inspect
import os

import numpy as np

from keras_attention.recipes.options import ConfigError


def load_model(path, family=None, compile=True):
    """`keras_attention.models.load_model`, by family name ("translator", ...).

    Example:

    >>> from keras_attention.models import Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> model.save("translator.keras")
    >>> type(load_model("translator.keras", family="translator")).__name__
    'Seq2SeqTranslator'
    """
    from keras_attention.models import load_model as load

    if "family" in inspect.signature(load).parameters:
        return load(path, family=family, compile=compile)
    return load(path, kind=family, compile=compile)


def preprocessor(model):
    """The forecaster's saved preprocessing (`model.preprocessor`), or None."""
    return getattr(model, "preprocessor", None)


def attention_maps(model, examples, sampler=None, max_length=None):
    """`model.attention_maps(...)`: one dict per example, what a PNG shows.

    Keys: `tag`, `weights` (2-D), `x_labels`, `y_labels`, `title`,
    `x_title`, `y_title`.
    """
    if hasattr(model, "attention_maps"):
        return model.attention_maps(examples, sampler=sampler, max_length=max_length)
    import keras_attention.plotting as plotting

    texts, attentions = model.translate(
        list(examples), sampler=sampler or "greedy", max_length=max_length,
        return_attention=True,
    )
    return [
        {
            "tag": f"attention_{i + 1}",
            "weights": np.asarray(a["weights"]),
            "x_labels": plotting.show_spaces(a["source_tokens"]),
            "y_labels": plotting.show_spaces(a["output_tokens"]),
            "title": f"{source!r} → {text!r}",
            "x_title": "source",
            "y_title": "target",
        }
        for i, (source, text, a) in enumerate(zip(examples, texts, attentions, strict=True))
    ]


def save_attention_map(attention_map, path):
    """`keras_attention.plotting.save_attention_map`: one map as a PNG."""
    import keras_attention.plotting as plotting

    if hasattr(plotting, "save_attention_map"):
        return plotting.save_attention_map(attention_map, path)
    keys = ("x_labels", "y_labels", "title", "x_title", "y_title")
    return plotting.plot_attention(
        attention_map["weights"], path, **{k: attention_map[k] for k in keys if k in attention_map}
    )


def export_artifacts(model, out_dir, name, *, samples=None, sampler=None, max_length=None,
                     quantizations=(), verify=True):
    """`keras_attention.export.export_artifacts`: every artifact of any family.

    Returns the summary: `paths` (name → path), `verification` (the float32
    report or None) and `quantized` (name → report).
    """
    import keras_attention.export as export

    if hasattr(export, "export_artifacts"):
        return export.export_artifacts(
            model, out_dir, name, samples=samples, sampler=sampler, max_length=max_length,
            quantizations=quantizations, verify=verify,
        )
    from keras_attention.recipes.families import family_of

    if family_of(model).name == "translator":
        return _export_translator(model, out_dir, name, samples, sampler, max_length,
                                  quantizations, verify)
    return _export_forecaster(model, out_dir, name, quantizations, verify)


def _export_translator(model, out_dir, name, samples, sampler, max_length, quantizations,
                       verify):
    from keras_attention.export import export_translator_artifacts

    if "int8" in quantizations:
        raise ConfigError("quantize", "int8 is not supported for translators",
                          "`quantizations` may not hold 'int8' for a translator. "
                          f"Received: quantizations={tuple(quantizations)!r}")
    beam = {}
    if sampler is not None:
        beam = {k: getattr(sampler, k) for k in
                ("beam_width", "length_penalty", "coverage_penalty", "num_return")}
    if max_length is not None:
        beam["max_length"] = max_length
    return export_translator_artifacts(
        model, out_dir=out_dir, name=name, samples=samples,
        quantizations=tuple(quantizations), verify=verify, **beam,
    )


def _export_forecaster(model, out_dir, name, quantizations, verify):
    from keras_attention.export import export_saved_model, export_tflite, verify_export

    saved_model = os.path.join(out_dir, name)
    tflite = os.path.join(out_dir, name + ".tflite")
    export_saved_model(model, saved_model)
    export_tflite(model, tflite)
    paths = {"saved_model": saved_model, "tflite": tflite,
             "metadata": tflite[: -len(".tflite")] + ".json"}
    for q in quantizations:
        path = os.path.join(out_dir, f"{name}.{q}.tflite")
        export_tflite(model, path, quantization=q)
        paths[f"tflite_{q}"] = path
        paths[f"metadata_{q}"] = path[: -len(".tflite")] + ".json"
    report = None
    if verify:
        rng = np.random.default_rng(0)
        n = 32  # scaled inputs are roughly standard normal
        samples = {
            "drivers": rng.normal(size=(n, model.window, model.num_features)),
            "past_target": rng.normal(size=(n, model.past_target_length, 1)),
        }
        report = verify_export(model, [saved_model, tflite], samples)
    return {"paths": paths, "verification": report, "quantized": {}}
