"""A training killed mid-run resumes from `--checkpoint-dir` and ends as if never killed.

examples/translate_dates.py (the README main job) runs in subprocesses:

- run A trains 4 epochs without interruption;
- run B is the same command with another checkpoint folder, killed with
  SIGKILL as soon as it starts epoch 3;
- run C is run B's command again: it must resume at epoch 3 (the kill lost
  nothing of the 2 completed epochs, at most the epoch in progress), finish,
  delete its checkpoint folder and save exactly the weights of run A.

With `--deterministic` (seeded, deterministic ops) and `ShuffledArrays`
(the batch order depends only on the seed and the epoch), A and C compute
the same numbers, so the weights are compared for equality.
"""

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import keras_attention  # noqa: F401  (registers the classes for load_model)

REPO = pathlib.Path(__file__).resolve().parents[2]
ARGS = [
    "--train-size", "256", "--validation-size", "32", "--test-size", "4",
    "--epochs", "4", "--units", "8", "--embedding-dim", "8", "--batch-size", "32",
    "--no-export", "--deterministic", "--verbose", "2",
]


def command(output, checkpoint_dir):
    return [
        sys.executable, str(REPO / "examples" / "translate_dates.py"), *ARGS,
        "--output-dir", str(output.parent), "--name", output.stem,
        "--checkpoint-dir", str(checkpoint_dir),
    ]


def start(cmd, log):
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO))
    return subprocess.Popen(
        cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, cwd=REPO,
        start_new_session=True,
    )


def wait_for_line(proc, log, text, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in pathlib.Path(log).read_text():
            return
        if proc.poll() is not None:
            raise AssertionError(f"exited before {text!r}:\n{pathlib.Path(log).read_text()[-3000:]}")
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} within {timeout} s")


def finish(proc, log, timeout=300):
    try:
        assert proc.wait(timeout=timeout) == 0, pathlib.Path(log).read_text()[-3000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def weights(path):
    model = keras.models.load_model(path)
    return model.get_weights(), model.optimizer.iterations.numpy()


@pytest.mark.slow
@pytest.mark.example("translate_dates")
def test_killed_training_resumes_and_ends_with_the_uninterrupted_weights(tmp_path):
    a_log, b_log, c_log = (tmp_path / f"{n}.log" for n in "abc")
    ckpt = tmp_path / "ckpt"
    run_a = start(command(tmp_path / "a.keras", tmp_path / "ckpt_a"), a_log)
    run_b = start(command(tmp_path / "b.keras", ckpt), b_log)
    try:
        wait_for_line(run_b, b_log, "Epoch 3/4")
        os.killpg(run_b.pid, signal.SIGKILL)
        run_b.wait()
        # The backup of the 2 completed epochs is complete; nothing else was written.
        pointer = json.loads((ckpt / "checkpoint.json").read_text())
        assert pointer == {"epoch": 2, "folder": "epoch-2"}
        assert not (tmp_path / "b.keras").exists()

        run_c = start(command(tmp_path / "b.keras", ckpt), c_log)
        finish(run_c, c_log)
        finish(run_a, a_log)
    finally:
        for proc in (run_a, run_b):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    resumed = c_log.read_text()
    assert "Epoch 1/4" not in resumed and "Epoch 2/4" not in resumed
    assert "Epoch 3/4" in resumed and "Epoch 4/4" in resumed
    assert not ckpt.exists()  # deleted once training completed
    expected, expected_steps = weights(tmp_path / "a.keras")
    got, steps = weights(tmp_path / "b.keras")
    assert steps == expected_steps == 4 * 8
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(g, e)
