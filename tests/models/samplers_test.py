import math
import types

import keras
import numpy as np
import pytest
from keras import ops

from keras_attention.layers import Memory
from keras_attention.models import (
    BeamSampler,
    GreedySampler,
    RandomSampler,
    Seq2SeqTranslator,
    samplers,
)
from tests.harness import to_numpy

START, END = 2, 3


class BigramDecoder:
    """A fake decoder whose next-token distribution depends only on the last token.

    It has the interface the samplers use (`decode_step`, `prepare_memory`,
    `get_initial_state`, ...), so tests can build cases whose best sequence
    is known by hand. It counts its steps.
    """

    takes_tokens = True
    built = True
    compute_dtype = "float32"

    def __init__(self, probs):
        probs = np.asarray(probs, "float32")
        self.vocab = probs.shape[0]
        with np.errstate(divide="ignore"):
            self.table = np.where(probs > 0, np.log(probs), -1e4).astype("float32")
        self.cell = types.SimpleNamespace(attention=None, output_size=1)
        self.output_layer = types.SimpleNamespace(
            compute_output_shape=lambda shape: (shape[0], self.vocab)
        )
        self.steps = 0

    def prepare_memory(self, memory, memory_mask=None):
        return Memory(ops.convert_to_tensor(memory), memory_mask)

    def get_initial_state(self, batch_size=None, cell_states=None, memory=None):
        return [ops.zeros((batch_size, 1))]

    def decode_step(self, tokens, states, memory, memory_mask=None, keys=None, training=None):
        self._count_step(tokens)
        logits = ops.take(ops.convert_to_tensor(self.table), tokens, axis=0)
        return logits, states, ops.ones((ops.shape(tokens)[0], 1))


    def _count_step(self, tokens):
        if keras.backend.backend() == "jax":
            # JAX traces the loop body once: count the steps it runs.
            import jax

            jax.debug.callback(self._tick, tokens)
        else:
            self.steps += 1

    def _tick(self, tokens):
        self.steps += 1


def bigram(rows, vocab=8):
    """Transition matrix from {token: {next: prob}}; unspecified rows -> END."""
    probs = np.zeros((vocab, vocab), "float32")
    probs[:, END] = 1.0
    for token, nexts in rows.items():
        probs[token] = 0.0
        for nxt, p in nexts.items():
            probs[token, nxt] = p
    return probs


def run(sampler, decoder, batch=1, max_length=6):
    memory = np.zeros((batch, 1, 1), "float32")
    out = sampler(decoder, memory, None, None, start_id=START, end_id=END, max_length=max_length)
    return {k: to_numpy(v) for k, v in out.items()}


# START -> A (0.6) | B (0.4); A -> C (0.3), D (0.25), E (0.24), F (0.21), then
# END; B -> END (0.9) | C (0.1). Greedy takes A, C, END: 0.6 * 0.3 = 0.18; the
# best sequence is B END: 0.4 * 0.9 = 0.36.
A, B, C, D, E, F = 4, 5, 6, 7, 8, 9
MYOPIC = bigram(
    {START: {A: 0.6, B: 0.4}, A: {C: 0.3, D: 0.25, E: 0.24, F: 0.21}, B: {END: 0.9, C: 0.1}},
    vocab=10,
)


def test_beam_beats_greedy_when_greedy_is_myopic():
    greedy = run(GreedySampler(), BigramDecoder(MYOPIC))
    beam = run(BeamSampler(beam_width=2), BigramDecoder(MYOPIC))
    assert list(greedy["token_ids"][0][:3]) == [A, C, END]
    np.testing.assert_allclose(greedy["scores"][0], math.log(0.6 * 0.3 * 1.0), rtol=1e-5)
    assert list(beam["token_ids"][0, 0][:2]) == [B, END]
    np.testing.assert_allclose(beam["scores"][0, 0], math.log(0.4 * 0.9), rtol=1e-5)
    assert beam["scores"][0, 0] > greedy["scores"][0]
    assert beam["lengths"][0, 0] == 2 and greedy["lengths"][0] == 3
    # After the end token the buffers hold padding.
    assert list(beam["token_ids"][0, 0][2:]) == [0, 0, 0, 0]


