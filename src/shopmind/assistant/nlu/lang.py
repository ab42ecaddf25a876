"""Language of a message: "zh" when Chinese characters carry at least as much as Latin words."""

from __future__ import annotations

import re

from shopmind.text.script import HAN

_CJK = re.compile(f"[{HAN}]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_lang(text: str, default: str = "en") -> str:
    """ "zh" or "en". Each Chinese character counts as one unit, each Latin word (2+ letters) as one;
    ids like O000123 and single letters do not count. Texts with neither get ``default``."""
    n_cjk = len(_CJK.findall(text))
    n_words = len(_LATIN_WORD.findall(text))
    if n_cjk == 0 and n_words == 0:
        return default
    return "zh" if n_cjk >= n_words else "en"
