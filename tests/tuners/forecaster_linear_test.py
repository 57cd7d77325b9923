"""HyperTimeSeriesForecaster.fit sets the linear part first and never ends a
trial worse than it (issue 17: the tuning example lost to least squares)."""

import keras
import keras_tuner as kt
import numpy as np
import pytest

from keras_attention.recipes.forecasting import linear_part_forecast
from keras_attention.tuners import HyperTimeSeriesForecaster


def linear_data(n, seed):
    """Windows whose target is a linear function of the window plus noise."""
    rng = np.random.default_rng(seed)
    x = {
        "drivers": rng.normal(size=(n, 5, 2)).astype("float32"),
        "past_target": rng.normal(size=(n, 4, 1)).astype("float32"),
    }
    y = (x["past_target"][:, -1] + 0.8 * x["drivers"][:, -1, :1]
         - 0.5 * x["drivers"][:, -2, 1:] + 0.05 * rng.normal(size=(n, 1)))
    return x, y.astype("float32")


def space(learning_rate=1e-3):
    hp = kt.HyperParameters()
    hp.Fixed("units", 8)
    hp.Fixed("encoder", "gru")
    hp.Fixed("decoder", "gru")
    hp.Fixed("learning_rate", learning_rate)
    return hp


def ols_val_mse(x, y, x_val, y_val):
    """Least squares on the flattened window (with a constant), its
    validation MSE: what the kept model must not be worse than."""
    def design(inputs):
        flat = [inputs["drivers"].reshape(len(inputs["drivers"]), -1),
                inputs["past_target"].reshape(len(inputs["past_target"]), -1)]
        return np.hstack(flat + [np.ones((len(flat[0]), 1))])
    coef = np.linalg.lstsq(design(x), y, rcond=None)[0]
    return float(np.mean((design(x_val) @ coef - y_val) ** 2))


@pytest.mark.slow
def test_a_trial_that_does_not_beat_the_linear_part_keeps_it(tmp_path):
    x, y = linear_data(192, 0)
    x_val, y_val = linear_data(96, 1)
    # keep_margin 0.9: the network must cut the validation loss by 90%,
    # which two epochs on a linear problem cannot: the linear part stays.
    hypermodel = HyperTimeSeriesForecaster(5, 2, batch_sizes=(32,), keep_margin=0.9)
    tuner = kt.RandomSearch(hypermodel, objective="val_loss", max_trials=1,
                            hyperparameters=space(), directory=tmp_path, seed=0)
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=2, verbose=0)
    trial = list(tuner.oracle.trials.values())[0]
    assert trial.status == "COMPLETED"
    assert hypermodel.linear_info is not None

    best = tuner.get_best_models(1)[0]  # the tuner's checkpoint of the trial
    prediction = best.predict(x_val, verbose=0)
    # The checkpoint is the linear part alone (the network's output is zero).
    np.testing.assert_allclose(prediction, linear_part_forecast(best, x_val), atol=1e-6)
    val_mse = float(np.mean((prediction - y_val) ** 2))
    # The trial's score is the kept model's validation loss ...
    np.testing.assert_allclose(trial.score, val_mse, rtol=1e-4)
    # ... and that of a least-squares fit (ridge, penalties chosen on it).
    assert val_mse <= 1.05 * ols_val_mse(x, y, x_val, y_val)


