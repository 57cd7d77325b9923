"""
Title: Sentence translation with attention (Anki / ManyThings sentence pairs)
Author: keras-attention contributors
Date created: 2026/11/21
Last modified: 2026/11/21
Description: Train a word-level attention translator on any Anki-format sentence-pair file and report corpus BLEU overall and by source length.
Accelerator: None
"""

"""
## Introduction

The ManyThings.org Anki files (`www.manythings.org/anki`, from the Tatoeba
project) hold one sentence pair per line: `english<TAB>translation
[<TAB>attribution]`. This example trains `Seq2SeqTranslator` on such a file
(plain, `.xz`, `.gz` or `.zip`) and evaluates it with sacrebleu corpus BLEU,
overall and per source-length bucket (1–9, 10–14, 15–19, 20+ words), the
comparison in which Bahdanau et al. (2015, fig. 2) showed attention holding
up on long sentences where the plain encoder–decoder collapses.

```
python examples/translate_pairs.py --data ../shared/data/spa-eng/spa.txt.xz
python examples/translate_pairs.py --data spa.txt.xz --attention luong --score-mode general
python examples/translate_pairs.py --data spa.txt.xz --attention none
python examples/translate_pairs.py --data spa.txt.xz --max-pairs 20000 --epochs 1   # quick look
python examples/translate_pairs.py --data spa.txt.xz --checkpoint-dir ckpt/spa   # resumable
```

By default it translates the second column into English (Spanish → English
for `spa.txt`, as the TensorFlow NMT tutorial); `--direction eng-to-other`
reverses it. Sources longer than `--max-length` words are dropped. The split
is fixed by `--seed` (default 0) and never puts the same source sentence in
two splits. Batches are bucketed by length (`tf.data`
`bucket_by_sequence_length`), so short sentences are not padded to the
longest.

Training stops after `--epochs` epochs or when `--time-budget-minutes` has
passed, whichever comes first (the report says which).

It saves `saved_models/pairs_translator.keras` (`--output-dir`, `--name`),
an attention image of one test sentence and the metrics
(`pairs_translator_metrics.json`). Every step is a function of
`keras_attention.recipes.pairs`; `train_pairs(config)` (what
`keras-attention train translate --data FILE` runs) composes them the same
way. The options are the fields of `recipes.configs.PairsConfig`.

Budgets, measured on the shared 2-core project machine: the quick look
(`--max-pairs 20000 --epochs 1`) takes about 2 minutes, and is only a smoke
run (one epoch on the shortest pairs translates almost nothing). The full
`spa.txt` with the defaults (10 epochs over 104,540 training pairs, a
4.8 M-parameter model) takes about 1.5 hours: each epoch about 9.5 minutes
(7.5 minutes of CPU time), then about 2.5 minutes of greedy decoding for the
11,890 test pairs. `../shared/data/spa-eng/spa.txt.xz` is the project's copy
of the file; elsewhere, download `spa-eng.zip` from
https://www.manythings.org/anki/ and pass `--data spa-eng.zip`.
"""

"""
## Setup

TensorFlow's start-up lines stay off the terminal (`--debug` shows them).
"""

import sys  # noqa: E402
import time  # noqa: E402

from keras_attention.utils.startup import quiet_tensorflow  # noqa: E402

quiet_tensorflow(debug="--debug" in sys.argv)

import keras_attention.training as training  # noqa: E402
from keras_attention.recipes import pairs  # noqa: E402
from keras_attention.recipes.configs import PairsConfig  # noqa: E402
from keras_attention.recipes.options import parse_config  # noqa: E402


def parse_args(argv=None):
    # --checkpoint-dir, --strategy none|mirrored, --deterministic: a resumed
    # run restores weights, optimizer and epoch; the tf.data pipeline
    # reshuffles from its seed, so its batch order differs from an
    # uninterrupted run's. Multi-worker needs array data (translate_dates.py).
    return parse_config(PairsConfig, argv, description="Train an attention translator on "
                        "Anki sentence pairs.")


"""
## The data

Word-level tokenization (`tokenize(text, "word")`): Unicode NFKD, accents
dropped, lowercase, punctuation split off. The vocabularies come from the
training split only, capped by frequency; rarer words map to `[UNK]`.
`pairs.load_pairs(config)` also makes the length-bucketed `tf.data`
pipelines (`make_dataset`).

## The model

`pairs.build_pairs_model`: a word-level `Seq2SeqTranslator`, Adam at a
constant rate (with a 3-epoch budget, cosine decay to 5% cost half the BLEU,
see RESULTS.md).

## Training

`pairs.fit_pairs` is `model.fit` plus a small `TimeBudget` callback that
stops training after `--time-budget-minutes`, so that models can be
compared at equal training time on the same machine.

## Evaluation

BLEU is computed with sacrebleu (13a tokenization) on detokenised text: the
hypotheses are the model's tokens joined back into text, the references are
the test targets passed through the same normalisation (lowercase, accents
dropped), so the score measures the translation, not the casing.
"""


def main(argv=None):
    config = parse_args(argv)
    training.seed_everything(config.seed, config.deterministic)
    started = time.time()

    data = pairs.load_pairs(config)
    model = pairs.build_pairs_model(config, data)
    sizes = {k: len(v) for k, v in data["splits"].items()}
    print(f"{config.attention} attention, {model.count_params():,} parameters; pairs: "
          f"{sizes}; vocabularies: {len(data['source_vocabulary'])} source, "
          f"{len(data['target_vocabulary'])} target")
    history, budget = pairs.fit_pairs(model, data, config)

    metrics = pairs.evaluate_pairs(model, data, config)
    pairs.report_pairs(metrics)  # BLEU overall, by length, a few samples
    results = pairs.pairs_record(config, model, history, budget, sizes, metrics)

    if training.is_chief():
        pairs.save_translator(model, config, data["splits"]["test"][0][0])
        pairs.write_metrics(config, results)
    print(f"Done in {time.time() - started:.0f} s ({results['epochs_completed']} epochs, "
          f"{budget.steps} steps"
          f"{', stopped by the time budget' if budget.stopped_early else ''})")
    return model, results


if __name__ == "__main__":
    main()
