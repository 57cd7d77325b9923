"""TFLite / LiteRT export: every endpoint as a signature of one `.tflite`."""

import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf

import keras_attention.io_utils as io_utils
from keras_attention.export import metadata
from keras_attention.export.saved_model import (
    build_archive,
    check_batch_size,
    check_built,
    temporary_folder,
    write_out,
)

QUANTIZATIONS = (None, "float16", "dynamic_range", "int8")


class UnsupportedOpsError(ValueError):
    """The model needs TensorFlow (Flex / Select TF) ops that LiteRT lacks.

    Attributes:
        ops: sorted list of the offending TensorFlow op names.
    """

    def __init__(self, message, ops):
        super().__init__(message)
        self.ops = ops


def _converter(folder, signature_keys, quantization, representative_data):
    converter = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=signature_keys)
    # Builtins only: the Flex delegate is not available to ai_edge_litert
    # here (nor on most devices), so a Flex op is a failure, never a fallback.
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantization is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantization == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantization == "int8":
        converter.representative_dataset = representative_data
    return converter


_TF_OP = re.compile(r"\btf\.([A-Z][A-Za-z0-9_]*)")
_FLEX_OP = re.compile(r"\bFlex([A-Z][A-Za-z0-9_]*)")


def flex_ops_in_message(message):
    """TensorFlow op names that a converter error says are not builtins."""
    ops = set(_FLEX_OP.findall(message))
    for line in message.splitlines():
        if "not supported" in line or "Flex" in line or "Select TF" in line or (
            "tf." in line and ("illegal" in line or "legalize" in line)
        ):
            ops.update(_TF_OP.findall(line))
    # "tf.Foo(tensor<...>)" detail lines follow a "Some ops are not supported"
    # header; collect them too.
    if "not supported by the native TFLite runtime" in message or "Flex" in message:
        ops.update(_TF_OP.findall(message.split("not supported", 1)[-1]))
    return sorted(ops)


def convert(folder, signature_keys, quantization=None, representative_data=None):
    """Converts a SavedModel folder's endpoints; returns the flatbuffer bytes."""
    if quantization == "int8":
        return _convert_int8_in_subprocess(folder, signature_keys, representative_data)
    converter = _converter(folder, signature_keys, quantization, representative_data)
    try:
        return converter.convert()
    except Exception as e:  # ConverterError, or ValueError on older TF
        message = str(e)
        ops = flex_ops_in_message(message)
        if ops or "Select TF ops" in message or "Flex" in message:
            raise UnsupportedOpsError(
                "TFLite conversion needs TensorFlow (Flex / Select TF) ops that "
                "LiteRT's builtin op set does not have, and keras_attention "
                f"exports builtins only. Offending ops: {', '.join(ops) or 'unknown'}. "
                "Typical causes: `keras.ops.argmax` on floats (use "
                "`ops.top_k(x, 1)[1][:, 0]`), a dynamic batch size inside a loop, "
                "string ops. Converter message (end):\n" + message[-1500:],
                ops,
            ) from None
        raise


_INT8_SCRIPT = r"""
import sys, numpy as np
import tensorflow as tf
folder, keys, data_path, out_path = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4]
data = np.load(data_path, allow_pickle=False)
n = int(data["__count__"])
def representative():
    for i in range(n):
        key = str(data[f"{i}/__signature__"])
        names = [k.split("/", 1)[1] for k in data.files if k.startswith(f"{i}/") and not k.endswith("__signature__")]
        yield (key, {name: data[f"{i}/{name}"] for name in names})
c = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=keys)
c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
c.optimizations = [tf.lite.Optimize.DEFAULT]
c.representative_dataset = representative
open(out_path, "wb").write(c.convert())
"""


def _convert_int8_in_subprocess(folder, signature_keys, representative_data):
    """Full-integer conversion, in a child process.

    TF 2.21's calibrator crashes the process (SIGSEGV) on models with WHILE
    ops (tensorflow/tensorflow#75140), which every RNN export has; a child
    process turns that into a Python error.
    """
    arrays = {"__count__": np.asarray(len(representative_data))}
    for i, (key, inputs) in enumerate(representative_data):
        arrays[f"{i}/__signature__"] = np.asarray(key)
        for name, value in inputs.items():
            arrays[f"{i}/{name}"] = np.asarray(value)
    with tempfile.TemporaryDirectory(prefix="keras_attention_int8_") as tmp:
        data_path = os.path.join(tmp, "data.npz")
        out_path = os.path.join(tmp, "model.tflite")
        np.savez(data_path, **arrays)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        result = subprocess.run(
            [sys.executable, "-c", _INT8_SCRIPT, folder, ",".join(signature_keys),
             data_path, out_path],
            capture_output=True,
            text=True,
            env=env,
        )
        if result.returncode != 0 or not os.path.exists(out_path):
            crashed = result.returncode < 0
            raise RuntimeError(
                "int8 (full-integer) TFLite conversion failed"
                + (
                    f" (the converter process died with signal {-result.returncode}: "
                    "TF's calibrator crashes on models with WHILE loops, "
                    "tensorflow/tensorflow#75140, and every RNN export has them)"
                    if crashed
                    else ""
                )
                + ". Use quantization='dynamic_range' (int8 weights, float "
                "activations) or 'float16' instead. Converter output (end):\n"
                + result.stderr[-1500:]
            )
        with open(out_path, "rb") as f:
            return f.read()


