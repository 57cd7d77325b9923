"""Tokenization and detokenization as TensorFlow string ops (SavedModel only).

The SavedModel's string→string `translate` endpoint must do in the graph
what `keras_attention.runtime.text` does in Python, with core `tf.strings`
ops only (no tensorflow-text):

- `"char"`: the characters of the text. Python also applies NFC, which core
  TF cannot; text that is already NFC (nearly all typed text) is unaffected.
- `"word"`: Python's NFKD + accent stripping + lowercasing is precomputed
  per character into a lookup table (Basic Multilingual Plane), spaces are
  collapsed, every character that is not a letter, digit, `_` or space
  becomes its own token. Known gaps: characters outside the BMP, and
  context-dependent lowercasing (Greek final sigma).

`tests/export/text_graph_test.py` checks both against the Python tokenizer.
"""

import functools
import unicodedata

import tensorflow as tf

from keras_attention.runtime.vocabulary import END_ID, OOV_ID, PAD_ID, START_ID

# Marks "this character maps to itself" in the normalisation table.
_KEEP = "\x00"


@functools.lru_cache(maxsize=1)
def _word_normalization_table():
    keys, values = [], []
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        char = chr(cp)
        if char.isspace():
            mapped = " "
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            mapped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
        if mapped != char:
            keys.append(char)
            values.append(mapped)
    return keys, values


class TextGraph:
    """String ↔ id conversion for one translator, as TF ops.

    Args:
        tokenization: `"char"` or `"word"`.
        source_vocabulary, target_vocabulary: token lists (ids are indices).
    """

    def __init__(self, tokenization, source_vocabulary, target_vocabulary):
        self.tokenization = tokenization
        self.source_table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(source_vocabulary, tf.string),
                tf.range(len(source_vocabulary), dtype=tf.int64),
            ),
            default_value=tf.constant(OOV_ID, tf.int64),
        )
        self.target_tokens = tf.constant(target_vocabulary, tf.string)
        self.normalization_table = None
        if tokenization == "word":
            keys, values = _word_normalization_table()
            self.normalization_table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(keys, tf.string), tf.constant(values, tf.string)
                ),
                default_value=_KEEP,
            )

    @property
    def resources(self):
        """The lookup tables, to track in the exported archive."""
        return [t for t in (self.source_table, self.normalization_table) if t is not None]

    def tokenize(self, text):
        """`(B,)` strings → ragged `(B, None)` tokens."""
        chars = tf.strings.unicode_split(text, "UTF-8", errors="replace")
        if self.tokenization == "char":
            return chars
        flat = chars.flat_values
        mapped = self.normalization_table.lookup(flat)
        flat = tf.where(tf.equal(mapped, _KEEP), flat, mapped)
        text = tf.strings.reduce_join(chars.with_flat_values(flat), axis=-1)
        text = tf.strings.regex_replace(text, " +", " ")
        # Every non-word, non-space character is a token of its own.
        text = tf.strings.regex_replace(text, r"([^\p{L}\p{N}_ ])", r" \1 ")
        return tf.strings.split(tf.strings.strip(text))

    def encode(self, text):
        """`(B,)` strings → int32 `(B, S)` source ids, 0-padded."""
        tokens = self.tokenize(text)
        ids = tf.ragged.map_flat_values(self.source_table.lookup, tokens)
        ids = tf.cast(ids, tf.int32).to_tensor(default_value=PAD_ID)
        # A batch of empty strings still needs one (padding) position.
        return tf.cond(
            tf.shape(ids)[1] > 0,
            lambda: ids,
            lambda: tf.zeros([tf.shape(ids)[0], 1], tf.int32),
        )

    def decode(self, token_ids):
        """int `(B, L)` ids → `(B,)` strings, as `Vocabulary.decode` + detokenize."""
        token_ids = tf.cast(token_ids, tf.int32)
        is_end = tf.equal(token_ids, END_ID)
        before_end = tf.equal(tf.cumsum(tf.cast(is_end, tf.int32), axis=-1), 0)
        special = (
            tf.equal(token_ids, PAD_ID)
            | tf.equal(token_ids, START_ID)
            | is_end
        )
        keep = before_end & ~special
        tokens = tf.ragged.boolean_mask(tf.gather(self.target_tokens, token_ids), keep)
        if self.tokenization == "char":
            return tf.strings.reduce_join(tokens, axis=-1)
        text = tf.strings.reduce_join(tokens, axis=-1, separator=" ")
        text = tf.strings.regex_replace(text, r" ([.,!?;:%)\]}'])", r"\1")
        text = tf.strings.regex_replace(text, r"([¿¡(\[{$]) ", r"\1")
        return tf.strings.regex_replace(
            text, r"([\p{L}\p{N}_])' ([\p{L}\p{N}_])", r"\1'\2"
        )


def translate_endpoint(model, max_length):
    """The SavedModel's text → text `translate` endpoint of a translator.

    Greedy decoding of `model.generate` between this module's tokenization
    and detokenization graphs; the lookup tables are the endpoint's
    resources (tracked by the SavedModel).
    """
    from keras_attention.models import samplers
    from keras_attention.models.task import Endpoint

    text_graph = TextGraph(model.tokenization, model.source_vocabulary, model.target_vocabulary)
    sampler = samplers.GreedySampler()

    def translate(text):
        out = model.generate(text_graph.encode(text), sampler=sampler, max_length=max_length)
        return {
            "translation": text_graph.decode(out["token_ids"]),
            "token_ids": out["token_ids"],
            "scores": out["scores"],
        }

    return Endpoint(
        translate,
        [("text", [None], "string")],
        {"translation": "text", "token_ids": "tokens", "scores": "scores"},
        True,
        resources=tuple(text_graph.resources),
    )
