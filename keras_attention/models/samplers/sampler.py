"""The `Sampler` base class: validation and the shared greedy/random loop."""

from keras import ops

from keras_attention.layers import attention_utils, loops
from keras_attention.layers.memory import first_memory

# Large negative log-probability for impossible continuations; float32 only.
NEG = -1e9


def validate_call(decoder, start_id, end_id, max_length):
    if not hasattr(decoder, "decode_step") or not getattr(decoder, "takes_tokens", False):
        raise ValueError(
            "`decoder` must be an AttentionDecoder built with an `embedding` and "
            f"an `output_layer` (token ids in, logits out). Received: decoder={decoder!r}"
        )
    if not decoder.built:
        raise ValueError(
            "The decoder is not built: run the model once (or build it) before "
            "decoding."
        )
    attention_utils.validate_positive_int("max_length", max_length)
    for name, value in (("start_id", start_id), ("end_id", end_id)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(
                f"`{name}` must be a non-negative integer. Received: {name}={value!r}"
            )


def vocabulary_size(decoder):
    return int(
        decoder.output_layer.compute_output_shape((None, decoder.cell.output_size))[-1]
    )


def token_log_prob(log_probs, tokens, vocab):
    return ops.sum(log_probs * ops.one_hot(tokens, vocab, dtype=log_probs.dtype), axis=-1)


def prepare(decoder, memory, memory_mask, initial_state):
    """`(memory, initial_state)`: a prepared `Memory` and a list of cell states."""
    memory = decoder.prepare_memory(memory, memory_mask)
    if initial_state is not None and not isinstance(initial_state, (list, tuple)):
        initial_state = [initial_state]
    return memory, initial_state


def batch_size(memory):
    values = first_memory(memory).values
    return values.shape[0] if values.shape[0] is not None else ops.shape(values)[0]


def memory_positions(decoder, memory):
    if decoder.cell.attention is None:
        return 1
    values = first_memory(memory).values
    length = values.shape[1]
    return length if length is not None else ops.shape(values)[1]


def first_weights(weights):
    """The alignments the samplers record: the first mechanism's."""
    return weights[0] if isinstance(weights, (tuple, list)) else weights


class Sampler:
    """Base class of the decoding loops: validation and the greedy/random loop.

    A subclass chooses the next tokens from the step's logits in
    `_next_tokens(logits)` (float32 `(B, V)` → int `(B,)`); the loop, the
    buffers and early stopping are shared. Keep the choice convertible to
    TFLite builtins (`ops.top_k`, not `ops.argmax` on floats) if the model
    is to be exported. A sampler that draws random numbers lists its seed
    generators in `_stateful` (they are threaded through the loop on JAX).

    Samplers compare equal when their class and configuration are equal
    (models cache one traced decoding function per sampler).

    Every sampler is called as

        outputs = sampler(decoder, memory, memory_mask=None, initial_state=None,
                          start_id=2, end_id=3, max_length=50)

    where `memory` is a `keras_attention.layers.Memory` (or the memory values
    with `memory_mask`), and returns a dict of tensors: `"token_ids"` int32
    `(B, L)` (`(B, N, L)` for beam search: the emitted tokens, end token
    included, then 0), `"scores"` `(B,)` / `(B, N)`, `"lengths"`, and
    `"attention"` `(B, L, S)` / `(B, N, L, S)` (zeros after the end token).

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

    def _key(self):
        return (type(self), tuple(sorted(self.get_config().items())))

    def __eq__(self, other):
        return isinstance(other, Sampler) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    @property
    def _stateful(self):
        return ()

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
            memory: a `Memory` (from `decoder.prepare_memory`), or the memory
                values `(B, S, D)` (`(B, 1, D)` without attention).
            memory_mask: optional boolean `(B, S)` with memory values.
            initial_state: optional list of the wrapped cell's initial states
                (e.g. the encoder's final state).
            start_id, end_id: the start and end token ids.
            max_length: maximum number of emitted tokens (buffer size).

        Returns:
            A dict, see the class docstring.
        """
        validate_call(decoder, start_id, end_id, max_length)
        memory, initial_state = prepare(decoder, memory, memory_mask, initial_state)
        batch = batch_size(memory)
        positions = memory_positions(decoder, memory)
        vocab = vocabulary_size(decoder)
        states = decoder.get_initial_state(
            batch_size=batch, cell_states=initial_state, memory=memory
        )
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
            logits, new_states, weights = decoder.decode_step(prev, states, memory)
            logits = ops.cast(logits, "float32")
            log_probs = ops.log_softmax(logits, axis=-1)
            token = ops.cast(self._next_tokens(logits), "int32")
            token = ops.where(finished, ops.zeros_like(token), token)
            live = ops.logical_not(finished)
            score = score + ops.where(live, token_log_prob(log_probs, token, vocab), 0.0)
            length = length + ops.cast(live, "int32")
            here = ops.one_hot(step, steps, dtype="float32") > 0.5  # (L,)
            ids = ops.where(ops.expand_dims(here, 0), ops.expand_dims(token, 1), ids)
            weights = ops.where(
                ops.expand_dims(live, 1), ops.cast(first_weights(weights), "float32"), 0.0
            )
            attn = ops.where(here[None, :, None], ops.expand_dims(weights, 1), attn)
            finished = ops.logical_or(finished, ops.equal(token, end_id))
            new_states = [
                ops.cast(n, s.dtype) for n, s in zip(new_states, states, strict=True)
            ]
            return (step + 1, token, new_states, ids, score, length, finished, attn)

        _, _, _, ids, score, length, _, attn = loops.while_loop(
            cond, body, init, stateful=self._stateful
        )
        return {"token_ids": ids, "scores": score, "lengths": length, "attention": attn}


def validate_seed(seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    return seed
