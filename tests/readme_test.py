"""The README's code examples run as written."""

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_shows_exactly_two_setup_commands():
    sh_blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    commands = [line.split("#")[0].strip() for line in sh_blocks[0].splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]


def test_bahdanau_example_is_at_most_15_lines_and_trains():
    block = next(b for b in python_blocks() if "BahdanauAttention(64)" in b)
    code_lines = [line for line in block.splitlines() if line.strip()]
    assert len(code_lines) <= 15
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    model = namespace["model"]
    rng = np.random.default_rng(0)
    src = rng.integers(1, 1000, (8, 6))
    src[:, 4:] = 0
    tgt = rng.integers(1, 1000, (8, 5))
    history = model.fit([src, tgt], tgt, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    # The attention weights on padded source positions are exactly zero.
    import keras

    weights_model = keras.Model(model.inputs, namespace["weights"])
    w = weights_model.predict([src, tgt], verbose=0)
    assert (w[:, :, 4:] == 0).all()
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)
