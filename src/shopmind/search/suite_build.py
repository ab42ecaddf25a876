"""Builds the labelled query-understanding suite (:mod:`shopmind.search.suite`) from the demo catalog.

``build(n_per_group=46)`` draws anchor products with a fixed seed and writes each as a query of its
group; the expected parse and the graded gains come from the anchor's own fields:

- gain 2: same product noun (and leaf) as the anchor and every asked value (colour, material,
  feature, brand), none of the excluded ones, the price inside the asked range; for "cheap" /
  "premium", the cheapest (dearest) third of the noun's products;
- gain 1: the same noun without the asked value (or outside the cheap third), or the same leaf with
  the asked values.
"""

from __future__ import annotations

import numpy as np

from shopmind.search.suite import GROUPS, Case

# Things the demo shop does not sell (each checked against the catalog's text before use).
ABSENT_EN = (
    "iphone case", "phone case", "laptop", "sofa", "office chair", "coffee machine", "sunglasses",
    "pillow case", "dog food", "guitar", "vacuum cleaner", "wine glasses", "umbrella", "backpack",
    "printer ink", "car seat", "baby stroller", "microwave oven", "tennis racket", "watch strap",
)  # fmt: skip
ABSENT_ZH = (
    "手机壳", "笔记本电脑", "沙发", "咖啡机", "太阳镜", "狗粮", "吉他", "吸尘器", "红酒杯", "雨伞",
    "双肩包", "打印机墨盒", "儿童安全座椅", "婴儿车", "微波炉", "网球拍", "表带", "不要苹果的手机壳",
    "平板电脑保护套", "游戏机",
)  # fmt: skip


INTENT_WORDS = {
    ("en", "low"): ("cheap", "affordable"),
    ("zh", "low"): ("便宜的", "实惠的"),
    ("en", "high"): ("premium", "luxury"),
    ("zh", "high"): ("高端", "高档"),
}


def build(n_per_group: int = 46, seed: int = 0, config=None) -> list[Case]:
    """The suite: ``n_per_group`` cases per group, dev (even positions) and test (odd) halves."""
    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import make_catalog

    cfg = config or DemoConfig()
    start = int(np.datetime64(cfg.start, "s").astype("int64"))
    cat = make_catalog(cfg, np.random.default_rng(cfg.seed), start)  # the demo shop's own catalog
    maker = _Maker(cat, np.random.default_rng(seed))
    cases: list[Case] = []
    for group in GROUPS:
        made: list[Case] = []
        seen: set[str] = set()
        skipped = 0
        for _ in range(100 * n_per_group):
            if len(made) >= n_per_group:
                break
            case = getattr(maker, group)(len(made) + skipped)
            if case is None or case.query in seen or (group != "no_result" and not case.gains):
                skipped += 1
                continue
            seen.add(case.query)
            case.split = "dev" if len(made) % 2 == 0 else "test"
            made.append(case)
        cases += made
    return cases


