"""The digit captioner: Show, Attend and Tell on canvases of handwritten digits.

An `ImageCaptioner` reads canvases of 1–5 real handwritten digits
(`keras_attention.data.digits`, scikit-learn's digits, no download) and
writes them as words ("three one four"), step by step:

    data = load_canvases(config)                 # splits, vocabulary, arrays
    model = build_captioner_model(config, data)  # compiled captioner
    fit_captioner(model, data, config)           # model.fit, resumable
    metrics = evaluate_captioner(model, data)    # exact match, per digit, localisation
    save_captioner(model, config, data)          # .keras, demo canvas, overlay PNG
    export_captioner(model, data, config)        # SavedModel + .tflite, verified

`train_captioner(config)` runs them all (`keras-attention train caption`,
`examples/caption_digits.py`). A trained model is used by `run` (caption
image files: `keras-attention caption IMAGE.png`), `evaluate` and
`plot_attention`; `tune_captioner` searches architectures. The family's
name is "captioner" (`recipes.families`).
"""

import os
import time

import keras
import numpy as np

import keras_attention.io_utils as io_utils
import keras_attention.training as training
from keras_attention.data import digits as digits_lib
from keras_attention.data.vocabulary import SPECIAL_TOKENS, START_ID, Vocabulary
from keras_attention.evaluation.captioning import caption_metrics
from keras_attention.recipes.common import (
    Result,
    Stopwatch,
    begin_training,
    export_record,
    fit_arrays,
    get_log,
    output_path,
    run_record,
    write_lines,
    written,
)
from keras_attention.recipes.configs import CaptionConfig, TuneCaptionerConfig, int_list
from keras_attention.recipes.options import ConfigError

#: Longest caption of the training canvases (5 digits), plus the end token.
TARGET_LENGTH = 6
#: Output tokens decoded in evaluation and export (6-digit canvases + slack).
MAX_LENGTH = 12
#: Test canvases drawn in TensorBoard and saved as the demo image.
DEMO_CANVASES = 3


def caption_vocabulary():
    """The special tokens and the ten digit words."""
    return Vocabulary(list(SPECIAL_TOKENS) + list(digits_lib.DIGIT_WORDS))


def caption_arrays(split, vocabulary, steps=TARGET_LENGTH):
    """Teacher-forcing arrays of a split: `({"images", "target_ids"}, labels)`.

    `target_ids` is `[START, w_1, …, w_n, 0…]`, the labels `[w_1, …, w_n,
    END, 0…]`, both `steps` long.
    """
    n = len(split["captions"])
    inputs = np.zeros((n, steps), "int32")
    labels = np.zeros((n, steps), "int32")
    for i, caption in enumerate(split["captions"]):
        ids = vocabulary.encode(caption.split())
        if len(ids) + 1 > steps:
            raise ValueError(
                f"A caption of {len(ids)} words does not fit in `steps`={steps}. "
                f"Received: {caption!r}"
            )
        inputs[i, : len(ids) + 1] = [START_ID] + ids
        labels[i, : len(ids) + 1] = vocabulary.encode(caption.split(), add_end=True)
    return {"images": split["images"], "target_ids": inputs}, labels


def load_canvases(config):
    """The data: canvas splits, 6-digit canvases, the vocabulary and the arrays.

    With `config.fresh_canvases`, epoch `e > 0` trains on new canvases
    (`train_epoch(e)`), drawn from the same training digit images (never a
    validation or test image) with a random stream of that epoch's own:
    the same handwriting in new positions, sizes, neighbours and noise.

    Returns:
        A dict: `splits` (`train`, `validation`, `test`, each as
        `load_digit_canvases` returns it), `long` (the 6-digit canvases),
        `vocabulary`, `train` (`(x, y)`, epoch 0's arrays), `train_epoch`
        (`epoch -> (x, y)`, or None without `fresh_canvases`) and
        `validation` (or None).
    """
    splits = digits_lib.load_digit_canvases(
        train_size=config.train_size, validation_size=config.validation_size,
        test_size=config.test_size, seed=config.data_seed,
    )
    long = digits_lib.load_long_digit_canvases(size=config.long_size, seed=config.data_seed)
    vocabulary = caption_vocabulary()
    train = caption_arrays(splits["train"], vocabulary)

    def train_epoch(epoch):
        if epoch == 0:
            return train
        canvases = digits_lib.load_epoch_canvases(config.train_size, epoch,
                                                  seed=config.data_seed)
        return caption_arrays(canvases, vocabulary)

    validation = None
    if config.validation_size:
        validation = caption_arrays(splits["validation"], vocabulary)
    return {"splits": splits, "long": long, "vocabulary": vocabulary, "train": train,
            "train_epoch": train_epoch if config.fresh_canvases else None,
            "validation": validation}


