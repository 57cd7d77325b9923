"""Atomic file writes, shared by the runtime and the rest of the package.

Standard library only (this folder must run on a device without Keras).
"""

import contextlib
import os
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
    """Writes `data` (bytes) to `path` atomically; returns the path.

    The bytes go to a hidden temporary file in the same folder (created if
    needed), which is flushed, synced and renamed over `path`: a reader
    sees the old file or the new one, never a part of it.

    Example:

    >>> import os
    >>> from keras_attention import io_utils
    >>> io_utils.atomic_write_bytes("out/data.bin", b"\\x00\\x01")
    'out/data.bin'
    >>> os.listdir("out")  # no temporary file left behind
    ['data.bin']
    """
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
