"""Summarise `bench/compare_peers.sh` output: ours/peer ratios per round and medians.

Usage:
    .venv/bin/python bench/compare_peers.py OUT.jsonl [MORE.jsonl ...] [--markdown]

Several files (separate runs of `compare_peers.sh`) are read as consecutive
rounds: the rounds of the second file are numbered after the first's.

Prints one JSON line per (model, peer) with the per-round ratios of target
tokens/s (ours / peer) and their median, and with `--markdown` a table.
"""

import argparse
import collections
import json
import statistics


def summarize(lines):
    by = collections.defaultdict(dict)  # (model, impl) -> {round: tokens/s}
    for row in lines:
        by[(row["model"], row["impl"])][row["round"]] = row["target_tokens_per_s"]
    out = []
    for model in sorted({m for m, _ in by}):
        ours = by.get((model, "keras-attention"), {})
        for (m, impl), peer in sorted(by.items()):
            if m != model or impl == "keras-attention":
                continue
            rounds = sorted(set(ours) & set(peer))
            ratios = [round(ours[r] / peer[r], 3) for r in rounds]
            out.append(
                {
                    "model": model,
                    "peer": impl,
                    "rounds": len(rounds),
                    "ours_tokens_per_s": [ours[r] for r in rounds],
                    "peer_tokens_per_s": [peer[r] for r in rounds],
                    "ratios": ratios,
                    "median_ratio": statistics.median(ratios) if ratios else None,
                }
            )
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jsonl", nargs="+")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    lines, offset = [], 0
    for path in args.jsonl:
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        for row in rows:
            row["round"] += offset
        offset = max([offset] + [row["round"] for row in rows])
        lines += rows
    rows = summarize(lines)
    for row in rows:
        print(json.dumps(row))
    if args.markdown:
        print("| model | peer | ours tok/s per round | peer tok/s per round | ratio per round | median |")
        print("|---|---|---|---|---|---:|")
        for r in rows:
            fmt = lambda xs: " / ".join(f"{x:.0f}" for x in xs)  # noqa: E731
            print(
                f"| {r['model']} | {r['peer']} | {fmt(r['ours_tokens_per_s'])} | "
                f"{fmt(r['peer_tokens_per_s'])} | "
                f"{' / '.join(f'{x:.2f}' for x in r['ratios'])} | "
                f"**{r['median_ratio']:.2f}×** |"
            )


if __name__ == "__main__":
    main()
