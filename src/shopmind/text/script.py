"""Chinese script: Traditional ↔ Simplified characters (OpenCC's conversion tables).

Customers from Hong Kong, Taiwan and many overseas communities write Traditional characters
(我的訂單到哪了); the shop NLU's messages, the rules and most catalogues are Simplified (我的订单到哪了).
The assistant and the search read every Chinese text in its Simplified form (:func:`to_simplified`),
and the assistant answers a customer who writes Traditional characters in Traditional characters
(:func:`to_traditional`, Taiwan's standard forms, which Hong Kong readers read as their own).

- :func:`to_simplified` converts with OpenCC's ``t2s`` (characters, and a few phrases such as 回覆 →
  回复) a text that holds at least one character that is Traditional on its own; any other text —
  Simplified, Latin letters, digits, emoji — is returned as it is, without a conversion (so 回覆 in
  an otherwise Simplified message stays). It is idempotent. Regional words are not rewritten
  (Taiwan's 軟體 becomes 软体, not 软件): the NLU learned those from its Cantonese and Taiwanese
  message sets.
- :func:`script_of` tells "traditional", "simplified" or "" (no Chinese character, or none that
  differs between the scripts: 好的).
- A Simplified or Latin text costs one regular-expression scan (≈ 5 µs for a 200-character
  description on a busy 2-core machine); a conversion 2–15 µs per short message, 20–30 µs per 200
  characters. Converters are per thread; the character table is built once (≈ 70 ms).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import opencc

_local = threading.local()


def _converter(config: str) -> opencc.OpenCC:
    cache = getattr(_local, "converters", None)
    if cache is None:
        cache = _local.converters = {}
    conv = cache.get(config)
    if conv is None:
        conv = cache[config] = opencc.OpenCC(config)
    return conv


# Characters kept as written: OpenCC maps Cantonese 嗰 ("that") to 𠮶, a rare character outside the
# basic block that both scripts' writers type as 嗰 and the encoders barely know.
_KEEP = frozenset("嗰")


# Han ideographs: extension A, the unified block, compatibility ideographs (first, last code point)
_HAN_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
HAN = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _HAN_BLOCKS)  # as a character-class body
_CJK = re.compile(f"[{HAN}]")
# Word runs of a lower-cased (NFKC) text: Han characters (group 1), or Latin letters and digits with
# inner dots and apostrophes (group 2: "v2.0", "men's") — how the search analyser and the static
# encoder cut a text before segmenting its Han runs
WORD_RUNS = re.compile(rf"([{HAN}]+)|([a-z0-9]+(?:[.'][a-z0-9]+)*)")


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Han character (:data:`HAN`)."""
    return _CJK.search(text) is not None


@lru_cache(maxsize=1)
def _traditional_only() -> re.Pattern[str]:
    """The Han characters (:data:`HAN`) that OpenCC changes on their own (about
    4,200): a text holding none of them is left as it is, without a conversion."""
    chars = [chr(c) for a, b in _HAN_BLOCKS for c in range(a, b + 1)]
    out = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    found = "".join(a for a, b in zip(chars, out, strict=True) if a != b and a not in _KEEP)
    return re.compile(f"[{found}]")


def to_simplified(text: str) -> str:
    """``text`` with Traditional Chinese characters replaced by their Simplified forms."""
    if not text or _traditional_only().search(text) is None:
        return text
    out = _converter("t2s").convert(text)
    if len(out) == len(text) and any(ch in _KEEP for ch in text):
        out = "".join(a if a in _KEEP else b for a, b in zip(text, out, strict=True))
    return out


def to_traditional(text: str, region: str = "", words: bool = False) -> str:
    """``text`` with Simplified characters replaced by Traditional ones: ``region`` "" the standard
    forms (爲), "tw" Taiwan's (為, 裡; with ``words`` also its words: 软件 → 軟體), "hk" Hong Kong's."""
    if not text or not has_han(text):
        return text
    configs = {"": "s2t", "tw": "s2twp" if words else "s2tw", "hk": "s2hk"}
    if region not in configs:
        raise ValueError(f"region must be '', 'tw' or 'hk', got {region!r}")
    return _converter(configs[region]).convert(text)


def script_of(text: str) -> str:
    """ "traditional" when at least as many characters are written in a Traditional form as in a
    Simplified form that differs from its Traditional one, "simplified" when fewer, "" when the text
    has neither (Latin text, 好的, 你好). A Simplified message with one Cantonese 係 among several
    Simplified-only characters stays "simplified"."""
    if not text or not has_han(text):
        return ""
    simp = to_simplified(text)
    if len(simp) != len(text):  # a phrase conversion changed the length: only Traditional input does
        return "traditional"
    trad = to_traditional(simp)
    aligned = len(trad) == len(simp)
    written_trad = written_simp = 0
    for i, (a, b) in enumerate(zip(text, simp, strict=True)):
        if a != b:
            written_trad += 1
        elif aligned and trad[i] != b:
            written_simp += 1
    if written_trad and written_trad >= written_simp:
        return "traditional"
    return "simplified" if written_simp or written_trad else ""
