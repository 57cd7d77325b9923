"""The generic LiteRT runner of exported `.tflite` files (numpy, `ai_edge_litert`).

A `.tflite` file written by `keras_attention.export` comes with a sidecar
JSON (`<stem>.json`; older translator exports: `<stem>.vocab.json`) that
names the model family, the signatures, the decoding options and the
preprocessor's configuration. `load(path)` reads it and returns the runner
of that family; each runner uses the family's preprocessor (the same class
the Keras model holds) to turn raw inputs into the signature's arrays and
the results back.
"""

import json
import os

import numpy as np

from .preprocessors import SeriesPreprocessor, TextPreprocessor
from .vocabulary import END_ID, START_ID

# The largest number of decoding steps a runner accepts: a buffer of that
# many steps per call is already more than any exported model needs.
MAX_DECODE_STEPS = 4096


def _sidecar_candidates(model_path):
    stem = model_path[: -len(".tflite")] if model_path.endswith(".tflite") else model_path
    return [stem + ".json", stem + ".vocab.json"]


def load_metadata(model_path, metadata_path=None):
    """The export metadata (family, signatures, preprocessor) of a `.tflite` file.

    Args:
        model_path: the `.tflite` file.
        metadata_path: its sidecar JSON (default: `<stem>.json`, or the
            older `<stem>.vocab.json`).

    Returns:
        The metadata dict.

    Example:

    The metadata travels beside the `.tflite` file, as written by
    `keras_attention.export.export_tflite`; without it nothing can be
    decoded, so a missing one is a clear error (copy both files):

    >>> from keras_attention import runtime
    >>> open("copied_alone.tflite", "wb").close()
    >>> runtime.load_metadata("copied_alone.tflite")
    Traceback (most recent call last):
    ...
    FileNotFoundError: No metadata for 'copied_alone.tflite': looked for ['copied_alone.json', 'copied_alone.vocab.json']. keras_attention.export writes it beside the .tflite file; copy it along.
    """
    model_path = os.fspath(model_path)
    paths = [os.fspath(metadata_path)] if metadata_path else _sidecar_candidates(model_path)
    for path in paths:
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
                raise ValueError(
                    f"The export metadata {path!r} is not readable JSON ({e})."
                ) from None
            if not isinstance(data, dict) or "signatures" not in data:
                raise ValueError(
                    f"{path!r} is not a keras_attention export description."
                )
            return data
    raise FileNotFoundError(
        f"No metadata for {model_path!r}: looked for {paths}. keras_attention.export "
        "writes it beside the .tflite file; copy it along."
    )


def family_of(metadata):
    """The model family named by export metadata (`kind` in older exports).

    Example:

    >>> from keras_attention.runtime import family_of
    >>> family_of({"family": "forecaster"}), family_of({"kind": "translator"})
    ('forecaster', 'translator')
    """
    return metadata.get("family") or metadata.get("kind")


def preprocessor_of(metadata):
    """The preprocessor described by export metadata, or None.

    Example:

    >>> from keras_attention.runtime import preprocessor_of
    >>> spec = {"class_name": "SeriesPreprocessor",
    ...         "config": {"target": "y", "features": ["x"], "scaling": "standard",
    ...                    "center": [0.0, 1.0], "scale": [1.0, 2.0]}}
    >>> pre = preprocessor_of({"preprocessor": spec})
    >>> pre.inverse_target([0.5]).tolist()
    [2.0]
    >>> preprocessor_of({"signatures": {}}) is None
    True
    """
    spec = metadata.get("preprocessor")
    if isinstance(spec, dict) and spec.get("class_name") in PREPROCESSORS:
        return PREPROCESSORS[spec["class_name"]].from_config(spec["config"])
    if "tokenization" in metadata:  # translator exports before 0.2
        return TextPreprocessor(
            metadata.get("source_vocabulary"),
            metadata.get("target_vocabulary"),
            metadata["tokenization"],
        )
    return None


PREPROCESSORS = {
    "TextPreprocessor": TextPreprocessor,
    "SeriesPreprocessor": SeriesPreprocessor,
}


def _interpreter(model_path, num_threads):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as e:  # pragma: no cover - depends on the device
        raise ImportError(
            "keras_attention.runtime needs the LiteRT interpreter: "
            "pip install ai-edge-litert"
        ) from e
    try:
        return Interpreter(model_path=model_path, num_threads=num_threads)
    except (ValueError, RuntimeError) as e:
        raise ValueError(
            f"`model_path` is not a readable .tflite model (truncated or not a "
            f"LiteRT flatbuffer: {str(e).strip()}). Received: model_path={model_path!r}"
        ) from None


def _check_model_path(model_path):
    if os.path.isdir(model_path):
        raise ValueError(
            "`model_path` must be a .tflite file, not a folder (a SavedModel folder "
            "runs with TensorFlow). Received: "
            f"model_path={model_path!r}"
        )
    if not os.path.isfile(model_path):
        raise FileNotFoundError(
            f"No .tflite file at `model_path`. Received: model_path={model_path!r}"
        )


