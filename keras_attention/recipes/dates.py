"""The date translator of the README: "3 mar. 1998" → "1998-03-03".

A character-level `Seq2SeqTranslator` trained on the embedded, generated
date set (`keras_attention.data.load_dates`), step by step:

    data = load_dates(config)                 # splits, vocabularies, arrays
    model = build_dates_model(config, data)   # compiled translator
    fit_dates(model, data, config)            # model.fit, resumable
    metrics = evaluate_dates(model, data)     # exact match on unseen dates
    save_translator(model, config)            # .keras + attention PNG
    export_dates(model, data, config)         # SavedModel + .tflite, verified

`train_dates(config)` runs them all (what `make run`,
`examples/translate_dates.py` and `keras-attention train translate` do).
"""

import os
import time

import keras

import keras_attention.io_utils as io_utils
import keras_attention.training as training
from keras_attention.data import Vocabulary, to_model_arrays, tokenize
from keras_attention.data import load_dates as generate_dates
from keras_attention.evaluation import exact_match
from keras_attention.recipes.common import (
    Result,
    begin_training,
    build_translator,
    export_record,
    fit_arrays,
    get_log,
    output_path,
    run_record,
    save_attention_image,
    written,
)
from keras_attention.recipes.configs import DatesConfig
from keras_attention.utils.startup import quiet_native_logs

SOURCE_LENGTH = 32  # longest generated date: 28 characters
TARGET_LENGTH = 11  # "[START]" + 10 characters (labels: 10 characters + "[END]")
#: Dates translated at the end of a run, drawn in TensorBoard, and run with LiteRT.
DEMO_DATES = ("Tuesday, 3 March 1998", "03/03/98", "the 21st of July, 2031")


def date_splits(config):
    """The `(sources, targets)` of the train, validation and test splits."""
    return generate_dates(
        train_size=config.train_size,
        validation_size=config.validation_size,
        test_size=config.test_size,
        seed=config.seed,
    )


def load_dates(config):
    """The data: splits, character vocabularies and teacher-forcing arrays.

    Returns:
        A dict: `splits`, `source_vocabulary`, `target_vocabulary`, `train`
        (`(x, y)` arrays) and `validation` (or None).
    """
    splits = date_splits(config)
    chars = {name: ([tokenize(s, "char") for s in src], [tokenize(t, "char") for t in tgt])
             for name, (src, tgt) in splits.items()}
    source_vocab = Vocabulary.build(chars["train"][0])
    target_vocab = Vocabulary.build(chars["train"][1])

    def arrays(name):
        src, tgt = chars[name]
        return to_model_arrays(
            [source_vocab.encode(s) for s in src],
            [target_vocab.encode(t, add_start=True, add_end=True) for t in tgt],
            SOURCE_LENGTH,
            TARGET_LENGTH,
        )

    return {
        "splits": splits,
        "source_vocabulary": source_vocab,
        "target_vocabulary": target_vocab,
        "train": arrays("train"),
        "validation": arrays("validation") if config.validation_size else None,
    }


def build_dates_model(config, data):
    """A compiled character-level translator (Adam with cosine decay)."""
    steps = config.epochs * -(-config.train_size // config.batch_size)
    return build_translator(config, data, "char", lambda: keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=max(steps, 1), alpha=0.05),
        clipnorm=5.0,
    ))


def fit_dates(model, data, config):
    """`training.fit` on `ShuffledArrays` (resumable; multi-worker capable).

    Returns:
        The Keras `History`.
    """
    return fit_arrays(model, data, config, list(DEMO_DATES))


def evaluate_dates(model, data):
    """Exact match on the test dates (a date counts only if entirely right)."""
    sources, targets = data["splits"]["test"]
    start = time.time()
    predictions = model.translate(sources, batch_size=256) if len(sources) else []
    seconds = time.time() - start
    errors = [(s, p, t) for s, p, t in zip(sources, predictions, targets, strict=True) if p != t]
    return {
        "test_exact_match": exact_match(predictions, targets) if len(targets) else None,
        "test_examples": len(targets),
        "test_errors": len(errors),
        "translate_seconds": seconds,
        "error_examples": errors[:10],
    }


def save_translator(model, config, example, log=print):
    """Saves `<output_dir>/<name>.keras` and the attention PNG of `example`.

    Returns:
        The paths written.
    """
    log = get_log(log)
    path = io_utils.save_model(model, output_path(config.output_dir, config.name))
    log(f"Saved {path}")
    png = save_attention_image(
        model, example, output_path(config.output_dir, config.name, "_attention.png"))
    log(f"Saved {png}" if png else "No attention image: the model has attention='none'")
    return written([path, png])


