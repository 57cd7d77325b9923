"""TimeSeriesForecaster: the closed-form linear part, RevIN and the horizon strategies."""

import json
import re
import zipfile

import keras
import numpy as np
import pytest

from keras_attention.data import timeseries as ts
from keras_attention.evaluation import forecasting as fc
from keras_attention.models.time_series_forecaster import TimeSeriesForecaster
from tests.harness import assert_model_save_load, to_numpy

RNG = np.random.default_rng(0)


def inputs(batch=5, window=6, features=3, protocol="nowcast", level=0.0):
    past = window - 1 if protocol == "nowcast" else window
    return {
        "drivers": (level + RNG.normal(size=(batch, window, features))).astype("float32"),
        "past_target": (level + RNG.normal(size=(batch, past, 1))).astype("float32"),
    }


def flat(x):
    n = len(x["drivers"])
    return np.concatenate([x["drivers"].reshape(n, -1), x["past_target"].reshape(n, -1)], 1)


def small_series(horizon=1, protocol="nowcast", steps=400):
    return ts.make_windows(
        ts.synthetic_series(steps), "target", window=6, horizon=horizon, protocol=protocol,
        split=(0.6, 0.2, 0.2),
    )


def model_for(series, **kwargs):
    args = dict(units=4, residual=True, highway=True)
    args.update(kwargs)
    return TimeSeriesForecaster(
        window=series.window, num_features=series.num_features, horizon=series.horizon,
        protocol=series.protocol, **args,
    )


def test_linear_part_alone_is_least_squares():
    """Without penalty the fitted model is numpy's least squares (the
    change/level basis spans the flat window), before any training."""
    series = small_series(protocol="forecast")
    train, test = series["train"], series["test"]
    model = model_for(series)
    model.fit_linear(train.inputs, train.target,
                     l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0)
    design = np.concatenate([flat(train.inputs), np.ones((len(train), 1))], axis=1)
    coef = np.linalg.lstsq(design, train.target.astype("float64"), rcond=None)[0]
    expected = np.concatenate([flat(test.inputs), np.ones((len(test), 1))], axis=1) @ coef
    np.testing.assert_allclose(to_numpy(model(test.inputs)), expected, atol=2e-5)
    # The highway holds the same weights (minus the last value: residual).
    kernel, bias = model.highway_layer.get_weights()
    coef[flat(test.inputs).shape[1] - 1] -= 1.0
    np.testing.assert_allclose(kernel, coef[:-1], atol=1e-4)
    np.testing.assert_allclose(bias, coef[-1], atol=1e-5)


