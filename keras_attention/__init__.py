"""keras_attention: attention RNN layers and models for Keras 3."""

import importlib as _importlib

from keras_attention.utils import startup as _startup
from keras_attention.version import __version__  # noqa: F401

_LAYERS = (
    "AttentionDecoder",
    "AttentionDecoderCell",
    "BahdanauAttention",
    "LuongAttention",
    "Maxout",
    "SelfAttentionRNNCell",
)
_SUBPACKAGES = (
    "callbacks",
    "cli",
    "data",
    "evaluation",
    "export",
    "io_utils",
    "layers",
    "losses",
    "models",
    "plotting",
    "recipes",
    "runtime",
    "training",
    "tuners",
    "utils",
)

__all__ = [*_LAYERS, *_startup.EAGER_SUBPACKAGES]


def __getattr__(name):
    """Loads a subpackage or a layer class on first use (PEP 562).

    Only reached when the package was imported lightly (the command line,
    see `keras_attention.utils.startup`), or for the subpackages that
    `import keras_attention` does not import (`export`, `tuners`, ...).
    """
    if name in _LAYERS:
        return getattr(_importlib.import_module("keras_attention.layers"), name)
    if name in _SUBPACKAGES:
        return _importlib.import_module(f"keras_attention.{name}")
    raise AttributeError(f"module 'keras_attention' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAYERS) | set(_SUBPACKAGES))


# Importing every subpackage registers every serializable class, so that
# `keras.models.load_model` works after a plain `import keras_attention`.
# The command line (and `import keras_attention.cli`) skips this: it starts
# without Keras and imports what a command needs when it runs.
if not _startup.light_import():
    _startup.import_subpackages()
    from keras_attention.layers import (  # noqa: E402, F401
        AttentionDecoder,
        AttentionDecoderCell,
        BahdanauAttention,
        LuongAttention,
        Maxout,
        SelfAttentionRNNCell,
    )
