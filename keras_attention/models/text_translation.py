"""Text in, text out: `translate` and `attention_maps` of `Seq2SeqTranslator`."""

import warnings

from keras_attention.layers import attention_utils
from keras_attention.models import samplers as samplers_lib
from keras_attention.models.task import to_numpy

# `translate()` refuses `max_length` above this many output tokens per source
# token (+ 64), or above MAX_LENGTH_CAP (see `Task._check_max_length`).
MAX_TOKENS_PER_SOURCE_TOKEN = 8


class TextTranslation:
    """Mixin of `Seq2SeqTranslator`: decoding text with its `TextPreprocessor`."""

    def translate(
        self,
        texts_or_ids,
        sampler="greedy",
        max_length=None,
        batch_size=64,
        return_attention=False,
        return_details=False,
    ):
        """Translates texts (or source id lists) to strings.

        Tokens the source vocabulary does not know are read as `[UNK]`, and
        a warning gives their count; an input that is empty (or only white
        space) is refused.

        Args:
            texts_or_ids: a string, a list of strings (split with the
                model's `tokenization` and encoded with its
                `source_vocabulary`), or a list / int array of id lists.
            sampler: `"greedy"`, `"random"`, `"beam"` or a sampler instance.
                With an n-best beam sampler, the best hypothesis is used.
            max_length: maximum output tokens; default `2 · S + 10`, rounded
                up to a multiple of 16, for a batch whose longest source has
                `S` tokens; at most `8 · S + 64` (and 4096).
            batch_size: sources decoded together (each batch is padded to
                its longest source).
            return_attention: also return, for each input, a dict with
                `"weights"` `(output tokens incl. end, source tokens)`,
                `"source_tokens"` and `"output_tokens"` (for plotting).
            return_details: return, for each input, a dict instead of a
                string: `"text"`, `"score"` (the sampler's score: summed
                log-probabilities, penalised for beam search),
                `"source_tokens"`, `"output_tokens"`, `"oov_tokens"` (the
                source tokens read as `[UNK]`), `"oov_rate"` and `"weights"`.

        Returns:
            A list of strings (a string for a string input); with
            `return_attention` also the attention dicts; with
            `return_details` the detail dicts.
        """
        if self.target_vocabulary is None:
            raise ValueError(
                "translate() needs the model's `target_vocabulary` to write "
                "strings; this model has none. Use generate() for token ids."
            )
        encoded, details = self._decode_texts(texts_or_ids, sampler, max_length, batch_size)
        if return_details:
            return details[0] if encoded.single else details
        texts = [d["text"] for d in details]
        attentions = [
            {key: d[key] for key in ("weights", "source_tokens", "output_tokens")}
            for d in details
        ]
        if encoded.single:
            texts, attentions = texts[0], attentions[0]
        return (texts, attentions) if return_attention else texts

    def _decode_texts(self, texts_or_ids, sampler, max_length, batch_size=64):
        """`(EncodedSources, [detail dict per input])`: the work of `translate`."""
        attention_utils.validate_positive_int("batch_size", batch_size)
        pre = self.preprocessor
        encoded = pre.encode_sources(
            texts_or_ids, argument="texts_or_ids",
            vocabulary_size=self.source_vocabulary_size,
        )
        if encoded.oov_count:
            warnings.warn(encoded.oov_message(), stacklevel=3)
        sampler = samplers_lib.get(sampler)
        details = []
        ids = encoded.ids
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            longest = max(len(r) for r in chunk)
            # The default cap is rounded up to a multiple of 16, so that a
            # corpus of varied lengths needs only a few traced decoders.
            length = max_length if max_length is not None else -(-(2 * longest + 10) // 16) * 16
            length = self._check_max_length(length, longest, MAX_TOKENS_PER_SOURCE_TOKEN)
            generate = self._compiled_generate(sampler, length, self.generate_input_spec())
            out = {k: to_numpy(v) for k, v in generate(pre.pad(chunk)).items()}
            token_ids, lengths, weights, scores = (
                out["token_ids"], out["lengths"], out["attention"], out["scores"]
            )
            if token_ids.ndim == 3:  # beam search: best hypothesis first
                token_ids, lengths, weights = token_ids[:, 0], lengths[:, 0], weights[:, 0]
                scores = scores[:, 0]
            for i, row in enumerate(chunk):
                n = int(lengths[i])
                k = start + i
                tokens = encoded.tokens[k] if encoded.tokens is not None else None
                w = weights[i, :n]
                if self.attention != "none":
                    w = w[:, : len(row)]
                details.append(
                    {
                        "text": None
                        if self.target_vocabulary is None
                        else pre.decode_target(token_ids[i, :n]),
                        "score": float(scores[i]),
                        "source_tokens": pre.source_labels(row, tokens),
                        "output_tokens": pre.target_labels(token_ids[i, :n]),
                        "oov_tokens": list(encoded.oov[k]),
                        "oov_rate": len(encoded.oov[k]) / len(row),
                        "weights": w,
                    }
                )
        return encoded, details

    def attention_maps(self, examples, sampler="greedy", max_length=None):
        """Output tokens × source tokens, one map per example (see `Task`).

        Args:
            examples: source strings, or token-id lists / an int array.
            sampler, max_length: as in `translate`.
        """
        if self.attention == "none":
            return []
        _, details = self._decode_texts(examples, sampler, max_length)
        char = self.tokenization == "char"
        maps = []
        for i, d in enumerate(details):
            src, out = d["source_tokens"], d["output_tokens"]
            text = ("" if char else " ").join(src)
            if char:  # make spaces visible as axis labels
                src = ["␣" if t == " " else t for t in src]
                out = ["␣" if t == " " else t for t in out]
            maps.append(
                {
                    "tag": f"example_{i}",
                    "weights": d["weights"],
                    "x_labels": src,
                    "y_labels": out,
                    "title": text if len(text) <= 60 else text[:59] + "…",
                    "x_title": "source tokens",
                    "y_title": "output tokens",
                }
            )
        return maps

