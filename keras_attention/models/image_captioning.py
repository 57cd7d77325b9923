"""Images in, text out: `caption` and `attention_maps` of `ImageCaptioner`."""

import numpy as np

from keras_attention.layers import attention_utils
from keras_attention.models import samplers as samplers_lib
from keras_attention.models.task import to_numpy

#: Output tokens decoded by default (end token included).
DEFAULT_MAX_LENGTH = 32


class ImageCaptioning:
    """Mixin of `ImageCaptioner`: captions and attention maps of images."""

    def caption(
        self,
        images,
        sampler="greedy",
        max_length=None,
        batch_size=64,
        return_attention=False,
        return_details=False,
    ):
        """Captions images.

        Args:
            images: what the model's `preprocessor.encode_images` reads: an
                image file (`.png`, `.npy`, ...), a list of files, or an
                array `(H, W)`, `(H, W, C)`, `(N, H, W)` or `(N, H, W, C)`
                (float pixels in [0, 1], or 8-bit integers).
            sampler: `"greedy"`, `"random"`, `"beam"` or a sampler instance.
                With an n-best beam sampler, the best hypothesis is used.
            max_length: maximum output tokens (end token included; default
                32).
            batch_size: images decoded together.
            return_attention: also return, per image, the attention maps
                `(emitted tokens incl. end, H', W')` (`(tokens, 1, 1)`
                without attention).
            return_details: return, per image, a dict instead of a string:
                `"text"`, `"token_ids"` (emitted, end included), `"tokens"`
                (their labels), `"score"` (the sampler's score) and
                `"attention"` `(tokens, H', W')`.

        Returns:
            A list of strings (one per image; a string for a single image
            file), with `return_attention` also the list of maps; with
            `return_details` the detail dicts.
        """
        single = isinstance(images, str) or hasattr(images, "__fspath__")
        details = self._decode_images(images, sampler, max_length, batch_size)
        if return_details:
            return details[0] if single else details
        texts = [d["text"] for d in details]
        maps = [d["attention"] for d in details]
        if single and len(details) == 1:
            texts, maps = texts[0], maps[0]
        return (texts, maps) if return_attention else texts

    def _decode_images(self, images, sampler, max_length, batch_size=64):
        attention_utils.validate_positive_int("batch_size", batch_size)
        pre = self.preprocessor
        pixels = pre.encode_images(images, argument="images")
        sampler = samplers_lib.get(sampler)
        length = self._check_max_length(
            DEFAULT_MAX_LENGTH if max_length is None else max_length
        )
        generate = self._compiled_generate(sampler, length, self.generate_input_spec())
        grid = tuple(self.feature_map[:2]) if self.attention != "none" else (1, 1)
        details = []
        for start in range(0, len(pixels), batch_size):
            out = {k: to_numpy(v) for k, v in generate(pixels[start : start + batch_size]).items()}
            token_ids, lengths, weights, scores = (
                out["token_ids"], out["lengths"], out["attention"], out["scores"]
            )
            if token_ids.ndim == 3:  # beam search: best hypothesis first
                token_ids, lengths, weights = token_ids[:, 0], lengths[:, 0], weights[:, 0]
                scores = scores[:, 0]
            for i in range(len(token_ids)):
                n = int(lengths[i])
                ids = token_ids[i, :n]
                details.append(
                    {
                        "text": None if self.vocabulary is None else pre.decode_caption(ids),
                        "token_ids": ids,
                        "tokens": pre.caption_labels(ids),
                        "score": float(scores[i]),
                        "attention": weights[i, :n].reshape((n,) + grid),
                        "image": pixels[start + i],
                    }
                )
        return details

    def attention_maps(self, examples, sampler="greedy", max_length=None):
        """One image map per example: the attention of every emitted token.

        Args:
            examples: images, as `caption` reads them.
            sampler, max_length: as in `caption`.

        Returns:
            A list of dicts (see `Task.attention_maps`) with `"kind":
            "image"`: `"image"` (the preprocessed image `(H, W)` or
            `(H, W, C)`), `"grid"` (`[H', W']`) and `"weights"` `(tokens,
            H'·W')` (row-major locations, so that code drawing plain
            matrices draws it too), `"y_labels"` the emitted tokens.
            Empty for a model without attention.
        """
        if self.attention == "none":
            return []
        details = self._decode_images(examples, sampler, max_length)
        maps = []
        for i, d in enumerate(details):
            weights = np.asarray(d["attention"], "float32")
            image = d["image"]
            if image.shape[-1] == 1:
                image = image[..., 0]
            text = d["text"] if d["text"] is not None else " ".join(d["tokens"])
            maps.append(
                {
                    "tag": f"example_{i}",
                    "kind": "image",
                    "image": image,
                    "grid": list(weights.shape[1:]),
                    "weights": weights.reshape(len(weights), -1),
                    "x_labels": None,
                    "y_labels": list(d["tokens"]),
                    "title": text if len(text) <= 60 else text[:59] + "…",
                    "x_title": "image locations (row-major)",
                    "y_title": "output tokens",
                }
            )
        return maps
