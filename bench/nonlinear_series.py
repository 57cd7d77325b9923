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
- `no-revin-std`: `--no-revin-std` (RevIN subtracts the last value only).

The question: does RevIN, which removes the drivers' levels from the
network's inputs, keep the network from learning an interaction of levels
(the default forecaster then keeps its linear part, `best_epoch` 0)?

Runs are cached in `bench/out/nonlinear/<protocol>-<variant>/metrics.json`
(ignored by git; --force re-runs them; a cached run of another `--c` is
re-run); the series is `bench/out/nonlinear/interaction_c<c>.csv` and the
aggregated numbers `bench/results/nonlinear_series.json` (also printed,
after a markdown table).

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \\
        nice -n 10 .venv/bin/python bench/nonlinear_series.py   # ~9 min on 2 shared cores

TensorFlow is put on one thread in the subprocesses unless those variables
are set otherwise.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from keras_attention.data.timeseries.loaders import SYNTHETIC_TARGET, synthetic_series

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "forecast.py"
OUT = ROOT / "bench" / "out" / "nonlinear"
SEEDS = "0,1,2"
NUM_STEPS = 3000  # examples/forecast.py's --num-steps default for the embedded series
# The synthetic data set's protocol (bench/forecast_results.py's SYNTHETIC).
PROTOCOL_ARGS = ["--target", SYNTHETIC_TARGET, "--window", "10", "--split", "0.7,0.3"]
VARIANTS = {
    "defaults": [],
    "revin-none": ["--revin", "none"],
    "no-revin-std": ["--no-revin-std"],
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


def run(protocol, variant, data, force):
    """One run of examples/forecast.py (cached); returns `(record, wall seconds or None)`."""
    out = OUT / f"{protocol}-{variant}"
    metrics = out / "metrics.json"
    if metrics.exists() and not force:
        record = json.loads(metrics.read_text())
        if pathlib.Path(record["args"]["data"]).resolve() == data.resolve():
            return record, None
        print(f"  {out.name}: cached run is of {record['args']['data']}, re-running", flush=True)
    cmd = [
        sys.executable, str(EXAMPLE), "--data", str(data), *PROTOCOL_ARGS,
        "--protocol", protocol, *VARIANTS[variant],
        "--seeds", SEEDS, "--no-plots", "--output-dir", str(out),
    ]
    print("$", " ".join(cmd[1:]), flush=True)
    start = time.time()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    env.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    env.setdefault("TF_NUM_INTEROP_THREADS", "1")
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{protocol}-{variant} failed:\n{result.stderr[-3000:]}")
    wall = time.time() - start
    print(f"  done in {wall:.0f} s", flush=True)
    return json.loads(metrics.read_text()), wall


def mean_std(values):
    return {"mean": float(np.mean(values)), "std": float(np.std(values))}


def row(protocol, variant, record, wall):
    """The summary of one run: test RMSE (original scale) of each predictor."""
    s, runs = record["summary"], record["runs"]
    model = [r["results"]["model"]["rmse"] for r in runs]
    alone = [r["results"]["linear_part"]["rmse"] for r in runs if "linear_part" in r["results"]]
    linear = s["linear"]["rmse"]["mean"]
    return {
        "command": "python examples/forecast.py --data "
        + os.path.relpath(record["args"]["data"], ROOT) + " " + " ".join(PROTOCOL_ARGS)
        + f" --protocol {protocol} " + " ".join(VARIANTS[variant] + ["--seeds", SEEDS, "--no-plots"]),
        "protocol": protocol,
        "variant": variant,
        "revin": (record.get("model_config") or {}).get("revin"),
        "revin_std": (record.get("model_config") or {}).get("revin_std"),
        "test_windows": record["test_windows"],
        "model_rmse": mean_std(model),
        "model_rmse_per_seed": model,
        "linear_part_rmse": mean_std(alone) if len(alone) == len(runs) else None,
        "linear_part_rmse_per_seed": alone or None,
        "linear_baseline_rmse": linear,
        "naive_rmse": s["naive"]["rmse"]["mean"],
        "model_vs_linear_baseline": float(np.mean(model)) / linear - 1,
        "best_epochs": [r.get("best_epoch") for r in runs],
        "epochs": [r["epochs"] for r in runs],
        "val_loss": [{"initial": r.get("val_loss_initial"), "kept": r.get("val_loss_kept")}
                     for r in runs],
        "summary": s,
        "seconds_per_seed": [round(r["seconds"]) for r in runs],
        "seconds": round(record.get("seconds", 0)),
        "wall_s_this_invocation": None if wall is None else round(wall),
    }


def markdown(rows):
    lines = [
        "| protocol | variant | model RMSE (mean ± std) | per seed | linear part alone "
        "| linear AR (OLS) | naive | model vs OLS | kept epoch per seed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lp = r["linear_part_rmse"]
        lines.append("| " + " | ".join([
            r["protocol"],
            r["variant"],
            f"{r['model_rmse']['mean']:.4f} ± {r['model_rmse']['std']:.4f}",
            ", ".join(f"{v:.4f}" for v in r["model_rmse_per_seed"]),
            f"{lp['mean']:.4f}" if lp else "–",
            f"{r['linear_baseline_rmse']:.4f}",
            f"{r['naive_rmse']:.4f}",
            f"{r['model_vs_linear_baseline']:+.1%}",
            ", ".join(str(e) for e in r["best_epochs"]),
        ]) + " |")
    return "\n".join(lines)


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

    started = time.time()
    data, frame = write_series(args.c)
    print(f"wrote {data.relative_to(ROOT)} ({len(frame)} rows, c={args.c}; "
          f"target std {frame[SYNTHETIC_TARGET].std():.4g})", flush=True)
    rows = []
    for protocol in protocols:
        for variant in variants:
            record, wall = run(protocol, variant, data, args.force)
            rows.append(row(protocol, variant, record, wall))
    summary = {
        "series": {"c": args.c, "num_steps": NUM_STEPS, "seed": 0,
                   "csv": str(data.relative_to(ROOT)),
                   "equation": "target[t] = 50 + 0.5 (target[t-1]-50) + 2.0 x1[t-3] "
                               "- 1.5 x2[t-6] + c x1[t-3] x2[t-6] + 0.3 eps_t"},
        "seeds": SEEDS,
        "note": "RMSE on the original scale (test part); best_epochs 0: the untrained "
                "model (the linear part) was kept",
        "rows": {f"{r['protocol']}-{r['variant']}": r for r in rows},
        "wall_s_total": round(time.time() - started),
    }
    out = ROOT / "bench" / "results" / "nonlinear_series.json"
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2))
    os.replace(tmp, out)
    print(markdown(rows))
    print(json.dumps(summary, indent=2))
    print(f"\n(wrote {out.relative_to(ROOT)}; {summary['wall_s_total']} s)")


if __name__ == "__main__":
    main()
