"""Shared test set-up, on every Keras backend.

The suite runs on TensorFlow (`make test`) and, minus the TensorFlow-only
parts, on JAX and PyTorch (`make test-backends`, with `KERAS_BACKEND` set).
TensorFlow-only tests are explicit:

- a test (or a module, with `pytestmark`) marked `tensorflow_only`, for
  features that exist only there (SavedModel / TFLite export, `tf.data`
  pipelines, `tf.distribute`, the TF token-rows training step, the
  TensorBoard writer, `tf.function` tracing);
- the modules and folders of `TENSORFLOW_ONLY_PATHS`, which are about such
  features as a whole (and import TensorFlow or KerasTuner at the top).

On another backend (or without TensorFlow installed) both are skipped, with
the reason in the report.
"""

import importlib.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402


def _keep_signatures_under_mutmut():
    """`make mutation` only: mutmut's trampolines keep `__init__`'s argspec.

    mutmut wraps every mutated function in a `(*args, **kwargs)`
    trampoline (functools.wraps); Keras' `Operation.__new__` reads
    `inspect.getfullargspec(cls.__init__)`, which does not follow
    `__wrapped__`, and fails on every layer. Setting `__signature__` on an
    `__init__` wrapper makes `getfullargspec` see the original arguments
    (not on other methods: `functools.wraps` of a bound `build` would copy
    it, `self` included, onto Keras' build wrapper).
    """
    import inspect

    from mutmut.mutation import trampoline

    original = trampoline.wrap_in_trampoline

    def wrap_in_trampoline(mutants_dict, is_classmethod=False):
        decorate = original(mutants_dict, is_classmethod=is_classmethod)

        def decorator(function):
            wrapper = decorate(function)
            if function.__name__ == "__init__":  # only where Keras uses getfullargspec
                wrapper.__signature__ = inspect.signature(function)
            return wrapper

        return decorator

    trampoline.wrap_in_trampoline = wrap_in_trampoline


if "MUTANT_UNDER_TEST" in os.environ or os.path.basename(os.getcwd()) == "mutants":
    _keep_signatures_under_mutmut()

BACKEND = keras.backend.backend()
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
ON_TENSORFLOW = BACKEND == "tensorflow" and HAS_TENSORFLOW

# Relative to tests/: what exists only with TensorFlow (see the module docstring).
TENSORFLOW_ONLY_PATHS = (
    "export",  # SavedModel / TFLite export and the LiteRT runtime on its files
    "tuners",  # KerasTuner search (its oracle and examples run on TensorFlow here)
    "examples",  # the example pipelines export and use tf.data
    "callbacks/attention_image_logger_test.py",  # tf.summary images
    "distributed_test.py",  # tf.distribute strategies
    "training_test.py",  # tf.distribute checkpoints, TF op determinism
    "cli_test.py",  # the command line's pipelines export
    "bad_input_test.py",  # half of its cases are export / tf.data refusals
    "docs_test.py",  # the docs' snippets export and tune
    "doctest_test.py",  # docstring examples (some trace tf.function)
    "readme_test.py",
    "wheel_test.py",  # installs the wheel with TensorFlow
    "callbacks/image_map_logger_test.py",  # tf.summary images
    "cli_caption_test.py",  # the command line's pipelines export
    "data/text_pairs_test.py",  # tf.data bucketing
)

# Relative to tests/: modules that call no Keras (numpy, pandas, sacrebleu
# only: data pipelines, metrics, the closed-form linear part). Their result
# cannot depend on the backend, so they run once, in the TensorFlow suite;
# tests/backends/backend_independent_test.py checks that neither they nor
# the package modules they import use Keras.
BACKEND_INDEPENDENT_PATHS = (
    "data/dates_test.py",
    "data/digits_test.py",
    "data/prediction_windows_test.py",
    "data/timeseries_test.py",
    "data/vocabulary_test.py",
    "evaluation/captioning_test.py",
    "evaluation/forecasting_test.py",
    "evaluation/translation_metrics_test.py",
    "models/linear_part_test.py",
)

_REASON = (
    f"TensorFlow only (the backend is {BACKEND}"
    + ("" if HAS_TENSORFLOW else ", TensorFlow is not installed")
    + ")"
)


