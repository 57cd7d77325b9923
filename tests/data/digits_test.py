import numpy as np
import pytest
from scipy import ndimage
from sklearn.datasets import load_digits

from keras_attention.data import digits as digits_lib

SKLEARN = load_digits()


@pytest.fixture(scope="module")
def splits():
    return digits_lib.load_digit_canvases(
        train_size=300, validation_size=60, test_size=120, seed=0
    )


@pytest.fixture(scope="module")
def clean():
    """Canvases without noise: every non-zero pixel is a digit's ink."""
    return digits_lib.make_digit_canvases(
        np.arange(1797), size=150, min_digits=1, max_digits=5, noise=0.0, seed=3
    )


def test_same_seed_same_data_other_seed_other_data():
    kwargs = dict(train_size=20, validation_size=5, test_size=5)
    a = digits_lib.load_digit_canvases(seed=1, **kwargs)
    b = digits_lib.load_digit_canvases(seed=1, **kwargs)
    c = digits_lib.load_digit_canvases(seed=2, **kwargs)
    for name in digits_lib.SPLITS:
        np.testing.assert_array_equal(a[name]["images"], b[name]["images"])
        for key in ("captions", "digits", "boxes", "sample_indices"):
            assert a[name][key] == b[name][key]
        assert not np.array_equal(a[name]["images"], c[name]["images"])
        assert a[name]["sample_indices"] != c[name]["sample_indices"]


def test_test_split_does_not_depend_on_train_size():
    a = digits_lib.load_digit_canvases(train_size=10, validation_size=4, test_size=6)
    b = digits_lib.load_digit_canvases(train_size=50, validation_size=4, test_size=6)
    np.testing.assert_array_equal(a["test"]["images"], b["test"]["images"])
    assert a["validation"]["boxes"] == b["validation"]["boxes"]


def test_image_split_is_disjoint_complete_and_stratified():
    split = digits_lib.split_digit_images(seed=0)
    sets = {name: set(idx.tolist()) for name, idx in split.items()}
    assert not sets["train"] & sets["validation"]
    assert not sets["train"] & sets["test"]
    assert not sets["validation"] & sets["test"]
    assert set().union(*sets.values()) == set(range(1797))
    for name, fraction in (("test", 0.15), ("validation", 0.15)):
        counts = np.bincount(SKLEARN.target[split[name]], minlength=10)
        expected = np.round(fraction * np.bincount(SKLEARN.target))
        np.testing.assert_array_equal(counts, expected)
    other = digits_lib.split_digit_images(seed=1)
    assert not np.array_equal(split["test"], other["test"])


def test_canvases_use_only_their_own_split_images(splits):
    split = digits_lib.split_digit_images(seed=0)
    used = {
        name: {i for row in splits[name]["sample_indices"] for i in row}
        for name in digits_lib.SPLITS
    }
    for name in digits_lib.SPLITS:
        assert used[name] <= set(split[name].tolist())
    assert not used["train"] & used["test"]
    assert not used["train"] & used["validation"]
    assert not used["validation"] & used["test"]


def test_counts_shapes_and_range(splits):
    for name, size in (("train", 300), ("validation", 60), ("test", 120)):
        data = splits[name]
        assert data["images"].shape == (size, 32, 96, 1)
        assert data["images"].dtype == np.float32
        assert 0.0 <= data["images"].min() and data["images"].max() <= 1.0
        for key in ("captions", "digits", "boxes", "sample_indices"):
            assert len(data[key]) == size
    lengths = [len(d) for d in splits["train"]["digits"]]
    assert sorted(set(lengths)) == [1, 2, 3, 4, 5]


def test_captions_are_the_labels_of_the_placed_images_in_reading_order(splits):
    for name in digits_lib.SPLITS:
        data = splits[name]
        for caption, labels, sources, boxes in zip(
            data["captions"], data["digits"], data["sample_indices"], data["boxes"]
        ):
            assert labels == [int(SKLEARN.target[i]) for i in sources]
            assert caption.split() == [digits_lib.DIGIT_WORDS[d] for d in labels]
            assert len(boxes) == len(labels)
    assert digits_lib.DIGIT_WORDS[3] == "three"
    assert len(set(digits_lib.DIGIT_WORDS)) == 10


