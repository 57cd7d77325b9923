"""Decoding loops: greedy, random (temperature / top-k) and beam search.

Each sampler owns one `keras.ops.while_loop` that calls the decoder's single
step, `AttentionDecoder.decode_step` (embedding + `AttentionDecoderCell.step`
+ output projection), and stops early once every sequence has emitted the
end token. Beam search tiles the memory, its mask, the projected keys and the
initial states itself: callers never tile.

The loops are written to be traced by `tf.function` and converted to TFLite
with builtin ops only (batch fixed, e.g. to 1): outputs live in fixed-size
buffers updated with `one_hot` / `where` (no TensorArray), the arg-max is
`top_k(x, 1)` (`ops.argmax` on floats needs a Flex op), beams are reordered
with `take` (GATHER), and every loop variable keeps its shape.

All samplers are called as

    outputs = sampler(decoder, memory, memory_mask, initial_state,
                      start_id=2, end_id=3, max_length=50)

and return a dict of tensors:

- `"token_ids"`: int32 `(B, L)` (`(B, N, L)` for beam search), the emitted
  tokens including the end token, then 0;
- `"scores"`: `(B,)` / `(B, N)`: the sum of the tokens' log-probabilities
  (beam search: the penalised score used to rank hypotheses);
- `"lengths"`: int32, the number of emitted tokens (end token included);
- `"attention"`: `(B, L, S)` / `(B, N, L, S)`, the alignments of every
  emitted token (zeros after the end token), re-ordered with the beams;
- beam search also returns `"log_probs"` `(B, N)`, the unpenalised sums.

`L` is `max_length`: the buffers have a fixed size even when decoding stops
early.
"""

import keras
from keras import ops, tree

from keras_attention.layers import attention_utils

# Large negative log-probability for impossible continuations; float32 only.
NEG = -1e9


def _batch_size(memory):
    return memory.shape[0] if memory.shape[0] is not None else ops.shape(memory)[0]


def _memory_positions(decoder, memory):
    if decoder.cell.attention is None:
        return 1
    length = memory.shape[1]
    return length if length is not None else ops.shape(memory)[1]


