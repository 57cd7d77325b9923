"""Analytic FLOPs of one training step of the benchmark models, and the ceiling.

Prints one JSON line with:

- the analytic matmul FLOPs of one training step of each spec model
  (`../shared/bench/peers/README.md`: batch 64, lengths 24, vocab 8000,
  embedding 256, units 512, GRU), forward + backward taken as 3x forward,
  counted (a) on every position, as the peers compute them, and (b) with the
  vocabulary projection only on non-padding target tokens (what our
  translator computes);
- this machine's measured float32 matmul rate with 2 threads: numpy
  (OpenBLAS) and `keras.ops.matmul` (TensorFlow), best of 5, n = 512..2048;
- if `--throughput FILE.jsonl` is given (lines printed by
  `bench/train_throughput.py` or the peers), the achieved FLOP/s of each line
  as a fraction of the TensorFlow and numpy matmul rates.

Usage:
    .venv/bin/python bench/flops.py [--threads 2] [--throughput results.jsonl]
"""

import argparse
import json
import os
import time

B, S, T, E, U, V = 64, 24, 24, 256, 512, 8000
PAD_FRACTION = 0.25  # lengths ~ U{12..24}: 25% of target positions are padding


def gemm(m, k, n):
    return 2.0 * m * k * n


def forward_flops(model, projected_fraction=1.0):
    """Matmul FLOPs of one forward pass, by component."""
    parts = {
        # GRU: input (E -> 3U) and recurrent (U -> 3U) products at every step
        "encoder_gru": gemm(B * S, E + U, 3 * U),
        "vocab_projection": gemm(B * T, U, V) * projected_fraction,
    }
    if model == "bahdanau":
        parts["decoder_grucell"] = gemm(B * T, E + U + U, 3 * U)  # [emb; ctx], s
        parts["attention_keys"] = gemm(B * S, U, U)  # W_k h, once per batch
        parts["attention_query"] = gemm(B * T, U, U)  # W_q s at every step
        parts["attention_scores"] = gemm(B * T * S, U, 1)  # vᵀ tanh(.)
        parts["attention_context"] = gemm(B * T, S, U)
    elif model == "luong":
        parts["decoder_gru"] = gemm(B * T, E + U, 3 * U)
        parts["attention_scores"] = gemm(B * T, U, S)
        parts["attention_context"] = gemm(B * T, S, U)
        parts["combine"] = gemm(B * T, 2 * U, U)
    else:
        raise ValueError(model)
    return parts


def training_flops(model, projected_fraction=1.0):
    return 3.0 * sum(forward_flops(model, projected_fraction).values())


def best_rate(matmul, n, repeats=5):
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        matmul()
        best = min(best, time.perf_counter() - t)
    return gemm(n, n, n) / best


def measure_rates(threads):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    rates = {"numpy": {}, "keras_ops_tf": {}}
    for n in (512, 1024, 2048):
        a = np.random.default_rng(0).standard_normal((n, n)).astype("float32")
        rates["numpy"][n] = best_rate(lambda a=a: a @ a, n)
        ta = tf.constant(a)
        mm = tf.function(lambda x: keras.ops.matmul(x, x))
        mm(ta).numpy()
        rates["keras_ops_tf"][n] = best_rate(lambda ta=ta, mm=mm: mm(ta).numpy(), n)
    return {k: max(v.values()) for k, v in rates.items()}, rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--throughput", help="JSONL of throughput lines to rate")
    args = parser.parse_args()
    out = {"spec": dict(batch=B, src_len=S, tgt_len=T, embed=E, units=U, vocab=V)}
    for model in ("bahdanau", "luong"):
        out[model] = {
            "train_gflop_all_positions": round(training_flops(model) / 1e9, 2),
            "train_gflop_projection_on_nonpad": round(
                training_flops(model, 1 - PAD_FRACTION) / 1e9, 2
            ),
            "forward_gflop_by_part": {
                k: round(v / 1e9, 3) for k, v in forward_flops(model).items()
            },
        }
    best, per_size = measure_rates(args.threads)
    out["matmul_gflops"] = {k: round(v / 1e9, 1) for k, v in best.items()}
    out["matmul_gflops_by_n"] = {
        k: {n: round(r / 1e9, 1) for n, r in v.items()} for k, v in per_size.items()
    }
    if args.throughput:
        rated = []
        with open(args.throughput) as f:
            for line in f:
                if not line.strip().startswith("{"):
                    continue
                rec = json.loads(line)
                if "median_step_ms" not in rec:
                    continue
                step_s = rec["median_step_ms"] / 1000.0
                # Achieved rate counts the FLOPs the peers' model needs (all
                # positions): the same work for every implementation.
                flops = training_flops(rec["model"])
                achieved = flops / step_s
                rated.append(
                    {
                        "impl": rec["impl"],
                        "model": rec["model"],
                        "median_step_ms": rec["median_step_ms"],
                        "achieved_gflops": round(achieved / 1e9, 1),
                        "fraction_of_tf_matmul": round(achieved / best["keras_ops_tf"], 3),
                        "fraction_of_numpy_matmul": round(achieved / best["numpy"], 3),
                    }
                )
        out["utilisation"] = rated
    print(json.dumps(out))


if __name__ == "__main__":
    main()
