"""recipes.captioning: configurations, teacher-forcing arrays, the family
entry, evaluation canvases and the image attention maps it draws."""

import numpy as np
import pytest

from keras_attention import plotting
from keras_attention.data import digits
from keras_attention.models import ImageCaptioner
from keras_attention.recipes import captioning, configs
from keras_attention.recipes import command_configs as cc
from keras_attention.recipes.families import FAMILIES, family_of
from keras_attention.recipes.options import ConfigError, parse_config
from keras_attention.runtime.vocabulary import END_ID, START_ID


def test_caption_arrays_are_teacher_forcing_pairs():
    vocabulary = captioning.caption_vocabulary()
    split = {"images": np.zeros((2, 32, 96, 1), "float32"),
             "captions": ["three one four", "nine"]}
    x, y = captioning.caption_arrays(split, vocabulary)
    three, one, four, nine = (vocabulary.encode([w])[0] for w in ("three", "one", "four",
                                                                  "nine"))
    np.testing.assert_array_equal(x["target_ids"], [[START_ID, three, one, four, 0, 0],
                                                    [START_ID, nine, 0, 0, 0, 0]])
    np.testing.assert_array_equal(y, [[three, one, four, END_ID, 0, 0],
                                      [nine, END_ID, 0, 0, 0, 0]])
    with pytest.raises(ValueError, match="does not fit in `steps`=3"):
        captioning.caption_arrays(split, vocabulary, steps=3)


def test_fresh_canvases_give_every_epoch_its_own_training_canvases():
    kwargs = dict(train_size=12, validation_size=0, test_size=2, long_size=0, data_seed=1)
    data = captioning.load_canvases(configs.CaptionConfig(**kwargs))
    vocabulary = data["vocabulary"]
    x0, y0 = data["train_epoch"](0)
    assert x0 is data["train"][0] and y0 is data["train"][1]
    x2, y2 = data["train_epoch"](2)
    expected = captioning.caption_arrays(
        digits.load_epoch_canvases(12, epoch=2, seed=1), vocabulary)
    np.testing.assert_array_equal(x2["images"], expected[0]["images"])
    np.testing.assert_array_equal(y2, expected[1])
    assert not np.array_equal(x2["images"], x0["images"])
    fixed = captioning.load_canvases(configs.CaptionConfig(fresh_canvases=False, **kwargs))
    assert fixed["train_epoch"] is None
    np.testing.assert_array_equal(fixed["train"][0]["images"], x0["images"])
    assert parse_config(configs.CaptionConfig, ["--no-fresh-canvases"]).fresh_canvases is False
    assert parse_config(configs.CaptionConfig, []).fresh_canvases is True


def test_model_arguments_follow_the_configuration():
    config = configs.CaptionConfig(attention="hard", conv_filters="8,16", conv_pools="2,1",
                                   deep_output=True, context_gate=True)
    kwargs = captioning.model_arguments(config)
    assert kwargs["conv_filters"] == [8, 16] and kwargs["conv_pools"] == [2, 1]
    assert kwargs["deep_output"] == "maxout" and kwargs["attention"] == "hard"
    model = ImageCaptioner(captioning.caption_vocabulary(), **kwargs)
    assert model.feature_map[:2] == (16, 48)


@pytest.mark.parametrize("kwargs, name, shown", [
    (dict(conv_filters="16,x"), "conv_filters", "'16,x'"),
    (dict(conv_filters="16,0"), "conv_filters", "'16,0'"),
    (dict(conv_pools="2,2"), "conv_pools", "'2,2'"),
    (dict(doubly_stochastic_weight=-1.0), "doubly_stochastic_weight", "-1.0"),
    (dict(attention="spatial"), "attention", "spatial"),
])
def test_bad_caption_configs_name_the_option(kwargs, name, shown):
    with pytest.raises((ConfigError, ValueError)) as info:
        configs.CaptionConfig(**kwargs)
    assert name in str(info.value) and shown in str(info.value)


def test_run_and_plot_configs_need_an_image():
    with pytest.raises(ConfigError, match="images"):
        cc.CaptionRunConfig()
    with pytest.raises(ConfigError, match="input"):
        cc.PlotCaptionerConfig()
    with pytest.raises(ConfigError, match="png"):
        cc.PlotCaptionerConfig(input="x.npy", output="x.jpg")


def test_the_family_entry():
    family = FAMILIES["captioner"]
    assert family.task == "caption" and family.model_class == "ImageCaptioner"
    for job in ("train", "tune", "run", "evaluate", "plot"):
        getattr(family, job).call  # noqa: B018 - resolvable below
    assert family.train.function == "keras_attention.recipes.captioning:train"
    assert family_of(ImageCaptioner(captioning.caption_vocabulary())) is family


def test_evaluation_canvases_at_the_model_size_are_the_test_split():
    model = ImageCaptioner(captioning.caption_vocabulary(), image_shape=(32, 96, 3),
                           conv_filters=[4], conv_pools=[4], units=8)
    data = captioning.evaluation_canvases(model, data_seed=0, test_size=6, long_size=2)
    test = data["splits"]["test"]
    assert test["images"].shape == (6, 32, 96, 3)
    np.testing.assert_array_equal(test["images"][..., 0], test["images"][..., 2])
    reference = digits.load_digit_canvases(train_size=1, validation_size=0, test_size=6,
                                           seed=0)["test"]
    assert test["captions"] == reference["captions"]
    assert all(len(c.split()) == 6 for c in data["long"]["captions"])


def test_score_split_and_the_overlay_png(tmp_path):
    model = ImageCaptioner(captioning.caption_vocabulary(), image_shape=(32, 96, 1),
                           conv_filters=[4, 4], conv_pools=[4, 2], units=8,
                           embedding_dim=4, attention_units=4, seed=0)
    split = digits.load_digit_canvases(train_size=1, validation_size=0, test_size=4,
                                       seed=0)["test"]
    metrics = captioning.score_split(model, split)
    assert metrics["n"] == 4 and 0.0 <= metrics["exact_match"] <= 1.0
    assert set(metrics) >= {"digit_accuracy", "exact_by_length", "decode_seconds", "errors"}
    (m,) = model.attention_maps(split["images"][:1], max_length=4)
    path = plotting.save_attention_map(m, str(tmp_path / "overlay.png"))
    figure = plotting.map_figure(m)
    assert len([ax for ax in figure.axes if ax.images]) == len(m["y_labels"])
    from PIL import Image

    assert Image.open(path).size[0] == 640
