"""Two-trial searches with each KerasTuner tuner (tiny models and data)."""

import keras_tuner as kt
import numpy as np
import pytest

from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster
from keras_attention.tuners import HyperSeq2SeqTranslator, HyperTimeSeriesForecaster

RNG = np.random.default_rng(0)


class Eager:
    """Runs trials eagerly: on a few batches, tracing costs more than training."""

    def build(self, hp):
        model = super().build(hp)
        model.run_eagerly = True
        return model


class EagerTranslator(Eager, HyperSeq2SeqTranslator):
    pass


class EagerForecaster(Eager, HyperTimeSeriesForecaster):
    pass


def translator_data(n=32):
    x = {
        "source_ids": RNG.integers(4, 20, (n, 6)).astype("int32"),
        "target_ids": RNG.integers(4, 15, (n, 5)).astype("int32"),
    }
    return x, RNG.integers(4, 15, (n, 5)).astype("int32")


def forecaster_data(n=32):
    x = {
        "drivers": RNG.normal(size=(n, 5, 3)).astype("float32"),
        "past_target": RNG.normal(size=(n, 4, 1)).astype("float32"),
    }
    return x, RNG.normal(size=(n, 1)).astype("float32")


def small_space(**extra):
    hp = kt.HyperParameters()
    hp.Fixed("units", 8)
    for name, value in extra.items():
        hp.Fixed(name, value)
    return hp


CASES = {
    "translator": (
        lambda: EagerTranslator(20, 15, batch_sizes=(16, 32)),
        translator_data,
        dict(embedding_dim=8, num_encoder_layers=1),
        Seq2SeqTranslator,
    ),
    "forecaster": (
        lambda: EagerForecaster(5, 3, batch_sizes=(16, 32)),
        forecaster_data,
        {},
        TimeSeriesForecaster,
    ),
}


def make_tuner(kind, hypermodel, hp, directory):
    common = dict(
        objective="val_loss", hyperparameters=hp, directory=directory,
        project_name=kind, seed=0, overwrite=True,
    )
    if kind == "random":
        return kt.RandomSearch(hypermodel, max_trials=2, **common)
    if kind == "bayesian":
        # One random point, then one trial proposed by the Gaussian process.
        return kt.BayesianOptimization(hypermodel, max_trials=2, num_initial_points=1, **common)
    # One bracket of two models trained for max_epochs.
    return kt.Hyperband(hypermodel, max_epochs=2, factor=3, **common)


@pytest.mark.slow
@pytest.mark.parametrize(
    "kind, problem",
    [("random", "translator"), ("bayesian", "forecaster"), ("hyperband", "translator")],
)
def test_two_trial_search(kind, problem, tmp_path):
    make_hypermodel, data, fixed, model_class = CASES[problem]
    x, y = data()
    tuner = make_tuner(kind, make_hypermodel(), small_space(**fixed), tmp_path)
    search_kwargs = dict(validation_data=(x, y), verbose=0)
    if kind != "hyperband":
        search_kwargs["epochs"] = 1
    tuner.search(x, y, **search_kwargs)
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 2
    assert all(t.status == "COMPLETED" and np.isfinite(t.score) for t in trials)
    assert all(t.hyperparameters.values["batch_size"] in (16, 32) for t in trials)
    best = tuner.get_best_models(1)[0]  # loads the checkpoint into a fresh build
    assert isinstance(best, model_class) and best.units == 8
    assert tuner.get_best_hyperparameters(1)[0].values["units"] == 8


@pytest.mark.slow
def test_hyperband_resumes_trials_into_built_models(tmp_path):
    # factor 2 over 2 epochs: a bracket whose second round continues the best
    # first-round trial from its checkpoint (the model must be built).
    x, y = forecaster_data()
    tuner = kt.Hyperband(
        EagerForecaster(5, 3, batch_sizes=(32,)), objective="val_loss", max_epochs=2,
        factor=2, hyperparameters=small_space(), directory=tmp_path, seed=0,
    )
    tuner.search(x, y, validation_data=(x, y), verbose=0)
    trials = list(tuner.oracle.trials.values())
    resumed = [t for t in trials if "tuner/trial_id" in t.hyperparameters.values]
    assert resumed and all(t.status == "COMPLETED" for t in trials)
    assert isinstance(tuner.get_best_models(1)[0], TimeSeriesForecaster)
