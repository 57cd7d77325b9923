"""Token vocabularies (defined in `keras_attention.runtime.vocabulary`)."""

from keras_attention.runtime.vocabulary import (  # noqa: F401 (public names of this module)
    END_ID,
    END_TOKEN,
    OOV_ID,
    OOV_TOKEN,
    PAD_ID,
    PAD_TOKEN,
    SPECIAL_TOKENS,
    START_ID,
    START_TOKEN,
    Vocabulary,
)
