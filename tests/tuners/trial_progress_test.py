"""TrialProgress: one report per trial of a real search, best score as KerasTuner's."""

import keras
import keras_tuner as kt
import numpy as np
import pytest

from keras_attention.tuners import TrialProgress


def build(hp):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(hp.Choice("units", [1, 2, 4]))])
    model.compile(keras.optimizers.SGD(hp.Float("lr", 1e-3, 1e-1, sampling="log")), "mse")
    model.run_eagerly = True
    return model


def test_one_line_per_trial_with_the_tuners_best_score(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    tuner = kt.RandomSearch(
        build, objective="val_loss", max_trials=3, directory=tmp_path, seed=1
    )
    progress = TrialProgress(max_trials=3)
    tuner.search(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[progress])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("trial ")]
    assert [line.split(":")[0] for line in lines] == ["trial 1/3", "trial 2/3", "trial 3/3"]
    best = tuner.oracle.get_best_trials(1)[0].score
    assert progress.trials == 3
    assert progress.best == pytest.approx(best, rel=1e-6)
    assert lines[-1].split("(best ")[1].startswith(f"{best:.4g}")


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_trials=0"):
        TrialProgress(max_trials=0)
    with pytest.raises(ValueError, match="direction='up'"):
        TrialProgress(direction="up")