def test_n_best_is_sorted_and_distinct():
    out = run(BeamSampler(beam_width=3, num_return=3), BigramDecoder(MYOPIC))
    scores = out["scores"][0]
    assert np.all(np.diff(scores) <= 0)
    hyps = {tuple(t[: n]) for t, n in zip(out["token_ids"][0], out["lengths"][0], strict=True)}
    assert len(hyps) == 3
    # B END (0.36), A C END (0.18), A D END (0.15); B C END (0.04) is pruned.
    np.testing.assert_allclose(np.exp(scores), [0.36, 0.18, 0.15], rtol=1e-5)


def test_length_penalty_changes_the_preference_as_the_formula_says():
    # Short: START -> END at 0.5. Long: START -> A (0.45) -> C (1) -> D (1) -> END (1).
    probs = bigram({START: {END: 0.5, A: 0.45, B: 0.05}, A: {C: 1.0}, C: {D: 1.0}})
    short_lp, long_lp = math.log(0.5), math.log(0.45)

    def lp(n, alpha):
        return ((5 + n) / 6) ** alpha

    plain = run(BeamSampler(beam_width=3), BigramDecoder(probs))
    assert list(plain["token_ids"][0, 0][:1]) == [END]  # alpha = 0: higher probability wins
    np.testing.assert_allclose(plain["scores"][0, 0], short_lp, rtol=1e-5)

    alpha = 2.0
    # With alpha = 2 the formula prefers the long hypothesis (4 tokens vs 1):
    assert long_lp / lp(4, alpha) > short_lp / lp(1, alpha)
    penalized = run(BeamSampler(beam_width=3, length_penalty=alpha, num_return=2), BigramDecoder(probs))
    assert list(penalized["token_ids"][0, 0][:4]) == [A, C, D, END]
    np.testing.assert_allclose(penalized["scores"][0, 0], long_lp / lp(4, alpha), rtol=1e-5)
    np.testing.assert_allclose(penalized["scores"][0, 1], short_lp / lp(1, alpha), rtol=1e-5)
    np.testing.assert_allclose(penalized["log_probs"][0, 0], long_lp, rtol=1e-5)


def test_decoding_stops_once_every_sequence_has_ended():
    decoder = BigramDecoder(MYOPIC)
    run(GreedySampler(), decoder, batch=2, max_length=20)
    assert decoder.steps == 3  # A, C, END
    decoder = BigramDecoder(MYOPIC)
    run(BeamSampler(beam_width=2), decoder, max_length=20)
    assert decoder.steps == 3  # all beams done after A C END / B END ...
    decoder = BigramDecoder(bigram({START: {A: 1.0}, A: {A: 1.0}}))
    out = run(GreedySampler(), decoder, max_length=5)
    assert decoder.steps == 5 and out["lengths"][0] == 5  # never ends: max_length


def test_random_sampler_top_k_1_is_greedy_and_seeded_sampling_is_reproducible():
    greedy = run(GreedySampler(), BigramDecoder(MYOPIC), batch=4)
    top1 = run(RandomSampler(top_k=1, seed=1), BigramDecoder(MYOPIC), batch=4)
    np.testing.assert_array_equal(greedy["token_ids"], top1["token_ids"])
    a = run(RandomSampler(seed=5), BigramDecoder(MYOPIC), batch=200)
    b = run(RandomSampler(seed=5), BigramDecoder(MYOPIC), batch=200)
    np.testing.assert_array_equal(a["token_ids"], b["token_ids"])
    # The first token follows START's distribution (0.6 / 0.4).
    first = a["token_ids"][:, 0]
    assert set(first) <= {A, B}
    assert 0.45 < np.mean(first == A) < 0.75
    # Low temperature concentrates on the mode.
    cold = run(RandomSampler(temperature=0.05, seed=5), BigramDecoder(MYOPIC), batch=200)
    assert np.mean(cold["token_ids"][:, 0] == A) > 0.97


def small_model(attention="bahdanau", **kwargs):
    model = Seq2SeqTranslator(
        19, 13, embedding_dim=8, units=16, attention=attention, **kwargs
    )
    src = np.random.default_rng(0).integers(4, 19, (3, 6)).astype("int32")
    src[1, 4:] = 0
    src[2, 2:] = 0
    model.build()
    return model, src