@pytest.mark.parametrize("revin", [None, "mean", "last"])
@pytest.mark.parametrize("strategy", ["direct", "recursive"])
@pytest.mark.parametrize("input_attention", [False, True])
def test_untrained_model_is_the_linear_model(revin, strategy, input_attention):
    series = small_series(horizon=3)
    train, test = series["train"], series["test"]
    model = model_for(series, revin=revin, strategy=strategy, input_attention=input_attention)
    val = series["val"]
    info = model.fit_linear(train.inputs, train.target, validation_data=(val.inputs, val.target))
    assert len(info["l2"]) == (3 if strategy == "direct" else 1)
    kernel, bias = model.highway_layer.get_weights()
    increments = flat(test.inputs) @ kernel + bias
    last = test.past_target[:, -1]
    expected = last + (np.cumsum(increments, 1) if strategy == "recursive" else increments)
    forecast, scores = model(test.inputs, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(forecast), expected, atol=1e-4)
    assert tuple(scores["temporal"].shape) == (len(test), 3, 6)
    np.testing.assert_allclose(to_numpy(scores["temporal"]).sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_untrained_model_equals_the_baseline_run_the_same_way(strategy):
    series = small_series(horizon=4, protocol="forecast")
    model = model_for(series, strategy=strategy)
    model.fit_linear(series["train"].inputs, series["train"].target,
                     l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0)
    baseline = fc.baseline_predictions(series, strategy=strategy)["linear"]
    np.testing.assert_allclose(
        model.predict(series["test"].inputs, verbose=0), baseline, atol=5e-5
    )


def set_hand_weights(model, x, kernel, bias):
    model(x)
    model.head.set_weights([np.zeros_like(w) for w in model.head.get_weights()])
    model.highway_layer.set_weights([kernel, bias])


def test_direct_and_recursive_by_hand():
    # window 2, one driver, forecast protocol: flat input [x0, x1, y0, y1].
    x = {
        "drivers": np.array([[[1.0], [2.0]]], "float32"),
        "past_target": np.array([[[10.0], [11.0]]], "float32"),
    }
    kernel = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [0.5, 0.0, 0.0]], "float32")
    bias = np.array([0.0, 1.0, -1.0], "float32")
    # highway(x) = [2 + 5.5, 4 + 1, 6 - 1] = [7.5, 5, 5]
    direct = TimeSeriesForecaster(
        window=2, num_features=1, horizon=3, units=3, protocol="forecast",
        residual=True, highway=True, strategy="direct",
    )
    set_hand_weights(direct, x, kernel, bias)
    # Direct: every step is the last value plus its own column.
    np.testing.assert_allclose(to_numpy(direct(x)), [[18.5, 16.0, 16.0]], atol=1e-5)
    recursive = TimeSeriesForecaster(
        window=2, num_features=1, horizon=3, units=3, protocol="forecast",
        residual=True, highway=True, strategy="recursive",
    )
    set_hand_weights(recursive, x, kernel, bias)
    # Recursive: each step adds its column to the previous prediction.
    np.testing.assert_allclose(to_numpy(recursive(x)), [[18.5, 23.5, 28.5]], atol=1e-5)


def test_recursive_decoder_reads_its_own_prediction():
    # A changed first prediction changes the later steps of the recursive
    # decoder, not of the direct one.
    x = inputs(protocol="forecast")
    outputs = {}
    for strategy in ("direct", "recursive"):
        model = TimeSeriesForecaster(
            window=6, num_features=3, horizon=3, units=4, protocol="forecast",
            residual=True, highway=False, revin=None, strategy=strategy,
        )
        model(x)
        kernel, bias = model.head.get_weights()
        model.head.set_weights([RNG.normal(size=kernel.shape).astype("float32"), bias])
        a = to_numpy(model(x))
        model.head.set_weights([kernel, np.array([0.7], "float32")])
        b = to_numpy(model(x))
        outputs[strategy] = (a, b)
    a, b = outputs["direct"]
    # Direct with a zero kernel: the bias alone moves every step by 0.7.
    np.testing.assert_allclose(b - x["past_target"][:, -1], 0.7, atol=1e-6)
    a, b = outputs["recursive"]
    # Recursive, residual: the bias accumulates, 0.7 per step.
    np.testing.assert_allclose(b - x["past_target"][:, -1], [[0.7, 1.4, 2.1]] * 5, atol=1e-5)


@pytest.mark.parametrize("revin", ["mean", "last"])
def test_revin_makes_the_network_level_invariant(revin):
    # Shifting every input by c shifts the forecast by c: the network sees
    # only normalized windows and the residual adds the last value.
    model = TimeSeriesForecaster(
        window=6, num_features=3, horizon=2, units=4, residual=True, revin=revin,
        strategy="recursive",
    )
    x = inputs()
    model(x)
    model.head.set_weights([RNG.normal(size=w.shape).astype("float32") for w in model.head.get_weights()])
    shifted = {k: v + 1000.0 for k, v in x.items()}
    np.testing.assert_allclose(
        to_numpy(model(shifted)), to_numpy(model(x)) + 1000.0, rtol=1e-6, atol=2e-2
    )


