"""What a product must have to *match* a parsed query (the honest result set).

Every content word left in the query after prices, sorts, negations and filler words are taken out is a
:class:`Need`. A product meets a need when it has the word's token (or every token of one of the word's
synonyms) in any indexed field, or when it meets a chip read from that word (the brand, category, colour
or attribute value the word names, so "red dress" matches a Chinese-titled dress whose colour is Red).
A product *matches* the query when it meets every need (and the hard constraints: price, exclusions).

Words no product has ("case" in a shop without phone cases) are needs too: then nothing matches and the
search says so, instead of padding the page with whatever the dense retriever finds nearest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from shopmind.search import analyze as A
from shopmind.search.words import is_filler

SOFT_CHIPS = ("brand", "category", "colour", "size", "attribute")


@dataclass
class Need:
    """One content word of the query and the ways a product can meet it."""

    text: str  # the word as typed (normalised)
    alternatives: list[tuple[str, ...]] = field(default_factory=list)  # token tuples, any one will do
    chips: list = field(default_factory=list)  # soft chips read from this word (any one will do)


def query_words(text: str, phrases: list[str] = ()) -> list[str]:  # noqa: B006 - read only
    """The content words of ``text``: Latin words and the words of Han runs — each of the catalog
    ``phrases`` found in a run (longest first; 无线耳机 -> 无线 + 耳机), jieba's words for the rest —
    less stop and filler words."""
    out: list[str] = []
    for surface, _, _, han in A.words(text):
        parts = _han_words(surface, sorted(set(phrases), key=len, reverse=True)) if han else [surface]
        for w in parts:
            if w in A.STOP_EN or w in A.STOP_ZH or is_filler(w):
                continue
            out.append(w)
    return out


def _han_words(run: str, phrases: list[str]) -> list[str]:
    for phrase in phrases:
        if phrase and phrase in run:
            head, _, tail = run.partition(phrase)
            return _han_words(head, phrases) + [phrase] + _han_words(tail, phrases)
    return [w for w in A.jieba_module().lcut(run) if w.strip()] if run else []


def _own_tokens(word: str) -> tuple[str, ...]:
    tokens = A.analyze(word)
    if not tokens:
        return ()
    if A.has_han(word):  # search mode also emits the word's parts: the longest one is the word
        return (max(tokens, key=len),)
    return tuple(tokens)


def _covers(chip_text: str, word: str) -> bool:
    said = A.normalise(chip_text)
    if A.has_han(word):
        compact = said.replace(" ", "")
        return word in compact or (len(compact) >= 2 and compact in word)
    return word in {w for w, _, _, _ in A.words(said)}


def needs_of(text: str, chips: list, synonym_hits: list[tuple[str, list[str]]]) -> list[Need]:
    """The needs of the parsed ``text``; ``chips`` are the parse's chips, ``synonym_hits`` the synonym
    rules that fired as (matched phrase, its alternatives)."""
    soft = [c for c in chips if c.type in SOFT_CHIPS]
    phrases = [A.normalise(c.text).replace(" ", "") for c in soft if A.has_han(c.text)]
    needs: list[Need] = []
    for word in query_words(text, phrases):
        own = _own_tokens(word)
        if not own:
            continue
        need = Need(word, [own], [c for c in soft if _covers(c.text, word)])
        for hit, alternatives in synonym_hits:
            if _covers(hit, word):
                for alt in [hit, *alternatives]:
                    toks = _own_tokens(alt) if A.has_han(alt) else tuple(A.analyze(alt))
                    if toks and toks not in need.alternatives:
                        need.alternatives.append(toks)
        needs.append(need)
    return needs


def needs_mask(cols, needs: list[Need], index) -> np.ndarray:
    """(n,) whether each slot meets every need (all True without needs)."""
    from shopmind.search.rank import chip_mask

    n = len(cols.alive)
    out = np.ones(n, dtype=bool)
    has: dict[str, np.ndarray] = {}

    def present(tok: str) -> np.ndarray:
        if tok not in has:
            has[tok] = index.bm25.has(tok, n) & cols.alive
        return has[tok]

    for need in needs:
        met = np.zeros(n, dtype=bool)
        for alt in need.alternatives:
            if all(index.bm25.df_.get(t, 0) > 0 for t in alt):
                hit = np.ones(n, dtype=bool)
                for tok in alt:
                    hit &= present(tok)
                met |= hit
        for chip in need.chips:
            met |= chip_mask(cols, chip, index)
        out &= met
        if not out.any():
            break
    return out