@pytest.mark.parametrize("attention", ["bahdanau", "luong", "none"])
def test_beam_width_1_equals_greedy(attention):
    model, src = small_model(attention)
    greedy = {k: to_numpy(v) for k, v in model.generate(src, "greedy", max_length=7).items()}
    beam = {
        k: to_numpy(v)
        for k, v in model.generate(src, BeamSampler(beam_width=1), max_length=7).items()
    }
    np.testing.assert_array_equal(greedy["token_ids"], beam["token_ids"][:, 0])
    np.testing.assert_array_equal(greedy["lengths"], beam["lengths"][:, 0])
    np.testing.assert_allclose(greedy["scores"], beam["scores"][:, 0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(greedy["attention"], beam["attention"][:, 0], atol=1e-6)


@pytest.mark.parametrize("attention", ["bahdanau", "luong"])
def test_beam_outputs_match_teacher_forcing_on_the_returned_hypotheses(attention):
    """Scores and re-ordered alignments equal a teacher-forced re-run.

    An untrained model may emit the padding id 0, which a teacher-forced
    re-run reads as padding (masked), not as a token: the output bias of
    id 0 is set very low, as training leaves it (its label is masked).
    """
    model, src = small_model(attention)
    bias = model.decoder.output_layer.bias
    bias.assign(ops.where(ops.arange(bias.shape[0]) == 0, -30.0, bias.value))
    out = model.generate(src, BeamSampler(beam_width=4, num_return=3), max_length=5)
    ids, lengths = to_numpy(out["token_ids"]), to_numpy(out["lengths"])
    attention_out, log_probs = to_numpy(out["attention"]), to_numpy(out["log_probs"])
    for b in range(src.shape[0]):
        for n in range(3):
            tokens = list(ids[b, n, : lengths[b, n]])
            target_in = np.array([[2] + tokens[:-1]], "int32")
            logits, weights = model(
                {"source_ids": src[b : b + 1], "target_ids": target_in},
                return_attention_scores=True,
            )
            lp = to_numpy(ops.log_softmax(logits, axis=-1))[0]
            expected = sum(lp[t, tok] for t, tok in enumerate(tokens))
            np.testing.assert_allclose(log_probs[b, n], expected, rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(
                attention_out[b, n, : len(tokens)], to_numpy(weights)[0], atol=1e-5
            )
            np.testing.assert_array_equal(attention_out[b, n, len(tokens) :], 0.0)


def test_coverage_penalty_formula():
    coverage = np.array([[0.5, 1.7, 0.0, 0.2]], "float32")
    mask = np.array([[True, True, True, False]])
    value = to_numpy(samplers.coverage_penalty(coverage, mask, 0.3))
    expected = 0.3 * (math.log(0.5) + 0.0 + math.log(1e-10))
    np.testing.assert_allclose(value, [expected], rtol=1e-5)
    np.testing.assert_allclose(
        to_numpy(samplers.length_penalty(np.array([1, 7]), 0.6)),
        [1.0, 2.0**0.6],
        rtol=1e-6,
    )


class CoverageDecoder(BigramDecoder):
    """A bigram decoder over a 2-position memory whose attention depends on the
    token read: the tokens in `on_one` look at position 1, the others at 0."""

    def __init__(self, probs, on_one):
        super().__init__(probs)
        self.cell = types.SimpleNamespace(attention="fixed", output_size=1)
        self.on_one = on_one

    def decode_step(self, tokens, states, memory, memory_mask=None, keys=None, training=None):
        logits, states, _ = super().decode_step(tokens, states, memory)
        look = ops.any(ops.stack([ops.equal(tokens, t) for t in self.on_one]), axis=0)
        weights = ops.where(look[:, None], np.array([[0.0, 1.0]], "float32"),
                            np.array([[1.0, 0.0]], "float32"))
        return logits, states, weights


def test_coverage_penalty_reranks_by_the_attention_each_hypothesis_paid():
    """START -> A (0.6) | B (0.4), then END. START reads position 0, A reads
    position 1, B position 0 again: [A END] covers both positions, [B END]
    leaves position 1 unattended. Probability alone prefers [A END]; with the
    covering hypothesis made the less probable one, the penalty reverses the
    order exactly as the formula says."""
    memory = np.zeros((1, 2, 1), "float32")

    def decode(probs, beta):
        sampler = BeamSampler(2, num_return=2, coverage_penalty=beta)
        out = sampler(CoverageDecoder(probs, on_one=[B]), memory, None, None,
                      start_id=START, end_id=END, max_length=4)
        return {k: to_numpy(v) for k, v in out.items()}

    # B covers position 1 (START covered 0); A never does. B is less probable.
    probs = bigram({START: {A: 0.6, B: 0.4}, A: {END: 1.0}, B: {END: 1.0}})
    plain = decode(probs, 0.0)
    assert [tuple(t[:2]) for t in plain["token_ids"][0]] == [(A, END), (B, END)]
    covered = decode(probs, 2.0)
    assert [tuple(t[:2]) for t in covered["token_ids"][0]] == [(B, END), (A, END)]
    # The scores are the formula's: log P + beta * sum_j log(min(coverage_j, 1)).
    # The two steps read START then B (or A): coverage of [B END] is [1, 0] +
    # [0, 1] = [1, 1], no penalty; of [A END] [1, 0] + [1, 0] = [2, 0],
    # position 1 unattended costs log(1e-10).
    np.testing.assert_allclose(covered["scores"][0, 0], math.log(0.4), rtol=1e-5)
    np.testing.assert_allclose(
        covered["scores"][0, 1], math.log(0.6) + 2.0 * math.log(1e-10), rtol=1e-5
    )


def test_coverage_penalty_changes_ranking_toward_covering_hypotheses():
    model, src = small_model("bahdanau")
    plain = model.generate(src, BeamSampler(beam_width=3, num_return=3), max_length=6)
    covered = model.generate(
        src, BeamSampler(beam_width=3, num_return=3, coverage_penalty=1.0), max_length=6
    )
    # The ranking score includes the penalty: it is <= the log-probability.
    assert np.all(to_numpy(covered["scores"]) <= to_numpy(covered["log_probs"]) + 1e-6)
    np.testing.assert_allclose(to_numpy(plain["scores"]), to_numpy(plain["log_probs"]), atol=1e-6)


@pytest.mark.tensorflow_only
def test_samplers_trace_in_a_tf_function_with_batch_1():
    import tensorflow as tf

    model, src = small_model("luong")

    @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32)])
    def beam(source_ids):
        return model.generate(source_ids, BeamSampler(beam_width=3, length_penalty=0.6), 6)

    @tf.function(input_signature=[tf.TensorSpec([1, None], tf.int32)])
    def greedy(source_ids):
        return model.generate(source_ids, "greedy", 6)

    for fn, sampler in ((beam, BeamSampler(beam_width=3, length_penalty=0.6)), (greedy, "greedy")):
        for length in (6, 3):
            graph = fn(tf.constant(src[:1, :length]))
            eager = model.generate(src[:1, :length], sampler, 6)
            np.testing.assert_array_equal(to_numpy(graph["token_ids"]), to_numpy(eager["token_ids"]))
            np.testing.assert_allclose(to_numpy(graph["scores"]), to_numpy(eager["scores"]), atol=1e-5)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: BeamSampler(beam_width=0), "`beam_width` must be a positive integer"),
        (lambda: BeamSampler(beam_width=2, num_return=3), "`num_return` must be at most"),
        (lambda: BeamSampler(length_penalty=-1), "`length_penalty` must be a number >= 0"),
        (lambda: BeamSampler(coverage_penalty="x"), "`coverage_penalty` must be a number"),
        (lambda: RandomSampler(temperature=0), "`temperature` must be a positive number"),
        # Non-finite values gave NaN scores without a word.
        (lambda: BeamSampler(length_penalty=float("nan")),
         r"`length_penalty` must be a number >= 0. Received: length_penalty=nan"),
        (lambda: BeamSampler(coverage_penalty=float("inf")),
         r"`coverage_penalty` must be a number >= 0. Received: coverage_penalty=inf"),
        (lambda: RandomSampler(temperature=float("inf")),
         r"`temperature` must be a positive number. Received: temperature=inf"),
        (lambda: RandomSampler(top_k=0), "`top_k` must be a positive integer"),
        (lambda: samplers.get("nucleus"), "`sampler` must be 'greedy', 'random', 'beam'"),
    ],
)
def test_sampler_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_sampler_arguments_take_numpy_numbers():
    # A value read from a config array (NumPy float32 is not a Python float).
    beam = BeamSampler(beam_width=np.int64(3), length_penalty=np.float32(0.5))
    assert (beam.beam_width, beam.length_penalty) == (3, 0.5)
    assert RandomSampler(temperature=np.float32(0.5)).temperature == 0.5


