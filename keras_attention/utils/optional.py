"""Imports of optional dependencies, with the install hint when one is missing."""

import importlib


def import_optional(module, needs, install):
    """Imports `module`, or raises an `ImportError` saying how to install it.

    Args:
        module: the module's dotted name, e.g. `"sacrebleu"`.
        needs: what needs it, e.g. `"BLEU needs sacrebleu"`.
        install: what to pip-install, e.g. `"'keras-attention[eval]'"`.

    Returns:
        The module.

    Example:

    >>> from keras_attention.utils.optional import import_optional
    >>> import_optional("json", "Reading needs json", "json").dumps([1])
    '[1]'
    >>> import_optional("no_such_module", "X needs Y", "y")
    Traceback (most recent call last):
    ...
    ImportError: X needs Y: pip install y
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"{needs}: pip install {install}") from e