def model_arguments(config):
    """The `ImageCaptioner` arguments of a `CaptionConfig` (or a tuning config's)."""
    return dict(
        attention=config.attention, position=config.position,
        conv_filters=int_list(config, "conv_filters"),
        conv_pools=int_list(config, "conv_pools"), cell=config.cell, units=config.units,
        embedding_dim=config.embedding_dim, attention_units=config.attention_units,
        context_gate=config.context_gate,
        deep_output="maxout" if config.deep_output else None,
        doubly_stochastic_weight=config.doubly_stochastic_weight,
        reinforce_weight=config.reinforce_weight, entropy_weight=config.entropy_weight,
        dropout=config.dropout, seed=config.seed,
    )


def build_captioner_model(config, data):
    """A compiled `ImageCaptioner` (Adam with cosine decay, gradients clipped at 5)."""
    from keras_attention.models import ImageCaptioner

    steps = config.epochs * -(-config.train_size // config.batch_size)
    image_shape = data["splits"]["train"]["images"].shape[1:]
    with training.strategy_scope(config.strategy):
        model = ImageCaptioner(data["vocabulary"], image_shape=image_shape,
                               **model_arguments(config))
        model.compile(optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(config.learning_rate, max(steps, 1)),
            clipnorm=5.0,
        ))
    return model


def demo_images(data, count=DEMO_CANVASES):
    """The first test canvases (the TensorBoard images and the demo PNG)."""
    split = data["splits"]["test"] if len(data["splits"]["test"]["images"]) else (
        data["splits"]["train"])
    return split["images"][:count]


def fit_captioner(model, data, config):
    """`training.fit` on `ShuffledArrays` (resumable; TensorBoard with
    attention overlays of the demo canvases with `config.logdir`).

    Returns:
        The Keras `History`.
    """
    return fit_arrays(
        model, data, config, demo_images(data), max_length=MAX_LENGTH, figure_size=(6.4, 6.4)
    )


def score_split(model, split, sampler="greedy", batch_size=250):
    """`caption_metrics` of a canvas split (greedy or beam search).

    Returns:
        The metrics dict, with `digit_accuracy` (the token accuracy: every
        token is a digit), `decode_seconds` and the first `errors`.
    """
    vocabulary = model.preprocessor.vocabulary
    started = time.time()
    details = model.caption(split["images"], sampler=sampler, max_length=MAX_LENGTH,
                            batch_size=batch_size, return_details=True)
    seconds = time.time() - started
    predictions = [vocabulary.decode(d["token_ids"]) for d in details]
    references = [c.split() for c in split["captions"]]
    attention = [d["attention"] for d in details] if model.attention != "none" else None
    metrics = caption_metrics(predictions, references, attention=attention,
                              boxes=split["boxes"], image_size=model.image_shape[:2])
    metrics["digit_accuracy"] = metrics.pop("token_accuracy")
    metrics["decode_seconds"] = round(seconds, 1)
    metrics["errors"] = [
        {"index": i, "caption": " ".join(p), "reference": " ".join(r)}
        for i, (p, r) in enumerate(zip(predictions, references, strict=True)) if p != r
    ][:20]
    return metrics


