"""`load_model`: a `.keras` file of a keras_attention model, checked first."""

import json
import os
import zipfile

import keras


def _families():
    from keras_attention.models import FAMILIES

    return {name: cls.__name__ for name, cls in FAMILIES.items()}


def _class_name(config):
    registered = config.get("registered_name") or ""
    if registered.startswith("keras_attention>"):
        return registered.split(">", 1)[1]
    return None


def load_model(path, family=None, compile=True, kind=None):
    """Loads a keras_attention model (any family) from a `.keras` file.

    `keras.models.load_model` (with `safe_mode=True`) after checks that give
    a clear error for anything else: a missing path, a folder, a file that
    is not a Keras archive, or a Keras model of another class (a plain
    `Sequential`, a `Functional` model, ...). The archive's `config.json`
    is read first, so nothing of a foreign model is deserialized.

    Args:
        path: a `.keras` file written by `model.save` or
            `keras_attention.io_utils.save_model`.
        family: `None` (any model family), or a family name of
            `keras_attention.models.FAMILIES` (`"translator"`,
            `"forecaster"`, ...).
        compile: restore the training configuration too.
        kind: the former name of `family`.

    Returns:
        The model.

    Example:

    >>> from keras_attention.models import Seq2SeqTranslator, load_model
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> model.save("translator.keras")
    >>> type(load_model("translator.keras")).__name__
    'Seq2SeqTranslator'
    >>> load_model("translator.keras", family="forecaster")
    Traceback (most recent call last):
    ...
    ValueError: `path` holds a Seq2SeqTranslator object, not a keras_attention
    TimeSeriesForecaster. Received: path='translator.keras'

    A trained date translator, as written by `examples/translate_dates.py`,
    loads the same way: `load_model("saved_models/date_translator.keras")`,
    then `model.translate("3 mar. 1998")` gives `'1998-03-03'`.
    """
    families = _families()
    family = kind if family is None else family
    if family is not None and family not in families:
        raise ValueError(
            f"`family` must be None or one of {sorted(families)}. "
            f"Received: family={family!r}"
        )
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No model file at `path`. Received: path={path!r}")
    if os.path.isdir(path):
        raise ValueError(
            "`path` must be a .keras file, not a folder (load an exported "
            "SavedModel with `keras_attention.runtime` or `tf.saved_model.load`). "
            f"Received: path={path!r}"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(
            "`path` is not a Keras model file (a .keras zip archive with a "
            f"config.json). Received: path={path!r}"
        ) from None
    found = _class_name(config) if isinstance(config, dict) else None
    wanted = [families[family]] if family else list(families.values())
    if found not in wanted:
        what = found or (config.get("class_name") if isinstance(config, dict) else None)
        raise ValueError(
            f"`path` holds a {what or 'non-model'} object, not a keras_attention "
            f"{', '.join(wanted[:-1]) + ' or ' if len(wanted) > 1 else ''}{wanted[-1]}. "
            f"Received: path={path!r}"
        )
    # This package's import registered every class the config may name.
    try:
        return keras.models.load_model(path, compile=compile, safe_mode=True)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:
        raise ValueError(
            f"`path` holds a {found} that could not be loaded: the file is damaged "
            f"or incomplete ({type(e).__name__}: {str(e).strip().splitlines()[0][:200]}"
            f"). Received: path={path!r}"
        ) from e