def _validate_call(decoder, start_id, end_id, max_length):
    if not hasattr(decoder, "decode_step") or not getattr(decoder, "takes_tokens", False):
        raise ValueError(
            "`decoder` must be an AttentionDecoder built with an `embedding` and "
            f"an `output_layer` (token ids in, logits out). Received: decoder={decoder!r}"
        )
    attention_utils.validate_positive_int("max_length", max_length)
    for name, value in (("start_id", start_id), ("end_id", end_id)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(
                f"`{name}` must be a non-negative integer. Received: {name}={value!r}"
            )


def _vocabulary_size(decoder):
    return int(
        decoder.output_layer.compute_output_shape((None, decoder.cell.output_size))[-1]
    )


def _token_log_prob(log_probs, tokens, vocab):
    return ops.sum(log_probs * ops.one_hot(tokens, vocab, dtype=log_probs.dtype), axis=-1)


def _prepare(decoder, memory, memory_mask, initial_state):
    memory = ops.convert_to_tensor(memory)
    if not decoder.built:
        raise ValueError(
            "The decoder is not built: run the model once (or build it) before "
            "decoding."
        )
    memory = ops.cast(memory, decoder.compute_dtype)
    if memory_mask is not None:
        memory_mask = ops.cast(memory_mask, "bool")
    if initial_state is not None and not isinstance(initial_state, (list, tuple)):
        initial_state = [initial_state]
    return memory, memory_mask, initial_state


class Sampler:
    """Base class: validation and the shared greedy/random loop.

    A subclass chooses the next tokens from the step's logits in
    `_next_tokens(logits)` (float32 `(B, V)` → int `(B,)`); the loop, the
    buffers and early stopping are shared. Keep the choice convertible to
    TFLite builtins (`ops.top_k`, not `ops.argmax` on floats) if the model
    is to be exported.

    Example:

    >>> import numpy as np
    >>> from keras import ops
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> from keras_attention.models.samplers import Sampler
    >>> class LeastLikelySampler(Sampler):
    ...     def _next_tokens(self, logits):
    ...         return ops.top_k(-logits, 1)[1][:, 0]
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> out = model.generate(np.array([[5, 6, 7]]), sampler=LeastLikelySampler(),
    ...                      max_length=4)
    >>> tuple(out["token_ids"].shape)
    (1, 4)
    """

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def _next_tokens(self, logits):
        """Chooses `(B,)` int32 tokens from float32 logits `(B, V)`."""
        raise NotImplementedError

    def __call__(
        self,
        decoder,
        memory,
        memory_mask=None,
        initial_state=None,
        start_id=2,
        end_id=3,
        max_length=50,
    ):
        """Decodes one token per step until every row has emitted `end_id`.

        Args:
            decoder: an `AttentionDecoder` with `embedding` and `output_layer`.
            memory: `(B, S, D)` encoder outputs (`(B, 1, D)` without attention).
            memory_mask: optional boolean `(B, S)`.
            initial_state: optional list of the wrapped cell's initial states
                (e.g. the encoder's final state).
            start_id, end_id: the start and end token ids.
            max_length: maximum number of emitted tokens (buffer size).

        Returns:
            A dict, see the module docstring.
        """
        _validate_call(decoder, start_id, end_id, max_length)
        memory, memory_mask, initial_state = _prepare(
            decoder, memory, memory_mask, initial_state
        )
        batch = _batch_size(memory)
        positions = _memory_positions(decoder, memory)
        vocab = _vocabulary_size(decoder)
        keys = decoder.prepare_memory(memory)
        states = decoder.get_initial_state(batch_size=batch, cell_states=initial_state)
        steps = max_length

        init = (
            ops.zeros((), "int32"),  # step
            ops.full((batch,), start_id, "int32"),  # previous token
            list(states),
            ops.zeros((batch, steps), "int32"),  # token buffer
            ops.zeros((batch,), "float32"),  # score
            ops.zeros((batch,), "int32"),  # length
            ops.zeros((batch,), "bool"),  # finished
            ops.zeros((batch, steps, positions), "float32"),  # attention buffer
        )

        def cond(step, prev, states, ids, score, length, finished, attn):
            unfinished = ops.sum(ops.cast(ops.logical_not(finished), "int32"))
            return ops.logical_and(step < steps, unfinished > 0)

        def body(step, prev, states, ids, score, length, finished, attn):
            logits, new_states, weights = decoder.decode_step(
                prev, states, memory, memory_mask, keys=keys
            )
            logits = ops.cast(logits, "float32")
            log_probs = ops.log_softmax(logits, axis=-1)
            token = ops.cast(self._next_tokens(logits), "int32")
            token = ops.where(finished, ops.zeros_like(token), token)
            live = ops.logical_not(finished)
            score = score + ops.where(
                live, _token_log_prob(log_probs, token, vocab), 0.0
            )
            length = length + ops.cast(live, "int32")
            here = ops.one_hot(step, steps, dtype="float32") > 0.5  # (L,)
            ids = ops.where(ops.expand_dims(here, 0), ops.expand_dims(token, 1), ids)
            weights = ops.where(
                ops.expand_dims(live, 1), ops.cast(weights, "float32"), 0.0
            )
            attn = ops.where(
                here[None, :, None], ops.expand_dims(weights, 1), attn
            )
            finished = ops.logical_or(finished, ops.equal(token, end_id))
            new_states = [
                ops.cast(n, s.dtype) for n, s in zip(new_states, states, strict=True)
            ]
            return (step + 1, token, new_states, ids, score, length, finished, attn)

        _, _, _, ids, score, length, _, attn = ops.while_loop(cond, body, init)
        return {"token_ids": ids, "scores": score, "lengths": length, "attention": attn}


@keras.saving.register_keras_serializable(package="keras_attention")
class GreedySampler(Sampler):
    """Greedy decoding: the most probable token at every step.

    Example:

    A sampler runs the decoder of a model over an encoded source (this is
    what `Seq2SeqTranslator.generate(source_ids, sampler="greedy")` does):

    >>> import numpy as np
    >>> from keras_attention.models import GreedySampler, Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> source_ids = np.array([[5, 6, 7], [8, 9, 0]])  # 0 = padding
    >>> memory, memory_mask, states = model.encode(source_ids)
    >>> out = GreedySampler()(model.decoder, memory, memory_mask, states,
    ...                       start_id=2, end_id=3, max_length=6)
    >>> sorted(out)
    ['attention', 'lengths', 'scores', 'token_ids']
    >>> tuple(out["token_ids"].shape), tuple(out["attention"].shape)
    ((2, 6), (2, 6, 3))
    >>> same = model.generate(source_ids, sampler="greedy", max_length=6)
    >>> np.array_equal(out["token_ids"], same["token_ids"])
    True
    """

    def _next_tokens(self, logits):
        # top_k, not ops.argmax: it lowers to a TFLite builtin (see module doc).
        return ops.top_k(logits, 1)[1][:, 0]


@keras.saving.register_keras_serializable(package="keras_attention")
class RandomSampler(Sampler):
    """Samples each token from the softmax of `logits / temperature`.

    With `top_k`, only the `top_k` most probable tokens can be drawn. Drawn
    with the Gumbel-max trick (`top_k(logits + Gumbel noise, 1)`), which
    needs only builtin TFLite ops. The returned `scores` are the sums of the
    model's own log-probabilities (temperature 1, no truncation).

    Args:
        temperature: positive float; below 1 sharpens, above 1 flattens.
        top_k: positive integer or `None` (sample from every token).
        seed: integer seed (a `keras.random.SeedGenerator` is made from it).

    Example:

    >>> import numpy as np
    >>> from keras_attention.models import RandomSampler, Seq2SeqTranslator
    >>> sampler = RandomSampler(temperature=0.7, top_k=10, seed=1)
    >>> sampler
    RandomSampler(temperature=0.7, top_k=10, seed=1)
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> out = model.generate(np.array([[5, 6, 7]]), sampler=sampler, max_length=6)
    >>> tuple(out["token_ids"].shape), tuple(out["scores"].shape)
    ((1, 6), (1,))
    """

    def __init__(self, temperature=1.0, top_k=None, seed=None):
        if isinstance(temperature, bool) or not isinstance(
            temperature, (int, float)
        ) or not temperature > 0:
            raise ValueError(
                "`temperature` must be a positive number. "
                f"Received: temperature={temperature!r}"
            )
        self.temperature = float(temperature)
        self.top_k = attention_utils.validate_positive_int("top_k", top_k, allow_none=True)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _next_tokens(self, logits):
        logits = logits / self.temperature
        if self.top_k is not None:
            k = min(self.top_k, int(logits.shape[-1]))
            kth = ops.top_k(logits, k)[0][:, -1:]
            logits = ops.where(logits < kth, NEG, logits)
        u = keras.random.uniform(
            ops.shape(logits), minval=1e-7, maxval=1.0, seed=self.seed_generator
        )
        gumbel = -ops.log(-ops.log(u))
        return ops.top_k(logits + gumbel, 1)[1][:, 0]

    def get_config(self):
        return {"temperature": self.temperature, "top_k": self.top_k, "seed": self.seed}


def _tile_beams(x, beam_width):
    """`(B, ...)` → `(B·K, ...)`, each row repeated K times in a row."""
    shape = ops.shape(x)
    x = ops.expand_dims(x, 1)
    x = ops.broadcast_to(x, (shape[0], beam_width) + tuple(shape[1:]))
    return ops.reshape(x, (shape[0] * beam_width,) + tuple(shape[1:]))


def length_penalty(lengths, alpha):
    """GNMT length penalty `lp(Y) = ((5 + |Y|) / 6) ** alpha` (Wu et al., 2016).

    Args:
        lengths: integer tensor of hypothesis lengths `|Y|`.
        alpha: float `>= 0`; 0 gives 1 (no penalty).

    Returns:
        A float32 tensor shaped like `lengths`.

    Example:

    >>> from keras_attention.models.samplers import length_penalty
    >>> round(float(length_penalty(7, 0.6)), 4)  # (12 / 6) ** 0.6
    1.5157
    """
    lengths = ops.cast(lengths, "float32")
    return ops.power((5.0 + lengths) / 6.0, alpha)


def coverage_penalty(coverage, memory_mask, beta):
    """GNMT coverage penalty `β Σ_j log(min(Σ_i α_ij, 1))` over real positions.

    `coverage` holds `Σ_i α_ij`, `(..., S)`; padded positions (mask False)
    add nothing; coverage is floored at 1e-10 so that an unattended
    position costs `β · log(1e-10)` instead of −∞.

    Args:
        coverage: float tensor `(..., S)`, attention summed over the output
            steps.
        memory_mask: optional boolean `(..., S)`, `False` for padding.
        beta: float `>= 0`.

    Returns:
        A float tensor `(...)`, `<= 0`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.samplers import coverage_penalty
    >>> coverage = np.array([[0.5, 1.5, 1.0]], "float32")
    >>> np.asarray(coverage_penalty(coverage, None, 1.0)).round(4)  # log(0.5)
    array([-0.6931], dtype=float32)
    >>> mask = np.array([[False, True, True]])
    >>> np.asarray(coverage_penalty(coverage, mask, 1.0)).round(4)
    array([0.], dtype=float32)
    """
    penalty = ops.log(ops.minimum(ops.maximum(coverage, 1e-10), 1.0))
    if memory_mask is not None:
        penalty = ops.where(memory_mask, penalty, 0.0)
    return beta * ops.sum(penalty, axis=-1)


@keras.saving.register_keras_serializable(package="keras_attention")
class BeamSampler(Sampler):
    """Beam search with GNMT length and coverage penalties and n-best output.

    Keeps `beam_width` hypotheses per example. At each step every hypothesis
    is extended by every token; candidates are ranked by

        score(Y) = log P(Y | X) / lp(Y) + cp(X; Y)
        lp(Y)    = ((5 + |Y|) / 6) ** length_penalty
        cp(X; Y) = coverage_penalty · Σ_j log(min(Σ_i α_ij, 1))

    (Wu et al., 2016; `|Y|` counts the end token) and the best `beam_width`
    survive. A finished hypothesis stays in the beam with an unchanged score
    (as `tfa.seq2seq.BeamSearchDecoder`); decoding stops when all are
    finished. With `length_penalty=0` and `coverage_penalty=0` the score is
    the log-probability, and `beam_width=1` is greedy decoding.

    Args:
        beam_width: positive integer, hypotheses kept per example.
        length_penalty: float `α ≥ 0`; larger values favour longer outputs.
        coverage_penalty: float `β ≥ 0`; larger values favour hypotheses
            whose attention covered every source position.
        num_return: how many of the best hypotheses to return
            (`1 ≤ num_return ≤ beam_width`), best first.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models import BeamSampler, Seq2SeqTranslator
    >>> sampler = BeamSampler(beam_width=4, length_penalty=0.6, num_return=2)
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> out = model.generate(np.array([[5, 6, 7]]), sampler=sampler, max_length=6)
    >>> tuple(out["token_ids"].shape), tuple(out["attention"].shape)  # 2-best
    ((1, 2, 6), (1, 2, 6, 3))
    >>> scores = np.asarray(out["scores"])[0]
    >>> bool(scores[0] >= scores[1])  # best first
    True

    Reference:
        - [Wu et al., 2016](https://arxiv.org/abs/1609.08144) (GNMT, §7)
    """

    def __init__(self, beam_width=4, length_penalty=0.0, coverage_penalty=0.0, num_return=1):
        self.beam_width = attention_utils.validate_positive_int("beam_width", beam_width)
        for name, value in (
            ("length_penalty", length_penalty),
            ("coverage_penalty", coverage_penalty),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(
                    f"`{name}` must be a number >= 0. Received: {name}={value!r}"
                )
        self.length_penalty = float(length_penalty)
        self.coverage_penalty = float(coverage_penalty)
        self.num_return = attention_utils.validate_positive_int("num_return", num_return)
        if self.num_return > self.beam_width:
            raise ValueError(
                "`num_return` must be at most `beam_width`. Received: "
                f"num_return={num_return}, beam_width={beam_width}"
            )

    def get_config(self):
        return {
            "beam_width": self.beam_width,
            "length_penalty": self.length_penalty,
            "coverage_penalty": self.coverage_penalty,
            "num_return": self.num_return,
        }

    def _rank_scores(self, log_probs, lengths, coverage, mask):
        scores = log_probs
        if self.length_penalty:
            scores = scores / length_penalty(lengths, self.length_penalty)
        if self.coverage_penalty:
            scores = scores + coverage_penalty(coverage, mask, self.coverage_penalty)
        return scores

    def __call__(
        self,
        decoder,
        memory,
        memory_mask=None,
        initial_state=None,
        start_id=2,
        end_id=3,
        max_length=50,
    ):
        _validate_call(decoder, start_id, end_id, max_length)
        memory, memory_mask, initial_state = _prepare(
            decoder, memory, memory_mask, initial_state
        )
        k = self.beam_width
        batch = _batch_size(memory)
        positions = _memory_positions(decoder, memory)
        vocab = _vocabulary_size(decoder)
        steps = max_length

        keys = decoder.prepare_memory(memory)
        tiled_memory = _tile_beams(memory, k)
        tiled_mask = None if memory_mask is None else _tile_beams(memory_mask, k)
        tiled_keys = None if keys is None else tree.map_structure(
            lambda t: _tile_beams(t, k), keys
        )
        if initial_state is not None:
            initial_state = [_tile_beams(s, k) for s in initial_state]
        states = decoder.get_initial_state(
            batch_size=batch * k if isinstance(batch, int) else batch * k,
            cell_states=initial_state,
        )
        # (B, K, S) mask for the coverage penalty.
        if memory_mask is not None and decoder.cell.attention is not None:
            beam_mask = ops.reshape(tiled_mask, (batch, k, positions))
        else:
            beam_mask = None

        first_beam = ops.arange(k) == 0
        init = (
            ops.zeros((), "int32"),
            ops.full((batch * k,), start_id, "int32"),
            list(states),
            ops.zeros((batch, k, steps), "int32"),
            # Only the first beam is alive at the start (all beams are equal).
            ops.broadcast_to(
                ops.where(first_beam, 0.0, NEG)[None, :], (batch, k)
            ),
            ops.zeros((batch, k), "int32"),
            ops.zeros((batch, k), "bool"),
            ops.zeros((batch, k, steps, positions), "float32"),
            ops.zeros((batch, k, positions), "float32"),
        )
        only_end = ops.where(ops.arange(vocab) == end_id, 0.0, NEG)  # (V,)
        offsets = ops.expand_dims(ops.arange(batch) * k, 1)  # (B, 1)
        flat_offsets = ops.expand_dims(ops.arange(batch) * (k * vocab), 1)

        def cond(step, prev, states, ids, log_probs, lengths, finished, attn, cov):
            unfinished = ops.sum(ops.cast(ops.logical_not(finished), "int32"))
            return ops.logical_and(step < steps, unfinished > 0)

        def body(step, prev, states, ids, log_probs, lengths, finished, attn, cov):
            logits, new_states, weights = decoder.decode_step(
                prev, states, tiled_memory, tiled_mask, keys=tiled_keys
            )
            step_lp = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
            step_lp = ops.reshape(step_lp, (batch, k, vocab))
            # A finished hypothesis can only be continued by the end token, at
            # no cost: its score and length stay as they are.
            step_lp = ops.where(
                ops.expand_dims(finished, -1), only_end[None, None, :], step_lp
            )
            total = ops.expand_dims(log_probs, -1) + step_lp  # (B, K, V)
            live = ops.logical_not(finished)
            new_lengths = lengths + ops.cast(live, "int32")  # per parent
            weights = ops.reshape(ops.cast(weights, "float32"), (batch, k, positions))
            weights = ops.where(ops.expand_dims(live, -1), weights, 0.0)
            new_cov = cov + weights
            ranked = self._rank_scores(
                total,
                ops.expand_dims(new_lengths, -1),
                ops.expand_dims(new_cov, 2) if self.coverage_penalty else None,
                None if beam_mask is None else ops.expand_dims(beam_mask, 2),
            )
            _, top = ops.top_k(ops.reshape(ranked, (batch, k * vocab)), k)  # (B, K)
            top = ops.cast(top, "int32")
            parent = top // vocab
            token = top % vocab
            flat_parent = ops.reshape(offsets + parent, (batch * k,))  # (B·K,)

            def reorder(x):
                shape = ops.shape(x)
                flat = ops.reshape(x, (batch * k,) + tuple(shape[2:]))
                return ops.reshape(ops.take(flat, flat_parent, axis=0), shape)

            parent_finished = reorder(finished)
            log_probs = ops.reshape(
                ops.take(
                    ops.reshape(total, (batch * k * vocab,)),
                    ops.reshape(flat_offsets + top, (batch * k,)),
                ),
                (batch, k),
            )
            lengths = reorder(new_lengths)
            token = ops.where(parent_finished, ops.zeros_like(token), token)
            here = ops.one_hot(step, steps, dtype="float32") > 0.5
            ids = ops.where(here[None, None, :], ops.expand_dims(token, -1), reorder(ids))
            attn = ops.where(
                here[None, None, :, None],
                ops.expand_dims(reorder(weights), 2),
                reorder(attn),
            )
            cov = reorder(new_cov)
            finished = ops.logical_or(parent_finished, ops.equal(token, end_id))
            states = [
                ops.cast(ops.take(n, flat_parent, axis=0), s.dtype)
                for n, s in zip(new_states, states, strict=True)
            ]
            prev = ops.reshape(token, (batch * k,))
            return (step + 1, prev, states, ids, log_probs, lengths, finished, attn, cov)

        (_, _, _, ids, log_probs, lengths, _, attn, cov) = ops.while_loop(
            cond, body, init
        )
        scores = self._rank_scores(log_probs, lengths, cov, beam_mask)
        best_scores, order = ops.top_k(scores, self.num_return)  # (B, N)
        n = self.num_return
        pick = ops.reshape(offsets + ops.cast(order, "int32"), (batch * n,))

        def select(x):
            shape = ops.shape(x)
            flat = ops.reshape(x, (batch * k,) + tuple(shape[2:]))
            return ops.reshape(ops.take(flat, pick, axis=0), (batch, n) + tuple(shape[2:]))

        return {
            "token_ids": select(ids),
            "scores": best_scores,
            "log_probs": select(log_probs),
            "lengths": select(lengths),
            "attention": select(attn),
        }


_ALIASES = {"greedy": GreedySampler, "random": RandomSampler, "beam": BeamSampler}


def get(identifier):
    """A sampler from a name (`"greedy"`, `"random"`, `"beam"`), a config or itself.

    Args:
        identifier: a name (default options), a serialized sampler config
            (`keras.saving.serialize_keras_object`) or a `Sampler`.

    Returns:
        A `Sampler` instance.

    Example:

    >>> import keras
    >>> from keras_attention.models import BeamSampler, samplers
    >>> samplers.get("greedy")
    GreedySampler()
    >>> config = keras.saving.serialize_keras_object(BeamSampler(beam_width=3))
    >>> samplers.get(config)
    BeamSampler(beam_width=3, length_penalty=0.0, coverage_penalty=0.0, num_return=1)
    """
    if isinstance(identifier, Sampler):
        return identifier
    if isinstance(identifier, str) and identifier in _ALIASES:
        return _ALIASES[identifier]()
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    raise ValueError(
        "`sampler` must be 'greedy', 'random', 'beam' or a Sampler instance "
        f"(GreedySampler, RandomSampler, BeamSampler). Received: sampler={identifier!r}"
    )
