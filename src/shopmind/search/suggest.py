"""Autocomplete: completions of a prefix from what shoppers searched (most visitors first) and from the
catalog's own terms (brands, categories, attribute values, title words), with pinyin prefixes
completing Chinese terms (``lian`` -> 连衣裙).

A searched query is offered to other shoppers only when it is *moderated in*: searched by at least
``min_visitors`` distinct visitors with results, not refused by the blocklist
(:mod:`shopmind.search.blocklist`) and not hidden by an admin — or approved by an admin, whatever
its counts. The counts and the admins' rules are handed in by the search service's background
refresh (:meth:`Suggester.set_query_log`), never read from the store on a request."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Mapping
from typing import Any

from shopmind.search import analyze as A
from shopmind.search.blocklist import blocked

MAX_QUERY = 100  # characters: a longer logged query is never suggested


def log_key(query: str) -> str:
    """The normalised form a query is counted, moderated and suggested under."""
    return " ".join(A.normalise(str(query)).split())


def merge_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """``{query: visitors}`` merged by normalised query (too long or empty ones dropped)."""
    merged: dict[str, int] = {}
    for q, n in counts.items():
        key = log_key(q)
        if key and len(key) <= MAX_QUERY:
            merged[key] = merged.get(key, 0) + int(n)
    return merged


def moderate(query: str, visitors: int, rule: str | None, min_visitors: int) -> tuple[bool, str]:
    """Whether a logged query (normalised) is offered to shoppers, and why (or why not)."""
    if rule == "approved":
        return True, "approved by an admin"
    if rule == "hidden":
        return False, "hidden by an admin"
    reason = blocked(query)
    if reason is not None:
        return False, f"blocklist: {reason}"
    if visitors < min_visitors:
        return False, f"searched by {visitors} of the {min_visitors} visitors needed"
    return True, f"searched by {visitors} visitors"


class Suggester:
    def __init__(self, index, parser, min_visitors: int = 3) -> None:
        self.index = index
        self.parser = parser
        self.min_visitors = min_visitors
        self._log: tuple[list[str], list[tuple[str, int]]] = ([], [])  # sorted keys, (key, count) rows
        self._catalog: tuple[int, list[str], list[tuple[str, int, str]]] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ sources
    def set_query_log(self, counts: Mapping[str, int], rules: Mapping[str, str] | None = None) -> None:
        """Replace the suggested queries with those of ``{query: distinct visitors}`` that are moderated
        in, given the admins' ``{normalised query: approved | hidden}`` rules."""
        merged, rules = merge_counts(counts), dict(rules or {})
        for q, rule in rules.items():
            if rule == "approved":
                merged.setdefault(q, 0)
        rows = sorted((q, n) for q, n in merged.items() if moderate(q, n, rules.get(q), self.min_visitors)[0])
        self._log = ([q for q, _ in rows], rows)

    def _query_log(self) -> tuple[list[str], list[tuple[str, int]]]:
        return self._log

    def catalog_terms(self) -> tuple[list[str], list[tuple[str, int, str]]]:
        """Sorted (key, count, text) of catalog terms; pinyin keys point at their Chinese term."""
        cached = self._catalog
        if cached is not None and cached[0] == self.index.version:
            return cached[1], cached[2]
        with self._lock:
            voc = self.parser.vocabulary()
            terms: dict[str, tuple[int, str]] = {}  # normalised -> (count, display form)

            def add(text: str, n: int) -> None:
                key = A.normalise(text).strip()
                if key:
                    count, shown = terms.get(key, (0, text))
                    terms[key] = (max(count, n), shown)

            for (key, value), n in list(self.index.value_counts.items()):
                add(value.split(">")[-1].strip() if key in ("category", "category_zh") else value, n)
            for w, n in voc.words.items():
                if len(w) >= 3:
                    add(w, n)
            rows = [(k, n, t) for k, (n, t) in terms.items()]
            han = {t: n for _, (n, t) in terms.items() if A.has_han(t)}
            rows += [(py, han.get(t, 1), t) for py, t in voc.pinyin.items()]
            rows.sort()
            self._catalog = (self.index.version, [r[0] for r in rows], rows)
            return self._catalog[1], self._catalog[2]

    # ------------------------------------------------------------------ answer
    def suggest(self, prefix: str, k: int = 10) -> list[dict[str, Any]]:
        key = log_key(prefix or "")[:MAX_QUERY]
        if not key:
            return []
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        keys, rows = self._query_log()
        hits = _prefixed(keys, rows, key, lambda r: r[0])
        for q, n in sorted(hits, key=lambda r: (-r[1], r[0]))[:k]:
            out.append({"text": q, "source": "query_log", "count": n})
            seen.add(q)
        ckeys, crows = self.catalog_terms()
        chits = _prefixed(ckeys, crows, key, lambda r: r[0])
        for _, n, text in sorted(chits, key=lambda r: (-r[1], r[2])):
            if len(out) >= k:
                break
            if A.normalise(text) not in seen:
                seen.add(A.normalise(text))
                out.append({"text": text, "source": "catalog", "count": n})
        return out[:k]


def _prefixed(keys: list[str], rows: list, prefix: str, _key, limit: int = 2000) -> list:
    start = bisect.bisect_left(keys, prefix)
    end = bisect.bisect_right(keys, prefix + "\U0010ffff", lo=start)
    return rows[start : min(end, start + limit)]
