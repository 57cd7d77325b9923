"""`.keras` files written by keras-attention 0.1.0 still load, with the same outputs.

The files in tests/fixtures/v0_1/ were saved by the 0.1.0 code (commit
3de0605, before the task protocol and the `Memory` structure) together with
the outputs they gave then (`expected.npz`). Keras locates weights by
attribute path, so renaming a layer attribute of a model breaks old files:
this test catches it.
"""

import pathlib

import keras
import numpy as np
import pytest

from keras_attention.models import load_model
from tests.harness import to_numpy

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "v0_1"
EXPECTED = np.load(FIXTURES / "expected.npz")
TRANSLATORS = sorted(p.stem for p in FIXTURES.glob("translator_*.keras"))
FORECASTERS = sorted(p.stem for p in FIXTURES.glob("forecaster_*.keras"))


@pytest.mark.parametrize("name", TRANSLATORS)
def test_translator_from_0_1_loads_with_identical_outputs(name):
    model = load_model(FIXTURES / f"{name}.keras")
    inputs = {
        "source_ids": EXPECTED["inputs/source_ids"],
        "target_ids": EXPECTED["inputs/target_ids"],
    }
    logits, attention = model(inputs, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(logits), EXPECTED[f"{name}/logits"], atol=1e-5)
    np.testing.assert_allclose(to_numpy(attention), EXPECTED[f"{name}/attention"], atol=1e-5)
    out = model.generate(EXPECTED["inputs/source_ids"], sampler="beam", max_length=6)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(out["token_ids"]), EXPECTED[f"{name}/beam_tokens"]
    )
    assert model.preprocessor is not None  # vocabularies came with the old config
    assert model.translate("12-3", max_length=4) is not None


@pytest.mark.parametrize("name", FORECASTERS)
def test_forecaster_from_0_1_loads_with_identical_outputs(name):
    model = load_model(FIXTURES / f"{name}.keras")
    inputs = {
        "drivers": EXPECTED[f"{name}/drivers"],
        "past_target": EXPECTED[f"{name}/past_target"],
    }
    forecast, scores = model(inputs, return_attention_scores=True)
    np.testing.assert_allclose(to_numpy(forecast), EXPECTED[f"{name}/forecast"], atol=1e-5)
    for key in ("temporal", "input"):
        if f"{name}/{key}" in EXPECTED:
            np.testing.assert_allclose(
                to_numpy(scores[key]), EXPECTED[f"{name}/{key}"], atol=1e-5
            )
        else:
            assert key not in scores
