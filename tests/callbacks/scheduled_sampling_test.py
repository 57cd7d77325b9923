import math

import keras
import numpy as np
import pytest

from keras_attention.callbacks import ScheduledSampling
from keras_attention.models import Seq2SeqTranslator
from tests.harness import to_numpy


def test_linear_schedule_values():
    cb = ScheduledSampling("linear", k=1.0, c=0.1, min_epsilon=0.2)
    assert [cb.epsilon(i) for i in (0, 3, 8, 9, 100)] == pytest.approx(
        [1.0, 0.7, 0.2, 0.2, 0.2]
    )
    assert cb.sampling_probability(3) == pytest.approx(0.3)


def test_exponential_schedule_values():
    cb = ScheduledSampling("exponential", k=0.9)
    for i in (0, 1, 5, 50):
        assert cb.epsilon(i) == pytest.approx(0.9**i, rel=1e-12)


def test_inverse_sigmoid_schedule_values():
    cb = ScheduledSampling("inverse_sigmoid", k=10.0)
    for i in (0, 10, 50, 200):
        assert cb.epsilon(i) == pytest.approx(10 / (10 + math.exp(i / 10)), rel=1e-12)
    # No overflow far along the schedule.
    assert ScheduledSampling("inverse_sigmoid", k=1.0).epsilon(10**6) == 0.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(schedule="cosine"), "`schedule` must be one of"),
        (dict(schedule="linear"), "needs the slope `c`"),
        (dict(schedule="linear", c=-1), r"`c` must be a number >= 0"),
        (dict(schedule="exponential"), r"needs `k` in \(0, 1\)"),
        (dict(schedule="exponential", k=1.5), r"`k` must be a number in \(0.0, 1.0\)"),
        (dict(schedule="inverse_sigmoid"), "needs `k` >= 1"),
        (dict(schedule="inverse_sigmoid", k=0.5), "`k` must be a number >= 1"),
        (dict(schedule="exponential", k=0.5, c=1.0), "`c` is used by schedule='linear' only"),
        (dict(schedule="linear", c=0.1, per="batch"), "`per` must be 'step' or 'epoch'"),
        (dict(schedule="linear", c=0.1, min_epsilon=2), "`min_epsilon` must be a number in"),
    ],
)
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ScheduledSampling(**kwargs)


def data(n=8, s=5, t=4, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(4, 15, (n, s)).astype("int32")
    tgt = rng.integers(4, 12, (n, t)).astype("int32")
    tgt[:, 0] = 2
    labels = np.concatenate([tgt[:, 1:], np.full((n, 1), 3)], 1).astype("int32")
    return {"source_ids": src, "target_ids": tgt}, labels


def model(attention="bahdanau"):
    keras.utils.set_random_seed(7)
    m = Seq2SeqTranslator(15, 12, embedding_dim=8, units=16, attention=attention, seed=1)
    m.compile(optimizer=keras.optimizers.SGD(0.1))
    return m


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.values = []

    def on_train_batch_end(self, batch, logs=None):
        self.values.append(float(to_numpy(self.model.decoder.sampling_probability)))


def test_per_step_and_per_epoch_updates():
    x, y = data(n=12)
    m = model()
    recorder = Recorder()
    cb = ScheduledSampling("linear", k=1.0, c=0.25, per="step")
    history = m.fit(x, y, batch_size=4, epochs=2, callbacks=[cb, recorder], verbose=0)
    # Batches 0..5 over two epochs; ε_i = 1 - 0.25 i.
    assert recorder.values == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    assert history.history["sampling_probability"] == pytest.approx([0.5, 1.0])

    m = model()
    recorder = Recorder()
    cb = ScheduledSampling("exponential", k=0.5, per="epoch")
    m.fit(x, y, batch_size=4, epochs=2, callbacks=[cb, recorder], verbose=0)
    assert recorder.values == pytest.approx([0.0] * 3 + [0.5] * 3)


def test_epsilon_1_reproduces_teacher_forcing_exactly():
    x, y = data()
    plain = model()
    plain.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    scheduled = model()
    cb = ScheduledSampling("linear", k=1.0, c=0.0)  # ε = 1 at every step
    scheduled.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False, callbacks=[cb])
    for a, b in zip(plain.weights, scheduled.weights, strict=True):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def test_scheduled_loop_with_no_flips_equals_the_teacher_forced_loop():
    # A sampling probability > 0 takes the step-by-step scheduled-sampling loop;
    # with (almost) no coin ever flipping, it must give the teacher-forced logits.
    x, _ = data()
    m = model()
    teacher = to_numpy(m(x, training=True))
    m.decoder.sampling_probability.assign(1e-12)
    scheduled = to_numpy(m(x, training=True))
    np.testing.assert_allclose(scheduled, teacher, atol=1e-5)


@pytest.mark.parametrize("attention", ["bahdanau", "luong"])
def test_sampling_probability_1_feeds_back_the_greedy_predictions(attention):
    x, _ = data(t=6)
    m = model(attention)
    m.build()
    m.decoder.sampling_probability.assign(1.0)
    logits = to_numpy(m(x, training=True))
    fed_back = logits.argmax(-1)
    greedy = to_numpy(m.generate(x["source_ids"], "greedy", max_length=6)["token_ids"])
    for row_fed, row_greedy in zip(fed_back, greedy, strict=True):
        n = list(row_greedy).index(3) + 1 if 3 in row_greedy else len(row_greedy)
        np.testing.assert_array_equal(row_fed[:n], row_greedy[:n])


def test_needs_a_decoder():
    cb = ScheduledSampling("linear", c=0.1)
    cb.set_model(keras.Sequential([keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="needs an AttentionDecoder"):
        cb.on_train_begin()
