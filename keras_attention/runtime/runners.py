"""The family runners: `TFLiteTranslator`, `TFLiteForecaster`, `TFLiteCaptioner`, `load`.

Each is a `TFLiteRunner` that uses its family's preprocessor (the class the
Keras model holds) to turn raw inputs into the signatures' arrays and back.
"""

import os

import numpy as np

from .litert import (
    TFLiteRunner,
    _check_model_path,
    family_of,
    greedy_step_loop,
    load_metadata,
)
from .series_preprocessor import check_drivers_shape, first_non_finite


class TFLiteTranslator(TFLiteRunner):
    """Tokenises text and decodes it with an exported translator.

    Greedy and beam search run inside the file (`translate_greedy`,
    `translate_beam`); `generate_with_steps` shows the app-side loop over
    `encode` / `decode_step`.

    Args:
        model_path, metadata_path, num_threads: as `TFLiteRunner`.

    Example:

    A (here untrained) translator exported with greedy and beam search
    inside; the `.tflite` file then gives the same tokens as Keras:

    >>> from keras_attention import export
    >>> from keras_attention.data import Vocabulary
    >>> from keras_attention.models import BeamSampler, Seq2SeqTranslator
    >>> from keras_attention.runtime import TFLiteTranslator
    >>> vocab = Vocabulary.build([list("0123456789/")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> model.build()
    >>> _ = export.export_tflite(model, "dates.tflite", max_length=8,
    ...                          sampler=BeamSampler(beam_width=2),
    ...                          endpoints_to_export=["translate_greedy", "translate_beam"])
    >>> translator = TFLiteTranslator("dates.tflite")  # reads dates.json
    >>> translator.translate("03/03/98") == model.translate("03/03/98", max_length=8)
    True
    >>> out = translator.generate(translator.encode_text("03/03/98"), method="beam")
    >>> out["token_ids"].shape, out["attention"].shape  # (N-best, L), (N, L, S)
    ((1, 8), (1, 8, 8))
    """

    family = "translator"

    def __init__(self, model_path, metadata_path=None, num_threads=None):
        super().__init__(model_path, metadata_path, num_threads)
        self.max_length = self.metadata["decoding"]["max_length"]
        self.source_vocabulary_size = self.metadata.get("source_vocabulary_size")

    @property
    def tokenization(self):
        return self.preprocessor.tokenization

    def encode_text(self, text):
        """A text → source ids (unknown tokens → the OOV id)."""
        return self.preprocessor.encode_sources(text, argument="text").ids[0]

    def decode_ids(self, ids):
        """Target ids → text: stops at the end token, drops padding/start."""
        return self.preprocessor.decode_target(ids)

    def _source_ids(self, source_ids):
        """One id sequence (list or 1-D array; padding zeros dropped), validated."""
        array = np.asarray(source_ids)
        if array.ndim != 1:
            raise ValueError(
                "`source_ids` must be one sequence of token ids (a list or a 1-D "
                f"array). Received: an array of shape {array.shape}; pass the rows "
                "one at a time"
            )
        encoded = self.preprocessor.encode_sources(
            [list(source_ids)], argument="source_ids",
            vocabulary_size=self.source_vocabulary_size,
        )
        return np.asarray(encoded.ids[0], np.int32)[None, :]

    def generate(self, source_ids, method="greedy"):
        """Decodes one source id sequence with the file's loop.

        Args:
            source_ids: a list / 1-D array of ids (padding zeros are dropped).
            method: `"greedy"` (signature `translate_greedy`) or `"beam"`
                (`translate_beam`, with the beam options chosen at export).

        Returns:
            A dict of numpy arrays without the batch axis: `token_ids`
            `(L,)` (beam: `(N, L)`), `scores`, `lengths`, `attention`
            `(L, S)` (beam: `(N, L, S)`), and `log_probs` for beam search.
        """
        if method not in ("greedy", "beam"):
            raise ValueError(
                f"`method` must be 'greedy' or 'beam'. Received: method={method!r}"
            )
        out = self.run("translate_" + method, source_ids=self._source_ids(source_ids))
        return {k: v[0] for k, v in out.items()}

    def generate_with_steps(self, source_ids, max_length=None):
        """Greedy decoding with this process's own loop over `decode_step`.

        Gives the same tokens as `generate(..., "greedy")`.
        """
        return greedy_step_loop(
            self,
            {"source_ids": self._source_ids(source_ids)},
            self.max_length if max_length is None else max_length,
        )

    def translate(self, texts, method="greedy", return_attention=False):
        """Translates a text or a list of texts.

        Args:
            texts: a string or a list of strings.
            method: `"greedy"` or `"beam"` (the best hypothesis).
            return_attention: also return, per text, a dict with the
                attention `"weights"` `(output tokens incl. end, source
                tokens)`, `"source_tokens"` and `"output_tokens"`.

        Returns:
            A string (or a list of strings), and with `return_attention`
            the attention dict(s).
        """
        encoded = self.preprocessor.encode_sources(texts, argument="texts")
        translations, attentions = [], []
        for ids, tokens in zip(encoded.ids, encoded.tokens, strict=True):
            out = self.generate(ids, method)
            token_ids, length, weights = out["token_ids"], out["lengths"], out["attention"]
            if token_ids.ndim == 2:  # beam search: the best hypothesis first
                token_ids, length, weights = token_ids[0], length[0], weights[0]
            n = int(length)
            translations.append(self.decode_ids(token_ids[:n]))
            attentions.append(
                {
                    "weights": weights[:n, : len(ids)],
                    "source_tokens": list(tokens),
                    "output_tokens": self.preprocessor.target_labels(token_ids[:n]),
                }
            )
        if encoded.single:
            translations, attentions = translations[0], attentions[0]
        return (translations, attentions) if return_attention else translations


