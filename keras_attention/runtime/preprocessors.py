"""The preprocessors of the model families: raw inputs ↔ model arrays.

Plain Python and numpy (no Keras, no TensorFlow): the same objects serve the
Keras models (each model holds one and saves it in its config) and the
LiteRT runtime on a device (built from the export's metadata). Each has
`get_config()` / `from_config()`.

- `TextPreprocessor` (here): tokenization and the source / target
  vocabularies of a translator; text → padded source ids (with
  out-of-vocabulary counts), target ids → text.
- `SeriesPreprocessor` (`series_preprocessor.py`): the columns and the
  fitted scaler of a forecaster; a table → scaled model inputs, scaled
  predictions → the target's units.
- `ImagePreprocessor` (`image_preprocessor.py`): the image size, pixel
  scaling and word vocabulary of a captioner; image files or arrays →
  model-sized float arrays, caption ids → text.

This module re-exports the names of those modules, so that
`from .preprocessors import ...` reaches every preprocessor.
"""

import numbers

import numpy as np

from .arguments import _short, _vocabulary
from .image_preprocessor import (  # noqa: F401 (re-exported)
    IMAGE_SUFFIXES,
    ImagePreprocessor,
    read_image,
)
from .series_preprocessor import (  # noqa: F401 (re-exported)
    SCALINGS,
    SeriesPreprocessor,
    check_drivers_shape,
    first_non_finite,
)
from .text import detokenize, tokenize, validate_tokenization
from .vocabulary import END_ID, OOV_ID, PAD_ID, START_ID


class EncodedSources:
    """Source rows ready for a translator, with what was lost on the way.

    Attributes:
        ids: list of id lists (no padding).
        tokens: list of token lists (texts), or None (id inputs).
        oov: per input, the tokens the vocabulary does not know.
        single: whether the input was one string (results are unwrapped).

    Example:

    >>> from keras_attention.runtime import TextPreprocessor
    >>> pre = TextPreprocessor(["", "[UNK]", "[START]", "[END]", "a", "b"], None, "char")
    >>> encoded = pre.encode_sources("abc")
    >>> encoded.ids, encoded.oov, encoded.single
    ([[4, 5, 1]], [['c']], True)
    >>> encoded.oov_count, encoded.token_count
    (1, 3)
    """

    def __init__(self, ids, tokens, oov, single):
        self.ids, self.tokens, self.oov, self.single = ids, tokens, oov, single

    @property
    def oov_count(self):
        return sum(len(o) for o in self.oov)

    @property
    def token_count(self):
        return sum(len(r) for r in self.ids)

    def oov_message(self):
        """A one-line warning about the unknown tokens, or None if there are none."""
        if not self.oov_count:
            return None
        unknown = sorted({t for row in self.oov for t in row})
        rate = self.oov_count / self.token_count
        return (
            f"{self.oov_count} of {self.token_count} source tokens are not in the "
            f"model's source vocabulary ({rate:.0%}), e.g. {unknown[:5]}; they are "
            "read as [UNK] and the translation may be wrong."
        )


