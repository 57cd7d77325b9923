"""Attention heat maps and other figures, rendered with matplotlib (Agg).

matplotlib is imported lazily (it is in the `eval` / `tensorboard` extras).
Every writer goes through `save_figure`, which writes to a temporary name in
the same folder and renames it, so an interrupted run never leaves a
half-written PNG.
"""

import io

import numpy as np

from keras_attention.io_utils import atomic_write_bytes


def _pyplot():
    try:
        import matplotlib
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "Plotting needs matplotlib: pip install 'keras-attention[eval]'"
        ) from e
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def figure_to_png(fig, dpi=100):
    """PNG bytes of a matplotlib figure (the figure is closed).

    Example:

    >>> from keras_attention import plotting
    >>> png = plotting.figure_to_png(plotting.attention_figure([[1.0]]), dpi=20)
    >>> png[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def save_figure(fig, path, dpi=100):
    """Saves a figure as PNG atomically and closes it; returns the path.

    Example:

    >>> import os
    >>> from keras_attention import plotting
    >>> plotting.save_figure(plotting.attention_figure([[1.0]]), "figure.png")
    'figure.png'
    >>> os.listdir(".")  # no temporary file left behind
    ['figure.png']
    """
    return atomic_write_bytes(path, figure_to_png(fig, dpi=dpi))


def attention_figure(
    weights,
    x_labels=None,
    y_labels=None,
    title=None,
    x_title="source",
    y_title="target",
    size=(6.4, 4.8),
    cmap="viridis",
):
    """A heat map of an attention matrix, rows = queries, columns = memory.

    Args:
        weights: array `(rows, columns)`; values are shown as they are, on a
            colour scale fixed to [0, max(1, weights.max())] so that images
            from different epochs are comparable.
        x_labels, y_labels: optional tick labels (e.g. source / target
            tokens); their lengths must match the matrix.
        title, x_title, y_title: text.
        size: figure size in inches (deterministic image size:
            `size * dpi` pixels).

    Returns:
        A matplotlib figure (close it, or pass it to `save_figure`).

    Example:

    >>> from keras_attention import plotting
    >>> figure = plotting.attention_figure(
    ...     [[0.9, 0.1], [0.2, 0.8]], x_labels=["a", "b"], y_labels=["A", "B"])
    >>> [t.get_text() for t in figure.axes[0].get_xticklabels()]
    ['a', 'b']
    >>> figure.axes[0].get_xlabel(), figure.axes[0].get_ylabel()
    ('source', 'target')
    """
    plt = _pyplot()
    weights = np.asarray(weights, dtype="float32")
    if weights.ndim != 2:
        raise ValueError(
            "`weights` must be a 2-D matrix (rows, columns). "
            f"Received: weights.shape={weights.shape}"
        )
    for name, labels, n in (
        ("x_labels", x_labels, weights.shape[1]),
        ("y_labels", y_labels, weights.shape[0]),
    ):
        if labels is not None and len(labels) != n:
            raise ValueError(
                f"`{name}` must have one label per {'column' if name[0] == 'x' else 'row'} "
                f"({n}). Received: {len(labels)} labels"
            )
    fig, ax = plt.subplots(figsize=size)
    vmax = max(1.0, float(np.nanmax(weights))) if weights.size else 1.0
    image = ax.imshow(weights, cmap=cmap, aspect="auto", vmin=0.0, vmax=vmax)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if x_labels is not None:
        ax.set_xticks(range(len(x_labels)))
        ax.set_xticklabels([str(t) for t in x_labels], rotation=90, fontsize=8)
    if y_labels is not None:
        ax.set_yticks(range(len(y_labels)))
        ax.set_yticklabels([str(t) for t in y_labels], fontsize=8)
    ax.set_xlabel(x_title)
    ax.set_ylabel(y_title)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_attention(weights, path, **kwargs):
    """Renders `attention_figure(weights, **kwargs)` to a PNG file.

    Args:
        weights: array `(rows, columns)`.
        path: the PNG file to write (atomically).
        **kwargs: the other arguments of `attention_figure`.

    Returns:
        `path`.

    Example:

    >>> from keras_attention import plotting
    >>> plotting.plot_attention([[0.9, 0.1], [0.2, 0.8]], "attention.png",
    ...                         x_labels=["a", "b"], y_labels=["A", "B"])
    'attention.png'
    """
    return save_figure(attention_figure(weights, **kwargs), path)


def attention_png(weights, dpi=100, **kwargs):
    """PNG bytes of `attention_figure(weights, **kwargs)`.

    The image is exactly `size[0] * dpi` × `size[1] * dpi` pixels whatever
    the matrix and its labels (for TensorBoard, where images of one tag
    should keep their size from epoch to epoch).

    Example:

    >>> from keras_attention import plotting
    >>> png = plotting.attention_png([[0.5, 0.5]], dpi=50, size=(3, 2))
    >>> int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    (150, 100)
    """
    return figure_to_png(attention_figure(weights, **kwargs), dpi=dpi)


_MAP_KEYS = ("x_labels", "y_labels", "title", "x_title", "y_title")


def save_attention_map(attention_map, path, **kwargs):
    """Draws one map of a model's `attention_maps()` to a PNG file.

    Args:
        attention_map: a dict with `"weights"` and the labels and titles
            (`"x_labels"`, `"y_labels"`, `"title"`, `"x_title"`, `"y_title"`).
        path: the PNG file to write (atomically).
        **kwargs: other arguments of `attention_figure` (e.g. `size`).

    Returns:
        `path`.

    Example:

    >>> from keras_attention import plotting
    >>> attention_map = {"weights": [[0.9, 0.1]], "x_labels": ["a", "b"],
    ...                  "y_labels": ["A"], "title": "a b → A"}
    >>> plotting.save_attention_map(attention_map, "map.png")
    'map.png'
    """
    labels = {k: attention_map[k] for k in _MAP_KEYS if k in attention_map}
    return plot_attention(attention_map["weights"], path, **labels, **kwargs)


def show_spaces(tokens):
    """Labels for character-level tokens: a space is shown as `␣`.

    Example:

    >>> from keras_attention import plotting
    >>> plotting.show_spaces(["3", " ", "m"])
    ['3', '␣', 'm']
    """
    return ["\u2423" if t == " " else str(t) for t in tokens]
