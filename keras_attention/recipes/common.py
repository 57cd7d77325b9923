"""What the recipes share: their result type, logging, progress, translation helpers."""

import contextlib
import dataclasses
import os
import sys
import time


@dataclasses.dataclass
class Result:
    """What a pipeline returns.

    Attributes:
        metrics: JSON-able results (scores, sizes, timings).
        outputs: the files and folders it wrote, in order.
        model: the trained model (None where no single model is returned).

    Example:

    >>> result = Result({"test_exact_match": 1.0}, ["saved_models/m.keras"])
    >>> result.metrics["test_exact_match"], result.outputs
    (1.0, ['saved_models/m.keras'])
    """

    metrics: dict
    outputs: list = dataclasses.field(default_factory=list)
    model: object = dataclasses.field(default=None, repr=False)


def get_log(log):
    """`log` itself, or a function that drops its arguments for `None`."""
    return log if log is not None else (lambda *args, **kwargs: None)


def fit_verbose(verbose):
    """Keras `fit` verbosity: as given, else progress bars on a terminal and
    one line per epoch in a log."""
    if verbose is not None:
        return verbose
    return 1 if sys.stdout.isatty() else 2


def written(paths):
    """The paths that exist, as strings (a run may skip some outputs)."""
    return [os.fspath(p) for p in paths if p is not None and os.path.exists(p)]


def output_path(output_dir, name, suffix=".keras"):
    return os.path.join(output_dir, name + suffix)


class Progress:
    """Progress of a long loop on stderr: a Keras bar on a terminal, else a
    line every 10 % ("keras-attention: 30/300 sentences (10%, 4 s)").

    Example:

    >>> import contextlib, io
    >>> stream = io.StringIO()
    >>> with contextlib.redirect_stderr(stream):
    ...     progress = Progress(20, "sentences")
    ...     for _ in range(4):
    ...         progress.update(5)
    >>> stream.getvalue().splitlines()[-1]
    'keras-attention: 20/20 sentences (100%, 0 s)'
    """

    def __init__(self, total, unit, prefix="keras-attention"):
        self.total, self.unit, self.done, self.prefix = total, unit, 0, prefix
        self.started = time.time()
        self.bar = None
        self.next_line = 0.1
        if sys.stderr.isatty():
            import keras

            self.bar = keras.utils.Progbar(total, unit_name=unit.rstrip("s"))

    def update(self, n):
        self.done += n
        if self.bar is not None:
            with contextlib.redirect_stdout(sys.stderr):
                self.bar.update(self.done)
            return
        if self.done >= self.total or self.done >= self.next_line * self.total:
            while self.next_line * self.total <= self.done:
                self.next_line += 0.1
            print(
                f"{self.prefix}: {self.done}/{self.total} {self.unit} "
                f"({self.done / max(self.total, 1):.0%}, {time.time() - self.started:.0f} s)",
                file=sys.stderr, flush=True,
            )


def translate_corpus(model, texts, sampler="greedy", batch_size=64, progress=None,
                     max_length=None):
    """`model.translate` over many texts, sorted by length, in input order.

    Sorting keeps each decoding batch's padding small.

    Args:
        model: a `Seq2SeqTranslator`.
        texts: the source texts.
        sampler: `"greedy"` or a sampler instance.
        batch_size: sentences decoded together.
        progress: an object with `update(n)` (e.g. `Progress`), or None.
        max_length: longest output (default: the model's).

    Returns:
        The translations, one per text.
    """
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    outputs = [None] * len(texts)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        translated = model.translate([texts[i] for i in chunk], sampler=sampler,
                                     batch_size=batch_size, max_length=max_length)
        for i, text in zip(chunk, translated, strict=True):
            outputs[i] = text
        if progress is not None:
            progress.update(len(chunk))
    return outputs


def save_attention_image(model, text, path, sampler=None):
    """The attention PNG of one translation; returns its path (None for a
    model without attention, which has no matrix to draw)."""
    if model.attention == "none":
        return None
    import keras_attention.plotting as plotting

    (attention_map,) = model.attention_maps([text], sampler=sampler or "greedy")
    return plotting.save_attention_map(attention_map, path)


def build_translator(config, data, tokenization, optimizer, **arguments):
    """A compiled `Seq2SeqTranslator` of a recipe's configuration (its sizes,
    cells, attention and seed), built inside `config.strategy`'s scope.

    Args:
        config: a `DatesConfig` or `PairsConfig`.
        data: the recipe's data (its vocabularies).
        tokenization: `"char"` or `"word"`.
        optimizer: a function returning the optimizer (called in the scope).
        **arguments: other `Seq2SeqTranslator` arguments.
    """
    import keras_attention.training as training
    from keras_attention.models import Seq2SeqTranslator

    with training.strategy_scope(config.strategy):
        model = Seq2SeqTranslator(
            embedding_dim=config.embedding_dim, units=config.units, encoder=config.encoder,
            **config.attention_arguments(),
            source_vocabulary=data["source_vocabulary"],
            target_vocabulary=data["target_vocabulary"], tokenization=tokenization,
            seed=config.seed, **arguments,
        )
        # Masked cross-entropy and masked token accuracy are the compile() defaults.
        model.compile(optimizer=optimizer())
    return model


