"""Evaluation figures: BLEU vs source length, attention matrices with tokens."""

import keras_attention.plotting as plotting


def bleu_by_length_figure(results, title="BLEU by source length", size=(6.4, 4.0)):
    """A line chart of BLEU per source-length bucket, one line per model.

    Args:
        results: `{model name: rows}` with rows from `bleu_by_length` (all
            models over the same buckets).
        title: figure title.
        size: `(width, height)` in inches.

    Returns:
        A matplotlib figure.

    Example:

    >>> from keras_attention.evaluation import bleu_by_length_figure
    >>> from keras_attention.evaluation import bleu_by_length
    >>> rows = bleu_by_length([3, 12], ["a b c d", "x y"], ["a b c d", "x z"])
    >>> figure = bleu_by_length_figure({"bahdanau": rows, "none": rows})
    >>> [line.get_label() for line in figure.axes[0].get_lines()]
    ['bahdanau', 'none']
    """
    if not results:
        raise ValueError("`results` must name at least one model. Received: {}")
    plt = plotting._pyplot()
    fig, ax = plt.subplots(figsize=size)
    labels = None
    for name, rows in results.items():
        row_labels = [r["bucket"] for r in rows]
        if labels is None:
            labels = row_labels
        elif row_labels != labels:
            raise ValueError(
                "Every model in `results` must use the same buckets. Received: "
                f"{labels} and {row_labels} (model {name!r})"
            )
        xs = [i for i, r in enumerate(rows) if r["bleu"] is not None]
        ys = [rows[i]["bleu"] for i in xs]
        ax.plot(xs, ys, marker="o", label=name)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(
        [f"{lab}\n(n={r['count']})" for lab, r in zip(labels, next(iter(results.values())), strict=True)]
    )
    ax.set_xlabel("source length (words)")
    ax.set_ylabel("BLEU")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_bleu_by_length(results, path, **kwargs):
    """Writes `bleu_by_length_figure(results)` to a PNG (atomically).

    Args:
        results: `{model name: rows}`, rows from `bleu_by_length`.
        path: the PNG file to write.
        **kwargs: `title`, `size` of `bleu_by_length_figure`.

    Returns:
        `path`.

    Example:

    >>> from keras_attention.evaluation import bleu_by_length, plot_bleu_by_length
    >>> rows = bleu_by_length([3, 12], ["a b c d", "x y"], ["a b c d", "x z"])
    >>> plot_bleu_by_length({"model": rows}, "bleu_by_length.png")
    'bleu_by_length.png'
    """
    return plotting.save_figure(bleu_by_length_figure(results, **kwargs), path)


def plot_translation_attention(attention, path, title=None):
    """Writes the attention PNG of one `translate(..., return_attention=True)` item.

    Rows are the output tokens (end token included), columns the source
    tokens; spaces in character-level labels are shown as `␣`.

    Args:
        attention: one item of the second list returned by
            `Seq2SeqTranslator.translate(..., return_attention=True)`: a
            dict with `"weights"`, `"source_tokens"` and `"output_tokens"`.
        path: the PNG file to write.
        title: optional figure title.

    Returns:
        `path`.

    Example:

    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.evaluation import plot_translation_attention
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> vocab = Vocabulary.build([list("0123456789 ")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> texts, attentions = model.translate(["3 3 98"], max_length=4,
    ...                                     return_attention=True)
    >>> attentions[0]["source_tokens"]
    ['3', ' ', '3', ' ', '9', '8']
    >>> plot_translation_attention(attentions[0], "attention.png")
    'attention.png'
    """
    def show(tokens):
        return ["␣" if t == " " else t for t in tokens]

    return plotting.plot_attention(
        attention["weights"],
        path,
        x_labels=show(attention["source_tokens"]),
        y_labels=show(attention["output_tokens"]),
        title=title,
    )
