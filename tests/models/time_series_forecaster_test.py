import re

import keras
import numpy as np
import pytest

from keras_attention.data import timeseries as ts
from keras_attention.models.time_series_forecaster import TimeSeriesForecaster
from tests.harness import assert_model_save_load, run_in_fresh_process, to_numpy

RNG = np.random.default_rng(0)


def inputs(batch=3, window=6, features=4, protocol="nowcast"):
    past = window - 1 if protocol == "nowcast" else window
    return {
        "drivers": RNG.normal(size=(batch, window, features)).astype("float32"),
        "past_target": RNG.normal(size=(batch, past, 1)).astype("float32"),
    }


CONFIGS = [
    dict(encoder="lstm", decoder="lstm", attention="bahdanau"),
    dict(encoder="bilstm", decoder="lstm", attention="bahdanau"),
    dict(encoder="gru", decoder="lstm", attention="bahdanau", protocol="forecast"),
    dict(encoder="bigru", decoder="gru", attention="luong"),
    dict(encoder="simple", decoder="gru", attention="luong", score_mode="concat"),
    dict(encoder="lstm", decoder="lstm", attention="none", protocol="forecast"),
    dict(encoder="lstm", decoder="lstm", attention="bahdanau", input_attention=True),
    dict(encoder="gru", decoder="gru", attention="luong", input_attention=True, protocol="forecast"),
    dict(encoder="gru", decoder="lstm", attention="bahdanau", residual=True, highway=True),
    dict(encoder="bigru", decoder="gru", attention="luong", revin_levels=True),
]


@pytest.mark.parametrize("horizon", [1, 3])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(map(str, c.values())))
def test_shapes_and_attention_sums(config, horizon):
    model = TimeSeriesForecaster(window=6, num_features=4, horizon=horizon, units=8, **config)
    x = inputs(protocol=config.get("protocol", "nowcast"))
    forecast, scores = model(x, return_attention_scores=True)
    assert tuple(forecast.shape) == (3, horizon)
    np.testing.assert_allclose(to_numpy(model(x)), to_numpy(forecast), atol=1e-6)
    if config["attention"] == "none":
        assert "temporal" not in scores
    else:
        temporal = to_numpy(scores["temporal"])
        assert temporal.shape == (3, horizon, 6)
        np.testing.assert_allclose(temporal.sum(-1), 1.0, atol=1e-5)
    if config.get("input_attention"):
        alpha = to_numpy(scores["input"])
        assert alpha.shape == (3, 6, 4)
        np.testing.assert_allclose(alpha.sum(-1), 1.0, atol=1e-5)
    else:
        assert "input" not in scores


def test_tuple_inputs_and_2d_past_target():
    model = TimeSeriesForecaster(window=6, num_features=4, units=8)
    x = inputs()
    a = model(x)
    b = model((x["drivers"], x["past_target"][..., 0]))
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=1e-6)


def test_temporal_weights_are_the_decoder_alignments():
    # The returned weights are those the decoder step used: recompute the
    # first horizon step by hand from the model's own layers.
    # revin=None: the encoder reads the drivers as given.
    model = TimeSeriesForecaster(
        window=6, num_features=4, units=8, protocol="forecast", revin=None
    )
    x = inputs(protocol="forecast")
    _, scores = model(x, return_attention_scores=True)
    outputs, h, c = model.encoder(x["drivers"])
    initial = [dense(h) for dense in model.bridge]
    _, _, alignments = model.decoder(x["past_target"], outputs, initial_state=initial)
    np.testing.assert_allclose(
        to_numpy(scores["temporal"][:, 0]), to_numpy(alignments[:, -1]), atol=1e-6
    )


def test_residual_adds_the_last_known_value():
    model = TimeSeriesForecaster(window=6, num_features=4, horizon=3, units=8, residual=True)
    x = inputs()
    model(x)
    kernel, bias = model.head.get_weights()
    model.head.set_weights([np.zeros_like(kernel), np.zeros_like(bias)])
    forecast = to_numpy(model(x))
    np.testing.assert_allclose(forecast, np.repeat(x["past_target"][:, -1], 3, axis=1), atol=1e-6)


def test_highway_is_a_linear_function_of_the_inputs():
    model = TimeSeriesForecaster(
        window=6, num_features=4, horizon=2, units=8, highway=True, residual=False
    )
    x = inputs()
    model(x)
    for layer in (model.head,):
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    kernel = RNG.normal(size=(6 * 4 + 5, 2)).astype("float32")
    bias = np.array([0.5, -1.0], "float32")
    model.highway_layer.set_weights([kernel, bias])
    flat = np.concatenate([x["drivers"].reshape(3, -1), x["past_target"].reshape(3, -1)], 1)
    np.testing.assert_allclose(to_numpy(model(x)), flat @ kernel + bias, atol=1e-5)