class _Maker:
    """Writes one case of a group from a random anchor product."""

    def __init__(self, cat, rng: np.random.Generator) -> None:
        from shopmind.data.simulate_text import LEAVES

        self.cat, self.rng, self.leaves = cat, rng, LEAVES
        self.ids = cat.frame["product_id"].to_numpy()
        self.price = cat.frame["price"].to_numpy(dtype=float)
        brands = np.array(cat.brands, dtype=object)
        self.brand_name = brands[cat.brand]
        text = (cat.frame["title"] + " " + cat.frame["description"]).str.lower()
        self.text = " ".join(text.tolist())

    # ------------------------------------------------------------------ the anchor's words
    def anchor(self, colour: bool = False) -> int:
        for _ in range(1000):
            i = int(self.rng.integers(len(self.ids)))
            if self.leaves[self.cat.leaf[i]].top[0] != "Books" and (not colour or self.cat.colour[i] >= 0):
                return i
        raise RuntimeError("no anchor product")

    def noun(self, i: int, lang: str) -> str:
        pair = self.leaves[self.cat.leaf[i]].nouns[self.cat.noun[i]]
        return pair[0].lower() if lang == "en" else pair[1]

    def value(self, i: int, kind: str, lang: str) -> str:
        """The anchor's colour, material, feature or brand as stored in the catalog (``lang``)."""
        from shopmind.data.simulate_text import COLOURS

        leaf = self.leaves[self.cat.leaf[i]]
        if kind == "brand":
            return str(self.brand_name[i])
        if kind == "colour":
            name = leaf.colours[self.cat.colour[i]]
            return name if lang == "en" else COLOURS[name]
        pair = (leaf.materials if kind == "material" else leaf.features)[getattr(self.cat, kind)[i]]
        return pair[0] if lang == "en" else pair[1]

    def _attr(self, kind: str) -> np.ndarray:
        return self.brand_name if kind == "brand" else getattr(self.cat, kind)

    # ------------------------------------------------------------------ gains
    def gains(self, i: int, kinds=(), exclude: str | None = None, inside=None, third: str | None = None):
        cat = self.cat
        leaf = cat.leaf == cat.leaf[i]
        noun = leaf & (cat.noun == cat.noun[i])
        hit = np.ones(len(self.ids), dtype=bool)
        for kind in kinds:
            hit &= self._attr(kind) == self._attr(kind)[i]
        keep = (
            np.ones(len(self.ids), dtype=bool)
            if exclude is None
            else self._attr(exclude) != self._attr(exclude)[i]
        )
        if inside is not None:
            keep &= (self.price >= inside[0]) & (self.price <= inside[1])
        if third is not None:
            q = np.quantile(self.price[noun], 1 / 3 if third == "low" else 2 / 3)
            hit &= self.price <= q if third == "low" else self.price >= q
        two = noun & hit & keep
        one = ((noun & ~hit) if third else (noun | (leaf & hit))) & keep & ~two
        out = {str(p): 2.0 for p in self.ids[two]}
        return out | {str(p): 1.0 for p in self.ids[one]}

    def _case(self, query, group, lang, expect, gains) -> Case:
        return Case(" ".join(query.split()) if lang != "zh" else query, group, lang, "", expect, gains)

    # ------------------------------------------------------------------ groups
    def attribute(self, k: int) -> Case:
        lang = "en" if k % 2 == 0 else "zh"
        kinds = [("colour",), ("material",), ("feature",), ("colour", "material")][k // 2 % 4]
        i = self.anchor(colour="colour" in kinds)
        vals = [self.value(i, kind, lang) for kind in kinds]
        sep = " " if lang == "en" or k % 3 == 0 else ""
        query = sep.join([v.lower() if lang == "en" else v for v in vals] + [self.noun(i, lang)])
        facets = [
            ("colour" if kind == "colour" else "attribute", v) for kind, v in zip(kinds, vals, strict=True)
        ]
        return self._case(query, "attribute", lang, {"facets": facets}, self.gains(i, kinds))

    def brand(self, k: int) -> Case:
        lang = "en" if k % 2 == 0 else "zh"
        i = self.anchor()
        b = self.value(i, "brand", lang)
        query = f"{b} {self.noun(i, lang)}" if lang == "en" or k % 4 == 1 else f"{b}{self.noun(i, lang)}"
        return self._case(query, "brand", lang, {"facets": [("brand", b)]}, self.gains(i, ("brand",)))

    def mixed(self, k: int) -> Case:
        kind = ("colour", "material", "feature", "brand")[k % 4]
        i = self.anchor(colour=kind == "colour")
        zh_value = k // 4 % 2 == 0  # a Chinese value with an English noun, or the other way round
        if kind == "brand":  # a brand is written in one script: the noun takes the other one
            zh_value = not str(self.brand_name[i]).isascii()
        v = self.value(i, kind, "zh" if zh_value else "en")
        noun = self.noun(i, "en" if zh_value else "zh")
        shown = v if kind == "brand" or zh_value else v.lower()
        ftype = "brand" if kind == "brand" else "colour" if kind == "colour" else "attribute"
        return self._case(
            f"{shown} {noun}", "mixed", "mixed", {"facets": [(ftype, v)]}, self.gains(i, (kind,))
        )

    def negation(self, k: int) -> Case:
        lang = "en" if k % 2 == 0 else "zh"
        kind = ("colour", "material", "brand")[k // 2 % 3]
        i = self.anchor(colour=kind == "colour")
        v, noun = self.value(i, kind, lang), self.noun(i, lang)
        if lang == "en":
            word = "except" if kind == "brand" else "without" if kind == "material" else "not"
            query = f"{noun} {word} {v if kind == 'brand' else v.lower()}"
        else:
            forms = ("不要{v}的{n}", "不是{v}的{n}", "除了{v}以外的{n}", "{n} 不要{v}", "非{v}{n}")
            form = forms[k // 6 % len(forms)]
            if form.startswith("非") and kind == "brand":
                form = forms[0]
            query = form.format(v=v, n=noun)
        return self._case(query, "negation", lang, {"exclude": [v]}, self.gains(i, exclude=kind))

    def price_intent(self, k: int) -> Case:
        lang = "en" if k % 2 == 0 else "zh"
        i = self.anchor()
        noun = self.noun(i, lang)
        same = (self.cat.leaf == self.cat.leaf[i]) & (self.cat.noun == self.cat.noun[i])
        lo, mid, hi = (float(np.round(np.quantile(self.price[same], q), -1)) for q in (0.25, 0.5, 0.75))
        form = k // 2 % 5
        if form == 0:
            query = f"{noun} under {mid:g}" if lang == "en" else f"{mid:g}元以下的{noun}"
            return self._case(
                query, "price_intent", lang, {"price": [(None, mid)]}, self.gains(i, inside=(0, mid))
            )
        if form == 1:
            query = f"{noun} between {lo:g} and {hi:g}" if lang == "en" else f"{lo:g}-{hi:g}元的{noun}"
            return self._case(
                query, "price_intent", lang, {"price": [(lo, hi)]}, self.gains(i, inside=(lo, hi))
            )
        if form == 2:
            query = f"{noun} below {mid:g}" if lang == "en" else f"低于{mid:g}元的{noun}"
            return self._case(
                query, "price_intent", lang, {"price": [(None, mid)]}, self.gains(i, inside=(0, mid))
            )
        third = "low" if form == 3 else "high"
        word = INTENT_WORDS[(lang, third)][k // 10 % 2]
        query = f"{word} {noun}" if lang == "en" else f"{word}{noun}"
        return self._case(query, "price_intent", lang, {"intent": third}, self.gains(i, third=third))

    def typo(self, k: int) -> Case | None:
        from shopmind.search.words import common_english

        kinds = [(), ("colour",), ("material",), ("feature",)][k % 4]
        i = self.anchor(colour="colour" in kinds)
        words = [self.value(i, kind, "en").lower() for kind in kinds] + self.noun(i, "en").split()
        long = [j for j, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long:
            return None
        j = long[int(self.rng.integers(len(long)))]
        bad = _misspell(words[j], self.rng)
        if bad in common_english() or bad in self.text:
            return None
        query = " ".join(words[:j] + [bad] + words[j + 1 :])
        facets = [
            ("colour" if kind == "colour" else "attribute", self.value(i, kind, "en")) for kind in kinds
        ]
        expect = {"corrections": {bad: words[j]}, "facets": facets}
        return self._case(query, "typo", "en", expect, self.gains(i, kinds))

    def pinyin(self, k: int) -> Case | None:
        from pypinyin import lazy_pinyin

        kinds = [(), ("colour",), ("feature",)][k % 3]
        i = self.anchor(colour="colour" in kinds)
        words = [self.value(i, kind, "zh") for kind in kinds] + [self.noun(i, "zh")]
        if not all(_han_only(w) for w in words):
            return None
        typed = ["".join(lazy_pinyin(w)) for w in words]
        if any(len(t) < 4 for t in typed):
            return None
        facets = [("colour", words[0])] if kinds == ("colour",) else []
        expect = {"pinyin": dict(zip(typed, words, strict=True)), "facets": facets}
        return self._case(" ".join(typed), "pinyin", "zh", expect, self.gains(i, kinds))

    def no_result(self, k: int) -> Case | None:
        lang = "en" if k % 2 == 0 else "zh"
        pool = ABSENT_EN if lang == "en" else ABSENT_ZH
        thing = pool[k // 2 % len(pool)]
        if k // 2 >= len(pool):  # second round: with a colour in front
            thing = ("black " if lang == "en" else "黑色") + thing
        core = thing.replace("不要苹果的", "")
        if any(w in self.text for w in ([core] if lang == "zh" else core.split()[-1:])):
            return None
        expect = {"no_match": True} | ({"exclude": ["苹果"]} if "不要苹果" in thing else {})
        return self._case(thing, "no_result", lang, expect, {})


def _han_only(word: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in word)


def _misspell(word: str, rng: np.random.Generator) -> str:
    """One typing slip inside ``word``: two neighbours swapped, a letter dropped or doubled."""
    pos = int(rng.integers(1, len(word) - 1))
    op = int(rng.integers(3))
    if op == 0 and word[pos] != word[pos + 1]:
        return word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    if op == 1:
        return word[:pos] + word[pos + 1 :]
    return word[:pos] + word[pos] + word[pos:]
