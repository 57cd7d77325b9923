"""Exact match of a monotonic-attention date translator, soft vs hard decoding.

A model trained with monotonic attention in a soft mode (`parallel`, the
expected alignment) can decode with hard alignments (`mode="hard"`: stop at
the first position whose energy is > 0; one-hot weights, linear time):
`Seq2SeqTranslator.with_monotonic_mode("hard")` copies it with the same
weights. This script measures both on the test dates of the model's run
(`examples/translate_dates.py` defaults: seed 0, 2,000 test dates), and how
often the hard alignment runs off the end of the source (an all-zero
context).

    python bench/monotonic_hard_decoding.py bench/out/models/dates_bahdanau-monotonic_seed0.keras
"""

import argparse
import json

import numpy as np

from keras_attention.utils.startup import quiet_tensorflow

quiet_tensorflow()

from keras_attention.models import load_model  # noqa: E402
from keras_attention.recipes import dates  # noqa: E402
from keras_attention.recipes.configs import DatesConfig  # noqa: E402


def evaluate(model, sources, targets):
    predictions, maps = model.translate(sources, batch_size=256, return_attention=True)
    right = sum(p == t for p, t in zip(predictions, targets, strict=True))
    steps = np.concatenate([m["weights"].sum(-1) for m in maps])  # per output step
    return predictions, right / len(targets), float(np.mean(steps < 0.5))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a saved date translator with monotonic attention")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the run's data split")
    args = parser.parse_args(argv)
    model = load_model(args.model)
    data = dates.load_dates(DatesConfig(seed=args.seed))
    sources, targets = data["splits"]["test"]
    results = {"model": args.model, "attention": model.attention,
               "trained_mode": model.monotonic_mode or "parallel",
               "sigmoid_noise": model.sigmoid_noise or 0.0, "test_examples": len(targets)}
    soft, results["soft_exact_match"], results["soft_low_mass_steps"] = evaluate(
        model, sources, targets)
    hard, results["hard_exact_match"], results["hard_empty_steps"] = evaluate(
        model.with_monotonic_mode("hard"), sources, targets)
    results["outputs_that_differ"] = sum(a != b for a, b in zip(soft, hard, strict=True))
    print(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
