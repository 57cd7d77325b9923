"""Export sizes, decode latency per runtime, and accuracy of quantized files.

For the date translator (`saved_models/date_translator.keras` if it exists,
else one trained here with `examples/translate_dates.py --epochs 3`) and a
`TimeSeriesForecaster` (default size, untrained: latency only), measured in
one run on one machine:

- file size of the `.tflite` per quantization (float32, float16, dynamic
  range; int8 is attempted and its failure recorded), for the whole file and
  for each endpoint exported alone, and of the SavedModel;
- median latency of one call of each endpoint on a typical input
  (`"Tuesday, 3 March 1998"`, 21 characters; one forecaster window) with
  the Keras model run eagerly, the same function under `tf.function`, the
  reloaded SavedModel signature, and LiteRT (`ai_edge_litert`, per
  quantization);
- exact match on the date test set (2,000 dates never seen in training)
  of Keras and of every `.tflite` variant, greedy and beam (width 4), and
  token mismatches against Keras;
- for a spa-eng translator (`--spa-model`, default
  `saved_models/spa_eng_bahdanau.keras` if present): corpus BLEU of Keras
  and of each `.tflite` variant on the first `--spa-test` test pairs.

Writes JSON (default `bench/out/export_latency.json`) and prints a Markdown
table. Usage:

    .venv/bin/python bench/export_latency.py [--repeats 30] [--test-size 2000]
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

VARIANTS = (None, "float16", "dynamic_range")
TYPICAL_DATE = "Tuesday, 3 March 1998"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=os.path.join(REPO, "saved_models", "date_translator.keras"))
    p.add_argument("--spa-model",
                   default=os.path.join(REPO, "saved_models", "spa_eng_bahdanau.keras"))
    p.add_argument("--spa-data", default="/work/shared/data/spa-eng/spa.txt.xz")
    p.add_argument("--spa-test", type=int, default=500)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--test-size", type=int, default=2000)
    p.add_argument("--max-length", type=int, default=16)
    p.add_argument("--beam-width", type=int, default=4)
    p.add_argument("--threads", type=int, default=None,
                   help="TF intra/inter-op threads and LiteRT threads (default: their own)")
    p.add_argument("--latency-only", action="store_true",
                   help="skip per-endpoint sizes, int8, accuracy and spa-eng")
    p.add_argument("--out-dir", default=os.path.join(REPO, "bench", "out", "export"))
    p.add_argument("--output", default=os.path.join(REPO, "bench", "out", "export_latency.json"))
    return p.parse_args(argv)


def median_ms(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def variant_name(q):
    return q or "float32"


def load_or_train_date_model(path):
    import keras

    import keras_attention  # noqa: F401  (registers the classes)

    if os.path.exists(path):
        return keras.models.load_model(path), path
    import tempfile

    from keras_attention.recipes import dates
    from keras_attention.recipes.configs import DatesConfig

    result = dates.train_dates(DatesConfig(epochs=3, verbose=0, no_export=True,
                                           output_dir=tempfile.mkdtemp()))
    return result.model, "trained here: recipes.dates.train_dates (epochs 3)"


def tflite_sizes(model, out_dir, stem, endpoint_names, quantize_kwargs):
    """Whole-file and per-endpoint sizes for every variant."""
    from keras_attention import export

    sizes = {}
    for q in VARIANTS:
        name = variant_name(q)
        path = os.path.join(out_dir, f"{stem}.{name}.tflite")
        export.export_tflite(model, path, quantization=q, **quantize_kwargs)
        sizes[name] = {"file": path, "all_endpoints": os.path.getsize(path)}
        if len(endpoint_names) > 1:
            for endpoint in endpoint_names:
                one = os.path.join(out_dir, f"{stem}.{name}.{endpoint}.tflite")
                export.export_tflite(
                    model, one, quantization=q, endpoints_to_export=[endpoint],
                    **quantize_kwargs,
                )
                sizes[name][endpoint] = os.path.getsize(one)
                os.remove(one)
                os.remove(export.sidecar_path(one, endpoints_kind(model)))
    return sizes


def endpoints_kind(model):
    from keras_attention.export import endpoints

    return endpoints.model_kind(model)


def int8_attempt(model, out_dir, stem, representative, quantize_kwargs):
    from keras_attention import export

    path = os.path.join(out_dir, f"{stem}.int8.tflite")
    try:
        export.export_tflite(model, path, quantization="int8",
                             representative_data=representative, **quantize_kwargs)
        return {"ok": True, "size": os.path.getsize(path)}
    except Exception as e:  # recorded, not raised: the bench documents it
        return {"ok": False, "error": str(e).splitlines()[0][:300]}


def latencies(model, kind, saved_model_path, tflite_paths, inputs_by_endpoint, options,
              repeats, threads=None):
    """`{endpoint: {runtime: median ms}}` for one model."""
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from keras_attention.export import endpoints

    if kind == "translator":
        functions = endpoints.translator_functions(model, options)
        specs = endpoints.translator_signatures(model, 1)
    else:
        functions = endpoints.forecaster_functions(model)
        specs = endpoints.forecaster_signatures(model, 1)
    loaded = tf.saved_model.load(saved_model_path)
    interpreters = {
        name: Interpreter(model_path=p, num_threads=threads) for name, p in tflite_paths.items()
    }
    table = {}
    for endpoint, inputs in inputs_by_endpoint.items():
        args = [inputs[spec.name] for spec in specs[endpoint]]
        tensors = [tf.constant(a) for a in args]
        fn = functions[endpoint]
        graph_fn = tf.function(fn, input_signature=specs[endpoint])
        signature = loaded.signatures[endpoint]
        row = {
            "keras_eager": median_ms(lambda fn=fn, t=tensors: fn(*t), max(5, repeats // 3)),
            "tf_function": median_ms(lambda g=graph_fn, t=tensors: g(*t), repeats),
            "saved_model": median_ms(lambda s=signature, i=inputs: s(**i), repeats),
        }
        for name, interpreter in interpreters.items():
            runner = interpreter.get_signature_runner(endpoint)
            row[f"litert_{name}"] = median_ms(lambda r=runner, i=inputs: r(**i), repeats)
        row["litert_float32_over_tf_function"] = round(
            row["litert_float32"] / row["tf_function"], 3
        )
        table[endpoint] = row
    return table


def date_accuracy(model, tflite_paths, sources, targets, options):
    """Exact match and token mismatches vs Keras, greedy and beam."""
    from keras_attention.evaluation import exact_match
    from keras_attention.runtime import TFLiteTranslator

    result = {}
    for method in ("greedy", "beam"):
        sampler = options.greedy_sampler() if method == "greedy" else options.beam_sampler()
        start = time.time()
        keras_out = model.translate(sources, sampler=sampler, max_length=options.max_length,
                                    batch_size=256)
        row = {"keras": {"exact_match": exact_match(keras_out, targets),
                         "seconds": round(time.time() - start, 1)}}
        for name, path in tflite_paths.items():
            translator = TFLiteTranslator(path)
            start = time.time()
            out = translator.translate(sources, method=method)
            row[f"litert_{name}"] = {
                "exact_match": exact_match(out, targets),
                "mismatches_vs_keras": sum(a != b for a, b in zip(out, keras_out, strict=True)),
                "seconds": round(time.time() - start, 1),
            }
        result[method] = row
    return result


def spa_bleu(args, options_kwargs):
    """BLEU of Keras and the .tflite variants for a trained spa-eng model."""
    if not os.path.exists(args.spa_model):
        return {"available": False,
                "note": f"no trained spa-eng model at {args.spa_model} when this ran"}
    import keras

    from keras_attention import export
    from keras_attention.data import detokenize, load_text_pairs, split_pairs, tokenize
    from keras_attention.data.text_pairs import count_words
    from keras_attention.evaluation import corpus_bleu
    from keras_attention.runtime import TFLiteTranslator

    model = keras.models.load_model(args.spa_model)
    pairs = [(o, e) for e, o in load_text_pairs(args.spa_data)]
    # The split of examples/translate_pairs.py with its defaults.
    pairs = [p for p in pairs if count_words(p[0]) <= 20]
    test = split_pairs(pairs, 0.02, 0.1, seed=0)["test"][: args.spa_test]
    sources = [s for s, _ in test]
    references = [detokenize(tokenize(t, "word"), "word") for _, t in test]
    result = {"available": True, "model": args.spa_model, "test_pairs": len(test),
              "parameters": model.count_params(), "sizes": {}, "bleu": {}}
    options = export.DecodingOptions(**options_kwargs)
    keras_out = model.translate(sources, max_length=options.max_length, batch_size=256)
    result["bleu"]["keras_greedy"] = corpus_bleu(keras_out, references)
    for q in VARIANTS:
        name = variant_name(q)
        path = os.path.join(args.out_dir, f"spa_eng.{name}.tflite")
        export.export_tflite(model, path, quantization=q, **options_kwargs)
        result["sizes"][name] = os.path.getsize(path)
        out = TFLiteTranslator(path).translate(sources)
        result["bleu"][f"litert_{name}_greedy"] = corpus_bleu(out, references)
        result["bleu"][f"litert_{name}_mismatches_vs_keras"] = sum(
            a != b for a, b in zip(out, keras_out, strict=True))
    return result


def markdown(results):
    lines = []
    d = results["date_translator"]
    lines.append(f"Date translator ({d['parameters']:,} parameters, {d['source']}); "
                 f"SavedModel {d['saved_model_bytes'] / 1024:.0f} KiB.\n")
    lines.append("| .tflite | whole file | " + " | ".join(d["endpoints"]) + " |")
    lines.append("|---|---:|" + "---:|" * len(d["endpoints"]))
    for name, sizes in d["tflite_sizes"].items():
        cells = [f"{sizes[e] / 1024:.0f} KiB" for e in d["endpoints"]]
        lines.append(f"| {name} | {sizes['all_endpoints'] / 1024:.0f} KiB | " + " | ".join(cells)
                     + " |")
    lines.append("")
    runtimes = ["keras_eager", "tf_function", "saved_model", "litert_float32",
                "litert_float16", "litert_dynamic_range"]
    lines.append("| endpoint (median ms / call) | " + " | ".join(runtimes)
                 + " | LiteRT fp32 / tf.function |")
    lines.append("|---|" + "---:|" * (len(runtimes) + 1))
    for model_key in ("date_translator", "forecaster"):
        for endpoint, row in results[model_key]["latency_ms"].items():
            label = endpoint if model_key == "date_translator" else f"forecaster {endpoint}"
            lines.append(f"| {label} | " + " | ".join(f"{row[r]:.2f}" for r in runtimes)
                         + f" | {row['litert_float32_over_tf_function']:.2f} |")
    lines.append("")
    acc = d["accuracy"]
    lines.append(f"| date test set ({d['test_size']} dates), exact match | greedy | beam (width "
                 f"{d['options']['beam_width']}) | greedy mismatches vs Keras | beam mismatches |")
    lines.append("|---|---:|---:|---:|---:|")
    lines.append(f"| Keras | {acc['greedy']['keras']['exact_match']:.2%} | "
                 f"{acc['beam']['keras']['exact_match']:.2%} | – | – |")
    for name in d["tflite_sizes"]:
        g, b = acc["greedy"][f"litert_{name}"], acc["beam"][f"litert_{name}"]
        lines.append(f"| LiteRT {name} | {g['exact_match']:.2%} | {b['exact_match']:.2%} | "
                     f"{g['mismatches_vs_keras']} | {b['mismatches_vs_keras']} |")
    lines.append("")
    lines.append(f"int8 (full integer): {d['int8']}")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    import numpy as np
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    import keras_attention  # noqa: F401
    from keras_attention import export
    from keras_attention.data import Vocabulary, load_dates, tokenize
    from keras_attention.export import endpoints
    from keras_attention.models import TimeSeriesForecaster

    os.makedirs(args.out_dir, exist_ok=True)
    started = time.time()
    results = {"machine": f"{os.cpu_count()} CPU cores", "repeats": args.repeats,
               "threads": args.threads, "load_average_at_start": os.getloadavg()}
    options_kwargs = {"max_length": args.max_length, "beam_width": args.beam_width}
    options = export.DecodingOptions(**options_kwargs)

    # -- date translator --------------------------------------------------
    model, source = load_or_train_date_model(args.model)
    saved = os.path.join(args.out_dir, "date_translator")
    export.export_saved_model(model, saved, **options_kwargs)
    names = list(endpoints.TRANSLATOR_ENDPOINTS)
    sizes = tflite_sizes(model, args.out_dir, "date_translator",
                         [] if args.latency_only else names, options_kwargs)
    tflite_paths = {name: s["file"] for name, s in sizes.items()}
    # The split examples/translate_dates.py uses with its defaults.
    splits = load_dates(train_size=20000, validation_size=1000, test_size=args.test_size, seed=0)
    sources, targets = splits["test"]
    vocab = Vocabulary(model.source_vocabulary)
    representative = [vocab.encode(tokenize(s, "char")) for s in sources[:32]]
    typical = np.asarray([vocab.encode(tokenize(TYPICAL_DATE, "char"))], "int32")
    enc = endpoints.translator_functions(model, options)["encode"](typical)
    enc = {k: np.asarray(v) for k, v in enc.items()}
    step_inputs = {"token_ids": np.asarray([2], "int32"), **enc}
    inputs = {
        "translate_greedy": {"source_ids": typical},
        "translate_beam": {"source_ids": typical},
        "encode": {"source_ids": typical},
        "decode_step": step_inputs,
    }
    results["date_translator"] = {
        "source": source,
        "parameters": model.count_params(),
        "options": options.get_config(),
        "endpoints": names,
        "typical_input": TYPICAL_DATE,
        "saved_model_bytes": sum(
            os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(saved) for f in fs
        ),
        "tflite_sizes": sizes,
        "latency_ms": latencies(model, "translator", saved, tflite_paths, inputs, options,
                                args.repeats, args.threads),
    }
    if not args.latency_only:
        results["date_translator"].update(
            int8=int8_attempt(model, args.out_dir, "date_translator", representative,
                              options_kwargs),
            test_size=len(sources),
            accuracy=date_accuracy(model, tflite_paths, sources, targets, options),
        )
    print(json.dumps(results["date_translator"]["latency_ms"], indent=1), flush=True)

    # -- forecaster (untrained, default size: latency and size only) ------
    import keras

    keras.utils.set_random_seed(0)
    forecaster = TimeSeriesForecaster(window=10, num_features=4)
    forecaster.build()
    fsaved = os.path.join(args.out_dir, "forecaster")
    export.export_saved_model(forecaster, fsaved)
    fsizes = tflite_sizes(forecaster, args.out_dir, "forecaster", ["predict"], {})
    rng = np.random.default_rng(0)
    window = {
        "drivers": rng.normal(size=(1, 10, 4)).astype("float32"),
        "past_target": rng.normal(size=(1, 9, 1)).astype("float32"),
    }
    results["forecaster"] = {
        "parameters": forecaster.count_params(),
        "tflite_sizes": fsizes,
        "latency_ms": latencies(forecaster, "forecaster", fsaved,
                                {n: s["file"] for n, s in fsizes.items()},
                                {"predict": window}, None, args.repeats, args.threads),
    }
    results["load_average_at_end"] = os.getloadavg()

    # -- spa-eng BLEU ------------------------------------------------------
    if not args.latency_only:
        results["spa_eng"] = spa_bleu(args, {"max_length": 40, "beam_width": args.beam_width})
    results["seconds"] = round(time.time() - started, 1)

    from keras_attention import io_utils

    io_utils.atomic_write_json(args.output, results)
    if args.latency_only:
        print(json.dumps({k: results[k]["latency_ms"]
                          for k in ("date_translator", "forecaster")}, indent=1))
        return results
    print(markdown(results))
    print(json.dumps(results["spa_eng"], indent=1))
    print(f"Wrote {args.output} in {results['seconds']:.0f} s")
    return results


if __name__ == "__main__":
    main()
