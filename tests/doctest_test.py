"""Every docstring `Example:` in keras_attention runs as written (doctest).

The API reference lives in the docstrings (Keras order: summary, description,
`Args:`, `Returns:` / `Call arguments:`, `Example:`, `Reference:`). Each
docstring with examples is one test here, run in a fresh temporary working
folder (examples that write files use relative paths), with
`ELLIPSIS | NORMALIZE_WHITESPACE`. Examples do not rely on the test's
random seed: what they print holds for any initial weights.

The second half checks coverage: every public class and function has an
`Example:` section written as `>>>` lines (no `+SKIP`, no fenced code that
doctest would not run).
"""

import doctest
import importlib
import inspect
import pkgutil
import re

import pytest

import keras_attention

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# Docstrings whose examples take long on 2 CPU cores: several TFLite
# conversions (about 20 s), a KerasTuner search (about 15 s). They run as
# slow tests of their own; every other example together takes well under a
# minute.
SLOW = {
    "keras_attention.export.artifacts.export_artifacts",
    "keras_attention.runtime.litert.greedy_step_loop",
    "keras_attention.tuners.hyper_seq2seq_translator.HyperSeq2SeqTranslator.fit",
}


def _module_names():
    names = ["keras_attention"]
    for info in pkgutil.walk_packages(keras_attention.__path__, "keras_attention."):
        names.append(info.name)
    return sorted(names)


MODULES = _module_names()


def _doctests():
    # The finder keeps the objects defined in each module (not re-exports).
    finder = doctest.DocTestFinder(exclude_empty=True)
    groups = {}
    for name in MODULES:
        for test in finder.find(importlib.import_module(name), name):
            if test.examples:
                key = test.name if test.name in SLOW else name
                groups.setdefault(key, []).append(test)
    return {key: sorted(tests, key=lambda t: t.name) for key, tests in groups.items()}


# {module name (or slow docstring name): [DocTest, ...]}. One pytest test
# per module keeps the per-test overhead (the conftest's `clear_session`)
# small.
DOCTESTS = _doctests()


def _params():
    for key in sorted(DOCTESTS):
        marks = [pytest.mark.slow] if key in SLOW else []
        yield pytest.param(key, id=key, marks=marks)


@pytest.fixture
def _restore_process_state(monkeypatch):
    """Undoes what examples change process-wide (env, op determinism)."""
    from tensorflow.python.framework import config

    for name in ("KERAS_ATTENTION_DATA", "TF_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    yield
    config.disable_op_determinism()


@pytest.mark.parametrize("group", _params())
def test_docstring_examples_run(group, tmp_path, monkeypatch, _restore_process_state):
    failures = []
    for i, test in enumerate(DOCTESTS[group]):
        # Each docstring runs in a fresh folder, as a reader would.
        folder = tmp_path / str(i)
        folder.mkdir()
        monkeypatch.chdir(folder)
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        report = []
        test.globs = dict(test.globs)
        result = runner.run(test, out=report.append, clear_globs=True)
        assert result.attempted > 0, test.name
        if result.failed:
            failures.append("".join(report))
    assert not failures, "\n".join(failures)


def test_every_module_is_searched():
    assert "keras_attention.layers.bahdanau_attention" in MODULES
    assert "keras_attention.export.tflite" in MODULES
    assert sum(len(tests) for tests in DOCTESTS.values()) >= 100


# ---------------------------------------------------------------------------
# Coverage: every public class and function has a runnable example.

# Namespaces whose public names (their `__all__`, or every non-underscore
# name defined in the module itself) must have an `Example:`.
PUBLIC_NAMESPACES = [
    "keras_attention",
    "keras_attention.layers",
    "keras_attention.losses",
    "keras_attention.models",
    "keras_attention.models.samplers",
    "keras_attention.callbacks",
    "keras_attention.data",
    "keras_attention.data.timeseries",
    "keras_attention.evaluation",
    "keras_attention.evaluation.forecasting",
    "keras_attention.export",
    "keras_attention.tuners",
    "keras_attention.training",
    "keras_attention.runtime",
    "keras_attention.plotting",
    "keras_attention.io_utils",
]


def _public_objects():
    objects = {}
    for namespace in PUBLIC_NAMESPACES:
        module = importlib.import_module(namespace)
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                n
                for n, o in vars(module).items()
                if not n.startswith("_") and getattr(o, "__module__", None) == namespace
            ]
        for name in names:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # submodules and constants
            if inspect.isclass(obj) and issubclass(obj, Exception):
                continue  # errors are documented where they are raised
            objects[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return objects


PUBLIC = _public_objects()


def test_the_public_api_is_found():
    for name in [
        "keras_attention.layers.bahdanau_attention.BahdanauAttention",
        "keras_attention.models.samplers.beam_sampler.BeamSampler",
        "keras_attention.models.task.Task",
        "keras_attention.callbacks.scheduled_sampling.ScheduledSampling",
        "keras_attention.export.tflite.export_tflite",
        "keras_attention.tuners.hyper_seq2seq_translator.HyperSeq2SeqTranslator",
        "keras_attention.training.shuffled_arrays.ShuffledArrays",
        "keras_attention.runtime.runners.TFLiteTranslator",
        "keras_attention.runtime.preprocessors.TextPreprocessor",
    ]:
        assert name in PUBLIC


def _example_section(doc):
    match = re.search(r"^\s*Examples?:\s*$(.*?)(?=^\s*Reference:\s*$|\Z)", doc, re.M | re.S)
    return match.group(1) if match else None


def test_every_public_object_has_a_runnable_example():
    problems = []
    for name in sorted(PUBLIC):
        section = _example_section(inspect.getdoc(PUBLIC[name]) or "")
        if section is None:
            problems.append(f"{name} has no `Example:` section")
        elif ">>>" not in section:
            problems.append(f"{name}: the example is not written as `>>>` lines")
        elif "```" in section:
            problems.append(f"{name}: fenced code in `Example:` is not run")
    assert not problems, "\n".join(problems)


def test_no_example_is_skipped():
    for name in MODULES:
        source = inspect.getsource(importlib.import_module(name))
        assert "doctest: +SKIP" not in source, name


def _all_docstrings():
    for name in MODULES:
        module = importlib.import_module(name)
        yield name, module.__doc__
        for attr, obj in vars(module).items():
            if getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj.__doc__
            elif inspect.isclass(obj):
                yield f"{name}.{attr}", obj.__doc__
                for method_name, method in vars(obj).items():
                    function = getattr(method, "__func__", method)
                    if inspect.isfunction(function) or isinstance(method, property):
                        yield f"{name}.{attr}.{method_name}", method.__doc__


def test_every_example_section_is_doctest():
    """An `Example:` anywhere (modules, methods too) is `>>>` code, never a fence."""
    checked = 0
    for name, doc in _all_docstrings():
        section = _example_section(inspect.cleandoc(doc or ""))
        if section is None:
            continue
        checked += 1
        assert ">>>" in section, f"{name}: the example is not written as `>>>` lines"
        assert "```" not in section, f"{name}: fenced code in `Example:` is not run"
    assert checked >= 60
