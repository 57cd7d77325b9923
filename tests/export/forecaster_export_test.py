"""Forecaster export: predictions and attention of SavedModel/TFLite = Keras."""

import os

import numpy as np
import pytest

from keras_attention import export, runtime
from tests.export.conftest import forecaster_data, small_forecaster


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"input_attention": True, "horizon": 2},
        {"revin_levels": True, "protocol": "forecast"},
        pytest.param(
            {"encoder": "bigru", "decoder": "gru", "attention": "luong", "horizon": 3,
             "protocol": "forecast"},
            marks=pytest.mark.slow,
        ),
    ],
    ids=["lstm-bahdanau", "input-attention", "revin-levels", "bigru-luong"],
)
def test_forecaster_exports_match_keras(kwargs, tmp_path):
    model = small_forecaster(**kwargs)
    tflite = str(tmp_path / "f.tflite")
    saved = str(tmp_path / "f")
    meta = export.export_tflite(model, tflite)
    export.export_saved_model(model, saved)
    assert os.path.exists(tmp_path / "f.json")
    assert list(meta["signatures"]) == ["predict"]
    data = forecaster_data(model)
    report = export.verify_export(model, [saved, tflite], data)
    for r in report["results"]:
        assert r["max_abs_prediction_diff"] <= 1e-4, r
        assert r["max_abs_attention_diff"] <= 1e-4, r
    forecaster = runtime.load(tflite)
    out = forecaster.predict(data["drivers"][:5], data["past_target"][:5, :, 0])
    assert out["predictions"].shape == (5, model.horizon)
    if kwargs.get("input_attention"):
        assert out["input_attention"].shape == (5, model.window, model.num_features)


def test_forecaster_quantized_variants(tmp_path):
    # LiteRT quantizes only weight tensors of >= 1024 elements: 32 units.
    model = small_forecaster(units=32)
    data = forecaster_data(model)
    sizes = {}
    for q in (None, "dynamic_range"):
        path = str(tmp_path / f"f_{q}.tflite")
        export.export_tflite(model, path, quantization=q)
        sizes[q] = os.path.getsize(path)
        report = export.verify_export(model, path, data, prediction_atol=0.05)
        assert report["passed"], report
    assert sizes["dynamic_range"] < sizes[None]


def test_forecaster_runtime_checks_shapes(tmp_path):
    model = small_forecaster()
    path = str(tmp_path / "f.tflite")
    export.export_tflite(model, path)
    forecaster = runtime.TFLiteForecaster(path)
    with pytest.raises(ValueError, match="drivers"):
        forecaster.predict(np.zeros((2, 4, 3)), np.zeros((2, 9)))


def test_verify_export_takes_a_pair_and_refuses_bad_samples(tmp_path):
    model = small_forecaster()
    path = str(tmp_path / "f.tflite")
    export.export_tflite(model, path)
    data = forecaster_data(model, n=6)
    pair = (data["drivers"], data["past_target"][..., 0])  # as `predict` takes them
    by_pair = export.verify_export(model, path, pair)["results"][0]
    by_dict = export.verify_export(model, path, data)["results"][0]
    assert by_pair["samples"] == by_dict["samples"] == 6
    assert by_pair["max_abs_prediction_diff"] == by_dict["max_abs_prediction_diff"]
    maps = model.attention_maps(pair)
    assert len(maps) == 6 and maps[0]["weights"].shape == (1, 10)  # horizon × window
    drivers, past = data["drivers"], data["past_target"]
    cases = [
        ({"drivers": drivers[..., :2], "past_target": past},
         r"^`drivers` must have shape \(batch, 10, 3\) .* Received: drivers.shape=\(6, 10, 2\)$"),
        ({"drivers": drivers, "past_target": past[:4]},
         r"^`drivers` and `past_target` must have the same batch size"),
        ({"drivers": drivers, "past_target": past[:, :5]},
         r"^`past_target` must have 9 steps .* Received: past_target.shape=\(6, 5, 1\)$"),
        ({"drivers": np.where(drivers > 1, np.nan, drivers), "past_target": past},
         r"^`drivers` must not hold NaN"),
        ({"drivers": [["a"]], "past_target": past}, r"^`drivers` must be an array of numbers"),
        (["3 mar. 1998"], r"^`inputs` must be a dict .* or a \(drivers, past_target\) pair"),
    ]
    for samples, message in cases:
        # The forecaster's own message, not Keras' call wrapper around it.
        with pytest.raises(ValueError, match=message):
            export.verify_export(model, path, samples)
        with pytest.raises(ValueError, match=message):
            model.attention_maps(samples)


@pytest.mark.slow
def test_int8_fails_clearly_or_verifies(tmp_path):
    """TF 2.21's calibrator crashes on WHILE loops (tensorflow#75140)."""
    model = small_forecaster()
    data = forecaster_data(model, n=8)
    path = str(tmp_path / "f.int8.tflite")
    try:
        export.export_tflite(model, path, quantization="int8", representative_data=data)
    except RuntimeError as e:
        # TF 2.21: the calibrator dies on the WHILE ops; the error says so and
        # names the working alternatives, and nothing is written.
        assert "int8 (full-integer) TFLite conversion failed" in str(e)
        assert "tensorflow/tensorflow#75140" in str(e) and "dynamic_range" in str(e)
        assert not os.path.exists(path)
    else:  # a TensorFlow whose calibrator handles loops: the file must be right
        report = export.verify_export(model, path, data, prediction_atol=0.2,
                                      attention_atol=0.2, raise_on_failure=False)
        assert report["passed"], report
