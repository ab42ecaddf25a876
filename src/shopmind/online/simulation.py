"""Simulated traffic through the real serving path: simulated shoppers
(:mod:`shopmind.data.simulate_shoppers`) are shown what the recommendation service serves for their
experiment arm, the impression is logged, their clicks and purchases are written as events carrying
its id, attribution ties them, and the experiment is analysed as a real one would be.

``pilot_conversion`` gives an experiment's plan its baseline up front: the control's expected
conversion on pilot shoppers (who are then left out of the experiment).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shopmind.online.impressions import unit_of

log = logging.getLogger(__name__)
K = 10  # products shown per list


@dataclass
class Traffic:
    """What a simulated run showed and what the shoppers did."""

    shown: int = 0
    clicks: int = 0
    purchases: int = 0


def visit_recommendations(
    recommendations: Any,
    online: Any,
    shoppers: Any,
    customers: Sequence[str],
    rng: np.random.Generator,
    tag: str,
) -> Traffic:
    """Each customer opens their recommendations once (served by their arm of the running experiment
    on ``recommendations``, else the published model); clicks and purchases go to the store as events."""
    from datetime import UTC, datetime

    traffic, events = Traffic(), []
    now = datetime.now(UTC)
    for n, customer in enumerate(customers):
        arm = online.arm("recommendations", unit_of(customer, None))
        answer = recommendations.recommend(
            customer, K, version=None if arm is None else arm[1].get("version")
        )
        ids = [p["product_id"] for p in answer["items"]]
        impression_id = online.show("recommendations", ids, arm, customer_id=customer, model_kind="rec",
                                    model_version=answer["version"])  # fmt: skip
        visit = shoppers.visit(rng, shoppers.relevance(customer, ids), ids)
        price = {p["product_id"]: p["price"] for p in answer["items"]}
        for kind, products in (("click", [ids[k - 1] for k in visit.clicked]), ("purchase", visit.bought)):
            for j, pid in enumerate(products):
                value = price[pid] if kind == "purchase" else None
                events.append({"event_id": f"sim-{tag}-{n}-{kind}-{j}", "customer_id": customer,
                               "session_id": "", "type": kind, "product_id": pid, "value": value, "ts": now,
                               "impression_id": impression_id})  # fmt: skip
        traffic.shown += 1
        traffic.clicks += len(visit.clicked)
        traffic.purchases += len(visit.bought)
    online.flush()
    for i in range(0, len(events), 5000):
        online.store.upsert("events", events[i : i + 5000])
    return traffic


def pilot_conversion(recommendations: Any, shoppers: Any, customers: Sequence[str], version: str) -> float:
    """The expected conversion of ``version``'s lists for these customers (the simulator's own
    probabilities: what a pilot of many visits would measure)."""
    rates = []
    for customer in customers:
        ids = [p["product_id"] for p in recommendations.recommend(customer, K, version=version)["items"]]
        rates.append(shoppers.conversion(shoppers.relevance(customer, ids)))
    return float(np.mean(rates))


def run_experiment(
    online: Any,
    recommendations: Any,
    shoppers: Any,
    arms: list[dict[str, Any]],
    customers: Sequence[str],
    *,
    baseline: float,
    min_effect: float,
    seed: int,
    name: str = "simulated",
) -> dict[str, Any]:
    """Define an experiment on recommendations, send ``customers`` through it once each, attribute,
    analyse, stop; the analysis (with the plan made up front) and what the traffic did."""
    x = online.define(name, "recommendations", arms, baseline=baseline, min_effect=min_effect)
    try:
        rng = np.random.default_rng(seed)
        traffic = visit_recommendations(recommendations, online, shoppers, customers, rng, x["experiment_id"])
        online.attribute(since=x["start_at"])
        result = online.analyse(x["experiment_id"])
    finally:
        online.stop(x["experiment_id"])
    result["traffic"] = traffic
    return result


def aa_false_positives(
    online: Any,
    recommendations: Any,
    shoppers: Any,
    arms: list[dict[str, Any]],
    customers: Sequence[str],
    *,
    repetitions: int,
    size: int,
    seed: int = 0,
) -> dict[str, Any]:
    """Run ``repetitions`` A/A experiments (``arms``: two versions of the same model), each on ``size``
    customers drawn with its own seed and split by its own experiment id; how often the analysis called
    a difference (at the plan's alpha) — the false-positive rate, which should be about alpha."""
    flagged, p_values = 0, []
    for rep in range(repetitions):
        rng = np.random.default_rng(seed + rep)
        chosen = list(rng.choice(customers, size=size, replace=False))
        result = run_experiment(online, recommendations, shoppers, arms, chosen, baseline=0.3, min_effect=0.1,
                                seed=seed + 10_000 + rep, name=f"A/A {rep}")  # fmt: skip
        (cmp,) = result["analysis"]["comparisons"]
        flagged += bool(cmp["significant"])
        p_values.append(cmp["conversion"]["p_value"])
    return {
        "repetitions": repetitions,
        "flagged": flagged,
        "rate": flagged / repetitions,
        "p_values": p_values,
    }
