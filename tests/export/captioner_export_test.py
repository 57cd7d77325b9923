"""Captioner export: SavedModel + one .tflite with greedy and beam search,
token-exact against Keras, and the TF-free runtime captioning .npy and PNG files."""

import json
import os
import shutil

import keras
import numpy as np
import pytest

from keras_attention import export, runtime
from keras_attention.data import digits
from keras_attention.models import ImageCaptioner
from keras_attention.recipes import captioning
from tests.harness import run_in_fresh_process

MAX_LENGTH = 8
SAMPLES = 40


@pytest.fixture(scope="module")
def canvases():
    splits = digits.load_digit_canvases(train_size=600, validation_size=0,
                                        test_size=SAMPLES, seed=3)
    return splits


@pytest.fixture(scope="module")
def trained(canvases):
    """A small captioner trained briefly: peaked distributions, real decoding."""
    keras.utils.set_random_seed(0)
    vocabulary = captioning.caption_vocabulary()
    model = ImageCaptioner(vocabulary, image_shape=(32, 96, 1), conv_filters=[8, 16, 16],
                           conv_pools=[2, 2, 2], units=24, embedding_dim=8,
                           attention_units=16, context_gate=True, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3, clipnorm=5.0))
    x, y = captioning.caption_arrays(canvases["train"], vocabulary)
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    return model


@pytest.fixture(scope="module")
def exports(trained, tmp_path_factory):
    folder = tmp_path_factory.mktemp("captioner")
    tflite = str(folder / "cap.tflite")
    saved = str(folder / "cap")
    meta = export.export_tflite(trained, tflite, max_length=MAX_LENGTH)
    export.export_saved_model(trained, saved, max_length=MAX_LENGTH)
    return {"tflite": tflite, "saved_model": saved, "meta": meta, "folder": folder}


def test_exports_carry_greedy_and_beam_and_match_keras_token_for_token(
        trained, exports, canvases):
    assert {"caption_greedy", "caption_beam"} <= set(exports["meta"]["signatures"])
    report = export.verify_export(trained, [exports["saved_model"], exports["tflite"]],
                                  canvases["test"]["images"])
    assert report["passed"], report
    endpoints = {(os.path.basename(r["artifact"]) if "artifact" in r else "", r["endpoint"])
                 for r in report["results"]}
    assert {e for _, e in endpoints} >= {"caption_greedy", "caption_beam"}
    for r in report["results"]:
        assert r["token_mismatches"] == 0, r
    assert report["samples"] == SAMPLES


def test_runtime_captions_npy_and_png_like_keras(trained, exports, canvases, tmp_path):
    captioner = runtime.load(exports["tflite"])
    assert isinstance(captioner, runtime.TFLiteCaptioner)
    images = canvases["test"]["images"][:4]
    expected = trained.caption(images, max_length=MAX_LENGTH)
    stack = tmp_path / "stack.npy"
    np.save(stack, images)
    assert captioner.caption(str(stack)) == expected
    png = captioning.save_canvas_png(images[0], str(tmp_path / "canvas.png"))
    # The PNG holds 8-bit pixels: compare with Keras on the same file.
    assert captioner.caption(png) == trained.caption(png, max_length=MAX_LENGTH)
    out = captioner.generate(captioner.encode_images(str(stack))[0], method="beam")
    assert out["attention"].shape[-1] == 4 * 12
    with pytest.raises(ValueError, match="method"):
        captioner.generate(images[0], method="nucleus")
    with pytest.raises(ValueError, match=r"image.shape"):
        captioner.generate(np.zeros((2, 32, 96, 1), "float32"))


def test_runtime_folder_alone_captions_without_tensorflow(trained, exports, canvases):
    """The runtime folder copied alone, as on a device: no Keras, no TensorFlow."""
    device = os.path.join(exports["folder"], "device")
    shutil.rmtree(device, ignore_errors=True)
    shutil.copytree(os.path.dirname(runtime.__file__), os.path.join(device, "runtime"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    npy = os.path.join(exports["folder"], "one.npy")
    np.save(npy, canvases["test"]["images"][5])
    expected = trained.caption(npy, max_length=MAX_LENGTH)
    out = run_in_fresh_process(
        f"""
        import json, sys
        sys.path.insert(0, {device!r})
        import runtime as rt
        captioner = rt.TFLiteCaptioner({exports["tflite"]!r})
        result = {{
            "caption": captioner.caption({npy!r}),
            "heavy": sorted(m for m in ("tensorflow", "keras", "keras_attention")
                            if m in sys.modules),
        }}
        print(json.dumps(result))
        """
    )
    result = json.loads(out.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["caption"] == expected
