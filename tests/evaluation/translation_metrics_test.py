import numpy as np
import pytest

from keras_attention.evaluation import (
    bleu_by_length,
    corpus_bleu,
    exact_match,
    plot_bleu_by_length,
    plot_translation_attention,
)


def test_corpus_bleu_perfect_and_partial():
    refs = ["the cat sat on the mat .", "he is here ."]
    assert corpus_bleu(refs, refs) == pytest.approx(100.0)
    partial = corpus_bleu(["the cat sat on a mat .", "he is here ."], refs)
    assert 0 < partial < 100
    assert corpus_bleu(["xyz qqq", "abc"], refs) < 10
    with pytest.raises(ValueError, match="same length"):
        corpus_bleu(["a"], ["a", "b"])


def test_exact_match():
    assert exact_match(["1998-03-03", "2001-01-01 "], ["1998-03-03", "2001-01-02"]) == 0.5
    with pytest.raises(ValueError, match="is empty"):
        exact_match([], [])


def test_bleu_by_length_buckets():
    lengths = [3, 9, 10, 14, 15, 25]
    refs = ["a b c d e", "f g h i j", "k l m n o", "p q r s t", "u v w x y", "z y x w v"]
    hyps = list(refs)
    hyps[5] = "nothing in common"
    rows = bleu_by_length(lengths, hyps, refs)
    assert [r["bucket"] for r in rows] == ["1–9", "10–14", "15–19", "20+"]
    assert [r["count"] for r in rows] == [2, 2, 1, 1]
    assert rows[0]["bleu"] == pytest.approx(100.0)
    assert rows[3]["bleu"] < 1
    empty = bleu_by_length([3], ["a b c d"], ["a b c d"])
    assert empty[1]["count"] == 0 and empty[1]["bleu"] is None


def test_plots_write_pngs(tmp_path):
    rows_a = bleu_by_length([3, 12], ["a b c d", "e f g h"], ["a b c d", "e f g x"])
    rows_b = bleu_by_length([3, 12], ["a b c x", "e f g h"], ["a b c d", "e f g x"])
    path = plot_bleu_by_length({"attention": rows_a, "none": rows_b}, tmp_path / "bleu.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    attention = {
        "weights": np.eye(3, 4, dtype="float32"),
        "source_tokens": list("ab c"),
        "output_tokens": ["x", "y", "[END]"],
    }
    path = plot_translation_attention(attention, tmp_path / "att.png")
    assert open(path, "rb").read(4) == b"\x89PNG"
    with pytest.raises(ValueError, match="same buckets"):
        plot_bleu_by_length({"a": rows_a, "b": rows_b[:2][:1]}, tmp_path / "x.png")
