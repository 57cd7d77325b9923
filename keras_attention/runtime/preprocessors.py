"""The preprocessors of the model families: raw inputs ↔ model arrays.

Plain Python and numpy (no Keras, no TensorFlow): the same objects serve the
Keras models (each model holds one and saves it in its config) and the
LiteRT runtime on a device (built from the export's metadata). Each has
`get_config()` / `from_config()`.

- `TextPreprocessor`: tokenization and the source / target vocabularies of
  a translator; text → padded source ids (with out-of-vocabulary counts),
  target ids → text.
- `SeriesPreprocessor`: the columns and the fitted scaler of a forecaster;
  a table → scaled model inputs, scaled predictions → the target's units.
- `ImagePreprocessor`: the image size, pixel scaling and word vocabulary of
  a captioner; image files or arrays → model-sized float arrays, caption ids
  → text.
"""

import numbers
import os

import numpy as np

from .text import detokenize, tokenize, validate_tokenization
from .vocabulary import END_ID, OOV_ID, PAD_ID, START_ID, Vocabulary


def _vocabulary(name, vocabulary):
    if vocabulary is None or isinstance(vocabulary, Vocabulary):
        return vocabulary
    if isinstance(vocabulary, dict) and "tokens" in vocabulary:
        vocabulary = vocabulary["tokens"]
    if isinstance(vocabulary, (list, tuple)):
        try:
            return Vocabulary(vocabulary)
        except ValueError as e:
            raise ValueError(f"`{name}` is not a valid vocabulary: {e}") from None
    raise ValueError(
        f"`{name}` must be a Vocabulary, a list of tokens or None. "
        f"Received: {name} of type {type(vocabulary).__name__}"
    )


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EncodedSources:
    """Source rows ready for a translator, with what was lost on the way.

    Attributes:
        ids: list of id lists (no padding).
        tokens: list of token lists (texts), or None (id inputs).
        oov: per input, the tokens the vocabulary does not know.
        single: whether the input was one string (results are unwrapped).

    Example:

    >>> from keras_attention.runtime import TextPreprocessor
    >>> pre = TextPreprocessor(["", "[UNK]", "[START]", "[END]", "a", "b"], None, "char")
    >>> encoded = pre.encode_sources("abc")
    >>> encoded.ids, encoded.oov, encoded.single
    ([[4, 5, 1]], [['c']], True)
    >>> encoded.oov_count, encoded.token_count
    (1, 3)
    """

    def __init__(self, ids, tokens, oov, single):
        self.ids, self.tokens, self.oov, self.single = ids, tokens, oov, single

    @property
    def oov_count(self):
        return sum(len(o) for o in self.oov)

    @property
    def token_count(self):
        return sum(len(r) for r in self.ids)

    def oov_message(self):
        """A one-line warning about the unknown tokens, or None if there are none."""
        if not self.oov_count:
            return None
        unknown = sorted({t for row in self.oov for t in row})
        rate = self.oov_count / self.token_count
        return (
            f"{self.oov_count} of {self.token_count} source tokens are not in the "
            f"model's source vocabulary ({rate:.0%}), e.g. {unknown[:5]}; they are "
            "read as [UNK] and the translation may be wrong."
        )


