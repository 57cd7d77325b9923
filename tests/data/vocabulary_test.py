import pytest

from keras_attention.data import text_utils
from keras_attention.data.vocabulary import END_ID, OOV_ID, START_ID, Vocabulary


def test_build_orders_by_frequency_then_alphabet_and_caps_size():
    vocab = Vocabulary.build([["b", "a", "c", "b"], ["c", "d"]], max_size=6)
    # b and c twice, a and d once; ties alphabetical; 4 reserved + 2 kept.
    assert vocab.tokens == ["", "[UNK]", "[START]", "[END]", "b", "c"]
    assert vocab.encode(["a", "b"]) == [OOV_ID, 4]


def test_encode_decode_round_trip_with_start_end():
    vocab = Vocabulary.build([list("hello")])
    ids = vocab.encode(list("hell"), add_start=True, add_end=True)
    assert ids[0] == START_ID and ids[-1] == END_ID
    assert vocab.decode(ids + [0, 0]) == list("hell")
    # Decoding stops at the first end token.
    assert vocab.decode([4, END_ID, 5]) == [vocab.tokens[4]]


def test_min_count_drops_rare_tokens():
    vocab = Vocabulary.build([["a", "a", "b"]], min_count=2)
    assert vocab.tokens[4:] == ["a"]


@pytest.mark.parametrize("size", [0, 3, -1, 2.5, True])
def test_max_size_below_4_is_an_error(size):
    with pytest.raises(ValueError, match="`max_size` must be an integer >= 4"):
        Vocabulary.build([["a"]], max_size=size)


def test_tokens_must_start_with_reserved_tokens():
    with pytest.raises(ValueError, match="must start with the reserved tokens"):
        Vocabulary(["a", "b", "c", "d"])


def test_duplicate_token_is_an_error():
    with pytest.raises(ValueError, match="must not repeat a token"):
        Vocabulary(["", "[UNK]", "[START]", "[END]", "x", "x"])


def test_save_load(tmp_path):
    vocab = Vocabulary.build([["¿", "qué", "tal"]])
    path = vocab.save(tmp_path / "v.json")
    assert Vocabulary.load(path) == vocab


def test_word_tokenization_normalizes_and_splits_punctuation():
    assert text_utils.tokenize("¿Qué  TAL, Tomás?") == ["¿", "que", "tal", ",", "tomas", "?"]
    assert text_utils.detokenize(["¿", "que", "tal", ",", "tomas", "?"]) == "¿que tal, tomas?"
    assert text_utils.detokenize(["i", "don", "'", "t", "know", "."]) == "i don't know."


def test_char_tokenization_keeps_case_and_spaces():
    assert text_utils.tokenize("Mar 3", "char") == ["M", "a", "r", " ", "3"]
    assert text_utils.detokenize(list("1998-03-03"), "char") == "1998-03-03"


def test_unknown_tokenization_is_an_error():
    with pytest.raises(ValueError, match="`tokenization` must be one of"):
        text_utils.tokenize("a", "bpe")
