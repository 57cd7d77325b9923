"""Random draws inside the time loops are new at every step, on every backend.

Issue 16's JAX bugs: a loop body (`jax.lax.scan` / `while_loop` / `cond`)
cannot update a seed generator's variable, so noise drawn inside one was
either refused (`UnexpectedTracerError`) or, for the sampler's
`while_loop`, silently the same at every step. `layers.loops` threads the
seed-generator states through the loops; these tests look at the draws:
with uniform scores (or logits), the choice at step `t + 1` must be
independent of the choice at step `t`. Shared noise would repeat it.
"""

import keras
import numpy as np
from keras import ops

from keras_attention.layers import (
    AttentionDecoder,
    AttentionDecoderCell,
    BahdanauAttention,
    Memory,
)
from keras_attention.models import RandomSampler
from tests.harness import to_numpy

START, END = 2, 3


class UniformDecoder:
    """A fake token decoder: the same logits at every step, END impossible."""

    takes_tokens = True
    built = True
    compute_dtype = "float32"

    def __init__(self, vocab):
        self.vocab = vocab
        logits = np.zeros((vocab,), "float32")
        logits[[0, START, END]] = -1e4  # padding, start and end never drawn
        self.logits = logits
        self.cell = type("Cell", (), {"attention": None, "output_size": 1})()
        self.output_layer = type(
            "Out", (), {"compute_output_shape": lambda _, s: (s[0], vocab)}
        )()

    def prepare_memory(self, memory, memory_mask=None):
        return Memory(ops.convert_to_tensor(memory), memory_mask)

    def get_initial_state(self, batch_size=None, cell_states=None, memory=None):
        return [ops.zeros((batch_size, 1))]

    def decode_step(self, tokens, states, memory, memory_mask=None, keys=None, training=None):
        batch = ops.shape(tokens)[0]
        logits = ops.broadcast_to(ops.convert_to_tensor(self.logits), (batch, self.vocab))
        return logits, states, ops.ones((batch, 1))


def chi_square_of_pairs(choices, categories):
    """Pearson's chi-square of the (step t, step t + 1) pairs against independence.

    `choices` `(rows, steps)` of ints in `categories`; under independent,
    uniform draws each of the k² pairs is expected equally often.
    """
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    counts = np.zeros((k, k))
    for row in choices:
        for a, b in zip(row[:-1], row[1:]):
            counts[index[a], index[b]] += 1
    expected = counts.sum() / k**2
    return float(((counts - expected) ** 2 / expected).sum())


# Chi-square quantiles at p = 0.001 (k² - 1 degrees of freedom).
CHI2_999 = {24: 51.18, 35: 66.62}


def test_random_sampler_draws_new_noise_at_every_step():
    vocab = 8  # tokens 1 and 4..7 can be drawn: 5 categories
    out = RandomSampler(seed=7)(
        UniformDecoder(vocab), np.zeros((400, 1, 1), "float32"),
        start_id=START, end_id=END, max_length=10,
    )
    ids = to_numpy(out["token_ids"])
    assert ids.shape == (400, 10)
    categories = [1, 4, 5, 6, 7]
    assert set(np.unique(ids)) <= set(categories)
    # Shared noise gives rows of one repeated token (the bug: 92% of rows).
    repeated = np.mean([len(set(row)) == 1 for row in ids])
    assert repeated < 0.01  # independent draws: 5 · 5^-10 ≈ 5e-7
    # Each step is uniform over the 5 tokens, and consecutive steps independent.
    frequencies = np.array([np.mean(ids == c) for c in categories])
    np.testing.assert_allclose(frequencies, 0.2, atol=0.03)
    assert chi_square_of_pairs(ids, categories) < CHI2_999[24]


def test_random_sampler_with_a_seed_is_reproducible_and_seeds_differ():
    def draw(seed):
        out = RandomSampler(seed=seed)(
            UniformDecoder(8), np.zeros((50, 1, 1), "float32"),
            start_id=START, end_id=END, max_length=6,
        )
        return to_numpy(out["token_ids"])

    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))


def uniform_attention_decoder(**attention_kwargs):
    """A step-loop decoder whose attention scores are all equal (zero weights).

    `attention_layer_size=None` and `output_attention=True` make the step
    output the context itself; with the memory the identity, the context is
    the (dropped-out) weight row.
    """
    positions = 6
    attention = BahdanauAttention(4, seed=11, **attention_kwargs)
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(5), attention, query="previous", input_feeding=False
    )
    decoder = AttentionDecoder(cell)
    memory = np.tile(np.eye(positions, dtype="float32"), (300, 1, 1))
    inputs = np.ones((300, 8, 2), "float32")
    decoder(inputs[:1], memory[:1])
    for weight in attention.weights:
        weight.assign(np.zeros(weight.shape, "float32"))
    assert not decoder.uses_fast_path  # the scan over steps runs the cell
    return decoder, inputs, memory, positions


def test_hard_straight_through_samples_a_new_position_at_every_decoder_step():
    decoder, inputs, memory, positions = uniform_attention_decoder(
        probability_fn="hard_straight_through"
    )
    _, _, weights = decoder(inputs, memory, training=True)
    weights = to_numpy(weights)  # (B, T, S), one-hot forward values
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    chosen = weights.argmax(-1)  # (B, T)
    # Equal scores: every position equally likely at every step, and the
    # Gumbel noise of step t + 1 is not step t's.
    same_as_before = np.mean(chosen[:, 1:] == chosen[:, :-1])
    assert abs(same_as_before - 1 / positions) < 0.03
    assert chi_square_of_pairs(chosen, list(range(positions))) < CHI2_999[35]
    # At inference there is no noise: the first position (ties) every time.
    _, _, weights = decoder(inputs, memory, training=False)
    np.testing.assert_array_equal(to_numpy(weights).argmax(-1), 0)


def test_attention_dropout_draws_a_new_mask_at_every_decoder_step():
    rate = 0.5
    decoder, inputs, memory, positions = uniform_attention_decoder(dropout=rate)
    outputs, _, weights = decoder(inputs, memory, training=True)
    np.testing.assert_allclose(to_numpy(weights), 1 / positions, atol=1e-6)
    contexts = to_numpy(outputs)  # (B, T, S): the dropped-out weight rows
    kept = contexts > 0
    np.testing.assert_allclose(contexts[kept], 1 / positions / (1 - rate), rtol=1e-5)
    assert abs(kept.mean() - (1 - rate)) < 0.02
    # A mask shared by all steps would repeat: P(same 6-position mask) = 2^-6.
    same_as_before = np.mean(np.all(kept[:, 1:] == kept[:, :-1], axis=-1))
    assert same_as_before < 0.04
    # Inference: no dropout.
    outputs, _, _ = decoder(inputs, memory, training=False)
    np.testing.assert_allclose(to_numpy(outputs), 1 / positions, atol=1e-6)
