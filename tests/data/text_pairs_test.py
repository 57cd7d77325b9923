import gzip
import lzma
import zipfile

import numpy as np
import pytest

from keras_attention.data import text_pairs
from keras_attention.data.text_pairs import TextPairsError
from keras_attention.data.vocabulary import END_ID, START_ID, Vocabulary

LINES = [
    "Go.\tVe.\tCC-BY 2.0 (France) Attribution: tatoeba.org",
    "Hi.\tHola.",
    "Run!\t¡Corre!",
    "Who?\t¿Quién?",
]
TEXT = "\n".join(LINES) + "\n"


def write(path, text=TEXT):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".txt", ".txt.xz", ".txt.gz", ".zip"])
def test_loader_reads_every_container(tmp_path, suffix):
    path = tmp_path / f"spa{suffix}"
    data = TEXT.encode("utf-8")
    if suffix == ".txt":
        path.write_bytes(data)
    elif suffix == ".txt.xz":
        path.write_bytes(lzma.compress(data))
    elif suffix == ".txt.gz":
        path.write_bytes(gzip.compress(data))
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("_about.txt", "about")
            z.writestr("spa.txt", data)
    pairs = text_pairs.load_text_pairs(path)
    assert pairs == [("Go.", "Ve."), ("Hi.", "Hola."), ("Run!", "¡Corre!"), ("Who?", "¿Quién?")]


