"""The SavedModel's tf.strings tokenizer agrees with the Python one."""

import numpy as np
import pytest
import tensorflow as tf

from keras_attention.data import Vocabulary, text_utils
from keras_attention.models.text_graph import TextGraph
from tests.export.runtime_test import TEXTS

# Not "ΟΔΟΣ": Python lowercases a final capital sigma to "ς" (context
# dependent), the graph to "σ" — a documented gap (docs/export.md).
SENTENCES = [t for t in TEXTS[:-1] if "Σ" not in t] + [
    "¿Dónde está la biblioteca?",
    "Ça coûte 20 €, n'est-ce pas ?",
    "I can't believe it's not butter!",
    "naïve café résumé — ok",
]


@pytest.mark.parametrize("tokenization", ["word", "char"])
def test_tokenize_encode_decode_match_python(tokenization):
    tokens = [text_utils.tokenize(t, tokenization) for t in SENTENCES]
    vocab = Vocabulary.build(tokens[::2])  # leave some tokens out: OOV
    graph = TextGraph(tokenization, vocab.tokens, vocab.tokens)
    got = graph.tokenize(tf.constant(SENTENCES)).to_list()
    assert [[t.decode("utf-8") for t in row] for row in got] == tokens
    ids = graph.encode(tf.constant(SENTENCES)).numpy()
    for row, toks in zip(ids, tokens, strict=True):
        assert row[: len(toks)].tolist() == vocab.encode(toks)
        assert not row[len(toks):].any()
    # Decoding stops at the end token and skips start/padding.
    target = [vocab.encode(t, add_start=True, add_end=True) + [0, 5] for t in tokens]
    width = max(len(t) for t in target)
    arr = np.zeros((len(target), width), "int32")
    for i, t in enumerate(target):
        arr[i, : len(t)] = t
    texts = [t.decode("utf-8") for t in graph.decode(tf.constant(arr)).numpy()]
    expected = [
        text_utils.detokenize(vocab.decode(t), tokenization) for t in target
    ]
    assert texts == expected


def test_empty_batch_rows_are_padding():
    graph = TextGraph("char", ["", "[UNK]", "[START]", "[END]", "a"], ["", "[UNK]",
                      "[START]", "[END]", "a"])
    ids = graph.encode(tf.constant(["", ""])).numpy()
    assert ids.shape == (2, 1) and not ids.any()
