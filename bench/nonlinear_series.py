"""The forecaster on a nonlinear variant of the embedded series.

The embedded series (`keras_attention.data.synthetic_series`) is linear, so
its linear baseline is already the right model. Here the target gets an
interaction of the drivers' levels:

    target[t] = 50 + 0.5 (target[t-1] - 50) + 2.0 x1[t-3] - 1.5 x2[t-6]
                + c x1[t-3] x2[t-6] + 0.3 ε_t

(`synthetic_series(interaction=c)`: the same random draws for every c).
Every row is one run of
`examples/forecast.py` (one process, seeds 0,1,2) on that series written as a
CSV, with the synthetic data set's protocol (window 10, split 0.7,0.3), for
each protocol and each variant of the network's input normalisation:

- `defaults`: the library defaults (RevIN "last", dividing by the window's std);
- `revin-none`: `--revin none` (no reversible instance normalisation);
- `no-revin-std`: `--no-revin-std` (RevIN subtracts the last value only);
- `revin-levels`: `--revin-levels` (the defaults, and the encoder also reads
  the drivers' levels next to the RevIN window);
- `revin-levels-no-std`: `--revin-levels --no-revin-std` (the same, and the
  network's output is not scaled by the past target's window std).

The question: does RevIN, which removes the drivers' levels from the
network's inputs, keep the network from learning an interaction of levels
(the default forecaster then keeps its linear part, `best_epoch` 0)?

Runs go through `bench/forecast_results.py`'s `run` and are cached in
`bench/out/forecast/nonlinear/c<c>-<protocol>-<variant>/metrics.json`
(ignored by git; --force re-runs them); the series is
`bench/out/nonlinear/interaction_c<c>.csv`; the rows (`forecast_results`'
JSON rows, plus the per-seed RMSE, best validation loss and the training
loss at that epoch) go to `bench/results/nonlinear_series.json`, the table
is printed as `forecast_results` prints its own. Rows of the committed JSON
(same `c`) that this invocation did not run are kept (`--variants` runs a
subset; the runs' cache is not committed).

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \\
        nice -n 10 .venv/bin/python bench/nonlinear_series.py   # ~9 min on 2 shared cores

TensorFlow is put on one thread in the subprocesses unless those variables
are set otherwise.
"""

import argparse
import json
import os
import pathlib
import time

import forecast_results  # bench/ is the script's folder, first on sys.path
import numpy as np
import pandas as pd

from keras_attention.data.timeseries.loaders import SYNTHETIC_TARGET, synthetic_series

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "nonlinear"
SEEDS = forecast_results.SEEDS
NUM_STEPS = 3000  # examples/forecast.py's --num-steps default for the embedded series
# The synthetic data set's protocol (forecast_results.SYNTHETIC) on a CSV.
PROTOCOL_ARGS = ["--target", SYNTHETIC_TARGET, *forecast_results.SYNTHETIC[2:]]
VARIANTS = {
    "defaults": [],
    "revin-none": ["--revin", "none"],
    "no-revin-std": ["--no-revin-std"],
    "revin-levels": ["--revin-levels"],
    "revin-levels-no-std": ["--revin-levels", "--no-revin-std"],
}
PROTOCOLS = ("nowcast", "forecast")


def write_series(c):
    """Writes the series as a CSV (read back to check it round-trips)."""
    frame = synthetic_series(NUM_STEPS, seed=0, interaction=c)
    path = OUT / f"interaction_c{c}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    assert np.array_equal(pd.read_csv(path).values, frame.values), "CSV does not round-trip"
    return path, frame


def row(record, extra):
    """`forecast_results`' JSON row of a run, with what this question needs:
    the RMSE per seed and, per seed, the best validation loss of any epoch
    and the training loss of that epoch (the network's fit)."""
    runs = record["runs"]
    best = [int(np.argmin(r["val_loss"])) for r in runs]
    return {
        **forecast_results.record_summary(record, extra, ("below", "linear")),
        "model_rmse_per_seed": [r["results"]["model"]["rmse"] for r in runs],
        "best_val_loss_any_epoch": [r["val_loss"][i] for r, i in zip(runs, best, strict=True)],
        "train_loss_at_that_epoch": [r["loss"][i] for r, i in zip(runs, best, strict=True)],
    }


def kept_rows(path, c, new_rows):
    """The rows of the JSON at `path` (for the same `c`) not in `new_rows`."""
    if not path.exists():
        return {}
    old = json.loads(path.read_text())
    if old.get("series", {}).get("c") != c:
        return {}
    return {k: v for k, v in old["rows"].items() if k not in new_rows}


def names(text, allowed, option):
    chosen = [t for t in text.split(",") if t]
    unknown = [t for t in chosen if t not in allowed]
    if unknown or not chosen:
        raise SystemExit(f"{option}: unknown {unknown}; choose from {', '.join(allowed)}")
    return chosen


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--c", type=float, default=1.0, help="interaction coefficient (default: 1.0)")
    p.add_argument("--protocols", default=",".join(PROTOCOLS))
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--force", action="store_true", help="re-run cached runs")
    args = p.parse_args()
    protocols = names(args.protocols, PROTOCOLS, "--protocols")
    variants = names(args.variants, VARIANTS, "--variants")
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")  # inherited by the runs
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

    started = time.time()
    data, frame = write_series(args.c)
    print(f"wrote {data.relative_to(ROOT)} ({len(frame)} rows, c={args.c}; "
          f"target std {frame[SYNTHETIC_TARGET].std():.4g})", flush=True)
    runs, records = {}, {}
    for protocol in protocols:
        for variant in variants:
            name = f"c{args.c}-{protocol}-{variant}"
            extra = ["--data", str(data.relative_to(ROOT)), *PROTOCOL_ARGS,
                     "--protocol", protocol, *VARIANTS[variant], "--no-plots"]
            runs[name] = (extra, ("below", "linear"))
            records[name] = forecast_results.run("nonlinear", name, extra, SEEDS, args.force)
    summary = {
        "series": {"c": args.c, "num_steps": NUM_STEPS, "seed": 0,
                   "csv": str(data.relative_to(ROOT)),
                   "equation": "target[t] = 50 + 0.5 (target[t-1]-50) + 2.0 x1[t-3] "
                               "- 1.5 x2[t-6] + c x1[t-3] x2[t-6] + 0.3 eps_t"},
        "note": "RMSE on the original scale (test part); best_epochs 0: the untrained "
                "model (the linear part) was kept",
        "rows": {name: row(records[name], runs[name][0]) for name in records},
        # This invocation only: rows kept from the committed JSON were timed
        # by earlier ones (each row has its runs' `seconds`).
        "wall_s_last_invocation": round(time.time() - started),
    }
    out = ROOT / "bench" / "results" / "nonlinear_series.json"
    kept = kept_rows(out, args.c, summary["rows"])
    summary["rows"] = {**kept, **summary["rows"]}
    if kept:
        summary["kept_from_the_committed_json"] = sorted(kept)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2))
    os.replace(tmp, out)
    print(forecast_results.markdown(records, runs))
    print(f"\n(wrote {out.relative_to(ROOT)}; {summary['wall_s_last_invocation']} s)")


if __name__ == "__main__":
    main()
