"""Entities in a customer message: order ids, e-mail, phone, amounts, addresses, products.

Rules, not a model: the demo shop's ids and the formats of e-mail addresses, phone numbers and
prices are regular, and addresses are found by Chinese administrative/street markers or an English
"<number> <name> <street type>" pattern (or the text after "address is / 地址改成"). Product
mentions are matched against a catalog's titles and brands when one is given (:class:`Catalog`).
Every entity keeps the exact span of the message it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    # "order_id", "email", "phone", "amount", "address" or "product".
    kind: str
    # Normalised value: "O000123", "a@b.com", "+8613800138000", "199.00 CNY", the address, a product id.
    value: str
    # The text as written in the message.
    text: str
    # Character offsets of ``text`` in the message: message[start:end] == text.
    start: int
    end: int


_ORDER = re.compile(r"(?<![A-Za-z0-9])[Oo][\s#:-]?(\d{3})\s?(\d{3})(?!\d)")
_ORDER_CUED = re.compile(
    r"(?:订单号?|单号|order\s*(?:number|no\.?|id|#)?)\s*(?:是|为|:|：|#)?\s*#?(\d{6})(?!\d)", re.IGNORECASE
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}"  # Chinese mobile
    r"|\+\d{1,3}[\s-]?\(?\d{1,4}\)?(?:[\s-]?\d{2,4}){2,3}"  # international
    r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?!\d)"  # North American
)
_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_AMOUNT_PREFIX = re.compile(r"(¥|￥|\$|US\$|USD|RMB|CNY)\s?" + _NUMBER, re.IGNORECASE)
_AMOUNT_SUFFIX = re.compile(
    _NUMBER + r"\s?(元|块钱|块|人民币|美元|美金|dollars?|bucks|usd|rmb|cny|yuan)(?![A-Za-z])", re.IGNORECASE
)
_CURRENCY = {
    "¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY", "元": "CNY", "块": "CNY", "块钱": "CNY",
    "人民币": "CNY", "yuan": "CNY", "$": "USD", "us$": "USD", "usd": "USD", "美元": "USD",
    "美金": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
}  # fmt: skip
_ZH_PLACE = r"[\u4e00-\u9fa5A-Za-z0-9]"
_ZH_ADDRESS = re.compile(
    rf"(?:{_ZH_PLACE}{{2,8}}?(?:省|自治区))?(?:{_ZH_PLACE}{{2,8}}?市)?(?:{_ZH_PLACE}{{1,8}}?(?:区|县))?"
    rf"{_ZH_PLACE}{{1,12}}?(?:路|街|大道|道|巷|弄|胡同)(?:\d+|[一二三四五六七八九十百]+)号"
    rf"(?:{_ZH_PLACE}{{0,10}}(?:室|楼|栋|单元|层))?"
)
# words before a Chinese address that the place pattern may swallow ("地址改成上海市…")
_ZH_LEAD = re.compile(r"^.*(?:改成|改为|换成|改到|寄到|送到|发到|送至|寄至|地址是|地址为|地址)")
_EN_STREET = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Square|Sq"
    r"|Terrace|Close|Crescent)"
)
# postcodes: US ZIP(+4), UK ("NW1 6XE", "SW1A 2AA"), Canadian ("K1A 0B1"), and plain 4–6 digits
_POSTCODE = (
    r"(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{4,6})(?![A-Za-z\d])"
)
# a town, county or state: up to three capitalised words, each ending at a word boundary
_PLACE_WORD = r"[A-Z][A-Za-z.'-]*(?![A-Za-z\d])"
_PLACE_PART = rf"(?:{_PLACE_WORD}(?:\s{_PLACE_WORD}){{0,2}}(?:\s+{_POSTCODE})?|{_POSTCODE})"
_EN_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[A-Z][A-Za-z'-]*\s+){{1,4}}{_EN_STREET}\b\.?"
    r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?"  # "Pennsylvania Avenue NW"
    r"(?:,?\s+(?:Apt|Flat|Suite|Unit)\.?\s*\w+)?"
    rf"(?:,\s*{_PLACE_PART}){{0,3}}(?:\s+{_POSTCODE})?"
)
_ADDRESS_CUE = re.compile(
    r"(?:(?:new |delivery |shipping )?address(?: is| to)?\s*[:：]\s*"
    r"|(?:地址|收货地址)(?:改成|改为|是|为|换成)?\s*[:：]\s*)"
    r"([^\n。！？!?]{4,80})",
    re.IGNORECASE,
)
# the same cues without a colon ("my new address is 5 Rue de Rivoli, Paris 75001"): only when what
# follows starts with a house number, so "address to the one on file" is not an address
_ADDRESS_CUE_BARE = re.compile(
    r"(?:address (?:is|to|as)|(?:ship|send|deliver)(?: it| them| this| that| my order| the order)? to)\s+"
    r"(\d{1,5}[A-Za-z]?\s+[A-Za-z][^\n。！？!?]{3,80})",
    re.IGNORECASE,
)
# words after an address in a sentence that are not part of it
_ADDRESS_TAIL = re.compile(
    r"(?:[\s,]+(?:please|pls|thanks|thank you|thx|instead|asap|now|today|tomorrow|then)\b.*"
    r"|\s+(?:and|but|because|since|so)\s.*)$",
    re.IGNORECASE,
)


def extract_entities(text: str, catalog: Catalog | None = None) -> list[Entity]:
    """All entities in ``text`` in order of position; overlapping matches keep the earlier-listed kind
    (order id, e-mail, phone, address, amount, product)."""
    found: list[Entity] = []
    for finder in (_order_ids, _emails, _phones, _addresses, _amounts):
        found.extend(finder(text))
    if catalog is not None:
        found.extend(catalog.find(text))
    return _without_overlaps(found)


def _order_ids(text: str) -> Iterable[Entity]:
    for m in _ORDER.finditer(text):
        yield Entity("order_id", f"O{m.group(1)}{m.group(2)}", m.group(0), m.start(), m.end())
    for m in _ORDER_CUED.finditer(text):
        yield Entity("order_id", f"O{m.group(1)}", m.group(1), m.start(1), m.end(1))


def _emails(text: str) -> Iterable[Entity]:
    for m in _EMAIL.finditer(text):
        yield Entity("email", m.group(0).lower(), m.group(0), m.start(), m.end())


def _phones(text: str) -> Iterable[Entity]:
    for m in _PHONE.finditer(text):
        raw = m.group(0)
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 7:
            continue
        value = ("+" if raw.startswith("+") else "") + digits
        yield Entity("phone", value, raw, m.start(), m.end())


def _amounts(text: str) -> Iterable[Entity]:
    for m in _AMOUNT_PREFIX.finditer(text):
        yield _amount(m, m.group(2), m.group(1))
    for m in _AMOUNT_SUFFIX.finditer(text):
        yield _amount(m, m.group(1), m.group(2))


def _amount(m: re.Match, number: str, currency: str) -> Entity:
    code = _CURRENCY.get(currency.lower(), _CURRENCY.get(currency, currency.upper()))
    value = f"{float(number.replace(',', '')):.2f} {code}"
    return Entity("amount", value, m.group(0), m.start(), m.end())


def _addresses(text: str) -> Iterable[Entity]:
    for m in _ZH_ADDRESS.finditer(text):
        cue = _ZH_LEAD.match(m.group(0))
        start = m.start() + (cue.end() if cue else 0)
        yield Entity("address", text[start : m.end()], text[start : m.end()], start, m.end())
    for m in _EN_ADDRESS.finditer(text):
        yield Entity("address", m.group(0).strip(), m.group(0), m.start(), m.end())
    for cue in (_ADDRESS_CUE, _ADDRESS_CUE_BARE):
        for m in cue.finditer(text):
            value = _ADDRESS_TAIL.sub("", m.group(1).strip()).strip().rstrip(".,，;；")
            start = m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
            yield Entity("address", value, text[start : start + len(value)], start, start + len(value))


def _without_overlaps(found: list[Entity]) -> list[Entity]:
    kept: list[Entity] = []
    for e in found:  # earlier finders win; among one kind the longer span wins
        clash = [k for k in kept if e.start < k.end and k.start < e.end]
        if not clash:
            kept.append(e)
        elif all(k.kind == e.kind and (e.end - e.start) > (k.end - k.start) for k in clash):
            kept = [k for k in kept if k not in clash] + [e]
    seen: set[tuple[str, str, int]] = set()
    out = []
    for e in sorted(kept, key=lambda e: (e.start, e.end)):
        if (e.kind, e.value, e.start) not in seen:
            seen.add((e.kind, e.value, e.start))
            out.append(e)
    return out


class Catalog:
    """Product mentions by case-insensitive match of product titles and brands (longest first).

    A brand alone is reported with ``value`` = the brand's first product id when only one product
    carries it, else ``brand:<name>``.
    """

    def __init__(self, products: Sequence[tuple[str, str, str]], min_len: int = 2) -> None:
        # products: (product_id, title, brand)
        names: dict[str, str] = {}
        brand_ids: dict[str, list[str]] = {}
        for product_id, title, brand in products:
            if title and len(title) >= max(min_len, 3):
                names.setdefault(title.lower(), product_id)
            if brand and len(brand) >= min_len:
                brand_ids.setdefault(brand.lower(), []).append(product_id)
        for brand, ids in brand_ids.items():
            names.setdefault(brand, ids[0] if len(ids) == 1 else f"brand:{brand}")
        self._names = names
        keys = sorted(names, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    @classmethod
    def from_store(cls, store, limit: int | None = None) -> Catalog:
        """Titles and brands of the store's products."""
        df = store.frame("products", columns=["product_id", "title", "brand"])
        if limit is not None:
            df = df.head(limit)
        return cls(list(df[["product_id", "title", "brand"]].fillna("").itertuples(index=False)))

    def find(self, text: str) -> list[Entity]:
        if self._pattern is None:
            return []
        lowered = text.lower()
        out = []
        for m in self._pattern.finditer(lowered):
            if _word_bounded(lowered, m.start(), m.end()):
                out.append(
                    Entity("product", self._names[m.group(0)], text[m.start() : m.end()], m.start(), m.end())
                )
        return out


def _word_bounded(text: str, start: int, end: int) -> bool:
    """An ASCII match must not cut an ASCII word (Chinese has no word boundaries)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum() and text[start].isascii()) and not (
        after.isascii() and after.isalnum() and text[end - 1].isascii()
    )
