"""Attention heat maps of a few fixed examples, written to TensorBoard."""

import math
import warnings

import keras
import numpy as np

import keras_attention.plotting as plotting
from keras_attention.models import samplers as samplers_lib


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return value


def _figure_size(value):
    ok = isinstance(value, (list, tuple)) and len(value) == 2
    ok = ok and all(
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and math.isfinite(v)
        and v > 0
        for v in value
    )
    if not ok:
        raise ValueError(
            "`figure_size` must be a (width, height) pair of positive numbers (inches). "
            f"Received: figure_size={value!r}"
        )
    return (float(value[0]), float(value[1]))


@keras.saving.register_keras_serializable(package="keras_attention")
class AttentionImageLogger(keras.callbacks.Callback):
    """Writes attention heat maps of fixed examples to TensorBoard.

    Every `freq` epochs the model computes the attention of the same few
    examples and one PNG heat map per map is written with
    `tf.summary.image` to `log_dir` (step = the epoch index, as
    `keras.callbacks.TensorBoard` uses), so the alignments can be watched
    forming during training in TensorBoard's "Images" tab. Every image of a
    tag has the same size (`figure_size * dpi` pixels), a colour bar on a
    fixed [0, 1] scale (so epochs compare), and readable axis labels.

    The maps come from the model itself (`Task.attention_maps`, part of the
    protocol every model family implements), so the callback works with any
    of them: a `Seq2SeqTranslator` draws output tokens × source tokens per
    example (decoded with `sampler`; with beam search, the best beam), a
    `TimeSeriesForecaster` forecast step × window step (temporal attention)
    and driving series × window step (input attention). Tags are
    `"{name}/{map tag}"`, e.g. `"attention/example_0"`. A model without
    attention has nothing to draw: a warning is issued once and no image is
    written.

    Args:
        log_dir: folder of the event files (created if needed). Use a
            sub-folder of the `keras.callbacks.TensorBoard` log folder,
            e.g. `logs/attention`, so TensorBoard lists it as its own run.
        examples: what the model's `attention_maps` takes: source strings or
            token-id lists / an int array `(N, S)` for a translator, a dict
            of input arrays with a first axis of `N` examples for a
            forecaster.
        freq: write every `freq` epochs (after epochs `freq`, `2·freq`, ...).
        sampler: `"greedy"`, `"beam"`, `"random"` or a sampler instance
            from `keras_attention.models.samplers` (token decoders).
        max_length: maximum number of output tokens (token decoders).
        name: prefix of the image tags.
        figure_size: `(width, height)` of each image in inches.
        dpi: pixels per inch.

    Example:

    >>> import os
    >>> from keras_attention.callbacks import AttentionImageLogger
    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> vocab = Vocabulary.build([list("0123456789-/")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> logger = AttentionImageLogger("logs/attention", ["3/3/98", "1998"],
    ...                               max_length=6)
    >>> # model.fit(x, y, epochs=10, callbacks=[logger]), then
    >>> # `tensorboard --logdir logs`. What fit() does after an epoch:
    >>> logger.set_model(model)
    >>> [tag for tag, png in logger.log_images(epoch=0)]
    ['attention/example_0', 'attention/example_1']
    >>> os.listdir("logs/attention")
    ['events.out.tfevents...']
    >>> heat_map = logger.heat_maps()[0]
    >>> heat_map["x_labels"], heat_map["weights"].shape[1]
    (['3', '/', '3', '/', '9', '8'], 6)
    """

    def __init__(
        self,
        log_dir,
        examples,
        freq=1,
        sampler="greedy",
        max_length=None,
        name="attention",
        figure_size=(6.4, 4.8),
        dpi=100,
    ):
        super().__init__()
        if not isinstance(log_dir, (str, bytes)) and not hasattr(log_dir, "__fspath__"):
            raise ValueError(f"`log_dir` must be a path. Received: log_dir={log_dir!r}")
        self.log_dir = str(log_dir)
        if examples is None or (hasattr(examples, "__len__") and len(examples) == 0):
            raise ValueError(
                "`examples` must hold at least one example. Received: "
                f"examples={examples!r}"
            )
        if isinstance(examples, str):
            examples = [examples]
        if isinstance(examples, dict):
            examples = {k: np.asarray(v, dtype="float32") for k, v in examples.items()}
        self.examples = examples
        self.freq = _positive_int("freq", freq)
        self.sampler = samplers_lib.get(sampler)
        if max_length is not None:
            _positive_int("max_length", max_length)
        self.max_length = max_length
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"`name` must be a non-empty string. Received: name={name!r}"
            )
        self.name = name
        self.figure_size = _figure_size(figure_size)
        self.dpi = _positive_int("dpi", dpi)
        self._writer = None
        self._warned = False

    # -- Keras hooks ----------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.freq == 0:
            self.log_images(epoch)

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # -- public ------------------------------------------------------------------
    def heat_maps(self, epoch=None):
        """The matrices the callback would draw now, with their labels.

        Args:
            epoch: epoch index shown in the titles (optional).

        Returns:
            A list of dicts with `"tag"`, `"weights"` (2-D numpy array, rows
            × columns as drawn), `"x_labels"`, `"y_labels"`, `"title"`,
            `"x_title"` and `"y_title"`.
        """
        if self.model is None:
            raise ValueError(
                "AttentionImageLogger has no model: pass it to `fit(callbacks=...)` "
                "or call `set_model(model)` first."
            )
        if not callable(getattr(self.model, "attention_maps", None)):
            raise ValueError(
                "AttentionImageLogger needs a keras_attention model (one with "
                "`attention_maps()`, e.g. Seq2SeqTranslator or TimeSeriesForecaster). "
                f"Received a {type(self.model).__name__}."
            )
        maps = self.model.attention_maps(
            self.examples, sampler=self.sampler, max_length=self.max_length
        )
        if not maps:
            self._warn_once(
                "AttentionImageLogger: the model has no attention to draw "
                "(e.g. attention='none'); no image is written."
            )
        for m in maps:
            m["tag"] = f"{self.name}/{m['tag']}"
            if epoch is not None:
                m["title"] = f"epoch {epoch + 1}: {m['title']}"
            self._check_finite(m["weights"], m["tag"], epoch)
        return maps

    def images(self, epoch=None):
        """The heat maps rendered as PNG: a list of `(tag, png_bytes)`."""
        return [
            (
                m["tag"],
                plotting.attention_png(
                    m["weights"],
                    dpi=self.dpi,
                    x_labels=m["x_labels"],
                    y_labels=m["y_labels"],
                    title=m["title"],
                    x_title=m["x_title"],
                    y_title=m["y_title"],
                    size=self.figure_size,
                ),
            )
            for m in self.heat_maps(epoch)
        ]

    def log_images(self, epoch):
        """Computes the examples' attention and writes their heat maps at step `epoch`."""
        import tensorflow as tf

        images = self.images(epoch)
        if not images:
            return []
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            for tag, png in images:
                pixels = tf.image.decode_png(png, channels=4)
                tf.summary.image(tag, pixels[None], step=epoch, max_outputs=1)
        self._writer.flush()
        return images

    def _warn_once(self, message):
        if not self._warned:
            warnings.warn(message, stacklevel=3)
            self._warned = True

    def _check_finite(self, weights, tag, epoch):
        if not np.all(np.isfinite(weights)):
            warnings.warn(
                f"AttentionImageLogger: the attention weights of {tag!r} at epoch "
                f"{epoch} are not finite (NaN or inf); training has probably "
                "diverged. Non-finite cells are drawn empty.",
                stacklevel=3,
            )

    def get_config(self):
        examples = self.examples
        if isinstance(examples, np.ndarray):
            examples = examples.tolist()
        elif isinstance(examples, dict):
            examples = {k: np.asarray(v).tolist() for k, v in examples.items()}
        return {
            "log_dir": self.log_dir,
            "examples": examples,
            "freq": self.freq,
            "sampler": keras.saving.serialize_keras_object(self.sampler),
            "max_length": self.max_length,
            "name": self.name,
            "figure_size": list(self.figure_size),
            "dpi": self.dpi,
        }
