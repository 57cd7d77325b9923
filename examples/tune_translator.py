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

It saves `saved_models/tuned_translator.keras` and
`tuned_translator_search.json` (`--output-dir`, `--name`). Every step is a
function of `keras_attention.recipes.tuning`; `tune_translator(config)` (what
`keras-attention tune translate` runs) composes them the same way. The
options are the fields of `recipes.configs.TuneTranslatorConfig`.
"""

"""
## Setup

TensorFlow's start-up lines stay off the terminal (`--debug` shows them).
"""

import sys  # noqa: E402
import time  # noqa: E402

from keras_attention.utils.startup import quiet_tensorflow  # noqa: E402

quiet_tensorflow(debug="--debug" in sys.argv)

import keras  # noqa: E402

from keras_attention.recipes import tuning  # noqa: E402
from keras_attention.recipes.configs import TuneTranslatorConfig  # noqa: E402
from keras_attention.recipes.options import parse_config  # noqa: E402


def parse_args(argv=None):
    return parse_config(TuneTranslatorConfig, argv, description="KerasTuner search over "
                        "Seq2SeqTranslator architectures.")


"""
## The data

The date task is character level; a sentence-pair file is word level. In
both cases `tuning.translator_data` pads the sources and targets into
fixed-size arrays, so that the batch size can be searched.

## The search space

`HyperSeq2SeqTranslator` defines the whole space. KerasTuner's
`hyperparameters=` argument narrows it without touching the HyperModel: an
entry of the same name replaces the HyperModel's (here: smaller sizes, a
single encoder layer; `tuning.translator_hypermodel` returns both).

## Searching

`tuning.search` calls `tuner.search()` with `fit()`'s arguments and one
progress line per trial (`TrialProgress`). Hyperband chooses the number of
epochs of each trial itself, so `epochs` is only passed to the other two.
With `--logdir`, a `keras.callbacks.TensorBoard` callback is given to the
search: KerasTuner gives each trial its own run and records its
hyperparameters (TensorBoard's HParams tab).

## Retraining the best configuration

The best hyperparameters rebuild the model through the same HyperModel;
it is trained longer, with the attention of two validation dates written to
TensorBoard every epoch when `--logdir` is set, evaluated on the test split
and saved (atomically: an interrupted run never leaves a half-written file).
"""


def main(argv=None):
    config = parse_args(argv)
    keras.utils.set_random_seed(config.seed)
    started = time.time()
    data = tuning.translator_data(config)
    hypermodel, hp = tuning.translator_hypermodel(config, data)
    tuner = tuning.make_tuner(config, hypermodel, "translator", hp)
    tuning.search(config, tuner, *data["train"], data["validation"])
    best_hp, summary = tuning.best(config, tuner, print, started)
    if best_hp is None:  # a worker of a distributed search: the chief retrains
        return None, None

    model = tuning.retrain_translator(config, hypermodel, best_hp, data)
    summary.update(tuning.evaluate_translator(model, data))
    example = data["splits"]["test"][0][0]
    print(f"Best configuration retrained: {summary}\n  {example!r} -> "
          f"{model.translate(example)!r}")
    tuning.save_tuned(config, model, summary, started)
    return model, summary


if __name__ == "__main__":
    main()