def evaluate_captioner(model, data, sampler="greedy"):
    """Metrics on the test canvases (1–5 digits) and the 6-digit canvases."""
    results = {}
    if len(data["splits"]["test"]["images"]):
        results["test"] = score_split(model, data["splits"]["test"], sampler)
    if len(data["long"]["images"]):
        results["six_digits"] = score_split(model, data["long"], sampler)
    return results


def report_captioner(metrics, log=print):
    """Prints exact match, per-digit accuracy, per length and localisation."""
    log = get_log(log)
    for name, label in (("test", "Test (1-5 digits)"), ("six_digits", "6-digit canvases")):
        m = metrics.get(name)
        if not m:
            continue
        line = (f"{label}: exact match {m['exact_match']:.2%}, per digit "
                f"{m['digit_accuracy']:.2%}")
        if m.get("localisation") is not None:
            line += f", localisation {m['localisation']:.2%}"
        log(line + f" ({m['n']} canvases)")
        if len(m["exact_by_length"]) > 1:
            log("  by length: " + ", ".join(f"{k}: {v:.1%}"
                                            for k, v in m["exact_by_length"].items()))
        for e in m["errors"][:3]:
            log(f"  canvas {e['index']}: {e['caption']!r} (expected {e['reference']!r})")


def save_canvas_png(image, path):
    """Writes a canvas `(H, W[, 1])` in [0, 1] as an 8-bit greyscale PNG (atomically)."""
    import io

    from PIL import Image

    pixels = np.clip(np.asarray(image, "float64"), 0.0, 1.0)
    if pixels.ndim == 3:
        pixels = pixels[..., 0] if pixels.shape[-1] == 1 else pixels
    buffer = io.BytesIO()
    Image.fromarray(np.round(pixels * 255).astype("uint8")).save(buffer, format="PNG")
    return io_utils.atomic_write_bytes(path, buffer.getvalue())


def save_captioner(model, config, data, log=print):
    """Saves `<name>.keras`, a demo canvas `<name>_demo.png` and its
    attention overlay `<name>_attention.png`.

    Returns:
        The paths written.
    """
    import keras_attention.plotting as plotting

    log = get_log(log)
    path = io_utils.save_model(model, output_path(config.output_dir, config.name))
    log(f"Saved {path}")
    demo = save_canvas_png(demo_images(data, 1)[0],
                           output_path(config.output_dir, config.name, "_demo.png"))
    log(f"  {demo}: {model.caption(demo, max_length=MAX_LENGTH)!r}")
    png = None
    maps = model.attention_maps(demo, max_length=MAX_LENGTH)
    if maps:
        png = plotting.save_attention_map(
            maps[0], output_path(config.output_dir, config.name, "_attention.png"))
        log(f"Saved {png}")
    return written([path, demo, png])


def export_captioner(model, data, config, log=print, samples=100):
    """SavedModel + `.tflite` next to the model, verified on `samples` test
    canvases, then the demo canvas captioned with the `.tflite` file.

    Returns:
        The export summary (`paths`, `sizes_bytes`, `verification`, ...).
    """
    from keras_attention.export import export_artifacts
    from keras_attention.runtime import TFLiteCaptioner
    from keras_attention.utils.startup import quiet_native_logs

    log = get_log(log)
    images = data["splits"]["test"]["images"][:samples]
    with quiet_native_logs():
        summary = export_artifacts(model, config.output_dir, config.name,
                                   samples=images if len(images) else None,
                                   max_length=MAX_LENGTH)
        captioner = TFLiteCaptioner(summary["paths"]["tflite"])
    checks = summary["verification"]["results"]
    log(f"Exported {summary['paths']['saved_model']} and {summary['paths']['tflite']}: "
        f"{sum(r['token_mismatches'] for r in checks)} token mismatches vs Keras on "
        f"{summary['verification']['samples']} test canvases "
        f"({', '.join(sorted({r['endpoint'] for r in checks}))})")
    demo = output_path(config.output_dir, config.name, "_demo.png")
    if os.path.exists(demo):
        log(f"  LiteRT: {demo} -> {captioner.caption(demo)!r}")
    return summary