def pytest_ignore_collect(collection_path, config):
    """Skips the TensorFlow-only and the backend-independent modules on
    other backends, before importing them."""
    if ON_TENSORFLOW:
        return None
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    relative = os.path.relpath(str(collection_path), tests_dir).replace(os.sep, "/")
    for path in TENSORFLOW_ONLY_PATHS + BACKEND_INDEPENDENT_PATHS:
        if relative == path or relative.startswith(path + "/"):
            return True
    return None


# Tests that need TensorFlow but are not marked yet (they came with the
# captioner, forecaster and monotonic merges of 2026-12-02), by node id prefix.
TENSORFLOW_ONLY_TESTS = (
    "tests/data/timeseries_test.py::test_dataset_yields_model_inputs",  # tf.data
    "tests/recipes/forecasting_test.py::test_fit_keeps_the_linear_part",  # tf.data fit
    "tests/recipes/monotonic_options_test.py::test_translate_pairs_trains_mocha",  # tf.data
    "tests/models/seq2seq_translator_test.py::test_translate_runs_greedy_and_beam_traced_once",
)


# The slowest test files, slowest first (seconds on 2 cores, summed over their
# tests listed by `pytest -n 2 --dist loadfile --durations=0`, TensorFlow /
# JAX, 2026-12-03): run first, so that with
# `-n 2 --dist loadfile` no long file is left running alone at the end.
# xdist's default order (most tests first) would start the one-test files
# last; the Makefile passes `--no-loadscope-reorder` so that this order is kept.
SLOW_FILES_FIRST = (
    "tests/docs_test.py",  # 264 / TF only
    "tests/wheel_test.py",  # 122 / TF only (one test)
    "tests/doctest_test.py",  # 138 / TF only
    "tests/cli_test.py",  # 130 / TF only
    "tests/export/translator_export_test.py",  # 100 / TF only
    "tests/models/time_series_forecaster_test.py",  # 100 / 49
    "tests/models/seq2seq_translator_test.py",  # 88 / 73
    "tests/distributed_test.py",  # 78 / TF only
    "tests/models/model_serialization_test.py",  # 61 / 74
    "tests/export/monotonic_translator_export_test.py",  # 76 / TF only
    "tests/models/monotonic_translator_test.py",  # 71 / 48
    "tests/training_test.py",  # 67 / TF only
    "tests/models/image_captioner_test.py",  # 31 / 66
    "tests/bad_input_test.py",  # 66 / TF only
    "tests/tuners/distributed_test.py",  # 61 / TF only (one test)
    "tests/backends/cross_backend_test.py",  # - / 58
    "tests/models/samplers_test.py",  # 24 / 57
    "tests/layers/bahdanau_monotonic_attention_test.py",  # 40 / 53
    "tests/layers/attention_decoder_test.py",  # 21 / 53
    "tests/backends/training_test.py",  # 27 / 50
    "tests/layers/self_attention_rnn_cell_test.py",  # 27 / 50
    "tests/tuners/search_space_test.py",  # 49 / TF only
    "tests/layers/attention_properties_test.py",  # 13 / 49
    "tests/models/time_series_forecaster_linear_test.py",  # 26 / 48
    "tests/export/example_test.py",  # 47 / TF only
    "tests/tuners/tuners_test.py",  # 40 / TF only (109 before the eager fix)
)


_SLOW_RANK = {path: rank for rank, path in enumerate(SLOW_FILES_FIRST)}


def _slow_first(item):
    return _SLOW_RANK.get(item.nodeid.split("::", 1)[0], len(SLOW_FILES_FIRST))


def pytest_collection_modifyitems(config, items):
    items.sort(key=_slow_first)  # stable: the files' own order otherwise
    if ON_TENSORFLOW:
        return
    skip = pytest.mark.skip(reason=_REASON)
    for item in items:
        if "tensorflow_only" in item.keywords or item.nodeid.startswith(TENSORFLOW_ONLY_TESTS):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Every test starts from float32, a fixed seed and a clean session."""
    keras.config.set_dtype_policy("float32")
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")
    keras.backend.clear_session()
