"""Query understanding: a typed query becomes retrieval text plus structured *chips* the UI can show.

``QueryParser(index).parse("200元以下 不要红色的连衣裙")`` ->
``ParsedQuery(text="连衣裙", chips=[price ≤ 200, exclude colour 红色, category 连衣裙 …])``.

What is recognised, in this order:

1. price ranges ("200元以下", "100到300元", "under $50", "between 20 and 40 dollars"); no currency
   conversion: the number is taken in the shop's prices, and the chip keeps the currency said;
2. sort intents ("最便宜", "cheapest", "best selling", "newest" …);
3. price intents ("cheap", "便宜", "实惠", "premium", "高端"): cheaper (dearer) matches rank first;
4. negation ("不要红色", "不是苹果的", "非皮革", "not leather", "without hood", "except Voltix"): an
   excluded brand, category or attribute value, else an excluded word;
5. pinyin typed for Chinese ("lianyiqun" -> 连衣裙) and English typos ("iphnoe" -> iphone), both
   against the catalog's own words; a word the catalog or the common English word list knows is never
   replaced ("case" stays "case"), and :attr:`ParsedQuery.corrected` says what was searched instead;
6. brands, categories, colours, sizes and other attribute values, from the catalog's vocabulary;
7. synonyms from ``synonyms.txt`` (extra lexical terms at a lower weight);
8. the *needs*: the content words a product must have, or meet a chip of, to match
   (:mod:`shopmind.search.needs`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shopmind.search import analyze as A
from shopmind.search.needs import Need, needs_of
from shopmind.search.vocab import Facet, Vocabulary
from shopmind.search.words import FILLER_EN, PRICE_INTENTS, common_english

MAX_QUERY_CHARS = 1000
SYNONYM_WEIGHT = 0.4  # lexical weight of a synonym's terms (typed words weigh 1)
SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")

_NUM = r"(\d+(?:\.\d+)?)"
_CUR_EN = r"(?:\s*(?:dollars?|usd|bucks|yuan|rmb|cny|元|块))?"
PRICE_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"{_NUM}\s*(?:到|至|-|~|～)\s*{_NUM}\s*(?:元|块)"), "range"),
    (
        re.compile(rf"(?:between|from)\s*[$¥]?\s*{_NUM}{_CUR_EN}\s*(?:and|to|-)\s*[$¥]?\s*{_NUM}{_CUR_EN}"),
        "range",
    ),
    (re.compile(rf"[$¥]\s*{_NUM}\s*(?:-|to)\s*[$¥]?\s*{_NUM}"), "range"),
    (re.compile(rf"{_NUM}\s*(?:元|块)?\s*(?:以下|以内|之内|内)"), "max"),
    (re.compile(rf"(?:低于|不超过|不到|少于|小于)\s*{_NUM}\s*(?:元|块)?"), "max"),
    (
        re.compile(
            rf"(?:under|below|less than|cheaper than|up to|at most|max|<=?)\s*[$¥]?\s*{_NUM}{_CUR_EN}"
        ),
        "max",
    ),
    (re.compile(rf"{_NUM}\s*(?:元|块)?\s*以上"), "min"),
    (re.compile(rf"(?:高于|超过|大于|不低于)\s*{_NUM}\s*(?:元|块)?"), "min"),
    (re.compile(rf"(?:over|above|more than|at least|min|>=?)\s*[$¥]?\s*{_NUM}{_CUR_EN}"), "min"),
]

SORT_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"最便宜|价格最低|价格从低到高|cheapest|lowest price|price low to high"), "price_asc"),
    (re.compile(r"最贵|价格最高|价格从高到低|most expensive|highest price|price high to low"), "price_desc"),
    (
        re.compile(
            r"销量最高|最畅销|卖得最好|热销|爆款|best[- ]?sell(?:ing|ers?)|most popular|top sell(?:ing|ers?)"
        ),
        "best_selling",
    ),
    (re.compile(r"最新|新品|新款|上新|newest|latest|new arrivals?"), "newest"),
]

# A negator and the run after it; "不是" and "非" negate only a catalog value ("非常" is not a negation)
_NEG_ZH = re.compile(rf"(不想要|不要|别要|不含|不带|除了|排除|不是|非)\s*([{A.HAN}a-z0-9]+)")
_NEG_ZH_WEAK = ("不是", "非")
_NEG_ZH_TAIL = re.compile(r"^(?:之外|以外)?的?")
_NEG_EN = re.compile(
    rf"(?:\b(?:not|no|without|except|excluding|but not)\s+|(?<![\w-])-(?=\w))([a-z0-9][a-z0-9'-]*|[{A.HAN}]+)"
    r"((?:\s+(?:&\s+)?[a-z0-9][a-z0-9'-]*){0,2})"
)

# Words a shopper types that are not catalog words: never "corrected" and never read as pinyin.
QUERY_WORDS = FILLER_EN | frozenset("cheapest newest latest".split())


@dataclass
class Chip:
    """One understood piece of the query (JSON-ready through :meth:`to_dict`)."""

    type: str  # price|price_intent|sort|exclude|brand|category|colour|size|attribute|correction|pinyin…
    text: str  # the words of the query it came from
    field: str | None = None  # what it filters: "price", "brand", "category", "attributes.<key>", "text"
    value: Any = None  # the value (a stored catalog value, a sort key, the replacement …)
    min: float | None = None  # price chips
    max: float | None = None  # price chips
    currency: str | None = None  # price chips: the currency the shopper named (no conversion)
    importance: int = 0  # constraints with lower importance are relaxed first on zero results

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The chip's fields; with ``lang`` ("zh"/"en") also a human ``label`` in that language."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k != "importance"}
        if lang is not None:
            from shopmind.search.labels import chip_label

            out["label"] = chip_label(self, lang)
        return out


@dataclass
class ParsedQuery:
    """The parse of one query."""

    raw: str
    text: str  # what retrieval searches for (price, sort and negation phrases removed, fixes applied)
    chips: list[Chip] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)  # lexical terms with weights
    sort: str | None = None
    needs: list[Need] = field(default_factory=list)  # what a product must have to match
    corrected: str | None = None  # the query as searched when a word was corrected or read as pinyin

    @property
    def lang(self) -> str:
        """The shopper's language: "zh" when the query has Chinese characters, else "en"."""
        return "zh" if A.has_han(self.raw) else "en"

    @property
    def price_intent(self) -> str | None:
        """The price intent: "low" (cheap, 便宜 …), "high" (premium, 高端 …) or None."""
        return next((c.value for c in self.chips if c.type == "price_intent"), None)

    @property
    def constraints(self) -> list[Chip]:
        """Hard chips (price ranges, exclusions): products outside them are filtered out."""
        return [c for c in self.chips if c.type in ("price", "exclude")]

    @property
    def preferences(self) -> list[Chip]:
        """Soft chips (brand, category, colour, size, attributes): products matching them rank first,
        products matching only some still follow (so a query never loses its near misses)."""
        return [c for c in self.chips if c.type in ("brand", "category", "colour", "size", "attribute")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "text": self.text,
            "sort": self.sort,
            "chips": [c.to_dict(self.lang) for c in self.chips],
            "lang": self.lang,
            "needs": [n.text for n in self.needs],
            "corrected": self.corrected,
        }


