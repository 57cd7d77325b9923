"""The user guides in docs/ work as written.

- **Python blocks**: every ```` ```python ```` block of a guide runs, in page
  order, in one fresh interpreter (one namespace, as a reader going down the
  page) inside an empty temporary folder. A block whose first line starts
  with `# not run` is skipped; that line says why and what runs the same
  code instead. Where a page says that an earlier command wrote a file (e.g.
  `make run` → `saved_models/date_translator.keras`), `PREPARE` writes a
  small stand-in first; blocks that train for minutes run with the smaller
  sizes listed in `TINY` (a smoke test in a tiny configuration).
- **Commands**: every `python examples/<name>.py ...` line of a shell block
  parses with that example's own argument parser (options, choices, values),
  and every example has a smoke test that runs it in a tiny configuration;
  `make` targets, `pip install -e '.[extra]'` extras, bench scripts and paths
  named on a command line exist.
"""

import functools
import importlib.util
import os
import pathlib
import re
import shlex
import subprocess
import sys
import textwrap

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
# docs/cli.md is tested by tests/cli_test.py; design.md holds no commands.
GUIDES = sorted(p.name for p in DOCS.glob("*.md") if p.name not in ("cli.md", "design.md"))

# A fenced block, also indented inside a list item.
FENCE = re.compile(r"^( *)```([\w-]*)\n(.*?)^\1```", re.M | re.S)
COMMANDS = ("python", ".venv/bin/python", "make", "pip", "tensorboard")


def blocks(page, languages):
    text = (DOCS / page).read_text(encoding="utf-8")
    out = []
    for match in FENCE.finditer(text):
        if match.group(2) in languages:
            line = text[: match.start()].count("\n") + 2  # first line of code
            out.append((line, textwrap.dedent(match.group(3))))
    return out


def python_blocks(page):
    return [(line, code) for line, code in blocks(page, ("python",))
            if not code.lstrip().startswith("# not run")]


# -- Python blocks ------------------------------------------------------------

# A stand-in for the date translator that `make run` writes (the pages that
# load it say so): same vocabularies and tokenization, trained for a moment.
DATE_TRANSLATOR = """
import keras
from keras_attention import io_utils
from keras_attention.data import build_vocabularies, encode_pairs, load_dates, to_model_arrays
from keras_attention.models import Seq2SeqTranslator

pairs = list(zip(*load_dates(train_size=512, validation_size=0, test_size=0)["train"]))
source_vocab, target_vocab = build_vocabularies(pairs, "char")
x, y = to_model_arrays(*encode_pairs(pairs, source_vocab, target_vocab, "char"))
model = Seq2SeqTranslator(embedding_dim=16, units=32, tokenization="char",
                          source_vocabulary=source_vocab, target_vocabulary=target_vocab)
model.compile()
model.fit(x, y, batch_size=64, epochs=1, verbose=0)
io_utils.save_model(model, "saved_models/date_translator.keras")
del keras, io_utils, pairs, source_vocab, target_vocab, x, y, model
"""

PREPARE = {
    "translation.md": DATE_TRANSLATOR,
    "export.md": DATE_TRANSLATOR,
}

# Smoke-test sizes for blocks that train for minutes as written (the only
# edits made; each must match the page exactly once). The full runs were
# done by hand and are timed on the pages.
TINY = {
    "forecasting.md": [("epochs=50)", "epochs=2)")],
    "tuning.md": [("train_size=2000", "train_size=400"), ("max_trials=3,", "max_trials=1,"),
                  ("epochs=2)   #", "epochs=1)   #")],
    "layers.md": [("model.fit([source_ids, target_ids], labels, batch_size=64, epochs=5",
                   "model.fit([source_ids, target_ids], labels, batch_size=64, epochs=1"),
                  ("seq2seq.fit([source_ids, target_ids], labels, batch_size=64, epochs=5",
                   "seq2seq.fit([source_ids, target_ids], labels, batch_size=64, epochs=1")],
    "tensorboard.md": [("train_size=2000", "train_size=500"), ("epochs=6,", "epochs=2,")],
    "reliability.md": [("epochs=10,", "epochs=3,")],
    "translation.md": [("model.fit(train, epochs=10", "model.fit(train, epochs=2")],
    "distributed.md": [("load_dates(train_size=1024,", "load_dates(train_size=256,")],
}

# Pages that read the real data sets (skipped where they are not available).
NEEDS_DATA = {"forecasting.md": "sml2010"}

