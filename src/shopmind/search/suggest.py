"""Autocomplete: completions of a prefix from the query log (what shoppers searched, most frequent
first) and from the catalog's own terms (brands, categories, attribute values, title words), with
pinyin prefixes completing Chinese terms (``lian`` -> 连衣裙)."""

from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from typing import Any

from shopmind.search import analyze as A


class Suggester:
    def __init__(self, index, parser, store=None, log_ttl: float = 60.0, min_log_count: int = 1) -> None:
        self.index = index
        self.parser = parser
        self.store = store
        self.log_ttl = log_ttl
        self.min_log_count = min_log_count
        self._log: tuple[float, list[str], list[tuple[str, int]]] | None = None
        self._catalog: tuple[int, list[str], list[tuple[str, int, str]]] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ sources
    def _query_log(self) -> tuple[list[str], list[tuple[str, int]]]:
        cached = self._log
        if cached is not None and time.monotonic() - cached[0] < self.log_ttl:
            return cached[1], cached[2]
        counts: Counter[str] = Counter()
        if self.store is not None:
            for q, n in self.store.search_query_counts().items():
                key = " ".join(A.normalise(str(q)).split())
                if key and len(key) <= 100:
                    counts[key] += n
        rows = sorted((q, n) for q, n in counts.items() if n >= self.min_log_count)
        self._log = (time.monotonic(), [q for q, _ in rows], rows)
        return self._log[1], self._log[2]

    def _catalog_terms(self) -> tuple[list[str], list[tuple[str, int, str]]]:
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
        key = " ".join(A.normalise(prefix or "").split())[:100]
        if not key:
            return []
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        keys, rows = self._query_log()
        hits = _prefixed(keys, rows, key, lambda r: r[0])
        for q, n in sorted(hits, key=lambda r: (-r[1], r[0]))[:k]:
            out.append({"text": q, "source": "query_log", "count": n})
            seen.add(q)
        ckeys, crows = self._catalog_terms()
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
