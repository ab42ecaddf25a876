"""Run the scripted conversations against a shop and check every success condition by machine.

Customers and orders are *picked from the shop's data* for each case (a shipped order with a
tracking number, a cancellable one, one delivered inside or outside the return window …), never
reused by two cases, so the suite runs on any shop that has such orders (the demo shop, seed 7).
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shopmind.assistant.scripted_cases import CASES, Case
from shopmind.data.store import Store

log = logging.getLogger(__name__)
HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class CaseResult:
    case: Case
    ok: bool
    failed: list[str]
    transcript: list[tuple[str, str]]
    facts: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


# ---------------------------------------------------------------------- picking data
class Picker:
    """Chooses customers and orders for cases from the shop, never the same order twice."""

    def __init__(self, store: Store, now: datetime, window_days: int) -> None:
        import pandas as pd

        self.store = store
        orders = store.frame("orders")
        tl = store.frame("order_status")
        delivered = tl[tl.status == "delivered"].groupby("order_id")["at"].min()
        asked = set(tl.loc[tl.status == "refund_requested", "order_id"])
        orders["delivered_at"] = orders["order_id"].map(delivered)
        orders["asked"] = orders["order_id"].isin(asked)
        orders["n"] = orders.groupby("customer_id")["order_id"].transform("count")
        self.orders = orders.sort_values("placed_at", ascending=False, kind="stable")
        self.now, self.window = pd.Timestamp(now), timedelta(days=window_days)
        self.used_orders: set[str] = set()
        self.used_customers: set[str] = set()

    def _free(self, mask) -> Any:
        o = self.orders
        free = mask & ~o.order_id.isin(self.used_orders) & ~o.customer_id.isin(self.used_customers)
        return o[free]

    def _take(self, row, **extra) -> dict[str, Any]:
        self.used_orders.add(row.order_id)
        self.used_customers.add(row.customer_id)
        return {
            "customer": row.customer_id,
            "order": row.order_id,
            "tracking": row.tracking_number,
            "status": row.status,
            "address": row.shipping_address,
        } | extra

    def pick(self, needs: str) -> dict[str, Any] | None:
        o = self.orders
        cands = {
            "shipped": (o.status == "shipped") & (o.tracking_number != ""),
            "cancellable": o.status.isin(["placed", "paid"]),
            "delivered_in": (o.status == "delivered")
            & ~o.asked
            & (o.delivered_at > self.now - self.window + timedelta(days=1)),
            "delivered_out": (o.status == "delivered")
            & ~o.asked
            & (o.delivered_at < self.now - self.window - timedelta(days=5)),
            "any": o.tracking_number != "",
        }
        if needs in cands:
            rows = self._free(cands[needs])
            return self._take(rows.iloc[0]) if len(rows) else None
        return getattr(self, f"_pick_{needs}")()

    def _pick_two_orders(self) -> dict[str, Any] | None:
        o = self.orders
        rows = self._free((o.n == 2) & (o.tracking_number != ""))
        for _, group in rows.groupby("customer_id", sort=False):
            if len(group) == 2:
                a, b = group.iloc[0], group.iloc[1]
                self.used_orders.add(b.order_id)
                return self._take(a, other=b.order_id, other_tracking=b.tracking_number)
        return None

    def _pick_switch(self) -> dict[str, Any] | None:
        """A customer with a cancellable order and an already shipped/delivered one (the wrong one)."""
        o = self.orders
        for row in self._free(o.status.isin(["placed", "paid"]) & (o.n >= 2)).itertuples():
            wrong = o[(o.customer_id == row.customer_id) & o.status.isin(["shipped", "delivered"])]
            if len(wrong):
                w = wrong.iloc[0]
                self.used_orders.add(w.order_id)
                return self._take(row, wrong=w.order_id, wrong_status=w.status)
        return None

    def _pick_foreign(self) -> dict[str, Any] | None:
        o = self.orders
        mine = self._free(o.tracking_number != "")
        if not len(mine):
            return None
        me = self._take(mine.iloc[0])
        theirs = self._free(
            o.status.isin(["placed", "paid", "shipped"]) & (o.tracking_number != "") | o.status.isin(["paid"])
        )
        if not len(theirs):
            return None
        t = theirs.iloc[0]
        self.used_orders.add(t.order_id)
        self.used_customers.add(t.customer_id)
        return me | {
            "foreign": t.order_id,
            "foreign_tracking": t.tracking_number,
            "foreign_status": t.status,
            "foreign_address": t.shipping_address,
            "foreign_customer": t.customer_id,
        }


# ---------------------------------------------------------------------- checks
def _fill(text: str, facts: dict[str, Any]) -> str:
    return text.format(**{k: v for k, v in facts.items() if isinstance(v, str)})


def check(
    name: str, args: tuple, replies: list[dict[str, Any]], facts: dict[str, Any], ctx: dict[str, Any]
) -> bool:
    """One success condition over the case's replies and the store afterwards."""
    store: Store = ctx["store"]
    last = replies[-1]
    texts = [r["reply"] for r in replies]
    if name == "reply_has":
        return _fill(args[0], facts) in last["reply"]
    if name == "status":
        return store.get_order(facts["order"])["status"] == args[0]
    if name == "status_unchanged":
        return store.get_order(facts["order"])["status"] == facts["status"]
    if name == "address":
        return store.get_order(facts["order"])["shipping_address"] == args[0]
    if name == "address_unchanged":
        return store.get_order(facts["order"])["shipping_address"] == facts["address"]
    if name == "timeline_note":
        return args[0] in store.get_order(facts["order"])["timeline"][-1]["note"]
    if name in ("wrong_unchanged", "foreign_unchanged"):
        key = name.split("_")[0]
        return store.get_order(facts[key])["status"] == facts[f"{key}_status"]
    if name == "template":
        return any(r["template"] == args[0] for r in replies)
    if name == "confirm_asked":
        return any(r["state"]["awaiting_confirmation"] for r in replies[:-1]) and not any(
            a["ok"] for r in replies[:-1] for a in r["actions"] if a["tool"] in CHANGING
        )
    if name == "asked_order":
        return any(r["template"] == "ask_order" and facts["order"] in r["reply"] for r in replies)
    if name == "no_change":
        return not any(a["ok"] for r in replies for a in r["actions"] if a["tool"] in CHANGING)
    if name == "handoff":
        return (
            bool(last["handoff"])
            and store.frame("conversations")
            .set_index("conversation_id")
            .loc[ctx["conversation_id"], "status"]
            == "handoff"
        )
    if name == "no_handoff":
        return not last["handoff"]
    if name == "packet":
        p = ctx["transcript"]["handoff"] or {}
        return (
            bool(p.get("orders"))
            and "tier" in p.get("value", {})
            and "recent_searches" in p
            and p.get("summary", {}).get("last_lines")
        )
    if name == "cited":
        lang = ctx["case"].lang
        return any(
            c["doc_id"].endswith(f"-{lang}") and c["topic"] == args[0]
            for r in replies
            for c in r["citations"]
        )
    if name == "lang":
        zh = ctx["case"].lang == "zh"
        return all(bool(HAN.search(t[:30])) == zh for t in texts)
    if name == "message_meta_action":
        msgs = ctx["transcript"]["messages"]
        return any(
            a.get("tool") == args[0] and a.get("ok")
            for m in msgs
            if m["role"] == "assistant"
            for a in m["meta"].get("actions", [])
        )
    if name == "refusal_like_missing":
        missing = ctx["missing_reply"]
        return any(r["reply"].replace(facts["foreign"], "<ID>") == missing for r in replies[:1])
    if name == "no_leak":
        secrets = [facts["foreign_tracking"], facts["foreign_address"], facts["foreign_customer"]]
        return not any(s and s in t for s in secrets for t in texts)
    raise KeyError(f"unknown check {name!r}")


