"""An interrupted export or save never leaves a half-written artifact under its name.

Every artifact is written under a hidden temporary name and renamed into
place (keras_attention.io_utils). Interrupted:

- by an exception half-way (in-process), the older complete artifact is
  untouched and the temporary files are removed;
- by SIGKILL right before the rename (a subprocess), the older artifact is
  untouched and still loads; only a hidden `.tmp-*` entry is left behind.
"""

import os
import signal
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from keras_attention import export, io_utils
from keras_attention.models import BeamSampler, Seq2SeqTranslator


def tiny():
    keras.utils.set_random_seed(5)
    model = Seq2SeqTranslator(15, 12, embedding_dim=4, units=6)
    model.build()
    return model


def snapshot(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = f.read()
    return out


def test_failed_saved_model_and_tflite_exports_keep_the_older_artifacts(tmp_path, monkeypatch):
    model = tiny()
    options = dict(max_length=6, sampler=BeamSampler(beam_width=2))
    export.export_saved_model(model, tmp_path / "m", **options)
    export.export_tflite(model, tmp_path / "m.tflite", endpoints_to_export=["encode"], **options)
    before = snapshot(tmp_path)

    original_json = io_utils.atomic_write_json

    def fail_after_the_variables(path, obj, indent=2):
        # The SavedModel's variables are on disk (in the temporary folder)
        # when its metadata is written: fail right there.
        assert os.path.exists(os.path.join(os.path.dirname(os.path.dirname(path)), "variables"))
        raise OSError("disk full")

    monkeypatch.setattr(io_utils, "atomic_write_json", fail_after_the_variables)
    with pytest.raises(OSError, match="disk full"):
        export.export_saved_model(model, tmp_path / "m", **options)
    monkeypatch.setattr(io_utils, "atomic_write_json", original_json)

    def fsync_fails(fd):
        raise OSError("I/O error")

    # The flatbuffer is half-written to its temporary file when fsync fails.
    monkeypatch.setattr(io_utils.os, "fsync", fsync_fails)
    with pytest.raises(OSError, match="I/O error"):
        export.export_tflite(model, tmp_path / "m.tflite", endpoints_to_export=["encode"], **options)
    monkeypatch.undo()

    assert snapshot(tmp_path) == before  # older artifacts intact
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]  # no temporary left


def test_a_failed_model_save_keeps_the_older_file(tmp_path, monkeypatch):
    model = tiny()
    path = tmp_path / "model.keras"
    io_utils.save_model(model, path)
    before = path.read_bytes()

    def save_half(self, filepath, *args, **kwargs):
        with open(filepath, "wb") as f:
            f.write(before[: len(before) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save", save_half)
    with pytest.raises(KeyboardInterrupt):
        io_utils.save_model(model, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.keras"]


KILLED_EXPORT = """
import os, signal, keras
import numpy as np
from keras_attention import export
from keras_attention.models import BeamSampler, Seq2SeqTranslator

keras.utils.set_random_seed(5)
model = Seq2SeqTranslator(15, 12, embedding_dim=4, units=6)
model.build()
export.export_saved_model(model, {path!r}, max_length=6, sampler=BeamSampler(beam_width=2))  # the older one
np.save({path!r} + ".expected.npy", keras.ops.convert_to_numpy(
    model.generate(np.array([[5, 6, 7]], "int32"), max_length=6)["token_ids"]))
from keras_attention.export import saved_model
original = saved_model.write_out

def write_out_then_die(archive, model, folder):
    original(archive, model, folder)  # everything written, not renamed yet
    os.kill(os.getpid(), signal.SIGKILL)

saved_model.write_out = write_out_then_die
keras.utils.set_random_seed(6)
other = Seq2SeqTranslator(15, 12, embedding_dim=4, units=6)
other.build()
export.export_saved_model(other, {path!r}, max_length=6, sampler=BeamSampler(beam_width=2))
"""


@pytest.mark.slow
def test_a_killed_export_leaves_the_older_saved_model_loadable(tmp_path):
    import tensorflow as tf

    path = str(tmp_path / "m")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLED_EXPORT.format(path=path))],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    leftovers = [n for n in os.listdir(tmp_path) if n not in ("m", "m.expected.npy")]
    assert leftovers and all(n.startswith(".tmp-") for n in leftovers)
    # The older export is complete and serves the first model's tokens.
    loaded = tf.saved_model.load(path)
    source = tf.constant([[5, 6, 7]], tf.int32)
    ids = loaded.signatures["translate_greedy"](source_ids=source)["token_ids"].numpy()
    np.testing.assert_array_equal(ids, np.load(path + ".expected.npy"))
