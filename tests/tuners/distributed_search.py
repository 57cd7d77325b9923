"""One process of a distributed KerasTuner search, run by distributed_test.py.

    KERASTUNER_TUNER_ID=chief|tuner0|tuner1 KERASTUNER_ORACLE_IP=127.0.0.1 \\
    KERASTUNER_ORACLE_PORT=PORT python distributed_search.py DIRECTORY NUM_WORKERS MAX_TRIALS

The chief serves the oracle and, when every worker has stopped, writes the
trials it recorded to `DIRECTORY/chief_trials.json`. Each worker appends one
JSON line per trial it ran to `DIRECTORY/ran_<tuner id>.jsonl`. Workers wait
for each other before searching, so that both take part.
"""

import json
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import keras_tuner as kt  # noqa: E402
import numpy as np  # noqa: E402

from keras_attention.tuners import HyperTimeSeriesForecaster  # noqa: E402


class EagerForecaster(HyperTimeSeriesForecaster):
    def build(self, hp):
        model = super().build(hp)
        model.run_eagerly = True  # a few batches: tracing would dominate
        return model


class RecordingRandomSearch(kt.RandomSearch):
    def run_trial(self, trial, *args, **kwargs):
        hp = trial.hyperparameters
        record = {
            "tuner_id": self.tuner_id,
            "trial_id": trial.trial_id,
            # A trial sent over gRPC also carries stale defaults of inactive
            # hyperparameters; the model never reads them.
            "values": {k: v for k, v in hp.values.items() if hp.is_active(k)},
            "pid": os.getpid(),
        }
        with open(self.directory_path / f"ran_{self.tuner_id}.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
        return super().run_trial(trial, *args, **kwargs)


def main():
    directory = pathlib.Path(sys.argv[1])
    num_workers, max_trials = int(sys.argv[2]), int(sys.argv[3])
    tuner_id = os.environ["KERASTUNER_TUNER_ID"]
    rng = np.random.default_rng(0)
    x = {
        "drivers": rng.normal(size=(32, 5, 3)).astype("float32"),
        "past_target": rng.normal(size=(32, 4, 1)).astype("float32"),
    }
    y = rng.normal(size=(32, 1)).astype("float32")
    hp = kt.HyperParameters()
    hp.Fixed("units", 4)
    tuner = RecordingRandomSearch(
        EagerForecaster(5, 3, batch_sizes=(16, 32)),
        objective="val_loss",
        max_trials=max_trials,
        hyperparameters=hp,
        directory=str(directory),
        project_name="distributed",
        seed=0,
    )
    tuner.directory_path = directory
    if tuner_id != "chief":
        (directory / f"ready_{tuner_id}").touch()
        deadline = time.time() + 180
        while len(list(directory.glob("ready_*"))) < num_workers:
            if time.time() > deadline:
                raise SystemExit(f"{tuner_id}: the other workers never started")
            time.sleep(0.2)
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    if tuner_id == "chief":
        trials = {
            trial_id: {
                "status": trial.status,
                "score": trial.score,
                "values": trial.hyperparameters.values,
            }
            for trial_id, trial in tuner.oracle.trials.items()
        }
        (directory / "chief_trials.json").write_text(json.dumps(trials, indent=1))
    print(f"{tuner_id} done", flush=True)


if __name__ == "__main__":
    main()