def test_call_errors_and_config_round_trip():
    model, src = small_model()
    with pytest.raises(ValueError, match="`max_length` must be a positive integer"):
        model.generate(src, "greedy", max_length=0)
    with pytest.raises(ValueError, match="`decoder` must be an AttentionDecoder"):
        GreedySampler()(object(), np.zeros((1, 2, 3)))
    for sampler in (GreedySampler(), RandomSampler(0.5, 3, seed=2), BeamSampler(5, 0.6, 0.2, 2)):
        config = keras.saving.serialize_keras_object(sampler)
        clone = samplers.get(config)
        assert type(clone) is type(sampler) and clone.get_config() == sampler.get_config()


# -- an independent beam search, to pin pruning and ranking ----------------------------------
def reference_beam_search(log_probs, beam_width, alpha, max_length, num_return):
    """Beam search over a bigram table in plain Python (one example).

    The algorithm of `BeamSampler` written without tensors: every live
    hypothesis is extended by every token, a finished one only by the end
    token at no cost; each candidate is ranked by `log P / lp(|Y|)` where
    `|Y|` is its own length (end token included); the best `beam_width`
    survive; ties keep the lower (parent, token) index first.
    """
    vocab = log_probs.shape[0]

    def lp(n):
        return ((5.0 + n) / 6.0) ** alpha

    # (tokens, log_prob, length, finished); at the start only one beam lives.
    beams = [((), 0.0, 0, False)] + [((), -1e9, 0, False)] * (beam_width - 1)
    for _ in range(max_length):
        if all(b[3] for b in beams):
            break
        candidates = []
        for i, (tokens, logp, length, finished) in enumerate(beams):
            prev = tokens[-1] if tokens else START
            for v in range(vocab):
                if finished:
                    step = 0.0 if v == END else -1e9
                    new = (tokens, logp + step, length, True)
                else:
                    new = (tokens + (v,), logp + float(log_probs[prev, v]), length + 1, v == END)
                candidates.append((new[1] / lp(new[2]) if alpha else new[1], i * vocab + v, new))
        candidates.sort(key=lambda c: (-c[0], c[1]))
        beams = [c[2] for c in candidates[:beam_width]]
    ranked = sorted(
        range(beam_width), key=lambda i: (-(beams[i][1] / lp(beams[i][2]) if alpha else beams[i][1]), i)
    )
    return [beams[i] for i in ranked[:num_return]]


