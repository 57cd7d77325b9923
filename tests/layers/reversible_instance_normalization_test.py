import re

import keras
import numpy as np
import pytest
from keras.backend import standardize_dtype

from keras_attention.layers import ReversibleInstanceNormalization
from tests.harness import assert_config_round_trip, to_numpy

RNG = np.random.default_rng(0)


def windows(batch=3, steps=7, series=4, level=0.0, spread=1.0):
    x = level + spread * RNG.normal(size=(batch, steps, series))
    return x.astype("float32")


def reference(x, subtract_last=False, use_std=True, eps=1e-5, weight=None, bias=None):
    """RevIN in numpy, float64 (Kim et al., 2022, eq. 1-2)."""
    x = x.astype("float64")
    center = x[:, -1:, :] if subtract_last else x.mean(axis=1, keepdims=True)
    scale = np.sqrt(x.var(axis=1, keepdims=True) + eps) if use_std else np.ones_like(center)
    out = (x - center) / scale
    if weight is not None:
        out = out * weight + bias
    return out, center, scale


def set_affine(layer, series):
    weight = RNG.uniform(0.5, 2.0, size=series).astype("float32")
    bias = RNG.normal(size=series).astype("float32")
    layer.set_weights([weight, bias])
    return weight, bias


@pytest.mark.parametrize("subtract_last", [False, True])
@pytest.mark.parametrize("use_std", [True, False])
def test_numbers_match_numpy(subtract_last, use_std):
    layer = ReversibleInstanceNormalization(subtract_last=subtract_last, use_std=use_std)
    x = windows(level=5.0, spread=3.0)
    layer(x)
    weight, bias = set_affine(layer, 4)
    out, stats = layer(x)
    expected, center, scale = reference(x, subtract_last, use_std, weight=weight, bias=bias)
    np.testing.assert_allclose(to_numpy(out), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_numpy(stats["center"]), center, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(stats["scale"]), scale, rtol=1e-6)


def test_hand_computed_window():
    # One series 1, 2, 3: mean 2, population variance 2/3.
    layer = ReversibleInstanceNormalization(affine=False, epsilon=1e-3)
    out, stats = layer(np.array([[[1.0], [2.0], [3.0]]], "float32"))
    scale = np.sqrt(2 / 3 + 1e-3)
    np.testing.assert_allclose(to_numpy(out)[0, :, 0], [-1 / scale, 0.0, 1 / scale], rtol=1e-6)
    assert to_numpy(stats["center"]).tolist() == [[[2.0]]]
    last = ReversibleInstanceNormalization(affine=False, subtract_last=True, use_std=False)
    out, _ = last(np.array([[[1.0], [2.0], [3.0]]], "float32"))
    assert to_numpy(out)[0, :, 0].tolist() == [-2.0, -1.0, 0.0]


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("subtract_last", [False, True])
@pytest.mark.parametrize("use_std", [True, False])
def test_normalize_then_denormalize_is_the_identity(affine, subtract_last, use_std):
    layer = ReversibleInstanceNormalization(
        affine=affine, subtract_last=subtract_last, use_std=use_std
    )
    x = windows(level=100.0, spread=10.0)
    layer(x)
    if affine:
        set_affine(layer, 4)
    out, stats = layer(x)
    np.testing.assert_allclose(to_numpy(layer.denormalize(out, stats)), x, rtol=1e-5, atol=1e-3)
    # The same through the call contract.
    back = layer(out, stats=stats, mode="denormalize")
    np.testing.assert_allclose(to_numpy(back), x, rtol=1e-5, atol=1e-3)
    # Mapping other values with the window's statistics is invertible too.
    later = windows(batch=3, steps=2, series=4, level=100.0, spread=10.0)
    mapped = layer(later, stats=stats)
    np.testing.assert_allclose(to_numpy(layer.denormalize(mapped, stats)), later, rtol=1e-5, atol=1e-3)