@pytest.mark.slow
def test_a_network_that_beats_the_linear_part_is_kept():
    rng = np.random.default_rng(2)
    n = 384
    x = {"drivers": rng.normal(size=(n, 5, 2)).astype("float32"),
         "past_target": rng.normal(size=(n, 4, 1)).astype("float32")}
    # A product of two drivers: no linear function of the window has it.
    y = (2.0 * x["drivers"][:, -1, :1] * x["drivers"][:, -1, 1:]).astype("float32")
    train = ({k: v[:256] for k, v in x.items()}, y[:256])
    val = ({k: v[256:] for k, v in x.items()}, y[256:])
    hypermodel = HyperTimeSeriesForecaster(5, 2, batch_sizes=(32,), keep_margin=0.0)
    hp = space(learning_rate=1e-2)
    keras.utils.set_random_seed(0)
    model = hypermodel.build(hp)
    result = hypermodel.fit(hp, model, *train, validation_data=val, epochs=8, verbose=0)
    assert isinstance(result, keras.callbacks.History)
    linear = linear_part_forecast(model, val[0])
    linear_mse = float(np.mean((linear - val[1]) ** 2))
    assert min(result.history["val_loss"]) < linear_mse
    # The linear part was set and frozen before the network trained.
    assert hypermodel.linear_info is not None and not model.highway_layer.trainable


def test_fit_linear_off_trains_the_highway_by_gradient():
    x, y = linear_data(64, 0)
    hypermodel = HyperTimeSeriesForecaster(5, 2, batch_sizes=(32,), fit_linear=False)
    hp = space()
    model = hypermodel.build(hp)
    before = model.highway_layer.get_weights()[0].copy()
    hypermodel.fit(hp, model, x, y, validation_data=(x, y), epochs=1, verbose=0)
    assert hypermodel.linear_info is None and model.highway_layer.trainable
    assert not np.allclose(model.highway_layer.get_weights()[0], before)


def test_fit_linear_needs_arrays_and_the_margin_a_rate():
    import tensorflow as tf

    x, y = linear_data(32, 0)
    hypermodel = HyperTimeSeriesForecaster(5, 2, batch_sizes=(32,))
    hp = space()
    model = hypermodel.build(hp)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    with pytest.raises(ValueError, match="fit_linear=False.*Received: x of type"):
        hypermodel.fit(hp, model, dataset, epochs=1)
    with pytest.raises(ValueError, match=r"validation data must be an `\(x, y\)` tuple"):
        hypermodel.fit(hp, model, x, y, validation_data=dataset, epochs=1)
    with pytest.raises(ValueError, match="Received: keep_margin=1.5"):
        HyperTimeSeriesForecaster(5, 2, keep_margin=1.5)
    with pytest.raises(ValueError, match="Received: fit_linear='yes'"):
        HyperTimeSeriesForecaster(5, 2, fit_linear="yes")


def test_a_diverged_trial_keeps_the_linear_part(monkeypatch):
    from keras_attention.tuners import search_utils

    x, y = linear_data(64, 0)
    hypermodel = HyperTimeSeriesForecaster(5, 2, batch_sizes=(32,), keep_margin=0.0)
    hp = space()
    model = hypermodel.build(hp)

    def diverging_fit(hypermodel, hp, model, *args, **kwargs):
        # What TerminateOnNaN leaves: wrecked weights, a NaN validation loss.
        model.head.set_weights([np.full_like(w, 1e3) for w in model.head.get_weights()])
        history = keras.callbacks.History()
        history.history = {"loss": [float("nan")], "val_loss": [float("nan")]}
        return history

    monkeypatch.setattr(search_utils, "fit", diverging_fit)
    result = hypermodel.fit(hp, model, x, y, validation_data=(x, y), epochs=1)
    assert set(result) == {"loss", "mae", "val_loss", "val_mae"}
    assert np.isfinite(result["val_loss"])
    assert all(np.all(w == 0) for w in model.head.get_weights())  # the untrained network


def test_the_recompile_after_the_linear_part_keeps_run_eagerly():
    """fit() compiles again after fit_linear; a model set to run eagerly
    after build (as tests and debugging do) stays eager."""
    x, y = linear_data(32, 0)
    hypermodel = HyperTimeSeriesForecaster(5, 2, batch_sizes=(32,))
    hp = space()
    model = hypermodel.build(hp)
    model.run_eagerly = True
    hypermodel.fit(hp, model, x, y, validation_data=(x, y), epochs=1, verbose=0)
    assert model.run_eagerly
    assert hypermodel.linear_info is not None
