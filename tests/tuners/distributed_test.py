"""KerasTuner's chief/worker mode: one chief and two workers on 127.0.0.1."""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import pytest

SCRIPT = pathlib.Path(__file__).with_name("distributed_search.py")
TIMEOUT_S = 300


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(tuner_id, directory, port, num_workers, max_trials):
    env = dict(
        os.environ,
        KERASTUNER_TUNER_ID=tuner_id,
        KERASTUNER_ORACLE_IP="127.0.0.1",
        KERASTUNER_ORACLE_PORT=str(port),
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONUNBUFFERED="1",
    )
    log = open(directory / f"{tuner_id}.log", "w")
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), str(directory), str(num_workers), str(max_trials)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, killed as a whole
    )
    log.close()
    return process


def stop(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def logs(directory):
    return "\n".join(
        f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(directory.glob("*.log"))
    )


@pytest.mark.slow
def test_chief_and_two_workers_share_trials_without_duplicates(tmp_path):
    max_trials, workers = 4, ["tuner0", "tuner1"]
    port = free_port()
    processes = {}
    try:
        processes["chief"] = start("chief", tmp_path, port, len(workers), max_trials)
        for tuner_id in workers:
            processes[tuner_id] = start(tuner_id, tmp_path, port, len(workers), max_trials)
        deadline = time.time() + TIMEOUT_S
        while any(p.poll() is None for p in processes.values()):
            failed = {k: p.returncode for k, p in processes.items() if p.returncode}
            if failed:
                pytest.fail(f"processes failed: {failed}\n{logs(tmp_path)}")
            if time.time() > deadline:
                pytest.fail(f"distributed search did not finish in {TIMEOUT_S} s\n{logs(tmp_path)}")
            time.sleep(0.5)
        codes = {k: p.returncode for k, p in processes.items()}
        assert all(c == 0 for c in codes.values()), f"{codes}\n{logs(tmp_path)}"
    finally:
        for process in processes.values():
            stop(process)

    chief = json.loads((tmp_path / "chief_trials.json").read_text())
    ran = [
        json.loads(line)
        for tuner_id in workers
        for line in (tmp_path / f"ran_{tuner_id}.jsonl").read_text().splitlines()
    ]
    # Every trial the chief handed out ran exactly once, on one worker.
    ran_ids = [r["trial_id"] for r in ran]
    assert sorted(ran_ids) == sorted(chief) and len(set(ran_ids)) == len(ran_ids)
    assert len(chief) == max_trials
    assert all(t["status"] == "COMPLETED" for t in chief.values())
    # Both workers took part, and no hyperparameter set was tried twice.
    assert {r["tuner_id"] for r in ran} == set(workers)
    assert len({json.dumps(t["values"], sort_keys=True) for t in chief.values()}) == max_trials
    # The chief recorded what the workers ran (batch_size is registered in fit()).
    # (batch_size joins the space with the first finished trial: later trials
    # arrive with it drawn, the first ones register it in fit()).
    for r in ran:
        recorded = chief[r["trial_id"]]["values"]
        assert recorded["batch_size"] in (16, 32)
        assert recorded == {"batch_size": recorded["batch_size"], **r["values"]}
