"""Ranking: fuse lexical and dense evidence, apply filters, then business rules.

Fusion (over the union of the two candidate lists):

- **RRF** (Cormack, Clarke & Büttcher, SIGIR 2009): ``score(d) = sum_r 1 / (k + rank_r(d))``.
- **Weighted blend**: ``score(d) = alpha * bm25(d) / max bm25 + (1 - alpha) * minmax(cos(d))``, with
  ``alpha`` tuned on validation queries (``shopmind search evaluate --tune``).

With a second encoder in the index, its cosines take the share ``extra_weight`` (e) of the dense
part: ``dense(d) = (1 - e) * minmax(cos_1(d)) + e * minmax(cos_2(d))`` (RRF: a third rank list).

While dense vectors are being filled in, a candidate without a vector is ranked on its lexical
evidence alone: its dense part is taken equal to its normalised BM25 (RRF: its dense rank is its
lexical rank), and the min-max of the cosines runs over the candidates that have one. With every
vector in place this is the plain formula above.

Rules after fusion, in order: pinned products first, a personalisation boost from the recommender
for a known customer, and in-stock products before out-of-stock ones (stable, so relevance order
is kept inside each group).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shopmind.search.query import Chip

MODES = ("hybrid", "lexical", "dense")


@dataclass(frozen=True)
class FusionConfig:
    """How the two retrievers are combined (defaults: tuned on Home Depot validation queries)."""

    method: str = "blend"  # "blend" (weighted) or "rrf"
    alpha: float = 0.6  # blend: weight of normalised BM25 (1 - alpha: dense); 0.6 = Home Depot validation
    rrf_k: float = 60.0  # rrf: rank offset
    k_lexical: int = 1000  # lexical candidates kept
    k_dense: int = 100  # dense candidates kept
    personal_weight: float = 0.1  # boost for the recommender's top products (scores are in [0, 1])
    extra_weight: float = 0.0  # share of the dense part given to the index's second encoder (if any)


def minmax(x: np.ndarray) -> np.ndarray:
    if len(x) == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    return np.zeros_like(x) if hi - lo < 1e-9 else (x - lo) / (hi - lo)


def ranks(scores: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """1-based rank of each entry by descending score (inf where not ``valid``)."""
    order = np.argsort(-scores, kind="stable")
    r = np.empty(len(scores), dtype=np.float64)
    r[order] = np.arange(1, len(scores) + 1)
    if valid is not None:
        r[~valid] = np.inf
    return r


def rrf(rank_lists: list[np.ndarray], k: float = 60.0) -> np.ndarray:
    """Reciprocal-rank fusion of aligned rank arrays (inf = not in that list)."""
    return sum(1.0 / (k + r) for r in rank_lists)


def fuse(
    lex: np.ndarray,
    dense: np.ndarray,
    in_dense: np.ndarray,
    config: FusionConfig,
    extra: np.ndarray | None = None,
    in_extra: np.ndarray | None = None,
    has_dense: np.ndarray | None = None,
    has_extra: np.ndarray | None = None,
) -> np.ndarray:
    """Fused scores in [0, 1] for candidates with BM25 scores ``lex`` and cosines ``dense``.

    ``in_dense`` marks the candidates the dense retriever returned (the rest came from BM25 only).
    ``extra``/``in_extra``: the same from the index's second encoder, when it serves the query.
    ``has_dense``/``has_extra`` mark the candidates that have a vector (None: all do).
    """
    if config.method == "rrf":
        lex_rank = ranks(lex, lex > 0)
        lists = [lex_rank, _or(ranks(dense, in_dense | (lex > 0)), has_dense, lex_rank)]
        if extra is not None and in_extra is not None:
            lists.append(_or(ranks(extra, in_extra | (lex > 0)), has_extra, lex_rank))
        fused = rrf(lists, config.rrf_k)
        return fused / (len(lists) / (config.rrf_k + 1.0))
    top = float(lex.max()) if len(lex) else 0.0
    lexn = lex / top if top > 0 else np.zeros_like(lex)
    part = dense_blend(dense, extra, config, has_dense, has_extra, lexn)
    return config.alpha * lexn + (1.0 - config.alpha) * part


def dense_blend(
    dense: np.ndarray,
    extra: np.ndarray | None,
    config: FusionConfig,
    has_dense: np.ndarray | None = None,
    has_extra: np.ndarray | None = None,
    fallback: np.ndarray | None = None,
) -> np.ndarray:
    """The dense part in [0, 1]: the first encoder's min-max cosines, or both encoders' by weight;
    ``fallback`` (default 0) stands in where a candidate has no vector (``has_*`` False)."""
    fallback = np.zeros_like(dense, dtype=np.float64) if fallback is None else fallback
    first = _or(minmax_where(dense, has_dense), has_dense, fallback)
    if extra is None:
        return first
    e = config.extra_weight
    return (1.0 - e) * first + e * _or(minmax_where(extra, has_extra), has_extra, first)


def minmax_where(x: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Min-max over the ``valid`` entries only (the others are left at 0)."""
    if valid is None or valid.all():
        return minmax(x)
    out = np.zeros(len(x), dtype=np.float64)
    out[valid] = minmax(x[valid])
    return out