@pytest.mark.parametrize("protocol", ["nowcast", "forecast"])
def test_revin_levels_shows_the_network_the_drivers_levels(protocol):
    # Shifting the drivers alone leaves RevIN's windows unchanged: the
    # network alone (no linear part) cannot see it unless the encoder also
    # reads the levels, next to the normalized window (2n channels).
    x = inputs(protocol=protocol)
    shifted = dict(x, drivers=x["drivers"] + 5.0)
    outputs = {}
    for levels in (False, True):
        model = TimeSeriesForecaster(
            window=6, num_features=3, units=4, protocol=protocol, residual=True,
            highway=False, revin="last", revin_levels=levels,
        )
        model(x)
        assert model.encoder.cell.kernel.shape[0] == (6 if levels else 3)
        model.head.set_weights(
            [RNG.normal(size=w.shape).astype("float32") for w in model.head.get_weights()]
        )
        outputs[levels] = to_numpy(model(shifted)) - to_numpy(model(x))
    np.testing.assert_allclose(outputs[False], 0.0, atol=1e-5)
    assert np.abs(outputs[True]).min() > 1e-4


def test_revin_levels_model_is_the_linear_model_until_trained_and_round_trips(tmp_path):
    series = small_series()
    train, test = series["train"], series["test"]
    models = [model_for(series, revin="last", revin_levels=levels) for levels in (False, True)]
    for model in models:
        model.fit_linear(train.inputs, train.target, l2=0.0, level_l2=0.0, smooth_l2=0.0,
                         own_l2=0.0)
    np.testing.assert_allclose(to_numpy(models[1](test.inputs)),
                               to_numpy(models[0](test.inputs)), atol=1e-5)
    model = models[1]
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.fit(train.inputs, train.target, batch_size=64, epochs=1, verbose=0)
    restored = assert_model_save_load(model, test.inputs, tmp_path)
    assert restored.revin_levels and restored.encoder.cell.kernel.shape[0] == 8
    # A config saved before `revin_levels` existed loads without it.
    config = model.get_config()
    del config["revin_levels"]
    assert TimeSeriesForecaster.from_config(config).revin_levels is False


def test_revin_without_base_denormalizes_fully():
    # No residual, no highway: the network's output is a level in the
    # normalized units of the past target, mapped back with its statistics.
    model = TimeSeriesForecaster(
        window=6, num_features=3, units=4, revin="mean", residual=False, highway=False
    )
    x = inputs(level=20.0)
    model(x)
    kernel, bias = model.head.get_weights()
    model.head.set_weights([np.zeros_like(kernel), np.array([1.0], "float32")])
    past = x["past_target"][..., 0].astype("float64")
    expected = past.mean(1) + np.sqrt(past.var(1) + 1e-5)
    np.testing.assert_allclose(to_numpy(model(x))[:, 0], expected, rtol=1e-5)


def test_frozen_highway_is_not_trained_and_stays_frozen_after_loading(tmp_path):
    series = small_series()
    model = model_for(series, revin="last")
    model.fit_linear(series["train"].inputs, series["train"].target)
    before = model.highway_layer.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.fit(series["train"].inputs, series["train"].target, batch_size=64, epochs=1, verbose=0)
    for a, b in zip(before, model.highway_layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.highway_layer.trainable_weights == []
    restored = assert_model_save_load(model, series["test"].inputs, tmp_path)
    assert not restored.highway_layer.trainable
    # Without freeze the highway keeps training.
    thawed = model_for(series)
    thawed.fit_linear(series["train"].inputs, series["train"].target, freeze=False)
    assert len(thawed.highway_layer.trainable_weights) == 2


def test_new_arguments_round_trip(tmp_path):
    args = dict(
        window=5, num_features=2, horizon=3, units=4, protocol="forecast", residual=True,
        highway=True, strategy="direct", revin="last", revin_std=False,
    )
    model = TimeSeriesForecaster(**args)
    config = model.get_config()
    assert {k: config[k] for k in args} == args
    clone = TimeSeriesForecaster.from_config(config)
    assert clone.get_config() == config
    x = inputs(window=5, features=2, protocol="forecast")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, RNG.normal(size=(5, 3)).astype("float32"), epochs=1, verbose=0)
    restored = assert_model_save_load(model, x, tmp_path)
    assert (restored.strategy, restored.revin, restored.revin_std) == ("direct", "last", False)