CHANGING = ("cancel_order", "request_return", "change_address")
MISSING_ID = "O999999"


# ---------------------------------------------------------------------- running
def run_case(service, case: Case, facts: dict[str, Any]) -> CaseResult:
    t0 = time.perf_counter()
    conv = service.start(facts["customer"], case.lang)
    cid = conv["conversation_id"]
    replies = [service.reply(cid, facts["customer"], _fill(m, facts)) for m in case.turns]
    ctx = {
        "store": service.store,
        "case": case,
        "conversation_id": cid,
        "transcript": service.transcript(cid),
    }
    if "foreign" in facts:  # the reply a non-existent order gets, for the "reveals nothing" check
        probe = service.start(facts["customer"], case.lang)["conversation_id"]
        msg = _fill(case.turns[0], facts | {"foreign": MISSING_ID})
        ctx["missing_reply"] = service.reply(probe, facts["customer"], msg)["reply"].replace(
            MISSING_ID, "<ID>"
        )
    failed = []
    for name, *args in case.checks:
        try:
            ok = check(name, tuple(args), replies, facts, ctx)
        except Exception as exc:  # noqa: BLE001 - a crashing check is a failed check, reported
            log.warning("check %s of %s crashed: %s", name, case.name, exc)
            ok = False
        if not ok:
            failed.append(name)
    transcript = [(_fill(m, facts), r["reply"]) for m, r in zip(case.turns, replies, strict=True)]
    return CaseResult(case, not failed, failed, transcript, facts, time.perf_counter() - t0)


def run_suite(service, cases: tuple[Case, ...] = CASES) -> list[CaseResult]:
    """Run ``cases`` (each on fresh data picked from the shop); a case whose data is missing fails."""
    picker = Picker(service.store, service.now(), service.tools.config.return_window_days)
    results = []
    for case in cases:
        facts = picker.pick(case.needs)
        if facts is None:
            results.append(CaseResult(case, False, [f"no data for {case.needs!r}"], []))
            continue
        results.append(run_case(service, case, facts))
    return results


def success_table(results: list[CaseResult]) -> dict[str, dict[str, tuple[int, int]]]:
    """{category: {lang: (passed, total)}} plus an "all" row and column."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in results:
        for cat in (r.case.category, "all"):
            for lang in (r.case.lang, "all"):
                table[cat][lang][0] += int(r.ok)
                table[cat][lang][1] += 1
    return {c: {lang: tuple(v) for lang, v in row.items()} for c, row in table.items()}
