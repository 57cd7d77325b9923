"""Reproduces the time-series tables of bench/RESULTS.md.

Every row is one run of `examples/forecast.py` (one process, several seeds),
so the commands in RESULTS.md and the example are the same code path. Runs
are cached in `bench/out/forecast/<table>/<name>/metrics.json` (ignored by
git; delete a folder or pass --force to re-run it); the aggregated numbers
are written to `bench/results/forecast_<table>.json` and printed as the
markdown tables of RESULTS.md.

    python bench/forecast_results.py nasdaq            # the seed's table
    python bench/forecast_results.py sml2010           # DA-RNN's protocol
    python bench/forecast_results.py nasdaq --tables   # print from the cache only

Run it under `nice` on a shared machine: it trains 20–30 small models.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "forecast.py"
SEEDS = "0,1,2"

# name -> extra arguments of examples/forecast.py
NASDAQ_COMMON = [
    "--data", "nasdaq", "--window", "10", "--split", "0.7,0.3", "--decoder", "lstm",
    "--attention", "bahdanau", "--units", "64", "--epochs", "40", "--batch-size", "64",
    "--learning-rate", "1e-3",
]
NASDAQ_RUNS = {
    f"{protocol}-{encoder}{'-residual' if residual else ''}": NASDAQ_COMMON
    + ["--protocol", protocol, "--encoder", encoder]
    + (["--residual"] if residual else [])
    for protocol in ("nowcast", "forecast")
    for encoder, residual in (("lstm", False), ("bilstm", False), ("gru", False), ("gru", True))
}

# DA-RNN's split; the best validation epoch of 150 is kept.
SML_COMMON = [
    "--data", "sml2010", "--window", "10", "--split", "3200,400,537", "--units", "64",
    "--epochs", "150", "--batch-size", "64", "--learning-rate", "1e-3",
    "--decoder", "lstm", "--attention", "bahdanau",
]
DARNN = ["--encoder", "lstm", "--input-attention"]
SML_RUNS = {
    "nowcast-darnn": SML_COMMON + ["--protocol", "nowcast", *DARNN],
    "nowcast-darnn-residual": SML_COMMON + ["--protocol", "nowcast", *DARNN, "--residual"],
    "nowcast-gru-residual": SML_COMMON
    + ["--protocol", "nowcast", "--encoder", "gru", "--residual"],
    # nowcast-darnn-residual without input attention (same LSTM encoder): its effect alone.
    "nowcast-lstm-residual": SML_COMMON
    + ["--protocol", "nowcast", "--encoder", "lstm", "--residual"],
    "forecast-darnn-residual": SML_COMMON + ["--protocol", "forecast", *DARNN, "--residual"],
    "forecast-gru-residual": SML_COMMON
    + ["--protocol", "forecast", "--encoder", "gru", "--residual"],
}
TABLES = {"nasdaq": NASDAQ_RUNS, "sml2010": SML_RUNS}


def run(table, name, extra, seeds, force):
    out = ROOT / "bench" / "out" / "forecast" / table / name
    metrics = out / "metrics.json"
    if metrics.exists() and not force:
        return json.loads(metrics.read_text())
    cmd = [sys.executable, str(EXAMPLE), *extra, "--seeds", seeds, "--output-dir", str(out)]
    print("$", " ".join(cmd[1:]), flush=True)
    start = time.time()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr[-3000:]}")
    print(f"  done in {time.time() - start:.0f} s", flush=True)
    return json.loads(metrics.read_text())


def fmt(m, key, digits):
    return f"{m[key]['mean']:.{digits}g} ± {m[key]['std']:.2g}"


def row_label(name, record):
    a = record["args"]
    if a.get("input_attention"):
        label = f"DA-RNN ({a['encoder'].upper()} + input attention) → {a['decoder'].upper()}"
    else:
        label = f"{a['encoder'].upper().replace('BI', 'Bi')} → {a['decoder'].upper()}"
    label += f", {a['attention']}"
    if a.get("residual"):
        label += ", residual"
    if a.get("highway"):
        label += ", highway"
    return label


def markdown(records):
    lines = [
        "| protocol | model | RMSE | MAE | MAPE % | nRMSE | RMSE (scaled) |",
        "|---|---|---|---|---|---|---|",
    ]
    by_protocol = {}
    for name, record in records.items():
        by_protocol.setdefault(record["protocol"], []).append((name, record))
    for protocol, items in by_protocol.items():
        for name, record in items:
            m = record["summary"]["model"]
            lines.append(
                f"| {protocol} | {row_label(name, record)} | {fmt(m, 'rmse', 4)} | "
                f"{fmt(m, 'mae', 4)} | {fmt(m, 'mape', 3)} | {fmt(m, 'nrmse', 3)} | "
                f"{fmt(m, 'rmse_scaled', 3)} |"
            )
        # The baselines do not depend on the model or the seed.
        base = items[0][1]["summary"]
        for key, label in (("naive", "naive (repeat last value)"), ("linear", "linear AR (least squares)")):
            m = base[key]
            lines.append(
                f"| {protocol} | {label} | {m['rmse']['mean']:.4g} | {m['mae']['mean']:.4g} | "
                f"{m['mape']['mean']:.3g} | {m['nrmse']['mean']:.3g} | "
                f"{m['rmse_scaled']['mean']:.3g} |"
            )
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("table", choices=sorted(TABLES))
    p.add_argument("--seeds", default=SEEDS)
    p.add_argument("--only", default=None, help="comma-separated run names")
    p.add_argument("--force", action="store_true", help="re-run cached runs")
    p.add_argument("--tables", action="store_true", help="only print from the cache")
    args = p.parse_args()
    runs = TABLES[args.table]
    names = args.only.split(",") if args.only else list(runs)
    records = {}
    for name in names:
        metrics = ROOT / "bench" / "out" / "forecast" / args.table / name / "metrics.json"
        if args.tables:
            if metrics.exists():
                records[name] = json.loads(metrics.read_text())
            continue
        records[name] = run(args.table, name, runs[name], args.seeds, args.force)
    # The JSON and the table always hold every cached row, not only --only's.
    for name in runs:
        metrics = ROOT / "bench" / "out" / "forecast" / args.table / name / "metrics.json"
        if name not in records and metrics.exists():
            records[name] = json.loads(metrics.read_text())
    records = {name: records[name] for name in runs if name in records}
    if not records:
        raise SystemExit("no cached runs")
    summary = {
        name: {
            "command": "python examples/forecast.py " + " ".join(runs[name])
            + f" --seeds {r['args']['seeds']}",
            "protocol": r["protocol"],
            "description": r["description"],
            "test_windows": r["test_windows"],
            "summary": r["summary"],
            "epochs": [run["epochs"] for run in r["runs"]],
            "seconds": [round(run["seconds"]) for run in r["runs"]],
        }
        for name, r in records.items()
    }
    out = ROOT / "bench" / "results" / f"forecast_{args.table}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2))
    os.replace(tmp, out)
    print(markdown(records))
    print(f"\n(wrote {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
