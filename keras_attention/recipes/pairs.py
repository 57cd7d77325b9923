"""A word-level translator of an Anki sentence-pair file, scored with BLEU.

The ManyThings.org / Tatoeba files hold `english<TAB>translation
[<TAB>attribution]` per line. Step by step:

    data = load_pairs(config)                 # splits, vocabularies, tf.data
    model = build_pairs_model(config, data)   # compiled translator
    history, budget = fit_pairs(model, data, config)
    metrics = evaluate_pairs(model, data, config)   # BLEU overall and by length
    save_translator(model, config, example)   # .keras + attention PNG

`train_pairs(config)` runs them all (`examples/translate_pairs.py`,
`keras-attention train translate --data FILE`).
"""

import os
import time

import keras

import keras_attention.io_utils as io_utils
import keras_attention.training as training
from keras_attention.data import (
    build_vocabularies,
    detokenize,
    encode_pairs,
    load_text_pairs,
    make_dataset,
    split_pairs,
    tokenize,
)
from keras_attention.data.text_pairs import count_words
from keras_attention.evaluation import bleu_by_length, corpus_bleu
from keras_attention.models import BeamSampler
from keras_attention.recipes.common import (
    Result,
    Stopwatch,
    build_translator,
    fit_verbose,
    get_log,
    output_path,
    translate_corpus,
)
from keras_attention.recipes.dates import save_translator

#: Length penalty of the test translations with `beam_width > 0`.
TEST_LENGTH_PENALTY = 0.6


def pair_splits(data, direction="other-to-eng", max_pairs=None, max_length=None,
                validation_fraction=0.02, test_fraction=0.1, seed=0):
    """`(source, target)` pairs of the train, validation and test splits.

    By default the second column is the source (Spanish → English for
    `spa.txt`); sources longer than `max_length` words are dropped; the split
    never puts one source sentence in two splits.
    """
    pairs = load_text_pairs(data, max_pairs=max_pairs)
    if direction == "other-to-eng":
        pairs = [(other, eng) for eng, other in pairs]
    if max_length is not None:
        pairs = [p for p in pairs if count_words(p[0]) <= max_length]
    return split_pairs(pairs, validation_fraction, test_fraction, seed=seed)


def load_pairs(config):
    """Splits, word vocabularies (from the training split, capped by
    frequency) and length-bucketed `tf.data` pipelines."""
    splits = pair_splits(
        config.data, config.direction, config.max_pairs, config.max_length,
        config.validation_fraction, config.test_fraction, config.seed,
    )
    source_vocab, target_vocab = build_vocabularies(
        splits["train"], "word", config.source_vocab_size, config.target_vocab_size
    )

    def dataset(name, shuffle):
        if not splits[name]:
            return None
        src, tgt = encode_pairs(splits[name], source_vocab, target_vocab, "word")
        return make_dataset(src, tgt, batch_size=config.batch_size, shuffle=shuffle,
                            seed=config.seed)

    return {
        "splits": splits,
        "source_vocabulary": source_vocab,
        "target_vocabulary": target_vocab,
        "train": dataset("train", True),
        "validation": dataset("validation", False),
    }


def build_pairs_model(config, data):
    """A compiled word-level translator (Adam at a constant rate: with a
    3-epoch budget, cosine decay to 5 % cost half the BLEU, RESULTS.md)."""
    return build_translator(
        config, data, "word",
        lambda: keras.optimizers.Adam(config.learning_rate, clipnorm=5.0),
        bidirectional=config.bidirectional, dropout=config.dropout,
    )


class TimeBudget(keras.callbacks.Callback):
    """Stops training once `minutes` have passed (checked after every batch).

    It also times the training (`seconds_run`, `cpu_seconds_run`).

    Example:

    >>> budget = TimeBudget(None)  # no budget: counts the steps only
    >>> budget.on_train_begin(); budget.on_train_batch_end(0); budget.on_train_end()
    >>> budget.steps, budget.stopped_early
    (1, False)
    """

    def __init__(self, minutes):
        super().__init__()
        self.seconds = None if minutes is None else 60.0 * minutes
        self.stopped_early = False
        self.steps = 0

    def on_train_begin(self, logs=None):
        self.watch = Stopwatch()
        self.seconds_run = self.cpu_seconds_run = 0.0

    def on_train_end(self, logs=None):
        self.seconds_run, self.cpu_seconds_run = self.watch.seconds()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.seconds is not None and time.time() - self.watch.wall > self.seconds:
            self.stopped_early = True
            self.model.stop_training = True


def fit_pairs(model, data, config):
    """`model.fit` on the bucketed pipeline, within the time budget.

    Returns:
        `(history, budget)`: the Keras `History` and the `TimeBudget`
        (steps run, whether it stopped training).
    """
    budget = TimeBudget(config.time_budget_minutes)
    training.build_for_strategy(model, next(iter(data["train"])))
    history = model.fit(
        data["train"],
        validation_data=data["validation"],
        epochs=config.epochs,
        callbacks=[budget, *training.checkpoint_callbacks(config.checkpoint_dir)],
        verbose=fit_verbose(config.verbose),
        shuffle=False,  # the tf.data pipeline shuffles (and buckets) itself
    )
    return history, budget


