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


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _make_readable(path, directory=False):
    # mkstemp/mkdtemp create owner-only entries (0600/0700); give the final
    # artifact the permissions a plain open()/mkdir() would have.
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def _folder(path):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    return folder


def atomic_write_bytes(path, data):
    """Writes `data` (bytes) to `path` atomically; returns the path."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=_folder(path), prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _make_readable(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    return path


def atomic_write_text(path, text, encoding="utf-8"):
    return atomic_write_bytes(path, text.encode(encoding))


def atomic_write_json(path, obj, indent=2):
    return atomic_write_text(path, json.dumps(obj, indent=indent, sort_keys=True) + "\n")


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path with the same suffix; moved to `path` on success.

    For writers that insist on a file name of their own (e.g.
    `model.save("x.keras")` checks the extension):

    ```python
    with atomic_path("model.keras") as tmp:
        model.save(tmp)
    ```
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

    ```python
    with atomic_directory("saved_models/date_translator") as tmp:
        tf.saved_model.save(module, tmp)
    ```
    An existing folder at `path` is kept until the new one is complete.
    """
    path = os.path.abspath(os.fspath(path))
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
    """`model.save(path)` atomically (a `.keras` file)."""
    with atomic_path(path) as tmp:
        model.save(tmp)
    return os.fspath(path)
