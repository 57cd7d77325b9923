"""
Title: Hyperparameter search for an attention translator with KerasTuner
Author: keras-attention contributors
Date created: 2026/11/21
Last modified: 2026/11/21
Description: Search attention type, encoder, sizes, dropout, learning rate and batch size of a Seq2SeqTranslator with KerasTuner, then retrain and save the best configuration.
Accelerator: None
"""

"""
## Introduction

`keras_attention.tuners.HyperSeq2SeqTranslator` is a KerasTuner `HyperModel`:
its constructor holds the fixed problem (the vocabularies), and `build(hp)`
draws an architecture from the search space and returns a compiled
`Seq2SeqTranslator` (the same class you would build by hand: the tuner only
chooses its arguments). The space covers the attention type (Bahdanau,
Luong or none) with the options of each type (score mode and local windows
for Luong, the score bias for Bahdanau), the encoder cell, its
bidirectionality and depth, the sizes, dropout and learning rate; the batch
size is searched in `HyperModel.fit`. Every hyperparameter's default is the
builder's default model.

This example searches it on the embedded date-normalisation task
("3 mar. 1998" → "1998-03-03"), or on a sentence-pair file, with any of
KerasTuner's three tuners, prints the results, retrains the best
configuration longer and saves it.

```
python examples/tune_translator.py                         # random search, ~5 min on 2 cores
python examples/tune_translator.py --tuner bayesian --max-trials 10
python examples/tune_translator.py --tuner hyperband --epochs 3
python examples/tune_translator.py --data spa.txt.xz --full-space
python examples/tune_translator.py --logdir logs/tune_translator   # then: tensorboard --logdir logs/tune_translator
```

By default the search is restricted to small models (units 32 or 64,
embeddings 16 or 32, one encoder layer) so that it fits in a few minutes on a
CPU; `--full-space` searches the whole space. Distributed search: see
`docs/tuning.md` (one chief and several workers running this same script).
"""

"""
## Setup
"""

