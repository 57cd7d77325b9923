"""Text normalisation, tokenization and detokenization (pure Python).

Two tokenizations are supported everywhere (data loaders, the translator's
`translate()` and the evaluation):

- `"word"`: Unicode NFKD, accents dropped, lowercase, punctuation split into
  its own tokens, split on whitespace. `"¿Qué tal?"` → `["¿", "que", "tal", "?"]`.
- `"char"`: the characters of the text (NFC, case kept), spaces included.
  Used by the date task.
"""

import re
import unicodedata

TOKENIZATIONS = ("word", "char")

_WORD_OR_PUNCT = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:%)\]}'])")
_NO_SPACE_AFTER = re.compile(r"([¿¡(\[{$]) ")
_APOSTROPHE = re.compile(r"(\w)' (\w)")


def validate_tokenization(tokenization):
    if tokenization not in TOKENIZATIONS:
        raise ValueError(
            "`tokenization` must be one of 'word', 'char'. "
            f"Received: tokenization={tokenization!r}"
        )
    return tokenization


def normalize_text(text):
    """NFKD, accents (combining marks) removed, lowercase, spaces collapsed.

    Args:
        text: a string.

    Returns:
        The normalised string (what `"word"` tokenization splits).

    Example:

    >>> from keras_attention.data import normalize_text
    >>> normalize_text("  ¿Qué  TAL?  ")
    '¿que tal?'
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


def tokenize(text, tokenization="word"):
    """Splits a text into tokens (see the module docstring).

    Args:
        text: a string.
        tokenization: `"word"` (normalised words and punctuation) or
            `"char"` (the NFC characters, spaces and case kept).

    Returns:
        A list of token strings.

    Example:

    >>> from keras_attention.data import tokenize
    >>> tokenize("¿Qué tal?")
    ['¿', 'que', 'tal', '?']
    >>> tokenize("3 Mar", "char")
    ['3', ' ', 'M', 'a', 'r']
    """
    if not isinstance(text, str):
        raise ValueError(
            f"`text` must be a string. Received: {text!r} of type {type(text).__name__}"
        )
    if tokenization == "char":
        return list(unicodedata.normalize("NFC", text))
    validate_tokenization(tokenization)
    return _WORD_OR_PUNCT.findall(normalize_text(text))


def detokenize(tokens, tokenization="word"):
    """Joins tokens back into a text.

    Word level: tokens joined by spaces, then no space before closing
    punctuation (`. , ! ? ; : ) '`), after opening marks (`¿ ¡ (`) and
    around an apostrophe between letters, e.g. `["¿", "que", "tal", "?"]` →
    `"¿que tal?"`, `["don", "'", "t"]` → `"don't"`.

    Args:
        tokens: a list of token strings.
        tokenization: `"word"` or `"char"` (tokens concatenated).

    Returns:
        A string.

    Example:

    >>> from keras_attention.data import detokenize
    >>> detokenize(["¿", "que", "tal", "?"])
    '¿que tal?'
    >>> detokenize(["i", "don", "'", "t", "know", "."])
    "i don't know."
    >>> detokenize(list("1998-03-03"), "char")
    '1998-03-03'
    """
    if tokenization == "char":
        return "".join(tokens)
    validate_tokenization(tokenization)
    text = " ".join(tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    return _APOSTROPHE.sub(r"\1'\2", text)
