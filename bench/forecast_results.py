"""Reproduces the time-series tables of bench/RESULTS.md.

Every row is one run of `examples/forecast.py` (one process, several seeds),
i.e. of `keras_attention.recipes.forecasting.train` with the options of
`recipes.configs.ForecastConfig` (the library defaults unless a flag is
given), so the commands in RESULTS.md, the example and `keras-attention
train forecast` are the same code path. Runs
are cached in `bench/out/forecast/<table>/<name>/metrics.json` (ignored by
git; delete a folder or pass --force to re-run it); the aggregated numbers
are written to `bench/results/forecast_<table>.json` and printed as
markdown tables.

Tables:

- `defaults`: every data set and protocol with the **library defaults**
  (no model or training flag: only the data set's protocol, i.e. split,
  window, target, horizon and the horizon strategy), next to the baselines
  run the same way and the target of issue 17;
- `ablation`: SML2010 nowcast, the defaults with one component changed:
  attention (none / temporal / input / both) and RevIN (off, or without the
  std), with the linear part
  and for the network alone (`--no-highway`); every run also records its
  linear part alone (the untrained model);
- `nasdaq`, `sml2010`: the seed's tables from before the linear part and
  RevIN, with that model pinned by flags (the old library defaults).

    python bench/forecast_results.py defaults            # ~2 h on 2 shared cores
    python bench/forecast_results.py ablation            # ~1 h
    python bench/forecast_results.py defaults --tables   # print from the cache only

Run it under `nice` on a shared machine, with TensorFlow on one thread
(`TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1`): it trains 20–40
small models.
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

# The data sets' protocols: the only per-data-set arguments.
SML = ["--data", "sml2010", "--window", "10", "--split", "3200,400,537"]
NASDAQ = ["--data", "nasdaq", "--window", "10", "--split", "0.7,0.3"]
SYNTHETIC = ["--data", "synthetic", "--window", "10", "--split", "0.7,0.3"]

# name -> (extra arguments of examples/forecast.py, target of issue 17)
DEFAULT_RUNS = {
    "sml2010-nowcast": (SML + ["--protocol", "nowcast"], ("max", 1.50e-2)),
    "sml2010-forecast": (SML + ["--protocol", "forecast"], ("max", 1.75e-2)),
    "sml2010-forecast-h6-direct": (
        SML + ["--protocol", "forecast", "--horizon", "6", "--horizon-strategy", "direct"],
        ("below_best_baseline", 0.10),
    ),
    "sml2010-forecast-h6-recursive": (
        SML + ["--protocol", "forecast", "--horizon", "6", "--horizon-strategy", "recursive"],
        ("below_best_baseline", 0.10),
    ),
    "nasdaq-nowcast": (NASDAQ + ["--protocol", "nowcast"], ("max", 0.50)),
    "nasdaq-forecast": (NASDAQ + ["--protocol", "forecast"], ("below", "naive")),
    "synthetic-nowcast": (SYNTHETIC + ["--protocol", "nowcast"], ("below", "linear")),
    "synthetic-forecast": (SYNTHETIC + ["--protocol", "forecast"], ("below", "linear")),
}

# SML2010 nowcast; each row changes one component of the library defaults
# (temporal Bahdanau attention, no input attention, RevIN, the linear part),
# first with the linear part, then for the network alone (no linear part).
ABLATION_BASE = SML + ["--protocol", "nowcast"]
ATTENTION_VARIANTS = {
    "attention-none": ["--attention", "none"],
    "attention-temporal": ["--attention", "bahdanau"],
    "attention-input": ["--attention", "none", "--input-attention"],
    "attention-both": ["--attention", "bahdanau", "--input-attention"],
    "revin-off": ["--revin", "none"],
    "revin-no-std": ["--no-revin-std"],  # added 2026-12-03 (bench/RESULTS.md)
}
ABLATION_RUNS = {
    **{name: (ABLATION_BASE + flags, None) for name, flags in ATTENTION_VARIANTS.items()},
    **{
        f"network-{name}": (ABLATION_BASE + ["--no-highway"] + flags, None)
        for name, flags in ATTENTION_VARIANTS.items()
    },
}
# Runs that are another table's run (same command): read from its cache.
SAME_AS = {("ablation", "attention-temporal"): ("defaults", "sml2010-nowcast")}

# The seed's tables as they were measured before the linear part, RevIN and
# the new training defaults: the old model and recipe pinned by flags.
OLD_MODEL = ["--revin", "none", "--no-highway", "--dropout", "0", "--horizon-strategy", "recursive"]
NASDAQ_COMMON = NASDAQ + [
    "--decoder", "lstm", "--attention", "bahdanau", "--units", "64", "--epochs", "40",
    "--batch-size", "64", "--learning-rate", "1e-3", "--validation-fraction", "0",
    "--patience", "0", *OLD_MODEL,
]
NASDAQ_RUNS = {
    f"{protocol}-{encoder}{'-residual' if residual else ''}": (
        NASDAQ_COMMON
        + ["--protocol", protocol, "--encoder", encoder]
        + (["--residual"] if residual else ["--no-residual"]),
        None,
    )
    for protocol in ("nowcast", "forecast")
    for encoder, residual in (("lstm", False), ("bilstm", False), ("gru", False), ("gru", True))
}
SML_COMMON = SML + [
    "--units", "64", "--epochs", "150", "--batch-size", "64", "--learning-rate", "1e-3",
    "--decoder", "lstm", "--attention", "bahdanau", "--patience", "0", *OLD_MODEL,
]
DARNN = ["--encoder", "lstm", "--input-attention"]
SML_RUNS = {
    "nowcast-darnn": (SML_COMMON + ["--protocol", "nowcast", *DARNN, "--no-residual"], None),
    "nowcast-darnn-residual": (
        SML_COMMON + ["--protocol", "nowcast", *DARNN, "--residual"], None
    ),
    "nowcast-gru-residual": (
        SML_COMMON
        + ["--protocol", "nowcast", "--encoder", "gru", "--residual"],
        None,
    ),
    "nowcast-lstm-residual": (
        SML_COMMON
        + ["--protocol", "nowcast", "--encoder", "lstm", "--residual"],
        None,
    ),
    "forecast-darnn-residual": (
        SML_COMMON + ["--protocol", "forecast", *DARNN, "--residual"], None
    ),
    "forecast-gru-residual": (
        SML_COMMON
        + ["--protocol", "forecast", "--encoder", "gru", "--residual"],
        None,
    ),
}
TABLES = {
    "defaults": DEFAULT_RUNS,
    "ablation": ABLATION_RUNS,
    "nasdaq": NASDAQ_RUNS,
    "sml2010": SML_RUNS,
}


def run(table, name, extra, seeds, force):
    if (table, name) in SAME_AS:
        table, name = SAME_AS[(table, name)]
        extra = TABLES[table][name][0]
    out = ROOT / "bench" / "out" / "forecast" / table / name
    metrics = out / "metrics.json"
    if metrics.exists() and not force:
        return json.loads(metrics.read_text())
    cmd = [sys.executable, str(EXAMPLE), *extra, "--seeds", seeds, "--output-dir", str(out)]
    print("$", " ".join(cmd[1:]), flush=True)
    start = time.time()
    # This checkout's package (a script's sys.path starts at examples/, where
    # an installed keras_attention would be found first).
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr[-3000:]}")
    print(f"  done in {time.time() - start:.0f} s", flush=True)
    return json.loads(metrics.read_text())


def fmt(m, key, digits=4):
    return f"{m[key]['mean']:.{digits}g} ± {m[key]['std']:.2g}"


def model_label(record):
    """The model as configured (the saved config: defaults included)."""
    c = record.get("model_config") or {}
    a = record["args"]
    if not c:  # a run from before the config was recorded
        c = {k: a.get(k) for k in ("encoder", "decoder", "attention", "input_attention", "residual", "highway")}
    parts = []
    encoder = str(c.get("encoder")).upper().replace("BI", "Bi")
    if c.get("input_attention"):
        parts.append(f"{encoder} + input attention → {str(c.get('decoder')).upper()}")
    else:
        parts.append(f"{encoder} → {str(c.get('decoder')).upper()}")
    parts.append(f"temporal {c.get('attention')}")
    if c.get("revin"):
        parts.append(f"RevIN {c['revin']}{'' if c.get('revin_std', True) else ' (no std)'}"
                     f"{' + levels' if c.get('revin_levels') else ''}")
    if c.get("highway"):
        parts.append("linear part" if a.get("fit_linear", True) else "highway")
    if c.get("residual"):
        parts.append("residual")
    if record.get("args", {}).get("horizon", 1) > 1:
        parts.append(f"{c.get('strategy', 'recursive')}")
    return ", ".join(parts)


def data_label(record):
    a = record["args"]
    label = f"{a['data']} {record['protocol']}"
    if a.get("horizon", 1) > 1:
        label += f", H={a['horizon']} {(record.get('model_config') or {}).get('strategy', '')}"
    return label


def check_target(target, summary):
    """'yes'/'no' and the bar, for the issue's target of a row."""
    if target is None:
        return ""
    kind, value = target
    rmse = summary["model"]["rmse"]["mean"]
    if kind == "max":
        bar = value
    elif kind == "below":
        bar = summary[value]["rmse"]["mean"]
        return f"{'yes' if rmse < bar else 'no'} (< {value} {bar:.4g})"
    else:  # below_best_baseline by a fraction
        best = min(summary[k]["rmse"]["mean"] for k in ("naive", "linear"))
        bar = (1 - value) * best
        return f"{'yes' if rmse <= bar else 'no'} (≤ {bar:.4g}: {value:.0%} below {best:.4g})"
    return f"{'yes' if rmse <= bar else 'no'} (≤ {bar:.4g})"


