"""Impressions: every answer that shows products gets an id and is logged off the request path.

An answer builds its impression row (:func:`impression`) and puts it on the bounded queue of an
:class:`ImpressionLog` — the search log's writer (:class:`~shopmind.search.query_log.QueryLog`) with
its own thread, writing batches with :meth:`~shopmind.data.store_online.OnlineQueries.log_impressions`.

What is guaranteed: an impression the queue accepted (``add`` returned True, so the answer carries its
``impression_id``) is written before ``flush()`` returns and before ``close()`` (a clean shutdown)
returns. A failed write is retried with back-off while the process runs; at ``close()`` what still
cannot be written goes to the spill file, which the next start writes first. What is not guaranteed:
a process killed without ``close()`` loses what was queued and not yet written — at most the last
``interval`` seconds (0.1 s) of impressions, or the backlog while the database is away. A full queue
refuses the impression: the answer still goes out, with ``impression_id`` null, counted in ``dropped``.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.search.query_log import QueryLog, QueryLogConfig

log = logging.getLogger(__name__)
SURFACES = ("search", "recommendations", "similar", "trending", "assistant", "campaign")
RETRY = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds between attempts at a failed write (then 5 s on)


def new_impression_id() -> str:
    return f"im-{uuid.uuid4().hex[:24]}"


def unit_of(customer_id: str | None, session_id: str | None, fallback: str | None = None) -> str:
    """Who an impression was shown to, the unit experiments assign: the customer, else the session."""
    if customer_id:
        return f"c:{customer_id}"
    if session_id:
        return f"s:{session_id}"
    return f"a:{fallback or 'anonymous'}"


def normalise_query(query: str | None) -> str | None:
    """A search query as analytics groups it: lower case, whitespace collapsed, at most 200 characters."""
    if query is None:
        return None
    return " ".join(query.lower().split())[:200] or None


def impression(
    surface: str,
    product_ids: list[str],
    *,
    customer_id: str | None = None,
    session_id: str | None = None,
    query: str | None = None,
    results: int | None = None,
    model_kind: str = "",
    model_version: str | None = None,
    experiment_id: str = "",
    arm: str = "",
    unit: str | None = None,
) -> dict[str, Any]:
    """An impression row (``surface`` one of :data:`SURFACES`; positions are the list's order)."""
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; surfaces: {', '.join(SURFACES)}")
    return {
        "impression_id": new_impression_id(),
        "at": datetime.now(UTC),
        "surface": surface,
        "query": normalise_query(query),
        "customer_id": customer_id or None,
        "session_id": session_id or "",
        "unit": (unit or unit_of(customer_id, session_id))[:140],
        "model_kind": model_kind,
        "model_version": model_version or "",
        "experiment_id": experiment_id,
        "arm": arm,
        "products": list(product_ids),
        "results": results,
    }


class ImpressionLog(QueryLog):
    """The bounded queue of impressions and its writer thread (module docstring: what is guaranteed).

    ``spill``: the file impressions that could not be written at ``close()`` go to (and are written
    from at the next start); None keeps no spill file."""

    name = "impression-log"

    def __init__(self, store: Any, config: QueryLogConfig | None = None, spill: Path | None = None) -> None:
        super().__init__(store, config)
        self.spill = spill
        self._replay()

    def log(self, row: dict[str, Any]) -> str | None:
        """Queue one impression; its id, or None when the queue was full (not logged)."""
        return row["impression_id"] if self.add(row, None) else None

    def _write(self, rows: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> None:
        batch = [row for row, _ in rows]
        for attempt in itertools.count():
            try:
                self.store.log_impressions(batch)
                self.written += len(batch)
                return
            except Exception as exc:  # noqa: BLE001 - the writer retries; the request never sees it
                if self._stop.is_set() and attempt >= 2:
                    self._to_spill(batch, exc)
                    return
                wait = RETRY[min(attempt, len(RETRY) - 1)]
                log.warning("%d impressions not written yet (retry in %.1f s): %s", len(batch), wait, exc)
                time.sleep(wait)

    def _to_spill(self, batch: list[dict[str, Any]], exc: Exception) -> None:
        if self.spill is None:
            self.dropped += len(batch)
            log.error("%d impressions lost at shutdown (no spill file): %s", len(batch), exc)
            return
        self.spill.parent.mkdir(parents=True, exist_ok=True)
        with self.spill.open("a", encoding="utf-8") as f:
            for row in batch:
                f.write(json.dumps({**row, "at": row["at"].isoformat()}, ensure_ascii=False) + "\n")
        log.warning("%d impressions kept in %s for the next start: %s", len(batch), self.spill, exc)

    def _replay(self) -> None:
        """Write what an earlier process spilled (then remove the file)."""
        if self.spill is None or not self.spill.exists():
            return
        rows = []
        for line in self.spill.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append({**row, "at": datetime.fromisoformat(row["at"])})
        try:
            self.written += self.store.log_impressions(rows)
        except Exception as exc:  # noqa: BLE001 - kept for the next start
            log.warning("spilled impressions not written yet (%s): %s", self.spill, exc)
            return
        self.spill.unlink()
        log.info("wrote %d spilled impressions from %s", len(rows), self.spill)