def load_synonyms(path: Path | None = None) -> list[tuple[list[str], list[str]]]:
    """Synonym rules as (left, right): ``a, b, c`` = all equivalent; ``a => b`` = a also finds b."""
    rules: list[tuple[list[str], list[str]]] = []
    text = (path or SYNONYMS_FILE).read_text(encoding="utf-8") if (path or SYNONYMS_FILE).exists() else ""
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            rules.append((_terms(left), _terms(right)))
        else:
            group = _terms(line)
            rules.append((group, group))
    return rules


def _terms(part: str) -> list[str]:
    return [A.normalise(t).strip() for t in re.split(r"[,，]", part) if t.strip()]


class QueryParser:
    """Parses queries against an index's vocabulary (rebuilt when the catalog changes)."""

    def __init__(self, index, synonyms: Path | None = None) -> None:
        self.index = index
        self.synonyms = load_synonyms(synonyms)
        self._vocab: tuple[int, Vocabulary] | None = None
        self._lock = threading.Lock()
        self._syn_words = {w for left, right in self.synonyms for t in left + right for w in t.split()}

    def vocabulary(self) -> Vocabulary:
        cached = self._vocab
        if cached is not None and cached[0] == self.index.version:
            return cached[1]
        with self._lock:
            if self._vocab is None or self._vocab[0] != self.index.version:
                extra = set(QUERY_WORDS) | {w for w in self._syn_words if w.isalpha() and w.isascii()}
                self._vocab = (self.index.version, Vocabulary.build(self.index, extra))
            return self._vocab[1]

    def parse(self, raw: str, correct: bool = True) -> ParsedQuery:
        """The parse of ``raw``; ``correct=False`` searches the words as typed (no typo or pinyin
        rewriting: "search instead for …")."""
        raw = (raw or "")[:MAX_QUERY_CHARS]
        text = A.normalise(raw)
        chips: list[Chip] = []
        text = self._prices(text, chips)
        sort = None
        for rule, key in SORT_RULES:
            m = rule.search(text)
            if m:
                sort = sort or key
                chips.append(Chip("sort", m.group(0), value=key))
                text = text[: m.start()] + " " + text[m.end() :]
        text = self._price_intents(text, chips)
        voc = self.vocabulary()
        text = self._negations(text, chips, voc)
        corrected = None
        if correct:
            text, corrected = self._spelling(text, chips, voc, A.normalise(raw))
        self._facets(text, chips, voc)
        text = re.sub(r"\s+", " ", text).strip()
        terms = {t: 1.0 for t in A.analyze(text)}
        hits = self._expand_synonyms(text, terms, chips)
        needs = needs_of(text, chips, hits)
        return ParsedQuery(raw, text, chips, terms, sort, needs, corrected)

    # ------------------------------------------------------------------ steps
    @staticmethod
    def _prices(text: str, chips: list[Chip]) -> str:
        for rule, kind in PRICE_RULES:
            m = rule.search(text)
            if not m:
                continue
            nums = [float(g) for g in m.groups() if g is not None]
            lo = min(nums) if kind == "range" else nums[0] if kind == "min" else None
            hi = max(nums) if kind == "range" else nums[0] if kind == "max" else None
            said = m.group(0)
            currency = "USD" if re.search(r"\$|dollar|usd|bucks", said) else None
            currency = "CNY" if re.search(r"元|块|¥|yuan|rmb|cny", said) else currency
            chips.append(
                Chip("price", said.strip(), "price", min=lo, max=hi, currency=currency, importance=6)
            )
            text = text[: m.start()] + " " + text[m.end() :]
        return text

    @staticmethod
    def _price_intents(text: str, chips: list[Chip]) -> str:
        for rule, value in PRICE_INTENTS:
            m = rule.search(text)
            if m:
                chips.append(Chip("price_intent", m.group(0), "price", value))
                text = rule.sub(" ", text)
        return text

    def _negations(self, text: str, chips: list[Chip], voc: Vocabulary) -> str:
        """Negated values become exclusion chips; their words leave the text."""
        pos = 0
        while (m := _NEG_ZH.search(text, pos)) is not None:
            neg, run = m.group(1), m.group(2)
            said, facet = self._zh_negated(run, voc)
            if facet is None and not A.has_han(run[:1]):  # 不要Pure Dew的…: a Latin value after it
                said, facet = self._latin_after(text[m.start(2) :], voc) or (said, facet)
            if facet is None and (neg in _NEG_ZH_WEAK or not said):
                pos = m.start(1) + len(neg)  # "非常", "不是很…": not a negation
                continue
            end = m.start(2) + len(said)
            end += len(_NEG_ZH_TAIL.match(text[end:]).group(0))
            field, value = (facet.field, facet.value) if facet else ("text", said)
            chips.append(Chip("exclude", text[m.start() : end].strip(), field, value, importance=7))
            text = text[: m.start()] + " " + text[end:]
        while (m := _NEG_EN.search(text)) is not None:
            if A.has_han(m.group(1)):  # "except 玉容"
                said, facet = self._zh_negated(m.group(1), voc)
                words, n = [said], 1
            else:
                words = [m.group(1), *(w for w in m.group(2).split() if w != "&")]
                n, facet = self._en_negated(words, voc)
                said = " ".join(words[:n])
            end = m.start(1) + text[m.start(1) :].index(words[n - 1]) + len(words[n - 1])
            field, value = (facet.field, facet.value) if facet else ("text", said)
            chips.append(Chip("exclude", text[m.start() : end].strip(), field, value, importance=7))
            text = text[: m.start()] + " " + text[end:]
        return text

    @staticmethod
    def _zh_negated(run: str, voc: Vocabulary) -> tuple[str, Facet | None]:
        """The negated part of the run after a Chinese negator: the longest catalog value it starts
        with, else its first word (jieba)."""
        best = ""
        for phrase in voc.zh_phrases:
            if len(phrase) > len(best) and run.startswith(phrase) and (len(phrase) >= 2 or phrase == run):
                best = phrase
        if best:
            return best, voc.zh_phrases[best][0]
        first = next((w for w in A.jieba_module().lcut(run) if w.strip()), "")
        return first, None

    def _latin_after(self, rest: str, voc: Vocabulary) -> tuple[str, Facet] | None:
        """The longest catalog value spelled by the Latin words ``rest`` starts with ("pure dew",
        "hearth & co") and its facet, or None."""
        words = []
        for w in re.finditer(r"[a-z0-9][a-z0-9'-]*|&|\S", rest[:200]):
            if w.group(0) != "&" and not re.fullmatch(r"[a-z0-9][a-z0-9'-]*", w.group(0)):
                break
            words.append(w)
        plain = [w.group(0) for w in words if w.group(0) != "&"]
        n, facet = self._en_negated(plain[: voc.max_en + 1], voc)
        if facet is None:
            return None
        last = [w for w in words if w.group(0) != "&"][n - 1]
        return rest[: last.end()], facet

    @staticmethod
    def _en_negated(words: list[str], voc: Vocabulary) -> tuple[int, Facet | None]:
        """How many of ``words`` the negation covers (the longest catalog value, else one word)."""
        for n in range(min(len(words), voc.max_en), 0, -1):
            facets = voc.en_phrases.get(tuple(A.stem(w) for w in words[:n]))
            if facets:
                return n, facets[0]
        return 1, None

    def _spelling(self, text: str, chips: list[Chip], voc: Vocabulary, said: str) -> tuple[str, str | None]:
        """Pinyin to Chinese, then English typo correction, for words neither the catalog nor the common
        English words know. Returns the text and the query as searched (None when nothing changed)."""
        out, last, fixes = [], 0, {}
        for surface, start, end, han in A.words(text):
            if han or not surface.isalpha() or self._known(surface, voc):
                continue
            repl = None
            zh = voc.from_pinyin(surface)
            if zh:
                repl = " ".join(zh)
                chips.append(Chip("pinyin", surface, value=repl))
            elif surface not in common_english():
                fixed = voc.correct(surface)
                if fixed:
                    repl = fixed
                    chips.append(Chip("correction", surface, value=fixed))
            if repl:
                out.append(text[last:start] + repl)
                last = end
                fixes[surface] = repl
        if not fixes:
            return text, None
        pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, fixes)) + r")(?![a-z0-9])")
        searched = re.sub(r"\s+", " ", pattern.sub(lambda m: fixes[m.group(1)], said)).strip()
        return "".join(out) + text[last:], searched

    def _known(self, word: str, voc: Vocabulary) -> bool:
        return (
            word in voc.words
            or word in A.STOP_EN
            or word in QUERY_WORDS
            or len(word) < 4
            or A.stem(word) in self.index.bm25.df_
        )

    @staticmethod
    def _facets(text: str, chips: list[Chip], voc: Vocabulary) -> None:
        seen: set[tuple[str, str]] = set()

        def add(found: list[Facet], said: str) -> None:
            for f in found:
                if (f.field, f.value) not in seen:
                    seen.add((f.field, f.value))
                    chips.append(Chip(f.kind, said, f.field, f.value, importance=f.importance))

        compact = text.replace(" ", "")
        for phrase in sorted(voc.zh_phrases, key=len, reverse=True):
            if phrase in compact:
                add(voc.zh_phrases[phrase], phrase)
                compact = compact.replace(phrase, " ")
        latin = [(s, A.stem(s)) for s, _, _, han in A.words(text) if not han]
        i = 0
        while i < len(latin):
            for n in range(min(voc.max_en, len(latin) - i), 0, -1):
                key = tuple(st for _, st in latin[i : i + n])
                found = voc.en_phrases.get(key)
                if found and _size_ok(found, latin[i : i + n], text):
                    add(found, " ".join(s for s, _ in latin[i : i + n]))
                    i += n - 1
                    break
            i += 1

    def _expand_synonyms(
        self, text: str, terms: dict[str, float], chips: list[Chip]
    ) -> list[tuple[str, list[str]]]:
        """Add the synonyms' terms at ``SYNONYM_WEIGHT``; returns the rules that fired as (the phrase
        found in the text, its alternatives)."""
        stems = set(terms)
        hits: list[tuple[str, list[str]]] = []
        for left, right in self.synonyms:
            hit = next((t for t in left if _contains(text, stems, t)), None)
            if hit is None:
                continue
            added = [t for t in right if t != hit]
            hits.append((hit, added))
            new = False
            for t in added:
                for tok in A.analyze(t):
                    if tok not in terms:
                        terms[tok] = SYNONYM_WEIGHT
                        new = True
            if new:
                chips.append(Chip("synonym", hit, value=added))
        return hits


def _contains(text: str, stems: set[str], phrase: str) -> bool:
    if A.has_han(phrase):
        return phrase in text
    toks = A.analyze(phrase)
    return bool(toks) and all(t in stems for t in toks)


def _size_ok(found: list[Facet], words: list[tuple[str, str]], text: str) -> bool:
    """Bare one-letter or digit-only sizes ("s", "42") count only after "size" / before "码"."""
    if any(f.kind != "size" for f in found):
        return True
    said = words[0][0]
    if len(said) >= 2 and not said.isdigit():
        return True
    return (
        re.search(rf"(?:size|尺码|码数)\s*{re.escape(said)}\b|\b{re.escape(said)}\s*(?:码|号)", text)
        is not None
    )
