"""Image attention maps (kind "image"): the overlay drawn where attention is,
and AttentionImageLogger writing a captioner's overlays to TensorBoard."""

import io

import keras
import numpy as np
from PIL import Image

from keras_attention import plotting
from keras_attention.callbacks import AttentionImageLogger
from keras_attention.data import digits
from keras_attention.models import ImageCaptioner
from keras_attention.recipes import captioning
from tests.callbacks.attention_image_logger_test import read_images


def test_overlay_is_hot_where_the_attention_is():
    image = np.zeros((20, 40))
    weights = np.array([[0.0, 1.0], [1.0, 0.0]])  # step 1: right half; step 2: left half
    m = {"kind": "image", "image": image, "grid": [1, 2], "weights": weights,
         "y_labels": ["a", "b"], "title": "t"}
    png = plotting.map_png(m, dpi=50, size=(4, 4))
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (200, 200)
    figure = plotting.map_figure(m, size=(4, 4))
    for ax, hot in zip(figure.axes, ("right", "left"), strict=True):
        (x0, y0), (x1, y1) = ax.get_window_extent().get_points()
        rows = slice(int(200 - y1 * 50 / figure.dpi) + 2, int(200 - y0 * 50 / figure.dpi) - 2)
        mid = int((x0 + x1) / 2 * 50 / figure.dpi)
        left = pixels[rows, int(x0 * 50 / figure.dpi) + 2 : mid - 2]
        right = pixels[rows, mid + 2 : int(x1 * 50 / figure.dpi) - 2]
        red = {"left": left[..., 0].mean() - left[..., 2].mean(),
               "right": right[..., 0].mean() - right[..., 2].mean()}
        cold = "left" if hot == "right" else "right"
        assert red[hot] > red[cold] + 50, (hot, red)


def test_bad_image_maps_are_refused():
    import pytest

    with pytest.raises(ValueError, match=r"weights.shape=\(1, 3\)"):
        plotting.image_attention_figure(np.zeros((4, 8)), np.ones((1, 3)), (1, 2))
    with pytest.raises(ValueError, match="kind='polar'"):
        plotting.map_figure({"kind": "polar", "weights": [[1.0]]})


def test_captioner_overlays_go_to_tensorboard(tmp_path):
    vocabulary = captioning.caption_vocabulary()
    split = digits.load_digit_canvases(train_size=64, validation_size=0, test_size=2,
                                       seed=0)
    x, y = captioning.caption_arrays(split["train"], vocabulary)
    model = ImageCaptioner(vocabulary, conv_filters=[4, 4], conv_pools=[4, 2], units=8,
                           embedding_dim=4, attention_units=4, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    logger = AttentionImageLogger(tmp_path, split["test"]["images"], max_length=6,
                                  figure_size=(6.4, 6.4))
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[logger])
    images = read_images(tmp_path)
    assert sorted(images) == ["attention/example_0", "attention/example_1"]
    for entries in images.values():
        assert [(w, h) for _, w, h, _ in entries] == [(640, 640)]
    (first, _) = logger.heat_maps()
    assert first["kind"] == "image" and first["grid"] == [4, 12]
