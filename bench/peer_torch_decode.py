"""PyTorch greedy decoding on the peers' model A spec (our reference for decode speed).

Written for this project (the peers only time training): the peers'
`BahdanauSeq2Seq` (imported from `../shared/bench/peers/peer_torch.py`),
random weights, eager mode under `torch.inference_mode()`, a Python loop of
`--max-length` steps (no early stop, as in `bench/decode_throughput.py`),
arg-max of the logits at each step. Same sources: lengths 12..24, batch 1
and 64. Prints one JSON line per batch size.

Usage (in a venv with torch):
    python bench/peer_torch_decode.py [--repeats 20] [--threads 2]
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.environ.get("PEERS_DIR", os.path.join(HERE, "..", "..", "shared", "bench", "peers"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=24)
    parser.add_argument("--batches", default="1,64")
    args = parser.parse_args()

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass
    sys.path.insert(0, os.path.abspath(PEERS))
    sys.argv = [sys.argv[0], "--model", "bahdanau"]  # peer_torch parses its args on import
    import peer_torch as P

    torch.manual_seed(1234)
    model = P.BahdanauSeq2Seq().eval()
    vocab = 8000
    rng = np.random.default_rng(1234)

    @torch.inference_mode()
    def greedy(src, src_len, src_mask):
        enc, s = model.encoder(src, src_len)
        keys = model.w_k(enc)
        pad = ~src_mask
        ctx = enc.new_zeros(enc.size(0), model.cell.hidden_size)
        token = torch.full((src.size(0),), 1, dtype=torch.long)
        out = []
        for _ in range(args.max_length):
            s = model.cell(torch.cat([model.tgt_emb(token), ctx], dim=1), s)
            score = torch.tanh(keys + model.w_q(s).unsqueeze(1)).matmul(model.v)
            align = torch.softmax(score.masked_fill(pad, float("-inf")), dim=1)
            ctx = torch.bmm(align.unsqueeze(1), enc).squeeze(1)
            token = model.proj(s).argmax(-1)
            out.append(token)
        return torch.stack(out, 1)

    for batch in [int(b) for b in args.batches.split(",")]:
        lengths = rng.integers(12, 25, size=batch)
        src = rng.integers(2, vocab, size=(batch, 24))
        src[np.arange(24)[None, :] >= lengths[:, None]] = 0
        src = torch.from_numpy(src).long()
        mask = src != 0
        src_len = mask.sum(1)
        greedy(src, src_len, mask)  # warm-up
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            greedy(src, src_len, mask)
            times.append(time.perf_counter() - t)
        times.sort()
        median = times[len(times) // 2]
        print(json.dumps({
            "impl": "pytorch", "model": "bahdanau", "sampler": "greedy", "batch": batch,
            "max_length": args.max_length, "median_ms": round(1000 * median, 2),
            "min_ms": round(1000 * times[0], 2), "sentences_per_s": round(batch / median, 1),
            "threads": args.threads, "framework_version": torch.__version__, "mode": "eager",
        }), flush=True)


if __name__ == "__main__":
    main()
