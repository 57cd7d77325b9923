"""Caption metrics: exact match, per-token and per-length accuracy, attention localisation.

Plain numpy and Python: the metrics compare emitted word lists with the
reference word lists, and, where the references carry a bounding box per
word (as `keras_attention.data.digits` canvases do), check that the
attention of every emitted word peaks inside the box of the word it should
name.
"""

import numpy as np


def attention_peak(weights, image_size):
    """The image point `(x, y)` of an attention map's largest weight.

    Args:
        weights: `(H', W')` attention over the feature grid.
        image_size: `(height, width)` of the image in pixels.

    Returns:
        The centre of the peak cell in pixel coordinates (the grid cell
        `(r, c)` covers `[c·W/W', (c+1)·W/W') × [r·H/H', (r+1)·H/H')`).

    Example:

    >>> import numpy as np
    >>> weights = np.zeros((4, 12)); weights[1, 5] = 1.0
    >>> attention_peak(weights, (32, 96))  # cell (1, 5) of 8×8 pixels
    (44.0, 12.0)
    """
    weights = np.asarray(weights)
    rows, cols = weights.shape
    r, c = np.unravel_index(int(np.argmax(weights)), weights.shape)
    height, width = image_size
    return (float((c + 0.5) * width / cols), float((r + 0.5) * height / rows))


def inside(point, box):
    """Whether `(x, y)` lies in the box `(x0, y0, x1, y1)` (pixel edges included).

    Example:

    >>> inside((44.0, 12.0), (40, 4, 52, 28)), inside((44.0, 12.0), (0, 0, 40, 32))
    (True, False)
    """
    x, y = point
    x0, y0, x1, y1 = box
    return bool(x0 <= x <= x1 and y0 <= y <= y1)


def caption_metrics(predictions, references, attention=None, boxes=None, image_size=None):
    """Exact match, token accuracy by position, accuracy by length, localisation.

    Args:
        predictions: one list of emitted words per example (end token and
            padding removed).
        references: one list of reference words per example.
        attention: optional, per example, the attention maps of the emitted
            tokens `(tokens, H', W')` (the end token's may follow).
        boxes: optional, per example, one `(x0, y0, x1, y1)` per reference
            word, in pixels.
        image_size: `(height, width)` of the images (with `attention`).

    Returns:
        A dict:

        - `n`: examples; `exact_match`: share of predictions equal to the
          reference;
        - `token_accuracy`: share of reference tokens predicted at their
          position (a missing token is wrong; `extra_rate`: extra emitted
          tokens per reference token);
        - `exact_by_length`: `{reference length: exact match}`, and
          `count_by_length`;
        - with `attention` and `boxes`: `localisation`, the share of
          emitted tokens whose attention peak (`attention_peak`) lies in
          the box of the reference token at the same position (tokens past
          the reference's length count as misses), and `localised_tokens`.

    Example:

    >>> import numpy as np
    >>> m = caption_metrics([["one", "two"], ["three"]], [["one", "two"], ["four"]])
    >>> m["exact_match"], m["token_accuracy"], m["exact_by_length"]
    (0.5, 0.6666666666666666, {1: 0.0, 2: 1.0})
    >>> left, right = np.zeros((1, 2)), np.zeros((1, 2))
    >>> left[0, 0], right[0, 1] = 1.0, 1.0
    >>> m = caption_metrics([["one", "two"]], [["one", "two"]],
    ...                     attention=[np.stack([left, left])],
    ...                     boxes=[[(0, 0, 10, 10), (10, 0, 20, 10)]], image_size=(10, 20))
    >>> m["localisation"]  # "two" looked at the left digit
    0.5
    """
    if len(predictions) != len(references):
        raise ValueError(
            "`predictions` and `references` must have one entry per example. "
            f"Received: {len(predictions)} predictions and {len(references)} references"
        )
    n = len(references)
    exact = correct = total = extra = 0
    by_length = {}
    for pred, ref in zip(predictions, references, strict=True):
        pred, ref = list(pred), list(ref)
        ok = pred == ref
        exact += ok
        by_length.setdefault(len(ref), []).append(ok)
        correct += sum(p == r for p, r in zip(pred, ref))
        total += len(ref)
        extra += max(0, len(pred) - len(ref))
    result = {
        "n": n,
        "exact_match": exact / n if n else None,
        "token_accuracy": correct / total if total else None,
        "extra_rate": extra / total if total else None,
        "exact_by_length": {k: float(np.mean(v)) for k, v in sorted(by_length.items())},
        "count_by_length": {k: len(v) for k, v in sorted(by_length.items())},
    }
    if attention is not None and boxes is not None:
        if image_size is None:
            raise ValueError("`image_size` is needed with `attention` and `boxes`.")
        hits = emitted = 0
        for pred, maps, ref_boxes in zip(predictions, attention, boxes, strict=True):
            for j in range(len(pred)):
                emitted += 1
                if j < len(ref_boxes):
                    hits += inside(attention_peak(maps[j], image_size), ref_boxes[j])
        result["localisation"] = hits / emitted if emitted else None
        result["localised_tokens"] = emitted
    return result
