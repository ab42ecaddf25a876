"""The catalog's own vocabulary for query understanding: facet values, typo candidates, pinyin keys.

Built from the counters the :class:`ProductIndex` keeps up to date, so it follows the catalog:
a brand that arrives with a new product is recognised in the next query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import product as cartesian

from shopmind.search import analyze as A

COLOUR_KEYS = frozenset({"colour", "color", "颜色"})
SIZE_KEYS = frozenset({"size", "尺码", "storage", "存储", "capacity", "容量"})
CATEGORY_KEYS = frozenset({"category", "category_zh"})


@dataclass
class Facet:
    """One recognisable value: which field it filters and how important the constraint is."""

    kind: str  # brand | category | colour | size | attribute
    field: str  # "brand", "category" or "attributes.<key>"
    value: str  # the value as stored in the catalog

    @property
    def importance(self) -> int:
        """Higher = kept longer when a query with no results is relaxed."""
        return {"category": 5, "brand": 4, "colour": 3, "size": 2}.get(self.kind, 1)


def facet_of(key: str, value: str) -> Facet:
    if key == "brand":
        return Facet("brand", "brand", value)
    if key in CATEGORY_KEYS:
        return Facet("category", key if key == "category" else f"attributes.{key}", value)
    kind = "colour" if key in COLOUR_KEYS else "size" if key in SIZE_KEYS else "attribute"
    return Facet(kind, f"attributes.{key}", value)


@dataclass
class Vocabulary:
    """Lookup tables built once per index version."""

    en_phrases: dict[tuple[str, ...], list[Facet]] = field(default_factory=dict)  # stem tuple -> facets
    zh_phrases: dict[str, list[Facet]] = field(default_factory=dict)  # Chinese phrase -> facets
    words: dict[str, int] = field(default_factory=dict)  # English surface word -> count
    deletes: dict[str, list[str]] = field(default_factory=dict)  # one-deletion variant -> words
    pinyin: dict[str, str] = field(default_factory=dict)  # toneless pinyin -> Chinese term
    max_en: int = 1  # longest English phrase (words)

    @classmethod
    def build(cls, index, extra_words: set[str] = frozenset()) -> Vocabulary:  # noqa: B006 - read only
        voc = cls()
        zh_terms: dict[str, int] = defaultdict(int)
        for (key, value), count in list(index.value_counts.items()):
            if count <= 0:
                continue
            names = [value]
            if key in CATEGORY_KEYS:  # a category is named by its leaf
                names = [value.split(">")[-1].strip()]
            for name in names:
                voc._add_phrase(name, facet_of(key, value))
                if A.has_han(name):
                    zh_terms[A.normalise(name)] += count
        for w, c in list(index.han_counts.items()):
            if c > 0:
                if 2 <= len(w) <= 6:  # a whole title word (瑜伽砖), whatever jieba makes of it
                    zh_terms[w] += c
                for piece in A.jieba_module().lcut(w):
                    if len(piece) >= 2 and A.has_han(piece):
                        zh_terms[piece] += c
        voc.words = {w: c for w, c in list(index.word_counts.items()) if c > 0 and w.isalpha()}
        for w in extra_words:
            voc.words.setdefault(w, 1)
        voc.deletes = _deletes_index(voc.words)
        voc.pinyin = _pinyin_keys(zh_terms)
        return voc

    def _add_phrase(self, name: str, facet: Facet) -> None:
        norm = A.normalise(name).strip()
        if not norm:
            return
        if A.has_han(norm):
            self.zh_phrases.setdefault(norm.replace(" ", ""), []).append(facet)
            return
        key = tuple(A.stem(w) for w, _, _, _ in A.words(norm))
        if key:
            self.en_phrases.setdefault(key, []).append(facet)
            self.max_en = max(self.max_en, len(key))

    # ------------------------------------------------------------------ typo tolerance
    def correct(self, word: str) -> str | None:
        """The catalog word closest to an unknown ``word`` (Damerau-Levenshtein <= 1, or 2 when long)."""
        if len(word) < 4 or not word.isalpha():
            return None
        limit = 1 if len(word) <= 5 else 2
        cands: set[str] = set(self.deletes.get(word, ()))
        for d in _one_deletes(word):
            cands.update(self.deletes.get(d, ()))
            if d in self.words:
                cands.add(d)
        best: tuple[int, int, str] | None = None
        for c in cands:
            dist = damerau(word, c)
            if dist <= limit and abs(len(c) - len(word)) <= limit:
                key = (dist, -self.words.get(c, 0), c)
                best = key if best is None or key < best else best
        return best[2] if best else None

    # ------------------------------------------------------------------ pinyin
    def from_pinyin(self, word: str) -> list[str] | None:
        """Chinese terms spelling ``word`` in toneless pinyin (``lianyiqun`` -> [连衣裙]), or None."""
        if not self.pinyin or not word.isalpha() or len(word) < 4:
            return None
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(i + 2, min(n, i + 30) + 1):
                term = self.pinyin.get(word[i:j])
                if term and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                    best[j] = best[i] + [term]
        return best[n]


def _one_deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletes_index(words: dict[str, int]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for w in words:
        if len(w) >= 3:
            for d in _one_deletes(w):
                out[d].append(w)
    return dict(out)


def damerau(a: str, b: str) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _pinyin_keys(terms: dict[str, int], max_readings: int = 8) -> dict[str, str]:
    """Toneless pinyin (all readings of polyphones, up to ``max_readings``) -> the most frequent term."""
    try:
        from pypinyin import Style, pinyin
    except ImportError:  # pragma: no cover - optional dependency missing
        return {}
    keys: dict[str, tuple[int, str]] = {}
    for term, count in terms.items():
        readings = pinyin(term, style=Style.NORMAL, heteronym=True, errors="ignore")
        combos = 1
        for r in readings:
            combos *= len(r)
        if not readings or combos > max_readings:
            readings = [r[:1] for r in readings]
        for parts in cartesian(*readings):
            key = "".join(parts).lower()
            if key.isalpha() and (key not in keys or keys[key][0] < count):
                keys[key] = (count, term)
    return {k: t for k, (_, t) in keys.items()}
