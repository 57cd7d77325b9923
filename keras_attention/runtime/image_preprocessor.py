"""The preprocessor of captioners: image reading and caption words.

`ImagePreprocessor` (image files or arrays → model-sized float arrays,
caption ids → text), `read_image` (an image file as a numpy array, without
TensorFlow) and the bilinear resizing they use.
"""

import numbers
import os

import numpy as np

from .arguments import _short, _vocabulary
from .series_preprocessor import first_non_finite
from .vocabulary import END_ID, OOV_ID, PAD_ID, START_ID

IMAGE_SUFFIXES = (".npy", ".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _resize_matrix(in_size, out_size):
    """`(out_size, in_size)` linear interpolation, pixel centres aligned."""
    centres = (np.arange(out_size) + 0.5) * (in_size / out_size) - 0.5
    centres = np.clip(centres, 0.0, in_size - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, in_size - 1)
    frac = centres - low
    matrix = np.zeros((out_size, in_size))
    matrix[np.arange(out_size), low] += 1.0 - frac
    matrix[np.arange(out_size), high] += frac
    return matrix


def read_image(path):
    """An image file as a numpy array (no TensorFlow).

    `.npy` files are read with numpy (one image `(H, W)` / `(H, W, C)` or a
    stack `(N, H, W[, C])`); other formats (PNG, JPEG, ...) with Pillow, or
    with matplotlib where Pillow is missing (matplotlib reads PNG only).

    Args:
        path: the file.

    Returns:
        The array: uint8 for image files read by Pillow, as stored for
        `.npy`, float in [0, 1] for PNG read by matplotlib.

    Example:

    >>> import numpy as np
    >>> from keras_attention.runtime.image_preprocessor import read_image
    >>> np.save("canvas.npy", np.zeros((32, 96, 1), "float32"))
    >>> read_image("canvas.npy").shape
    (32, 96, 1)
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No image file at {path!r}.")
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".npy":
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise ValueError(f"{path!r} is not a readable .npy array ({e}).") from None
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if Image is not None:
        try:
            with Image.open(path) as image:
                return np.asarray(image.convert("RGBA") if image.mode == "P" else image)
        except (OSError, ValueError) as e:
            raise ValueError(f"{path!r} is not a readable image ({e}).") from None
    if suffix != ".png":
        raise ImportError(
            f"Reading {suffix} images needs Pillow (pip install pillow); without it "
            "only .npy and (with matplotlib) .png files can be read."
        )
    try:
        import matplotlib.image
    except ImportError:
        raise ImportError(
            "Reading PNG images needs Pillow or matplotlib (pip install pillow); "
            "or save the image as a .npy array, which numpy reads alone."
        ) from None
    return np.asarray(matplotlib.image.imread(path))


class ImagePreprocessor:
    """Images ↔ model inputs and caption ids ↔ text, for a captioner.

    Images become float32 `(N, H, W, C)` arrays of the model's
    `image_shape`: integer pixels are divided by `scale` (255 for 8-bit
    images; float images are taken as they are, in [0, 1]), colour is
    averaged to grey for a one-channel model (an alpha channel is dropped;
    grey is repeated for a three-channel one), and images of another size
    are resized (bilinear). Captions are words: ids 0–3 are padding,
    out-of-vocabulary, start and end (see `keras_attention.data.Vocabulary`).

    Args:
        image_shape: `(height, width, channels)` the model reads.
        vocabulary: the caption vocabulary (token list or `Vocabulary`), or
            `None` (the model writes ids only).
        scale: divisor of integer pixel values.

    Example:

    >>> import numpy as np
    >>> from keras_attention.runtime import ImagePreprocessor
    >>> pre = ImagePreprocessor((2, 4, 1), ["", "[UNK]", "[START]", "[END]", "one", "two"])
    >>> pixels = np.array([[0, 255, 255, 0], [0, 51, 51, 0]], "uint8")  # (H, W)
    >>> pre.encode_images(pixels)[0, :, :, 0]
    array([[0. , 1. , 1. , 0. ],
           [0. , 0.2, 0.2, 0. ]], dtype=float32)
    >>> pre.encode_images(np.zeros((4, 8, 3), "float32")).shape  # resized, grey
    (1, 2, 4, 1)
    >>> pre.decode_caption([5, 4, 3, 0])
    'two one'
    >>> pre.caption_labels([5, 4, 3])
    ['two', 'one', '[END]']
    """

    def __init__(self, image_shape, vocabulary=None, scale=255.0):
        shape = tuple(image_shape) if isinstance(image_shape, (list, tuple)) else None
        if shape is None or len(shape) != 3 or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
            for d in shape
        ) or shape[2] not in (1, 3):
            raise ValueError(
                "`image_shape` must be (height, width, channels) with positive "
                f"integers and 1 or 3 channels. Received: image_shape={image_shape!r}"
            )
        self.image_shape = tuple(int(d) for d in shape)
        self.vocabulary = _vocabulary("vocabulary", vocabulary)
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not (
            scale > 0 and np.isfinite(scale)
        ):
            raise ValueError(f"`scale` must be a positive number. Received: scale={scale!r}")
        self.scale = float(scale)

    # -- images -------------------------------------------------------------
    def encode_images(self, images, argument="images"):
        """Images → float32 `(N, height, width, channels)` for the model.

        Args:
            images: an image file path (`.npy`, `.png`, ...), a list of
                paths, or an array: one image `(H, W)` / `(H, W, C)`, or a
                batch `(N, H, W)` / `(N, H, W, C)`. A `.npy` file may hold a
                batch too.
            argument: the caller's argument name, for error messages.

        Returns:
            A float32 array.
        """
        if isinstance(images, (str, os.PathLike)):
            return self._batch(self._read(images, argument), argument, os.fspath(images))
        if isinstance(images, (list, tuple)):
            if not images:
                raise ValueError(f"`{argument}` is empty: no image. Received: []")
            if all(isinstance(i, (str, os.PathLike)) for i in images):
                return np.concatenate(
                    [self._batch(self._read(p, argument), argument, os.fspath(p))
                     for p in images]
                )
            if not all(isinstance(i, np.ndarray) for i in images):
                raise ValueError(
                    f"`{argument}` must be image paths or arrays. Received: "
                    f"{_short(images)}"
                )
            return np.concatenate([self._batch(i, argument) for i in images])
        if isinstance(images, np.ndarray) or hasattr(images, "__array__"):
            return self._batch(np.asarray(images), argument)
        raise ValueError(
            f"`{argument}` must be an image path, a list of paths or an array. "
            f"Received: {_short(images)}"
        )

    def _read(self, path, argument):
        try:
            return read_image(path)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"`{argument}` names no image file. Received: {argument}="
                f"{os.fspath(path)!r}"
            ) from None

    def _batch(self, array, argument, source=None):
        where = f" ({source})" if source else ""
        array = np.asarray(array)
        if array.dtype.kind not in "biuf" or array.size == 0:
            raise ValueError(
                f"`{argument}` must hold pixel values{where}. Received: an array of "
                f"dtype {array.dtype} and shape {array.shape}"
            )
        if array.ndim == 2:
            array = array[None, :, :, None]
        elif array.ndim == 3:
            # (H, W, C) with a channel axis of 1, 3 or 4, else a stack (N, H, W).
            array = array[None] if array.shape[-1] in (1, 3, 4) else array[..., None]
        elif array.ndim != 4:
            raise ValueError(
                f"`{argument}` must be one image (H, W) / (H, W, C) or a batch "
                f"(N, H, W) / (N, H, W, C){where}. Received: shape {array.shape}"
            )
        if array.shape[-1] not in (1, 3, 4):
            raise ValueError(
                f"`{argument}` must have 1, 3 or 4 channels{where}. Received: shape "
                f"{array.shape}"
            )
        if array.dtype.kind in "biu":
            values = array.astype("float64") / (1.0 if array.dtype.kind == "b" else self.scale)
        else:
            values = array.astype("float64")
            index = first_non_finite(values)
            if index is not None:
                raise ValueError(
                    f"`{argument}` must not hold NaN or infinite pixels{where}. "
                    f"Received: a non-finite value at {index}"
                )
        if values.shape[-1] == 4:  # alpha
            values = values[..., :3]
        channels = self.image_shape[2]
        if channels == 1 and values.shape[-1] == 3:
            values = values.mean(axis=-1, keepdims=True)
        elif channels == 3 and values.shape[-1] == 1:
            values = np.repeat(values, 3, axis=-1)
        height, width = self.image_shape[:2]
        if values.shape[1:3] != (height, width):
            rows = _resize_matrix(values.shape[1], height)
            cols = _resize_matrix(values.shape[2], width)
            values = np.einsum("hi,nijc,wj->nhwc", rows, values, cols)
        return values.astype("float32")

    # -- captions -------------------------------------------------------------
    def _check_vocabulary(self):
        if self.vocabulary is None:
            raise ValueError(
                "Writing captions needs the model's `vocabulary`; this model has none. "
                "Use the token ids instead."
            )

    def decode_caption(self, ids):
        """Caption ids → text ("three one four"): stops at the end token."""
        self._check_vocabulary()
        return " ".join(self.vocabulary.decode(ids))

    def caption_labels(self, ids):
        """Labels of emitted tokens (end token included), or ids as strings."""
        if self.vocabulary is None:
            return [str(int(t)) for t in ids]
        return [self.vocabulary.id_to_token(int(t)) for t in ids]

    def encode_caption(self, text):
        """A caption ("three one four") → ids, without start and end tokens."""
        self._check_vocabulary()
        return self.vocabulary.encode(str(text).split())

    special_ids = {"pad": PAD_ID, "oov": OOV_ID, "start": START_ID, "end": END_ID}

    def get_config(self):
        return {
            "image_shape": list(self.image_shape),
            "vocabulary": None if self.vocabulary is None else self.vocabulary.tokens,
            "scale": self.scale,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        size = None if self.vocabulary is None else len(self.vocabulary)
        return (
            f"ImagePreprocessor(image_shape={self.image_shape}, vocabulary={size} "
            f"tokens, scale={self.scale:g})"
        )
