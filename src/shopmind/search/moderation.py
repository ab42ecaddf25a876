"""Admin moderation of the suggested queries: the list of logged queries with what each one is now
(live, pending, blocked, approved, hidden) and why, and the rules that approve (always offer) or hide
(never offer) one. Rules live in the store, so every replica applies them (within its refresh)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shopmind.search.blocklist import blocked
from shopmind.search.suggest import MAX_QUERY, log_key, merge_counts, moderate

if TYPE_CHECKING:
    from shopmind.data.store import Store

ACTIONS = {"approve": "approved", "hide": "hidden", "clear": None}
PENDING = ("pending", "blocked")  # logged queries no admin has decided on that are not offered


def suggestion_list(store: Store, min_visitors: int, pending: bool = False, limit: int = 100) -> list[dict]:
    """Logged queries (most visitors first) with their status and the reason for it; ``pending``: only
    those not offered that no admin has decided on (below the visitor threshold, or blocklisted)."""
    counts = merge_counts(store.query_visitors(limit=max(limit * 4, 1000)))
    rules = store.suggestion_rules()
    for q in rules:
        counts.setdefault(q, 0)
    out: list[dict[str, Any]] = []
    for q, n in sorted(counts.items(), key=lambda r: (-r[1], r[0])):
        live, reason = moderate(q, n, rules.get(q), min_visitors)
        status = rules.get(q) or ("live" if live else "blocked" if blocked(q) else "pending")
        if pending and status not in PENDING:
            continue
        out.append({"text": q, "visitors": n, "status": status, "offered": live, "reason": reason})
        if len(out) >= limit:
            break
    return out


def set_rule(store: Store, text: str, action: str) -> dict[str, Any]:
    """Approve, hide or clear (back to the automatic rules) the query ``text``; returns the rule."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    key = log_key(text)
    if not key or len(key) > MAX_QUERY:
        raise ValueError(f"a suggestion is 1-{MAX_QUERY} characters (after normalising); got {len(key)}")
    store.set_suggestion_rule(key, ACTIONS[action])
    return {"text": key, "status": ACTIONS[action] or "automatic"}