def _representative_samples(model, representative_data, signatures):
    """`[(signature_key, {input: array}), ...]` from user data.

    Every example (`model.export_examples`) feeds each signature whose
    inputs it provides (e.g. the source ids feed `translate_greedy`,
    `translate_beam` and `encode`).
    """
    samples = []
    for example in model.export_examples(representative_data):
        for key, spec in signatures.items():
            names = [name for name, _, _ in spec]
            if set(names) <= set(example):
                samples.append((key, {n: example[n] for n in names}))
    if not samples:
        raise ValueError("`representative_data` is empty.")
    return samples


def export_tflite(
    model, path, quantization=None, representative_data=None, sampler=None,
    max_length=None, batch_size=1, endpoints_to_export=None,
):
    """Exports a model's endpoints to one `.tflite` file.

    Every endpoint of `export_saved_model` except the text ones becomes a
    signature of the file: `translate_greedy`, `translate_beam`, `encode`
    and `decode_step` for a `Seq2SeqTranslator`, `predict` for a
    `TimeSeriesForecaster` (`Task.export_endpoints`). The loops (encoder
    RNN, greedy and beam search) become TFLite `WHILE` ops; the batch of the
    looped signatures is fixed (`batch_size`, default 1) while sequence
    lengths stay dynamic, and `decode_step` keeps a dynamic batch. Only
    builtin ops are allowed: if the conversion would need Flex (Select TF)
    ops, an `UnsupportedOpsError` names them. The file and its sidecar JSON
    (`<stem>.json`) are written atomically. Run it with `ai_edge_litert`, or
    with `keras_attention.runtime`, which needs nothing else.

    Args:
        model: a built keras_attention model.
        path: the output file; must end in `.tflite`.
        quantization: `None` (float32), `"float16"` (float16 weights),
            `"dynamic_range"` (int8 weights, float activations) or `"int8"`
            (int8 weights and activations, calibrated on
            `representative_data`; fails with TF 2.21 on looped models, see
            the error message).
        representative_data: for `"int8"` only: the samples the model's
            `export_examples` takes (source texts or id lists for a
            translator, a dict of `"drivers"` / `"past_target"` arrays for
            a forecaster).
        sampler: the `BeamSampler` of the beam-search endpoint (default
            `BeamSampler()`).
        max_length: output buffer size of the decode endpoints (default 50).
        batch_size: fixed batch size of the looped signatures.
        endpoints_to_export: optional list of endpoint names (default all).

    Returns:
        The metadata dict written beside the file, with `"size_bytes"` and
        `"path"`.

    Example:

    >>> import os
    >>> from keras_attention.export import export_tflite
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> metadata = export_tflite(model, "translator.tflite", max_length=8,
    ...                          endpoints_to_export=["translate_greedy"])
    >>> sorted(os.listdir("."))  # the model and its sidecar JSON
    ['translator.json', 'translator.tflite']
    >>> metadata["signatures"]["translate_greedy"]["inputs"]
    {'source_ids': {'shape': [1, None], 'dtype': 'int32'}}

    The file runs with `ai_edge_litert` alone; `keras_attention.runtime`
    wraps it (`load`, `TFLiteTranslator`, `TFLiteForecaster`).
    """
    check_built(model)
    path = os.fspath(path)
    if not path.endswith(".tflite"):
        raise ValueError(f"`path` must end in '.tflite'. Received: path={path!r}")
    if quantization not in QUANTIZATIONS:
        raise ValueError(
            f"`quantization` must be one of {QUANTIZATIONS}. "
            f"Received: quantization={quantization!r}"
        )
    if representative_data is not None and quantization != "int8":
        raise ValueError(
            "`representative_data` is only used with quantization='int8'. "
            f"Received: quantization={quantization!r}"
        )
    if quantization == "int8" and representative_data is None:
        raise ValueError(
            "quantization='int8' calibrates activation ranges and needs "
            "`representative_data`: a list of source id sequences "
            "(translator) or `{'drivers': ..., 'past_target': ...}` arrays "
            "(forecaster). Received: representative_data=None"
        )
    check_batch_size(batch_size, allow_none=False)
    with temporary_folder() as folder:
        archive, signatures, outputs = build_archive(
            model, sampler=sampler, max_length=max_length, batch_size=batch_size,
            endpoint_names=endpoints_to_export,
        )
        write_out(archive, model, folder)
        keys = list(signatures)
        samples = None
        if quantization == "int8":
            samples = _representative_samples(model, representative_data, signatures)
        flatbuffer = convert(folder, keys, quantization, samples)
    io_utils.atomic_write_bytes(path, flatbuffer)
    meta = metadata.build(model, signatures, outputs, sampler, max_length, batch_size)
    meta["quantization"] = quantization
    io_utils.atomic_write_json(metadata.sidecar_path(path), meta)
    return dict(meta, size_bytes=len(flatbuffer), path=path)