def test_boxes_inside_ordered_and_disjoint(splits):
    for data in splits.values():
        height, width = data["images"].shape[1:3]
        for boxes in data["boxes"]:
            for x0, y0, x1, y1 in boxes:
                assert 0 <= x0 < x1 <= width
                assert 0 <= y0 < y1 <= height
            for (_, _, left_x1, _), (right_x0, _, _, _) in zip(boxes, boxes[1:]):
                assert left_x1 + 1 <= right_x0  # min_gap=1 px between boxes


def test_boxes_hold_all_the_ink_tightly(clean):
    for image, boxes in zip(clean["images"][..., 0], clean["boxes"]):
        inside = np.zeros(image.shape, bool)
        for x0, y0, x1, y1 in boxes:
            inside[y0:y1, x0:x1] = True
            region = image[y0:y1, x0:x1]
            # Tight: the box's outer rows and columns all hold ink.
            for edge in (region[0], region[-1], region[:, 0], region[:, -1]):
                assert edge.max() > 0
        assert np.all(image[~inside] == 0.0)


def test_box_region_is_its_own_digit_resized(clean):
    # An independent resize of the sklearn image (scipy, linear, pixel edges
    # aligned) of the digit's ink columns to the box size must match the box
    # content up to the digit's ink intensity.
    for image, boxes, sources in zip(
        clean["images"][..., 0], clean["boxes"], clean["sample_indices"]
    ):
        for (x0, y0, x1, y1), index in zip(boxes, sources):
            src = SKLEARN.images[index] / 16.0
            cols = np.flatnonzero(src.max(axis=0) > 0)
            crop = src[:, cols[0] : cols[-1] + 1]
            region = image[y0:y1, x0:x1]
            expected = ndimage.zoom(
                crop,
                (region.shape[0] / crop.shape[0], region.shape[1] / crop.shape[1]),
                order=1,
                mode="nearest",
                grid_mode=True,
            )
            assert expected.shape == region.shape
            expected = expected / expected.max()
            ink = region.max()
            assert 0.75 - 1e-6 <= ink <= 1.0
            np.testing.assert_allclose(region, expected * ink, atol=1e-5)


def test_digit_heights_follow_min_and_max_size():
    data = digits_lib.make_digit_canvases(
        np.arange(1797), size=60, min_digits=1, max_digits=2, noise=0.0,
        min_size=18, max_size=24, seed=5,
    )
    heights = {y1 - y0 for boxes in data["boxes"] for _, y0, _, y1 in boxes}
    assert min(heights) >= 18 and max(heights) <= 24
    assert len(heights) > 3


