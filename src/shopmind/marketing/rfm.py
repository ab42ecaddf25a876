"""RFM: recency, frequency and monetary value per customer, 1-5 scores and named segments.

Scores are quintiles of the customers' ranks (5 = best: most recent, most frequent, highest spend);
ranking first makes ties (many one-time buyers) split evenly instead of breaking ``qcut``.
Segments follow the widely used R×F map (Champions = R 5, F 4-5; Hibernating = R 1-2, F 1-2 …),
each with an English and a Chinese name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.marketing.data import Purchases


@dataclass(frozen=True)
class Segment:
    key: str  # stable id, e.g. "champions"
    en: str  # English name
    zh: str  # Chinese name
    pattern: str  # regex over "<R score><F score>"
    action_en: str  # what to do with them
    action_zh: str


# Evaluated in order; the first pattern that matches the two-digit "RF" code wins.
SEGMENTS: tuple[Segment, ...] = (
    Segment(
        "champions", "Champions", "冠军客户", r"5[4-5]", "reward them; ask for reviews", "给予奖励，邀请评价"
    ),
    Segment(
        "loyal", "Loyal", "忠诚客户", r"[3-4][4-5]", "upsell higher-value products", "推荐更高价值的商品"
    ),
    Segment(
        "potential_loyalists",
        "Potential loyalists",
        "潜力客户",
        r"[4-5][2-3]",
        "offer membership",
        "邀请加入会员",
    ),
    Segment("new_customers", "New customers", "新客户", r"51", "onboard them well", "做好新客引导"),
    Segment("promising", "Promising", "有希望的客户", r"41", "build brand awareness", "提升品牌认知"),
    Segment("need_attention", "Need attention", "需要关注", r"33", "limited-time offers", "限时优惠"),
    Segment(
        "about_to_sleep",
        "About to sleep",
        "即将沉睡",
        r"3[1-2]",
        "reconnect with popular picks",
        "推荐热门商品唤回",
    ),
    Segment("cannot_lose", "Can't lose them", "不能失去", r"[1-2]5", "win them back personally", "专人挽回"),
    Segment(
        "at_risk", "At risk", "有流失风险", r"[1-2][3-4]", "personalised win-back e-mails", "个性化挽回邮件"
    ),
    Segment(
        "hibernating", "Hibernating", "沉睡客户", r"[1-2][1-2]", "reactivate or let go", "尝试唤醒或放弃"
    ),
)
SEGMENT_BY_KEY = {s.key: s for s in SEGMENTS}


def rfm_table(purchases: Purchases) -> pd.DataFrame:
    """One row per customer with a purchase: recency (days), frequency (orders), monetary (total spend),
    tenure (days since first purchase), r/f/m scores 1-5, ``rfm`` code and ``segment`` key."""
    import pandas as pd

    o = purchases.orders
    if o.empty:
        cols = ["recency", "frequency", "monetary", "tenure", "r", "f", "m", "rfm", "segment"]
        return pd.DataFrame(columns=cols, index=pd.Index([], name="customer_id"))
    g = o.groupby("customer_id")
    day = pd.Timedelta(days=1)
    table = pd.DataFrame(
        {
            "recency": (purchases.as_of - g["date"].max()) / day,
            "frequency": g["order_id"].nunique().astype("int64"),
            "monetary": g["value"].sum().astype("float64"),
            "tenure": (purchases.as_of - g["date"].min()) / day,
        }
    )
    table["r"] = quintile(-table["recency"])
    table["f"] = quintile(table["frequency"])
    table["m"] = quintile(table["monetary"])
    table["rfm"] = table["r"].astype(str) + table["f"].astype(str) + table["m"].astype(str)
    table["segment"] = [segment_of(int(r), int(f)) for r, f in zip(table["r"], table["f"], strict=True)]
    table.index.name = "customer_id"
    return table


def quintile(values: pd.Series) -> pd.Series:
    """Scores 1..5 from the ranks of ``values`` (higher value = higher score; ties share the average rank)."""
    import numpy as np
    import pandas as pd

    ranks = values.rank(method="average", pct=True).to_numpy()
    return pd.Series(np.clip(np.ceil(ranks * 5), 1, 5).astype("int64"), index=values.index)


def segment_of(r: int, f: int) -> str:
    code = f"{r}{f}"
    for seg in SEGMENTS:
        if re.fullmatch(seg.pattern, code):
            return seg.key
    raise ValueError(f"RF code {code!r} matches no segment")  # the map covers all 25 codes


def segment_summary(table: pd.DataFrame) -> list[dict]:
    """Per named segment: size, customer share, revenue and its share, mean R/F/M (bilingual names)."""
    total_n, total_rev = len(table), float(table["monetary"].sum()) if len(table) else 0.0
    out = []
    for seg in SEGMENTS:
        part = table[table["segment"] == seg.key]
        rev = float(part["monetary"].sum())
        out.append(
            {
                "segment": seg.key,
                "name_en": seg.en,
                "name_zh": seg.zh,
                "customers": len(part),
                "customer_share": len(part) / total_n if total_n else 0.0,
                "revenue": rev,
                "revenue_share": rev / total_rev if total_rev else 0.0,
                "mean_recency_days": float(part["recency"].mean()) if len(part) else None,
                "mean_frequency": float(part["frequency"].mean()) if len(part) else None,
                "mean_monetary": float(part["monetary"].mean()) if len(part) else None,
                "action_en": seg.action_en,
                "action_zh": seg.action_zh,
            }
        )
    return out


def rfm_grid(table: pd.DataFrame) -> dict:
    """The R×F grid: customers and mean monetary value per (R score, F score) cell."""
    cells = []
    for r in range(1, 6):
        for f in range(1, 6):
            part = table[(table["r"] == r) & (table["f"] == f)]
            cells.append(
                {
                    "r": r,
                    "f": f,
                    "customers": len(part),
                    "mean_monetary": float(part["monetary"].mean()) if len(part) else 0.0,
                    "segment": segment_of(r, f),
                }
            )
    return {"cells": cells, "customers": len(table)}