def random_bigram(rng, vocab=7, end_bias=0.0):
    logits = rng.normal(size=(vocab, vocab)) * 2.0
    logits[:, END] += end_bias
    logits[:, [0, START]] = -30.0  # padding and start are never emitted
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", range(12))
def test_beam_search_equals_an_independent_implementation(seed):
    """More viable candidates than the beam keeps, finished and live ones competing:
    pruning and the length-penalised ranking must pick what the formula says."""
    rng = np.random.default_rng(seed)
    probs = random_bigram(rng, end_bias=rng.uniform(-1.0, 1.5))
    decoder = BigramDecoder(probs)
    for width, alpha in ((2, 2.0), (3, 0.6), (2, 0.0), (4, 1.0)):
        num_return = min(2, width)
        out = run(BeamSampler(width, length_penalty=alpha, num_return=num_return),
                  BigramDecoder(probs), max_length=6)
        expected = reference_beam_search(decoder.table, width, alpha, 6, num_return)
        for n, (tokens, logp, length, _) in enumerate(expected):
            ours = [int(t) for t in out["token_ids"][0, n, :length]]
            if ours != list(tokens):
                # An exact tie: the same transitions in another order (e.g. 4 6 4 4 and
                # 4 4 6 4) have the same log-probability; the backends' top-k may
                # order them either way. Any other difference is an error.
                assert sorted(zip([START, *ours], ours)) == sorted(
                    zip([START, *tokens], tokens)), (width, alpha, n, ours, tokens)
                assert tuple(ours) not in {t for t, *_ in expected[:n]}
            assert out["lengths"][0, n] == length
            np.testing.assert_allclose(out["log_probs"][0, n], logp, rtol=1e-5, atol=1e-5)


