"""Corpus BLEU (sacrebleu), BLEU by source length, and exact match.

sacrebleu is imported lazily (it is in the `eval` extra). Hypotheses and
references are detokenized strings (e.g. from `Seq2SeqTranslator.translate`
and `keras_attention.data.detokenize`); sacrebleu applies its standard
`13a` tokenization itself, so scores are comparable across tokenizations.
"""

from keras_attention.utils.optional import import_optional

# Source-length buckets in words (inclusive bounds; None = no upper bound).
LENGTH_BUCKETS = ((1, 9), (10, 14), (15, 19), (20, None))


def _sacrebleu():
    return import_optional(
        "sacrebleu", "BLEU needs sacrebleu", "'keras-attention[eval]'"
    )


def _check_pairs(hypotheses, references):
    hypotheses, references = list(hypotheses), list(references)
    if len(hypotheses) != len(references):
        raise ValueError(
            "`hypotheses` and `references` must have the same length. "
            f"Received: {len(hypotheses)} and {len(references)}"
        )
    return hypotheses, references


def corpus_bleu(hypotheses, references):
    """sacrebleu corpus BLEU (0–100) of hypotheses against one reference each.

    Args:
        hypotheses: detokenized output strings.
        references: one detokenized reference string per hypothesis.

    Returns:
        A float in [0, 100].

    Example:

    >>> from keras_attention.evaluation import corpus_bleu
    >>> reference = "the cat sat on the mat ."
    >>> round(corpus_bleu([reference], [reference]), 6)
    100.0
    >>> round(corpus_bleu(["the cat sat on a mat ."], [reference]), 1)
    48.9
    """
    hypotheses, references = _check_pairs(hypotheses, references)
    if not hypotheses:
        raise ValueError("`hypotheses` is empty: BLEU needs at least one sentence.")
    return float(_sacrebleu().corpus_bleu(hypotheses, [references]).score)


def exact_match(hypotheses, references):
    """Fraction of hypotheses equal to their reference (after `strip()`).

    Args:
        hypotheses: output strings.
        references: one reference string per hypothesis.

    Returns:
        A float in [0, 1].

    Example:

    >>> from keras_attention.evaluation import exact_match
    >>> exact_match(["1998-03-03", "2031-07-21 "], ["1998-03-03", "2031-07-12"])
    0.5
    """
    hypotheses, references = _check_pairs(hypotheses, references)
    if not hypotheses:
        raise ValueError("`hypotheses` is empty: nothing to compare.")
    hits = sum(h.strip() == r.strip() for h, r in zip(hypotheses, references, strict=True))
    return hits / len(hypotheses)


def bucket_label(low, high):
    return f"{low}+" if high is None else f"{low}–{high}"


def bleu_by_length(source_lengths, hypotheses, references, buckets=LENGTH_BUCKETS):
    """Corpus BLEU within each source-length bucket.

    Args:
        source_lengths: the source length (in words) of each example.
        hypotheses, references: detokenized strings.
        buckets: `(low, high)` inclusive bounds, `high=None` for no bound.

    Returns:
        A list of dicts `{"bucket", "low", "high", "count", "bleu"}`, one per
        bucket in order; `bleu` is `None` for an empty bucket.

    Example:

    >>> from keras_attention.evaluation import bleu_by_length
    >>> reference = "the cat sat on the mat ."
    >>> rows = bleu_by_length([6, 12], [reference, "the cat sat on a mat ."],
    ...                       [reference, reference])
    >>> [(r["bucket"], r["count"], r["bleu"] and round(r["bleu"], 1)) for r in rows]
    [('1–9', 1, 100.0), ('10–14', 1, 48.9), ('15–19', 0, None), ('20+', 0, None)]
    """
    hypotheses, references = _check_pairs(hypotheses, references)
    source_lengths = list(source_lengths)
    if len(source_lengths) != len(hypotheses):
        raise ValueError(
            "`source_lengths` must have one entry per hypothesis. Received: "
            f"{len(source_lengths)} and {len(hypotheses)}"
        )
    rows = []
    for low, high in buckets:
        idx = [
            i
            for i, n in enumerate(source_lengths)
            if n >= low and (high is None or n <= high)
        ]
        bleu = (
            corpus_bleu([hypotheses[i] for i in idx], [references[i] for i in idx])
            if idx
            else None
        )
        rows.append(
            {
                "bucket": bucket_label(low, high),
                "low": low,
                "high": high,
                "count": len(idx),
                "bleu": bleu,
            }
        )
    return rows
