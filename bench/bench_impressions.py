"""Impression logging: what it adds to a request, how fast the writer drains, and whether a day of 1M
impressions stays queryable for the dashboards.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_impressions.py              # 1M impressions
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_impressions.py --day 100000 # a smaller day

1. Overhead: the call a router makes per answer (``OnlineService.show``: build the impression row, put
   it on the queue) timed 20,000 times while the writer thread drains to a SQLite file; p50/p99 in ms.
2. A day of ``--day`` impressions (10 products each, 5 surfaces × 2 model versions, 20 % searches over
   5,000 queries, 3 % clicked, 0.5 % bought, one experiment of two arms on recommendations) written
   through the store in batches of 2,000 (the writer's batch), then the dashboards' reads timed (median
   of 5): metrics per surface × version × day, search analytics, and the experiment's analysis.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from shopmind.data.store import Store
from shopmind.online import metrics
from shopmind.online.analysis import analyse_experiment
from shopmind.online.experiments import define
from shopmind.online.impressions import impression
from shopmind.online.service import OnlineService

SURFACES = ("search", "recommendations", "similar", "trending", "assistant")


def overhead(store: Store, n: int = 20_000) -> dict[str, float]:
    online = OnlineService(store)
    products = [f"P{i}" for i in range(10)]
    times = []
    for i in range(n):
        t = time.perf_counter()
        online.show(
            "recommendations", products, customer_id=f"C{i % 5000}", model_kind="rec", model_version="v1"
        )
        times.append((time.perf_counter() - t) * 1000)
    start = time.perf_counter()
    online.flush(120)
    drain = time.perf_counter() - start
    online.close()
    q = np.percentile(times, [50, 99, 99.9])
    return {
        "p50_ms": q[0],
        "p99_ms": q[1],
        "p999_ms": q[2],
        "drain_s": drain,
        "dropped": online.impressions.dropped,
    }


def day_of(n: int, seed: int, experiment: dict) -> tuple[list[dict], list[dict]]:
    rng = np.random.default_rng(seed)
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    imps, attributions = [], []
    surface = rng.choice(len(SURFACES), n, p=[0.2, 0.4, 0.2, 0.1, 0.1])
    for i in range(n):
        s = SURFACES[surface[i]]
        unit = f"C{rng.integers(200_000)}"
        fields = {"customer_id": unit, "model_version": f"v{i % 2}"}
        if s == "search":
            q = int(rng.zipf(1.3)) % 5000
            fields |= {"query": f"query {q}", "results": 0 if q % 50 == 0 else 40}
        if s == "recommendations":
            arm = "a" if i % 2 else "b"
            fields |= {"experiment_id": experiment["experiment_id"], "arm": arm}
        row = impression(s, [f"P{j}" for j in rng.integers(0, 50_000, 10)], **fields)
        row["at"] = start + timedelta(seconds=int(rng.integers(0, 86_000)))
        imps.append(row)
        r = rng.random()
        if r < 0.03:
            kind = "purchase" if r < 0.005 else "click"
            attributions.append({
                "source_id": f"e{i}", "impression_id": row["impression_id"], "how": "id", "type": kind,
                "product_id": row["products"][0], "position": 1, "value": 25.0 if kind == "purchase" else 0.0,
                "at": row["at"], "day": row["at"].strftime("%Y-%m-%d"), "surface": s,
                "model_version": row["model_version"], "experiment_id": row["experiment_id"],
                "arm": row["arm"], "unit": row["unit"],
            })  # fmt: skip
    return imps, attributions


def timed(fn, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def dashboards(store: Store, n: int, seed: int) -> dict[str, float]:
    arms = [{"name": "a", "share": 0.5, "version": "v0"}, {"name": "b", "share": 0.5, "version": "v1"}]
    experiment = define("bench", "recommendations", arms)
    experiment["start_at"] -= timedelta(days=1)
    store.save_experiment(experiment)
    imps, attributions = day_of(n, seed, experiment)
    t = time.perf_counter()
    for i in range(0, n, 2000):
        store.log_impressions(imps[i : i + 2000])
    write = time.perf_counter() - t
    for i in range(0, len(attributions), 5000):
        store.add_attributions(attributions[i : i + 5000])
    return {
        "write_per_s": n / write,
        "metrics_s": timed(lambda: metrics.daily(store, 30)),
        "search_s": timed(lambda: metrics.search_report(store, 30)),
        "experiment_s": timed(lambda: analyse_experiment(store, experiment), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=int, default=1_000_000, help="impressions in the day")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'a.db'}")
        store.migrate()
        o = overhead(store)
        print(f"show(): p50 {o['p50_ms']:.4f} ms · p99 {o['p99_ms']:.4f} ms · p99.9 {o['p999_ms']:.4f} ms")
        print(f"20,000 queued; drained {o['drain_s']:.2f} s after the loop; dropped {o['dropped']}")
        store = Store(f"sqlite:///{Path(tmp) / 'b.db'}")
        store.migrate()
        d = dashboards(store, args.day, args.seed)
        print(f"{args.day:,} impressions: written at {d['write_per_s']:,.0f}/s (batches of 2,000)")
        print(f"metrics per surface × version × day: {d['metrics_s'] * 1000:.1f} ms (median of 5)")
        print(f"search analytics: {d['search_s'] * 1000:.1f} ms (median of 5)")
        print(
            f"experiment analysis (all units of the day's recommendations): {d['experiment_s'] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
