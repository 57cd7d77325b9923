"""Decoding throughput: greedy and beam search, batch 1 and batch 64.

Our `Seq2SeqTranslator` built to the peers' model A spec (bahdanau, see
`bench/train_throughput.py`), random weights, sources from the peers' seeded
batches (lengths 12..24). Each configuration decodes exactly `--max-length`
steps: the end id is set out of the vocabulary so no row stops early, which
makes the work identical across frameworks with different random weights.

The decode function is `model.generate` traced once with `tf.function`
(what `translate()` and the exports run); the timing excludes tracing.
Prints one JSON line per configuration:

    {"impl": "keras-attention", "sampler": "greedy", "batch": 1,
     "sentences_per_s": ..., "median_ms": ..., ...}

Usage:
    .venv/bin/python bench/decode_throughput.py [--repeats 20] [--threads 2]
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=24)
    parser.add_argument("--beam-width", type=int, default=4)
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--samplers", default="greedy,beam")
    parser.add_argument(
        "--jit-compile", action="store_true",
        help="trace the decode function with XLA (tf.function(jit_compile=True))",
    )
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    from train_throughput_spec import build_spec_model

    import keras_attention
    from keras_attention.models import BeamSampler, GreedySampler, Seq2SeqTranslator

    keras.utils.set_random_seed(1234)
    model = build_spec_model(Seq2SeqTranslator, "bahdanau")
    rng = np.random.default_rng(1234)
    vocab, max_len = 8000, args.max_length
    for batch in [int(b) for b in args.batches.split(",")]:
        lengths = rng.integers(12, 25, size=batch)
        src = rng.integers(2, vocab, size=(batch, 24)).astype("int32")
        src[np.arange(24)[None, :] >= lengths[:, None]] = 0
        src = tf.constant(src)
        for name in args.samplers.split(","):
            sampler = (
                GreedySampler() if name == "greedy" else BeamSampler(beam_width=args.beam_width)
            )

            @tf.function(jit_compile=args.jit_compile)
            def decode(source, sampler=sampler):
                memory, mask, states = model.encode(source, training=False)
                out = sampler(
                    model.decoder, memory, mask, states,
                    start_id=1, end_id=vocab, max_length=max_len,
                )
                return out["token_ids"]

            t = time.perf_counter()
            decode(src).numpy()
            trace_s = time.perf_counter() - t
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                decode(src).numpy()
                times.append(time.perf_counter() - t)
            times.sort()
            median = times[len(times) // 2]
            print(json.dumps({
                "impl": "keras-attention",
                "model": "bahdanau",
                "sampler": name,
                "beam_width": args.beam_width if name == "beam" else None,
                "batch": batch,
                "max_length": max_len,
                "median_ms": round(1000 * median, 2),
                "min_ms": round(1000 * times[0], 2),
                "sentences_per_s": round(batch / median, 1),
                "trace_s": round(trace_s, 2),
                "threads": args.threads,
                "jit_compile": args.jit_compile,
                "framework_version": f"keras-attention {keras_attention.__version__} / tf {tf.__version__}",
            }), flush=True)


if __name__ == "__main__":
    main()