class Stopwatch:
    """Wall and CPU time since it was made (CPU: all the process's threads).

    Example:

    >>> watch = Stopwatch()
    >>> wall, cpu = watch.seconds()
    >>> wall >= 0 and cpu >= 0
    True
    """

    def __init__(self):
        self.wall, self.cpu = time.time(), time.process_time()

    def seconds(self):
        """`(wall, cpu)` seconds since the stopwatch was made."""
        return time.time() - self.wall, time.process_time() - self.cpu


def start_training(config, model, log, examples, note=""):
    """Logs what is about to be trained: attention type, parameters, data."""
    log(f"Training {config.attention} attention ({model.count_params():,} parameters) on "
        f"{config.train_size:,} {examples} for {config.epochs} epochs{note}")


def begin_training(config, log, load, build, examples, note=""):
    """The start every training recipe shares: seeds everything from
    `config.seed` (`config.deterministic`), starts a stopwatch, loads the
    data (`load(config)`), builds the model (`build(config, data)`) and
    logs what is about to be trained (`start_training`). `note` (appended
    to that line) is a string, or a function of no arguments returning it,
    called after seeding (e.g. one that asks for the tf.distribute
    strategy, which must not run before the seeds are set).

    Returns:
        `(log, stopwatch, data, model)`: `log` as `get_log` makes it, the
        stopwatch started before the data was loaded.
    """
    import keras_attention.training as training

    log = get_log(log)
    training.seed_everything(config.seed, config.deterministic)
    watch = Stopwatch()
    data = load(config)
    model = build(config, data)
    start_training(config, model, log, examples, note() if callable(note) else note)
    return log, watch, data, model


def export_record(summary):
    """The `export` entry of a run's metrics, from an export summary: the
    paths, their sizes and whether the parity check passed."""
    return {"paths": summary["paths"], "sizes_bytes": summary["sizes_bytes"],
            "verified": summary["verification"]["passed"]}


def run_record(config, model, train_seconds, train_cpu_seconds):
    """The part of a run's `<name>_metrics.json` every training recipe writes:
    the size of the model and of the run, and its times (CPU time of all the
    process's threads is comparable across runs even when other jobs share
    the machine; wall time is not)."""
    return {
        "parameters": model.count_params(),
        "epochs": config.epochs,
        "train_size": config.train_size,
        "seed": config.seed,
        "train_seconds": round(train_seconds, 1),
        "train_cpu_seconds": round(train_cpu_seconds, 1),
    }


def fit_arrays(model, data, config, demo_inputs, **logger_options):
    """`training.fit` on `ShuffledArrays` of `data["train"]`, or on
    `EpochArrays` of `data["train_epoch"]` (`epoch -> (x, y)`) where the
    data has one and it is not None (and `data["validation"]` where not
    None): resumable with
    `config.checkpoint_dir`, multi-worker capable, and with `config.logdir`
    TensorBoard plus an `AttentionImageLogger` of `demo_inputs`
    (`logger_options` are its further arguments).

    Returns:
        The Keras `History`.
    """
    import keras

    import keras_attention.training as training
    from keras_attention.callbacks import AttentionImageLogger

    if data.get("train_epoch") is not None:
        batches = training.EpochArrays(
            data["train_epoch"], batch_size=config.batch_size, seed=config.seed
        )
    else:
        batches = training.ShuffledArrays(
            *data["train"], batch_size=config.batch_size, seed=config.seed
        )
    validation = None
    if data["validation"] is not None:
        validation = training.ShuffledArrays(
            *data["validation"], batch_size=config.batch_size, shuffle=False
        )
    training.build_for_strategy(model, batches[0])
    callbacks = training.checkpoint_callbacks(config.checkpoint_dir, batches)
    if config.logdir:
        callbacks += [
            keras.callbacks.TensorBoard(config.logdir),
            AttentionImageLogger(
                os.path.join(config.logdir, "attention"), demo_inputs, **logger_options
            ),
        ]
    return training.fit(
        model, batches, validation_data=validation, epochs=config.epochs,
        callbacks=callbacks, verbose=fit_verbose(config.verbose),
    )


def write_lines(lines, config, done, seconds, log=print, warn=print):
    """Writes `lines` (one a line) to `config.output`, or to stdout, and says
    so: `done` (e.g. "translated 3 text(s)") and the time, to `log` with a file
    (naming `config.sampler`'s search), to `warn` with stdout.

    Returns:
        The files written (`[config.output]` or `[]`).
    """
    import keras_attention.io_utils as io_utils

    text = "".join(line + "\n" for line in lines)
    if config.output:
        path = io_utils.atomic_write_text(config.output, text)
        log(f"{done[:1].upper()}{done[1:]} in {seconds:.1f} s ({config.sampler} search)")
        return [path]
    sys.stdout.write(text)
    sys.stdout.flush()
    warn(f"{done} in {seconds:.1f} s; output: stdout")
    return []
