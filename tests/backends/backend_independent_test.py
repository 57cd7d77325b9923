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
    return None


def imported_module(package, name, _asked=()):
    """The module that `from package import name` runs: `package.name`
    where that is a module (or a subpackage: its `__init__`); else the
    module the package's `__init__` re-exports `name` from (the `__init__`
    itself where it defines it)."""
    if module_file(f"{package}.{name}"):
        return f"{package}.{name}"
    if REPO.joinpath(*package.split("."), name, "__init__.py").is_file():
        return f"{package}.{name}.__init__"  # a subpackage
    init = REPO.joinpath(*package.split("."), "__init__.py")
    if not init.is_file():
        return package
    for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) == name and (node.module, alias.name) not in _asked:
                    return imported_module(node.module, alias.name,
                                           _asked + ((package, name),))
    return f"{package}.__init__"


def imports(path):
    """`(keras_imports, package_modules)` of a file: the lines that import
    Keras, and the keras_attention modules it imports (`from a.b import c`
    gives the module `c` comes from, see `imported_module`)."""
    keras_lines, modules = [], set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [imported_module(node.module, alias.name)
                     if node.module.split(".")[0] == "keras_attention" else node.module
                     for alias in node.names]
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
    # Names imported from a package are followed to the module defining them.
    _, reached = keras_imports_reached(TESTS / "evaluation" / "translation_metrics_test.py")
    assert "keras_attention.evaluation.translation_metrics" in reached
