"""Query understanding: a typed query becomes retrieval text plus structured *chips* the UI can show.

``QueryParser(index).parse("200元以下 不要红色的连衣裙")`` ->
``ParsedQuery(text="连衣裙", chips=[price ≤ 200, exclude colour 红色, category 连衣裙 …])``.

What is recognised, in this order:

1. price ranges ("200元以下", "100到300元", "under $50", "between 20 and 40 dollars"); no currency
   conversion: the number is taken in the shop's prices, and the chip keeps the currency said;
2. sort intents ("最便宜", "cheapest", "best selling", "newest" …);
3. negation ("不要红色", "not leather", "without hood"): an excluded value or word;
4. pinyin typed for Chinese ("lianyiqun" -> 连衣裙) and English typos ("iphnoe" -> iphone),
   both against the catalog's own words;
5. brands, categories, colours, sizes and other attribute values, from the catalog's vocabulary;
6. synonyms from ``synonyms.txt`` (extra lexical terms at a lower weight).
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shopmind.search import analyze as A
from shopmind.search.vocab import Facet, Vocabulary

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
    (re.compile(r"最便宜|价格最低|价格从低到高|便宜的|cheapest|lowest price|price low to high"), "price_asc"),
    (re.compile(r"最贵|价格最高|价格从高到低|most expensive|highest price|price high to low"), "price_desc"),
    (
        re.compile(
            r"销量最高|最畅销|卖得最好|热销|爆款|best[- ]?sell(?:ing|ers?)|most popular|top sell(?:ing|ers?)"
        ),
        "best_selling",
    ),
    (re.compile(r"最新|新品|新款|上新|newest|latest|new arrivals?"), "newest"),
]

_NEG_ZH = re.compile(
    rf"(?:不要|不想要|别要|不含|除了|排除)\s*([{A.HAN}a-z0-9]+?)(?:的|之外|以外|[,，、\s]|$)"
)
_NEG_EN = re.compile(r"(?:\b(?:not|no|without|except|excluding)\s+|(?<![\w-])-(?=\w))([a-z0-9][a-z0-9'-]*)")

# Words a shopper types that are not catalog words: never "corrected" and never read as pinyin.
QUERY_WORDS = frozenset(
    """best cheap cheaper cheapest good great new newest latest popular selling seller sellers top
    under below over above between dollars dollar bucks yuan price prices sale deal deals gift gifts
    with without for men mens women womens kids girls boys size color colour colors""".split()
)


@dataclass
class Chip:
    """One understood piece of the query (JSON-ready through :meth:`to_dict`)."""

    type: str  # price|sort|exclude|brand|category|colour|size|attribute|correction|pinyin|synonym
    text: str  # the words of the query it came from
    field: str | None = None  # what it filters: "price", "brand", "category", "attributes.<key>", "text"
    value: Any = None  # the value (a stored catalog value, a sort key, the replacement …)
    min: float | None = None  # price chips
    max: float | None = None  # price chips
    currency: str | None = None  # price chips: the currency the shopper named (no conversion)
    importance: int = 0  # constraints with lower importance are relaxed first on zero results

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and k != "importance"}


@dataclass
class ParsedQuery:
    """The parse of one query."""

    raw: str
    text: str  # what retrieval searches for (price, sort and negation phrases removed, fixes applied)
    chips: list[Chip] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)  # lexical terms with weights
    sort: str | None = None

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
            "chips": [c.to_dict() for c in self.chips],
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

    def parse(self, raw: str) -> ParsedQuery:
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
        voc = self.vocabulary()
        text = self._negations(text, chips, voc)
        text = self._spelling(text, chips, voc)
        self._facets(text, chips, voc)
        text = re.sub(r"\s+", " ", text).strip()
        terms = {t: 1.0 for t in A.analyze(text)}
        self._expand_synonyms(text, terms, chips)
        return ParsedQuery(raw=raw, text=text, chips=chips, terms=terms, sort=sort)

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

    def _negations(self, text: str, chips: list[Chip], voc: Vocabulary) -> str:
        for rule in (_NEG_ZH, _NEG_EN):
            while (m := rule.search(text)) is not None:
                word = m.group(1)
                facet = self._lookup(word, voc)
                if facet is not None:
                    chips.append(Chip("exclude", m.group(0).strip(), facet.field, facet.value, importance=7))
                else:
                    chips.append(Chip("exclude", m.group(0).strip(), "text", word, importance=7))
                text = text[: m.start()] + " " + text[m.end() :]
        return text

    @staticmethod
    def _lookup(word: str, voc: Vocabulary) -> Facet | None:
        if A.has_han(word):
            for phrase, facets in voc.zh_phrases.items():
                if phrase == word or (len(phrase) >= 2 and word.startswith(phrase)):
                    return facets[0]
            return None
        facets = voc.en_phrases.get((A.stem(word),))
        return facets[0] if facets else None

    def _spelling(self, text: str, chips: list[Chip], voc: Vocabulary) -> str:
        """Pinyin to Chinese, then English typo correction, for words the catalog does not know."""
        out, last = [], 0
        for surface, start, end, han in A.words(text):
            if han or not surface.isalpha() or self._known(surface, voc):
                continue
            repl = None
            zh = voc.from_pinyin(surface)
            if zh:
                repl = " ".join(zh)
                chips.append(Chip("pinyin", surface, value=repl))
            else:
                fixed = voc.correct(surface)
                if fixed:
                    repl = fixed
                    chips.append(Chip("correction", surface, value=fixed))
            if repl:
                out.append(text[last:start] + repl)
                last = end
        return "".join(out) + text[last:]

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

    def _expand_synonyms(self, text: str, terms: dict[str, float], chips: list[Chip]) -> None:
        stems = set(terms)
        for left, right in self.synonyms:
            hit = next((t for t in left if _contains(text, stems, t)), None)
            if hit is None:
                continue
            added = [t for t in right if t != hit]
            new = False
            for t in added:
                for tok in A.analyze(t):
                    if tok not in terms:
                        terms[tok] = SYNONYM_WEIGHT
                        new = True
            if new:
                chips.append(Chip("synonym", hit, value=added))


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
