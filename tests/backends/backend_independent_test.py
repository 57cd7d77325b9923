"""The test modules that other backends skip as backend-independent
(`tests/conftest.py`, `BACKEND_INDEPENDENT_PATHS`) call no Keras: neither
they nor the package modules they import (followed through the package's own
imports) import `keras`, so their results cannot depend on the backend.
"""

import ast
import pathlib

import pytest

from tests.conftest import BACKEND_INDEPENDENT_PATHS

TESTS = pathlib.Path(__file__).resolve().parents[1]
REPO = TESTS.parent


def module_file(name):
    """The file of package module `name` (a dotted path), or None."""
    path = REPO.joinpath(*name.split("."))
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None  # a package: its __init__ only re-exports, the modules are followed


def imports(path):
    """`(keras_imports, package_modules)` of a file: the lines that import
    Keras, and the keras_attention modules it imports (`from a.b import c`
    gives `a.b.c` where that is a module, else `a.b`)."""
    keras_lines, modules = [], set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [n if module_file(n) else node.module for n in names]
        else:
            continue
        for name in names:
            root = name.split(".")[0]
            if root == "keras":
                keras_lines.append(f"{path.relative_to(REPO)}:{node.lineno}: {name}")
            elif root == "keras_attention":
                modules.add(name)
    return keras_lines, modules


def keras_imports_reached(path):
    """Every Keras import in `path` and in the package modules it reaches."""
    found, seen, todo = [], set(), [path]
    while todo:
        current = todo.pop()
        keras_lines, modules = imports(current)
        found += keras_lines
        for name in modules - seen:
            seen.add(name)
            file = module_file(name)
            if file is not None:
                todo.append(file)
    return found, seen


@pytest.mark.parametrize("relative", BACKEND_INDEPENDENT_PATHS)
def test_backend_independent_modules_reach_no_keras(relative):
    found, reached = keras_imports_reached(TESTS / relative)
    assert found == []
    assert reached  # the walk sees the package modules under test


def test_the_walk_finds_keras_where_it_is():
    """The check is not blind: a model test module reaches Keras."""
    found, _ = keras_imports_reached(TESTS / "models" / "time_series_forecaster_test.py")
    assert found
    found, reached = keras_imports_reached(TESTS / "models" / "linear_part_test.py")
    assert found == [] and "keras_attention.models.linear_ridge" in reached  # followed
