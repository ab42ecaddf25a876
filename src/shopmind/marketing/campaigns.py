"""Campaign planning, launch with a random hold-out, and outcomes fed back as labelled uplift data.

Planner. For customer i with predicted uplift u_i (extra probability of buying when contacted),
conversion probability when contacted p_i and expected order value v_i:

    incremental revenue  g_i = u_i · v_i
    expected cost        c_i = cost_per_contact + offer_value · p_i   (the offer is paid by converters)
    net                  n_i = g_i − c_i             (the list is ranked by g_i / c_i)

Customers with g_i ≤ c_i are never contacted (they lose money); the rest are taken greedily by
g_i / c_i while the expected spend Σ c_i stays within the budget. With one cost per contact this
greedy order is optimal up to the last customer (a fractional knapsack).

Launch stores the campaign in the ``campaigns`` table with the target list and a seeded random
hold-out (control) drawn from it. A message that shows products (the same list for everybody, or
each recipient's top recommendations) logs one impression per contacted recipient on the surface
``campaign`` (the hold-out is shown nothing); the recipient list (:func:`recipients`) carries each
recipient's ``impression_id`` and products, for the message's links to send back. After
``window_days`` the outcome (who bought, revenue) is read from orders, analysed as an A/B test, and
each contacted/held-out customer becomes a labelled row (features at launch, treatment, converted)
for the next uplift model.
"""

from __future__ import annotations

import csv
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.marketing.rfm import SEGMENT_BY_KEY

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.data.store import Store
    from shopmind.marketing.data import Purchases

log = logging.getLogger(__name__)
MAX_SHOWN = 10  # products one campaign message shows at most


@dataclass(frozen=True)
class PlanConfig:
    """A campaign's economics."""

    budget: float = 1000.0  # most the campaign may cost (contacts + expected offer redemptions)
    cost_per_contact: float = 0.5  # cost of one e-mail / SMS / coupon sent
    offer_value: float = 5.0  # value of the offer to a customer who uses it (paid on conversion)
    channel: str = "email"  # email, sms, push …


# Offline copy templates by RFM segment: (English, Chinese); {offer} is the offer's value.
COPY: dict[str, tuple[str, str]] = {
    "champions": (
        "Thank you for being one of our best customers: {offer} off your next order.",
        "感谢您一直以来的支持！下单立减 {offer}。",
    ),
    "loyal": (
        "Something new we think you'll love, with {offer} off for you.",
        "为您挑选了新品，专享立减 {offer}。",
    ),
    "potential_loyalists": (
        "Join our members' club today and get {offer} off.",
        "立即加入会员，享立减 {offer}。",
    ),
    "new_customers": ("Welcome! Here is {offer} off your second order.", "欢迎新朋友！第二单立减 {offer}。"),
    "promising": ("Discover our best sellers — {offer} off this week.", "发现人气好物，本周立减 {offer}。"),
    "need_attention": (
        "Only this week: {offer} off the things you like.",
        "限时一周：心仪好物立减 {offer}。",
    ),
    "about_to_sleep": (
        "It's been a while — here's {offer} off to catch up.",
        "好久不见！送您 {offer} 优惠，回来看看吧。",
    ),
    "cannot_lose": (
        "We miss you. Come back for {offer} off, just for you.",
        "我们想念您！专属回归礼立减 {offer}。",
    ),
    "at_risk": ("Picked for you: {offer} off your favourites.", "为您精选心头好，立减 {offer}。"),
    "hibernating": (
        "A little gift to say hello again: {offer} off.",
        "送您一份小礼物：立减 {offer}，欢迎回来。",
    ),
}


def copy_for(segment: str, offer: str) -> dict[str, str]:
    """The English and Chinese message for an RFM segment key."""
    en, zh = COPY.get(segment, COPY["need_attention"])
    return {"en": en.format(offer=offer), "zh": zh.format(offer=offer)}


