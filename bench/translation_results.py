"""Reproduces the translation numbers of bench/RESULTS.md.

Each model is trained by the example scripts in a fresh process; their JSON
results go to `bench/out/` (not committed), and this script turns them into
the Markdown tables of RESULTS.md and the BLEU-vs-length plot.

    # Date task: exact match of bahdanau, luong (dot, general, concat), none,
    # and the monotonic models (bahdanau-monotonic, luong-monotonic, mocha)
    python bench/translation_results.py dates [--seeds 0,1,2] [--models mocha,...]

    # spa-eng: BLEU of bahdanau, luong-general, none (4 epochs each, ~30 CPU-min)
    python bench/translation_results.py spa-eng --data ../shared/data/spa-eng/spa.txt.xz

    # Tables and plot again from the saved JSON files (--plot PATH before the
    # task writes the plot elsewhere than docs/images/)
    python bench/translation_results.py report
    python bench/translation_results.py --plot /tmp/bleu.png report

Run them one at a time. The spa-eng models are compared after the same
number of epochs (the same data seen); wall and CPU training times are
reported next to the scores.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
PLOT = REPO / "docs" / "images" / "spa_eng_bleu_by_length.png"

DATE_MODELS = {
    "bahdanau": [],
    "luong-dot": ["--attention", "luong", "--score-mode", "dot"],
    "luong-general": ["--attention", "luong", "--score-mode", "general"],
    "luong-concat": ["--attention", "luong", "--score-mode", "concat"],
    "none": ["--attention", "none"],
    "bahdanau-monotonic": ["--attention", "bahdanau_monotonic"],
    "luong-monotonic": ["--attention", "luong_monotonic"],
    "mocha": ["--attention", "mocha"],
}
PAIR_MODELS = {
    "bahdanau": [],
    "luong-general": ["--attention", "luong", "--score-mode", "general"],
    "none": ["--attention", "none"],
    "bahdanau-monotonic": ["--attention", "bahdanau_monotonic"],
    "luong-monotonic": ["--attention", "luong_monotonic"],
    "mocha": ["--attention", "mocha"],
}


def run(cmd):
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=REPO)


def dates(args):
    for seed in [int(s) for s in args.seeds.split(",")]:
        for name, flags in DATE_MODELS.items():
            if args.models and name not in args.models.split(","):
                continue
            stem = f"dates_{name}_seed{seed}"
            run([sys.executable, "examples/translate_dates.py", *flags, "--seed", str(seed),
                 "--verbose", "2", "--no-export", "--output-dir", str(OUT / "models"),
                 "--name", stem])
            shutil.copy(OUT / "models" / f"{stem}_metrics.json", OUT / f"{stem}.json")
    report(args)


def spa_eng(args):
    for name, flags in PAIR_MODELS.items():
        if args.models and name not in args.models.split(","):
            continue
        stem = f"spa_eng_{name}"
        budget = [] if args.time_budget_minutes is None else [
            "--time-budget-minutes", str(args.time_budget_minutes)]
        run([sys.executable, "examples/translate_pairs.py", "--data", args.data, *flags,
             "--epochs", str(args.epochs), *budget, "--verbose", "2",
             "--output-dir", str(OUT / "models"), "--name", stem])
        shutil.copy(OUT / "models" / f"{stem}_metrics.json", OUT / f"{stem}.json")
    report(args)


def _load(pattern):
    return {p.stem: json.loads(p.read_text()) for p in sorted(OUT.glob(pattern))}


def report(args=None):
    date_runs = _load("dates_*.json")
    if date_runs:
        print("\n| model | test exact match | seeds | train time (s) | parameters |")
        print("|---|---:|---|---:|---:|")
        for name in DATE_MODELS:
            runs = [r for k, r in date_runs.items() if k.startswith(f"dates_{name}_seed")]
            if not runs:
                continue
            scores = [r["test_exact_match"] for r in runs]
            seeds = ",".join(str(r["seed"]) for r in runs)
            shown = " / ".join(f"{s:.2%}" for s in scores)
            seconds = " / ".join(f"{r['train_seconds']:.0f}" for r in runs)
            print(f"| {name} | {shown} | {seeds} | {seconds} | {runs[0]['parameters']:,} |")
    pair_runs = {k.removeprefix("spa_eng_"): v for k, v in _load("spa_eng_*.json").items()}
    if pair_runs:
        print("\n| model | BLEU (normalised refs) | cased BLEU (raw refs) | epochs (steps) "
              "| train wall / CPU time (min) | parameters |")
        print("|---|---:|---:|---|---:|---:|")
        for name, r in pair_runs.items():
            cpu = r.get("train_cpu_seconds")
            cpu = "?" if cpu is None else f"{cpu / 60:.1f}"
            cased = r.get("cased_bleu")
            cased = "?" if cased is None else f"{cased:.2f}"
            print(f"| {name} | {r['bleu']:.2f} | {cased} | {r['epochs_completed']} "
                  f"({r['train_steps']}) | {r['train_seconds'] / 60:.1f} / {cpu} "
                  f"| {r['parameters']:,} |")
        buckets = [row["bucket"] for row in next(iter(pair_runs.values()))["bleu_by_length"]]
        counts = [row["count"] for row in next(iter(pair_runs.values()))["bleu_by_length"]]
        print("\n| model | " + " | ".join(f"{b} words (n={n})" for b, n in zip(buckets, counts, strict=True)) + " |")
        print("|---|" + "---:|" * len(buckets))
        for name, r in pair_runs.items():
            cells = ["–" if row["bleu"] is None else f"{row['bleu']:.2f}" for row in r["bleu_by_length"]]
            print(f"| {name} | " + " | ".join(cells) + " |")
        sys.path.insert(0, str(REPO))
        from keras_attention.evaluation import plot_bleu_by_length

        plot = pathlib.Path(getattr(args, "plot", None) or PLOT).resolve()
        plot_bleu_by_length(
            {name: r["bleu_by_length"] for name, r in pair_runs.items()},
            plot,
            title="spa→eng test BLEU by source length",
        )
        print(f"\nPlot: {os.path.relpath(plot, REPO)}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--plot", default=str(PLOT),
                   help="where the BLEU-by-length plot goes (default: the docs' image, "
                   "which docs/translation.md shows)")
    sub = p.add_subparsers(dest="task", required=True)
    d = sub.add_parser("dates")
    d.add_argument("--seeds", default="0")
    d.add_argument("--models", default=None, help="comma-separated subset")
    s = sub.add_parser("spa-eng")
    s.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "spa-eng" / "spa.txt.xz"))
    s.add_argument("--epochs", type=int, default=4)
    s.add_argument("--time-budget-minutes", type=float, default=None,
                   help="optional wall-clock cap per model (default: none, fixed epochs)")
    s.add_argument("--models", default=None, help="comma-separated subset")
    sub.add_parser("report")
    args = p.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    {"dates": dates, "spa-eng": spa_eng, "report": report}[args.task](args)


if __name__ == "__main__":
    main()
