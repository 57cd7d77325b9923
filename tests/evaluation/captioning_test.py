"""Caption metrics on hand-made predictions, references, maps and boxes."""

import numpy as np
import pytest

from keras_attention.evaluation.captioning import (
    attention_peak,
    caption_metrics,
    inside,
)


def one_hot_map(row, col, grid=(2, 4)):
    m = np.zeros(grid)
    m[row, col] = 1.0
    return m


def test_exact_match_per_digit_and_per_length_by_hand():
    references = [["one"], ["two", "three"], ["four", "five"], ["six", "seven", "eight"],
                  ["nine", "zero", "one"]]
    predictions = [["one"], ["two", "three"], ["four"], ["six", "seven", "eight", "nine"],
                   ["nine", "one", "one"]]
    m = caption_metrics(predictions, references)
    assert m["n"] == 5
    assert m["exact_match"] == pytest.approx(2 / 5)
    # Reference tokens read right at their position: 1 + 2 + 1 + 3 + 2 of 11.
    assert m["token_accuracy"] == pytest.approx(9 / 11)
    assert m["extra_rate"] == pytest.approx(1 / 11)  # "nine" after "eight"
    assert m["exact_by_length"] == {1: 1.0, 2: 0.5, 3: 0.0}
    assert m["count_by_length"] == {1: 1, 2: 2, 3: 2}


def test_six_digit_captions_are_a_length_like_any_other():
    ref = [["one"] * 6, ["two"] * 6]
    m = caption_metrics([["one"] * 6, ["two"] * 5], ref)
    assert m["exact_by_length"] == {6: 0.5}
    assert m["token_accuracy"] == pytest.approx(11 / 12)


def test_localisation_by_hand():
    # A 32×64 image over a 2×4 grid: 16×16 pixel cells; cell (r, c) centre
    # ((c + 0.5)·16, (r + 0.5)·16).
    assert attention_peak(one_hot_map(1, 2), (32, 64)) == (40.0, 24.0)
    boxes = [[(0, 0, 20, 32), (30, 0, 50, 32)], [(0, 0, 64, 32)]]
    attention = [
        np.stack([one_hot_map(0, 0), one_hot_map(1, 3), one_hot_map(0, 2)]),  # 2nd misses
        np.stack([one_hot_map(1, 1), one_hot_map(0, 0)]),
    ]
    predictions = [["one", "two", "three"], ["four", "five"]]  # extra tokens: misses
    references = [["one", "two"], ["four"]]
    m = caption_metrics(predictions, references, attention=attention, boxes=boxes,
                        image_size=(32, 64))
    # Hits: example 1 token 1 (8, 8) in box 1; token 2 (56, 24) not in (30..50);
    # token 3 past the reference; example 2 token 1 (24, 24) in; token 2 extra.
    assert m["localised_tokens"] == 5
    assert m["localisation"] == pytest.approx(2 / 5)


def test_inside_includes_the_edges():
    assert inside((10, 5), (10, 5, 20, 6))
    assert not inside((9.9, 5), (10, 5, 20, 6))


def test_mismatched_lengths_and_missing_image_size_are_refused():
    with pytest.raises(ValueError, match="2 predictions and 1 references"):
        caption_metrics([["a"], ["b"]], [["a"]])
    with pytest.raises(ValueError, match="image_size"):
        caption_metrics([["a"]], [["a"]], attention=[np.ones((1, 1, 1))], boxes=[[(0, 0, 1, 1)]])
