"""`load_model`: a `.keras` file of a keras_attention model, checked first."""

import json
import os
import zipfile

import keras

KINDS = {
    "translator": "Seq2SeqTranslator",
    "forecaster": "TimeSeriesForecaster",
}


def _class_name(config):
    registered = config.get("registered_name") or ""
    if registered.startswith("keras_attention>"):
        return registered.split(">", 1)[1]
    return None


def load_model(path, kind=None, compile=True):
    """Loads a `Seq2SeqTranslator` or `TimeSeriesForecaster` from a `.keras` file.

    `keras.models.load_model` (with `safe_mode=True`) after checks that give
    a clear error for anything else: a missing path, a folder, a file that
    is not a Keras archive, or a Keras model of another class (a plain
    `Sequential`, a `Functional` model, ...). The archive's `config.json`
    is read first, so nothing of a foreign model is deserialized.

    Args:
        path: a `.keras` file written by `model.save` or
            `keras_attention.io_utils.save_model`.
        kind: `None` (either model), `"translator"` or `"forecaster"`.
        compile: restore the training configuration too.

    Returns:
        The model.

    Example:

    >>> from keras_attention.models import Seq2SeqTranslator, load_model
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> model.save("translator.keras")
    >>> type(load_model("translator.keras")).__name__
    'Seq2SeqTranslator'
    >>> load_model("translator.keras", kind="forecaster")
    Traceback (most recent call last):
    ...
    ValueError: `path` holds a Seq2SeqTranslator object, not a keras_attention
    TimeSeriesForecaster. Received: path='translator.keras'

    A trained date translator, as written by `examples/translate_dates.py`,
    loads the same way: `load_model("saved_models/date_translator.keras")`,
    then `model.translate("3 mar. 1998")` gives `'1998-03-03'`.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(
            f"`kind` must be None, 'translator' or 'forecaster'. Received: kind={kind!r}"
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
    wanted = [KINDS[kind]] if kind else list(KINDS.values())
    if found not in wanted:
        what = found or (config.get("class_name") if isinstance(config, dict) else None)
        raise ValueError(
            f"`path` holds a {what or 'non-model'} object, not a keras_attention "
            f"{' or '.join(wanted)}. Received: path={path!r}"
        )
    # Importing the subpackages registers every class the config may name.
    from keras_attention.utils.startup import import_subpackages

    import_subpackages()

    return keras.models.load_model(path, compile=compile, safe_mode=True)