def test_a_config_saved_before_the_new_arguments_behaves_as_before(tmp_path):
    # A .keras file written by the previous version has no strategy/revin
    # keys: it loads as recursive, without RevIN, whatever the new defaults.
    model = TimeSeriesForecaster(
        window=6, num_features=3, horizon=2, units=4, residual=True, highway=True,
        strategy="recursive", revin=None,
    )
    x = inputs()
    expected = to_numpy(model(x))
    path = tmp_path / "new.keras"
    model.save(path)
    legacy = tmp_path / "legacy.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(legacy, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                for key in ("strategy", "revin", "revin_std"):
                    del config["config"][key]
                config.pop("build_config", None)
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    restored = keras.models.load_model(legacy)
    assert (restored.strategy, restored.revin) == ("recursive", None)
    np.testing.assert_array_equal(to_numpy(restored(x)), expected)
    config = model.get_config()
    for key in ("strategy", "revin", "revin_std"):
        del config[key]
    assert TimeSeriesForecaster.from_config(config).strategy == "recursive"


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(strategy="mimo"), "`strategy` must be one of 'direct', 'recursive'. Received: strategy='mimo'"),
        (dict(revin="std"), "`revin` must be one of 'mean', 'last'. Received: revin='std'"),
        (dict(revin_std=1), "`revin_std` must be a bool. Received: revin_std=1"),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        TimeSeriesForecaster(window=6, num_features=3, **kwargs)


def test_fit_linear_errors():
    x = inputs()
    y = np.zeros((5, 1), "float32")
    with pytest.raises(ValueError, match=re.escape(
        "fit_linear() sets the highway: build the model with highway=True."
    )):
        TimeSeriesForecaster(window=6, num_features=3, highway=False).fit_linear(x, y)
    model = TimeSeriesForecaster(window=6, num_features=3, units=4, highway=True)
    with pytest.raises(ValueError, match=re.escape(
        "`y` must have shape (N, horizon) = (5, 1). Received: y.shape=(5, 2)"
    )):
        model.fit_linear(x, np.zeros((5, 2)))
    with pytest.raises(ValueError, match=re.escape(
        "`drivers` must have shape (N, 6, 3). Received: drivers.shape=(5, 6, 4)"
    )):
        model.fit_linear(inputs(features=4), y)
    with pytest.raises(ValueError, match=re.escape(
        "`past_target` must have 5 steps with protocol='nowcast' and window=6. "
        "Received: past_target.shape=(5, 6, 1)"
    )):
        model.fit_linear(inputs(protocol="forecast"), y)
    with pytest.raises(ValueError, match=re.escape("`x` must be {'drivers'")):
        model.fit_linear({"drivers": x["drivers"]}, y)


class _Weights:
    """A model as `train_beyond_linear_part` sees it: weights to get and set."""

    def __init__(self):
        self.weights = [np.zeros(2)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


@pytest.mark.parametrize(
    "val_losses, kept_epoch, kept_loss",
    [
        ([1.0, 0.7, 0.8], 2, 0.7),  # 0.7 <= (1 - 0.1) * 1.0: trained, its best epoch
        ([0.95, 0.91], 0, 1.0),  # 0.91 > 0.9: a gain below the margin keeps the untrained
        ([0.9, 0.95], 1, 0.9),  # exactly the margin counts as beating it
        ([float("nan"), 0.8], 2, 0.8),  # a diverged epoch is skipped
        ([float("nan"), float("inf")], 0, 1.0),  # nothing finite: untrained
    ],
)
def test_train_beyond_linear_part_keeps_the_untrained_model_unless_beaten(
    val_losses, kept_epoch, kept_loss
):
    from keras_attention.models import forecaster_linear

    model = _Weights()

    def train():
        model.weights = [np.ones(2)]  # what training left
        return {"val_loss": val_losses, "loss": [0.5] * len(val_losses)}

    kept = forecaster_linear.train_beyond_linear_part(
        model, train, lambda: {"loss": 1.0, "mae": 0.8}, keep_margin=0.1)
    assert kept["best_epoch"] == kept_epoch
    assert kept["val_loss_kept"] == pytest.approx(kept_loss)
    assert kept["initial"] == {"loss": 1.0, "mae": 0.8}
    assert kept["history"]["val_loss"] == val_losses
    np.testing.assert_array_equal(model.weights[0], np.ones(2) if kept_epoch else np.zeros(2))
