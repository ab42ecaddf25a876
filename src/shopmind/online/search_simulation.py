"""Simulated search traffic for learning from clicks: simulated shoppers search the demo shop's category
and product words, are shown the engine's top results (a share of answers shuffled, for the
propensities), and click by the query's true relevance through the position-biased click model
(:mod:`shopmind.data.simulate_shoppers`). The log is then used offline: learners are fitted on it and
their rankings scored by NDCG@10 against the simulator's true relevance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from shopmind.online.click_learning import ClickLearner, Logged, ndcg

SHOWN = 10  # results on the page the shoppers see
CANDIDATES = 20  # the engine's results a learner may re-sort


def queries() -> list[tuple[str, int]]:
    """(query, leaf index): each leaf category's name and its first two product words, in both languages."""
    from shopmind.data.simulate_text import LEAVES

    out = []
    for leaf, spec in enumerate(LEAVES):
        for term in (spec.name, *spec.nouns[:2]):
            out += [(term[0].lower(), leaf), (term[1], leaf)]
    return list(dict.fromkeys(out))


def candidates(search: Any, asked: Sequence[tuple[str, int]], n: int = CANDIDATES) -> dict[str, list[str]]:
    """The engine's top ``n`` products per query (queries with fewer than ``SHOWN`` results left out)."""
    out = {}
    for q, _ in asked:
        ids = [p["product_id"] for p in search.search(q, page_size=n, log=False, correct=False)["products"]]
        if len(ids) >= SHOWN:
            out[q] = ids
    return out


def search_log(
    shoppers: Any,
    cands: dict[str, list[str]],
    leaf: dict[str, int],
    visits: int,
    rng: np.random.Generator,
    randomised: float = 0.1,
) -> list[Logged]:
    """``visits`` simulated searches: a query drawn uniformly, the top ``SHOWN`` candidates shown (with
    probability ``randomised``, ``SHOWN`` of the candidates in a random order instead), clicks by the
    click model on the query's relevance mapped to z = 1.5·grade − 2."""
    names = list(cands)
    log = []
    for _ in range(visits):
        q = names[int(rng.integers(len(names)))]
        shuffled = rng.random() < randomised
        shown = list(rng.permutation(cands[q])[:SHOWN]) if shuffled else cands[q][:SHOWN]
        z = 1.5 * shoppers.query_relevance(leaf[q], shown) - 2.0
        visit = shoppers.visit(rng, z, shown)
        log.append(Logged(q, tuple(shown), tuple(visit.clicked), shuffled))
    return log


def mean_ndcg(
    shoppers: Any, cands: dict[str, list[str]], leaf: dict[str, int], learner: ClickLearner | None
) -> float:
    """Mean NDCG@10 over the queries of the engine's order (``learner`` None) or the learned order."""
    scores = []
    for q, ids in cands.items():
        ranked = ids if learner is None else learner.rerank(q, ids)
        truth = shoppers.query_relevance(leaf[q], ids)
        rel = dict(zip(ids, truth, strict=True))
        scores.append(ndcg([rel[p] for p in ranked], truth, SHOWN))
    return float(np.mean(scores))