def test_get_config_is_the_constructor_arguments():
    args = dict(
        window=7, num_features=3, horizon=2, units=5, encoder="bigru", decoder="gru",
        attention="luong", attention_units=4, score_mode="concat", input_attention=False,
        protocol="forecast", residual=True, highway=True, dropout=0.1,
        strategy="direct", revin="mean", revin_std=False, revin_levels=True,
        preprocessor={"target": "y", "features": ["a", "b", "c"], "scaling": "minmax",
                      "center": [0.0, 1.0, 2.0, 3.0], "scale": [1.0, 2.0, 3.0, 4.0]},
    )
    model = TimeSeriesForecaster(**args, name="f")
    config = model.get_config()
    assert {k: config[k] for k in args} == args
    assert set(config) == set(args) | {"name", "trainable", "dtype"}
    clone = TimeSeriesForecaster.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("config", [CONFIGS[1], CONFIGS[6]], ids=["bilstm", "input_attention"])
def test_save_load_gives_identical_outputs(config, tmp_path):
    model = TimeSeriesForecaster(window=6, num_features=4, horizon=2, units=8, **config)
    x = inputs()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, RNG.normal(size=(3, 2)).astype("float32"), epochs=1, verbose=0)
    restored = assert_model_save_load(model, x, tmp_path)
    a = model(x, return_attention_scores=True)
    b = restored(x, return_attention_scores=True)
    for key in a[1]:
        np.testing.assert_array_equal(to_numpy(a[1][key]), to_numpy(b[1][key]))


def test_load_in_a_fresh_process(tmp_path):
    model = TimeSeriesForecaster(window=6, num_features=4, units=8, input_attention=True)
    x = inputs()
    np.save(tmp_path / "x.npy", x["drivers"])
    np.save(tmp_path / "p.npy", x["past_target"])
    np.save(tmp_path / "y.npy", to_numpy(model(x)))
    model.save(tmp_path / "m.keras")
    run_in_fresh_process(
        f"""
        import numpy as np, keras
        import keras_attention.models.time_series_forecaster
        m = keras.models.load_model(r"{tmp_path / 'm.keras'}", safe_mode=True)
        x = {{"drivers": np.load(r"{tmp_path / 'x.npy'}"), "past_target": np.load(r"{tmp_path / 'p.npy'}")}}
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(m(x)), np.load(r"{tmp_path / 'y.npy'}"))
        """
    )


@pytest.mark.tensorflow_only  # trains on series.dataset (tf.data)
def test_fit_reduces_the_loss_with_dropout_and_multistep():
    series = ts.make_windows(ts.synthetic_series(300), "target", window=6, horizon=2)
    model = TimeSeriesForecaster(
        window=6, num_features=4, horizon=2, units=8, dropout=0.1, input_attention=True
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    history = model.fit(series.dataset("train", 32, shuffle=True, seed=0), epochs=4, verbose=0)
    loss = history.history["loss"]
    assert loss[-1] < loss[0]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(window=0), "`window` must be a positive integer. Received: window=0"),
        (dict(num_features=-1), "`num_features` must be a positive integer. Received: num_features=-1"),
        (dict(horizon=1.0), "`horizon` must be a positive integer. Received: horizon=1.0"),
        (dict(units=0), "`units` must be a positive integer. Received: units=0"),
        (dict(encoder="transformer"), "`encoder` must be one of 'lstm', 'gru', 'bilstm', 'bigru', 'simple'. Received: encoder='transformer'"),
        (dict(decoder="simple"), "`decoder` must be one of 'lstm', 'gru'. Received: decoder='simple'"),
        (dict(attention="multihead"), "`attention` must be one of 'bahdanau', 'luong', 'none'. Received: attention='multihead'"),
        (dict(score_mode="dot"), "`score_mode` applies only to attention='luong'. Received: score_mode='dot' with attention='bahdanau'"),
        (dict(attention="luong", score_mode="cosine"), "`score_mode` must be one of"),
        (dict(input_attention=True, encoder="bilstm"), "`input_attention=True` needs a unidirectional encoder ('lstm', 'gru' or 'simple'). Received: encoder='bilstm'"),
        (dict(input_attention=1), "`input_attention` must be a bool. Received: input_attention=1"),
        (dict(protocol="hindcast"), "`protocol` must be one of 'nowcast', 'forecast'. Received: protocol='hindcast'"),
        (dict(window=1), "`window` must be at least 2 with protocol='nowcast' (the decoder reads window - 1 past target values). Received: window=1"),
        (dict(dropout=1.0), "`dropout` must be a float in [0, 1). Received: dropout=1.0"),
        (dict(residual="yes"), "`residual` must be a bool. Received: residual='yes'"),
        (dict(highway=None), "`highway` must be a bool. Received: highway=None"),
        (dict(revin_levels="yes"), "`revin_levels` must be a bool. Received: revin_levels='yes'"),
        (dict(revin=None, revin_levels=True), "without RevIN the network reads the levels already. Received: revin_levels=True with revin=None"),
        (dict(input_attention=True, revin_levels=True), "`revin_levels=True` cannot be combined with `input_attention=True`"),
    ],
)
def test_constructor_errors(kwargs, match):
    args = dict(window=6, num_features=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(match)):
        TimeSeriesForecaster(**args)


