"""Sentence pairs (Anki/ManyThings format), vectorization and `tf.data` bucketing.

The Anki format (www.manythings.org/anki) is one pair per line,
`english<TAB>translation[<TAB>attribution]`, UTF-8. Files may be plain text,
`.xz`, `.gz` or `.zip` (the first `.txt` member that is not `_about.txt`).

TensorFlow is imported only inside `make_dataset`.
"""

import gzip
import io
import lzma
import os
import zipfile

import numpy as np

from keras_attention.data import text_utils
from keras_attention.data.vocabulary import END_ID, PAD_ID, START_ID, Vocabulary


class TextPairsError(ValueError):
    """A malformed line in a sentence-pair file (the message names file and line)."""


def _open_text(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"Sentence-pair file not found. Received: path={path!r}"
        )
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"`path` must be a file, not a folder. Received: path={path!r}"
        )
    lower = path.lower()
    if lower.endswith(".xz"):
        return lzma.open(path, "rb")
    if lower.endswith(".gz"):
        return gzip.open(path, "rb")
    if lower.endswith(".zip"):
        archive = zipfile.ZipFile(path)
        members = [
            n
            for n in archive.namelist()
            if n.lower().endswith(".txt")
            and not os.path.basename(n).startswith("_")
        ]
        if not members:
            raise TextPairsError(
                f"{path}: the zip archive holds no .txt file of sentence pairs "
                f"(members: {archive.namelist()[:10]})"
            )
        return io.BytesIO(archive.read(members[0]))
    return open(path, "rb")


def count_words(text):
    """Whitespace-separated words of a raw text (the length used for buckets)."""
    return len(text.split())


def load_text_pairs(path, max_pairs=None, errors="strict"):
    """Reads `english<TAB>translation[<TAB>attribution]` lines.

    Args:
        path: a `.txt`, `.txt.xz`, `.txt.gz` or `.zip` file.
        max_pairs: read at most this many pairs (the first ones), or `None`.
        errors: `"strict"` raises `TextPairsError` on an empty line, a line
            without a tab or with an empty side, naming the file and line;
            `"skip"` drops such lines.

    Returns:
        A list of `(english, translation)` string pairs, in file order.

    Example:

    >>> from keras_attention.data import load_text_pairs
    >>> with open("spa.txt", "w", encoding="utf-8") as f:
    ...     _ = f.write("Go.\\tVe.\\tCC-BY 2.0 (France) Attribution: tatoeba.org\\n"
    ...                 "Hi.\\tHola.\\n")
    >>> load_text_pairs("spa.txt")
    [('Go.', 'Ve.'), ('Hi.', 'Hola.')]
    >>> with open("bad.txt", "w", encoding="utf-8") as f:
    ...     _ = f.write("Go. Ve.\\n")
    >>> load_text_pairs("bad.txt")
    Traceback (most recent call last):
    ...
    keras_attention.data.text_pairs.TextPairsError: bad.txt:1: no tab between the two sentences; expected 'english<TAB>translation[<TAB>attribution]'. Received: 'Go. Ve.'
    """
    if errors not in ("strict", "skip"):
        raise ValueError(
            f"`errors` must be 'strict' or 'skip'. Received: errors={errors!r}"
        )
    if max_pairs is not None and (
        isinstance(max_pairs, bool) or not isinstance(max_pairs, int) or max_pairs < 1
    ):
        raise ValueError(
            f"`max_pairs` must be a positive integer or None. Received: max_pairs={max_pairs!r}"
        )
    path = os.fspath(path)
    pairs = []
    with _open_text(path) as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise TextPairsError(
                    f"{path}:{lineno}: not valid UTF-8 ({e.reason} at byte {e.start})"
                ) from None
            line = line.rstrip("\r\n")
            problem = None
            if not line.strip():
                problem = "empty line"
            elif "\t" not in line:
                problem = "no tab between the two sentences"
            else:
                fields = line.split("\t")
                english, other = fields[0].strip(), fields[1].strip()
                if not english or not other:
                    problem = "empty sentence on one side of the tab"
            if problem is not None:
                if errors == "skip":
                    continue
                raise TextPairsError(
                    f"{path}:{lineno}: {problem}; expected "
                    f"'english<TAB>translation[<TAB>attribution]'. "
                    f"Received: {line[:60]!r}"
                )
            pairs.append((english, other))
            if max_pairs is not None and len(pairs) >= max_pairs:
                break
    if not pairs:
        raise TextPairsError(
            f"{path}: no sentence pairs found (the file is empty"
            + (" or every line was skipped" if errors == "skip" else "")
            + f"). Received: path={path!r}"
        )
    return pairs


