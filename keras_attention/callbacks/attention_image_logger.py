"""Attention heat maps of a few fixed examples, written to TensorBoard."""

import math
import warnings

import keras
import numpy as np

import keras_attention.plotting as plotting
from keras_attention.data import text_utils
from keras_attention.data.vocabulary import Vocabulary
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


def _tokens(vocabulary):
    if vocabulary is None:
        return None
    if isinstance(vocabulary, Vocabulary):
        return vocabulary.tokens
    return Vocabulary(vocabulary).tokens


@keras.saving.register_keras_serializable(package="keras_attention")
class AttentionImageLogger(keras.callbacks.Callback):
    """Writes attention heat maps of fixed examples to TensorBoard.

    Every `freq` epochs the model decodes the same few examples and one PNG
    heat map per example is written with `tf.summary.image` to `log_dir`
    (step = the epoch index, as `keras.callbacks.TensorBoard` uses), so the
    alignments can be watched forming during training in TensorBoard's
    "Images" tab. Every image of a tag has the same size
    (`figure_size * dpi` pixels), a colour bar on a fixed [0, 1] scale (so
    epochs compare), and readable axis labels.

    - `Seq2SeqTranslator` (any model with `generate()`): the examples are
      source texts or token-id lists. They are decoded with `sampler`
      (greedy by default; with beam search the alignments of the best beam
      are shown) and each map is output tokens × source tokens, labelled
      with the vocabularies' tokens (tag `"{name}/example_{i}"`).
    - `TimeSeriesForecaster` (any model called with
      `return_attention_scores=True` that returns a dict of scores): the
      examples are an input dict (`"drivers"`, `"past_target"`). Temporal
      attention is drawn as forecast step × window step
      (`"{name}/temporal/example_{i}"`) and, with input attention, driving
      series × window step (`"{name}/input/example_{i}"`).

    The weights come from the model's own outputs (`generate()`, or a call
    with `return_attention_scores=True`); nothing is read from layer
    attributes. A model without attention (`attention="none"`) has nothing
    to draw: a warning is issued once and no image is written.

    Args:
        log_dir: folder of the event files (created if needed). Use a
            sub-folder of the `keras.callbacks.TensorBoard` log folder,
            e.g. `logs/attention`, so TensorBoard lists it as its own run.
        examples: for a translator, a list of source strings (encoded with
            the source vocabulary and tokenization) or of token-id lists / an
            int array `(N, S)` (0 = padding); for a forecaster, a dict of
            arrays with a first axis of `N` examples.
        freq: write every `freq` epochs (after epochs `freq`, `2·freq`, ...).
        sampler: `"greedy"`, `"beam"`, `"random"` or a sampler instance
            from `keras_attention.models.samplers` (translator only).
        max_length: maximum number of output tokens (translator only);
            default `2 · S + 10` for a longest source of `S` tokens.
        source_vocabulary, target_vocabulary: token lists or
            `keras_attention.data.Vocabulary`; default: the model's
            (`Seq2SeqTranslator` keeps them in its config). Without a
            vocabulary, token ids are used as labels.
        tokenization: `"word"` or `"char"`, how source strings are split;
            default: the model's `tokenization`.
        feature_names: names of the driving series (forecaster input
            attention labels); default `x0, x1, ...`.
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
        source_vocabulary=None,
        target_vocabulary=None,
        tokenization=None,
        feature_names=None,
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
        self.source_vocabulary = _tokens(source_vocabulary)
        self.target_vocabulary = _tokens(target_vocabulary)
        self.tokenization = (
            None
            if tokenization is None
            else text_utils.validate_tokenization(tokenization)
        )
        self.feature_names = (
            None if feature_names is None else [str(f) for f in feature_names]
        )
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
        if hasattr(self.model, "generate"):
            maps = self._translator_maps(epoch)
        else:
            maps = self._forecaster_maps(epoch)
        for m in maps:
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
        """Decodes the examples and writes their heat maps at step `epoch`."""
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

    # -- translator ---------------------------------------------------------------
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

    def _source_rows(self, model):
        """`(id lists, label lists)` of the source examples."""
        source_vocab = self.source_vocabulary or getattr(
            model, "source_vocabulary", None
        )
        examples = self.examples
        if isinstance(examples, dict):
            raise ValueError(
                "`examples` must be source strings, token-id lists or an int array "
                "for a translator. Received: a dict with keys "
                f"{sorted(examples)}"
            )
        if isinstance(examples, np.ndarray) and examples.dtype.kind in "iu":
            examples = [row[row != 0].tolist() for row in examples]
        examples = list(examples)
        if all(isinstance(e, str) for e in examples):
            if source_vocab is None:
                raise ValueError(
                    "AttentionImageLogger got text examples but no source vocabulary: "
                    "pass `source_vocabulary=` or give the model one."
                )
            tokenization = self.tokenization or getattr(model, "tokenization", "word")
            vocab = Vocabulary(source_vocab)
            tokens = [text_utils.tokenize(e, tokenization) for e in examples]
            return [vocab.encode(t) for t in tokens], tokens
        try:
            ids = [[int(i) for i in row if int(i) != 0] for row in examples]
        except (TypeError, ValueError):
            raise ValueError(
                "`examples` must be source strings, token-id lists or an int array "
                "for a translator. Received items of type "
                f"{type(examples[0]).__name__}"
            ) from None
        if source_vocab is None:
            labels = [[str(i) for i in row] for row in ids]
        else:
            vocab = Vocabulary(source_vocab)
            labels = [[vocab.id_to_token(i) for i in row] for row in ids]
        return ids, labels

    def _translator_maps(self, epoch):
        model = self.model
        if getattr(model, "attention", None) == "none":
            self._warn_once(
                "AttentionImageLogger: the model has no attention "
                "(attention='none'); no image is written."
            )
            return []
        ids, source_labels = self._source_rows(model)
        for i, row in enumerate(ids):
            if not row:
                raise ValueError(f"Example {i} of `examples` has no tokens.")
        longest = max(len(r) for r in ids)
        batch = np.zeros((len(ids), longest), "int32")
        for i, row in enumerate(ids):
            batch[i, : len(row)] = row
        max_length = self.max_length or 2 * longest + 10
        out = model.generate(batch, sampler=self.sampler, max_length=max_length)
        token_ids = keras.ops.convert_to_numpy(out["token_ids"])
        lengths = keras.ops.convert_to_numpy(out["lengths"])
        weights = keras.ops.convert_to_numpy(out["attention"])
        if token_ids.ndim == 3:  # beam search: the best hypothesis comes first
            token_ids, lengths, weights = token_ids[:, 0], lengths[:, 0], weights[:, 0]
        target_vocab = self.target_vocabulary or getattr(
            model, "target_vocabulary", None
        )
        target_vocab = Vocabulary(target_vocab) if target_vocab is not None else None
        char = (self.tokenization or getattr(model, "tokenization", "word")) == "char"
        maps = []
        for i, row in enumerate(ids):
            n_out = max(int(lengths[i]), 1)
            output = token_ids[i, :n_out].tolist()
            if target_vocab is None:
                out_labels = [str(t) for t in output]
            else:
                out_labels = [target_vocab.id_to_token(t) for t in output]
            src_labels = list(source_labels[i])
            source_text = "".join(src_labels) if char else " ".join(src_labels)
            if char:
                src_labels = plotting.show_spaces(src_labels)
                out_labels = plotting.show_spaces(out_labels)
            maps.append(
                {
                    "tag": f"{self.name}/example_{i}",
                    "weights": weights[i, :n_out, : len(row)],
                    "x_labels": src_labels,
                    "y_labels": out_labels,
                    "title": _title(_shorten(source_text), None, epoch),
                    "x_title": "source tokens",
                    "y_title": "output tokens",
                }
            )
        return maps

    # -- forecaster -----------------------------------------------------------
    def _forecaster_maps(self, epoch):
        model = self.model
        inputs = self.examples
        if not isinstance(inputs, (dict, list, tuple)):
            raise ValueError(
                "`examples` must be a dict of input arrays for a forecaster "
                f"(e.g. {{'drivers': ..., 'past_target': ...}}). Received: "
                f"{type(inputs).__name__}"
            )
        result = model(inputs, training=False, return_attention_scores=True)
        if not (
            isinstance(result, (tuple, list))
            and len(result) == 2
            and isinstance(result[1], dict)
        ):
            raise ValueError(
                "AttentionImageLogger needs a model whose call with "
                "`return_attention_scores=True` returns `(outputs, scores_dict)` "
                "(TimeSeriesForecaster) or that has `generate()` "
                f"(Seq2SeqTranslator). Received a {type(model).__name__}."
            )
        scores = {k: keras.ops.convert_to_numpy(v) for k, v in result[1].items()}
        if not scores:
            self._warn_once(
                "AttentionImageLogger: the model returns no attention scores "
                "(attention='none' without input attention); no image is written."
            )
            return []
        protocol = getattr(model, "protocol", None)
        maps = []
        temporal = scores.get("temporal")
        if temporal is not None:
            steps = _window_labels(temporal.shape[-1], protocol)
            rows = ["τ"] + [f"τ+{h}" for h in range(1, temporal.shape[1])]
            for i, matrix in enumerate(temporal):
                maps.append(
                    {
                        "tag": f"{self.name}/temporal/example_{i}",
                        "weights": matrix,
                        "x_labels": steps,
                        "y_labels": rows,
                        "title": _title("temporal attention", i, epoch),
                        "x_title": "window step (τ = first forecast time)",
                        "y_title": "forecast step",
                    }
                )
        input_weights = scores.get("input")
        if input_weights is not None:
            num_features = input_weights.shape[-1]
            names = self.feature_names or [f"x{j}" for j in range(num_features)]
            if len(names) != num_features:
                raise ValueError(
                    f"`feature_names` must name the {num_features} driving series. "
                    f"Received: {len(names)} names"
                )
            steps = _window_labels(input_weights.shape[1], protocol)
            for i, matrix in enumerate(input_weights):
                maps.append(
                    {
                        "tag": f"{self.name}/input/example_{i}",
                        "weights": matrix.T,
                        "x_labels": steps,
                        "y_labels": names,
                        "title": _title("input attention", i, epoch),
                        "x_title": "window step (τ = first forecast time)",
                        "y_title": "driving series",
                    }
                )
        return maps

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
            "source_vocabulary": self.source_vocabulary,
            "target_vocabulary": self.target_vocabulary,
            "tokenization": self.tokenization,
            "feature_names": self.feature_names,
            "name": self.name,
            "figure_size": list(self.figure_size),
            "dpi": self.dpi,
        }


def _shorten(text, limit=60):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(what, index, epoch):
    title = what if index is None else f"{what}, example {index}"
    return title if epoch is None else f"epoch {epoch + 1}: {title}"


def _window_labels(window, protocol):
    """Window steps relative to the first forecast time τ.

    "nowcast" windows end at τ, "forecast" windows just before it (see
    `keras_attention.data.timeseries`); other models get plain indices.
    """
    if protocol == "nowcast":
        last = 0
    elif protocol == "forecast":
        last = -1
    else:
        return [str(j) for j in range(window)]
    first = last - window + 1
    return ["τ" if k == 0 else f"τ{k:+d}" for k in range(first, last + 1)]
