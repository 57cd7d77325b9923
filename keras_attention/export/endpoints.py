"""Serving endpoints of the exportable models, built on the models' own code.

Every decode endpoint reuses the library's single decoder step
(`AttentionDecoder.decode_step`) and the samplers of
`keras_attention.models.samplers`: `translate_greedy` and `translate_beam`
are `Seq2SeqTranslator.generate` with a `GreedySampler` / `BeamSampler`,
`encode` is `Seq2SeqTranslator.encode` plus the decoder's
`prepare_memory` / `get_initial_state`, and `decode_step` is
`decoder.decode_step`. Nothing about the step or the loop is written again
here; this module only fixes the input signatures and packs the outputs into
flat dicts of tensors (what SavedModel and TFLite signatures need).

The decoder states travel through the `encode` / `decode_step` pair as one
float32 tensor `(B, sum(state sizes))`, the step states concatenated in the
order given by `state_layout()` (cell states, the fed attention vector if
any, the step counter).
"""

import numpy as np
from keras import ops

from keras_attention.models import samplers as samplers_lib
from keras_attention.models.seq2seq_translator import Seq2SeqTranslator
from keras_attention.models.time_series_forecaster import TimeSeriesForecaster

TRANSLATOR_ENDPOINTS = ("translate_greedy", "translate_beam", "encode", "decode_step")
FORECASTER_ENDPOINTS = ("predict",)


def model_kind(model):
    """`"translator"` or `"forecaster"`; raises for anything else."""
    if isinstance(model, Seq2SeqTranslator):
        return "translator"
    if isinstance(model, TimeSeriesForecaster):
        return "forecaster"
    raise ValueError(
        "`model` must be a keras_attention Seq2SeqTranslator or "
        f"TimeSeriesForecaster. Received: model of type {type(model).__name__}"
    )


def check_built(model):
    if not model.built:
        raise ValueError(
            f"The {type(model).__name__} is not built, so it has no weights to "
            "export. Call it once on data, fit it, or load a trained one "
            "(`keras.models.load_model`) before exporting. Received: an unbuilt "
            f"model {model.name!r}"
        )


class DecodingOptions:
    """Export-time decoding options of the translator endpoints.

    Args:
        max_length: positive integer, the size of the output buffers (the
            maximum number of emitted tokens, end token included).
        beam_width: positive integer, hypotheses kept by `translate_beam`.
        length_penalty: float `>= 0`, GNMT length penalty `alpha`.
        coverage_penalty: float `>= 0`, GNMT coverage penalty `beta`.
        num_return: hypotheses returned by `translate_beam`, best first.

    Example:

    >>> from keras_attention.export import DecodingOptions
    >>> options = DecodingOptions(max_length=20, beam_width=3, num_return=2)
    >>> options.get_config()
    {'max_length': 20, 'beam_width': 3, 'length_penalty': 0.0, 'coverage_penalty': 0.0, 'num_return': 2}
    >>> options.beam_sampler()
    BeamSampler(beam_width=3, length_penalty=0.0, coverage_penalty=0.0, num_return=2)
    """

    def __init__(
        self,
        max_length=50,
        beam_width=4,
        length_penalty=0.0,
        coverage_penalty=0.0,
        num_return=1,
    ):
        if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) or (
            max_length < 1
        ):
            raise ValueError(
                f"`max_length` must be a positive integer. Received: max_length={max_length!r}"
            )
        self.max_length = int(max_length)
        # BeamSampler validates the rest with messages naming the argument.
        self.beam = samplers_lib.BeamSampler(
            beam_width=beam_width,
            length_penalty=length_penalty,
            coverage_penalty=coverage_penalty,
            num_return=num_return,
        )

    def greedy_sampler(self):
        return samplers_lib.GreedySampler()

    def beam_sampler(self):
        return samplers_lib.BeamSampler(**self.beam.get_config())

    def get_config(self):
        return {"max_length": self.max_length, **self.beam.get_config()}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def state_layout(model):
    """`[(name, size), ...]` of the packed decoder state (translator)."""
    cell = model.decoder.cell
    names = [f"cell_state_{i}" for i in range(cell.num_cell_states)]
    if cell.input_feeding:
        names.append("attention_vector")
    names.append("step_counter")
    sizes = [int(s) for s in cell.state_size]
    return list(zip(names, sizes, strict=True))


def _pack(states):
    return ops.concatenate([ops.cast(s, "float32") for s in states], axis=-1)


def _unpack(model, packed):
    sizes = [size for _, size in state_layout(model)]
    splits = np.cumsum(sizes)[:-1].tolist()
    parts = ops.split(packed, splits, axis=-1) if splits else [packed]
    dtype = model.decoder.cell.compute_dtype
    # The step counter stays float32 (as `get_initial_state` makes it).
    return [ops.cast(p, dtype) for p in parts[:-1]] + [ops.cast(parts[-1], "float32")]