def split_pairs(pairs, validation_fraction=0.1, test_fraction=0.1, seed=0):
    """Deterministic train/validation/test split that never splits a source.

    Pairs are grouped by their source sentence (the first element), and the
    groups are shuffled with `seed` and cut by the fractions, so the same
    source (with its several translations) never lands in two splits.

    Args:
        pairs: `(source, target)` pairs.
        validation_fraction, test_fraction: fractions of the distinct source
            sentences in each split, in [0, 1), summing to less than 1.
        seed: the shuffling seed; the same seed gives the same split.

    Returns:
        `{"train": [...], "validation": [...], "test": [...]}`, each a list of
        pairs in a seeded random order.

    Example:

    >>> from keras_attention.data import split_pairs
    >>> pairs = [(f"source {i}", f"target {i}") for i in range(10)]
    >>> pairs.append(("source 0", "another target 0"))
    >>> splits = split_pairs(pairs, validation_fraction=0.2, test_fraction=0.2)
    >>> {name: len(splits[name]) for name in ("train", "validation", "test")}
    {'train': 7, 'validation': 2, 'test': 2}
    >>> sources = {name: {s for s, _ in split} for name, split in splits.items()}
    >>> sources["train"] & (sources["validation"] | sources["test"])  # disjoint
    set()
    """
    for name, value in (
        ("validation_fraction", validation_fraction),
        ("test_fraction", test_fraction),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            0.0 <= value < 1.0
        ):
            raise ValueError(
                f"`{name}` must be a float in [0, 1). Received: {name}={value!r}"
            )
    if validation_fraction + test_fraction >= 1.0:
        raise ValueError(
            "`validation_fraction + test_fraction` must be below 1. Received: "
            f"{validation_fraction} + {test_fraction}"
        )
    groups = {}
    for pair in pairs:
        groups.setdefault(pair[0], []).append(pair)
    keys = list(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    n_test = int(round(len(keys) * test_fraction))
    n_val = int(round(len(keys) * validation_fraction))
    if keys and n_test + n_val >= len(keys):
        raise ValueError(
            "`validation_fraction` and `test_fraction` leave no sentence pair for "
            f"training: {len(keys)} distinct source sentences, {n_val} for validation "
            f"and {n_test} for test. Received: validation_fraction={validation_fraction}, "
            f"test_fraction={test_fraction}"
        )
    cuts = {
        "test": order[:n_test],
        "validation": order[n_test : n_test + n_val],
        "train": order[n_test + n_val :],
    }
    return {
        split: [p for i in idx for p in groups[keys[i]]] for split, idx in cuts.items()
    }


def tokenize_pairs(pairs, tokenization="word"):
    """`[(source, target)]` → `([source tokens], [target tokens])`."""
    text_utils.validate_tokenization(tokenization)
    sources = [text_utils.tokenize(s, tokenization) for s, _ in pairs]
    targets = [text_utils.tokenize(t, tokenization) for _, t in pairs]
    return sources, targets


def build_vocabularies(
    pairs, tokenization="word", source_max_size=None, target_max_size=None, min_count=1
):
    """Source and target `Vocabulary` built from (training) pairs.

    Args:
        pairs: `(source, target)` strings, normally the training split.
        tokenization: `"word"` or `"char"`.
        source_max_size, target_max_size: caps on the vocabulary sizes (the
            4 reserved ids included, so at least 4), or `None`.
        min_count: tokens seen fewer times map to `[UNK]`.

    Returns:
        `(source_vocabulary, target_vocabulary)`, two `Vocabulary` objects
        whose first four ids are padding, `[UNK]`, `[START]` and `[END]`.

    Example:

    >>> from keras_attention.data import build_vocabularies
    >>> pairs = [("hola .", "hello ."), ("adios .", "bye .")]
    >>> source_vocab, target_vocab = build_vocabularies(pairs, "word")
    >>> source_vocab.tokens
    ['', '[UNK]', '[START]', '[END]', '.', 'adios', 'hola']
    >>> len(target_vocab)
    7
    """
    sources, targets = tokenize_pairs(pairs, tokenization)
    return (
        Vocabulary.build(sources, max_size=source_max_size, min_count=min_count),
        Vocabulary.build(targets, max_size=target_max_size, min_count=min_count),
    )


def encode_pairs(pairs, source_vocabulary, target_vocabulary, tokenization="word"):
    """Pairs → lists of id lists: sources, and targets framed by start/end.

    Args:
        pairs: `(source, target)` string pairs.
        source_vocabulary, target_vocabulary: `Vocabulary` objects (e.g.
            from `build_vocabularies`); unknown tokens become `[UNK]` (1).
        tokenization: `"word"` or `"char"`.

    Returns:
        `(source_ids, target_ids)`; each target is `[START, y_1 … y_n, END]`.

    Example:

    >>> from keras_attention.data import build_vocabularies, encode_pairs
    >>> pairs = [("hola .", "hello ."), ("adios .", "bye .")]
    >>> source_vocab, target_vocab = build_vocabularies(pairs, "word")
    >>> encode_pairs([("hola amigo .", "hello .")], source_vocab, target_vocab)
    ([[6, 1, 4]], [[2, 6, 4, 3]])
    """
    sources, targets = tokenize_pairs(pairs, tokenization)
    return (
        [source_vocabulary.encode(s) for s in sources],
        [target_vocabulary.encode(t, add_start=True, add_end=True) for t in targets],
    )


def pad_ids(sequences, length=None, dtype="int32"):
    """Right-pads id lists with 0 into an array `(N, length)` (default: longest)."""
    longest = max((len(s) for s in sequences), default=0)
    length = longest if length is None else length
    if longest > length:
        raise ValueError(
            f"A sequence of {longest} ids does not fit `length`={length}"
        )
    out = np.zeros((len(sequences), length), dtype=dtype)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return out


def _check_targets(target_ids):
    for t in target_ids:
        if len(t) < 2 or t[0] != START_ID or t[-1] != END_ID:
            raise ValueError(
                "Each target must be [START, ..., END] (ids 2 ... 3), as "
                f"`encode_pairs` makes them. Received: {list(t)[:10]}"
            )


def to_model_arrays(source_ids, target_ids, source_length=None, target_length=None):
    """Teacher-forcing arrays for `Seq2SeqTranslator.fit`.

    Args:
        source_ids: list of source id lists.
        target_ids: list of `[START, …, END]` id lists.
        source_length, target_length: array widths (default: the longest).

    Returns:
        `({"source_ids": (N, S), "target_ids": (N, T)}, labels (N, T))` where
        `target_ids` is each target without its END and `labels` is it
        without its START (next-token prediction); 0 pads both.

    Example:

    >>> from keras_attention.data import to_model_arrays
    >>> x, y = to_model_arrays([[6, 4], [5]], [[2, 6, 4, 3], [2, 5, 3]])
    >>> x["source_ids"]
    array([[6, 4],
           [5, 0]], dtype=int32)
    >>> x["target_ids"]
    array([[2, 6, 4],
           [2, 5, 0]], dtype=int32)
    >>> y
    array([[6, 4, 3],
           [5, 3, 0]], dtype=int32)
    """
    _check_targets(target_ids)
    decoder_in = [t[:-1] for t in target_ids]
    labels = [t[1:] for t in target_ids]
    x = {
        "source_ids": pad_ids(source_ids, source_length),
        "target_ids": pad_ids(decoder_in, target_length),
    }
    return x, pad_ids(labels, target_length)


def default_bucket_boundaries(lengths, num_buckets=6):
    """Bucket boundaries at length quantiles (distinct, increasing)."""
    lengths = np.asarray(lengths)
    if lengths.size == 0:
        return [8]
    qs = np.quantile(lengths, np.linspace(0, 1, num_buckets + 1)[1:-1])
    bounds = sorted({int(q) + 1 for q in qs})
    return [b for b in bounds if b > 1] or [int(lengths.max()) + 1]


def make_dataset(
    source_ids,
    target_ids,
    batch_size=64,
    bucketing=True,
    bucket_boundaries=None,
    shuffle=True,
    seed=0,
):
    """A `tf.data.Dataset` of `({"source_ids", "target_ids"}, labels)` batches.

    With `bucketing` (the default), examples are grouped by length with
    `tf.data.Dataset.bucket_by_sequence_length` (length = the longer of
    source and target) and each batch is padded only to its own longest
    sequence, so short sentences do not pay for long ones.

    Args:
        source_ids: list of source id lists (from `encode_pairs`).
        target_ids: list of `[START, …, END]` id lists.
        batch_size: examples per batch.
        bucketing: group by length (True) or pad each batch of consecutive
            (shuffled) examples to its longest (False).
        bucket_boundaries: increasing length boundaries (default: quantiles
            of the lengths, see `default_bucket_boundaries`).
        shuffle: shuffle the examples each epoch (seeded), and the batches.
        seed: shuffling seed.

    Returns:
        A `tf.data.Dataset` of `(inputs, labels)` batches for
        `Seq2SeqTranslator.fit` (int32, 0 for padding).

    Example:

    >>> from keras_attention.data import make_dataset
    >>> sources = [[5] * n for n in range(1, 21)]  # lengths 1 to 20
    >>> targets = [[2] + [6] * n + [3] for n in range(1, 21)]
    >>> dataset = make_dataset(sources, targets, batch_size=4, seed=0)
    >>> batches = list(dataset)
    >>> sum(len(y) for x, y in batches)
    20
    >>> # Each batch is padded to its own longest source, not to 20:
    >>> sorted(int(x["source_ids"].shape[1]) for x, y in batches)
    [4, 7, 10, 13, 16, 20]
    """
    import tensorflow as tf

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
        )
    if len(source_ids) != len(target_ids):
        raise ValueError(
            "`source_ids` and `target_ids` must have the same number of examples. "
            f"Received: {len(source_ids)} and {len(target_ids)}"
        )
    if not source_ids:
        raise ValueError("`source_ids` is empty: there is nothing to batch.")
    _check_targets(target_ids)
    if any(len(s) == 0 for s in source_ids):
        raise ValueError("Every source must hold at least one token; one is empty.")
    src_len = np.array([len(s) for s in source_ids], "int32")
    tgt_len = np.array([len(t) - 1 for t in target_ids], "int32")
    src = tf.RaggedTensor.from_row_lengths(
        np.concatenate([np.asarray(s, "int32") for s in source_ids]), src_len
    )
    tin = tf.RaggedTensor.from_row_lengths(
        np.concatenate([np.asarray(t[:-1], "int32") for t in target_ids]), tgt_len
    )
    lab = tf.RaggedTensor.from_row_lengths(
        np.concatenate([np.asarray(t[1:], "int32") for t in target_ids]), tgt_len
    )
    ds = tf.data.Dataset.from_tensor_slices((src, tin, lab))
    if shuffle:
        ds = ds.shuffle(len(source_ids), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(
        lambda s, t, lab: ({"source_ids": s, "target_ids": t}, lab),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    if bucketing:
        if bucket_boundaries is None:
            bucket_boundaries = default_bucket_boundaries(np.maximum(src_len, tgt_len))
        bucket_boundaries = [int(b) for b in bucket_boundaries]
        if any(b2 <= b1 for b1, b2 in zip(bucket_boundaries, bucket_boundaries[1:], strict=False)) or (
            bucket_boundaries and bucket_boundaries[0] < 1
        ):
            raise ValueError(
                "`bucket_boundaries` must be increasing positive integers. "
                f"Received: bucket_boundaries={bucket_boundaries}"
            )
        ds = ds.bucket_by_sequence_length(
            element_length_func=lambda x, y: tf.maximum(
                tf.shape(x["source_ids"])[0], tf.shape(x["target_ids"])[0]
            ),
            bucket_boundaries=bucket_boundaries,
            bucket_batch_sizes=[batch_size] * (len(bucket_boundaries) + 1),
            padding_values=({"source_ids": PAD_ID, "target_ids": PAD_ID}, PAD_ID),
        )
        # The number of batches is known (one partial batch per bucket at most):
        # telling tf.data lets Keras show a full progress bar.
        sizes = np.bincount(
            np.digitize(np.maximum(src_len, tgt_len), bucket_boundaries),
            minlength=len(bucket_boundaries) + 1,
        )
        num_batches = int(sum(-(-int(n) // batch_size) for n in sizes))
        ds = ds.apply(tf.data.experimental.assert_cardinality(num_batches))
        if shuffle:
            ds = ds.shuffle(64, seed=seed + 1, reshuffle_each_iteration=True)
    else:
        ds = ds.padded_batch(
            batch_size,
            padding_values=({"source_ids": PAD_ID, "target_ids": PAD_ID}, PAD_ID),
        )
    return ds.prefetch(tf.data.AUTOTUNE)
