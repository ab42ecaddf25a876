"""The human handoff packet: what an agent needs to take over a conversation without asking again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopmind.data.conversations import Conversations
from shopmind.data.store import NotFoundError, Store

# Value tiers by the customer's share of the shop's spend ranking (top 5 %, next 20 %, the rest).
TIERS = ((0.05, "vip"), (0.25, "high"), (1.01, "standard"))


def handoff_packet(
    store: Store, conversation_id: str, customer_id: str, reason: str, state=None, parse=None
) -> dict[str, Any]:
    """What a human agent needs to take over without asking again: why, the intent and entities of the
    customer's last message, the order talked about, the conversation's summary, the customer's latest
    orders, searches and value tier. (CLV and churn risk come live from the marketing models when the
    agent opens the conversation: :meth:`shopmind.assistant.agents.AgentDesk.view`.)"""
    msgs = Conversations(store).messages(conversation_id)
    orders, total = store.list_orders(customer_id=customer_id, limit=5)
    searches, _ = store.list_events(customer_id=customer_id, type="search", limit=5)
    return {
        "reason": reason,
        "customer_id": customer_id,
        "intent": parse.intent if parse is not None else None,
        "entities": [{"kind": e.kind, "value": str(e.value)} for e in parse.entities] if parse else [],
        "order": _order_brief(store, state.order_id if state is not None else None, customer_id),
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


def _order_brief(store: Store, order_id: str | None, customer_id: str) -> dict[str, Any] | None:
    """The order the conversation is about (only one of the customer's own), or None."""
    if not order_id:
        return None
    try:
        o = store.get_order(order_id)
    except NotFoundError:
        return None
    if o["customer_id"] != customer_id:
        return None
    keys = ("order_id", "status", "placed_at", "total", "tracking_number", "carrier")
    return {k: (o[k].isoformat() if isinstance(o.get(k), datetime) else o.get(k)) for k in keys}


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
    rank = store.customer_spend_rank(customer_id)
    mine, n = rank["spend"], rank["customers"]
    share = (rank["above"] + 1) / max(n, 1)
    tier = next(name for cut, name in TIERS if share <= cut) if mine > 0 else "new"
    return {"spend": round(mine, 2), "rank": rank["above"] + 1, "customers": n, "tier": tier}