def has_attention(model):
    return model.attention != "none"


def translator_functions(model, options):
    """`{name: fn}` for the translator's id-level endpoints."""

    def translate_greedy(source_ids):
        out = model.generate(
            source_ids, sampler=options.greedy_sampler(), max_length=options.max_length
        )
        return {
            "token_ids": out["token_ids"],
            "scores": out["scores"],
            "lengths": out["lengths"],
            "attention": out["attention"],
        }

    def translate_beam(source_ids):
        out = model.generate(
            source_ids, sampler=options.beam_sampler(), max_length=options.max_length
        )
        return {
            "token_ids": out["token_ids"],
            "scores": out["scores"],
            "log_probs": out["log_probs"],
            "lengths": out["lengths"],
            "attention": out["attention"],
        }

    def encode(source_ids):
        memory, memory_mask, cell_states = model.encode(source_ids, training=False)
        batch = ops.shape(memory)[0]
        states = model.decoder.get_initial_state(batch_size=batch, cell_states=cell_states)
        out = {"memory": ops.cast(memory, "float32"), "states": _pack(states)}
        if has_attention(model):
            out["memory_mask"] = ops.cast(memory_mask, "int32")
            out["keys"] = ops.cast(model.decoder.prepare_memory(memory), "float32")
        return out

    def decode_step(token_ids, states, memory, memory_mask=None, keys=None):
        dtype = model.decoder.compute_dtype
        memory = ops.cast(memory, dtype)
        if memory_mask is not None:
            memory_mask = ops.not_equal(memory_mask, 0)
        if keys is not None:
            keys = ops.cast(keys, dtype)
        logits, new_states, weights = model.decoder.decode_step(
            token_ids, _unpack(model, states), memory, memory_mask, keys=keys
        )
        logits = ops.cast(logits, "float32")
        next_tokens = samplers_lib.GreedySampler()._next_tokens(logits)
        return {
            "token_ids": ops.cast(next_tokens, "int32"),
            "scores": ops.log_softmax(logits, axis=-1),
            "attention": ops.cast(weights, "float32"),
            "states": _pack(new_states),
        }

    return {
        "translate_greedy": translate_greedy,
        "translate_beam": translate_beam,
        "encode": encode,
        "decode_step": decode_step,
    }


def translator_signatures(model, batch_size):
    """`{name: [TensorSpec, ...]}`; `batch_size` None (dynamic) or an int.

    `decode_step` always has a dynamic batch (it has no loop, so TFLite
    converts it as is): an app running its own beam search feeds `K` rows.
    """
    import tensorflow as tf

    memory_dim = model.memory_dim
    state_dim = sum(size for _, size in state_layout(model))
    source = [tf.TensorSpec([batch_size, None], tf.int32, name="source_ids")]
    step = [
        tf.TensorSpec([None], tf.int32, name="token_ids"),
        tf.TensorSpec([None, state_dim], tf.float32, name="states"),
        tf.TensorSpec([None, None if has_attention(model) else 1, memory_dim], tf.float32,
                      name="memory"),
    ]
    if has_attention(model):
        key_dim = _key_dim(model)
        step += [
            tf.TensorSpec([None, None], tf.int32, name="memory_mask"),
            tf.TensorSpec([None, None, key_dim], tf.float32, name="keys"),
        ]
    return {
        "translate_greedy": source,
        "translate_beam": source,
        "encode": source,
        "decode_step": step,
    }


def _key_dim(model):
    memory = ops.zeros((1, 2, model.memory_dim), model.decoder.compute_dtype)
    return int(model.decoder.prepare_memory(memory).shape[-1])


def forecaster_functions(model):
    def predict(drivers, past_target):
        forecast, scores = model(
            {"drivers": drivers, "past_target": past_target},
            training=False,
            return_attention_scores=True,
        )
        out = {"predictions": ops.cast(forecast, "float32")}
        for key in sorted(scores):
            out[f"{key}_attention"] = ops.cast(scores[key], "float32")
        return out

    return {"predict": predict}


def forecaster_signatures(model, batch_size):
    import tensorflow as tf

    return {
        "predict": [
            tf.TensorSpec(
                [batch_size, model.window, model.num_features], tf.float32, name="drivers"
            ),
            tf.TensorSpec(
                [batch_size, model.past_target_length, 1], tf.float32, name="past_target"
            ),
        ]
    }


def functions_and_signatures(model, batch_size, options=None):
    kind = model_kind(model)
    if kind == "translator":
        return translator_functions(model, options), translator_signatures(model, batch_size)
    return forecaster_functions(model), forecaster_signatures(model, batch_size)
