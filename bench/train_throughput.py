"""Training throughput of our Seq2SeqTranslator on the peers' benchmark spec.

Builds `keras_attention.models.Seq2SeqTranslator` to the exact spec of the
peer benchmarks (`../shared/bench/peers/README.md`): GRU encoder, batch 64,
lengths 24, vocab 8000, embedding 256, units 512;

- `--model bahdanau` (model A): GRUCell decoder, query = current state,
  input feeding of the context, additive score without biases, logits from
  the decoder state (the data flow of `tfa.seq2seq.AttentionWrapper`);
- `--model luong` (model B): GRU decoder without input feeding (the fast
  path), dot score, `tanh(W_c [c; h] + b)` with 512 units.

It uses the peers' own `common.py` (same seeded batches, masking, timing
loop, parameter check and JSON line), so the numbers compare directly.
The loss is the same masked mean cross-entropy; Adam at 1e-3.

Usage:
    .venv/bin/python bench/train_throughput.py --model bahdanau|luong \
        [--steps 20] [--warmup 3] [--threads 2] [--peers-dir DIR] [--check-learns] \
        [--variant default|keras-step]

`--backend jax|torch` runs the same model on another Keras backend
(this script's interpreter must have it, e.g. `.venv-jax/bin/python`), with
Keras' own `train_step` (the token-rows step is TensorFlow's) and
`--jit-compile` (`compile(jit_compile=True)`: `jax.jit` on JAX, the default
there; `torch.compile` on PyTorch). Reported as the impl
`keras-attention/<backend>` (with `+jit` on PyTorch).

`--variant keras-step` measures the translator with Keras' own `train_step`
(logits scattered back to `(B, T, V)`, the loss's `ignore_class` masking on
that tensor) instead of the library's default step, which projects and
scores only the gathered non-padding rows (same loss and gradients; see
`Seq2SeqTranslator.train_step`).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.environ.get(
    "PEERS_DIR", os.path.join(HERE, "..", "..", "shared", "bench", "peers")
)
VARIANT = "default"
if "--variant" in sys.argv:
    i = sys.argv.index("--variant")
    VARIANT = sys.argv[i + 1]
    del sys.argv[i : i + 2]
    if VARIANT not in ("default", "keras-step"):
        sys.exit(f"--variant must be 'default' or 'keras-step'. Received: {VARIANT!r}")
BACKEND = "tensorflow"
if "--backend" in sys.argv:
    i = sys.argv.index("--backend")
    BACKEND = sys.argv[i + 1]
    del sys.argv[i : i + 2]
    if BACKEND not in ("tensorflow", "jax", "torch"):
        sys.exit(f"--backend must be 'tensorflow', 'jax' or 'torch'. Received: {BACKEND!r}")
JIT = "--jit-compile" in sys.argv
if JIT:
    sys.argv.remove("--jit-compile")
if "--peers-dir" in sys.argv:
    i = sys.argv.index("--peers-dir")
    PEERS = sys.argv[i + 1]
    del sys.argv[i : i + 2]
sys.path.insert(0, os.path.abspath(PEERS))
import common as C  # noqa: E402  (the peers' shared spec and timing loop)

ARGS = C.parse_args("keras-attention", C.MODELS)
C.quiet_tf()
os.environ["KERAS_BACKEND"] = BACKEND

if BACKEND == "tensorflow":
    import tensorflow as tf  # noqa: E402

    tf.config.threading.set_intra_op_parallelism_threads(ARGS.threads)
    tf.config.threading.set_inter_op_parallelism_threads(ARGS.threads)
    BACKEND_VERSION = f"tf {tf.__version__}"
elif BACKEND == "torch":
    import torch  # noqa: E402

    torch.set_num_threads(ARGS.threads)
    torch.set_num_interop_threads(1)
    BACKEND_VERSION = f"torch {torch.__version__}"
else:  # XLA's CPU client uses every core: this machine has ARGS.threads (2)
    import jax  # noqa: E402

    BACKEND_VERSION = f"jax {jax.__version__}"

import keras  # noqa: E402

sys.path.insert(0, os.path.join(HERE, ".."))
from train_throughput_spec import build_spec_model  # noqa: E402

from keras_attention.models import Seq2SeqTranslator  # noqa: E402

keras.utils.set_random_seed(ARGS.seed)

def build(model_name):
    model = build_spec_model(Seq2SeqTranslator, model_name)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=C.LR),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        metrics=[],
        jit_compile=True if JIT else "auto",
    )
    if VARIANT == "keras-step":
        model._token_rows_loss = False  # Keras' own train_step on (B, T, V) logits
    return model


def main():
    model = build(ARGS.model)
    params = int(model.count_params())
    np_batches = C.data_for(ARGS)
    convert = keras.ops.convert_to_tensor
    batches = [
        (
            {"source_ids": convert(b["src"]), "target_ids": convert(b["dec_in"])},
            convert(b["tgt"]),
        )
        for b in np_batches
    ]
    extra = {
        "mode": "train_on_batch",
        "variant": VARIANT,
        "token_rows_step": bool(model._token_rows_loss),
        "backend": keras.backend.backend(),
        "decoder_fast_path": bool(model.decoder.uses_fast_path),
    }

    def step(_i, b):
        loss = model.train_on_batch(b[0], b[1])
        extra["jit_compile"] = bool(model.jit_compile)
        return float(loss[0] if isinstance(loss, (list, tuple)) else loss)

    def snapshot():
        return {
            f"{i}:{v.path}": keras.ops.convert_to_numpy(v).copy()
            for i, v in enumerate(model.trainable_variables)
        }

    import keras_attention

    if BACKEND != "tensorflow":
        impl = f"keras-attention/{BACKEND}" + ("+jit" if JIT and BACKEND == "torch" else "")
    else:
        impl = "keras-attention" if VARIANT == "default" else "keras-attention/keras-step"
    C.run(
        ARGS,
        impl,
        f"keras-attention {keras_attention.__version__} / keras {keras.__version__} / {BACKEND_VERSION}",
        params,
        step,
        batches,
        np_batches,
        extra=extra,
        snapshot_fn=snapshot,
    )


if __name__ == "__main__":
    main()
