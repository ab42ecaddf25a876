"""Search ranking learned from logged clicks, switched on per search by the setting ``click_learning``.

With ``click_learning = "ipw"`` (the default setting, or a search experiment's arm) page one of a
query's answer in the engine's relevance order is re-sorted:

* **exploration**: a share ``explore`` of those answers shows the engine's first ``shown`` results in a
  random order (logged with model kind ``search+shuffle``): the propensities θ_k of the click model are
  estimated from them (:func:`~shopmind.online.click_learning.propensities`);
* otherwise the first ``top`` results are re-sorted by blending the engine's rank with the IPW estimate
  of the product's attractiveness for the query (model kind ``search+clicks``):
  b = (1 − w)·(1 − (r − 1)/n) + w·a/max(a), r the engine's rank among the n re-sorted, a the learned
  estimate (the mean estimate for a product without enough evidence), w = ``weight`` ≤ ``MAX_WEIGHT``.

The table of estimates is learned from the store's search impressions and their attributed clicks on a
background thread every ``refresh`` seconds (:class:`LearnedRanking`), never on a request; a request
reads the latest table. Bounded work: only queries searched ``min_searches`` times in the last ``days``
days, at most ``max_rows`` impressions (the newest) and clicks.

Guards against one shopper pushing a product for everybody: a shopper (the impression's unit) counts
with at most ``per_shopper`` searches of a query and at most one click per (query, product); the
clicks on a (query, product) count only once ``min_shoppers`` distinct shoppers clicked it (fewer
count as none), and its estimate is used only once it was shown to ``min_shoppers`` distinct shoppers
(else it keeps the mean); the blend is bounded (``weight`` ≤ ``MAX_WEIGHT``, the learned part scaled to
[0, 1]); only clicks tied to an impression shown to the same shopper count (attribution's rule), so each
click costs a rate-limited search as well.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shopmind.online.click_learning import ClickLearner, ClickLearnerConfig, Logged, propensities
from shopmind.online.impressions import normalise_query

log = logging.getLogger(__name__)

CLICK_LEARNING = ("off", "ipw")  # the values of the search setting ``click_learning``
ENGINE, LEARNED, SHUFFLED = "search", "search+clicks", "search+shuffle"  # impressions' model kinds
MAX_WEIGHT = 0.8  # the learned part's weight in the blend at most


@dataclass(frozen=True)
class LearnedRankingConfig:
    default: str = "off"  # click_learning for a search no experiment arm sets it for: off | ipw
    top: int = 20  # the engine's first results a learned order may re-sort
    shown: int = 10  # positions the propensities are estimated for; an exploring answer shuffles these
    explore: float = 0.1  # share of answers with click learning on that show the first `shown` shuffled
    weight: float = 0.5  # the learned part's weight in the blend (capped at MAX_WEIGHT)
    min_shoppers: int = 5  # distinct shoppers who clicked (query, product) before its clicks count
    per_shopper: int = 3  # searches of one query counted per shopper at most
    min_searches: int = 20  # searches of a query (in the window) before it is learned at all
    max_rows: int = 200_000  # impressions (and clicks) read per refresh at most, newest first
    days: int = 30  # how far back the log is read
    refresh: float = 600.0  # seconds between two refreshes of the table
    learner: ClickLearnerConfig = field(default_factory=ClickLearnerConfig)  # IPW prior and floor


@dataclass
class LearnedTable:
    """Per normalised query, the products whose estimate counts and their estimate; ``mean`` the mean
    attractiveness (what a product without enough evidence keeps)."""

    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    mean: float = 0.0
    theta: list[float] = field(default_factory=list)
    built_at: datetime | None = None
    impressions: int = 0  # impressions read
    clicks: int = 0  # clicks counted (after the one-per-shopper rule)
    note: str = "not learned yet"

    def rerank(self, query: str, products: Sequence[str], weight: float) -> list[str]:
        """``products`` (the engine's order) re-sorted by the bounded blend (module docstring)."""
        learned = self.scores.get(query)
        if not learned or len(products) < 2:
            return list(products)
        a = [learned.get(p, self.mean) for p in products]
        top = max(a)
        if top <= 0:
            return list(products)
        w, n = min(max(weight, 0.0), MAX_WEIGHT), len(products)
        blend = [(1 - w) * (1 - r / n) + w * a[r] / top for r in range(n)]
        return [products[r] for r in sorted(range(n), key=lambda r: (-blend[r], r))]


def fit_table(
    impressions: Sequence[dict[str, Any]], clicks: Sequence[dict[str, Any]], config: LearnedRankingConfig
) -> LearnedTable:
    """The table learned from search ``impressions`` (impression_id, query, unit, model_kind, products;
    any order) and their ``clicks`` (impression_id, unit, product_id, position), with the guards of the
    module docstring."""
    searches: dict[tuple[str, str], int] = defaultdict(int)
    kept: dict[str, dict[str, Any]] = {}
    for row in impressions:  # the store gives the newest first: a shopper's latest searches count
        key = (row["unit"], row["query"])
        if row["query"] and searches[key] < config.per_shopper:
            searches[key] += 1
            kept[row["impression_id"]] = row
    clicked: dict[str, list[int]] = defaultdict(list)
    clickers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in clicks:
        row = kept.get(c["impression_id"])
        pos = c.get("position")
        if row is None or not pos or c["unit"] != row["unit"] or pos > len(row["products"]):
            continue
        pid = row["products"][pos - 1]
        if row["unit"] in clickers[row["query"], pid]:
            continue  # one click per shopper, query and product
        clickers[row["query"], pid].add(row["unit"])
        clicked[row["impression_id"]].append(pos)
    seen_by: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in kept.values():
        for pid in r["products"]:
            seen_by[r["query"], pid].add(r["unit"])
    enough = config.min_shoppers

    def logged(iid: str, r: dict[str, Any], counted: bool) -> Logged:
        """``counted``: only the clicks on products enough distinct shoppers clicked."""
        ks = [
            k
            for k in clicked.get(iid, ())
            if not counted or len(clickers[r["query"], r["products"][k - 1]]) >= enough
        ]
        return Logged(r["query"], tuple(r["products"]), tuple(ks), r["model_kind"] == SHUFFLED)

    n_clicks = sum(len(v) for v in clicked.values())
    table = LearnedTable(built_at=datetime.now(UTC), impressions=len(kept), clicks=n_clicks)
    try:  # the position curve from every (deduplicated) click on the randomised answers
        theta = propensities([logged(iid, r, False) for iid, r in kept.items()], config.shown)
    except ValueError as exc:
        table.note = f"no propensities yet: {exc}"
        return table
    learner = ClickLearner(config.learner).fit([logged(iid, r, True) for iid, r in kept.items()], theta)
    for (q, pid), score in learner.scores_.items():
        if len(seen_by[q, pid]) >= enough:
            table.scores.setdefault(q, {})[pid] = float(score)
    table.mean, table.theta = float(learner.mean_), [float(t) for t in theta]
    table.note = f"{sum(map(len, table.scores.values()))} estimates over {len(table.scores)} queries"
    return table


class LearnedRanking:
    """The learned table of one process, refreshed from the store on a background thread started on
    first use (``read``: ``(since, min_searches, max_rows) -> (impressions, clicks)``, the store's
    :meth:`~shopmind.data.store_online.OnlineQueries.search_click_log`)."""

    def __init__(
        self,
        read: Callable[[datetime, int, int], tuple[list, list]],
        config: LearnedRankingConfig | None = None,
        seed: int | None = None,
    ) -> None:
        self.read = read
        self.config = config or LearnedRankingConfig()
        if self.config.default not in CLICK_LEARNING:
            raise ValueError(f"click_learning must be one of {', '.join(CLICK_LEARNING)}")
        self.table = LearnedTable()
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def refresh(self) -> LearnedTable:
        """Learn the table from the store now (the background thread calls this)."""
        c = self.config
        since = datetime.now(UTC) - timedelta(days=c.days)
        impressions, clicks = self.read(since, c.min_searches, c.max_rows)
        self.table = fit_table(impressions, clicks, c)
        log.info("learned search ranking: %s", self.table.note)
        return self.table

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="learned-ranking", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - the last table keeps serving; the next round tries again
                log.exception("learned search ranking: refresh failed")
            self._stop.wait(self.config.refresh)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def apply(self, setting: str | None, query: str, products: list[dict[str, Any]]) -> tuple[list, str]:
        """Page one of an answer in relevance order under ``setting`` (None: the default): the products
        (shuffled, re-sorted or as given) and the model kind its impression records."""
        key = normalise_query(query)
        if (setting or self.config.default) != "ipw" or not products or not key:
            return products, ENGINE
        self.start()
        c = self.config
        if self._rng.random() < c.explore:
            head = products[: c.shown]
            self._rng.shuffle(head)
            return head + products[c.shown :], SHUFFLED
        head = products[: c.top]
        by_id = {p["product_id"]: p for p in head}
        if len(by_id) < len(head):  # a product listed twice: left as the engine gave it
            return products, LEARNED
        order = self.table.rerank(key, list(by_id), c.weight)
        return [by_id[p] for p in order] + products[c.top :], LEARNED

    def status(self) -> dict[str, Any]:
        t = self.table
        built = t.built_at.isoformat() if t.built_at else None
        return {"default": self.config.default, "built_at": built, "impressions": t.impressions,
                "clicks": t.clicks, "queries": len(t.scores), "note": t.note}  # fmt: skip
