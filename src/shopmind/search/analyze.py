"""Text analysis shared by the index and the query parser: one tokeniser for Chinese and English.

- Text is NFKC-normalised (full-width letters and digits become ASCII), lower-cased and written in
  Simplified Chinese characters (:func:`shopmind.text.script.to_simplified`), so a shopper who types
  連衣裙 finds the 连衣裙 and a Traditional catalogue is found by Simplified queries.
- Runs of Han characters are segmented by jieba in *search mode*, which emits the long word and its
  shorter parts (``连衣裙`` -> ``连衣 衣裙 连衣裙``), so a query matches either grain.
- Latin runs are split into words (``10000mah``, ``t-shirt`` -> ``t shirt``), common stop words
  are dropped and the rest is Snowball-stemmed (``dresses`` -> ``dress``).

Documents and queries go through the same function, so their tokens meet in the index.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

from shopmind.text.script import HAN, WORD_RUNS, to_simplified
from shopmind.text.script import has_han as has_han  # the search modules call it as analyze.has_han

_HAN_ONLY = re.compile(rf"^[{HAN}]+$")

STOP_EN = frozenset("a an and are as at be by for from in into is it its of on or the to with".split())
STOP_ZH = frozenset("的 了 和 与 及 或 在 是 有 我 要 买 想 给 一个 一款".split())

_jieba_lock = threading.Lock()
_jieba = None
_user_words: set[str] = set()


def jieba_module():
    """The jieba module, initialised once per process (its dictionary loads in about a second)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def add_words(words: set[str] | list[str]) -> None:
    """Teach the segmenter the catalog's own Chinese words (brands, nouns, attribute values)."""
    new = [w for w in words if w and _HAN_ONLY.match(w) and w not in _user_words]
    if not new:
        return
    jb = jieba_module()
    with _jieba_lock:
        for w in new:
            jb.add_word(w, freq=20_000)
            _user_words.add(w)
    _segment.cache_clear()
    _analyze.cache_clear()
    analyze_spans.cache_clear()


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case English word (digits and codes are kept as they are)."""
    if not word.isalpha() or len(word) <= 3:
        return word
    return _stemmer().stemWord(word)


@lru_cache(maxsize=100_000)
def _segment(run: str) -> tuple[str, ...]:
    return tuple(w for w in jieba_module().lcut_for_search(run) if w not in STOP_ZH)


def normalise(text: str) -> str:
    """NFKC, lower case and Simplified Chinese characters (連衣裙 → 连衣裙); the form every other
    function here works on."""
    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def words(text: str) -> list[tuple[str, int, int, bool]]:
    """``(surface, start, end, is_han)`` runs of ``normalise(text)``: Han runs whole, Latin as words."""
    out = []
    for m in WORD_RUNS.finditer(normalise(text)):
        out.append((m.group(0), m.start(), m.end(), m.group(1) is not None))
    return out


def analyze(text: str) -> list[str]:
    """The index tokens of ``text`` (with repeats, in order)."""
    return list(_analyze(text))


@lru_cache(maxsize=20_000)
def _analyze(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for surface, _, _, han in words(text):
        if han:
            tokens.extend(_segment(surface))
        elif surface not in STOP_EN:
            tokens.append(stem(surface))
    return tuple(tokens)


@lru_cache(maxsize=50_000)
def analyze_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """``(token, start, end)`` with offsets into ``normalise(text)`` (used for highlights)."""
    spans: list[tuple[str, int, int]] = []
    for surface, start, _, han in words(text):
        if not han:
            if surface not in STOP_EN:
                spans.append((stem(surface), start, start + len(surface)))
            continue
        for token, s, e in jieba_module().tokenize(surface, mode="search"):
            spans.append((token, start + s, start + e))
    return tuple(spans)
