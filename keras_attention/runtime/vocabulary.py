"""A token vocabulary with padding, OOV, start and end tokens (pure Python)."""

import collections
import json

from .files import atomic_write_bytes

PAD_TOKEN = ""
OOV_TOKEN = "[UNK]"
START_TOKEN = "[START]"
END_TOKEN = "[END]"
SPECIAL_TOKENS = (PAD_TOKEN, OOV_TOKEN, START_TOKEN, END_TOKEN)
PAD_ID, OOV_ID, START_ID, END_ID = 0, 1, 2, 3


class Vocabulary:
    """Maps tokens to integer ids and back.

    Ids 0–3 are reserved: `0` padding (`""`), `1` out-of-vocabulary
    (`"[UNK]"`), `2` start (`"[START]"`), `3` end (`"[END]"`). The other
    tokens follow by decreasing frequency (ties in alphabetical order), so a
    vocabulary built from the same data is always the same.

    The class is plain Python (no TensorFlow): `Seq2SeqTranslator` stores the
    token lists in its config, so a saved model can translate text.

    Args:
        tokens: the full token list, including the 4 reserved tokens at ids
            0–3 (as returned by `tokens`).

    Example:

    >>> from keras_attention.data import Vocabulary
    >>> vocab = Vocabulary.build([["a", "b", "a"], ["c"]], max_size=5)
    >>> vocab.tokens
    ['', '[UNK]', '[START]', '[END]', 'a']
    >>> vocab.encode(["a", "z"], add_start=True, add_end=True)
    [2, 4, 1, 3]
    >>> vocab.decode([4, 1, 3, 0])
    ['a', '[UNK]']
    """

    def __init__(self, tokens):
        tokens = list(tokens)
        if tuple(tokens[:4]) != SPECIAL_TOKENS:
            raise ValueError(
                "`tokens` must start with the reserved tokens "
                f"{list(SPECIAL_TOKENS)}. Received: tokens[:4]={tokens[:4]!r}"
            )
        bad = [t for t in tokens if not isinstance(t, str)]
        if bad:
            raise ValueError(
                f"`tokens` must be strings. Received: {bad[0]!r} "
                f"of type {type(bad[0]).__name__}"
            )
        index = {}
        for i, token in enumerate(tokens):
            if token in index:
                raise ValueError(
                    f"`tokens` must not repeat a token. Received: {token!r} at "
                    f"ids {index[token]} and {i}"
                )
            index[token] = i
        self._tokens = tokens
        self._index = index

    @classmethod
    def build(cls, token_lists, max_size=None, min_count=1):
        """Builds a vocabulary from tokenized texts.

        Args:
            token_lists: iterable of token lists (e.g. the training split).
            max_size: maximum vocabulary size, the 4 reserved tokens
                included (`None`: no cap). Must be at least 4.
            min_count: tokens seen fewer times are left out (mapped to OOV).

        Returns:
            A `Vocabulary`.
        """
        if max_size is not None and (
            isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 4
        ):
            raise ValueError(
                "`max_size` must be an integer >= 4 (the padding, OOV, start and "
                f"end tokens take 4 ids), or None. Received: max_size={max_size!r}"
            )
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ValueError(
                f"`min_count` must be a positive integer. Received: min_count={min_count!r}"
            )
        counts = collections.Counter()
        for tokens in token_lists:
            counts.update(tokens)
        for special in SPECIAL_TOKENS:
            counts.pop(special, None)
        ranked = sorted(
            (t for t, c in counts.items() if c >= min_count),
            key=lambda t: (-counts[t], t),
        )
        if max_size is not None:
            ranked = ranked[: max_size - len(SPECIAL_TOKENS)]
        return cls(list(SPECIAL_TOKENS) + ranked)

    @property
    def tokens(self):
        """The token list; `tokens[i]` is the token of id `i`."""
        return list(self._tokens)

    def __len__(self):
        return len(self._tokens)

    @property
    def size(self):
        return len(self._tokens)

    def token_to_id(self, token):
        return self._index.get(token, OOV_ID)

    def id_to_token(self, token_id):
        token_id = int(token_id)
        if not 0 <= token_id < len(self._tokens):
            raise ValueError(
                f"`token_id` must be in [0, {len(self._tokens)}). "
                f"Received: token_id={token_id}"
            )
        return self._tokens[token_id]

    def encode(self, tokens, add_start=False, add_end=False):
        """Token list → id list (unknown tokens → 1)."""
        ids = [self._index.get(t, OOV_ID) for t in tokens]
        if add_start:
            ids = [START_ID] + ids
        if add_end:
            ids = ids + [END_ID]
        return ids

    def decode(self, ids, stop_at_end=True):
        """Id list → token list, without padding and start tokens.

        Decoding stops at the first end token when `stop_at_end` (the end
        token itself is dropped).
        """
        out = []
        for i in ids:
            i = int(i)
            if i == END_ID and stop_at_end:
                break
            if i in (PAD_ID, START_ID, END_ID):
                continue
            out.append(self.id_to_token(i))
        return out

    def get_config(self):
        return {"tokens": self.tokens}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def save(self, path):
        """Writes the token list as JSON (atomically)."""
        data = json.dumps(self.get_config(), ensure_ascii=False, indent=0)
        return atomic_write_bytes(path, data.encode("utf-8"))

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls.from_config(json.load(f))

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self._tokens == other._tokens

    def __repr__(self):
        return f"Vocabulary(size={len(self)})"
