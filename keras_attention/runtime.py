"""Run exported `.tflite` translators and forecasters with LiteRT and numpy only.

This module imports nothing but the standard library, numpy and
`ai_edge_litert`: no TensorFlow, no Keras, nothing else from
`keras_attention`. It is what an edge device runs. Two ways to use it:

- in an environment with keras_attention installed:
  `from keras_attention.runtime import TFLiteTranslator` (importing the
  package `keras_attention` itself imports Keras, so this does not save the
  TensorFlow import there);
- on a device: copy this single file next to the `.tflite` and its sidecar
  JSON (`<stem>.vocab.json`, written by `keras_attention.export`),
  `pip install ai-edge-litert numpy`, and `import runtime` (or whatever
  you name the copy). Nothing else is needed.

`TFLiteTranslator` (text in, text out; greedy or beam search inside the
file), `TFLiteForecaster` and `load` (either, from the file's metadata)
have runnable examples; `docs/export.md` shows the whole route.

The tokenizer below is a copy of `keras_attention.data.text_utils`
(`tests/export/runtime_test.py` checks that the two agree).
"""

import json
import os
import re
import unicodedata

import numpy as np

__all__ = [
    "TFLiteForecaster",
    "TFLiteTranslator",
    "detokenize",
    "load",
    "load_metadata",
    "tokenize",
]

# -- tokenization (same rules as keras_attention.data.text_utils) -------------
_WORD_OR_PUNCT = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:%)\]}'])")
_NO_SPACE_AFTER = re.compile(r"([¿¡(\[{$]) ")
_APOSTROPHE = re.compile(r"(\w)' (\w)")


def _normalize_text(text):
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


def tokenize(text, tokenization="word"):
    """Splits a text into tokens: `"word"` (normalised) or `"char"`.

    The same rules as `keras_attention.data.tokenize`.

    Example:

    >>> from keras_attention import runtime
    >>> runtime.tokenize("¿Qué tal?"), runtime.tokenize("3/3", "char")
    (['¿', 'que', 'tal', '?'], ['3', '/', '3'])
    """
    if not isinstance(text, str):
        raise ValueError(
            f"`text` must be a string. Received: {text!r} of type {type(text).__name__}"
        )
    if tokenization == "char":
        return list(unicodedata.normalize("NFC", text))
    if tokenization != "word":
        raise ValueError(
            "`tokenization` must be one of 'word', 'char'. "
            f"Received: tokenization={tokenization!r}"
        )
    return _WORD_OR_PUNCT.findall(_normalize_text(text))


