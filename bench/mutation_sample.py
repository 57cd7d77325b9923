"""Estimates the mutation score from a uniform random sample of mutants.

A full `make mutation` run checks every mutant mutmut generates for
`keras_attention/layers/` and `keras_attention/models/samplers/` (about
7,600; 20-35 hours on 2 cores). This script draws `--size` of them at
random (`--seed`), has mutmut check just those, and prints JSON: the count
of each outcome, the score (killed or timed out, over the mutants that have
tests) with a Wilson 95% interval, and the names of the survivors and of
the mutants no selected test covers (inspect one with `mutmut show NAME`).

Run it after `mutmut run` has generated the mutants (any run does, e.g.
`.venv/bin/mutmut run "keras_attention.models.samplers.greedy_sampler*"`):

    .venv/bin/python bench/mutation_sample.py --size 150 --seed 0

`--report-only` reads the outcomes of an earlier run of the same sample
without running anything.
"""

import argparse
import glob
import json
import math
import os
import random
import subprocess
import sys

from mutmut.stats import status_by_exit_code  # mutmut's own exit code -> outcome


def mutant_outcomes(root="mutants"):
    """`{mutant name: exit code or None}` from mutmut's `.meta` files."""
    outcomes = {}
    for path in glob.glob(os.path.join(root, "keras_attention", "**", "*.meta"),
                          recursive=True):
        with open(path, encoding="utf-8") as f:
            outcomes.update(json.load(f)["exit_code_by_key"])
    return outcomes


def wilson(k, n, z=1.96):
    """Wilson score interval of a proportion `k / n`."""
    if n == 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(centre - half, 4), round(centre + half, 4)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=150, help="mutants drawn")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draw")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--report-only", action="store_true",
                        help="report the sample's outcomes without running mutmut")
    args = parser.parse_args(argv)
    outcomes = mutant_outcomes()
    if not outcomes:
        parser.error("no mutants found under mutants/: run `mutmut run` once first")
    names = sorted(outcomes)
    sample = sorted(random.Random(args.seed).sample(names, min(args.size, len(names))))
    if not args.report_only:
        mutmut = os.path.join(os.path.dirname(sys.executable), "mutmut")
        # mutmut's progress goes to stderr: stdout is this script's JSON.
        subprocess.run([mutmut, "run", "--max-children", str(args.max_children), *sample],
                       check=False, stdout=sys.stderr)
        outcomes = mutant_outcomes()
    status = {name: status_by_exit_code[outcomes.get(name)] for name in sample}
    counts = {}
    for s in status.values():
        counts[s] = counts.get(s, 0) + 1
    caught = counts.get("killed", 0) + counts.get("timeout", 0)
    tested = caught + counts.get("survived", 0)
    print(json.dumps({
        "mutants": len(names),
        "sample": len(sample),
        "seed": args.seed,
        "counts": counts,
        "score": round(caught / tested, 4) if tested else None,
        "score_95": wilson(caught, tested),
        "survived": [n for n in sample if status[n] == "survived"],
        "no_tests": [n for n in sample if status[n] == "no tests"],
        "other": {n: status[n] for n in sample
                  if status[n] not in ("killed", "timeout", "survived", "no tests")},
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
