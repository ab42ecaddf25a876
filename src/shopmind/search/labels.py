"""Human labels for the chips of a parsed query, in the shopper's language ("zh" or "en").

A chip's ``field`` and ``value`` are catalog terms ("attributes.category_zh", "服装 > 连衣裙"); shoppers
see "连衣裙" or "Dresses", "颜色：红色" or "colour: Red", "不要 苹果" or "not Apple".
"""

from __future__ import annotations

from shopmind.search import analyze as A

_FIELD_NAMES = {
    "brand": ("brand", "品牌"),
    "category": ("category", "分类"),
    "colour": ("colour", "颜色"),
    "color": ("colour", "颜色"),
    "size": ("size", "尺码"),
    "material": ("material", "材质"),
    "feature": ("feature", "特点"),
    "capacity": ("capacity", "容量"),
    "storage": ("storage", "存储"),
}
_SORTS = {
    "price_asc": ("price: low to high", "价格从低到高"),
    "price_desc": ("price: high to low", "价格从高到低"),
    "best_selling": ("best selling", "销量最高"),
    "newest": ("newest", "最新"),
}
_INTENTS = {"low": ("cheaper first", "便宜优先"), "high": ("premium first", "高端优先")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


def field_name(field: str | None, lang: str) -> str:
    """A chip's or facet's field as a shopper reads it ("attributes.颜色" -> "颜色" …)."""
    key = (field or "").removeprefix("attributes.")
    if key in ("category_zh",):
        key = "category"
    if key in _FIELD_NAMES:
        return _pick(_FIELD_NAMES[key], lang)
    return key


def value_name(field: str | None, value) -> str:
    """A value as a shopper reads it: a category path by its leaf."""
    text = str(value if value is not None else "")
    if (field or "").endswith("category") or (field or "").endswith("category_zh"):
        return text.split(">")[-1].strip()
    return text


def _price(chip, lang: str) -> str:
    sym = "$" if chip.currency == "USD" else "¥" if chip.currency == "CNY" or lang == "zh" else ""
    lo = f"{sym}{chip.min:g}" if chip.min is not None else None
    hi = f"{sym}{chip.max:g}" if chip.max is not None else None
    name = "价格" if lang == "zh" else "price"
    return f"{name} {lo}–{hi}" if lo and hi else f"{name} ≤ {hi}" if hi else f"{name} ≥ {lo}"


def chip_label(chip, lang: str) -> str:
    """The chip as a shopper reads it, in ``lang``."""
    value = value_name(chip.field, chip.value)
    if chip.type == "price":
        return _price(chip, lang)
    if chip.type == "price_intent":
        return _pick(_INTENTS.get(str(chip.value), (value, value)), lang)
    if chip.type == "sort":
        return _pick(_SORTS.get(str(chip.value), (value, value)), lang)
    if chip.type == "exclude":
        return f"不要 {value}" if lang == "zh" else f"not {value}"
    if chip.type in ("correction", "pinyin"):
        return f"{chip.text} → {value}"
    if chip.type == "synonym":
        words = ", ".join(chip.value) if isinstance(chip.value, list) else value
        return f"{chip.text} ≈ {words}"
    if chip.type == "category":
        return value
    name = field_name(chip.field or chip.type, lang)
    sep = "：" if lang == "zh" and A.has_han(name) else ": "
    return f"{name}{sep}{value}" if name else value