def record_summary(r, extra, target):
    """One row of the results JSON: a cached run's record (its metrics.json),
    the example's arguments it was run with, and its issue-17 target."""
    return {
        "command": "python examples/forecast.py " + " ".join(extra)
        + f" --seeds {r['args']['seeds']}",
        "protocol": r["protocol"],
        "description": r["description"],
        "model_config": r.get("model_config"),
        "test_windows": r["test_windows"],
        "summary": r["summary"],
        "target": check_target(target, r["summary"]) or None,
        "epochs": [run["epochs"] for run in r["runs"]],
        "best_epochs": [run.get("best_epoch") for run in r["runs"]],
        "val_loss": [
            {"initial": run.get("val_loss_initial"), "kept": run.get("val_loss_kept")}
            for run in r["runs"]
        ],
        "linear_fit": [run.get("linear_fit") for run in r["runs"]][:1],
        "seconds": [round(run["seconds"]) for run in r["runs"]],
    }


def markdown(records, runs):
    lines = [
        "| run | data, protocol | model | RMSE | MAE | linear part alone | linear AR (OLS) "
        "| naive | true model (the floor) | vs best baseline | target met? | epochs kept |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, record in records.items():
        s = record["summary"]
        linear_part = s.get("linear_part")
        kept = [r.get("best_epoch") for r in record["runs"]]
        best = min(s["naive"]["rmse"]["mean"], s["linear"]["rmse"]["mean"])
        cells = [
            name,
            data_label(record),
            model_label(record),
            fmt(s["model"], "rmse"),
            fmt(s["model"], "mae"),
            f"{linear_part['rmse']['mean']:.4g}" if linear_part else "–",
            f"{s['linear']['rmse']['mean']:.4g}",
            f"{s['naive']['rmse']['mean']:.4g}",
            # The embedded series only: its generating process without noise.
            f"{s['true_model']['rmse']['mean']:.5g}" if "true_model" in s else "–",
            f"{s['model']['rmse']['mean'] / best - 1:+.1%}",
            check_target(runs[name][1], s),
            ", ".join(str(k) for k in kept),
        ]
        lines.append("| " + " | ".join(cells) + " |")
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
    unknown = [n for n in names if n not in runs]
    if unknown:
        raise SystemExit(f"unknown run(s) {unknown}; {args.table} has {', '.join(runs)}")
    records = {}
    def cached(name):
        table, cached_name = SAME_AS.get((args.table, name), (args.table, name))
        return ROOT / "bench" / "out" / "forecast" / table / cached_name / "metrics.json"

    for name in names:
        metrics = cached(name)
        if args.tables:
            if metrics.exists():
                records[name] = json.loads(metrics.read_text())
            continue
        records[name] = run(args.table, name, runs[name][0], args.seeds, args.force)
    # The JSON and the table always hold every cached row, not only --only's.
    for name in runs:
        metrics = cached(name)
        if name not in records and metrics.exists():
            records[name] = json.loads(metrics.read_text())
    records = {name: records[name] for name in runs if name in records}
    if not records:
        raise SystemExit("no cached runs")
    summary = {name: record_summary(r, *runs[name]) for name, r in records.items()}
    out = ROOT / "bench" / "results" / f"forecast_{args.table}.json"
    # Rows of the committed JSON whose runs are not cached here (another
    # machine ran them) stay as they are: running one row never drops others.
    previous = json.loads(out.read_text()) if out.exists() else {}
    kept = [name for name in runs if name not in summary and name in previous]
    summary = {name: summary.get(name) or previous[name] for name in runs
               if name in summary or name in kept}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2))
    os.replace(tmp, out)
    print(markdown(records, runs))
    print("\nCommands (each with --seeds 0,1,2 --output-dir bench/out/forecast/<table>/<run>):")
    for name in records:
        print(f"- {name}: python examples/forecast.py {' '.join(runs[name][0])}")
    if kept:
        print(f"\nKept from the previous {out.name} (not cached here): {', '.join(kept)}")
    print(f"\n(wrote {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