class TextPreprocessor:
    """Text ↔ token ids for a translator: tokenization and vocabularies.

    Ids 0–3 are padding, out-of-vocabulary, start and end (see
    `keras_attention.data.Vocabulary`).

    Args:
        source_vocabulary: token list or `Vocabulary` of the source side
            (`None`: the model reads token ids only).
        target_vocabulary: token list or `Vocabulary` of the target side
            (`None`: the model writes token ids only).
        tokenization: `"word"` or `"char"` (see `keras_attention.data.tokenize`).

    Example:

    >>> from keras_attention.runtime import TextPreprocessor
    >>> pre = TextPreprocessor(["", "[UNK]", "[START]", "[END]", "3", "/"],
    ...                        ["", "[UNK]", "[START]", "[END]", "-"], "char")
    >>> encoded = pre.encode_sources(["3/3", "3?"])
    >>> encoded.ids, encoded.oov
    ([[4, 5, 4], [4, 1]], [[], ['?']])
    >>> pre.pad(encoded.ids)
    array([[4, 5, 4],
           [4, 1, 0]], dtype=int32)
    >>> pre.decode_target([4, 4, 3, 0])
    '--'
    """

    def __init__(self, source_vocabulary=None, target_vocabulary=None, tokenization="word"):
        self.source_vocabulary = _vocabulary("source_vocabulary", source_vocabulary)
        self.target_vocabulary = _vocabulary("target_vocabulary", target_vocabulary)
        self.tokenization = validate_tokenization(tokenization)

    # -- source side ---------------------------------------------------------
    def encode_sources(self, inputs, argument="texts", vocabulary_size=None):
        """Texts or id lists → `EncodedSources`, refusing what cannot be decoded.

        Args:
            inputs: a string, a list of strings, a list of token-id lists or
                an int array `(N, S)` (0 = padding).
            argument: the caller's argument name, for error messages.
            vocabulary_size: ids must lie in `[0, vocabulary_size)` (default:
                the source vocabulary's size, if any).

        Returns:
            An `EncodedSources`.
        """
        single = isinstance(inputs, str)
        size = vocabulary_size or (
            len(self.source_vocabulary) if self.source_vocabulary is not None else None
        )
        if single:
            inputs = [inputs]
        elif isinstance(inputs, np.ndarray):
            if inputs.dtype.kind not in "iu":
                raise ValueError(
                    f"`{argument}` must hold integer token ids. Received: an array "
                    f"of dtype {inputs.dtype}"
                )
            inputs = [row[row != PAD_ID].tolist() for row in np.atleast_2d(inputs)]
        if inputs is None or not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"`{argument}` must be a string, a list of strings or a list of "
                f"token-id lists. Received: {argument}={_short(inputs)}"
            )
        items = list(inputs)
        if not items:
            raise ValueError(f"`{argument}` is empty: nothing to translate. Received: []")
        if all(isinstance(t, str) for t in items):
            return self._encode_texts(items, argument, single)
        ids = []
        for i, row in enumerate(items):
            if isinstance(row, str) or not isinstance(row, (list, tuple, np.ndarray)):
                raise ValueError(
                    f"`{argument}` must be all strings or all token-id lists. "
                    f"Received: {argument}[{i}]={_short(row)}"
                )
            clean = []
            values = row.reshape(-1).tolist() if isinstance(row, np.ndarray) else list(row)
            for j, token in enumerate(values):
                if isinstance(token, bool) or not isinstance(token, numbers.Integral):
                    raise ValueError(
                        f"`{argument}` must hold integer token ids. Received: "
                        f"{argument}[{i}][{j}]={token!r}"
                    )
                if token < 0 or (size is not None and token >= size):
                    bound = f"[0, {size})" if size is not None else ">= 0"
                    raise ValueError(
                        f"`{argument}` must hold token ids in {bound}. Received: "
                        f"{argument}[{i}][{j}]={token}"
                    )
                if token != PAD_ID:
                    clean.append(int(token))
            if not clean:
                raise ValueError(
                    f"Input {i} of `{argument}` has no tokens: nothing to translate. "
                    f"Received: {argument}[{i}]={_short(row)}"
                )
            ids.append(clean)
        oov = [[] for _ in ids]
        return EncodedSources(ids, None, oov, single)

    def _encode_texts(self, texts, argument, single):
        if self.source_vocabulary is None:
            raise ValueError(
                "Text input needs the model's `source_vocabulary`; this model has "
                f"none. Pass token ids in `{argument}` instead."
            )
        ids, tokens, oov = [], [], []
        for i, text in enumerate(texts):
            row_tokens = tokenize(text, self.tokenization)
            # Only white space (char tokenization keeps spaces as tokens) is
            # nothing to translate either.
            if not row_tokens or not text.strip():
                raise ValueError(
                    f"Input {i} of `{argument}` is empty after normalisation: "
                    f"nothing to translate. Received: {argument}[{i}]={_short(text)}"
                )
            row = self.source_vocabulary.encode(row_tokens)
            tokens.append(row_tokens)
            ids.append(row)
            oov.append([t for t, j in zip(row_tokens, row, strict=True) if j == OOV_ID])
        return EncodedSources(ids, tokens, oov, single)

    @staticmethod
    def pad(rows, length=None):
        """Id lists → int32 `(N, length)` padded with 0 (default: the longest)."""
        length = length or max(len(r) for r in rows)
        batch = np.zeros((len(rows), length), "int32")
        for i, row in enumerate(rows):
            batch[i, : len(row)] = row
        return batch

    def source_labels(self, ids, tokens=None):
        """Labels of source positions (tokens, or vocabulary entries, or ids)."""
        if tokens is not None:
            return list(tokens)
        if self.source_vocabulary is not None:
            return [self.source_vocabulary.id_to_token(t) for t in ids]
        return [str(t) for t in ids]

    # -- target side ---------------------------------------------------------
    def target_labels(self, ids):
        """Labels of output tokens (end token included), or ids as strings."""
        if self.target_vocabulary is None:
            return [str(int(t)) for t in ids]
        return [self.target_vocabulary.id_to_token(int(t)) for t in ids]

    def decode_target(self, ids):
        """Target ids → text: stops at the end token, drops padding and start."""
        if self.target_vocabulary is None:
            raise ValueError(
                "Writing text needs the model's `target_vocabulary`; this model "
                "has none. Use the token ids instead."
            )
        return detokenize(self.target_vocabulary.decode(ids), self.tokenization)

    special_ids = {"pad": PAD_ID, "oov": OOV_ID, "start": START_ID, "end": END_ID}

    def get_config(self):
        return {
            "source_vocabulary": None
            if self.source_vocabulary is None
            else self.source_vocabulary.tokens,
            "target_vocabulary": None
            if self.target_vocabulary is None
            else self.target_vocabulary.tokens,
            "tokenization": self.tokenization,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        sizes = [
            None if v is None else len(v)
            for v in (self.source_vocabulary, self.target_vocabulary)
        ]
        return (
            f"TextPreprocessor(source={sizes[0]} tokens, target={sizes[1]} tokens, "
            f"tokenization={self.tokenization!r})"
        )


#: The preprocessors by class name (as export metadata names them).
PREPROCESSORS = {
    cls.__name__: cls for cls in (TextPreprocessor, SeriesPreprocessor, ImagePreprocessor)
}