class TFLiteForecaster(TFLiteRunner):
    """Runs an exported forecaster's `predict` signature.

    Args:
        model_path, metadata_path, num_threads: as `TFLiteRunner`.

    Example:

    A forecaster exported as in `TFLiteRunner`'s example:

    >>> import numpy as np
    >>> from keras_attention import export, models, runtime
    >>> model = models.TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> model.build()
    >>> _ = export.export_tflite(model, "forecaster.tflite")
    >>> forecaster = runtime.TFLiteForecaster("forecaster.tflite")
    >>> drivers = np.ones((3, 4, 2), "float32")
    >>> past_target = np.ones((3, 3), "float32")  # nowcast: window - 1 values
    >>> out = forecaster.predict(drivers, past_target)
    >>> out["predictions"].shape, out["temporal_attention"].shape
    ((3, 1), (3, 1, 4))
    >>> keras_out = model({"drivers": drivers, "past_target": past_target[..., None]})
    >>> bool(np.allclose(out["predictions"], keras_out, atol=1e-5))
    True
    """

    family = "forecaster"

    def __init__(self, model_path, metadata_path=None, num_threads=None):
        super().__init__(model_path, metadata_path, num_threads)
        self.window = self.metadata["window"]
        self.num_features = self.metadata["num_features"]
        self.past_target_length = self.metadata["past_target_length"]

    def predict(self, drivers, past_target):
        """Forecasts for a batch of windows.

        Args:
            drivers: `(N, window, num_features)` floats (scaled as in training).
            past_target: `(N, past_target_length)` or `(..., 1)` floats.

        Returns:
            A dict of numpy arrays: `predictions` `(N, horizon)` and the
            attention weights (`temporal_attention`, `input_attention`).
        """
        drivers = np.asarray(drivers, np.float32)
        past = np.asarray(past_target, np.float32)
        if drivers.ndim == 2:
            drivers, past = drivers[None], past[None]
        if past.ndim == 2:
            past = past[..., None]
        check_drivers_shape(drivers, self.window, self.num_features)
        if past.shape[1:] != (self.past_target_length, 1):
            raise ValueError(
                f"`past_target` must have shape (N, {self.past_target_length}). "
                f"Received: past_target.shape={np.shape(past_target)}"
            )
        for name, value in (("drivers", drivers), ("past_target", past)):
            index = first_non_finite(value)
            if index is not None:
                raise ValueError(
                    f"`{name}` holds NaN or infinite values (first at index {index}): "
                    "fill or drop them first."
                )
        return self.run("predict", drivers=drivers, past_target=past)