def test_input_errors_name_the_protocol():
    model = TimeSeriesForecaster(window=6, num_features=4, units=8, protocol="nowcast")
    with pytest.raises(ValueError, match=re.escape(
        "`past_target` must have 5 steps with protocol='nowcast' and window=6. "
        "Received: past_target.shape=(3, 6, 1)"
    )):
        model(inputs(protocol="forecast"))
    with pytest.raises(ValueError, match=re.escape(
        "`drivers` must have shape (batch, 6, 4) (window, num_features). "
        "Received: drivers.shape=(3, 6, 5)"
    )):
        model(inputs(features=5))
    with pytest.raises(ValueError, match=re.escape("Missing: ['past_target']")):
        model({"drivers": inputs()["drivers"]})


@pytest.mark.slow
@pytest.mark.tensorflow_only  # trains on series.dataset (tf.data)
def test_learns_the_known_lags_of_the_embedded_series():
    """The embedded target depends on x1 at lag 3 and x2 at lag 6. Given the
    past target values nothing else in the window matters, so a trained
    model must react most to a change of x1 at τ-3 and of x2 at τ-6, with
    the sizes of the true coefficients, and beat the naive forecast by far.
    (The temporal attention weights themselves are too diffuse on this
    series to point at the lags; see docs/forecasting.md.)"""
    keras.utils.set_random_seed(0)
    series = ts.make_windows(ts.synthetic_series(3000), "target", window=10, protocol="nowcast")
    # The attention network alone (the model of the previous defaults): no
    # linear part, no residual, no RevIN.
    model = TimeSeriesForecaster(
        window=10, num_features=4, units=16, protocol="nowcast", residual=False,
        highway=False, revin=None, strategy="recursive",
    )
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss="mse")
    model.fit(series.dataset("train", 64, shuffle=True, seed=0), epochs=60, verbose=0, shuffle=False)
    test = series["test"]
    forecast, scores = model.predict_with_attention(test.inputs)
    rmse = np.sqrt(np.mean((forecast - test.target) ** 2))
    naive_rmse = np.sqrt(np.mean((test.past_target[:, -1] - test.target) ** 2))
    assert rmse < 0.35 * naive_rmse
    np.testing.assert_allclose(scores["temporal"].sum(-1), 1.0, atol=1e-5)
    # d forecast / d x_k at each window position (positions 0..9 hold
    # x_{τ-9} … x_τ), by finite differences on the scaled inputs.
    sensitivity = np.zeros((10, 4))
    for pos in range(10):
        bumped = {key: value.copy() for key, value in test.inputs.items()}
        for k in range(4):
            bumped["drivers"][:, pos, k] += 0.1
            moved = model.predict(bumped, batch_size=512, verbose=0) - forecast
            sensitivity[pos, k] = moved.mean() / 0.1
            bumped["drivers"][:, pos, k] -= 0.1
    scale = series.scaler.scale
    for k, (name, coef) in enumerate((("x1", 2.0), ("x2", -1.5))):
        column = sensitivity[:, k]
        assert np.argmax(np.abs(column)) == 9 - ts.SYNTHETIC_LAGS[name], (name, column)
        # In scaled units the true effect is coef · std(x) / std(target).
        expected = coef * scale[k] / scale[-1]
        assert abs(column[9 - ts.SYNTHETIC_LAGS[name]] - expected) < 0.3 * abs(expected)
    assert np.abs(sensitivity[:, 2:]).max() < 0.25 * np.abs(sensitivity[:, :2]).max()
