"""Conversations and messages in the store (SQLite or PostgreSQL), and the human handoff packet."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from shopmind.data import tables as T
from shopmind.data.schema import as_utc
from shopmind.data.store import NotFoundError, Store

STATUSES = ("open", "handoff", "closed")
# Value tiers by the customer's share of the shop's spend ranking (top 5 %, next 20 %, the rest).
TIERS = ((0.05, "vip"), (0.25, "high"), (1.01, "standard"))


def _utc(v: Any) -> Any:
    return as_utc(v) if isinstance(v, datetime) else v


class Conversations:
    """Create, append to, read and list conversations."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, customer_id: str, lang: str, at: datetime | None = None) -> dict[str, Any]:
        row = {
            "conversation_id": f"CV{secrets.token_hex(8)}",
            "customer_id": customer_id,
            "lang": lang,
            "status": "open",
            "started_at": at or datetime.now(UTC),
        }
        with self.store.begin() as conn:
            conn.execute(T.conversations.insert().values(**row))
        return row

    def get(self, conversation_id: str) -> dict[str, Any]:
        c = T.conversations
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(c).where(c.c.conversation_id == conversation_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"conversation {conversation_id!r} not found")
        return {k: _utc(v) for k, v in row.items()}

    def append(
        self, conversation_id: str, role: str, text: str, meta: dict[str, Any], at: datetime | None = None
    ) -> int:
        """Add one message; returns its sequence number."""
        m = T.messages
        with self.store.begin() as conn:
            seq = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(m.c.seq), 0)).where(
                    m.c.conversation_id == conversation_id
                )
            ).scalar_one()
            conn.execute(
                m.insert().values(
                    conversation_id=conversation_id,
                    seq=seq + 1,
                    role=role,
                    text=text,
                    at=at or datetime.now(UTC),
                    meta=meta,
                )
            )
        return seq + 1

    def update(self, conversation_id: str, **values: Any) -> None:
        c = T.conversations
        with self.store.begin() as conn:
            conn.execute(c.update().where(c.c.conversation_id == conversation_id).values(**values))

    def messages(self, conversation_id: str, last: int | None = None) -> list[dict[str, Any]]:
        m = T.messages
        stmt = sa.select(m).where(m.c.conversation_id == conversation_id).order_by(m.c.seq.desc())
        if last:
            stmt = stmt.limit(last)
        with self.store.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [{k: _utc(v) for k, v in r.items() if k != "conversation_id"} for r in rows][::-1]

    def last_state(self, conversation_id: str) -> dict[str, Any] | None:
        """The dialogue state saved with the latest assistant message (None before the first reply)."""
        m = T.messages
        stmt = (
            sa.select(m.c.meta)
            .where(m.c.conversation_id == conversation_id, m.c.role == "assistant")
            .order_by(m.c.seq.desc())
            .limit(1)
        )
        with self.store.engine.connect() as conn:
            meta = conn.execute(stmt).scalar()
        return (meta or {}).get("state")

    def list(
        self, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Conversations, newest first; ``status="handoff"`` is the human agents' queue."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
        c = T.conversations
        cond = [c.c.status == status] if status else []
        return self.store._page(c, cond, c.c.started_at.desc(), limit, offset)

    def handoff_packet(self, conversation_id: str) -> dict[str, Any] | None:
        """The latest handoff packet saved in the conversation (None if never handed over)."""
        for msg in reversed(self.messages(conversation_id)):
            if msg["role"] == "system" and "handoff" in (msg["meta"] or {}):
                return msg["meta"]["handoff"]
        return None


# ---------------------------------------------------------------------- handoff
def handoff_packet(store: Store, conversation_id: str, customer_id: str, reason: str) -> dict[str, Any]:
    """What a human agent needs to take over without asking again."""
    conv = Conversations(store)
    msgs = conv.messages(conversation_id)
    orders, total = store.list_orders(customer_id=customer_id, limit=5)
    searches, _ = store.list_events(customer_id=customer_id, type="search", limit=5)
    return {
        "reason": reason,
        "customer_id": customer_id,
        "summary": transcript_summary(msgs),
        "orders": [
            {
                k: (o[k].isoformat() if isinstance(o[k], datetime) else o[k])
                for k in ("order_id", "status", "placed_at", "total", "tracking_number")
            }
            for o in orders
        ],
        "orders_total": total,
        "recent_searches": [s["query"] for s in searches],
        "value": value_tier(store, customer_id),
    }


def transcript_summary(messages: list[dict[str, Any]], max_lines: int = 12) -> dict[str, Any]:
    """Intents asked, actions taken and the last lines of the transcript."""
    intents, actions = [], []
    for m in messages:
        meta = m.get("meta") or {}
        if m["role"] == "assistant" and meta.get("intent") and meta["intent"] not in intents:
            intents.append(meta["intent"])
        for a in meta.get("actions", []):
            if a.get("tool") in ("cancel_order", "request_return", "change_address"):
                actions.append(
                    {"tool": a["tool"], "order_id": a.get("args", {}).get("order_id"), "ok": a.get("ok")}
                )
    lines = [f"{m['role']}: {m['text'][:200]}" for m in messages if m["role"] in ("customer", "assistant")]
    return {
        "intents": intents,
        "actions": actions,
        "turns": sum(m["role"] == "customer" for m in messages),
        "last_lines": lines[-max_lines:],
    }


def value_tier(store: Store, customer_id: str) -> dict[str, Any]:
    """The customer's spend (orders not cancelled) and tier by rank among all customers' spend."""
    o = T.orders
    spend = sa.func.sum(o.c.total)
    live = o.c.status != "cancelled"
    with store.engine.connect() as conn:
        mine = conn.execute(sa.select(spend).where(live, o.c.customer_id == customer_id)).scalar() or 0.0
        per_customer = sa.select(spend.label("s")).where(live).group_by(o.c.customer_id).subquery()
        n = conn.execute(sa.select(sa.func.count()).select_from(per_customer)).scalar_one()
        above = conn.execute(
            sa.select(sa.func.count()).select_from(per_customer).where(per_customer.c.s > mine)
        ).scalar_one()
    share = (above + 1) / max(n, 1)
    tier = next(name for cut, name in TIERS if share <= cut) if mine > 0 else "new"
    return {"spend": round(float(mine), 2), "rank": above + 1, "customers": n, "tier": tier}
