"""docs/migrating-from-tfa.md: its symbol table is complete and names real things.

The first table must have one row per public name of `tfa.seq2seq` (the 32
names of tensorflow_addons/seq2seq/__init__.py, listed here), and every
dotted `keras_attention.…` / `keras.…` name in a row must import. A row
without an equivalent must say why ("Not needed: ..."). The page's Python
blocks run in tests/docs_test.py.
"""

import importlib
import pathlib
import re

import pytest

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "migrating-from-tfa.md"

TFA_SEQ2SEQ = {
    # attention_wrapper
    "AttentionMechanism", "AttentionWrapper", "AttentionWrapperState", "BahdanauAttention",
    "BahdanauMonotonicAttention", "LuongAttention", "LuongMonotonicAttention", "hardmax",
    "monotonic_attention", "safe_cumprod",
    # basic_decoder
    "BasicDecoder", "BasicDecoderOutput",
    # beam_search_decoder
    "BeamSearchDecoder", "BeamSearchDecoderOutput", "BeamSearchDecoderState",
    "FinalBeamSearchDecoderOutput", "gather_tree", "gather_tree_from_array", "tile_batch",
    # decoder
    "BaseDecoder", "Decoder", "dynamic_decode",
    # loss
    "SequenceLoss", "sequence_loss",
    # sampler
    "CustomSampler", "GreedyEmbeddingSampler", "InferenceSampler", "SampleEmbeddingSampler",
    "Sampler", "ScheduledEmbeddingTrainingSampler", "ScheduledOutputTrainingSampler",
    "TrainingSampler",
}
DOTTED = re.compile(r"`((?:keras_attention|keras)(?:\.\w+)+)`")


def symbol_rows():
    """`{tfa name: (equivalent cell, notes cell)}` of the first table."""
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("## Every symbol of `tfa.seq2seq`")[1].split("\n## ")[0]
    table = section.split("| `tfa.seq2seq` |")[1].split("\n\n")[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        name = re.fullmatch(r"`(\w+)`", cells[0]).group(1)
        assert name not in rows, f"{name} twice"
        rows[name] = (cells[1], cells[2])
    return rows


def resolve(path):
    """Imports the longest module prefix of a dotted path, then gets the attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def test_the_table_lists_every_public_name_of_tfa_seq2seq():
    rows = symbol_rows()
    assert set(rows) == TFA_SEQ2SEQ, (set(rows) ^ TFA_SEQ2SEQ)
    assert len(rows) == 32


def test_every_named_equivalent_imports():
    names = set()
    for tfa_name, (equivalent, notes) in symbol_rows().items():
        found = DOTTED.findall(equivalent) + DOTTED.findall(notes)
        if not equivalent:
            assert notes.startswith("Not needed"), f"{tfa_name}: no equivalent and no reason"
        else:
            assert DOTTED.findall(equivalent), f"{tfa_name}: {equivalent!r} is not a dotted name"
        for path in found:
            assert resolve(path) is not None, path
            names.add(path)
    assert len(names) >= 20  # the table really names things


@pytest.mark.parametrize("path", ["keras_attention.layers.NoSuchLayer", "keras_attention.nope.X"])
def test_resolve_fails_on_names_that_do_not_exist(path):
    with pytest.raises((AttributeError, ImportError)):
        resolve(path)
