"""Text normalisation and tokenization (defined in `keras_attention.runtime.text`)."""

from keras_attention.runtime.text import (  # noqa: F401 (public names of this module)
    TOKENIZATIONS,
    detokenize,
    normalize_text,
    tokenize,
    validate_tokenization,
)