def captioner_record(config, model, metrics, train_seconds, train_cpu_seconds):
    """The JSON-able results of a run (saved as `<name>_metrics.json`)."""
    return {
        "attention": config.attention,
        **run_record(config, model, train_seconds, train_cpu_seconds),
        "fresh_canvases": config.fresh_canvases,
        "data_seed": config.data_seed,
        "load_average": [round(v, 2) for v in os.getloadavg()],
        **metrics,
    }


def train_captioner(config=None, log=print):
    """Trains, evaluates, saves and exports the digit captioner.

    Args:
        config: a `CaptionConfig` (default: soft attention, 12 epochs on
            20,000 canvases).
        log: where progress lines go (None: nowhere).

    Returns:
        A `Result`: the metrics (also in `<name>_metrics.json`), the paths
        written and the model.
    """
    config = config or CaptionConfig()
    log, run, data, model = begin_training(
        config, log, load_canvases, build_captioner_model, "canvases")
    watch = Stopwatch()
    fit_captioner(model, data, config)
    train_seconds, train_cpu = watch.seconds()
    log(f"Trained in {train_seconds:.0f} s ({train_cpu:.0f} s of CPU)")
    metrics = evaluate_captioner(model, data)
    report_captioner(metrics, log)
    results = captioner_record(config, model, metrics, train_seconds, train_cpu)
    saved, exported = [], []
    if training.is_chief():
        saved = save_captioner(model, config, data, log)
        if not config.no_export:
            summary = export_captioner(model, data, config, log)
            results["export"] = export_record(summary)
            exported = written([summary["paths"][k]
                                for k in ("saved_model", "tflite", "metadata")])
    results["total_seconds"] = round(run.seconds()[0], 1)
    log(f"Done in {results['total_seconds']:.0f} s")
    if training.is_chief():
        saved.append(write_metrics(config, results))
    return Result(results, saved + exported, model)


def write_metrics(config, results):
    """Writes `<name>_metrics.json` in the output folder; returns its path."""
    return io_utils.atomic_write_json(
        output_path(config.output_dir, config.name, "_metrics.json"), results)


def train(config, log=print):
    """`train_captioner`: the family's training job."""
    return train_captioner(config, log)


# -- a trained captioner -----------------------------------------------------------------
def _sampler(config):
    from keras_attention.recipes.translation import make_sampler

    return make_sampler(config)


def _check_images(option, paths):
    for path in paths:
        if not os.path.isfile(path):
            raise ConfigError(option, f"no such image file: {path!r}",
                              flag="IMAGE" if option == "images" else None)


def run(model, config, log=print, warn=None, **_):
    """Captions the image files of a `CaptionRunConfig`, one line per image
    (a `.npy` stack gives one line per canvas).

    Returns:
        A `Result`: `captions` and `seconds`; `outputs` is `[config.output]`
        (or empty: the captions went to stdout).
    """
    log = get_log(log)
    warn = warn or log
    _check_images("images", config.images)
    started = time.time()
    captions = model.caption(list(config.images), sampler=_sampler(config),
                             batch_size=config.batch_size)
    seconds = time.time() - started
    outputs = write_lines(
        captions, config, f"captioned {len(captions)} image(s)", seconds, log, warn
    )
    return Result({"captions": captions, "seconds": seconds}, outputs)


def evaluation_canvases(model, data_seed, test_size, long_size):
    """The unseen test canvases (and 6-digit canvases) at the model's image size."""
    height, width, channels = model.image_shape
    splits = digits_lib.load_digit_canvases(
        train_size=1, validation_size=0, test_size=test_size, height=height, width=width,
        seed=data_seed)
    long = digits_lib.load_long_digit_canvases(size=long_size, height=height, width=width,
                                               seed=data_seed)
    for split in (splits["test"], long):
        if channels > 1:
            split["images"] = np.repeat(split["images"], channels, axis=-1)
    return {"splits": splits, "long": long}


