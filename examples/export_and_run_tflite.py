"""
Title: Export attention models to SavedModel and LiteRT, and run them without Keras
Author: keras-attention contributors
Date created: 2026/11/21
Last modified: 2026/11/21
Description: Export a date translator (greedy and beam search inside) and a forecaster to SavedModel and one .tflite file each, check parity, and run the .tflite files with LiteRT and numpy only.
Accelerator: None
"""

"""
## Introduction

A trained `Seq2SeqTranslator` decodes with a loop: encode the source once,
then run the decoder step until the end token (greedy) or keep the best
`k` hypotheses (beam search). `keras_attention.export` puts those loops
*inside* the exported artifacts, so a server or a phone runs one call per
sentence:

- `export_saved_model(model, dir)`: endpoints `translate_greedy`,
  `translate_beam`, `encode`, `decode_step` on token ids, and a string→string
  `translate` for servers with TensorFlow;
- `export_tflite(model, "m.tflite", quantization=None|"float16"|"dynamic_range")`:
  the id-level endpoints as signatures of one LiteRT file, builtin ops only;
- `verify_export(model, artifacts, samples)`: Keras vs SavedModel vs LiteRT,
  token by token;
- `keras_attention.runtime`: tokenise and run the `.tflite` file with
  `ai_edge_litert` and numpy only (no TensorFlow), what a device runs.

This example goes both ways for both model kinds: Keras → artifacts
(export and verify), then artifacts → predictions (SavedModel reloaded with
plain TensorFlow, `.tflite` run by the runtime helper). It uses the trained
models in `saved_models/` when they exist (`examples/translate_dates.py`),
and otherwise trains tiny ones for a minute. It runs in about two minutes on
2 CPU cores.

```
python examples/export_and_run_tflite.py
python examples/export_and_run_tflite.py --out-dir /tmp/exports
```
"""

"""
## Setup
"""

import argparse  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from keras_attention.utils.startup import quiet_tensorflow  # noqa: E402

# TensorFlow's start-up lines stay off the terminal (`--debug` shows them).
quiet_tensorflow(debug="--debug" in sys.argv)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_attention import export, runtime  # noqa: E402
from keras_attention.data import (  # noqa: E402
    Vocabulary,
    load_dates,
    make_windows,
    synthetic_series,
    to_model_arrays,
    tokenize,
)
from keras_attention.models import (  # noqa: E402
    BeamSampler,
    Seq2SeqTranslator,
    TimeSeriesForecaster,
)

