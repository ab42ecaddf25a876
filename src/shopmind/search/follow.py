"""What search derives from the store, kept in step with its change log (:mod:`shopmind.followers`):
the product index (only changed products are re-indexed, deleted ones dropped), the best-selling
counters (from new purchase events). A full load happens once, when the service is made, and on an
explicit ``sync(force=True)``. The suggested queries are rebuilt from the store's visitor counts and
moderation rules on a timer of their own (:meth:`SearchFollowing.refresh_queries`): a count of
distinct visitors cannot be patched from a batch of new events.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from shopmind.data.changes import Changes, Cursor
from shopmind.followers import Follower

if TYPE_CHECKING:
    from shopmind.data.store import Store
    from shopmind.search.index import ProductIndex
    from shopmind.search.suggest import Suggester

log = logging.getLogger(__name__)


class SearchFollowing:
    """The search index, sales counters and query log of ``store``, following its changes.

    ``warm``: called after the index changed, to rebuild what requests would otherwise rebuild on
    first use (the query parser's vocabulary, the suggester's catalog terms) here, in the background."""

    def __init__(
        self, store: Store, index: ProductIndex, suggester: Suggester, warm: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self.index = index
        self.suggester = suggester
        self.warm = warm
        self.sales: dict[str, float] = {}  # product id -> purchase events
        self.counts: Counter[str] = Counter()  # products indexed / deleted so far
        self._by_slot = np.zeros(0)  # (slots,) sales per index slot, extended as slots are added
        self._by_slot_lock = threading.Lock()
        self.follower = Follower("search", store, ("products", "events"), self.load, self.apply)

    def load(self, cursor: Cursor) -> None:
        """Index the whole catalog (unchanged products are skipped by fingerprint), drop products that
        are gone, count purchases as of ``cursor`` and rebuild the suggested queries."""
        records = self.store.frame("products").to_dict("records")
        indexed = self.index.upsert(records)
        gone = set(self.index.slot_of) - {str(r["product_id"]) for r in records}
        deleted = self.index.delete(gone)
        bought = self.store.event_counts("product_id", "purchase", at=cursor)
        with self._by_slot_lock:
            self.sales = {str(pid): float(n) for pid, n in bought.items()}
            self._by_slot = np.zeros(0)
        self.refresh_queries()
        self._count(indexed, deleted)
        self.sales_array()

    def apply(self, changes: Changes) -> None:
        """Re-index the changed products, drop the deleted ones, count the new events."""
        keys = changes.keys("products")
        if keys:
            rows = self.store.products_by_ids(keys)
            indexed = self.index.upsert(rows)
            deleted = self.index.delete(keys - {str(r["product_id"]) for r in rows})
            self._count(indexed, deleted)
        batches = changes.batches("events")
        if batches:
            bought = self.store.event_counts("product_id", "purchase", batches=batches)
            self._add_sales(bought)

    def refresh_queries(self) -> None:
        """Rebuild the suggested queries: visitors per query (searches that found results) from the
        store, moderated by the blocklist and the admins' rules."""
        self.suggester.set_query_log(self.store.query_visitors(), self.store.suggestion_rules())

    def _count(self, indexed: int, deleted: int) -> None:
        self.counts.update(indexed=indexed, deleted=deleted)
        if indexed or deleted:
            log.info("search index follows the store: %d indexed, %d deleted", indexed, deleted)
            self.sales_array()  # extended here, not by the next best-selling request
            if self.warm is not None:
                self.warm()

    def _add_sales(self, bought: dict[str, int]) -> None:
        with self._by_slot_lock:
            arr = self._by_slot
            for pid, n in bought.items():
                pid = str(pid)
                self.sales[pid] = self.sales.get(pid, 0.0) + n
                slot = self.index.slot_of.get(pid)
                if slot is not None and slot < len(arr):
                    arr[slot] += n

    def sales_array(self) -> np.ndarray:
        """(n_slots,) purchases per product slot (for "best selling"): slots added since the last call
        are filled from ``sales``, new purchases are added in place — no pass over the catalog."""
        with self._by_slot_lock:
            arr, ids = self._by_slot, self.index.ids
            n = len(ids)
            if len(arr) < n:
                new = [self.sales.get(pid, 0.0) if pid else 0.0 for pid in ids[len(arr) : n]]
                arr = self._by_slot = np.concatenate([arr, np.asarray(new, dtype=np.float64)])
            return arr[:n]