def test_shapes_and_one_series_outputs():
    layer = ReversibleInstanceNormalization()
    x = windows(batch=5, steps=6, series=3, level=2.0)
    out, stats = layer(x)
    assert tuple(out.shape) == (5, 6, 3)
    assert tuple(stats["center"].shape) == tuple(stats["scale"].shape) == (5, 1, 3)
    set_affine(layer, 3)
    _, stats = layer(x)
    horizon = RNG.normal(size=(5, 4)).astype("float32")
    one = to_numpy(layer.denormalize(horizon, stats, feature_index=2))
    assert one.shape == (5, 4)
    weight, bias = layer.get_weights()
    center, scale = to_numpy(stats["center"])[:, 0, 2:3], to_numpy(stats["scale"])[:, 0, 2:3]
    np.testing.assert_allclose(one, (horizon - bias[2]) / weight[2] * scale + center, rtol=1e-5)
    # (B, H, 1) with feature_index, and (B, H, C) without, broadcast alike.
    np.testing.assert_allclose(
        to_numpy(layer.denormalize(horizon[..., None], stats, feature_index=2))[..., 0], one, rtol=1e-6
    )
    full = to_numpy(layer.denormalize(np.repeat(horizon[..., None], 3, axis=-1), stats))
    assert full.shape == (5, 4, 3)
    np.testing.assert_allclose(full[..., 2], one, rtol=1e-6)


def test_center_false_maps_differences():
    layer = ReversibleInstanceNormalization(subtract_last=True)
    x = windows(level=50.0, spread=4.0)
    layer(x)
    set_affine(layer, 4)
    _, stats = layer(x)
    a, b = RNG.normal(size=(2, 3, 2, 4)).astype("float32")
    difference = to_numpy(layer.denormalize(a, stats)) - to_numpy(layer.denormalize(b, stats))
    np.testing.assert_allclose(
        to_numpy(layer.denormalize(a - b, stats, center=False)), difference, rtol=1e-4, atol=1e-4
    )


def test_keeps_no_statistics_between_calls():
    # Normalizing other windows in between does not change what a window's
    # statistics de-normalize to.
    layer = ReversibleInstanceNormalization(affine=False)
    first, second = windows(level=0.0), windows(level=1000.0)
    out, stats = layer(first)
    layer(second)
    np.testing.assert_allclose(to_numpy(layer.denormalize(out, stats)), first, atol=1e-4)
    assert layer.non_trainable_weights == []


def test_level_shift_invariance():
    layer = ReversibleInstanceNormalization(affine=False)
    x = windows()
    a, _ = layer(x)
    b, _ = layer(x + 1234.5)
    np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=2e-3)


def test_float16_is_finite_and_close_to_float32():
    # Values of order 1e3: their float16 variance (1e6) would overflow, and
    # epsilon=1e-5 is below float16's normal range.
    x = windows(level=4000.0, spread=300.0)
    half = ReversibleInstanceNormalization(dtype="float16")
    full = ReversibleInstanceNormalization()
    out16, stats16 = half(x.astype("float16"))
    # The reference sees the same float16-rounded input (near 4000 float16
    # steps by 2, which alone moves the output by up to ~0.03 depending on
    # the draw): what is left is the layer's own float16 arithmetic, within
    # ~1e-3 over 200 draws.
    out32, _ = full(x.astype("float16").astype("float32"))
    assert standardize_dtype(out16.dtype) == "float16"
    assert standardize_dtype(stats16["scale"].dtype) == "float16"
    assert np.isfinite(to_numpy(out16)).all()
    np.testing.assert_allclose(to_numpy(out16).astype("float32"), to_numpy(out32), atol=4e-3)
    back = to_numpy(half.denormalize(out16, stats16)).astype("float32")
    np.testing.assert_allclose(back, x, rtol=2e-3)
    # A constant window (variance 0) gives zeros, not NaN.
    out, _ = ReversibleInstanceNormalization(dtype="float16")(np.full((1, 5, 2), 7.0, "float16"))
    assert to_numpy(out).tolist() == [[[0.0, 0.0]] * 5]


def test_mixed_precision_policy():
    layer = ReversibleInstanceNormalization(dtype="mixed_float16")
    out, stats = layer(windows(level=3000.0, spread=200.0))
    assert standardize_dtype(out.dtype) == "float16"
    assert standardize_dtype(layer.affine_weight.dtype) == "float32"
    assert np.isfinite(to_numpy(out)).all()


def test_affine_weights_are_trained():
    layer = ReversibleInstanceNormalization()
    x = keras.Input((6, 2))
    normalized, stats = layer(x)
    model = keras.Model(x, layer(normalized, stats=stats, mode="denormalize"))
    model.compile(optimizer="sgd", loss="mse")
    data = windows(batch=8, steps=6, series=2)
    # The identity: the loss is ~0 and the affine map stays a no-op.
    assert model.evaluate(data, data, verbose=0) < 1e-8
    assert len(model.trainable_weights) == 2