def test_max_pairs(tmp_path):
    assert len(text_pairs.load_text_pairs(write(tmp_path / "a.txt"), max_pairs=2)) == 2


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        text_pairs.load_text_pairs(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    "bad_line, problem",
    [
        ("", "empty line"),
        ("no tab here", "no tab"),
        ("Hello\t ", "empty sentence"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path, bad_line, problem):
    lines = LINES[:2] + [bad_line] + LINES[2:]
    path = write(tmp_path / "bad.txt", "\n".join(lines) + "\n")
    with pytest.raises(TextPairsError, match=rf"bad\.txt:3: {problem}"):
        text_pairs.load_text_pairs(path)
    # errors="skip" drops the bad line only.
    assert len(text_pairs.load_text_pairs(path, errors="skip")) == 4


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"Hi.\tHola.\nNo.\t\xf1o\n")
    with pytest.raises(TextPairsError, match=r"latin\.txt:2: not valid UTF-8"):
        text_pairs.load_text_pairs(path)


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(TextPairsError, match="no sentence pairs"):
        text_pairs.load_text_pairs(write(tmp_path / "e.txt", ""))


def test_split_is_deterministic_and_never_splits_a_source():
    pairs = [(f"s{i % 300}", f"t{i}") for i in range(1000)]  # sources repeat
    a = text_pairs.split_pairs(pairs, 0.1, 0.2, seed=7)
    b = text_pairs.split_pairs(pairs, 0.1, 0.2, seed=7)
    c = text_pairs.split_pairs(pairs, 0.1, 0.2, seed=8)
    assert a == b and a != c
    assert sum(len(v) for v in a.values()) == 1000
    sources = {k: {p[0] for p in v} for k, v in a.items()}
    assert not sources["train"] & sources["test"]
    assert not sources["train"] & sources["validation"]
    assert not sources["test"] & sources["validation"]
    assert len(sources["test"]) == 60 and len(sources["validation"]) == 30


def test_split_fractions_are_validated():
    with pytest.raises(ValueError, match="must be below 1"):
        text_pairs.split_pairs([("a", "b")], 0.5, 0.5)
    with pytest.raises(ValueError, match="`test_fraction` must be a float in"):
        text_pairs.split_pairs([("a", "b")], 0.1, 1.5)


def test_vocabulary_cap_and_oov():
    pairs = [("a b c", "x y"), ("a b", "x"), ("a", "z")]
    src, tgt = text_pairs.build_vocabularies(pairs, source_max_size=6, target_max_size=5)
    assert src.tokens[4:] == ["a", "b"]  # "c" is cut by the cap
    assert tgt.tokens[4:] == ["x"]
    with pytest.raises(ValueError, match="`max_size` must be an integer >= 4"):
        text_pairs.build_vocabularies(pairs, target_max_size=3)
    s_ids, t_ids = text_pairs.encode_pairs([("a c", "z")], src, tgt)
    assert s_ids == [[4, 1]]
    assert t_ids[0][0] == START_ID and t_ids[0][-1] == END_ID


def test_to_model_arrays_shifts_targets():
    x, y = text_pairs.to_model_arrays([[5, 6, 7], [5]], [[2, 8, 9, 3], [2, 3]])
    np.testing.assert_array_equal(x["source_ids"], [[5, 6, 7], [5, 0, 0]])
    np.testing.assert_array_equal(x["target_ids"], [[2, 8, 9], [2, 0, 0]])
    np.testing.assert_array_equal(y, [[8, 9, 3], [3, 0, 0]])
    with pytest.raises(ValueError, match=r"must be \[START, ..., END\]"):
        text_pairs.to_model_arrays([[5]], [[8, 9]])


def _random_examples(n=300, seed=0):
    rng = np.random.default_rng(seed)
    sources, targets = [], []
    for _ in range(n):
        s = int(rng.integers(1, 30))
        t = max(1, s + int(rng.integers(-2, 3)))  # lengths correlate, as in translation
        sources.append(list(rng.integers(4, 50, s)))
        targets.append([START_ID] + list(rng.integers(4, 50, t)) + [END_ID])
    return sources, targets


def test_bucketing_pads_each_batch_to_its_own_longest_and_keeps_every_example():
    sources, targets = _random_examples()
    ds = text_pairs.make_dataset(
        sources, targets, batch_size=16, bucket_boundaries=[8, 16, 24], seed=0
    )
    seen, padded_tokens, batches = [], 0, 0
    for x, y in ds:
        batches += 1
        src, tin, lab = x["source_ids"].numpy(), x["target_ids"].numpy(), y.numpy()
        assert tin.shape == lab.shape
        # Padded to the batch's longest sequence, no further.
        assert (src != 0).sum(axis=1).max() == src.shape[1]
        assert (tin != 0).sum(axis=1).max() == tin.shape[1]
        # Every batch comes from one bucket: all lengths in the same range.
        lengths = np.maximum((src != 0).sum(1), (tin != 0).sum(1))
        bucket = np.digitize(lengths, [8, 16, 24])
        assert len(set(bucket)) == 1
        padded_tokens += (src == 0).sum() + (tin == 0).sum()
        for row_s, row_t in zip(src, lab, strict=True):
            seen.append((tuple(row_s[row_s != 0]), tuple(row_t[row_t != 0])))
    expected = sorted((tuple(s), tuple(t[1:])) for s, t in zip(sources, targets, strict=True))
    assert sorted(seen) == expected
    assert int(ds.cardinality()) == batches  # known in advance (progress bars)
    # Far less padding than padding everything to the global maximum.
    x_all, _ = text_pairs.to_model_arrays(sources, targets)
    full = (x_all["source_ids"] == 0).sum() + (x_all["target_ids"] == 0).sum()
    assert padded_tokens < 0.5 * full


def test_dataset_without_bucketing_and_argument_errors():
    sources, targets = _random_examples(40)
    ds = text_pairs.make_dataset(sources, targets, batch_size=8, bucketing=False, shuffle=False)
    first = next(iter(ds))[0]["source_ids"].numpy()
    np.testing.assert_array_equal(first[0][: len(sources[0])], sources[0])
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        text_pairs.make_dataset(sources, targets, batch_size=0)
    with pytest.raises(ValueError, match="same number of examples"):
        text_pairs.make_dataset(sources, targets[:-1])
    with pytest.raises(ValueError, match="increasing positive integers"):
        text_pairs.make_dataset(sources, targets, bucket_boundaries=[8, 4])


def test_vocabulary_is_plain_python():
    # The translator stores token lists in its config: they must be JSON-able.
    import json

    v = Vocabulary.build([["a"]])
    assert json.loads(json.dumps(v.get_config())) == v.get_config()
