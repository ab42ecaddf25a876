"""Simulated online experiments on the demo shop: SASRec against most-popular, and the A/A
false-positive rate.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_online_experiments.py

The demo shop (seed 7, ``--scale`` 0.4: 2,000 customers) is loaded; most-popular (twice: two saved
versions of the same model, for A/A) and SASRec (``--sasrec-seconds`` of training) are saved. Simulated
shoppers (data/simulate_shoppers.py: latent tastes, position-biased clicks) are shown what the real
recommendation service serves for their arm.

1. SASRec vs most-popular: the plan is made up front — the baseline is most-popular's expected
   conversion on 200 pilot customers (left out afterwards), the minimum effect ``--min-effect``; the
   experiment then runs on exactly the planned number of customers (2 × the per-arm sample size), one
   visit each, and the analysis reports the difference with its 95 % interval and the verdict.
2. A/A: ``--aa`` experiments between the two most-popular versions, each on ``--aa-size`` customers
   drawn with its own seed and split by its own experiment id; the share called significant at 0.05.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from shopmind.artifacts import ArtifactStore
from shopmind.data.demo import load_demo_shop
from shopmind.data.simulate import DemoConfig
from shopmind.data.simulate_shoppers import Shoppers
from shopmind.data.store import Store
from shopmind.online.experiments import sample_size
from shopmind.online.service import OnlineService
from shopmind.online.simulation import aa_false_positives, pilot_conversion, run_experiment
from shopmind.recommend.service import RecommendationService
from shopmind.recommend.train import train_and_publish


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.4)
    parser.add_argument("--min-effect", type=float, default=0.08)
    parser.add_argument("--sasrec-seconds", type=float, default=180.0)
    parser.add_argument("--aa", type=int, default=100)
    parser.add_argument("--aa-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'shop.db'}")
        load_demo_shop(store, seed=7, scale=args.scale)
        artifacts = ArtifactStore(Path(tmp) / "artifacts")
        t = time.perf_counter()
        pop = train_and_publish(store, "popular", None, artifacts, force=True).version_dir.name
        pop2 = train_and_publish(store, "popular", None, artifacts, force=True).version_dir.name
        params = {"max_seconds": args.sasrec_seconds, "n_threads": 1, "seed": 0}
        sas = train_and_publish(store, "sasrec", params, artifacts, force=True)
        ndcg = sas.metrics.get("test_ndcg@10", 0)
        print(f"trained in {time.perf_counter() - t:.0f} s; SASRec test NDCG@10 {ndcg:.4f}")
        recs, online = RecommendationService(store, artifacts), OnlineService(store, artifacts)
        shoppers = Shoppers(DemoConfig(seed=7, scale=args.scale))
        customers = list(np.random.default_rng(0).permutation(shoppers.customer_ids))
        pilot, rest = customers[:200], customers[200:]
        baseline = pilot_conversion(recs, shoppers, pilot, pop)
        n = sample_size(baseline, args.min_effect)
        print(f"plan: baseline {baseline:.4f} (pilot, most-popular), minimum effect {args.min_effect}: "
              f"{n:,} customers per arm; {len(rest):,} available")  # fmt: skip
        arms = [{"name": "popular", "share": 0.5, "version": pop},
                {"name": "sasrec", "share": 0.5, "version": sas.version_dir.name}]  # fmt: skip
        t = time.perf_counter()
        plan = {
            "baseline": baseline,
            "min_effect": args.min_effect,
            "seed": 1,
            "name": "SASRec vs most-popular",
        }
        result = run_experiment(online, recs, shoppers, arms, rest[: 2 * n], **plan)
        (cmp,) = result["analysis"]["comparisons"]
        c = cmp["conversion"]
        print(f"ran {2 * n:,} simulated visits in {time.perf_counter() - t:.0f} s; units {result['units']}; "
              f"SRM p {result['srm']['p_value']:.3f}")  # fmt: skip
        for arm in result["analysis"]["arms"]:
            lo, hi = arm["conversion_ci"]
            rate = f"{arm['conversions']}/{arm['customers']} = {arm['conversion_rate']:.4f}"
            print(f"  {arm['arm']}: {rate} [{lo:.4f}, {hi:.4f}]")
        print(
            f"difference {c['difference']:+.4f} [{c['ci'][0]:+.4f}, {c['ci'][1]:+.4f}], p {c['p_value']:.2g}"
        )
        print(f"verdict (en): {result['verdict']['en']}")
        print(f"verdict (zh): {result['verdict']['zh']}")
        t = time.perf_counter()
        aa = [{"name": "a", "share": 0.5, "version": pop}, {"name": "b", "share": 0.5, "version": pop2}]
        out = aa_false_positives(
            online, recs, shoppers, aa, customers, repetitions=args.aa, size=args.aa_size
        )
        kept = 100 * (1 - out["rate"])
        print(
            f"A/A: {out['flagged']} of {out['repetitions']} called a difference ({kept:.0f} % no difference)"
        )
        print(f"A/A took {time.perf_counter() - t:.0f} s")
        online.close()
        print(f"machine: {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")


if __name__ == "__main__":
    main()