import argparse  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import keras_tuner as kt  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from keras_attention import io_utils  # noqa: E402
from keras_attention.callbacks import AttentionImageLogger  # noqa: E402
from keras_attention.data import (  # noqa: E402
    Vocabulary,
    build_vocabularies,
    encode_pairs,
    load_dates,
    load_text_pairs,
    split_pairs,
    to_model_arrays,
    tokenize,
)
from keras_attention.evaluation import corpus_bleu, exact_match  # noqa: E402
from keras_attention.tuners import HyperSeq2SeqTranslator, TrialProgress  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
TUNERS = ("random", "hyperband", "bayesian")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="KerasTuner search over Seq2SeqTranslator architectures.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--data",
        default="dates",
        help="'dates' (the embedded date task) or a sentence-pair file "
        "(english<TAB>translation lines, .txt/.txt.xz/.zip)",
    )
    p.add_argument("--tuner", choices=TUNERS, default="random")
    p.add_argument(
        "--max-trials",
        type=int,
        default=6,
        help="trials of random / bayesian search (Hyperband sizes its own "
        "brackets from --epochs)",
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=2,
        help="epochs per trial (Hyperband: the most epochs one model gets)",
    )
    p.add_argument(
        "--final-epochs", type=int, default=6, help="epochs of the retraining"
    )
    p.add_argument("--train-size", type=int, default=4000, help="training examples")
    p.add_argument("--validation-size", type=int, default=500)
    p.add_argument("--test-size", type=int, default=500)
    p.add_argument(
        "--max-words", type=int, default=15, help="sentence pairs: longest source"
    )
    p.add_argument("--full-space", action="store_true", help="search the whole space")
    p.add_argument("--directory", default="runs/tuning", help="KerasTuner's folder")
    p.add_argument("--project-name", default=None, help="default: translator_<tuner>")
    p.add_argument(
        "--resume", action="store_true", help="continue a search in --directory"
    )
    p.add_argument(
        "--logdir",
        default=None,
        help="TensorBoard folder: one run per trial, and the retraining with "
        "attention images",
    )
    p.add_argument(
        "--output",
        default=str(REPO / "saved_models" / "tuned_translator.keras"),
        help="where to save the retrained best model",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", type=int, default=0, choices=[0, 1, 2])
    args = p.parse_args(argv)
    for name in ("max_trials", "epochs", "final_epochs", "train_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    return args


"""
## The data

The date task is character level; a sentence-pair file is word level. In
both cases the sources and targets are padded into fixed-size arrays, so
that the batch size can be searched.
"""


def load_data(args):
    if args.data == "dates":
        splits = load_dates(
            train_size=args.train_size,
            validation_size=args.validation_size,
            test_size=args.test_size,
            seed=args.seed,
        )
        splits = {k: list(zip(*v, strict=True)) for k, v in splits.items()}
        tokenization = "char"
        source_vocab = Vocabulary.build(
            [tokenize(s, "char") for s, _ in splits["train"]]
        )
        target_vocab = Vocabulary.build(
            [tokenize(t, "char") for _, t in splits["train"]]
        )
    else:
        pairs = load_text_pairs(args.data)
        pairs = [p for p in pairs if len(tokenize(p[0], "word")) <= args.max_words]
        total = args.train_size + args.validation_size + args.test_size
        splits = split_pairs(
            pairs[: max(total, 1)],
            args.validation_size / total,
            args.test_size / total,
            seed=args.seed,
        )
        tokenization = "word"
        source_vocab, target_vocab = build_vocabularies(
            splits["train"], "word", source_max_size=8000, target_max_size=8000
        )

    def arrays(name):
        src, tgt = encode_pairs(splits[name], source_vocab, target_vocab, tokenization)
        return to_model_arrays(src, tgt)

    return {
        "splits": splits,
        "tokenization": tokenization,
        "source_vocabulary": source_vocab,
        "target_vocabulary": target_vocab,
        "train": arrays("train"),
        "validation": arrays("validation"),
    }


"""
## The search space

`HyperSeq2SeqTranslator` defines the whole space. KerasTuner's
`hyperparameters=` argument narrows it without touching the HyperModel: an
entry of the same name replaces the HyperModel's (here: smaller sizes, a
single encoder layer).
"""


def make_tuner(args, data):
    hypermodel = HyperSeq2SeqTranslator(
        source_vocabulary=data["source_vocabulary"],
        target_vocabulary=data["target_vocabulary"],
        tokenization=data["tokenization"],
        seed=args.seed,
        batch_sizes=(32, 64, 128),
    )
    hp = kt.HyperParameters()
    if not args.full_space:
        hp.Choice("units", [32, 64], default=64)
        hp.Choice("embedding_dim", [16, 32], default=32)
        hp.Fixed("num_encoder_layers", 1)
    common = dict(
        objective="val_loss",
        hyperparameters=hp,
        directory=args.directory,
        project_name=args.project_name or f"translator_{args.tuner}",
        # Workers of a distributed search share the chief's folder: only the
        # chief may start it afresh.
        overwrite=not args.resume and not is_worker(),
        seed=args.seed,
    )
    if args.tuner == "random":
        return hypermodel, kt.RandomSearch(
            hypermodel, max_trials=args.max_trials, **common
        )
    if args.tuner == "bayesian":
        return hypermodel, kt.BayesianOptimization(
            hypermodel, max_trials=args.max_trials, **common
        )
    return hypermodel, kt.Hyperband(
        hypermodel, max_epochs=args.epochs, factor=3, **common
    )


def is_worker():
    """A worker of a distributed search (it only runs trials)."""
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in tuner_id


"""
## Searching

`search()` takes `fit()`'s arguments. Hyperband chooses the number of
epochs of each trial itself, so `epochs` is only passed to the other two.
With `--logdir`, a `keras.callbacks.TensorBoard` callback is given to the
search: KerasTuner gives each trial its own run and records its
hyperparameters (TensorBoard's HParams tab).
"""


def search(args, tuner, data):
    x, y = data["train"]
    kwargs = dict(validation_data=data["validation"], verbose=args.verbose)
    if args.tuner != "hyperband":
        kwargs["epochs"] = args.epochs
    # One progress report per trial (a bar on a terminal, a line in a log).
    kwargs["callbacks"] = [
        TrialProgress(None if args.tuner == "hyperband" else args.max_trials)
    ]
    if args.logdir:
        kwargs["callbacks"].append(
            keras.callbacks.TensorBoard(os.path.join(args.logdir, "search"))
        )
    tuner.search(x, y, **kwargs)


"""
## Retraining the best configuration

The best hyperparameters rebuild the model through the same HyperModel;
it is trained longer, with the attention of two validation dates written to
TensorBoard every epoch when `--logdir` is set, evaluated on the test split
and saved (atomically: an interrupted run never leaves a half-written file).
"""


def retrain(args, hypermodel, best_hp, data):
    model = hypermodel.build(best_hp)
    x, y = data["train"]
    callbacks = []
    if args.logdir:
        examples = [s for s, _ in data["splits"]["validation"][:2]]
        callbacks = [
            keras.callbacks.TensorBoard(os.path.join(args.logdir, "best")),
            AttentionImageLogger(
                os.path.join(args.logdir, "best", "attention"), examples
            ),
        ]
    hypermodel.fit(
        best_hp,
        model,
        x,
        y,
        validation_data=data["validation"],
        epochs=args.final_epochs,
        callbacks=callbacks,
        verbose=args.verbose,
    )
    return model


def evaluate(model, data):
    sources = [s for s, _ in data["splits"]["test"]]
    targets = [t for _, t in data["splits"]["test"]]
    predictions = model.translate(sources, batch_size=256)
    if data["tokenization"] == "char":
        return {"test_exact_match": exact_match(predictions, targets)}
    try:
        return {"test_bleu": corpus_bleu(predictions, targets)}
    except ImportError:
        return {"test_exact_match": exact_match(predictions, targets)}


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    started = time.time()
    data = load_data(args)
    hypermodel, tuner = make_tuner(args, data)
    tuner.search_space_summary()
    search(args, tuner, data)
    if is_worker():
        print(f"Worker {os.environ['KERASTUNER_TUNER_ID']}: no trial left.")
        return None, None
    search_seconds = time.time() - started
    tuner.results_summary(num_trials=5)
    best_hp = tuner.get_best_hyperparameters(1)[0]
    trials = list(tuner.oracle.trials.values())
    completed = [t for t in trials if t.status == "COMPLETED"]
    print(
        f"\n{len(completed)}/{len(trials)} trials completed in {search_seconds:.0f} s; "
        f"best: {best_hp.values}"
    )
    model = retrain(args, hypermodel, best_hp, data)
    metrics = evaluate(model, data)
    print(
        "Best configuration retrained: "
        + ", ".join(f"{k} {v:.4g}" for k, v in metrics.items())
    )
    example = data["splits"]["test"][0][0]
    print(f"  {example!r} -> {model.translate(example)!r}")
    io_utils.save_model(model, args.output)
    summary = {
        "tuner": args.tuner,
        "trials": len(trials),
        "completed_trials": len(completed),
        "best_hyperparameters": best_hp.values,
        "search_seconds": round(search_seconds, 1),
        "total_seconds": round(time.time() - started, 1),
        **metrics,
    }
    summary_path = str(pathlib.Path(args.output).with_suffix("")) + "_search.json"
    io_utils.atomic_write_json(summary_path, summary)
    print(f"Saved {args.output} and {summary_path}")
    if args.logdir:
        print(
            f"TensorBoard: tensorboard --logdir {args.logdir}  (then open http://localhost:6006)"
        )
    print(f"Done in {summary['total_seconds']:.0f} s")
    return model, summary


if __name__ == "__main__":
    main()
