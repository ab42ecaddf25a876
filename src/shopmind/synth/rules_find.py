"""What :class:`~shopmind.synth.rules.TableRules` finds in the rows: columns always in order
(learned as offsets) and hierarchies of text columns (learned as one column)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.synth.constraints import Constraint
    from shopmind.synth.roles import Role


def _seconds(s: pd.Series) -> np.ndarray:
    import pandas as pd

    from shopmind.synth.transform import to_numeric

    return to_numeric(s, "datetime" if pd.api.types.is_datetime64_any_dtype(s) else "float")


def find_orders(
    enc: pd.DataFrame, declared: list[Constraint], kinds: dict[str, str], detect: bool
) -> list[tuple[str, str]]:
    """(earlier, later) pairs to learn as offsets: each later column gets its closest earlier one
    (columns ranked by their median, then by position, so no column depends on itself)."""
    pairs = []
    for c in declared:
        if c.kind == "compare" and len(c.columns) == 2 and c.op in ("<", "<=", ">", ">="):
            pairs.append(tuple(c.columns) if c.op in ("<", "<=") else tuple(c.columns[::-1]))
    if detect:
        stamps = [c for c in enc.columns if kinds.get(c, "").startswith("datetime")]
        pairs += [(a, b) for a in stamps for b in stamps if a != b]
    cols = list(enc.columns)
    numeric = {c for c in cols if kinds.get(c) in ("int", "float", "datetime", "datetime-tz")}
    ok: dict[str, list[str]] = {}
    for a, b in dict.fromkeys(pairs):
        if a in numeric and b in numeric and always_before(enc[a], enc[b]):
            ok.setdefault(b, []).append(a)
    rank = {
        c: (float(np.nanmedian(_seconds(enc[c]))), cols.index(c))
        for c in numeric
        if c in ok or any(c in v for v in ok.values())
    }
    chosen = []
    for b in sorted(ok, key=rank.__getitem__):
        earlier = [a for a in ok[b] if rank[a] < rank[b]]
        if earlier:
            chosen.append((max(earlier, key=rank.__getitem__), b))
    return chosen


def always_before(a: pd.Series, b: pd.Series) -> bool:
    x, y = _seconds(a), _seconds(b)
    both = ~np.isnan(y)
    if both.sum() < 20 or np.isnan(x[both]).any():
        return False
    return bool(np.all(x[both] <= y[both]))


def find_hierarchies(enc: pd.DataFrame, kinds: dict[str, str], roles: list[Role]) -> list[list[str]]:
    """Chains of text columns where each child value belongs to one parent value (≥ 99 %)."""
    skip = {p for r in roles for p in r.parts if not p.endswith(("@city", "@country"))}
    text = [
        c
        for c in enc.columns
        if c not in skip and (kinds.get(c) == "text" or c.endswith(("@city", "@country")))
    ]
    n, found = len(enc), []
    for p in text:
        for c in text:
            kp, kc = enc[p].nunique(), enc[c].nunique()
            if p == c or not 2 <= kp < kc or n / kc < 3:
                continue
            both = enc[[p, c]].dropna()
            top = both.groupby(c, observed=True)[p].agg(lambda s: s.value_counts().iloc[0]).sum()
            if len(both) and top / len(both) >= 0.99:
                found.append([p, c])
    chains: list[list[str]] = []
    for p, c in found:  # join a -> b and b -> c into a -> b -> c
        head = next((ch for ch in chains if ch[-1] == p), None)
        if head is not None:
            head.append(c)
        elif not any(c in ch or p in ch for ch in chains):
            chains.append([p, c])
    return [ch for ch in chains if len(set(ch)) == len(ch)]