def test_config_round_trip():
    layer = ReversibleInstanceNormalization(
        affine=False, subtract_last=True, use_std=False, epsilon=1e-3, num_features=5
    )
    clone = assert_config_round_trip(layer)
    assert (clone.affine, clone.subtract_last, clone.use_std, clone.epsilon, clone.num_features) == (
        False, True, False, 1e-3, 5
    )


def test_save_load_in_a_functional_model(tmp_path):
    inputs = keras.Input((8, 3))
    revin = ReversibleInstanceNormalization(subtract_last=True, name="revin")
    normalized, stats = revin(inputs)
    hidden = keras.layers.Dense(3)(keras.layers.Flatten()(normalized))
    forecast = revin(keras.layers.Reshape((1, 3))(hidden), stats=stats, mode="denormalize")
    model = keras.Model(inputs, forecast)
    x = windows(batch=4, steps=8, series=3, level=20.0)
    set_affine(model.get_layer("revin"), 3)
    before = to_numpy(model(x))
    model.save(tmp_path / "revin.keras")
    restored = keras.models.load_model(tmp_path / "revin.keras", safe_mode=True)
    np.testing.assert_array_equal(to_numpy(restored(x)), before)


def test_num_features_builds_before_any_window():
    layer = ReversibleInstanceNormalization(num_features=2)
    stats = {"center": np.ones((1, 1, 2), "float32"), "scale": np.full((1, 1, 2), 2.0, "float32")}
    out = layer.denormalize(np.zeros((1, 3), "float32"), stats, feature_index=1)
    assert to_numpy(out).tolist() == [[1.0, 1.0, 1.0]]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(affine=1), "`affine` must be a bool. Received: affine=1"),
        (dict(subtract_last="yes"), "`subtract_last` must be a bool. Received: subtract_last='yes'"),
        (dict(use_std=None), "`use_std` must be a bool. Received: use_std=None"),
        (dict(epsilon=0.0), "`epsilon` must be a positive float. Received: epsilon=0.0"),
        (dict(epsilon=True), "`epsilon` must be a positive float. Received: epsilon=True"),
        (dict(num_features=0), "`num_features` must be a positive integer or None. Received: num_features=0"),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        ReversibleInstanceNormalization(**kwargs)


def test_call_errors():
    layer = ReversibleInstanceNormalization()
    x = windows(series=4)
    with pytest.raises(ValueError, match=re.escape(
        "This ReversibleInstanceNormalization layer has not normalized any window yet"
    )):
        layer.denormalize(x, {"center": x[:, :1], "scale": x[:, :1]})
    _, stats = layer(x)
    with pytest.raises(ValueError, match=re.escape(
        "`mode` must be one of 'normalize', 'denormalize'. Received: mode='norm'"
    )):
        layer(x, mode="norm")
    with pytest.raises(ValueError, match=re.escape("`stats` is required with mode='denormalize'")):
        layer(x, mode="denormalize")
    with pytest.raises(ValueError, match=re.escape(
        "`feature_index` must be an integer in [0, 4). Received: feature_index=4"
    )):
        layer.denormalize(np.zeros((3, 2), "float32"), stats, feature_index=4)
    with pytest.raises(ValueError, match=re.escape(
        "Without `feature_index`, the last dimension of the values must be the 4 "
        "series. Received: shape=(3, 2)"
    )):
        layer.denormalize(np.zeros((3, 2), "float32"), stats)
    with pytest.raises(ValueError, match=re.escape(
        "ReversibleInstanceNormalization normalizes windows of shape (batch, steps, "
        "series). Received: inputs.shape=(3, 4)"
    )):
        layer(np.zeros((3, 4), "float32"))
    with pytest.raises(ValueError, match=re.escape(
        "The windows must have 4 series (the layer was built for them). "
        "Received: inputs.shape=(3, 7, 5)"
    )):
        layer(windows(series=5))
    other = {"center": np.zeros((3, 1, 2), "float32"), "scale": np.ones((3, 1, 2), "float32")}
    with pytest.raises(ValueError, match=re.escape(
        "`stats` must hold the statistics of 4 series (the layer's). "
        "Received: stats['center'].shape=(3, 1, 2)"
    )):
        layer.denormalize(np.zeros((3, 2, 4), "float32"), other)