REPO = pathlib.Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Export and run attention models with LiteRT.")
    p.add_argument("--translator", default=str(REPO / "saved_models" / "date_translator.keras"),
                   help="trained translator (.keras); trained here if missing")
    p.add_argument("--out-dir", default=str(REPO / "saved_models" / "export_example"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--debug", action="store_true", help="show TensorFlow's start-up logs")
    return p.parse_args(argv)


"""
## A translator to export

The date translator of `examples/translate_dates.py` if it was trained,
otherwise a small one trained here on 6,000 dates for 3 epochs (about a
minute; its dates are not all right, which does not matter for export).
"""


def get_translator(path, seed):
    if os.path.exists(path):
        print(f"Loading {path}")
        return keras.models.load_model(path)
    print(f"{path} not found: training a small date translator")
    keras.utils.set_random_seed(seed)
    src, tgt = load_dates(train_size=6000, validation_size=0, test_size=10, seed=seed)["train"]
    source_vocab = Vocabulary.build([tokenize(s, "char") for s in src])
    target_vocab = Vocabulary.build([tokenize(t, "char") for t in tgt])
    x, y = to_model_arrays(
        [source_vocab.encode(tokenize(s, "char")) for s in src],
        [target_vocab.encode(tokenize(t, "char"), add_start=True, add_end=True) for t in tgt],
        32,
        11,
    )
    model = Seq2SeqTranslator(
        embedding_dim=16, units=48, source_vocabulary=source_vocab,
        target_vocabulary=target_vocab, tokenization="char", seed=seed,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=5.0))
    model.fit(x, y, batch_size=64, epochs=3, verbose=2)
    return model


"""
## Keras → SavedModel + LiteRT, verified

`export_translator_artifacts` writes the SavedModel folder, the `.tflite`
file and the vocabulary JSON beside it, plus quantized variants, then runs
`verify_export`: every test source is decoded by Keras, by the SavedModel and
by LiteRT (greedy, beam search, and a greedy loop run here over `encode` /
`decode_step`), and any token difference raises an error.
"""


def export_translator(model, out_dir, samples):
    summary = export.export_artifacts(
        model,
        out_dir=out_dir,
        name="date_translator",
        samples=samples,
        max_length=16,
        sampler=BeamSampler(beam_width=4),
        quantizations=("float16", "dynamic_range"),
    )
    for name, size in summary["sizes_bytes"].items():
        print(f"  {name:<22} {size / 1024:8.0f} KiB  {summary['paths'][name]}")
    reports = [summary["verification"]] + list(summary["quantized"].values())
    for report in reports:
        for r in report["results"]:
            print(f"  {os.path.basename(r['artifact']):<32} {r['endpoint']:<17} "
                  f"token mismatches {r['token_mismatches']}/{r['samples']}, "
                  f"max |Δscore| {r['max_abs_score_diff']:.1e}")
    return summary


"""
## LiteRT → translations, with no TensorFlow

`keras_attention.runtime.TFLiteTranslator` reads the sidecar JSON (the
vocabularies), tokenises with the model's own preprocessor class, and calls
the file's signatures. The runtime folder imports only numpy and
`ai_edge_litert`: copied next to the `.tflite` file, it is all a device
needs. `generate_with_steps` runs its own greedy loop over
the `encode` / `decode_step` signatures, the split an app uses to run a
custom search.
"""


def run_translator(summary, texts):
    translator = runtime.TFLiteTranslator(summary["paths"]["tflite"])
    greedy = translator.translate(texts)
    beam = translator.translate(texts, method="beam")
    for text, g, b in zip(texts, greedy, beam, strict=True):
        steps = translator.generate_with_steps(translator.encode_text(text))
        own_loop = translator.decode_ids(steps["token_ids"])
        print(f"  {text!r:>28} -> greedy {g!r}, beam {b!r}, own loop {own_loop!r}")
    small = runtime.TFLiteTranslator(summary["paths"]["tflite_dynamic_range"])
    print(f"  dynamic-range file: {small.translate(texts)}")


"""
## SavedModel → translations on a TensorFlow server

The SavedModel needs neither Keras nor keras_attention: its `translate`
signature takes strings, tokenises with `tf.strings` and returns strings.
"""


def run_saved_model(summary, texts):
    import tensorflow as tf

    loaded = tf.saved_model.load(summary["paths"]["saved_model"])
    out = loaded.signatures["translate"](text=tf.constant(texts))
    print(f"  signatures: {sorted(loaded.signatures)}")
    print(f"  translate: {[t.decode() for t in out['translation'].numpy()]}")


"""
## The forecaster, both ways

A `TimeSeriesForecaster` trained for a few epochs on the embedded synthetic
series, exported with its `predict` endpoint (predictions and attention
weights), verified to 1e-4, and run with `runtime.TFLiteForecaster`.
"""


def forecaster_round_trip(out_dir, seed):
    keras.utils.set_random_seed(seed)
    series = make_windows(synthetic_series(1500), "target", window=10, protocol="nowcast")
    model = TimeSeriesForecaster(window=10, num_features=series.num_features, units=16)
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss="mse")
    model.fit(series.dataset("train", 64, shuffle=True, seed=seed), epochs=3, verbose=0)
    test = series["test"]
    saved = os.path.join(out_dir, "forecaster")
    tflite = os.path.join(out_dir, "forecaster.tflite")
    export.export_saved_model(model, saved)
    export.export_tflite(model, tflite)
    report = export.verify_export(model, [saved, tflite], test.inputs)
    for r in report["results"]:
        print(f"  {os.path.basename(r['artifact']):<20} max |Δprediction| "
              f"{r['max_abs_prediction_diff']:.1e}, max |Δattention| "
              f"{r['max_abs_attention_diff']:.1e} on {r['samples']} windows")
    forecaster = runtime.TFLiteForecaster(tflite)
    out = forecaster.predict(test.drivers[:5], test.past_target[:5])
    rmse = float(np.sqrt(np.mean((forecaster.predict(test.drivers, test.past_target)[
        "predictions"] - test.target) ** 2)))
    def fmt(values, digits):
        return "[" + ", ".join(f"{v:.{digits}f}" for v in values) + "]"

    print(f"  LiteRT forecasts {fmt(out['predictions'][:, 0], 3)} "
          f"(targets {fmt(test.target[:5, 0], 3)}); test RMSE {rmse:.3f} (scaled units)")
    print("  temporal attention of the first window: "
          f"{fmt(out['temporal_attention'][0, 0], 2)}")
    return {"saved_model": saved, "tflite": tflite}


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    os.makedirs(args.out_dir, exist_ok=True)
    model = get_translator(args.translator, args.seed)
    samples = load_dates(train_size=10, validation_size=0, test_size=60, seed=args.seed + 1)[
        "test"][0]
    print("Exporting the translator:")
    summary = export_translator(model, args.out_dir, samples)
    texts = ["Tuesday, 3 March 1998", "03/03/98", "the 21st of July, 2031"]
    print("Running the .tflite file with keras_attention.runtime:")
    run_translator(summary, texts)
    print("Running the SavedModel:")
    run_saved_model(summary, texts)
    print("Forecaster:")
    forecaster_paths = forecaster_round_trip(args.out_dir, args.seed)
    print(f"Outputs in {args.out_dir}: {sorted(os.listdir(args.out_dir))}")
    print(f"Done in {time.time() - started:.0f} s")
    return summary, forecaster_paths


if __name__ == "__main__":
    main()
