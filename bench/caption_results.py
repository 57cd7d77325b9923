"""The captioner's RESULTS table: soft, hard and no attention on digit canvases.

Each run is `keras-attention train caption ...` (niced, TensorFlow on one
thread unless --threads says otherwise), writing `<name>_metrics.json` in
--out; a run whose metrics file exists is not repeated (--rerun repeats it).
Then, for runs that were exported, the parity of the `.tflite` file with
Keras on every test canvas (greedy search: token mismatches) and the
latency of one caption in LiteRT and in the SavedModel (median of --repeats
single-image calls, after a warm-up). Prints a markdown table with the
commands.

    python bench/caption_results.py                         # soft (seed 0), hard, none
    python bench/caption_results.py --runs soft --seeds 0,1,2
    python bench/caption_results.py --epochs 3 --train-size 10000   # a shorter budget
    python bench/caption_results.py --table-only            # what exists in --out
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)  # this checkout's keras_attention, not an installed one


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", default="soft,hard,none", help="attention kinds (comma list)")
    p.add_argument("--seeds", default="0", help="seeds of the soft runs (comma list)")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--train-size", type=int, default=20000)
    p.add_argument("--hard-epochs", type=int, default=None, help="default: --epochs")
    p.add_argument("--none-epochs", type=int, default=None, help="default: --epochs")
    p.add_argument("--extra", default="", help="more `train caption` options, quoted")
    p.add_argument("--out", default=os.path.join(REPO, "bench", "out", "caption"))
    p.add_argument("--threads", type=int, default=1, help="TensorFlow threads per run")
    p.add_argument("--nice", type=int, default=10)
    p.add_argument("--repeats", type=int, default=50, help="single-caption latency calls")
    p.add_argument("--rerun", action="store_true")
    p.add_argument("--table-only", action="store_true")
    p.add_argument("--no-parity", action="store_true", help="skip parity and latency")
    return p.parse_args(argv)


def run_specs(args):
    specs = []
    for kind in args.runs.split(","):
        kind = kind.strip()
        epochs = {"hard": args.hard_epochs, "none": args.none_epochs}.get(kind) or args.epochs
        seeds = [int(s) for s in args.seeds.split(",")] if kind == "soft" else [0]
        for seed in seeds:
            name = f"{kind}_e{epochs}_n{args.train_size // 1000}k_s{seed}"
            options = ["--attention", kind, "--epochs", str(epochs), "--train-size",
                       str(args.train_size), "--seed", str(seed), "--output-dir", args.out,
                       "--name", name, "--verbose", "2", *shlex.split(args.extra)]
            specs.append({"kind": kind, "seed": seed, "epochs": epochs, "name": name,
                          "options": options})
    return specs


def command_line(spec, args):
    env = (f"TF_NUM_INTRAOP_THREADS={args.threads} TF_NUM_INTEROP_THREADS={args.threads} "
           if args.threads else "")
    return (f"{env}nice -n {args.nice} keras-attention train caption "
            + " ".join(shlex.quote(o) for o in spec["options"]))


def train(spec, args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO)
    if args.threads:
        env.update(TF_NUM_INTRAOP_THREADS=str(args.threads),
                   TF_NUM_INTEROP_THREADS=str(args.threads))
    log = os.path.join(args.out, spec["name"] + ".log")
    os.makedirs(args.out, exist_ok=True)
    print(f"$ {command_line(spec, args)}  > {log}", flush=True)
    with open(log, "w") as f:
        # `nice -n` adds to this process's niceness: run the training at --nice.
        increment = max(0, args.nice - os.nice(0))
        subprocess.run(["nice", "-n", str(increment), sys.executable, "-m", "keras_attention",
                        "train", "caption", *spec["options"]], stdout=f,
                       stderr=subprocess.STDOUT, env=env, check=True)


def parity_and_latency(path_base, args):
    """Token mismatches of the .tflite file vs Keras on every test canvas,
    and the median latency of one greedy caption (LiteRT, SavedModel)."""
    import tensorflow as tf

    from keras_attention.models import load_model
    from keras_attention.recipes import captioning
    from keras_attention.runtime import TFLiteCaptioner

    model = load_model(path_base + ".keras")
    captioner = TFLiteCaptioner(path_base + ".tflite")
    meta = json.load(open(path_base + "_metrics.json"))
    data = captioning.evaluation_canvases(model, meta["data_seed"], meta["test"]["n"], 0)
    images = data["splits"]["test"]["images"]
    max_length = captioner.max_length
    keras_ids = [d["token_ids"].tolist() for d in model.caption(
        images, max_length=max_length, batch_size=250, return_details=True)]
    lite_ids = []
    for image in images:
        out = captioner.generate(image)
        lite_ids.append(out["token_ids"][: int(out["lengths"])].tolist())
    mismatches = sum(a != b for a, b in zip(keras_ids, lite_ids, strict=True))

    saved = tf.saved_model.load(path_base).signatures["caption_greedy"]
    one = images[:1]

    def median_ms(fn):
        for _ in range(3):
            fn()
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return round(1000 * float(np.median(times)), 2)

    return {
        "tflite_token_mismatches": int(mismatches),
        "parity_canvases": len(images),
        "latency_ms_litert": median_ms(lambda: captioner.generate(one[0])),
        "latency_ms_saved_model": median_ms(lambda: saved(images=tf.constant(one))),
    }


def pct(value):
    return "–" if value is None else f"{100 * value:.1f}%"


def table(rows):
    lines = [
        "| attention | seed | epochs | exact match (2,000) | per digit | localisation | "
        "1 / 2 / 3 / 4 / 5 digits | 6 digits | train wall / CPU s | load | "
        ".tflite mismatches | 1 caption LiteRT / SavedModel ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        m, t = r["metrics"], r["metrics"]["test"]
        six = m.get("six_digits", {})
        lengths = " / ".join(pct(t["exact_by_length"].get(k, t["exact_by_length"].get(
            str(k)))) for k in range(1, 6))
        parity = r.get("parity") or {}
        lines.append(
            f"| {r['kind']} | {r['seed']} | {r['epochs']} | {pct(t['exact_match'])} | "
            f"{pct(t['digit_accuracy'])} | {pct(t.get('localisation'))} | {lengths} | "
            f"{pct(six.get('exact_match'))} | {m['train_seconds']:.0f} / "
            f"{m['train_cpu_seconds']:.0f} | {m['load_average'][0]:.1f} | "
            f"{parity.get('tflite_token_mismatches', '–')}"
            f"{'/' + str(parity['parity_canvases']) if parity else ''} | "
            f"{parity.get('latency_ms_litert', '–')} / "
            f"{parity.get('latency_ms_saved_model', '–')} |")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    rows = []
    for spec in run_specs(args):
        base = os.path.join(args.out, spec["name"])
        if not args.table_only and (args.rerun or not os.path.exists(base + "_metrics.json")):
            train(spec, args)
        if not os.path.exists(base + "_metrics.json"):
            print(f"(no results for {spec['name']})")
            continue
        metrics = json.load(open(base + "_metrics.json"))
        row = {**spec, "metrics": metrics}
        parity_file = base + "_parity.json"
        if os.path.exists(parity_file):
            row["parity"] = json.load(open(parity_file))
        elif not args.no_parity and not args.table_only and os.path.exists(base + ".tflite"):
            row["parity"] = parity_and_latency(base, args)
            with open(parity_file, "w") as f:
                json.dump(row["parity"], f, indent=1)
        rows.append(row)
    print()
    print(table(rows))
    print()
    for spec in run_specs(args):
        print(f"    {command_line(spec, args)}")
    return rows


if __name__ == "__main__":
    main()