def detokenize(tokens, tokenization="word"):
    """Joins tokens back into a text (see `keras_attention.data.detokenize`).

    Example:

    >>> from keras_attention import runtime
    >>> runtime.detokenize(["¿", "que", "tal", "?"])
    '¿que tal?'
    """
    if tokenization == "char":
        return "".join(tokens)
    text = " ".join(tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    return _APOSTROPHE.sub(r"\1'\2", text)


# -- artifacts ---------------------------------------------------------------
def _sidecar_candidates(model_path):
    stem = model_path[: -len(".tflite")] if model_path.endswith(".tflite") else model_path
    return [stem + ".vocab.json", stem + ".json"]


def load_metadata(model_path, metadata_path=None):
    """The export metadata (vocabularies, options) of a `.tflite` file.

    Args:
        model_path: the `.tflite` file.
        metadata_path: its sidecar JSON (default: `<stem>.vocab.json` for a
            translator, `<stem>.json` for a forecaster).

    Returns:
        The metadata dict (`kind`, `signatures`, vocabularies, decoding
        options, ...).

    Example:

    The metadata travels beside the `.tflite` file, as written by
    `keras_attention.export.export_tflite`; without it nothing can be
    decoded, so a missing one is a clear error (copy both files):

    >>> from keras_attention import runtime
    >>> runtime.load_metadata("copied_alone.tflite")
    Traceback (most recent call last):
    ...
    FileNotFoundError: No metadata for 'copied_alone.tflite': looked for ['copied_alone.vocab.json', 'copied_alone.json']. keras_attention.export writes it beside the .tflite file; copy it along.

    The example of `load` reads the metadata of a real export.
    """
    model_path = os.fspath(model_path)
    paths = [os.fspath(metadata_path)] if metadata_path else _sidecar_candidates(model_path)
    for path in paths:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return json.load(f)
    raise FileNotFoundError(
        f"No metadata for {model_path!r}: looked for {paths}. keras_attention.export "
        "writes it beside the .tflite file; copy it along."
    )


def _interpreter(model_path, num_threads):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as e:  # pragma: no cover - depends on the device
        raise ImportError(
            "keras_attention.runtime needs the LiteRT interpreter: "
            "pip install ai-edge-litert"
        ) from e
    if not os.path.exists(model_path):
        raise FileNotFoundError(f"No such .tflite file: {model_path!r}")
    return Interpreter(model_path=os.fspath(model_path), num_threads=num_threads)


class _Runner:
    def __init__(self, model_path, metadata_path=None, num_threads=None):
        self.model_path = os.fspath(model_path)
        self.metadata = load_metadata(self.model_path, metadata_path)
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

    def _batch(self, name, input_name):
        shape = self.runner(name).get_input_details()[input_name]["shape_signature"]
        return int(shape[0]) if int(shape[0]) > 0 else None


class TFLiteTranslator(_Runner):
    """Tokenises text and decodes it with an exported translator.

    Args:
        model_path: the `.tflite` file written by
            `keras_attention.export.export_tflite`.
        metadata_path: its sidecar JSON (default: `<stem>.vocab.json`).
        num_threads: LiteRT CPU threads (default: LiteRT's choice).

    Example:

    A (here untrained) translator exported with greedy and beam search
    inside; the `.tflite` file then gives the same tokens as Keras:

    >>> from keras_attention import export
    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> from keras_attention.runtime import TFLiteTranslator
    >>> vocab = Vocabulary.build([list("0123456789/")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> model.build()
    >>> _ = export.export_tflite(model, "dates.tflite", max_length=8, beam_width=2,
    ...                          endpoints_to_export=["translate_greedy", "translate_beam"])
    >>> translator = TFLiteTranslator("dates.tflite")  # reads dates.vocab.json
    >>> translator.translate("03/03/98") == model.translate("03/03/98", max_length=8)
    True
    >>> out = translator.generate(translator.encode_text("03/03/98"), method="beam")
    >>> out["token_ids"].shape, out["attention"].shape  # (N-best, L), (N, L, S)
    ((1, 8), (1, 8, 8))
    """

    def __init__(self, model_path, metadata_path=None, num_threads=None):
        super().__init__(model_path, metadata_path, num_threads)
        meta = self.metadata
        if meta.get("kind") != "translator":
            raise ValueError(f"{model_path} is not a translator export.")
        self.tokenization = meta["tokenization"]
        self.source_vocabulary = meta.get("source_vocabulary")
        self.target_vocabulary = meta.get("target_vocabulary")
        self._source_index = (
            {t: i for i, t in enumerate(self.source_vocabulary)}
            if self.source_vocabulary
            else None
        )
        ids = meta["special_ids"]
        self.pad_id, self.oov_id = ids["pad"], ids["oov"]
        self.start_id, self.end_id = ids["start"], ids["end"]
        self.max_length = meta["decoding"]["max_length"]

    # -- text <-> ids --------------------------------------------------------
    def encode_text(self, text):
        """A text → source ids (unknown tokens → the OOV id)."""
        if self._source_index is None:
            raise ValueError("This export has no source vocabulary: pass token ids.")
        tokens = tokenize(text, self.tokenization)
        return [self._source_index.get(t, self.oov_id) for t in tokens]

    def decode_ids(self, ids):
        """Target ids → text: stops at the end token, drops padding/start."""
        if self.target_vocabulary is None:
            raise ValueError("This export has no target vocabulary.")
        tokens = []
        for i in ids:
            i = int(i)
            if i == self.end_id:
                break
            if i in (self.pad_id, self.start_id):
                continue
            tokens.append(self.target_vocabulary[i])
        return detokenize(tokens, self.tokenization)

    # -- decoding --------------------------------------------------------------
    def _source_array(self, source_ids, batch):
        ids = np.asarray([int(t) for t in source_ids if int(t) != self.pad_id], np.int32)
        if ids.size == 0:
            raise ValueError("`source_ids` has no tokens: nothing to decode.")
        return np.repeat(ids[None, :], batch or 1, axis=0)

    def generate(self, source_ids, method="greedy"):
        """Decodes one source id sequence with the file's loop.

        Args:
            source_ids: a list / 1-D array of ids (padding zeros are dropped).
            method: `"greedy"` (signature `translate_greedy`) or `"beam"`
                (`translate_beam`, with the beam options chosen at export).

        Returns:
            A dict of numpy arrays without the batch axis: `token_ids`
            `(L,)` (beam: `(N, L)`), `scores`, `lengths`, `attention`
            `(L, S)` (beam: `(N, L, S)`), and `log_probs` for beam search.
        """
        if method not in ("greedy", "beam"):
            raise ValueError(
                f"`method` must be 'greedy' or 'beam'. Received: method={method!r}"
            )
        name = "translate_" + method
        src = self._source_array(source_ids, self._batch(name, "source_ids"))
        out = self.runner(name)(source_ids=src)
        return {k: np.asarray(v)[0] for k, v in out.items()}

    def generate_with_steps(self, source_ids, max_length=None):
        """Greedy decoding with this process's own loop over `decode_step`.

        Shows the two-model split (`encode` once, then `decode_step` per
        token) that an app uses to run its own search; gives the same
        tokens as `generate(..., "greedy")`.

        Returns:
            A dict like `generate`'s (`token_ids`, `scores`, `lengths`,
            `attention`).
        """
        max_length = max_length or self.max_length
        src = self._source_array(source_ids, self._batch("encode", "source_ids"))[:1]
        enc = self.runner("encode")(source_ids=src)
        step = self.runner("decode_step")
        extra = {k: enc[k] for k in ("memory_mask", "keys") if k in enc}
        states = enc["states"]
        token = np.asarray([self.start_id], np.int32)
        ids, weights, score = [], [], 0.0
        for _ in range(max_length):
            out = step(token_ids=token, states=states, memory=enc["memory"], **extra)
            token = out["token_ids"].astype(np.int32)
            score += float(out["scores"][0, token[0]])
            ids.append(int(token[0]))
            weights.append(out["attention"][0])
            states = out["states"]
            if token[0] == self.end_id:
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

    def translate(self, texts, method="greedy", return_attention=False):
        """Translates a text or a list of texts.

        Args:
            texts: a string or a list of strings.
            method: `"greedy"` or `"beam"` (the best hypothesis).
            return_attention: also return, per text, a dict with the
                attention `"weights"` `(output tokens incl. end, source
                tokens)`, `"source_tokens"` and `"output_tokens"`.

        Returns:
            A string (or a list of strings), and with `return_attention`
            the attention dict(s).
        """
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        translations, attentions = [], []
        for text in items:
            ids = self.encode_text(text)
            if not ids:
                raise ValueError(f"Nothing to translate in {text!r}: it has no tokens.")
            out = self.generate(ids, method)
            token_ids, length, weights = out["token_ids"], out["lengths"], out["attention"]
            if token_ids.ndim == 2:  # beam search: the best hypothesis first
                token_ids, length, weights = token_ids[0], length[0], weights[0]
            translations.append(self.decode_ids(token_ids[: int(length)]))
            if return_attention:
                n = int(length)
                attentions.append(
                    {
                        "weights": weights[:n, : len(ids)],
                        "source_tokens": tokenize(text, self.tokenization),
                        "output_tokens": [
                            self.target_vocabulary[int(i)] for i in token_ids[:n]
                        ],
                    }
                )
        if single:
            translations = translations[0]
            attentions = attentions[0] if return_attention else attentions
        return (translations, attentions) if return_attention else translations


class TFLiteForecaster(_Runner):
    """Runs an exported forecaster's `predict` signature.

    Args:
        model_path: the `.tflite` file written by `export_tflite`.
        metadata_path: its sidecar JSON (default: `<stem>.json`).
        num_threads: LiteRT CPU threads.

    Example:

    >>> import numpy as np
    >>> from keras_attention import export
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> from keras_attention.runtime import TFLiteForecaster
    >>> model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> model.build()
    >>> _ = export.export_tflite(model, "forecaster.tflite")
    >>> forecaster = TFLiteForecaster("forecaster.tflite")
    >>> drivers = np.ones((3, 4, 2), "float32")
    >>> past_target = np.ones((3, 3), "float32")  # nowcast: window - 1 values
    >>> out = forecaster.predict(drivers, past_target)
    >>> out["predictions"].shape, out["temporal_attention"].shape
    ((3, 1), (3, 1, 4))
    >>> keras_out = model({"drivers": drivers, "past_target": past_target[..., None]})
    >>> bool(np.allclose(out["predictions"], keras_out, atol=1e-5))
    True
    """

    def __init__(self, model_path, metadata_path=None, num_threads=None):
        super().__init__(model_path, metadata_path, num_threads)
        if self.metadata.get("kind") != "forecaster":
            raise ValueError(f"{model_path} is not a forecaster export.")
        self.window = self.metadata["window"]
        self.num_features = self.metadata["num_features"]
        self.past_target_length = self.metadata["past_target_length"]

    def predict(self, drivers, past_target):
        """Forecasts for a batch of windows.

        Args:
            drivers: `(N, window, num_features)` floats.
            past_target: `(N, past_target_length)` or `(..., 1)` floats.

        Returns:
            A dict of numpy arrays: `predictions` `(N, horizon)` and the
            attention weights (`temporal_attention`, `input_attention`).
        """
        drivers = np.asarray(drivers, np.float32)
        past = np.asarray(past_target, np.float32)
        if drivers.ndim == 2:
            drivers, past = drivers[None], past[None]
        if past.ndim == 2:
            past = past[..., None]
        expected = (self.window, self.num_features)
        if drivers.shape[1:] != expected:
            raise ValueError(
                f"`drivers` must have shape (N, {expected[0]}, {expected[1]}). "
                f"Received: drivers.shape={drivers.shape}"
            )
        if past.shape[1:] != (self.past_target_length, 1):
            raise ValueError(
                f"`past_target` must have shape (N, {self.past_target_length}). "
                f"Received: past_target.shape={np.shape(past_target)}"
            )
        batch = self._batch("predict", "drivers") or len(drivers)
        results = {}
        for start in range(0, len(drivers), batch):
            d, p = drivers[start : start + batch], past[start : start + batch]
            n = len(d)
            if n < batch:  # fixed batch: pad with copies of the last row
                d = np.concatenate([d, np.repeat(d[-1:], batch - n, 0)])
                p = np.concatenate([p, np.repeat(p[-1:], batch - n, 0)])
            out = self.runner("predict")(drivers=d, past_target=p)
            for key, value in out.items():
                results.setdefault(key, []).append(np.asarray(value)[:n])
        return {k: np.concatenate(v) for k, v in results.items()}


def load(model_path, metadata_path=None, num_threads=None):
    """A `TFLiteTranslator` or `TFLiteForecaster`, from the file's metadata.

    Args:
        model_path: the `.tflite` file.
        metadata_path: its sidecar JSON (default: beside the file).
        num_threads: LiteRT CPU threads.

    Returns:
        The runner matching the export's `kind`.

    Example:

    >>> from keras_attention import export, runtime
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> model.build()
    >>> _ = export.export_tflite(model, "forecaster.tflite")
    >>> type(runtime.load("forecaster.tflite")).__name__
    'TFLiteForecaster'
    >>> metadata = runtime.load_metadata("forecaster.tflite")  # forecaster.json
    >>> metadata["kind"], metadata["window"], sorted(metadata["signatures"])
    ('forecaster', 4, ['predict'])
    """
    kind = load_metadata(model_path, metadata_path).get("kind")
    cls = {"translator": TFLiteTranslator, "forecaster": TFLiteForecaster}.get(kind)
    if cls is None:
        raise ValueError(f"{model_path}: unknown export kind {kind!r}.")
    return cls(model_path, metadata_path, num_threads)
