"""The export members of tasks that decode tokens (translator, captioner).

A token task exports four endpoints built on its own code:
`<prefix>_greedy` and `<prefix>_beam` are `generate` with a
`GreedySampler` / the export's `BeamSampler`; `encode` is the task's
`encode` plus the decoder's `prepare_memory` / `get_initial_state`; and
`decode_step` is `AttentionDecoder.decode_step` — the pair with which an
app runs its own loop. Nothing about the step or the loop is written again.

The decoder states travel through `encode` / `decode_step` as one float32
tensor `(B, sum(state sizes))` (`state_layout()`: cell states, the fed
attention vector, the step counter) plus, for attention that keeps a
per-position state (monotonic attention, coverage), `attention_states`
`(B, K, S)`.
"""

import numpy as np
from keras import ops

from keras_attention.layers.memory import Memory
from keras_attention.models import samplers as samplers_lib
from keras_attention.models.task import (
    ATTENTION,
    SCORES,
    STATE,
    TOKENS,
    Endpoint,
    to_numpy,
)

DEFAULT_EXPORT_MAX_LENGTH = 50


class TokenDecoderExport:
    """Mixin of `Task` subclasses whose decoder emits tokens.

    The task provides `decoder` (an `AttentionDecoder` with embedding and
    output layer), `encode(inputs) -> (Memory, cell_states)`,
    `endpoint_prefix` (e.g. `"translate"`), `encoder_input_specs(batch_size)`
    (`[(name, shape, dtype)]`) and `export_examples(samples)`.
    """

    endpoint_prefix = None

    # -- state packing -------------------------------------------------------
    def state_layout(self):
        """`[(name, size), ...]` of the packed decoder state."""
        cell = self.decoder.cell
        names = [f"cell_state_{i}" for i in range(cell.num_cell_states)]
        sizes = [int(s) for s in cell.state_size[: cell.num_cell_states]]
        if cell.input_feeding:
            names.append("attention_vector")
            sizes.append(int(cell.attention_size))
        names.append("step_counter")
        sizes.append(1)
        return list(zip(names, sizes, strict=True))

    @property
    def _num_attention_states(self):
        return len(self.decoder.cell.stateful_mechanisms)

    def _pack_states(self, states):
        k = self._num_attention_states
        fixed = list(states[: len(states) - k - 1]) + [states[-1]]
        packed = ops.concatenate([ops.cast(s, "float32") for s in fixed], axis=-1)
        if not k:
            return packed, None
        attention = ops.stack(
            [ops.cast(s, "float32") for s in states[len(states) - k - 1 : -1]], axis=1
        )
        return packed, attention

    def _unpack_states(self, packed, attention_states=None):
        sizes = [size for _, size in self.state_layout()]
        splits = np.cumsum(sizes)[:-1].tolist()
        parts = ops.split(packed, splits, axis=-1) if splits else [packed]
        dtype = self.decoder.cell.compute_dtype
        # The step counter stays float32 (as `get_initial_state` makes it).
        states = [ops.cast(p, dtype) for p in parts[:-1]]
        if attention_states is not None:
            states += [
                attention_states[:, i] for i in range(self._num_attention_states)
            ]
        return states + [ops.cast(parts[-1], "float32")]

    @property
    def _has_attention(self):
        return self.decoder.cell.attention is not None

    @property
    def _exports_step_pair(self):
        # One memory shared by at most one mechanism: `encode` returns one
        # memory (values, mask, keys) that `decode_step` takes back.
        return len(self.decoder.cell.mechanisms) <= 1

    def _key_dim(self):
        memory = self.decoder.prepare_memory(
            ops.zeros((1, 2, self.memory_dim), self.decoder.compute_dtype)
        )
        return int(memory.keys.shape[-1])

    # -- the endpoints -----------------------------------------------------------
    def export_endpoints(
        self, sampler=None, max_length=None, batch_size=None, include_strings=False
    ):
        """`{name: Endpoint}`: greedy and beam search, `encode`, `decode_step`.

        Args:
            sampler: the `BeamSampler` of the beam endpoint (default
                `BeamSampler()`).
            max_length: output buffer size (maximum emitted tokens).
            batch_size: `None` (dynamic) or the fixed batch of the looped
                endpoints (TFLite needs one).
            include_strings: also text endpoints (SavedModel only).
        """
        beam = self._beam_sampler(sampler)
        max_length = self._export_max_length(max_length)
        prefix = self.endpoint_prefix
        source = self.encoder_input_specs(batch_size)
        names = [name for name, _, _ in source]
        greedy = samplers_lib.GreedySampler()

        def decoded(sampler_):
            def fn(*inputs):
                out = self.generate(
                    self._encoder_inputs(dict(zip(names, inputs, strict=True))),
                    sampler=sampler_,
                    max_length=max_length,
                )
                return {k: out[k] for k in sorted(out)}

            return fn

        outputs = {
            "token_ids": TOKENS, "lengths": TOKENS, "scores": SCORES,
            "attention": ATTENTION,
        }
        endpoints = {
            f"{prefix}_greedy": Endpoint(decoded(greedy), source, outputs, True),
            f"{prefix}_beam": Endpoint(
                decoded(beam), source, dict(outputs, log_probs=SCORES), True
            ),
        }
        if self._exports_step_pair:
            endpoints["encode"] = Endpoint(
                self._encode_endpoint(names), self.encoder_input_specs(batch_size),
                {"memory": STATE, "states": STATE}, False,
            )
            endpoints["decode_step"] = Endpoint(
                self._decode_step_endpoint(), self._decode_step_specs(),
                {"token_ids": TOKENS, "scores": SCORES, "attention": ATTENTION,
                 "states": STATE}, False,
            )
        if include_strings:
            endpoints.update(self.export_string_endpoints(beam, max_length))
        return endpoints

    def export_string_endpoints(self, beam_sampler, max_length):
        """Text endpoints of a SavedModel (none by default)."""
        return {}

    def _beam_sampler(self, sampler):
        if sampler is None:
            return samplers_lib.BeamSampler()
        if not isinstance(sampler, samplers_lib.BeamSampler):
            raise ValueError(
                "`sampler` must be the BeamSampler of the beam-search endpoint "
                f"(greedy is always exported too). Received: sampler={sampler!r}"
            )
        return sampler

    def _export_max_length(self, max_length):
        if max_length is None:
            return DEFAULT_EXPORT_MAX_LENGTH
        return self._check_max_length(max_length)

    def _encoder_inputs(self, named):
        """The value `generate`/`encode` take, from the named endpoint inputs."""
        return next(iter(named.values()))

    def _encode_endpoint(self, names):
        def encode(*inputs):
            x = self._encoder_inputs(dict(zip(names, inputs, strict=True)))
            memory, cell_states = self.encode(x, training=False)
            memory = self.decoder.prepare_memory(memory)  # keys projected once
            batch = ops.shape(memory.values)[0]
            states = self.decoder.get_initial_state(
                batch_size=batch, cell_states=cell_states, memory=memory
            )
            packed, attention = self._pack_states(states)
            out = {"memory": ops.cast(memory.values, "float32"), "states": packed}
            if self._has_attention:
                out["memory_mask"] = ops.cast(memory.mask, "int32")
                out["keys"] = ops.cast(memory.keys, "float32")
            if attention is not None:
                out["attention_states"] = attention
            return out

        return encode

    def _decode_step_endpoint(self):
        has_attention_states = bool(self._num_attention_states)

        def decode_step(token_ids, states, memory, *extra):
            dtype = self.decoder.compute_dtype
            memory = ops.cast(memory, dtype)
            mask = keys = attention_states = None
            if self._has_attention:
                mask, keys = ops.not_equal(extra[0], 0), ops.cast(extra[1], dtype)
                if has_attention_states:
                    attention_states = extra[2]
            logits, new_states, weights = self.decoder.decode_step(
                token_ids, self._unpack_states(states, attention_states), Memory(memory, mask, keys)
            )
            logits = ops.cast(logits, "float32")
            next_tokens = samplers_lib.GreedySampler()._next_tokens(logits)
            packed, attention = self._pack_states(new_states)
            out = {
                "token_ids": ops.cast(next_tokens, "int32"),
                "scores": ops.log_softmax(logits, axis=-1),
                "attention": ops.cast(samplers_lib.sampler.first_weights(weights), "float32"),
                "states": packed,
            }
            if attention is not None:
                out["attention_states"] = attention
            return out

        return decode_step

    def _decode_step_specs(self):
        """`decode_step` keeps a dynamic batch (it has no loop)."""
        state_dim = sum(size for _, size in self.state_layout())
        specs = [
            ("token_ids", [None], "int32"),
            ("states", [None, state_dim], "float32"),
            ("memory", [None, None if self._has_attention else 1, self.memory_dim],
             "float32"),
        ]
        if self._has_attention:
            specs += [
                ("memory_mask", [None, None], "int32"),
                ("keys", [None, None, self._key_dim()], "float32"),
            ]
            if self._num_attention_states:
                specs.append(
                    ("attention_states", [None, self._num_attention_states, None],
                     "float32")
                )
        return specs

    # -- metadata and verification --------------------------------------------
    def export_metadata(self, sampler=None, max_length=None):
        data = {
            "decoding": {
                "max_length": self._export_max_length(max_length),
                **self._beam_sampler(sampler).get_config(),
            },
            "state_layout": [
                {"name": name, "size": size} for name, size in self.state_layout()
            ],
            "attention_states": self._num_attention_states,
            "memory_dim": self.memory_dim,
        }
        if self.preprocessor is not None:
            data["preprocessor"] = {
                "class_name": type(self.preprocessor).__name__,
                "config": self.preprocessor.get_config(),
            }
            data["special_ids"] = dict(self.preprocessor.special_ids)
        return data

    def export_reference(self, examples, endpoint_names, sampler=None, max_length=None):
        """Keras outputs of the decoding endpoints, one dict per example.

        Examples of the same input shape are decoded together (traced
        `generate`, as `translate()` runs), so no padding enters the
        comparison.
        """
        max_length = self._export_max_length(max_length)
        samplers = {
            f"{self.endpoint_prefix}_greedy": samplers_lib.GreedySampler(),
            f"{self.endpoint_prefix}_beam": self._beam_sampler(sampler),
        }
        results = {}
        for name in endpoint_names:
            if name not in samplers:
                continue
            per_example = [None] * len(examples)
            groups = {}
            for i, example in enumerate(examples):
                key = tuple((k, v.shape) for k, v in sorted(example.items()))
                groups.setdefault(key, []).append(i)
            for indices in groups.values():
                batch = {
                    k: np.concatenate([examples[i][k] for i in indices])
                    for k in examples[indices[0]]
                }
                x = self._encoder_inputs(batch)
                fn = self._compiled_generate(
                    samplers[name], max_length, self.generate_input_spec()
                )
                out = {k: to_numpy(v) for k, v in fn(x).items()}
                for j, i in enumerate(indices):
                    per_example[i] = {k: v[j] for k, v in out.items()}
            results[name] = per_example
        return results
