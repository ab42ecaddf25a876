"""What may never be offered as a suggestion, whoever searched it: links and domains (``scam.com``,
``scam dot com``, ``scam点com``), e-mail addresses, phone numbers, contact handles (WeChat, QQ,
WhatsApp, Telegram …) and profanity in English and Chinese (the words are in ``blocklist.txt``).

``blocked(query)`` gives the reason a query is refused, or None. An admin can still approve a
refused query (``shopmind search suggestions approve``)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from shopmind.search import analyze as A

WORDS_FILE = Path(__file__).with_name("blocklist.txt")

_DOT = r"(?:\.|。|．|点|點|\bdot\b|\(dot\)|\[dot\])"
_TLD = r"(?:com|net|org|cn|io|co|xyz|top|shop|store|info|biz|me|cc|ru|tk|vip|club|online|site|app|hk|tw)"
PATTERNS = (
    ("link", re.compile(r"https?\s*:|www\s*" + _DOT + r"|://")),
    ("e-mail", re.compile(r"[^\s@]+@[^\s@]+")),
    ("domain", re.compile(r"[a-z0-9\u4e00-\u9fff-]+\s*" + _DOT + r"\s*" + _TLD + r"(?![a-z])")),
    ("domain", re.compile(r"dot\s*" + _TLD + r"(?![a-z])")),
    ("e-mail", re.compile(r"[^\s@]+\s*(?:@|\bat\b|\(at\)|\[at\])\s*[^\s@]+\s*" + _DOT)),
    ("phone number", re.compile(r"(?:\+?\d[\s\-().]{0,2}){8,}")),
)


@lru_cache(maxsize=1)
def _words() -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """(a regex of the Latin words as whole words, the Chinese words matched anywhere)."""
    latin, han = [], []
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        word = A.normalise(line.strip())
        if not word or word.startswith("#"):
            continue
        (han if A.has_han(word) else latin).append(word)
    alt = "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in latin), key=len, reverse=True))
    return (re.compile(rf"(?<![a-z0-9])(?:{alt})(?![a-z0-9])") if alt else None), tuple(han)


def blocked(query: str) -> str | None:
    """Why ``query`` may not be suggested (a link, a domain, an e-mail address, a phone number, a
    blocked word), or None when it may."""
    text = " ".join(A.normalise(query).split())
    for reason, pattern in PATTERNS:
        if pattern.search(text):
            return reason
    latin, han = _words()
    if (latin is not None and latin.search(text)) or any(w in text for w in han):
        return "blocked word"
    return None