def _or(values: np.ndarray, valid: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    """``values`` where ``valid`` (None: everywhere), ``other`` elsewhere."""
    return values if valid is None else np.where(valid, values, other)


# ---------------------------------------------------------------------- filters
def column(cols, field: str):
    """The coded column a filter field names (None when the catalog has no such field)."""
    return cols.fields.get(field)


def chip_mask(cols, chip: Chip, index) -> np.ndarray:
    """Where a constraint chip lets a product through (all True for a chip that cannot apply)."""
    n = len(cols.alive)
    if chip.type == "price":
        ok = np.ones(n, dtype=bool)
        with np.errstate(invalid="ignore"):
            if chip.min is not None:
                ok &= cols.price >= chip.min
            if chip.max is not None:
                ok &= cols.price <= chip.max
        return ok
    if chip.type == "exclude" and chip.field == "text":
        from shopmind.search import analyze as A

        ok = np.ones(n, dtype=bool)
        for tok in set(A.analyze(str(chip.value))):
            ok &= ~index.bm25.has(tok, n)
        return ok
    col = column(cols, chip.field or "")
    if col is None:
        return np.ones(n, dtype=bool)
    hit = col.mask([chip.value])
    return ~hit if chip.type == "exclude" else hit


def constraints_mask(cols, chips: list[Chip], index) -> np.ndarray:
    """AND over fields, OR among values of the same field (``red or black``)."""
    mask = cols.alive.copy()
    by_field: dict[str, np.ndarray] = {}
    for chip in chips:
        m = chip_mask(cols, chip, index)
        if chip.type in ("exclude", "price"):
            mask &= m
        else:
            key = chip.field or chip.type
            by_field[key] = by_field[key] | m if key in by_field else m
    for m in by_field.values():
        mask &= m
    return mask


def filters_mask(cols, filters: dict[str, Any]) -> np.ndarray:
    """Explicit filters from the caller: brand, category (path or prefix), min/max price, in_stock,
    and ``attributes.<key>`` = value (a list means any of)."""
    mask = cols.alive.copy()
    for key, value in (filters or {}).items():
        if value is None or value == "" or value == []:
            continue
        if key == "min_price":
            with np.errstate(invalid="ignore"):
                mask &= cols.price >= float(value)
        elif key == "max_price":
            with np.errstate(invalid="ignore"):
                mask &= cols.price <= float(value)
        elif key == "in_stock":
            mask &= cols.in_stock if value else ~cols.in_stock
        elif key == "category":
            cats = cols.fields["category"]
            mask &= cats.mask([c for c in cats.values if c == value or c.startswith(f"{value} >")])
        else:
            col = column(cols, key)
            if col is None and (key == "brand" or key.startswith("attributes.")):
                mask &= False  # a field no product has: nothing matches
                continue
            if col is None:
                raise ValueError(
                    f"unknown filter {key!r}: use brand, category, min_price, max_price, "
                    "in_stock or attributes.<key>"
                )
            values = value if isinstance(value, (list, tuple, set)) else [value]
            mask &= col.mask([str(v) for v in values])
    return mask


def unknown_filter_values(cols, filters: dict[str, Any]) -> list[dict[str, str]]:
    """The explicit filter values no live product has, as ``{"field", "value"}`` (brand, category and
    ``attributes.<key>``): such a filter gives an empty result, and this says why."""
    out: list[dict[str, str]] = []
    for key, value in (filters or {}).items():
        if value is None or value == "" or value == [] or key in ("min_price", "max_price", "in_stock"):
            continue
        col = column(cols, key)
        values = value if isinstance(value, (list, tuple, set)) else [value]
        for v in map(str, values):
            wanted = [v]
            if key == "category" and col is not None:
                wanted = [c for c in col.values if c == v or c.startswith(f"{v} >")]
            known = col is not None and bool(col.mask(wanted)[cols.alive].any())
            if not known:
                out.append({"field": key, "value": v})
    return out


def preference_groups(chips: list[Chip]) -> list[list[Chip]]:
    """Soft chips grouped by the field they name (values of one field are alternatives)."""
    groups: dict[str, list[Chip]] = {}
    for chip in chips:
        groups.setdefault(chip.field or chip.type, []).append(chip)
    return list(groups.values())


def preference_match(cols, groups: list[list[Chip]], slots: np.ndarray, index) -> np.ndarray:
    """(G, N) whether each candidate satisfies each preference group."""
    out = np.zeros((len(groups), len(slots)), dtype=bool)
    for g, group in enumerate(groups):
        for chip in group:
            out[g] |= chip_mask(cols, chip, index)[slots]
    return out


# ---------------------------------------------------------------------- rules
def apply_rules(
    slots: np.ndarray,
    scores: np.ndarray,
    in_stock: np.ndarray,
    pinned: list[int] | None = None,
    personal: dict[int, float] | None = None,
    personal_weight: float = 0.1,
    keep_order: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Final order: pinned first, then (boosted) score with in-stock products before out-of-stock ones.

    ``personal`` maps slot -> affinity in [0, 1] from the recommender. ``keep_order`` keeps the
    incoming order (an explicit sort) and only moves pinned and in-stock products.
    """
    scores = scores.astype(np.float64).copy()
    if personal and not keep_order:
        boost = np.array([personal.get(int(s), 0.0) for s in slots])
        scores += personal_weight * boost
    pos = np.arange(len(slots))
    primary = pos if keep_order else -scores
    order = np.lexsort((primary, ~in_stock[slots]))
    slots, scores = slots[order], scores[order]
    if pinned:
        pin_rank = {s: i for i, s in enumerate(pinned)}
        is_pin = np.array([int(s) in pin_rank for s in slots], dtype=bool)
        extra = [s for s in pinned if s not in set(slots[is_pin].tolist())]
        head = sorted(slots[is_pin].tolist() + extra, key=pin_rank.__getitem__)
        top = float(scores.max()) if len(scores) else 1.0
        slots = np.concatenate([np.asarray(head, dtype=np.int64), slots[~is_pin]])
        scores = np.concatenate([np.full(len(head), top), scores[~is_pin]])
    return slots, scores