def export_dates(model, data, config, log=print):
    """SavedModel + `.tflite` next to the model, verified on 100 test dates,
    then three dates translated with the `.tflite` file (LiteRT, no Keras).

    Returns:
        The export summary (`paths`, `sizes_bytes`, `verification`, ...).
    """
    from keras_attention.export import export_artifacts
    from keras_attention.runtime import TFLiteTranslator

    log = get_log(log)
    with quiet_native_logs():
        summary = export_artifacts(
            model, config.output_dir, config.name,
            samples=list(data["splits"]["test"][0][:100]), max_length=2 * TARGET_LENGTH,
        )
        translator = TFLiteTranslator(summary["paths"]["tflite"])
    checks = summary["verification"]["results"]
    log(
        f"Exported {summary['paths']['saved_model']} and {summary['paths']['tflite']} "
        f"(+ {os.path.basename(summary['paths']['metadata'])}): "
        f"{sum(r['token_mismatches'] for r in checks)} token mismatches vs Keras on "
        f"{summary['verification']['samples']} test dates "
        f"({', '.join(sorted({r['endpoint'] for r in checks}))})"
    )
    for text in DEMO_DATES:
        log(f"  LiteRT: {text!r} -> {translator.translate(text)!r}")
    return summary


def report_dates(model, metrics, log=print):
    """Prints the exact match, a few errors and the demo dates' translations."""
    log = get_log(log)
    if metrics["test_examples"]:
        right = metrics["test_examples"] - metrics["test_errors"]
        log(f"Test exact match: {metrics['test_exact_match']:.2%} "
            f"({right}/{metrics['test_examples']} dates)")
    for source, prediction, target in metrics["error_examples"][:5]:
        log(f"  wrong: {source!r} -> {prediction!r} (expected {target!r})")
    for text in DEMO_DATES:
        log(f"  {text!r} -> {model.translate(text)!r}")


def dates_record(config, model, metrics, train_seconds, train_cpu_seconds):
    """The JSON-able results of a run (saved as `<name>_metrics.json`)."""
    return {
        "score_mode": config.score_mode,
        **config.attention_arguments(),
        **run_record(config, model, train_seconds, train_cpu_seconds),
        "replicas": training.get_strategy(config.strategy).num_replicas_in_sync,
        **{k: v for k, v in metrics.items() if k != "error_examples"},
    }


def write_metrics(config, results):
    """Writes `<output_dir>/<name>_metrics.json`; returns its path."""
    return io_utils.atomic_write_json(
        output_path(config.output_dir, config.name, "_metrics.json"), results)


def train_dates(config=None, log=print):
    """Trains, evaluates, saves and exports the date translator.

    Args:
        config: a `DatesConfig` (default: the README's main job).
        log: where progress lines go (`print`; None: nowhere). Keras'
            own progress follows `config.verbose`.

    Returns:
        A `Result`: the metrics (also in `<name>_metrics.json`), the paths
        written and the model.
    """
    config = config or DatesConfig()
    def note():  # asks for the strategy after seeding (begin_training)
        replicas = training.get_strategy(config.strategy).num_replicas_in_sync
        return f" on {replicas} replicas (gradients all-reduced)" if replicas > 1 else ""

    # Training time here counts the data and the model too (seconds).
    log, watch, data, model = begin_training(
        config, log, load_dates, build_dates_model, "dates", note)
    fit_dates(model, data, config)
    train_seconds, train_cpu = watch.seconds()
    metrics = evaluate_dates(model, data)
    report_dates(model, metrics, log)
    results = dates_record(config, model, metrics, train_seconds, train_cpu)
    saved, exported = [], []
    if training.is_chief():  # one writer under multi-worker
        saved = save_translator(model, config, DEMO_DATES[0], log)
        if not config.no_export:
            summary = export_dates(model, data, config, log)
            results["export"] = export_record(summary)
            exported = written([summary["paths"][k] for k in ("saved_model", "tflite", "vocab")])
    results["total_seconds"] = round(watch.seconds()[0], 1)
    log(f"Done in {results['total_seconds']:.0f} s")
    if config.logdir:
        log(f"TensorBoard: tensorboard --logdir {config.logdir}  "
            "(then open http://localhost:6006)")
    if training.is_chief():
        saved.append(write_metrics(config, results))
    return Result(results, saved + exported, model)