def plan(scores: pd.DataFrame, config: PlanConfig) -> tuple[pd.DataFrame, dict]:
    """Choose whom to contact. ``scores`` (index customer_id) needs ``uplift``, ``p_convert`` and ``value``;
    optional ``segment``. Returns the ranked frame (``selected`` marks the target list) and a summary."""
    import pandas as pd

    missing = {"uplift", "p_convert", "value"} - set(scores.columns)
    if missing:
        raise ValueError(f"plan() needs columns {sorted(missing)} in the scores")
    if config.budget < 0 or config.cost_per_contact < 0 or config.offer_value < 0:
        raise ValueError("budget, cost_per_contact and offer_value must be >= 0")
    df = scores.copy()
    df["incremental_revenue"] = df["uplift"].clip(lower=0) * df["value"]
    df["expected_cost"] = config.cost_per_contact + config.offer_value * df["p_convert"].clip(0, 1)
    df["net"] = df["incremental_revenue"] - df["expected_cost"]
    ratio = df["incremental_revenue"] / df["expected_cost"].where(df["expected_cost"] > 0, 1e-12)
    df = (
        df.assign(_ratio=ratio)
        .sort_values(["_ratio", "net"], ascending=False, kind="stable")
        .drop(columns="_ratio")
    )
    profitable = (df["net"] > 0).to_numpy()
    spend = np.cumsum(np.where(profitable, df["expected_cost"].to_numpy(), 0.0))
    df["selected"] = profitable & (spend <= config.budget + 1e-9)
    chosen = df[df["selected"]]
    summary = {
        "config": asdict(config),
        "candidates": int(len(df)),
        "contacts": int(len(chosen)),
        "expected_cost": float(chosen["expected_cost"].sum()),
        "expected_incremental_revenue": float(chosen["incremental_revenue"].sum()),
        "expected_net": float(chosen["net"].sum()),
        "expected_conversions": float(chosen["p_convert"].sum()),
        "expected_incremental_conversions": float(chosen["uplift"].clip(lower=0).sum()),
        "profitable_candidates": int(profitable.sum()),
    }
    summary["roi"] = summary["expected_net"] / summary["expected_cost"] if summary["expected_cost"] else 0.0
    if "segment" in df:
        counts = chosen["segment"].value_counts()
        offer = f"{config.offer_value:g}"
        summary["segments"] = [
            {
                "segment": seg,
                "name_en": SEGMENT_BY_KEY[seg].en if seg in SEGMENT_BY_KEY else str(seg),
                "name_zh": SEGMENT_BY_KEY[seg].zh if seg in SEGMENT_BY_KEY else str(seg),
                "contacts": int(n),
                "copy": copy_for(seg, offer),
            }
            for seg, n in counts.items()
        ]
    return pd.DataFrame(df), summary


def forecast_curve(ranked: pd.DataFrame, points: int = 50) -> dict:
    """Cumulative expected cost, incremental revenue and net over the ranked list (for the forecast chart)."""
    cost = np.cumsum(ranked["expected_cost"].to_numpy())
    gain = np.cumsum(ranked["incremental_revenue"].to_numpy())
    idx = (
        np.unique(np.linspace(0, len(ranked) - 1, min(points, len(ranked))).astype(int))
        if len(ranked)
        else []
    )
    return {
        "contacts": [int(i + 1) for i in idx],
        "cost": [float(cost[i]) for i in idx],
        "incremental_revenue": [float(gain[i]) for i in idx],
        "net": [float(gain[i] - cost[i]) for i in idx],
        "selected": int(ranked["selected"].sum()) if "selected" in ranked else 0,
    }


