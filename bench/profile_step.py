"""Where a training step's time goes: TensorFlow profiler, self time by op.

Builds our translator to a peers' spec model (`bench/train_throughput.py`),
runs warm-up steps, profiles `--steps` training steps with
`tf.profiler.experimental`, and prints one JSON line: self time per
operation type (ms per step and share) and the `--top` most expensive ops
by name. Proportions are what to read: the absolute times include the
profiler's overhead and whatever else the machine is doing.

Usage:
    .venv/bin/python bench/profile_step.py --model bahdanau|luong [--steps 3] [--top 15]
"""

import argparse
import glob
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.environ.get("PEERS_DIR", os.path.join(HERE, "..", "..", "shared", "bench", "peers"))


def op_stats(xplane):
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin as plugin

    data, _ = plugin.xspace_to_tools_data([xplane], "framework_op_stats", {})
    table = json.loads(data)
    table = table[0] if isinstance(table, list) else table
    cols = [c["label"] if isinstance(c, dict) else c for c in table["cols"]]
    rows = [[c.get("v") if c else None for c in r["c"]] for r in table["rows"]]
    host = cols.index("Host/device")
    return [
        {
            "type": r[cols.index("Operation Type")],
            "name": r[cols.index("Operation Name")],
            "occurrences": int(r[cols.index("#Occurrences")]),
            "self_us": float(r[cols.index("Total self-time (us)")]),
        }
        for r in rows
        if r[host] == "Host" and r[cols.index("Operation Type")] != "IDLE"
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["bahdanau", "luong"], required=True)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    sys.path.insert(0, os.path.abspath(PEERS))
    sys.path.insert(0, os.path.join(HERE, ".."))
    import common as C
    from train_throughput_spec import build_spec_model

    from keras_attention.models import Seq2SeqTranslator

    keras.utils.set_random_seed(0)
    model = build_spec_model(Seq2SeqTranslator, args.model)
    model.compile(
        optimizer=keras.optimizers.Adam(C.LR),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
    )
    batches = [
        (
            {"source_ids": tf.constant(b["src"]), "target_ids": tf.constant(b["dec_in"])},
            tf.constant(b["tgt"]),
        )
        for b in C.make_batches(C.POOL, C.SEED)
    ]
    for i in range(args.warmup):
        model.train_on_batch(*batches[i % len(batches)])
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        for i in range(args.steps):
            model.train_on_batch(*batches[i % len(batches)])
        tf.profiler.experimental.stop()
        stats = op_stats(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)[-1])

    total = sum(s["self_us"] for s in stats)
    by_type = {}
    for s in stats:
        by_type[s["type"]] = by_type.get(s["type"], 0.0) + s["self_us"]
    per_step = lambda us: round(us / 1e3 / args.steps, 1)  # noqa: E731
    print(
        json.dumps(
            {
                "model": args.model,
                "steps": args.steps,
                "busy_ms_per_step": per_step(total),
                "by_type": [
                    {"type": t, "ms_per_step": per_step(us), "share": round(us / total, 3)}
                    for t, us in sorted(by_type.items(), key=lambda kv: -kv[1])[:12]
                ],
                "top_ops": [
                    {
                        "name": s["name"][-90:],
                        "type": s["type"],
                        "ms_per_step": per_step(s["self_us"]),
                        "share": round(s["self_us"] / total, 3),
                    }
                    for s in sorted(stats, key=lambda s: -s["self_us"])[: args.top]
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