# Pages whose code trains or converts for more than ~20 s on 2 CPU cores.
SLOW_PAGES = {"layers.md", "export.md", "tensorboard.md", "translation.md", "tuning.md",
              "distributed.md", "reliability.md", "forecasting.md", "migrating-from-tfa.md",
              "captioning.md"}

DRIVER = """
import os, sys
sys.path.insert(0, {repo!r})
namespace = {{"__name__": "__main__"}}
exec(compile({prepare!r}, "PREPARE[{page}]", "exec"), {{"__name__": "__prepare__"}})
for line, code in {blocks!r}:
    print(f"=== docs/{page}:{{line}}", flush=True)
    exec(compile(code, f"docs/{page}:{{line}}", "exec"), namespace)
print("=== all blocks ran", flush=True)
"""


def tiny_blocks(page):
    page_blocks = python_blocks(page)
    for old, new in TINY.get(page, []):
        found = sum(code.count(old) for _, code in page_blocks)
        assert found == 1, f"docs/{page}: {old!r} found {found} times; update TINY"
        page_blocks = [(line, code.replace(old, new)) for line, code in page_blocks]
    return page_blocks


def data_dir():
    return pathlib.Path(
        os.environ.get("KERAS_ATTENTION_DATA", REPO.parent / "shared" / "data"))


def run_page(page, tmp_path, timeout=900):
    if page in NEEDS_DATA and not (data_dir() / NEEDS_DATA[page]).exists():
        pytest.skip(f"docs/{page} reads {NEEDS_DATA[page]}, which is not in {data_dir()}")
    code = DRIVER.format(
        repo=str(REPO), page=page, prepare=PREPARE.get(page, ""), blocks=tiny_blocks(page)
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow",
               MPLBACKEND="Agg", KERAS_ATTENTION_DATA=str(data_dir()))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=timeout,
    )
    assert result.returncode == 0 and "=== all blocks ran" in result.stdout, (
        result.stdout[-3000:] + "\n" + result.stderr[-5000:]
    )
    return result.stdout


def _page_params():
    for page in GUIDES:
        if python_blocks(page):
            marks = [pytest.mark.slow] if page in SLOW_PAGES else []
            yield pytest.param(page, id=page, marks=marks)


@pytest.mark.parametrize("page", _page_params())
def test_python_blocks_run(page, tmp_path):
    run_page(page, tmp_path)


def test_every_guide_with_code_is_run():
    run = {p.values[0] for p in _page_params()}
    for page in ("layers.md", "distributed.md", "translation.md", "export.md",
                 "tensorboard.md", "tuning.md", "forecasting.md", "reliability.md",
                 "migrating-from-tfa.md"):
        assert page in run, page


# -- shell commands --------------------------------------------------------------

def command_lines(page):
    """Shell command lines (continuations joined, comments dropped).

    Plain and `text` fences also hold output and messages: only lines that
    start with one of `COMMANDS` (after `VAR=value` prefixes) count there.
    """
    out = []
    for line, code in blocks(page, ("sh", "bash", "", "text")):
        pending, start = "", 0
        for i, raw in enumerate(code.splitlines()):
            if not pending:
                start = line + i
                raw = raw.split(" #")[0]
            pending += raw
            # A command goes on after a trailing backslash or an open quote.
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            if pending.count("'") % 2:
                pending += "\n"
                continue
            text = pending.strip()
            pending = ""
            if text and not text.startswith("#"):
                out.append((start, text))
    return out


def all_commands():
    return [(page, line, text) for page in GUIDES for line, text in command_lines(page)]


def _words(text):
    """The words of a command line, without `VAR=value` prefixes and redirections."""
    command = re.sub(r"""^(\s*[A-Z_]+=('[^']*'|"(?:[^"\\]|\\.)*"|\S+)\s+)+""", "", text)
    command = re.sub(r"^nice -n \d+ +", "", command)
    if not command.startswith(COMMANDS):
        return []
    return shlex.split(command.split(" > ")[0].split(" 2>&1")[0].rstrip("&").strip())