def export_csv(ranked: pd.DataFrame, path: str | Path, offer: str = "") -> Path:
    """Write the selected customers with their numbers and bilingual copy to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chosen = ranked[ranked["selected"]]
    cols = [
        "customer_id",
        "segment",
        "uplift",
        "p_convert",
        "value",
        "incremental_revenue",
        "expected_cost",
        "copy_en",
        "copy_zh",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for cid, row in chosen.iterrows():
            seg = str(row.get("segment", ""))
            text = copy_for(seg, offer)
            w.writerow(
                [cid, seg, f"{row['uplift']:.5f}", f"{row['p_convert']:.5f}", f"{row['value']:.2f}",
                 f"{row['incremental_revenue']:.4f}", f"{row['expected_cost']:.4f}", text["en"], text["zh"]]
            )  # fmt: skip
    return path


# ---------------------------------------------------------------------------- launch and feedback
class NoTargetsError(ValueError):
    """A campaign with no customer to contact (its plan selected none: a budget below one contact, or
    no candidates), or none to compare (an empty treatment or control group)."""


def launch(
    store: Store,
    name: str,
    targets: list[str],
    config: PlanConfig,
    *,
    holdout_share: float = 0.1,
    window_days: int = 30,
    started_at: datetime | None = None,
    seed: int = 0,
    show: Callable[[str], dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """Record a running campaign: a seeded random ``holdout_share`` of ``targets`` is held out as control.
    ``show(customer_id)``: what the message shows a contacted customer (``{"impression_id", "products"}``,
    None: nothing); called for the contacted customers only."""
    if not targets:
        raise NoTargetsError(
            "a campaign needs at least one target customer, and the plan selected none: "
            "raise the budget or lower the cost per contact"
        )
    if not 0 < holdout_share < 1:
        raise ValueError(f"holdout_share must be in (0, 1), got {holdout_share}")
    rng = np.random.default_rng(seed)
    ids = np.array(sorted(set(targets)), dtype=object)
    held = rng.random(len(ids)) < holdout_share
    started = (started_at or datetime.now(UTC)).astimezone(UTC)
    treatment = [str(c) for c in ids[~held]]
    shown = {} if show is None else {c: s for c in treatment if (s := show(c)) is not None}
    row = {
        "campaign_id": f"cmp-{secrets.token_hex(6)}",
        "name": name,
        "channel": config.channel,
        "status": "running",
        "offer": f"{config.offer_value:g}",
        "budget": float(config.budget),
        "created_at": started,
        "meta": {
            "started_at": started.isoformat(),
            "window_days": int(window_days),
            "treatment": treatment,
            "control": [str(c) for c in ids[held]],
            "shown": shown,
            "plan": asdict(config),
            "seed": seed,
        },
    }
    store.upsert("campaigns", [row])
    return row


RECIPIENT_COLUMNS = ("customer_id", "impression_id", "products")


def recipients(campaign: dict[str, Any]) -> list[dict[str, Any]]:
    """The contacted customers of a campaign, each with the ``impression_id`` and products its message
    shows (null and empty when it shows none); the hold-out group is not contacted and not listed."""
    meta = campaign["meta"]
    shown = meta.get("shown") or {}
    rows = []
    for c in meta["treatment"]:
        message = shown.get(c) or {}
        rows.append(
            {"customer_id": c, "impression_id": message.get("impression_id"),
             "products": list(message.get("products") or [])}
        )  # fmt: skip
    return rows


def recipients_csv(rows: list[dict[str, Any]]) -> str:
    """The recipient list as CSV: customer_id, impression_id, products (space-separated ids)."""
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(RECIPIENT_COLUMNS)
    for r in rows:
        w.writerow([r["customer_id"], r["impression_id"] or "", " ".join(r["products"])])
    return out.getvalue()


def get_campaign(store: Store, campaign_id: str) -> dict[str, Any]:
    from shopmind.data.store import NotFoundError

    df = store.frame("campaigns", where={"campaign_id": campaign_id})
    if df.empty:
        raise NotFoundError(f"campaign {campaign_id!r} not found")
    return df.iloc[0].to_dict()


def outcome(store: Store, campaign_id: str, purchases: Purchases, *, record: bool = True) -> dict[str, Any]:
    """Who bought in the window after launch, per arm, as an A/B test; stored in the campaign's meta."""
    import pandas as pd

    from shopmind.marketing.abtest import Arm, analyse

    camp = get_campaign(store, campaign_id)
    meta = dict(camp["meta"])
    start = pd.Timestamp(meta["started_at"])
    end = start + pd.Timedelta(days=meta["window_days"])
    o = purchases.orders
    window = o[(o["date"] >= start) & (o["date"] < end)]
    revenue = window.groupby("customer_id")["value"].sum()
    arms = []
    for arm in ("control", "treatment"):
        ids = meta[arm]
        if not ids:
            raise NoTargetsError(
                f"campaign {campaign_id}: the {arm} group is empty, so there is nothing to compare"
            )
        rev = revenue.reindex(ids).fillna(0.0).to_numpy()
        arms.append(Arm(arm, len(ids), int((rev > 0).sum()), tuple(float(v) for v in rev)))
    result = analyse(arms, control="control")
    result["window"] = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "complete": bool(purchases.as_of >= end),
    }
    if record:
        meta["outcome"] = {
            "analysis": result,
            "converted": sorted(set(revenue.index) & (set(meta["treatment"]) | set(meta["control"]))),
        }
        status = "finished" if result["window"]["complete"] else "running"
        store.upsert("campaigns", [{**camp, "meta": meta, "status": status}])
    return result


def labelled_data(store: Store, purchases: Purchases) -> pd.DataFrame:
    """Every customer of every campaign with a recorded outcome: features at launch (churn snapshot
    features), ``treatment`` (1 contacted / 0 held out), ``label`` (bought within the window), campaign_id."""
    import pandas as pd

    from shopmind.marketing.churn import snapshot

    campaigns = store.frame("campaigns")
    parts = []
    for _, camp in campaigns.iterrows():
        meta = camp["meta"]
        if "outcome" not in meta:
            continue
        snap = snapshot(purchases, pd.Timestamp(meta["started_at"]), meta["window_days"])
        for arm, flag in (("treatment", 1), ("control", 0)):
            rows = snap.reindex([c for c in meta[arm] if c in snap.index]).copy()
            rows["treatment"] = flag
            rows["campaign_id"] = camp["campaign_id"]
            parts.append(rows)
    return pd.concat(parts) if parts else pd.DataFrame()