def test_long_canvases_have_six_test_digits():
    data = digits_lib.load_long_digit_canvases(size=40, seed=0)
    test_images = set(digits_lib.split_digit_images(seed=0)["test"].tolist())
    assert data["images"].shape == (40, 32, 96, 1)
    for row, boxes, sources in zip(data["digits"], data["boxes"], data["sample_indices"]):
        assert len(row) == len(boxes) == 6
        assert set(sources) <= test_images
        assert all(a[2] < b[0] for a, b in zip(boxes, boxes[1:]))
    # Not the test canvases of the same seed.
    test = digits_lib.load_digit_canvases(
        train_size=1, validation_size=0, test_size=40, min_digits=6, max_digits=6
    )["test"]
    assert data["sample_indices"] != test["sample_indices"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_size": 0}, "`train_size` must be an integer >= 1. Received: train_size=0"),
        ({"test_size": -1}, "`test_size` must be an integer >= 0. Received: test_size=-1"),
        ({"test_size": 2.5}, r"`test_size` must be an integer >= 0. Received: test_size=2.5"),
        ({"min_digits": 0}, "`min_digits` must be an integer >= 1. Received: min_digits=0"),
        (
            {"min_digits": 4, "max_digits": 2},
            "`max_digits` must be >= `min_digits`. Received: min_digits=4, max_digits=2",
        ),
        ({"max_size": 40}, "must fit in `height`. Received: max_size=40, height=32"),
        ({"min_size": 4}, "`min_size` must be an integer >= 8. Received: min_size=4"),
        (
            {"min_size": 20, "max_size": 18},
            "`max_size` must be >= `min_size`. Received: min_size=20, max_size=18",
        ),
        ({"width": 40}, r"must be at least 49 pixels. Received: width=40"),
        ({"noise": 1.5}, r"`noise` must be a float in \[0, 1\). Received: noise=1.5"),
        ({"seed": -1}, "`seed` must be a non-negative integer. Received: seed=-1"),
        ({"seed": "a"}, "`seed` must be a non-negative integer. Received: seed='a'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        digits_lib.load_digit_canvases(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sample_indices": []}, "must name at least one digit image"),
        ({"sample_indices": [0, 1797]}, r"in \[0, 1797\). Received: an index 1797"),
        ({"size": -2}, "`size` must be an integer >= 0. Received: size=-2"),
    ],
)
def test_bad_make_arguments(kwargs, message):
    args = {"sample_indices": [0, 1], "size": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        digits_lib.make_digit_canvases(**args)


def test_bad_long_arguments():
    with pytest.raises(ValueError, match="`num_digits` must be an integer >= 1"):
        digits_lib.load_long_digit_canvases(size=2, num_digits=0)
    with pytest.raises(ValueError, match=r"\(`num_digits`\).*at least 59 pixels. Received: width=50"):
        digits_lib.load_long_digit_canvases(size=2, num_digits=6, width=50)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['max_digits'\]; "
                                        r"the canvas arguments it takes are height, width"):
        digits_lib.load_long_digit_canvases(size=2, num_digits=6, max_digits=3)


def test_long_canvases_take_the_canvas_arguments_and_their_defaults():
    small = digits_lib.load_long_digit_canvases(size=2, num_digits=2, height=24, width=40,
                                                max_size=20, noise=0.0)
    assert small["images"].shape == (2, 24, 40, 1)
    assert all(len(d) == 2 for d in small["digits"])
    default = digits_lib.load_long_digit_canvases(size=2, num_digits=2)
    assert default["images"].shape == (2, 32, 96, 1)
    # The default noise (0.05) is on: fewer exact zeros than without it.
    quiet = digits_lib.load_long_digit_canvases(size=2, num_digits=2, noise=0.0)
    assert (quiet["images"] == 0).mean() > (default["images"] == 0).mean() + 0.2


def test_epoch_canvases_are_new_canvases_of_the_training_images():
    train = digits_lib.load_digit_canvases(train_size=40, validation_size=0, test_size=0,
                                           seed=2)["train"]
    first = digits_lib.load_epoch_canvases(40, epoch=1, seed=2)
    again = digits_lib.load_epoch_canvases(40, epoch=1, seed=2)
    second = digits_lib.load_epoch_canvases(40, epoch=2, seed=2)
    train_images = set(digits_lib.split_digit_images(seed=2)["train"].tolist())
    for data in (first, second):
        assert data["images"].shape == train["images"].shape
        assert {i for row in data["sample_indices"] for i in row} <= train_images
    # Deterministic per (seed, epoch); other epochs (and epoch 0, the train
    # split) are other canvases.
    np.testing.assert_array_equal(first["images"], again["images"])
    assert first["boxes"] == again["boxes"]
    for other in (train, second):
        assert first["sample_indices"] != other["sample_indices"]
        assert not np.array_equal(first["images"], other["images"])
    # The canvas arguments are those of make_digit_canvases.
    three = digits_lib.load_epoch_canvases(5, epoch=1, min_digits=3, max_digits=3)
    assert [len(d) for d in three["digits"]] == [3] * 5


def test_bad_epoch_canvas_arguments():
    with pytest.raises(ValueError, match="`epoch` must be an integer >= 1. Received: epoch=0"):
        digits_lib.load_epoch_canvases(4, epoch=0)
    with pytest.raises(ValueError, match="`stream` must be an integer >= 0. Received: stream=-1"):
        digits_lib.make_digit_canvases([0, 1], 2, stream=-1)
