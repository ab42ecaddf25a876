"""Word lists for query understanding: common English words, filler words and price intents.

- :func:`common_english` is the shipped list of common English words (``words_en.txt``, made by
  ``scripts/make_words_en.py``): spelling correction never replaces one of them, so "iphnoe case"
  keeps *case* even in a catalog that only knows *care*.
- Filler words ("best", "good", "好用", "推荐" …) say nothing about which products are meant: they
  are searched for, but a product does not need them to count as a match.
- Price intents ("cheap", "便宜", "premium", "高端" …) rank cheaper (or dearer) matches first.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

WORDS_EN_FILE = Path(__file__).with_name("words_en.txt")

# Words a shopper types that are not catalog words: never "corrected", never read as pinyin, and never
# required of a product.
FILLER_EN = frozenset(
    """best cheap cheaper good great nice new popular selling seller sellers top quality buy shop
    under below over above between dollars dollar bucks yuan price prices sale deal deals gift gifts
    with without for men mens women womens kids girls boys size color colour colors some any
    something looking want need please show item items product products stuff one ones pair""".split()
)
FILLER_ZH = frozenset(
    """好用 好看 好的 推荐 质量 质量好 正品 优质 一些 东西 产品 商品 款 买 想要 有没有 什么 哪些 求 适合
    好 一款 一件 一双 一个 请 帮我 找 看看 便宜 实惠 高端 价格 非常 很 特别 超 比较 挺 真 太 最好""".split()
)

# Function words (pronouns, auxiliaries, question words, particles): a product is never named by them, so
# "do you have wireless earbuds" and "有没有无线耳机呢" need only the earbuds.
FUNCTION_EN = frozenset(
    """i me my we us our you your he she they them it this that these those there here what which who
    whom whose where when why how do does did done have has had having am is are was were be been can
    could would should will shall may might must any some all each every other another more most much
    many very just also only too so than then not no yes please thanks thank hi hello hey about like
    looking look find found get got show tell give need want wanted would've i'm you're it's don't
    sell sells selling stock available anything something everything kind kinds type types""".split()
)
FUNCTION_ZH = frozenset(
    """吗 呢 吧 啊 呀 哦 嘛 请问 你们 你 我 我们 他 她 它 这 那 这个 那个 这些 那些 哪 哪个 哪些 哪里
    什么 怎么 怎样 多少 几 有 没有 是否 是不是 能 能不能 可以 可不可以 想 想买 要 需要 还有 现在 一下
    的话 卖 在卖 有卖 不是 贵 太贵 很贵""".split()
)

_LOW = (
    r"cheap|inexpensive|affordable|budget|low[- ]cost|low[- ]priced|bargains?|discount(?:ed|s)?|economical",
    r"便宜|实惠|平价|划算|低价|性价比高|性价比|经济型",
)
_HIGH = (
    r"premium|luxury|luxurious|high[- ]end|upscale|top[- ]end",
    r"高端|奢华|奢侈|高档|豪华|轻奢|贵一点",
)
# (pattern, "low" | "high"): English words whole, Chinese anywhere
PRICE_INTENTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:{_LOW[0]})\b|{_LOW[1]}"), "low"),
    (re.compile(rf"\b(?:{_HIGH[0]})\b|{_HIGH[1]}"), "high"),
]


@lru_cache(maxsize=1)
def common_english() -> frozenset[str]:
    """The shipped common English words (lower case, four letters or more)."""
    if not WORDS_EN_FILE.exists():  # pragma: no cover - the file ships with the package
        return frozenset()
    lines = WORDS_EN_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def is_filler(word: str) -> bool:
    """Whether a query word (normalised) says nothing about which products are meant."""
    return word in FILLER_EN or word in FILLER_ZH or word in FUNCTION_EN or word in FUNCTION_ZH