def evaluate_pairs(model, data, config):
    """sacrebleu corpus BLEU on the test split, overall and by source length.

    `bleu` (and by length): references go through the model's normalisation
    (word tokenization: lowercase, accents dropped), so the score measures
    the translation, not the casing the model never writes. `cased_bleu`:
    the same hypotheses against the raw references (sacrebleu's defaults,
    case-sensitive), the number comparable with published cased BLEU.
    """
    test = data["splits"]["test"]
    if config.max_test is not None:
        test = test[: config.max_test]
    sources = [s for s, _ in test]
    raw_references = [t for _, t in test]
    references = [detokenize(tokenize(t, "word"), "word") for t in raw_references]
    sampler = "greedy"
    if config.beam_width:
        sampler = BeamSampler(config.beam_width, length_penalty=TEST_LENGTH_PENALTY)
    start = time.time()
    hypotheses = translate_corpus(model, sources, sampler, batch_size=256)
    lengths = [count_words(s) for s in sources]
    return {
        "bleu": corpus_bleu(hypotheses, references),
        "cased_bleu": corpus_bleu(hypotheses, raw_references),
        "bleu_by_length": bleu_by_length(lengths, hypotheses, references),
        "test_pairs": len(test),
        "decode_seconds": round(time.time() - start, 1),
        "samples": [
            {"source": s, "reference": r, "hypothesis": h}
            for s, r, h in list(zip(sources, references, hypotheses, strict=True))[:8]
        ],
    }


def report_pairs(metrics, log=print):
    """Prints the test BLEU, overall and by source length, and a few samples."""
    log = get_log(log)
    log(f"Test BLEU: {metrics['bleu']:.2f} on {metrics['test_pairs']} pairs (references "
        f"lowercased, accents dropped, as the model writes); cased BLEU on the raw "
        f"references: {metrics['cased_bleu']:.2f}")
    for row in metrics["bleu_by_length"]:
        bleu = "-" if row["bleu"] is None else f"{row['bleu']:.2f}"
        log(f"  {row['bucket']:>6} words: BLEU {bleu:>6} (n={row['count']})")
    for sample in metrics["samples"][:4]:
        log(f"  {sample['source']!r} -> {sample['hypothesis']!r} (ref {sample['reference']!r})")


def pairs_record(config, model, history, budget, sizes, metrics, cpu_seconds=None):
    """The JSON-able results of a run (saved as `<name>_metrics.json`)."""
    losses = history.history.get("loss", [])
    return {
        "data": os.path.basename(config.data),
        "direction": config.direction,
        "score_mode": config.score_mode,
        **config.attention_arguments(),
        "encoder": config.encoder,
        "bidirectional": config.bidirectional,
        "units": config.units,
        "embedding_dim": config.embedding_dim,
        "parameters": model.count_params(),
        "pairs": sizes,
        "epochs_requested": config.epochs,
        "epochs_completed": len(losses),
        "train_steps": budget.steps,
        "stopped_by_time_budget": budget.stopped_early,
        "train_seconds": round(budget.seconds_run, 1),
        # CPU time of all the process's threads: comparable across runs even
        # when other jobs share the machine (wall time is not).
        "train_cpu_seconds": round(budget.cpu_seconds_run, 1),
        "final_train_loss": losses[-1] if losses else None,
        "final_val_loss": history.history.get("val_loss", [None])[-1],
        "beam_width": config.beam_width,
        **metrics,
    }


def write_metrics(config, results):
    """Writes `<output_dir>/<name>_metrics.json`; returns its path."""
    return io_utils.atomic_write_json(
        output_path(config.output_dir, config.name, "_metrics.json"), results)


def train_pairs(config, log=print):
    """Trains, evaluates and saves a sentence-pair translator.

    Args:
        config: a `PairsConfig`.
        log: where progress lines go (`print`; None: nowhere).

    Returns:
        A `Result` (metrics also in `<name>_metrics.json`).
    """
    log = get_log(log)
    training.seed_everything(config.seed, config.deterministic)
    started = time.time()
    data = load_pairs(config)
    model = build_pairs_model(config, data)
    sizes = {k: len(v) for k, v in data["splits"].items()}
    log(f"{config.attention} attention, {model.count_params():,} parameters; pairs: {sizes}; "
        f"vocabularies: {len(data['source_vocabulary'])} source, "
        f"{len(data['target_vocabulary'])} target")
    history, budget = fit_pairs(model, data, config)
    metrics = evaluate_pairs(model, data, config)
    report_pairs(metrics, log)
    results = pairs_record(config, model, history, budget, sizes, metrics)
    outputs = []
    if training.is_chief():
        outputs = save_translator(model, config, data["splits"]["test"][0][0], log)
    results["total_seconds"] = round(time.time() - started, 1)
    if training.is_chief():
        outputs.append(write_metrics(config, results))
    log(f"Done in {results['total_seconds']:.0f} s "
        f"({results['epochs_completed']} epochs, {budget.steps} steps"
        f"{', stopped by the time budget' if budget.stopped_early else ''})")
    return Result(results, outputs, model)