def test_a_finished_hypothesis_competes_with_longer_live_ones_at_their_own_length():
    """Pruning ranks each candidate by its own (new) length.

    START -> END (0.05) | A (0.95); A -> END (0.05) | B (0.95); B -> END.
    At step 2 the live candidate [A END] (2 tokens) competes with the
    finished [END] (1 token) for the second place of a width-2 beam: at its
    own length it wins; ranked at its parent's length it would lose.
    """
    probs = bigram({START: {END: 0.05, A: 0.95}, A: {END: 0.05, B: 0.95}, B: {END: 1.0}})

    def lp(n):
        return ((5 + n) / 6) ** 2.0

    hyps = {(END,): math.log(0.05), (A, END): math.log(0.95 * 0.05),
            (A, B, END): math.log(0.95 * 0.95)}
    # What the search must keep at step 2: the candidates' scores at their
    # own lengths; [A END] (2 tokens) beats [END] (1 token).
    assert hyps[(A, END)] / lp(2) > hyps[(END,)] / lp(1)
    # ... whereas at its parent's length (1) it would not.
    assert hyps[(A, END)] / lp(1) < hyps[(END,)] / lp(1)
    out = run(BeamSampler(2, length_penalty=2.0, num_return=2), BigramDecoder(probs))
    got = [tuple(out["token_ids"][0, n, : out["lengths"][0, n]]) for n in range(2)]
    assert got == [(A, B, END), (A, END)]
    np.testing.assert_allclose(
        out["scores"][0], [hyps[(A, B, END)] / lp(3), hyps[(A, END)] / lp(2)], rtol=1e-5
    )


def test_samplers_compare_hash_and_print_by_class_and_configuration():
    """Equal samplers share one compiled decode loop (they are cache keys)."""
    assert BeamSampler(3, length_penalty=0.6) == BeamSampler(beam_width=3, length_penalty=0.6)
    assert hash(BeamSampler(3)) == hash(BeamSampler(3))
    assert BeamSampler(3) != BeamSampler(4)
    assert BeamSampler(3) != BeamSampler(3, coverage_penalty=0.2)
    assert RandomSampler(seed=1) != RandomSampler(seed=2)
    assert GreedySampler() == GreedySampler() and GreedySampler() != RandomSampler(top_k=1)
    assert GreedySampler() != "greedy"
    assert len({BeamSampler(2), BeamSampler(2), GreedySampler()}) == 2
    for sampler in (GreedySampler(), RandomSampler(temperature=0.5, top_k=3, seed=7),
                    BeamSampler(2, length_penalty=1.0, num_return=2)):
        text = repr(sampler)
        assert text.startswith(type(sampler).__name__ + "(")
        again = eval(text, {"GreedySampler": GreedySampler, "RandomSampler": RandomSampler,
                            "BeamSampler": BeamSampler})
        assert again == sampler and again.get_config() == sampler.get_config()


def test_an_unbuilt_decoder_is_refused_with_what_to_do():
    from keras_attention.layers import (
        AttentionDecoder,
        AttentionDecoderCell,
        BahdanauAttention,
    )
    from keras_attention.models import GreedySampler

    decoder = AttentionDecoder(
        AttentionDecoderCell(keras.layers.GRUCell(4), BahdanauAttention(4)),
        embedding=keras.layers.Embedding(8, 3), output_layer=keras.layers.Dense(8))
    with pytest.raises(ValueError, match=r"^The decoder is not built: run the model once \(or "
                       r"build it\) before decoding.$"):
        GreedySampler()(decoder, np.ones((1, 3, 4), "float32"), max_length=3)
