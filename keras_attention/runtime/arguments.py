"""Argument helpers the preprocessors share.

`_vocabulary` turns a vocabulary argument (a `Vocabulary`, a token list, a
config dict or `None`) into a `Vocabulary` or `None`; `_short` is a value's
repr cut short for error messages.
"""

from .vocabulary import Vocabulary


def _vocabulary(name, vocabulary):
    if vocabulary is None or isinstance(vocabulary, Vocabulary):
        return vocabulary
    if isinstance(vocabulary, dict) and "tokens" in vocabulary:
        vocabulary = vocabulary["tokens"]
    if isinstance(vocabulary, (list, tuple)):
        try:
            return Vocabulary(vocabulary)
        except ValueError as e:
            raise ValueError(f"`{name}` is not a valid vocabulary: {e}") from None
    raise ValueError(
        f"`{name}` must be a Vocabulary, a list of tokens or None. "
        f"Received: {name} of type {type(vocabulary).__name__}"
    )


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
