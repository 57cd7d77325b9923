"""Atomic writes: a file or folder appears complete, or not at all.

Everything the library writes (models, exports, vocabularies, results,
plots) goes through these helpers: the content is written under a temporary
name in the destination folder, then moved into place with `os.replace`
(atomic on POSIX within one file system). An interrupted run leaves at most
a `.tmp-*` entry behind, never a half-written file under the real name.
"""

import contextlib
import json
import os
import shutil
import tempfile

from keras_attention.runtime.files import (  # noqa: F401 (re-exported)
    _folder,
    _make_readable,
    _umask,
    atomic_write_bytes,
)


def atomic_write_text(path, text, encoding="utf-8"):
    """Writes a string to `path` atomically (see `atomic_write_bytes`).

    Example:

    >>> from keras_attention import io_utils
    >>> io_utils.atomic_write_text("notes.txt", "café\\n")
    'notes.txt'
    >>> open("notes.txt", encoding="utf-8").read()
    'café\\n'
    """
    return atomic_write_bytes(path, text.encode(encoding))


def atomic_write_json(path, obj, indent=2):
    """Writes `obj` as JSON (sorted keys) to `path` atomically.

    Example:

    >>> import json
    >>> from keras_attention import io_utils
    >>> io_utils.atomic_write_json("results.json", {"bleu": 25.7, "model": "a"})
    'results.json'
    >>> json.load(open("results.json"))
    {'bleu': 25.7, 'model': 'a'}
    """
    return atomic_write_text(path, json.dumps(obj, indent=indent, sort_keys=True) + "\n")


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path with the same suffix; moved to `path` on success.

    For writers that insist on a file name of their own (e.g.
    `model.save("x.keras")` checks the extension). If the block raises,
    nothing is moved and the temporary file is removed.

    Example:

    >>> import os
    >>> from keras_attention import io_utils
    >>> with io_utils.atomic_path("table.csv") as tmp:
    ...     print(tmp.endswith(".csv"), os.path.exists("table.csv"))
    ...     _ = open(tmp, "w").write("a,b\\n1,2\\n")
    True False
    >>> os.listdir(".")
    ['table.csv']
    """
    path = os.fspath(path)
    folder = _folder(path)
    suffix = "".join(os.path.basename(path).partition(".")[1:]) or ".part"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(fd)
    os.remove(tmp)
    try:
        yield tmp
        if os.path.isfile(tmp):
            _make_readable(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_directory(path):
    """Yields a temporary folder; it replaces `path` as a whole on success.

    An existing folder at `path` is kept until the new one is complete (a
    SavedModel export, for example, is written this way); an existing file
    at `path` is refused (`ValueError`), never replaced.

    Example:

    >>> import os
    >>> from keras_attention import io_utils
    >>> with io_utils.atomic_directory("export") as tmp:
    ...     _ = open(os.path.join(tmp, "v1.txt"), "w").write("first")
    >>> try:
    ...     with io_utils.atomic_directory("export") as tmp:
    ...         _ = open(os.path.join(tmp, "v2.txt"), "w").write("second")
    ...         raise RuntimeError("interrupted")
    ... except RuntimeError:
    ...     pass
    >>> os.listdir("export"), sorted(os.listdir("."))  # the old folder, intact
    (['v1.txt'], ['export'])
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not os.path.isdir(path):
        # Only a folder is replaced: a file there (e.g. a trained `.keras`
        # model given as the SavedModel's path by mistake) is never lost.
        raise ValueError(
            f"`path` must name a folder to write, but it is an existing file, which "
            f"is never replaced. Received: path={path!r}"
        )
    folder = _folder(path)
    tmp = tempfile.mkdtemp(dir=folder, prefix=".tmp-" + os.path.basename(path) + "-")
    try:
        yield tmp
        _make_readable(tmp, directory=True)
        old = None
        if os.path.exists(path):
            old = tempfile.mkdtemp(dir=folder, prefix=".old-")
            os.rmdir(old)
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save_model(model, path):
    """`model.save(path)` atomically (a `.keras` file).

    Example:

    >>> from keras_attention import io_utils
    >>> from keras_attention.models import Seq2SeqTranslator, load_model
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> io_utils.save_model(model, "saved_models/translator.keras")
    'saved_models/translator.keras'
    >>> load_model("saved_models/translator.keras").units
    8
    """
    with atomic_path(path) as tmp:
        model.save(tmp)
    return os.fspath(path)