class TFLiteRunner:
    """Runs the signatures of an exported `.tflite` file.

    The base class of the family runners (`TFLiteTranslator`,
    `TFLiteForecaster`); `run(signature, **inputs)` calls one signature
    with numpy inputs (a fixed batch axis is filled by repeating rows).

    Args:
        model_path: the `.tflite` file written by `keras_attention.export`.
        metadata_path: its sidecar JSON (default: beside the file).
        num_threads: LiteRT CPU threads (default: LiteRT's choice).

    Example:

    >>> import numpy as np
    >>> from keras_attention import export
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> from keras_attention.runtime import TFLiteRunner
    >>> model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> model.build()
    >>> _ = export.export_tflite(model, "forecaster.tflite")  # batch fixed to 1
    >>> runner = TFLiteRunner("forecaster.tflite")
    >>> runner.signatures, runner.fixed_batch("predict", "drivers")
    (['predict'], 1)
    >>> out = runner.run("predict", drivers=np.ones((3, 4, 2), "float32"),
    ...                  past_target=np.ones((3, 3, 1), "float32"))  # 3 rows, 3 calls
    >>> out["predictions"].shape
    (3, 1)
    """

    family = None

    def __init__(self, model_path, metadata_path=None, num_threads=None):
        self.model_path = os.fspath(model_path)
        _check_model_path(self.model_path)
        self.metadata = load_metadata(self.model_path, metadata_path)
        found = family_of(self.metadata)
        if self.family is not None and found != self.family:
            raise ValueError(
                f"{self.model_path} holds a {found} export, not a {self.family}. "
                f"Use keras_attention.runtime.load() to get the right runner."
            )
        self.preprocessor = preprocessor_of(self.metadata)
        self.interpreter = _interpreter(self.model_path, num_threads)
        self.signatures = sorted(self.interpreter.get_signature_list())
        self._runners = {}

    def runner(self, name):
        """The LiteRT signature runner of endpoint `name`."""
        if name not in self.signatures:
            raise ValueError(
                f"{self.model_path} has no signature {name!r}; it has {self.signatures}."
            )
        if name not in self._runners:
            self._runners[name] = self.interpreter.get_signature_runner(name)
        return self._runners[name]

    def fixed_batch(self, name, input_name):
        """The signature's fixed batch size, or None if it is dynamic."""
        shape = self.runner(name).get_input_details()[input_name]["shape_signature"]
        return int(shape[0]) if int(shape[0]) > 0 else None

    def run(self, name, **inputs):
        """Calls signature `name` on a batch; returns numpy outputs per example.

        A signature with a fixed batch size runs the rows in chunks of that
        size (the last chunk padded with copies of its last row).
        """
        first = next(iter(inputs.values()))
        rows = len(first)
        batch = self.fixed_batch(name, next(iter(inputs))) or rows
        results = {}
        for start in range(0, rows, batch):
            chunk = {k: np.asarray(v[start : start + batch]) for k, v in inputs.items()}
            n = len(next(iter(chunk.values())))
            if n < batch:
                chunk = {
                    k: np.concatenate([v, np.repeat(v[-1:], batch - n, 0)])
                    for k, v in chunk.items()
                }
            out = self.runner(name)(**chunk)
            for key, value in out.items():
                results.setdefault(key, []).append(np.asarray(value)[:n])
        return {k: np.concatenate(v) for k, v in results.items()}


def greedy_step_loop(runner, encode_inputs, max_length):
    """Greedy decoding with this process's own loop over `encode` / `decode_step`.

    The two-model split an app uses to run its own search: `encode` once,
    then `decode_step` per token (the state travels as one packed array).
    One example (batch 1).

    Returns:
        A dict like the `*_greedy` signature's (`token_ids`, `scores`,
        `lengths`, `attention`), without the batch axis.

    Example:

    >>> import numpy as np
    >>> from keras_attention import export, runtime
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> _ = export.export_tflite(model, "t.tflite", max_length=6,
    ...                          endpoints_to_export=["encode", "decode_step"])
    >>> runner = runtime.TFLiteRunner("t.tflite")
    >>> source = {"source_ids": np.array([[5, 6, 7]], "int32")}
    >>> mine = runtime.greedy_step_loop(runner, source, max_length=6)
    >>> keras_out = model.generate(source["source_ids"], max_length=6)
    >>> bool(np.array_equal(mine["token_ids"], np.asarray(keras_out["token_ids"])[0]))
    True
    """
    max_length = _check_max_length(max_length)
    enc = runner.runner("encode")(**encode_inputs)
    step = runner.runner("decode_step")
    step_inputs = set(step.get_input_details()) - {"token_ids"}
    # Memory, mask and keys stay; the packed states come back at every step.
    carried = {k: enc[k] for k in step_inputs}
    token = np.asarray([START_ID], np.int32)
    ids, weights, score = [], [], 0.0
    for _ in range(max_length):
        out = step(token_ids=token, **carried)
        token = out["token_ids"].astype(np.int32)
        score += float(out["scores"][0, token[0]])
        ids.append(int(token[0]))
        weights.append(out["attention"][0])
        carried.update({k: v for k, v in out.items() if k in step_inputs})
        if token[0] == END_ID:
            break
    length = len(ids)
    token_ids = np.zeros((max_length,), np.int32)
    token_ids[:length] = ids
    attention = np.zeros((max_length, enc["memory"].shape[1]), np.float32)
    attention[:length] = np.stack(weights)
    return {
        "token_ids": token_ids,
        "scores": np.float32(score),
        "lengths": np.int32(length),
        "attention": attention,
    }


def _check_max_length(max_length):
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) or not (
        1 <= max_length <= MAX_DECODE_STEPS
    ):
        raise ValueError(
            f"`max_length` must be an integer in [1, {MAX_DECODE_STEPS}]. "
            f"Received: max_length={max_length!r}"
        )
    return int(max_length)