def evaluate(model, config, log=print, **_):
    """Exact match, per-digit and per-length accuracy and localisation of a
    captioner on unseen digit canvases (`EvaluateCaptionerConfig`).

    Returns:
        A `Result` whose metrics are the evaluation record (JSON-able).
    """
    log = get_log(log)
    test_size = config.limit or CaptionConfig().test_size
    data = evaluation_canvases(model, config.data_seed, test_size, config.long_size)
    log(f"Evaluating on {test_size} unseen test canvases (digit images of the test split "
        f"of data seed {config.data_seed}) and {config.long_size} 6-digit canvases, "
        f"{config.sampler} search")
    metrics = evaluate_captioner(model, data, _sampler(config))
    report_captioner(metrics, log)
    return Result({"sampler": config.sampler, "data_seed": config.data_seed, **metrics})


def plot_attention(model, config, log=print, **_):
    """The image with each emitted word's attention overlaid, one PNG per image.

    Returns:
        A `Result` listing the PNGs (`x.png`, or `x_1.png`, `x_2.png` ...).
    """
    import keras_attention.plotting as plotting

    log = get_log(log)
    _check_images("input", [config.input])
    maps = model.attention_maps(config.input, sampler=_sampler(config))
    if not maps:
        log("No attention to draw: the model has attention='none'")
        return Result({"images": 0}, [])
    output = str(config.output)
    paths = []
    for i, attention_map in enumerate(maps):
        path = output if len(maps) == 1 else f"{output[:-4]}_{i + 1}.png"
        plotting.save_attention_map(attention_map, path)
        log(f"{attention_map['title']!r}: {len(attention_map['y_labels'])} tokens over a "
            f"{attention_map['grid'][0]}x{attention_map['grid'][1]} grid")
        paths.append(path)
    return Result({"images": len(maps)}, paths)


# -- search ----------------------------------------------------------------------------------
def tune_captioner(config=None, log=print):
    """Searches captioner architectures (`HyperImageCaptioner`), retrains the
    best and saves it.

    Returns:
        A `Result`: the search summary (also `<name>_search.json`), the
        paths written and the retrained model.
    """
    from keras_attention.recipes import tuning
    from keras_attention.tuners import HyperImageCaptioner

    config = config or TuneCaptionerConfig()
    log = get_log(log)
    keras.utils.set_random_seed(config.seed)
    started = time.time()
    splits = digits_lib.load_digit_canvases(
        train_size=config.train_size, validation_size=config.validation_size,
        test_size=config.test_size, seed=config.seed)
    vocabulary = caption_vocabulary()
    train = caption_arrays(splits["train"], vocabulary)
    validation = caption_arrays(splits["validation"], vocabulary)
    hypermodel = HyperImageCaptioner(vocabulary, image_shape=splits["train"]["images"].shape[1:],
                                     seed=config.seed, batch_sizes=(32, 64))
    import keras_tuner as kt

    hp = kt.HyperParameters()
    if not config.full_space:
        hp.Choice("units", [64, 128], default=128)
        hp.Fixed("cell", "gru")
    tuner = tuning.make_tuner(config, hypermodel, "captioner", hp)
    tuning.search(config, tuner, *train, validation)
    best_hp, summary = tuning.best(config, tuner, log, started)
    if best_hp is None:
        return Result({}, [], None)
    model = hypermodel.build(best_hp)
    hypermodel.fit(best_hp, model, *train, validation_data=validation,
                   epochs=config.final_epochs, verbose=config.verbose,
                   callbacks=tuning._logging_callbacks(config, splits["test"]["images"][:2],
                                                       max_length=MAX_LENGTH))
    metrics = score_split(model, splits["test"])
    summary.update({"test_exact_match": metrics["exact_match"],
                    "test_digit_accuracy": metrics["digit_accuracy"],
                    "test_localisation": metrics.get("localisation")})
    log(f"Best configuration retrained: exact match {metrics['exact_match']:.2%}, per digit "
        f"{metrics['digit_accuracy']:.2%}")
    return Result(summary, tuning.save_tuned(config, model, summary, started, log), model)
