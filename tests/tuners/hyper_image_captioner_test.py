"""HyperImageCaptioner: defaults reproduce the builder, conditions hold, a tiny search runs."""

import keras_tuner as kt
import numpy as np
import pytest

from keras_attention.models import ImageCaptioner
from keras_attention.recipes import captioning
from keras_attention.tuners import HyperImageCaptioner

WORDS = ["", "[UNK]", "[START]", "[END]", "zero", "one", "two"]


def without_name(config):
    config = dict(config)
    config.pop("name")
    return config


@pytest.mark.parametrize("attention", ["soft", "hard", "none"])
def test_defaults_are_the_builders_default_model(attention):
    hp = kt.HyperParameters()
    model = HyperImageCaptioner(WORDS, attention=attention, seed=1).build(hp)
    reference = ImageCaptioner(WORDS, attention=attention, seed=1)
    assert without_name(model.get_config()) == without_name(reference.get_config())
    assert model.built and model.compiled
    assert ("doubly_stochastic_weight" in hp.values) == (attention == "soft")
    assert ("context_gate" in hp.values) == (attention != "none")
    assert hp.values["learning_rate"] == 1e-3


def test_fixed_values_reach_the_model():
    hp = kt.HyperParameters()
    hp.Fixed("conv_filters", "8,16,32,32")
    hp.Fixed("cell", "lstm")
    hp.Fixed("position", "learned")
    model = HyperImageCaptioner(WORDS).build(hp)
    assert model.conv_filters == [8, 16, 32, 32] and model.cell == "lstm"
    assert model.position == "learned"


def test_bad_problem_is_refused_with_the_builders_message():
    with pytest.raises(ValueError, match="`attention`.*'spatial'"):
        HyperImageCaptioner(WORDS, attention="spatial")


def test_a_tiny_search_runs(tmp_path):
    splits = captioning.digits_lib.load_digit_canvases(
        train_size=64, validation_size=16, test_size=0, max_digits=2, height=16, width=48,
        min_size=12, max_size=16, seed=0)
    vocabulary = captioning.caption_vocabulary()
    x, y = captioning.caption_arrays(splits["train"], vocabulary)
    vx, vy = captioning.caption_arrays(splits["validation"], vocabulary)
    hypermodel = HyperImageCaptioner(vocabulary, image_shape=(16, 48, 1),
                                     conv_pools=(2, 2, 1, 1), seed=0, batch_sizes=(32,))
    hp = kt.HyperParameters()
    hp.Fixed("conv_filters", "8,16,32,32")
    hp.Fixed("units", 64)
    tuner = kt.RandomSearch(hypermodel, objective="val_loss", max_trials=1,
                            hyperparameters=hp, directory=str(tmp_path), seed=0)
    tuner.search(x, y, validation_data=(vx, vy), epochs=1, verbose=0)
    (best,) = tuner.get_best_hyperparameters(1)
    assert best.values["units"] == 64
    assert np.isfinite(tuner.oracle.get_best_trials(1)[0].score)
