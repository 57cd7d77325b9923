"""Evaluation figures: BLEU vs source length, attention matrices with tokens."""

from keras_attention import plotting


def bleu_by_length_figure(results, title="BLEU by source length", size=(6.4, 4.0)):
    """A line chart of BLEU per source-length bucket, one line per model.

    Args:
        results: `{model name: rows}` with rows from `bleu_by_length` (all
            models over the same buckets).
        title: figure title.

    Returns:
        A matplotlib figure.
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
    """Writes `bleu_by_length_figure(results)` to a PNG (atomically)."""
    return plotting.save_figure(bleu_by_length_figure(results, **kwargs), path)


def plot_translation_attention(attention, path, title=None):
    """Writes the attention PNG of one `translate(..., return_attention=True)` item.

    Rows are the output tokens (end token included), columns the source
    tokens; spaces in character-level labels are shown as `␣`.
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
