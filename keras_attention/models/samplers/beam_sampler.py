"""Beam search with length and coverage penalties and n-best output."""

import keras
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.memory import first_memory, tile_beams, tile_memories
from keras_attention.models.samplers import penalties
from keras_attention.models.samplers.sampler import (
    NEG,
    Sampler,
    batch_size,
    first_weights,
    memory_positions,
    vocabulary_size,
)
from keras_attention.utils.validation import validate_non_negative_float


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
    the log-probability, and `beam_width=1` is greedy decoding. The memory
    (values, mask, projected keys) is tiled once; every decoder state —
    attention states such as monotonic attention's previous alignment
    included — is re-ordered with its beam.

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
        self.length_penalty = validate_non_negative_float("length_penalty", length_penalty)
        self.coverage_penalty = validate_non_negative_float("coverage_penalty", coverage_penalty)
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

    def rank_scores(self, log_probs, lengths, coverage=None, mask=None):
        """The ranking score of hypotheses (see the class docstring).

        Args:
            log_probs: summed log-probabilities.
            lengths: hypothesis lengths (end token included), broadcastable.
            coverage: attention summed over the emitted steps `(..., S)`
                (needed with a coverage penalty).
            mask: optional boolean `(..., S)` of real memory positions.
        """
        scores = log_probs
        if self.length_penalty:
            scores = scores / penalties.length_penalty(lengths, self.length_penalty)
        if self.coverage_penalty:
            scores = scores + penalties.coverage_penalty(
                coverage, mask, self.coverage_penalty
            )
        return scores

    def _decode(self, decoder, memory, initial_state, start_id, end_id, max_length):
        k = self.beam_width
        batch = batch_size(memory)
        positions = memory_positions(decoder, memory)
        vocab = vocabulary_size(decoder)
        steps = max_length

        tiled = tile_memories(memory, k)
        if initial_state is not None:
            initial_state = [tile_beams(s, k) for s in initial_state]
        states = decoder.get_initial_state(
            batch_size=batch * k, cell_states=initial_state, memory=tiled
        )
        # (B, K, S) mask for the coverage penalty.
        tiled_mask = first_memory(tiled).mask
        if tiled_mask is not None and decoder.cell.attention is not None:
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
            ops.broadcast_to(ops.where(first_beam, 0.0, NEG)[None, :], (batch, k)),
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
            logits, new_states, weights = decoder.decode_step(prev, states, tiled)
            step_lp = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
            step_lp = ops.reshape(step_lp, (batch, k, vocab))
            # A finished hypothesis can only be continued by the end token, at
            # no cost: its score and length stay as they are.
            step_lp = ops.where(
                ops.expand_dims(finished, -1), only_end[None, None, :], step_lp
            )
            total = ops.expand_dims(log_probs, -1) + step_lp  # (B, K, V)
            live = ops.logical_not(finished)
            # Every candidate of a parent has the parent's length plus one
            # (a finished parent keeps its length): the length it is ranked by.
            new_lengths = lengths + ops.cast(live, "int32")
            weights = ops.reshape(
                ops.cast(first_weights(weights), "float32"), (batch, k, positions)
            )
            weights = ops.where(ops.expand_dims(live, -1), weights, 0.0)
            new_cov = cov + weights
            ranked = self.rank_scores(
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
        scores = self.rank_scores(log_probs, lengths, cov, beam_mask)
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
