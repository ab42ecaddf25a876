"""A labelled query-understanding suite over the demo catalog, grouped by phenomenon.

Every case is built from one *anchor* product of the demo catalog (``make_catalog``, fixed seed): its
noun, colour, material, feature or brand, written in Chinese or English with a template of its group,
so the expected parse (corrections, pinyin, exclusions, price range, price intent, facet values) is
known from the draw, not from the parser, and so are the relevant products (graded gains from the
catalog's own fields). Groups: typo, pinyin, negation, price_intent, brand, attribute, mixed
(Chinese and English in one query) and no_result (things the catalog does not sell).

Each case is assigned to the *dev* part (rules are built and tuned on it) or the held-out *test*
part (reported once) by its position: even positions of a group are dev, odd ones test.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

GROUPS = ("typo", "pinyin", "negation", "price_intent", "brand", "attribute", "mixed", "no_result")


@dataclass
class Case:
    """One labelled query."""

    query: str
    group: str
    lang: str  # "zh" | "en" | "mixed"
    split: str  # "dev" | "test"
    expect: dict[str, Any] = field(default_factory=dict)  # the expected parse (see :func:`parse_ok`)
    gains: dict[str, float] = field(default_factory=dict)  # product id -> graded relevance (2, 1)


# ---------------------------------------------------------------------- parse accuracy
def parse_ok(parsed: dict[str, Any], expect: dict[str, Any]) -> bool:
    """Whether a parse (``ParsedQuery.to_dict()``) says what the case expects: exactly the expected
    corrections, pinyin readings, excluded values, price range and price intent, and at least the
    expected facet values (with no excluded value also read as a wanted one)."""
    chips = parsed["chips"]

    def of(kind: str) -> list[dict]:
        return [c for c in chips if c["type"] == kind]

    fixes = {c["text"]: c["value"] for c in of("correction")}
    pinyin = {c["text"]: c["value"].replace(" ", "") for c in of("pinyin")}
    excluded = {str(c["value"]).lower() for c in of("exclude")}
    prices = [(c.get("min"), c.get("max")) for c in of("price")]
    intent = next((c["value"] for c in of("price_intent")), None)
    facets = {(c["type"], str(c["value"]).lower()) for c in chips if c["type"] in _FACETS}
    want = {(k, str(v).lower()) for k, v in expect.get("facets", [])}
    return (
        fixes == expect.get("corrections", {})
        and pinyin == expect.get("pinyin", {})
        and excluded == {str(v).lower() for v in expect.get("exclude", [])}
        and prices == [tuple(p) for p in expect.get("price", [])]
        and intent == expect.get("intent")
        and want <= facets
        and not any(v in excluded for _, v in facets)
    )


_FACETS = ("brand", "category", "colour", "size", "attribute")


# ---------------------------------------------------------------------- reading and writing
def save(cases: list[Case], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(asdict(c), ensure_ascii=False, sort_keys=True) + "\n")


def load(path: Path, split: str | None = None) -> list[Case]:
    cases = [Case(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [c for c in cases if split is None or c.split == split]