class TextPreprocessor:
    """Text ↔ token ids for a translator: tokenization and vocabularies.

    Ids 0–3 are padding, out-of-vocabulary, start and end (see
    `keras_attention.data.Vocabulary`).

    Args:
        source_vocabulary: token list or `Vocabulary` of the source side
            (`None`: the model reads token ids only).
        target_vocabulary: token list or `Vocabulary` of the target side
            (`None`: the model writes token ids only).
        tokenization: `"word"` or `"char"` (see `keras_attention.data.tokenize`).

    Example:

    >>> from keras_attention.runtime import TextPreprocessor
    >>> pre = TextPreprocessor(["", "[UNK]", "[START]", "[END]", "3", "/"],
    ...                        ["", "[UNK]", "[START]", "[END]", "-"], "char")
    >>> encoded = pre.encode_sources(["3/3", "3?"])
    >>> encoded.ids, encoded.oov
    ([[4, 5, 4], [4, 1]], [[], ['?']])
    >>> pre.pad(encoded.ids)
    array([[4, 5, 4],
           [4, 1, 0]], dtype=int32)
    >>> pre.decode_target([4, 4, 3, 0])
    '--'
    """

    def __init__(self, source_vocabulary=None, target_vocabulary=None, tokenization="word"):
        self.source_vocabulary = _vocabulary("source_vocabulary", source_vocabulary)
        self.target_vocabulary = _vocabulary("target_vocabulary", target_vocabulary)
        self.tokenization = validate_tokenization(tokenization)

    # -- source side ---------------------------------------------------------
    def encode_sources(self, inputs, argument="texts", vocabulary_size=None):
        """Texts or id lists → `EncodedSources`, refusing what cannot be decoded.

        Args:
            inputs: a string, a list of strings, a list of token-id lists or
                an int array `(N, S)` (0 = padding).
            argument: the caller's argument name, for error messages.
            vocabulary_size: ids must lie in `[0, vocabulary_size)` (default:
                the source vocabulary's size, if any).

        Returns:
            An `EncodedSources`.
        """
        single = isinstance(inputs, str)
        size = vocabulary_size or (
            len(self.source_vocabulary) if self.source_vocabulary is not None else None
        )
        if single:
            inputs = [inputs]
        elif isinstance(inputs, np.ndarray):
            if inputs.dtype.kind not in "iu":
                raise ValueError(
                    f"`{argument}` must hold integer token ids. Received: an array "
                    f"of dtype {inputs.dtype}"
                )
            inputs = [row[row != PAD_ID].tolist() for row in np.atleast_2d(inputs)]
        if inputs is None or not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"`{argument}` must be a string, a list of strings or a list of "
                f"token-id lists. Received: {argument}={_short(inputs)}"
            )
        items = list(inputs)
        if not items:
            raise ValueError(f"`{argument}` is empty: nothing to translate. Received: []")
        if all(isinstance(t, str) for t in items):
            return self._encode_texts(items, argument, single)
        ids = []
        for i, row in enumerate(items):
            if isinstance(row, str) or not isinstance(row, (list, tuple, np.ndarray)):
                raise ValueError(
                    f"`{argument}` must be all strings or all token-id lists. "
                    f"Received: {argument}[{i}]={_short(row)}"
                )
            clean = []
            values = row.reshape(-1).tolist() if isinstance(row, np.ndarray) else list(row)
            for j, token in enumerate(values):
                if isinstance(token, bool) or not isinstance(token, numbers.Integral):
                    raise ValueError(
                        f"`{argument}` must hold integer token ids. Received: "
                        f"{argument}[{i}][{j}]={token!r}"
                    )
                if token < 0 or (size is not None and token >= size):
                    bound = f"[0, {size})" if size is not None else ">= 0"
                    raise ValueError(
                        f"`{argument}` must hold token ids in {bound}. Received: "
                        f"{argument}[{i}][{j}]={token}"
                    )
                if token != PAD_ID:
                    clean.append(int(token))
            if not clean:
                raise ValueError(
                    f"Input {i} of `{argument}` has no tokens: nothing to translate. "
                    f"Received: {argument}[{i}]={_short(row)}"
                )
            ids.append(clean)
        oov = [[] for _ in ids]
        return EncodedSources(ids, None, oov, single)

    def _encode_texts(self, texts, argument, single):
        if self.source_vocabulary is None:
            raise ValueError(
                "Text input needs the model's `source_vocabulary`; this model has "
                f"none. Pass token ids in `{argument}` instead."
            )
        ids, tokens, oov = [], [], []
        for i, text in enumerate(texts):
            row_tokens = tokenize(text, self.tokenization)
            # Only white space (char tokenization keeps spaces as tokens) is
            # nothing to translate either.
            if not row_tokens or not text.strip():
                raise ValueError(
                    f"Input {i} of `{argument}` is empty after normalisation: "
                    f"nothing to translate. Received: {argument}[{i}]={_short(text)}"
                )
            row = self.source_vocabulary.encode(row_tokens)
            tokens.append(row_tokens)
            ids.append(row)
            oov.append([t for t, j in zip(row_tokens, row, strict=True) if j == OOV_ID])
        return EncodedSources(ids, tokens, oov, single)

    @staticmethod
    def pad(rows, length=None):
        """Id lists → int32 `(N, length)` padded with 0 (default: the longest)."""
        length = length or max(len(r) for r in rows)
        batch = np.zeros((len(rows), length), "int32")
        for i, row in enumerate(rows):
            batch[i, : len(row)] = row
        return batch

    def source_labels(self, ids, tokens=None):
        """Labels of source positions (tokens, or vocabulary entries, or ids)."""
        if tokens is not None:
            return list(tokens)
        if self.source_vocabulary is not None:
            return [self.source_vocabulary.id_to_token(t) for t in ids]
        return [str(t) for t in ids]

    # -- target side ---------------------------------------------------------
    def target_labels(self, ids):
        """Labels of output tokens (end token included), or ids as strings."""
        if self.target_vocabulary is None:
            return [str(int(t)) for t in ids]
        return [self.target_vocabulary.id_to_token(int(t)) for t in ids]

    def decode_target(self, ids):
        """Target ids → text: stops at the end token, drops padding and start."""
        if self.target_vocabulary is None:
            raise ValueError(
                "Writing text needs the model's `target_vocabulary`; this model "
                "has none. Use the token ids instead."
            )
        return detokenize(self.target_vocabulary.decode(ids), self.tokenization)

    special_ids = {"pad": PAD_ID, "oov": OOV_ID, "start": START_ID, "end": END_ID}

    def get_config(self):
        return {
            "source_vocabulary": None
            if self.source_vocabulary is None
            else self.source_vocabulary.tokens,
            "target_vocabulary": None
            if self.target_vocabulary is None
            else self.target_vocabulary.tokens,
            "tokenization": self.tokenization,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        sizes = [
            None if v is None else len(v)
            for v in (self.source_vocabulary, self.target_vocabulary)
        ]
        return (
            f"TextPreprocessor(source={sizes[0]} tokens, target={sizes[1]} tokens, "
            f"tokenization={self.tokenization!r})"
        )


SCALINGS = ("standard", "minmax")


class SeriesPreprocessor:
    """The columns and fitted scaling of a forecaster.

    Every column (the driving series, then the target) is scaled as
    `(x - center) / scale`, with statistics fitted on the training rows:
    `"standard"` (mean, standard deviation) or `"minmax"` (min, max - min);
    a constant column gets scale 1.

    Args:
        target: the target column's name.
        features: the driving series' names, in model input order.
        scaling: `"standard"` or `"minmax"`.
        center, scale: the fitted statistics, one per column (features then
            target); `None` before `fit`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.runtime import SeriesPreprocessor
    >>> pre = SeriesPreprocessor("y", ["x"], "minmax")
    >>> pre = pre.fit(np.array([[0.0, 10.0], [4.0, 30.0]]))  # rows: x, y
    >>> pre.transform(np.array([[2.0, 20.0]])).tolist()
    [[0.5, 0.5]]
    >>> pre.inverse_target(np.array([0.0, 1.0])).tolist()
    [10.0, 30.0]
    """

    def __init__(self, target, features, scaling="standard", center=None, scale=None):
        if not isinstance(target, str) or not target:
            raise ValueError(
                f"`target` must be a column name. Received: target={target!r}"
            )
        if not isinstance(features, (list, tuple)) or not all(
            isinstance(f, str) for f in features
        ):
            raise ValueError(
                f"`features` must be a list of column names. Received: features={features!r}"
            )
        if scaling not in SCALINGS:
            raise ValueError(
                f"`scaling` must be one of {', '.join(repr(s) for s in SCALINGS)}. "
                f"Received: scaling={scaling!r}"
            )
        self.target = target
        self.features = list(features)
        self.scaling = scaling
        n = len(self.features) + 1
        self.center = None if center is None else np.asarray(center, "float64")
        self.scale = None if scale is None else np.asarray(scale, "float64")
        for name, value in (("center", self.center), ("scale", self.scale)):
            if value is not None and value.shape != (n,):
                raise ValueError(
                    f"`{name}` must hold one value per column ({n}: the features "
                    f"then the target). Received: {name} of shape {value.shape}"
                )

    @property
    def columns(self):
        """The scaled columns: the features, then the target."""
        return self.features + [self.target]

    @property
    def fitted(self):
        return self.center is not None and self.scale is not None

    def fit(self, values):
        """A copy fitted on training rows `(N, len(columns))` (float, no NaN)."""
        values = np.asarray(values, "float64")
        if self.scaling == "standard":
            center, scale = values.mean(axis=0), values.std(axis=0)
        else:
            center = values.min(axis=0)
            scale = values.max(axis=0) - center
        scale = np.where(scale > 0, scale, 1.0)
        return SeriesPreprocessor(self.target, self.features, self.scaling, center, scale)

    def _check_fitted(self):
        if not self.fitted:
            raise ValueError(
                "This SeriesPreprocessor is not fitted: call `fit(training_rows)` "
                "first (or build it with `center` and `scale`)."
            )

    def transform(self, values):
        """Rows `(N, len(columns))` on the original scale → scaled float64."""
        self._check_fitted()
        values = np.asarray(values, "float64")
        if values.ndim != 2 or values.shape[1] != len(self.columns):
            raise ValueError(
                f"`values` must be (rows, {len(self.columns)}) with the columns "
                f"{self.columns}. Received: values.shape={values.shape}"
            )
        return (values - self.center) / self.scale

    def inverse_target(self, values):
        """Scaled target values (any shape) → the target's units (float64)."""
        self._check_fitted()
        return np.asarray(values, "float64") * self.scale[-1] + self.center[-1]

    def get_config(self):
        return {
            "target": self.target,
            "features": list(self.features),
            "scaling": self.scaling,
            "center": None if self.center is None else self.center.tolist(),
            "scale": None if self.scale is None else self.scale.tolist(),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (
            f"SeriesPreprocessor(target={self.target!r}, features={self.features!r}, "
            f"scaling={self.scaling!r}, fitted={self.fitted})"
        )


def first_non_finite(array):
    """The index of the first NaN / infinite value of a numpy array, or None.

    Example:

    >>> import numpy as np
    >>> first_non_finite(np.array([[1.0, 2.0], [np.nan, np.inf]]))
    (1, 0)
    >>> first_non_finite(np.ones(3)) is None
    True
    """
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def check_drivers_shape(drivers, window, num_features):
    """Raises unless `drivers` (a numpy array) is `(N, window, num_features)`.

    Example:

    >>> import numpy as np
    >>> check_drivers_shape(np.zeros((2, 4, 3)), window=4, num_features=2)
    Traceback (most recent call last):
    ...
    ValueError: `drivers` must have shape (N, 4, 2). Received: drivers.shape=(2, 4, 3)
    """
    if drivers.shape[1:] != (window, num_features):
        raise ValueError(
            f"`drivers` must have shape (N, {window}, {num_features}). "
            f"Received: drivers.shape={drivers.shape}"
        )


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
    >>> from keras_attention.runtime.preprocessors import read_image
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


#: The preprocessors by class name (as export metadata names them).
PREPROCESSORS = {
    cls.__name__: cls for cls in (TextPreprocessor, SeriesPreprocessor, ImagePreprocessor)
}
