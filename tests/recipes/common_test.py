"""`recipes.common.begin_training`: the start the training recipes share."""

import keras
import numpy as np
import pytest

from keras_attention.recipes import common
from keras_attention.recipes.configs import DatesConfig


def start(note):
    """`begin_training` on stand-ins that record what they saw, in order."""
    events, lines = [], []

    def load(config):
        events.append(("load", np.random.rand()))
        return {"train": "data"}

    def build(config, data):
        events.append(("build", data["train"]))
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])

    config = DatesConfig(seed=11, epochs=2, train_size=64)
    out = common.begin_training(config, lines.append, load, build, "dates", note)
    return events, lines, out


def test_a_callable_note_runs_after_seeding_loading_and_building():
    calls = []

    def note():
        calls.append(np.random.rand())
        return " on 2 replicas"

    events, lines, (log, watch, data, model) = start(note)
    np.random.seed(11)
    expected_load, expected_note = np.random.rand(), np.random.rand()
    # Seeded first (the loader's draw is the seed's first), the note last.
    assert [e[0] for e in events] == ["load", "build"]
    assert events[0][1] == expected_load and calls == [expected_note]
    assert lines == ["Training bahdanau attention (8 parameters) on 64 dates for 2 epochs "
                     "on 2 replicas"]
    assert data == {"train": "data"} and model.count_params() == 8


def test_a_string_note_is_appended_as_is():
    _, lines, _ = start("")
    assert lines == ["Training bahdanau attention (8 parameters) on 64 dates for 2 epochs"]


@pytest.mark.parametrize("seed", [0, 5])
def test_the_seed_comes_from_the_config(seed):
    draws = []
    config = DatesConfig(seed=seed)
    common.begin_training(config, lambda line: None,
                          lambda c: draws.append(np.random.rand()),
                          lambda c, d: keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]),
                          "dates")
    np.random.seed(seed)
    assert draws == [np.random.rand()]
