"""How the package starts: eager or light import, and a quiet TensorFlow.

`import keras_attention` imports every subpackage (Keras, then TensorFlow),
so that `keras.models.load_model` finds every registered class afterwards.
The command line does not want that: `keras-attention --help` and
`--version` must answer at once, without TensorFlow. `light_import()` tells
`keras_attention/__init__.py` which case it is in; in the light case the
package's attributes are loaded on first use (PEP 562).

`quiet_tensorflow()` imports TensorFlow without the lines it writes on
stderr at start-up (absl's "All log messages before absl::InitializeLog()",
oneDNN and cpu_feature_guard notices, "failed call to cuInit" on a machine
without a GPU), which the command line and the example scripts call before
anything imports TensorFlow. Its `debug=True` (their `--debug`) changes
nothing, so that every line shows.

This module imports only the standard library.
"""

import contextlib
import importlib
import os
import re
import sys
import tempfile

#: Subpackages imported by `import keras_attention`: they register every
#: serializable class (`keras.saving.register_keras_serializable`).
EAGER_SUBPACKAGES = ("callbacks", "data", "evaluation", "layers", "models")

#: Modules that import neither Keras nor TensorFlow. Importing one of them
#: first (`import keras_attention.cli`) imports the package lightly.
LIGHT_MODULES = (
    "keras_attention.__main__",
    "keras_attention.cli",
    "keras_attention.recipes.command_configs",
    "keras_attention.recipes.configs",
    "keras_attention.recipes.families",
    "keras_attention.recipes.options",
    "keras_attention.recipes.shared_configs",
    "keras_attention.utils",
    "keras_attention.version",
)


def _import_target():
    """The `keras_attention...` module whose import runs the package's
    `__init__` now, or None (read from the frames of the import machinery,
    as CPython runs them; elsewhere None)."""
    frame = sys._getframe(1) if hasattr(sys, "_getframe") else None
    target = None
    while frame is not None:
        if frame.f_code.co_name == "_find_and_load_unlocked":
            name = frame.f_locals.get("name")
            if not isinstance(name, str) or not name.startswith("keras_attention"):
                break  # an outer import (a test module, a script's package ...)
            target = name
        frame = frame.f_back
    return target


def _is_light(module):
    return any(module == m or module.startswith(m + ".") for m in LIGHT_MODULES)


def started_as_cli(argv=None, orig_argv=None):
    """Whether this process is the `keras-attention` program.

    True for the console script and for `python -m keras_attention`.

    Example:

    >>> started_as_cli(["/venv/bin/keras-attention", "--version"], [])
    True
    >>> started_as_cli(["-m"], ["python", "-m", "keras_attention", "--help"])
    True
    >>> started_as_cli(["-m"], ["python", "-m", "pytest"])
    False
    """
    argv = sys.argv if argv is None else argv
    orig_argv = getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv
    if argv and os.path.basename(argv[0]).split(".")[0] in ("keras-attention",):
        return True
    if "-m" in orig_argv[:-1]:
        module = orig_argv[orig_argv.index("-m") + 1]
        return module == "keras_attention" or _is_light(module)
    return False


def light_import():
    """Whether `keras_attention/__init__.py` should import nothing heavy.

    True when the process is the command line (`started_as_cli()`) or when
    the package is being imported on the way to one of `LIGHT_MODULES`
    (`import keras_attention.cli`, `from keras_attention.recipes.configs
    import ...`). A plain `import keras_attention` is never light.

    Example:

    >>> light_import()  # called here, not while the package is imported
    False
    """
    if started_as_cli():
        return True
    target = _import_target()
    return target is not None and _is_light(target)


def import_subpackages():
    """Imports `EAGER_SUBPACKAGES` (what `import keras_attention` does).

    Example:

    >>> import sys
    >>> import_subpackages()
    >>> "keras_attention.models" in sys.modules
    True
    """
    for name in EAGER_SUBPACKAGES:
        importlib.import_module(f"keras_attention.{name}")


def quiet_tensorflow(debug=False):
    """Imports TensorFlow and Keras without their start-up lines on stderr.

    Sets `TF_CPP_MIN_LOG_LEVEL=3` (unless set) so that TensorFlow's C++
    INFO, WARNING and ERROR logs stay off, imports TensorFlow and
    initialises its devices with the stderr file descriptor redirected to a
    temporary file (the lines written before absl's logging is initialised
    ignore the level), then silences absl's and TensorFlow's Python loggers
    below ERROR. If the import fails, what was captured is written back to
    stderr before the error propagates. With `debug=True` nothing is
    changed: every line shows. Without TensorFlow installed (another Keras
    backend) only Keras is imported. Calling it again does nothing more.

    Args:
        debug: show everything (the command line's `--debug`).

    Example:

    >>> quiet_tensorflow()
    >>> import os, sys
    >>> "keras" in sys.modules, os.environ["TF_CPP_MIN_LOG_LEVEL"] in "0123"
    (True, True)
    """
    global _QUIET
    if debug:
        return
    _QUIET = True
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "keras" not in sys.modules:
        _import_capturing_stderr()
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:
        pass
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        tf.get_logger().setLevel("ERROR")


_QUIET = False  # set by quiet_tensorflow(): the command line or an example runs


def _import_capturing_stderr():
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            try:
                import tensorflow as tf

                tf.config.list_physical_devices()  # CUDA / device probing logs now
            except ImportError:
                pass
            import keras  # noqa: F401
        except BaseException:
            sys.stderr.flush()
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", "replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


#: Lines that native libraries write on stderr for information only: LiteRT
#: announcing its CPU delegate, absl before its initialisation, and
#: TensorFlow's INFO and WARNING logs (glog format).
NATIVE_NOISE = re.compile(
    r"^(INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\] .*)$"
)


@contextlib.contextmanager
def quiet_native_logs(debug=None):
    """Drops `NATIVE_NOISE` lines that native code writes on stderr inside
    the block (TFLite conversion, LiteRT interpreters); every other line is
    written back when the block ends.

    Args:
        debug: `True`: nothing is dropped. `None` (default): drop only in a
            process that called `quiet_tensorflow()` without `debug` (the
            command line, the example scripts), so that library users see
            everything.

    Example:

    >>> with quiet_native_logs(debug=False):
    ...     print("kept")
    kept
    """
    if debug or (debug is None and not _QUIET):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode("utf-8", "replace").splitlines(keepends=True)
            sys.stderr.write("".join(ln for ln in lines if not NATIVE_NOISE.match(ln.rstrip())))
            sys.stderr.flush()
