"""Atomic writes leave nothing half-written under the real name."""

import os

import keras
import numpy as np
import pytest

from keras_attention import io_utils


def test_write_bytes_replaces_whole_file(tmp_path):
    path = tmp_path / "a" / "out.bin"
    io_utils.atomic_write_bytes(path, b"first")
    io_utils.atomic_write_bytes(path, b"second")
    assert path.read_bytes() == b"second"
    assert sorted(os.listdir(path.parent)) == ["out.bin"]


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    io_utils.atomic_write_json(path, {"ok": 1})

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        io_utils.atomic_write_json(path, {"ok": 2})
    monkeypatch.undo()
    assert path.read_text().strip() == '{\n  "ok": 1\n}'
    assert sorted(os.listdir(tmp_path)) == ["results.json"]  # no temp left


def test_atomic_directory_all_or_nothing(tmp_path):
    target = tmp_path / "export"
    with io_utils.atomic_directory(target) as tmp:
        (open(os.path.join(tmp, "v1"), "w")).write("1")
    assert os.listdir(target) == ["v1"]
    with pytest.raises(RuntimeError):
        with io_utils.atomic_directory(target) as tmp:
            (open(os.path.join(tmp, "v2"), "w")).write("2")
            raise RuntimeError("interrupted")
    assert os.listdir(target) == ["v1"]  # the old export is untouched
    assert sorted(os.listdir(tmp_path)) == ["export"]


def test_save_model_is_atomic_and_loads(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    path = tmp_path / "m.keras"
    io_utils.save_model(model, path)
    restored = keras.models.load_model(path)
    x = np.ones((1, 3), "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), restored.predict(x, verbose=0))
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]


def test_written_files_get_normal_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        path = io_utils.atomic_write_bytes(tmp_path / "x.bin", b"1")
        assert os.stat(path).st_mode & 0o777 == 0o644
        with io_utils.atomic_directory(tmp_path / "d"):
            pass
        assert os.stat(tmp_path / "d").st_mode & 0o777 == 0o755
    finally:
        os.umask(mask)
