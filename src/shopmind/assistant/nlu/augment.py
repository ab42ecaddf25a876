"""Noisy copies of training messages: how customers really type (Chinese and English).

Each copy of a message gets each of these edits with its own probability (seeded):

- **typos** (English words of 4+ letters, Chinese runs of 3+ characters): swap two neighbours, drop
  one, double one, or (English) hit a neighbouring key; words holding digits (order numbers,
  amounts) are never touched;
- **casing** (English): all lower, all upper, or the first letter raised;
- **punctuation**: stripped, or "?" / "？" / "!!" added;
- **short form**: greeting, politeness and filler words at the ends removed ("hi, could you please
  …" → "…"; "你好，麻烦帮我…吧" → "…");
- **long form**: a greeting or preamble and a closing added ("hello, quick question: … thanks");
- **code-switching**: one shop term swapped into the other language ("我的order到哪了",
  "where is my 订单") from a small bilingual shop lexicon.

A copy equal to its original is dropped, so :func:`augment` returns only new texts.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

# shop terms, Chinese -> English, for code-switching in both directions
LEXICON: dict[str, str] = {
    "订单": "order",
    "退款": "refund",
    "退货": "return",
    "换货": "exchange",
    "快递": "package",
    "包裹": "parcel",
    "物流": "tracking",
    "地址": "address",
    "取消": "cancel",
    "发票": "invoice",
    "客服": "customer service",
    "人工": "human agent",
    "付款": "payment",
    "支付": "pay",
    "发货": "ship",
    "配送": "delivery",
    "运费": "shipping fee",
    "优惠券": "coupon",
    "价格": "price",
    "尺码": "size",
    "保修": "warranty",
    "推荐": "recommend",
    "投诉": "complaint",
    "信用卡": "credit card",
    "账号": "account",
}
_EN_TO_ZH = {en: zh for zh, en in LEXICON.items()}
_KEYS = "qwertyuiop asdfghjkl zxcvbnm"
_EN_OPEN = ("hi, ", "hello, ", "hey there, ", "excuse me, ", "quick question: ", "hi team, ")
_EN_CLOSE = (", thanks", " please", ", thank you!", " asap", "??", " pls")
_ZH_OPEN = ("你好，", "在吗？", "麻烦问一下，", "亲，", "客服你好，")
_ZH_CLOSE = ("，谢谢", "，急", "！", "，麻烦了", "？？")
_EN_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|ok|okay|so|um|please|pls|excuse me|could you|can you|would you|"
    r"i would like to|i'd like to|i want to|i need to)[\s,.:!]+)+|"
    r"(?:[\s,.!]+(?:please|pls|thanks|thank you|thx)[\s.!]*)+$",
    re.IGNORECASE,
)
_ZH_FILLER = re.compile(
    r"^(?:(?:你好|您好|亲|在吗|请问|麻烦|请|帮我)[，,。！!？?\s]*)+|[吧呢啊呀吗了哦嘛～~！!。]+$"
)


@dataclass
class AugmentConfig:
    # Noisy copies made of each message (before dropping copies equal to the original).
    copies: int = 1
    # Probability of each edit in one copy.
    typo: float = 0.35
    case: float = 0.3
    punctuation: float = 0.3
    short: float = 0.25
    long: float = 0.25
    code_switch: float = 0.3
    # Seed of every random choice.
    seed: int = 0


def _is_zh(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _typo_word(word: str, rng: random.Random, english: bool) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "key") if english else ("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    k = _KEYS.find(word[i].lower())
    near = [c for c in _KEYS[max(0, k - 1) : k + 2] if c not in (" ", word[i].lower())] if k >= 0 else []
    return word[:i] + (rng.choice(near) if near else word[i]) + word[i + 1 :]


def typo(text: str, rng: random.Random) -> str:
    """One typo in one word of ``text`` (English words of 4+ letters, Chinese runs of 3+)."""
    spans = [m for m in re.finditer(r"[A-Za-z]{4,}|[\u3400-\u9fff]{3,}", text)]
    if not spans:
        return text
    m = rng.choice(spans)
    word = _typo_word(m.group(), rng, english=m.group()[0].isascii())
    return text[: m.start()] + word + text[m.end() :]


def casing(text: str, rng: random.Random) -> str:
    kind = rng.choice(("lower", "upper", "first"))
    if kind == "lower":
        return text.lower()
    if kind == "upper":
        return text.upper()
    return text[:1].upper() + text[1:]


def punctuation(text: str, rng: random.Random) -> str:
    stripped = re.sub(r"[?？!！.。,，]+", " ", text).strip()
    stripped = re.sub(r"\s+", " ", stripped)
    if rng.random() < 0.5:
        return stripped
    return stripped + rng.choice(("？", "！！") if _is_zh(text) else ("?", "!!", "?!"))


def short_form(text: str) -> str:
    """``text`` without greeting, politeness and filler words at its ends (itself if nothing is left)."""
    pattern = _ZH_FILLER if _is_zh(text) else _EN_FILLER
    short = pattern.sub("", text).strip(" ,，")
    return short if len(short) >= 2 else text


def long_form(text: str, rng: random.Random) -> str:
    if _is_zh(text):
        return rng.choice(_ZH_OPEN) + text.rstrip("。") + rng.choice(_ZH_CLOSE)
    first = text[:1].lower() + text[1:] if text[1:2].islower() else text
    return rng.choice(_EN_OPEN) + first.rstrip(".") + rng.choice(_EN_CLOSE)


def code_switch(text: str, rng: random.Random) -> str:
    """One shop term of ``text`` replaced by its translation (Chinese ↔ English)."""
    if _is_zh(text):
        found = [zh for zh in LEXICON if zh in text]
        if not found:
            return text
        zh = rng.choice(found)
        head, _, tail = text.partition(zh)
        before = " " if head[-1:].isascii() and head[-1:].isalnum() else ""
        after = " " if tail[:1].isascii() and tail[:1].isalnum() else ""
        return head + before + LEXICON[zh] + after + tail
    lower = text.lower()
    found = [en for en in _EN_TO_ZH if re.search(rf"\b{re.escape(en)}\b", lower)]
    if not found:
        return text
    en = rng.choice(found)
    return re.sub(rf"\b{re.escape(en)}\b", _EN_TO_ZH[en], text, count=1, flags=re.IGNORECASE)


def noisy_copy(text: str, rng: random.Random, cfg: AugmentConfig) -> str:
    """One noisy copy of ``text`` (each edit applied with its probability, in a fixed order)."""
    out = text
    if rng.random() < cfg.short:
        out = short_form(out)
    elif rng.random() < cfg.long:
        out = long_form(out, rng)
    if rng.random() < cfg.code_switch:
        out = code_switch(out, rng)
    if rng.random() < cfg.typo:
        out = typo(out, rng)
    if rng.random() < cfg.punctuation:
        out = punctuation(out, rng)
    if not _is_zh(out) and rng.random() < cfg.case:
        out = casing(out, rng)
    return out


def augment_rows(texts: Sequence[str], config: AugmentConfig | None = None) -> list[tuple[int, str]]:
    """(source row, new text) for ``copies`` noisy copies of every message, without exact repeats
    of the originals or of each other."""
    cfg = config or AugmentConfig()
    rng = random.Random(cfg.seed)
    seen = set(texts)
    out: list[tuple[int, str]] = []
    for i, text in enumerate(texts):
        for _ in range(cfg.copies):
            new = noisy_copy(text, rng, cfg)
            if new not in seen:
                seen.add(new)
                out.append((i, new))
    return out


def augment(
    texts: Sequence[str], labels: Sequence[str], config: AugmentConfig | None = None
) -> tuple[list[str], list[str]]:
    """New (texts, labels): the noisy copies of :func:`augment_rows` with their source's label."""
    rows = augment_rows(texts, config)
    return [t for _, t in rows], [labels[i] for i, _ in rows]
