"""Attention heat maps and other figures, rendered with matplotlib (Agg).

matplotlib is imported lazily (it is in the `eval` / `tensorboard` extras).
Every writer goes through `save_figure`, which writes to a temporary name in
the same folder and renames it, so an interrupted run never leaves a
half-written PNG.
"""

import io

import numpy as np

from keras_attention.io_utils import atomic_write_bytes
from keras_attention.utils.optional import import_optional


def _pyplot():
    matplotlib = import_optional(
        "matplotlib", "Plotting needs matplotlib", "'keras-attention[eval]'"
    )
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

#: The kinds of attention maps `map_figure` draws: `"matrix"` (rows =
#: output steps, columns = memory positions) and `"image"` (the attention of
#: every step over a grid of image locations, drawn on the image).
MAP_KINDS = ("matrix", "image")


def image_attention_figure(image, weights, grid, y_labels=None, title=None,
                           size=None, columns=None, cmap="jet", alpha=0.5):
    """The image once per step with that step's attention overlaid.

    Args:
        image: `(H, W)` greyscale or `(H, W, 3)` RGB in [0, 1].
        weights: `(steps, H'·W')` (row-major locations) or `(steps, H', W')`.
        grid: `(H', W')`: the attention grid, stretched over the image
            (cell `(r, c)` covers rows `[r·H/H', (r+1)·H/H')` and columns
            `[c·W/W', (c+1)·W/W')`).
        y_labels: one label per step (the emitted tokens), the panel titles.
        title: the figure's title.
        size: figure size in inches (default: from the image's aspect and
            the number of panels).
        columns: panels per row (default: 1 for wide images, else up to 4).
        cmap, alpha: colour map and opacity of the attention.

    Returns:
        A matplotlib figure.

    Example:

    >>> import numpy as np
    >>> from keras_attention import plotting
    >>> image = np.zeros((8, 16)); weights = np.eye(2)  # step 1: left, step 2: right
    >>> figure = plotting.image_attention_figure(image, weights, (1, 2), ["a", "b"])
    >>> [ax.get_title() for ax in figure.axes]
    ['a', 'b']
    """
    plt = _pyplot()
    image = np.asarray(image, dtype="float32")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3):
        raise ValueError(
            "`image` must be (height, width) or (height, width, 3). "
            f"Received: image.shape={image.shape}"
        )
    rows, cols = (int(g) for g in grid)
    weights = np.asarray(weights, dtype="float32")
    if weights.ndim < 2 or weights[0].size != rows * cols:
        raise ValueError(
            f"`weights` must be (steps, {rows}*{cols}) or (steps, {rows}, {cols}) for "
            f"grid={tuple(grid)}. Received: weights.shape={weights.shape}"
        )
    weights = weights.reshape(len(weights), rows, cols)
    steps = max(len(weights), 1)
    if y_labels is not None and len(y_labels) != len(weights):
        raise ValueError(
            f"`y_labels` must have one label per step ({len(weights)}). "
            f"Received: {len(y_labels)} labels"
        )
    height, width = image.shape[:2]
    if columns is None:
        columns = 1 if width >= 2 * height else min(4, steps)
    lines = -(-steps // columns)
    if size is None:
        panel = 6.4 if columns == 1 else 2.4  # inches per panel, across
        size = (panel * columns, (panel * height / width + 0.4) * lines + 0.4)
    fig, axes = plt.subplots(lines, columns, figsize=size, squeeze=False)
    extent = (0, width, height, 0)
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k >= len(weights):
            continue
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0.0, vmax=1.0,
                  extent=extent)
        peak = float(weights[k].max()) or 1.0
        ax.imshow(weights[k] / peak, cmap=cmap, alpha=alpha, vmin=0.0, vmax=1.0,
                  extent=extent, interpolation="bilinear")
        if y_labels is not None:
            ax.set_title(str(y_labels[k]), fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def map_figure(attention_map, **kwargs):
    """The figure of one map of a model's `attention_maps()`, by its `"kind"`.

    `"matrix"` (the default): `attention_figure` of `"weights"` with the
    labels and titles; `"image"`: `image_attention_figure` of `"image"`,
    `"weights"` and `"grid"`, one panel per `"y_labels"` entry.

    Example:

    >>> from keras_attention import plotting
    >>> m = {"kind": "image", "image": [[0.0, 1.0]], "grid": [1, 2],
    ...      "weights": [[0.2, 0.8]], "y_labels": ["one"], "title": "one"}
    >>> [ax.get_title() for ax in plotting.map_figure(m).axes]
    ['one']
    """
    kind = attention_map.get("kind", "matrix")
    if kind == "image":
        return image_attention_figure(
            attention_map["image"], attention_map["weights"], attention_map["grid"],
            y_labels=attention_map.get("y_labels"), title=attention_map.get("title"),
            **kwargs,
        )
    if kind != "matrix":
        raise ValueError(
            f"`kind` must be one of {MAP_KINDS}. Received: kind={kind!r}"
        )
    labels = {k: attention_map[k] for k in _MAP_KEYS if k in attention_map}
    return attention_figure(attention_map["weights"], **labels, **kwargs)


def map_png(attention_map, dpi=100, **kwargs):
    """PNG bytes of `map_figure(attention_map, **kwargs)` (with `size`, the
    image is exactly `size * dpi` pixels, as `attention_png`).

    Example:

    >>> from keras_attention import plotting
    >>> m = {"kind": "image", "image": [[0.0, 1.0]], "grid": [1, 2],
    ...      "weights": [[0.2, 0.8]], "y_labels": ["one"]}
    >>> png = plotting.map_png(m, dpi=50, size=(3, 2))
    >>> int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    (150, 100)
    """
    return figure_to_png(map_figure(attention_map, **kwargs), dpi=dpi)


def save_attention_map(attention_map, path, **kwargs):
    """Draws one map of a model's `attention_maps()` to a PNG file.

    Args:
        attention_map: a dict with `"weights"` and the labels and titles
            (`"x_labels"`, `"y_labels"`, `"title"`, `"x_title"`, `"y_title"`);
            with `"kind": "image"` also `"image"` and `"grid"` (`map_figure`).
        path: the PNG file to write (atomically).
        **kwargs: other arguments of the figure (e.g. `size`).

    Returns:
        `path`.

    Example:

    >>> from keras_attention import plotting
    >>> attention_map = {"weights": [[0.9, 0.1]], "x_labels": ["a", "b"],
    ...                  "y_labels": ["A"], "title": "a b → A"}
    >>> plotting.save_attention_map(attention_map, "map.png")
    'map.png'
    """
    return save_figure(map_figure(attention_map, **kwargs), path)


def show_spaces(tokens):
    """Labels for character-level tokens: a space is shown as `␣`.

    Example:

    >>> from keras_attention import plotting
    >>> plotting.show_spaces(["3", " ", "m"])
    ['3', '␣', 'm']
    """
    return ["\u2423" if t == " " else str(t) for t in tokens]
