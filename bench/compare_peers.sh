#!/usr/bin/env bash
# Side-by-side training throughput: ours vs every peer, interleaved.
#
#   bench/compare_peers.sh [OUT.jsonl]      (default: bench/out/compare_peers.jsonl)
#
# For each round (ROUNDS, default 3) and each model (MODELS, default
# "bahdanau luong"): ours, then each peer of that model, then the next round.
# Every script prints one JSON line (the peers' format); at the end
# bench/compare_peers.py prints, per model and peer, the ratio
# ours/peer of target tokens/s in each round and the median ratio.
# The machine is noisy: only these side-by-side ratios count.
#
# Interpreters: OURS_PY (default .venv/bin/python), PEER_TORCH_PY,
# PEER_TFA_PY, PEER_TF_PY (default: the venvs in /work/peers/ if present,
# else python3). Knobs: ROUNDS, STEPS (20), WARMUP (3), THREADS (2),
# MODELS, PEERS_DIR (default ../shared/bench/peers), KERAS_STEP (1: also
# run ours with `--variant keras-step`, Keras' own train_step, reported as
# the "peer" keras-attention/keras-step: the gain of our default step),
# JAX (1: also run ours on the JAX backend, `--backend jax --jit-compile`,
# with OURS_JAX_PY, default .venv-jax/bin/python, reported as the "peer"
# keras-attention/jax: the ratio is TensorFlow / JAX), TORCH (0; 1: ours on
# PyTorch with OURS_TORCH_PY, default .venv-torch/bin/python; TORCH_JIT=1
# adds `--jit-compile`, i.e. torch.compile).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="${1:-$ROOT/bench/out/compare_peers.jsonl}"
ROUNDS="${ROUNDS:-3}"
STEPS="${STEPS:-20}"
WARMUP="${WARMUP:-3}"
THREADS="${THREADS:-2}"
MODELS="${MODELS:-bahdanau luong}"
KERAS_STEP="${KERAS_STEP:-1}"
JAX="${JAX:-1}"
TORCH="${TORCH:-0}"
TORCH_JIT="${TORCH_JIT:-0}"
PEERS_DIR="${PEERS_DIR:-$ROOT/../shared/bench/peers}"
pick() { if [ -x "$1" ]; then echo "$1"; else echo python3; fi; }
OURS_PY="${OURS_PY:-$ROOT/.venv/bin/python}"
OURS_JAX_PY="${OURS_JAX_PY:-$ROOT/.venv-jax/bin/python}"
OURS_TORCH_PY="${OURS_TORCH_PY:-$ROOT/.venv-torch/bin/python}"
TORCH_PY="${PEER_TORCH_PY:-$(pick /work/peers/.peer-torch/bin/python)}"
TFA_PY="${PEER_TFA_PY:-$(pick /work/peers/.peer-tfa/bin/python)}"
TF_PY="${PEER_TF_PY:-$(pick /work/peers/.peer-tf/bin/python)}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}" PEERS_DIR

mkdir -p "$(dirname "$OUT")"
: > "$OUT"
failed=0
ARGS=(--steps "$STEPS" --warmup "$WARMUP" --threads "$THREADS")

# run_one ROUND LABEL PYTHON SCRIPT MODEL [EXTRA ARGS...]
run_one() {
    local round="$1" label="$2" py="$3" script="$4" model="$5" line
    shift 5
    echo "[compare] round $round: $label $model" >&2
    if line="$("$py" "$script" --model "$model" "${ARGS[@]}" "$@" | tail -n 1)" \
        && [ "${line:0:1}" = "{" ]; then
        echo "{\"round\": $round, ${line:1}" >> "$OUT"
        echo "$line" >&2
    else
        echo "[compare] FAILED: $label $model" >&2
        failed=$((failed + 1))
    fi
}

echo "[compare] $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq 1 "$ROUNDS"); do
    for model in $MODELS; do
        run_one "$round" ours "$OURS_PY" "$HERE/train_throughput.py" "$model"
        if [ "$KERAS_STEP" = 1 ]; then
            run_one "$round" ours-keras-step "$OURS_PY" "$HERE/train_throughput.py" "$model" \
                --variant keras-step
        fi
        if [ "$JAX" = 1 ]; then
            run_one "$round" ours-jax "$OURS_JAX_PY" "$HERE/train_throughput.py" "$model" \
                --backend jax --jit-compile
        fi
        if [ "$TORCH" = 1 ]; then
            run_one "$round" ours-torch "$OURS_TORCH_PY" "$HERE/train_throughput.py" "$model" \
                --backend torch $([ "$TORCH_JIT" = 1 ] && echo --jit-compile)
        fi
        run_one "$round" pytorch "$TORCH_PY" "$PEERS_DIR/peer_torch.py" "$model"
        if [ "$model" = bahdanau ]; then
            run_one "$round" tfa "$TFA_PY" "$PEERS_DIR/peer_tfa.py" "$model"
        else
            run_one "$round" keras3 "$TF_PY" "$PEERS_DIR/peer_keras3.py" "$model"
        fi
    done
done
"$OURS_PY" "$HERE/compare_peers.py" "$OUT"
exit $((failed > 0))
