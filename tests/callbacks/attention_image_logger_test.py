"""AttentionImageLogger: TensorBoard images of attention, read back from disk."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from keras_attention import plotting
from keras_attention.callbacks import AttentionImageLogger
from keras_attention.data import Vocabulary, load_dates, to_model_arrays, tokenize
from keras_attention.models import (
    BeamSampler,
    Seq2SeqTranslator,
    SeriesPreprocessor,
    TimeSeriesForecaster,
)


def read_images(log_dir):
    """`{tag: [(step, width, height, decoded RGBA array), ...]}` from event files."""
    accumulator = EventAccumulator(str(log_dir), size_guidance={"tensors": 0})
    accumulator.Reload()
    images = {}
    for tag in accumulator.Tags()["tensors"]:  # TF2 images are tensors
        for event in accumulator.Tensors(tag):
            width, height, png = tf.make_ndarray(event.tensor_proto)
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            pixels = tf.image.decode_png(png, channels=4).numpy()
            images.setdefault(tag, []).append((event.step, int(width), int(height), pixels))
    return images


def decode(png):
    return tf.image.decode_png(png, channels=4).numpy()


def brightness(pixels, x, y):
    r, g, b = pixels[int(round(y)), int(round(x)), :3].astype(float)
    return 0.299 * r + 0.587 * g + 0.114 * b


def cell_centres(fig, shape):
    """Pixel centres (x from the left, y from the top) of the heat-map cells."""
    fig.canvas.draw()
    box = fig.axes[0].get_window_extent()
    height = fig.canvas.get_width_height()[1]
    rows, cols = shape
    return {
        (i, j): (
            box.x0 + (j + 0.5) * box.width / cols,
            height - (box.y1 - (i + 0.5) * box.height / rows),
        )
        for i in range(rows)
        for j in range(cols)
    }


def assert_bright_where_large(pixels, centres, weights):
    values = {cell: brightness(pixels, *xy) for cell, xy in centres.items()}
    for i in range(weights.shape[0]):
        row = [values[(i, j)] for j in range(weights.shape[1])]
        assert int(np.argmax(row)) == int(np.argmax(weights[i]))
    large = [values[c] for c in centres if weights[c] >= 0.5]
    small = [values[c] for c in centres if weights[c] <= 0.1]
    assert min(large) > max(small) + 50


# -- the plotting helper ------------------------------------------------------------
def test_heat_map_is_bright_where_the_matrix_is_large():
    weights = np.full((4, 6), 0.02, "float32")
    for i, j in enumerate([4, 0, 5, 2]):
        weights[i, j] = 0.9
    weights[1, 3] = 0.6
    kwargs = dict(x_labels=list("abcdef"), y_labels=list("wxyz"), size=(6.4, 4.8))
    pixels = decode(plotting.attention_png(weights, dpi=100, **kwargs))
    assert pixels.shape == (480, 640, 4)
    centres = cell_centres(plotting.attention_figure(weights, **kwargs), weights.shape)
    assert_bright_where_large(pixels, centres, weights)


# -- a stub model with hand-set attention maps ---------------------------------------
class StubModel:
    """Has `attention_maps()` like every keras_attention model, with fixed maps."""

    def __init__(self, weights, maps=None):
        self.weights = np.asarray(weights, "float32")
        self.calls = []
        self.maps = maps

    def attention_maps(self, examples, sampler="greedy", max_length=None):
        self.calls.append((examples, sampler, max_length))
        if self.maps is not None:
            return [dict(m) for m in self.maps]
        rows, cols = self.weights.shape
        return [
            {
                "tag": f"example_{i}",
                "weights": self.weights,
                "x_labels": [str(j) for j in range(cols)],
                "y_labels": [str(4 + j) for j in range(rows)],
                "title": f"example {i}",
                "x_title": "source tokens",
                "y_title": "output tokens",
            }
            for i in range(len(examples))
        ]


def test_maps_are_drawn_with_the_model_labels_and_tagged_by_name():
    weights = np.full((3, 5), 0.05, "float32")
    weights[0, 4] = weights[1, 1] = weights[2, 2] = 0.8
    logger = AttentionImageLogger("unused", [[5, 6, 7, 8, 9]], sampler="beam", max_length=7)
    stub = StubModel(weights)
    logger.set_model(stub)
    (heat_map,) = logger.heat_maps(epoch=2)
    assert stub.calls[0][1] == BeamSampler() and stub.calls[0][2] == 7
    np.testing.assert_array_equal(heat_map["weights"], weights)
    assert heat_map["x_labels"] == ["0", "1", "2", "3", "4"]
    assert heat_map["y_labels"] == ["4", "5", "6"]
    assert heat_map["title"] == "epoch 3: example 0"
    (tag, png), = logger.images()
    assert tag == "attention/example_0"
    pixels = decode(png)
    fig = plotting.attention_figure(
        heat_map["weights"], **{k: heat_map[k] for k in ("x_labels", "y_labels", "title", "x_title", "y_title")},
    )
    assert_bright_where_large(pixels, cell_centres(fig, weights.shape), weights)


def test_freq_writes_every_other_epoch_and_train_end_closes(tmp_path):
    logger = AttentionImageLogger(tmp_path, [[5, 6], [7, 8, 9]], freq=2, figure_size=(4, 3), dpi=50)
    logger.set_model(StubModel(np.eye(2, 3)))
    for epoch in range(5):
        logger.on_epoch_end(epoch)
    logger.on_train_end()
    images = read_images(tmp_path)
    assert sorted(images) == ["attention/example_0", "attention/example_1"]
    for entries in images.values():
        assert [step for step, *_ in entries] == [1, 3]
        assert all((w, h, p.shape) == (200, 150, (150, 200, 4)) for _, w, h, p in entries)
    assert logger._writer is None


def test_no_attention_warns_once_and_writes_nothing(tmp_path):
    logger = AttentionImageLogger(tmp_path, [[5, 6]])
    logger.set_model(StubModel(np.eye(2, 3), maps=[]))
    with pytest.warns(UserWarning, match="no attention"):
        logger.on_epoch_end(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logger.on_epoch_end(1)
    assert not list(tmp_path.iterdir())


def test_no_attention_translator_gives_no_maps():
    _, source_vocab, target_vocab, _, _ = date_problem(16)
    model = Seq2SeqTranslator(
        embedding_dim=4, units=4, source_vocabulary=source_vocab,
        target_vocabulary=target_vocab, tokenization="char", attention="none",
    )
    logger = AttentionImageLogger("unused", ["3/3/98"])
    logger.set_model(model)
    with pytest.warns(UserWarning, match="no attention"):
        assert logger.heat_maps() == []


def test_non_finite_weights_are_reported():
    logger = AttentionImageLogger("unused", [[5, 6, 7]])
    logger.set_model(StubModel([[np.nan, 0.5, 0.5]]))
    with pytest.warns(UserWarning, match="are not finite"):
        logger.images(epoch=3)


# -- a real translator ------------------------------------------------------------
def date_problem(n=192):
    splits = load_dates(train_size=n, validation_size=4, test_size=1, seed=1)
    src = [tokenize(s, "char") for s in splits["train"][0]]
    tgt = [tokenize(t, "char") for t in splits["train"][1]]
    source_vocab, target_vocab = Vocabulary.build(src), Vocabulary.build(tgt)
    x, y = to_model_arrays(
        [source_vocab.encode(s) for s in src],
        [target_vocab.encode(t, add_start=True, add_end=True) for t in tgt],
        32,
        11,
    )
    return splits["validation"][0][:2], source_vocab, target_vocab, x, y


@pytest.mark.slow
def test_translator_images_are_written_and_change_between_epochs(tmp_path):
    examples, source_vocab, target_vocab, x, y = date_problem()
    model = Seq2SeqTranslator(
        embedding_dim=8, units=16, source_vocabulary=source_vocab,
        target_vocabulary=target_vocab, tokenization="char", seed=0,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.run_eagerly = True  # two tiny epochs: tracing would cost more
    logger = AttentionImageLogger(tmp_path, examples, max_length=12)
    model.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[logger])
    images = read_images(tmp_path)
    assert sorted(images) == ["attention/example_0", "attention/example_1"]
    for entries in images.values():
        assert [step for step, *_ in entries] == [0, 1]
        assert all((w, h, p.shape) == (640, 480, (480, 640, 4)) for _, w, h, p in entries)
        first, second = entries[0][3], entries[1][3]
        # Below the title (which names the epoch), the picture changed.
        assert np.abs(first[40:].astype(int) - second[40:].astype(int)).sum() > 0
    # Labels come from the model's vocabularies: characters, spaces as ␣.
    heat_map = logger.heat_maps()[0]
    assert "".join(heat_map["x_labels"]).replace("\u2423", " ") == examples[0]
    assert heat_map["weights"].shape == (len(heat_map["y_labels"]), len(examples[0]))


def test_beam_images_show_the_best_beams_alignments():
    examples, source_vocab, target_vocab, _, _ = date_problem(64)
    model = Seq2SeqTranslator(
        embedding_dim=8, units=8, source_vocabulary=source_vocab,
        target_vocabulary=target_vocab, tokenization="char", seed=0,
    )
    model.build()
    ids = [source_vocab.encode(tokenize(e, "char")) for e in examples]
    batch = np.zeros((2, max(map(len, ids))), "int32")
    for i, row in enumerate(ids):
        batch[i, : len(row)] = row
    for sampler in ("greedy", BeamSampler(beam_width=3, num_return=2)):
        logger = AttentionImageLogger("unused", examples, sampler=sampler, max_length=8)
        logger.set_model(model)
        maps = logger.heat_maps()
        out = model.generate(batch, sampler=sampler, max_length=8)
        attention = keras.ops.convert_to_numpy(out["attention"])
        lengths = keras.ops.convert_to_numpy(out["lengths"])
        if attention.ndim == 4:
            attention, lengths = attention[:, 0], lengths[:, 0]
        for i, heat_map in enumerate(maps):
            expected = attention[i, : lengths[i], : len(ids[i])]
            np.testing.assert_allclose(heat_map["weights"], expected, atol=1e-6)
            assert len(heat_map["y_labels"]) == lengths[i]


# -- a real forecaster ------------------------------------------------------------
def test_forecaster_maps_are_horizon_by_window_and_features_by_window(tmp_path):
    rng = np.random.default_rng(0)
    model = TimeSeriesForecaster(
        window=6, num_features=4, horizon=3, units=8, input_attention=True, protocol="forecast",
        # The series' names label the input-attention rows.
        preprocessor=SeriesPreprocessor("y", ["a", "b", "c", "d"]),
    )
    x = {
        "drivers": rng.normal(size=(2, 6, 4)).astype("float32"),
        "past_target": rng.normal(size=(2, 6, 1)).astype("float32"),
    }
    logger = AttentionImageLogger(tmp_path, x)
    logger.set_model(model)
    _, scores = model(x, training=False, return_attention_scores=True)
    maps = {m["tag"]: m for m in logger.heat_maps()}
    assert sorted(maps) == [
        "attention/input/example_0", "attention/input/example_1",
        "attention/temporal/example_0", "attention/temporal/example_1",
    ]
    temporal = maps["attention/temporal/example_1"]
    np.testing.assert_allclose(temporal["weights"], keras.ops.convert_to_numpy(scores["temporal"])[1])
    assert temporal["weights"].shape == (3, 6)
    assert temporal["y_labels"] == ["τ", "τ+1", "τ+2"]
    assert temporal["x_labels"] == ["τ-6", "τ-5", "τ-4", "τ-3", "τ-2", "τ-1"]
    inputs = maps["attention/input/example_0"]
    np.testing.assert_allclose(inputs["weights"], keras.ops.convert_to_numpy(scores["input"])[0].T)
    assert inputs["y_labels"] == ["a", "b", "c", "d"]
    logger.on_epoch_end(0)
    logger.on_train_end()
    images = read_images(tmp_path)
    assert len(images) == 4 and all(e[0][1:3] == (640, 480) for e in images.values())


# -- arguments -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(freq=0), r"`freq` must be a positive integer. Received: freq=0"),
        (dict(dpi=1.5), r"`dpi` must be a positive integer. Received: dpi=1.5"),
        (dict(max_length=-1), r"Received: max_length=-1"),
        (dict(figure_size=(0, 3)), r"`figure_size` must be a \(width, height\) pair .* Received: figure_size=\(0, 3\)"),
        (dict(name=""), r"`name` must be a non-empty string"),
        (dict(examples=[]), r"`examples` must hold at least one example"),
        (dict(sampler="top"), r"`sampler` must be 'greedy', 'random', 'beam'"),
    ],
)
def test_constructor_errors(kwargs, match):
    kwargs = {"log_dir": "logs", "examples": ["x"], **kwargs}
    with pytest.raises(ValueError, match=match):
        AttentionImageLogger(**kwargs)


def test_usage_errors():
    logger = AttentionImageLogger("logs", ["3 mar. 1998"])
    with pytest.raises(ValueError, match=r"has no model: pass it to `fit"):
        logger.heat_maps()
    logger.set_model(keras.Sequential([keras.layers.Dense(2)]))
    with pytest.raises(ValueError, match="needs a keras_attention model .* Received a Sequential"):
        logger.heat_maps()
    logger.set_model(Seq2SeqTranslator(20, 20, units=4, embedding_dim=4))
    with pytest.raises(ValueError, match="Text input needs the model's `source_vocabulary`"):
        logger.heat_maps()
    model = TimeSeriesForecaster(window=3, num_features=2, input_attention=True)
    logger = AttentionImageLogger("logs", ["not a window"])
    logger.set_model(model)
    with pytest.raises(ValueError, match="`inputs` must be a dict with 'drivers'"):
        logger.heat_maps()


def test_get_config_round_trip():
    logger = AttentionImageLogger(
        "logs", np.array([[5, 6, 0]]), freq=3, sampler=BeamSampler(2), figure_size=(5, 4)
    )
    config = logger.get_config()
    clone = AttentionImageLogger(**config)
    assert clone.get_config() == config
    assert isinstance(clone.sampler, BeamSampler) and clone.sampler.beam_width == 2
    assert config["examples"] == [[5, 6, 0]]