class TFLiteCaptioner(TFLiteRunner):
    """Captions images with an exported captioner (no TensorFlow, no Keras).

    Reads images with the model's `ImagePreprocessor` (`.npy` with numpy,
    PNG and other formats with Pillow or matplotlib), runs greedy or beam
    search inside the file (`caption_greedy`, `caption_beam`) and writes
    the captions; the attention comes back as maps over the feature grid.

    Args:
        model_path, metadata_path, num_threads: as `TFLiteRunner`.

    Example:

    A (here untrained) captioner exported with greedy and beam search
    inside; the `.tflite` file gives the same captions as Keras:

    >>> import numpy as np
    >>> from keras_attention import export
    >>> from keras_attention.models import ImageCaptioner
    >>> from keras_attention.runtime import TFLiteCaptioner
    >>> words = ["", "[UNK]", "[START]", "[END]", "zero", "one"]
    >>> model = ImageCaptioner(words, image_shape=(16, 32, 1), conv_filters=[4, 4],
    ...                        conv_pools=[2, 2], units=8, embedding_dim=4)
    >>> model.build()
    >>> _ = export.export_tflite(model, "captioner.tflite", max_length=6,
    ...                          endpoints_to_export=["caption_greedy", "caption_beam"])
    >>> captioner = TFLiteCaptioner("captioner.tflite")  # reads captioner.json
    >>> image = np.random.default_rng(0).uniform(size=(16, 32, 1)).astype("float32")
    >>> np.save("image.npy", image)
    >>> captioner.caption("image.npy") == model.caption("image.npy", max_length=6)
    True
    >>> out = captioner.generate(image, method="beam")
    >>> out["token_ids"].shape, out["attention"].shape  # (N-best, L), (N, L, H'·W')
    ((1, 6), (1, 6, 32))
    """

    family = "captioner"

    def __init__(self, model_path, metadata_path=None, num_threads=None):
        super().__init__(model_path, metadata_path, num_threads)
        self.max_length = self.metadata["decoding"]["max_length"]
        self.image_shape = tuple(self.metadata["image_shape"])
        self.feature_map = tuple(self.metadata["feature_map"])
        self.has_attention = self.metadata.get("attention") != "none"

    def encode_images(self, images):
        """Image files or arrays → float32 `(N, H, W, C)` (see `ImagePreprocessor`)."""
        return self.preprocessor.encode_images(images)

    def generate(self, image, method="greedy"):
        """Decodes one preprocessed image `(H, W, C)` with the file's loop.

        Args:
            image: float32 `(H, W, C)` (or `(1, H, W, C)`), as
                `encode_images` returns them.
            method: `"greedy"` (signature `caption_greedy`) or `"beam"`
                (`caption_beam`, with the beam options chosen at export).

        Returns:
            A dict of numpy arrays without the batch axis: `token_ids`
            `(L,)` (beam: `(N, L)`), `scores`, `lengths`, `attention`
            `(L, H'·W')` (beam: `(N, L, H'·W')`), and `log_probs` for beam
            search.
        """
        if method not in ("greedy", "beam"):
            raise ValueError(
                f"`method` must be 'greedy' or 'beam'. Received: method={method!r}"
            )
        image = np.asarray(image, np.float32)
        if image.ndim == 3:
            image = image[None]
        if image.shape[1:] != self.image_shape or image.shape[0] != 1:
            raise ValueError(
                f"`image` must be one preprocessed image of shape {self.image_shape} "
                f"(see encode_images). Received: image.shape={image.shape}"
            )
        out = self.run("caption_" + method, images=image)
        return {k: v[0] for k, v in out.items()}

    def caption(self, images, method="greedy", return_attention=False):
        """Captions an image file, a list of files or an array of images.

        Args:
            images: what `encode_images` reads (`.npy`, `.png`, ... files or
                arrays).
            method: `"greedy"` or `"beam"` (the best hypothesis).
            return_attention: also return, per image, the attention maps
                `(emitted tokens incl. end, H', W')`.

        Returns:
            A string for one image file (else a list of strings), and with
            `return_attention` the attention maps.
        """
        single = isinstance(images, (str, os.PathLike))
        pixels = self.encode_images(images)
        grid = self.feature_map if self.has_attention else (1, 1)
        captions, maps = [], []
        for image in pixels:
            out = self.generate(image, method)
            token_ids, length, weights = out["token_ids"], out["lengths"], out["attention"]
            if token_ids.ndim == 2:  # beam search: the best hypothesis first
                token_ids, length, weights = token_ids[0], length[0], weights[0]
            n = int(length)
            captions.append(self.preprocessor.decode_caption(token_ids[:n]))
            maps.append(weights[:n].reshape((n,) + tuple(grid)))
        if single and len(captions) == 1:
            captions, maps = captions[0], maps[0]
        return (captions, maps) if return_attention else captions


RUNNERS = {
    "translator": TFLiteTranslator,
    "forecaster": TFLiteForecaster,
    "captioner": TFLiteCaptioner,
}


def load(model_path, metadata_path=None, num_threads=None):
    """The runner of an exported `.tflite` file, chosen by its metadata's family.

    Args:
        model_path: the `.tflite` file.
        metadata_path: its sidecar JSON (default: beside the file).
        num_threads: LiteRT CPU threads.

    Returns:
        A `TFLiteTranslator`, `TFLiteForecaster`, `TFLiteCaptioner`
        (`RUNNERS[family]`).

    Example:

    >>> from keras_attention import export, runtime
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> model.build()
    >>> _ = export.export_tflite(model, "forecaster.tflite")
    >>> type(runtime.load("forecaster.tflite")).__name__
    'TFLiteForecaster'
    >>> metadata = runtime.load_metadata("forecaster.tflite")  # forecaster.json
    >>> metadata["family"], metadata["window"], sorted(metadata["signatures"])
    ('forecaster', 4, ['predict'])
    """
    model_path = os.fspath(model_path)
    _check_model_path(model_path)
    family = family_of(load_metadata(model_path, metadata_path))
    if family not in RUNNERS:
        raise ValueError(
            f"{model_path}: unknown model family {family!r} in its metadata; this "
            f"runtime knows {sorted(RUNNERS)}."
        )
    return RUNNERS[family](model_path, metadata_path, num_threads)
