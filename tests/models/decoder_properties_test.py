"""Generated decoding cases (hypothesis): what every sampler output must satisfy.

Three tiny random-weight translators (Bahdanau/GRU, Luong with input
feeding/LSTM, no attention/simple RNN) are built once; hypothesis draws the
model, the batch (1–3 sources of 1–6 tokens, random padding), a bias on the
end token's logit (so that decoding ends at varied steps, or never), the
sampler (greedy, random with temperature/top-k, beam with width, length and
coverage penalties and n-best) and `max_length` (1–8). For every returned
hypothesis:

- the buffers have exactly `max_length` steps and `1 <= length <= max_length`;
- the end token appears at most once, only as the last emitted token, and a
  hypothesis shorter than `max_length` ends with it (`lengths` are
  consistent with the ids);
- everything after `length` is padding (ids 0, attention 0); scores are
  finite and log-probabilities <= 0;
- beam hypotheses are sorted by score, and each score is its
  log-probability divided by the GNMT length penalty (no coverage penalty);
  a beam of width 1 without penalties is greedy decoding;
- greedy tokens are the arg-max of the teacher-forced logits on the
  decoded prefix (same step function, one pass), up to the first emitted
  padding id (teacher forcing masks it) and away from near-ties.

80 derandomized cases (a fixed set, the same in every run).
"""

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keras_attention.data.vocabulary import END_ID, START_ID
from keras_attention.models import (
    BeamSampler,
    GreedySampler,
    RandomSampler,
    Seq2SeqTranslator,
)
from keras_attention.models.samplers import length_penalty
from tests.harness import property_examples, to_numpy

SRC_V, TGT_V = 12, 9
CONFIGS = [
    dict(attention="bahdanau", encoder="gru"),
    dict(attention="luong", encoder="lstm", input_feeding=True),
    dict(attention="none", encoder="simple"),
]


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(7)
    built = []
    for config in CONFIGS:
        model = Seq2SeqTranslator(SRC_V, TGT_V, embedding_dim=6, units=8, **config)
        model.build()
        bias = model.decoder.output_layer.bias
        built.append((model, to_numpy(bias).copy()))
    return built


@st.composite
def cases(draw):
    batch = draw(st.integers(1, 3))
    length = draw(st.integers(1, 6))
    rows = []
    for _ in range(batch):
        n = draw(st.integers(1, length))
        ids = draw(st.lists(st.integers(4, SRC_V - 1), min_size=n, max_size=n))
        rows.append(ids + [0] * (length - n))
    kind = draw(st.sampled_from(["greedy", "random", "beam"]))
    if kind == "greedy":
        sampler = GreedySampler()
    elif kind == "random":
        sampler = RandomSampler(
            temperature=draw(st.sampled_from([0.5, 1.0, 2.0])),
            top_k=draw(st.sampled_from([None, 1, 3])),
            seed=draw(st.integers(0, 100)),
        )
    else:
        width = draw(st.integers(1, 4))
        sampler = BeamSampler(
            beam_width=width,
            length_penalty=draw(st.sampled_from([0.0, 0.6, 1.5])),
            coverage_penalty=draw(st.sampled_from([0.0, 0.0, 0.3])),
            num_return=draw(st.integers(1, width)),
        )
    return dict(
        model=draw(st.integers(0, len(CONFIGS) - 1)),
        source=np.array(rows, "int32"),
        sampler=sampler,
        max_length=draw(st.integers(1, 8)),
        end_bias=draw(st.sampled_from([-5.0, 0.0, 2.0, 4.0])),
    )


def check_hypothesis(ids, length, attention, max_length):
    assert ids.shape == (max_length,)
    assert 1 <= length <= max_length
    emitted = ids[:length]
    ends = np.flatnonzero(emitted == END_ID)
    if length < max_length:
        assert list(ends) == [length - 1]
    else:
        assert len(ends) == 0 or list(ends) == [length - 1]
    assert (ids[length:] == 0).all()
    assert np.isfinite(attention).all()
    assert (attention[length:] == 0).all()


@settings(
    max_examples=property_examples(80, 20),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(case=cases())
def test_decoder_outputs_are_consistent(models, case):
    model, bias = models[case["model"]]
    shifted = bias.copy()
    shifted[END_ID] += case["end_bias"]
    model.decoder.output_layer.bias.assign(shifted)
    sampler, max_length, source = case["sampler"], case["max_length"], case["source"]
    out = {k: to_numpy(v) for k, v in model.generate(source, sampler, max_length).items()}
    batch = len(source)

    if isinstance(sampler, BeamSampler):
        n = sampler.num_return
        assert out["token_ids"].shape == (batch, n, max_length)
        assert np.isfinite(out["scores"]).all() and (out["log_probs"] <= 1e-6).all()
        assert (np.diff(out["scores"], axis=1) <= 1e-6).all()  # best first
        for b in range(batch):
            for h in range(n):
                check_hypothesis(
                    out["token_ids"][b, h], out["lengths"][b, h], out["attention"][b, h],
                    max_length,
                )
        if sampler.coverage_penalty == 0:
            expected = out["log_probs"] / to_numpy(
                length_penalty(out["lengths"], sampler.length_penalty)
            )
            np.testing.assert_allclose(out["scores"], expected, rtol=1e-5, atol=1e-5)
        if sampler.beam_width == 1 and sampler.length_penalty == 0:
            greedy = to_numpy(model.generate(source, "greedy", max_length)["token_ids"])
            np.testing.assert_array_equal(out["token_ids"][:, 0], greedy)
        return

    assert out["token_ids"].shape == (batch, max_length)
    assert np.isfinite(out["scores"]).all() and (out["scores"] <= 1e-6).all()
    for b in range(batch):
        check_hypothesis(out["token_ids"][b], out["lengths"][b], out["attention"][b], max_length)

    if isinstance(sampler, GreedySampler):
        # Teacher forcing on [START] + the decoded tokens reproduces them.
        target_in = np.concatenate(
            [np.full((batch, 1), START_ID, "int32"), out["token_ids"][:, :-1]], axis=1
        )
        logits = to_numpy(model({"source_ids": source, "target_ids": target_in}, training=False))
        top2 = np.sort(logits, axis=-1)[..., -2:]
        clear = (top2[..., 1] - top2[..., 0]) > 1e-4  # skip near-ties
        for b in range(batch):
            # Up to the first emitted padding id: teacher forcing masks a 0
            # input, the sampler feeds it like any token.
            emitted = out["token_ids"][b, : out["lengths"][b]]
            zeros = np.flatnonzero(emitted == 0)
            steps = np.arange(zeros[0] + 1 if zeros.size else len(emitted))
            steps = steps[clear[b, steps]]
            np.testing.assert_array_equal(
                logits[b, steps].argmax(-1), out["token_ids"][b, steps]
            )