@functools.cache
def example_module(name):
    spec = importlib.util.spec_from_file_location(f"doc_{name}", REPO / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _example_invocations():
    for page, line, text in all_commands():
        words = _words(text)
        if len(words) >= 2 and words[0].endswith("python") and words[1].startswith("examples/"):
            yield page, line, words[1], words[2:]


def test_documented_example_commands_parse():
    seen = set()
    for page, line, script, args in _example_invocations():
        path = REPO / script
        assert path.exists(), f"docs/{page}:{line}: no {script}"
        module = example_module(path.stem)
        try:
            module.parse_args(args)
        except SystemExit:
            pytest.fail(f"docs/{page}:{line}: `{script} {' '.join(args)}` does not parse")
        seen.add(path.stem)
    assert {"translate_dates", "translate_pairs", "forecast", "tune_translator",
            "tune_forecaster", "export_and_run_tflite"} <= seen


def _example_marks():
    """`{name: [test, ...]}` from the `@pytest.mark.example("name")` decorators
    of the test functions (found in the source, so a deleted smoke test is
    missed here even when other tests name the script)."""
    import ast

    marked = {}
    for path in (REPO / "tests").rglob("*_test.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and ast.unparse(decorator.func) == "pytest.mark.example"
                    and decorator.args
                    and isinstance(decorator.args[0], ast.Constant)
                ):
                    marked.setdefault(decorator.args[0].value, []).append(node.name)
    return marked


def test_every_example_has_a_smoke_test():
    marked = _example_marks()
    for script in sorted((REPO / "examples").glob("*.py")):
        assert marked.get(script.stem), f"no test marked @pytest.mark.example({script.stem!r})"
    assert set(marked) <= {p.stem for p in (REPO / "examples").glob("*.py")}


def test_other_documented_commands_exist():
    makefile = (REPO / "Makefile").read_text()
    setup = (REPO / "setup.cfg").read_text()
    extras = set(re.findall(r"^(\w+) =$", setup.split("[options.extras_require]")[1], re.M))
    checked = 0
    for page, line, text in all_commands():
        words = _words(text)
        if not words:
            continue
        where = f"docs/{page}:{line}: {text}"
        if words[0] == "make":
            for target in words[1:]:
                assert re.search(rf"^{target}:", makefile, re.M), where
        elif words[0] == "pip" and "-e" in words:
            spec = words[-1]
            assert spec.startswith("."), where
            for extra in re.findall(r"\[(.*)\]", spec)[0].split(","):
                assert extra in extras, where
        elif words[0] == "pip":
            # Only LiteRT and numpy, on a device without the repository.
            assert set(words[2:]) <= {"ai-edge-litert", "numpy"}, where
        elif words[0] == "tensorboard":
            assert (pathlib.Path(sys.executable).parent / "tensorboard").exists(), where
        elif words[0].endswith("python") and len(words) > 1 and words[1].startswith("bench/"):
            script = REPO / words[1]
            assert script.exists(), where
            source = script.read_text()
            for word in words[2:]:
                if re.match(r"^--?[a-z]", word) or re.match(r"^[a-z][\w-]*$", word):
                    assert f'"{word}"' in source, f"{where}: {word!r} not in {words[1]}"
        elif words[0].endswith("python") and words[1:3] == ["-m", "pytest"]:
            for word in words[3:]:
                if not word.startswith("-") and "/" in word:
                    assert (REPO / word).exists(), where
        else:
            continue
        checked += 1
    assert checked >= 5


def test_guides_say_which_python_runs_the_commands():
    """`python` in a guide is the project's .venv (a clean clone has no other)."""
    for page in GUIDES:
        if any(_words(t)[:1] == ["python"] for _, _, t in
               [(page, line, text) for line, text in command_lines(page)]):
            text = (DOCS / page).read_text()
            assert ".venv/bin/activate" in text, f"docs/{page} does not say how to get `python`"


def test_no_guide_installs_the_unrelated_pypi_package():
    """`pip install keras-attention` installs someone else's package from PyPI."""
    for page in GUIDES + ["cli.md"]:
        text = (DOCS / page).read_text()
        assert not re.search(r"pip install +['\"]?keras-attention", text), page


def test_links_between_guides_resolve():
    for page in GUIDES:
        text = (DOCS / page).read_text()
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (DOCS / target).exists(), f"docs/{page}: broken link {target}"


def test_block_parser_sees_the_fences():
    code = textwrap.dedent("""\
        text
        ```python
        x = 1
        ```
        ```sh
        python examples/forecast.py --epochs 2   # comment
        ```
        """)
    assert [m.group(2, 3) for m in FENCE.finditer(code)] == [
        ("python", "x = 1\n"), ("sh", "python examples/forecast.py --epochs 2   # comment\n")]
    assert _words("KERASTUNER_TUNER_ID=chief  python examples/a.py --x 1 > a.log 2>&1 &") == [
        "python", "examples/a.py", "--x", "1"]
    assert _words("UnsupportedOpsError: TFLite conversion needs LiteRT's ops") == []
    assert _words('TF_CONFIG="{$C, \\"task\\": 1}"   python examples/b.py --y') == [
        "python", "examples/b.py", "--y"]
