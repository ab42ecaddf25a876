"""SearchService: the one entry point the API and the CLI call for search and autocomplete.

``search(query, filters, page, customer_id)`` parses the query, retrieves (BM25, dense or both),
filters, fuses, applies the business rules and returns products with facet counts, the parsed
query (chips), highlights and, when a constraint had to be dropped to find anything, which one.

The result set is honest: ``total``, ``products`` and ``facets`` describe the products that *match*
the understood query (every content word met, lexically or through a chip, and every price and
exclusion constraint: :mod:`shopmind.search.needs`), never the tail of the dense ranking. Products
that are only near the query come separately as ``related`` (page one, when the matches do not fill
it), and when nothing matches ``no_match`` and ``message`` say so.
The index, the best-selling counters and the query log follow the store's change log in the
background (:mod:`shopmind.search.follow`, driven by the engine's followers): a request never syncs.
``sync()`` applies the changes logged since the last one now; ``sync(force=True)`` reloads in full.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopmind.followers import Follower
from shopmind.search import analyze as A
from shopmind.search import rank as R
from shopmind.search.backfill import BackfillConfig, Backfiller
from shopmind.search.follow import SearchFollowing
from shopmind.search.honest import Ranked, facet_labels, message, price_intent_order
from shopmind.search.index import SKIP_ATTRIBUTES, IndexConfig, ProductIndex
from shopmind.search.needs import needs_mask
from shopmind.search.pins import Pins
from shopmind.search.query import Chip, ParsedQuery, QueryParser
from shopmind.search.query_log import QueryLog
from shopmind.search.suggest import Suggester

log = logging.getLogger(__name__)

SORTS = ("relevance", "price_asc", "price_desc", "best_selling", "newest")
MAX_DENSE_CHARS = 256  # a longer query is cut before encoding (encoding cost grows with length)
PREFERENCE_WEIGHT = 1.0  # fused scores are in [0, 1]: meeting every soft chip outranks any text score


@dataclass
class SearchConfig:
    """Serving options."""

    index: IndexConfig = field(default_factory=IndexConfig)
    fusion: R.FusionConfig = field(default_factory=R.FusionConfig)
    mode: str = "hybrid"  # hybrid | lexical | dense
    page_size: int = 20  # results per page
    max_page_size: int = 100
    log_events: bool = True  # log every search as a "search" event (recommender, suggestions)
    pins_path: str | None = None  # pins JSON file: kept without a store, imported once into one
    facet_values: int = 10  # values returned per facet
    backfill: BackfillConfig = field(default_factory=BackfillConfig)  # dense vectors, in the background
    suggest_min_visitors: int = 3  # distinct visitors (with results) before a query is suggested to others


def served_config(
    cache_path: str | Path | None = None,
    pins_path: str | Path | None = None,
    extra_encoder: str = "",
    extra_weight: float = 0.4,
) -> SearchConfig:
    """The served search configuration: defaults with the given embedding cache and pins files, plus a
    second encoder when one is named, with the fusion chosen for it on Home Depot validation."""
    cache = str(cache_path) if cache_path else None
    pins = str(pins_path) if pins_path else None
    if not extra_encoder:
        return SearchConfig(index=IndexConfig(cache_path=cache), pins_path=pins)
    return SearchConfig(
        index=IndexConfig(extra_encoder=extra_encoder, cache_path=cache),
        fusion=R.FusionConfig(alpha=0.5, extra_weight=extra_weight),
        pins_path=pins,
    )


class SearchService:
    def __init__(
        self,
        store=None,
        config: SearchConfig | None = None,
        index: ProductIndex | None = None,
        recommender=None,
    ) -> None:
        self.store = store
        self.config = config or SearchConfig()
        self.index = index if index is not None else ProductIndex(self.config.index)  # an empty one is falsy
        self.parser = QueryParser(self.index)
        self.recommender = recommender  # anything with recommend(customer_id, k) -> {"source", "items"}
        self.suggester = Suggester(self.index, self.parser, self.config.suggest_min_visitors)
        # the index, counters and query log follow the store (loaded in full here, then change by change)
        self.following = None
        if store is not None:
            self.following = SearchFollowing(store, self.index, self.suggester, warm=self._warm)
            self.following.follower.reload()
        self._pins = Pins(store, self.config.pins_path)  # in the store: the same on every replica
        # the query is encoded on a worker thread while the lexical side runs (the encoder is C code
        # that releases the GIL), so a hybrid query costs max(encode, lexical) rather than the sum
        self._encoder_pool: ThreadPoolExecutor | None = None
        self._inflight: dict[tuple[str, bool], Future] = {}  # (text, second encoder?) -> vector
        self._inflight_lock = threading.Lock()
        # dense vectors are filled by this thread (started by the engine), never on a request
        self.backfiller = Backfiller(self.index, self.config.backfill)
        # searches are logged by this writer's thread in batches, never by the request (query_log.py)
        self.query_log = QueryLog(store)

    def status(self) -> dict[str, Any]:
        """What serves search now: hybrid (BM25 + vectors) or lexical only, and the dense vectors'
        coverage (vectors / products, the encoder, the backfill's rate in vectors per second)."""
        dense = self.index.dense_ready
        return {
            "kind": "search",
            "products": len(self.index),
            "serving": "hybrid" if dense else "lexical",
            "fallback": "lexical (BM25) search while the catalog has no sentence vectors",
            "dense": self.backfiller.status(),
        }

    def close(self) -> None:
        """Stop the backfill and the query-encoder threads, write the queued searches and close the
        embedding caches."""
        self.backfiller.stop()
        self.query_log.close()
        with self._inflight_lock:
            pool, self._encoder_pool = self._encoder_pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        self.index.close()

    # ------------------------------------------------------------------ following the store
    @property
    def follower(self) -> Follower | None:
        """What keeps the index in step with the store (None without a store)."""
        return self.following.follower if self.following is not None else None

    def sync(self, force: bool = False) -> dict[str, int]:
        """Apply the store's changes logged since the last ones applied (``force``: reload in full);
        returns the products indexed and deleted meanwhile. Never called by a request."""
        if self.following is None:
            return {"indexed": 0, "deleted": 0}
        before = dict(self.following.counts)
        self.query_log.flush()  # this process's own searches are in the store before it is read
        if force:
            self.following.follower.reload()
        else:
            self.following.follower.catch_up()
            self.following.refresh_queries()
        return {k: self.following.counts[k] - before.get(k, 0) for k in ("indexed", "deleted")}

    def _warm(self) -> None:
        """Rebuild the vocabulary and catalog terms of a changed index (before a request needs them)."""
        self.parser.vocabulary()
        self.suggester.catalog_terms()

    def sales(self) -> np.ndarray:
        """(n_slots,) purchases per product (for "best selling")."""
        if self.following is None:
            return np.zeros(self.index.n_slots)
        return self.following.sales_array()

    # ------------------------------------------------------------------ pins
    @property
    def pins(self) -> dict[str, list[str]]:
        """Every pinned query (normalised) with its product ids (:mod:`shopmind.search.pins`)."""
        return self._pins.all()

    def pin(self, query: str, product_ids: list[str]) -> str:
        """Always show ``product_ids`` first (in this order) for ``query``; an empty list unpins.
        Returns the normalised query the pin is kept under."""
        return self._pins.set(query, product_ids)

    # ------------------------------------------------------------------ search
    def search(
        self,
        query: str,
        filters: dict[str, Any] | None = None,
        page: int = 1,
        customer_id: str | None = None,
        *,
        page_size: int | None = None,
        sort: str | None = None,
        mode: str | None = None,
        session_id: str = "",
        log: bool | None = None,
        visitor: str | None = None,
        correct: bool = True,
    ) -> dict[str, Any]:
        """One page of matching products with facets, the parsed query, highlights and any relaxation,
        plus related products when the matches do not fill page one; the search is logged as an event
        when ``log`` (default: the config's ``log_events``). ``visitor``: who searched, for a public
        request (:mod:`shopmind.data.store_abuse`); None: a trusted caller. ``correct=False`` searches
        the words as typed (no spelling or pinyin rewriting)."""
        t0 = time.perf_counter()
        mode = mode or self.config.mode
        if mode not in R.MODES:
            raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(R.MODES)}")
        if sort is not None and sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
        page = max(1, int(page))
        size = min(max(1, page_size or self.config.page_size), self.config.max_page_size)
        parsed = self.parser.parse(query, correct=correct)
        ahead = mode != "lexical" and self.index.dense_ready
        if ahead:
            self._encode_ahead(_dense_text(parsed))
        try:
            cols = self.index.columns()  # one snapshot for the whole request (the index follows the store)
            base = R.filters_mask(cols, filters or {})
            ranked = self.rank(parsed, base, mode, cols)
        finally:
            if ahead:  # retrieval may have ended before it needed the vector
                self._forget_ahead(_dense_text(parsed))
        sort = sort or parsed.sort or "relevance"
        slots, scores = self._order(ranked.slots, ranked.scores, sort, parsed, cols, customer_id)
        total = len(slots)
        start = (page - 1) * size
        page_slots, page_scores = slots[start : start + size], scores[start : start + size]
        room = size - len(page_slots) if page == 1 else 0
        related = [(int(s), float(v)) for s, v in zip(ranked.related, ranked.related_scores, strict=True)]
        facets = self._facets(cols, slots)
        unknown = R.unknown_filter_values(cols, filters or {})
        answer = {
            "query": query,
            "parsed": parsed.to_dict(),
            "mode": mode,
            "sort": sort,
            "total": total,
            "page": page,
            "page_size": size,
            "products": self._hits(zip(page_slots.tolist(), page_scores.tolist(), strict=True), parsed),
            "facets": facets,
            "facet_labels": facet_labels(facets, parsed.lang),
            "relaxed": [c.to_dict(parsed.lang) for c in ranked.relaxed],
            "no_match": total == 0,
            "related": self._hits(related[: max(room, 0)], parsed),
            "corrected": {"query": parsed.corrected, "original": query} if parsed.corrected else None,
            "unknown_filters": unknown,
            "message": message(query, parsed, total, unknown),
            "took_ms": round(1000 * (time.perf_counter() - t0), 2),
        }
        if self.config.log_events if log is None else log:
            self._log(query, customer_id, session_id, visitor, total)
        return answer

    def rank(self, parsed: ParsedQuery, base: np.ndarray, mode: str, cols=None) -> Ranked:
        """The matches of ``parsed`` within ``base`` (best first), then the related products: retrieved
        but not matching, or, when nothing matches, what relaxing the constraints finds."""
        cols = cols if cols is not None else self.index.columns()
        mask = base & R.constraints_mask(cols, parsed.constraints, self.index)
        slots, scores, _ = self.retrieve(parsed, mask, mode)
        slots, scores, _ = self._prefer(parsed, slots, scores, cols)
        n = min(len(mask), self.index.n_slots)
        retrieved = np.zeros(n, dtype=bool)
        retrieved[slots] = True
        if parsed.needs:
            match = mask[:n] & needs_mask(cols, parsed.needs, self.index)[:n]
        else:  # only filters, a sort or filler words: what retrieval found is what was asked for
            match = retrieved
        is_match = match[slots]
        m_slots, m_scores = slots[is_match], scores[is_match]
        missed = np.flatnonzero(match & ~retrieved)  # matches beyond the retrievers' candidate lists
        if len(missed):
            lex = self.index.lexical(parsed.terms)[missed]
            missed = missed[np.argsort(-lex, kind="stable")]
            low = float(m_scores.min()) if len(m_scores) else 0.0
            m_slots = np.concatenate([m_slots, missed])
            m_scores = np.concatenate([m_scores, np.full(len(missed), min(low, 0.0))])
        if len(m_slots):
            m_slots, m_scores = price_intent_order(parsed, m_slots, m_scores, cols)
            return Ranked(m_slots, m_scores, slots[~is_match], scores[~is_match])
        r_slots, r_scores, relaxed = self._retrieve_relaxing(parsed, base, mode, cols)
        return Ranked(m_slots, m_scores, r_slots, r_scores, relaxed)

    def _hits(self, pairs, parsed: ParsedQuery) -> list[dict[str, Any]]:
        return [hit for s, v in pairs if (hit := self._hit(int(s), float(v), parsed)) is not None]

    def _retrieve_relaxing(self, parsed: ParsedQuery, base: np.ndarray, mode: str, cols=None):
        """Retrieve; while the query's hard constraints leave nothing, drop the least important one.
        Then rank products that meet the soft chips first; chips no result meets are reported too.
        ``cols``: the request's snapshot of the index columns (default: the current one)."""
        cols = cols if cols is not None else self.index.columns()
        active = list(parsed.constraints)
        relaxed: list[Chip] = []
        while True:
            mask = base & R.constraints_mask(cols, active, self.index)
            slots, scores, empty = self.retrieve(parsed, mask, mode)
            if not empty or not active:
                break
            drop = min(active, key=lambda c: (c.importance, -active.index(c)))
            active.remove(drop)
            relaxed.append(drop)
        slots, scores, unmet = self._prefer(parsed, slots, scores, cols)
        return slots, scores, relaxed + unmet

    def _prefer(self, parsed: ParsedQuery, slots: np.ndarray, scores: np.ndarray, cols):
        """Add ``PREFERENCE_WEIGHT`` x the importance-weighted share of soft chips a product meets."""
        groups = R.preference_groups(parsed.preferences)
        if not groups or not len(slots):
            return slots, scores, []
        met = R.preference_match(cols, groups, slots, self.index)  # (G, N)
        weight = np.array([max(c.importance for c in g) for g in groups], dtype=np.float64)
        share = weight @ met / weight.sum()  # (G,) @ (G, N) -> (N,)
        # the rest of the query must match too: "blue shelf" boosts blue shelves, not blue anything
        chip_tokens = {t for c in parsed.preferences for t in A.analyze(c.text)}
        rest = {t: 1.0 for t in parsed.terms if parsed.terms[t] == 1.0 and t not in chip_tokens}
        rest = {t: w for t, w in rest.items() if self.index.bm25.df_.get(t, 0) > 0}
        if rest:
            share = share * (self.index.lexical(rest)[slots] > 0)
        boosted = scores + PREFERENCE_WEIGHT * share
        order = np.argsort(-boosted, kind="stable")
        slots, boosted, met = slots[order], boosted[order], met[:, order]
        unmet = (
            []
            if met.all(axis=0).any()
            else [c for g, ok in zip(groups, met[:, 0], strict=True) if not ok for c in g]
        )
        return slots, boosted, unmet

    def retrieve(
        self, parsed: ParsedQuery, mask: np.ndarray, mode: str
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Candidate slots and fused scores (best first) within ``mask``; ``empty`` says the filters
        left nothing that matches the words (so a constraint should be relaxed)."""
        cfg = self.config.fusion
        n = min(len(mask), self.index.n_slots)  # the request's snapshot: slots added since are left out
        mask = mask[:n]
        if not mask.any():
            return np.zeros(0, np.int64), np.zeros(0), True
        if not parsed.terms and not A.has_han(parsed.text) and not _has_word(parsed.text):
            if not parsed.constraints and parsed.sort is None:
                return np.zeros(0, np.int64), np.zeros(0), False  # nothing to search for
            slots = np.flatnonzero(mask)  # browse: only filters/sort were given
            return slots, np.zeros(len(slots)), False
        vectors = self.index.vectors  # one set for the whole query (the backfill may swap it)
        use_dense = mode != "lexical" and self.index.dense_ready  # no vectors yet: lexical only
        use_lexical = mode != "dense" or not use_dense
        lex_all = self.index.lexical(parsed.terms)[:n] if use_lexical else np.zeros(n, np.float32)
        lex = np.where(mask, lex_all, 0.0)
        lex_slots = _top_nonzero(lex, cfg.k_lexical)
        empty = len(lex_slots) == 0 and bool((lex_all > 0).any())
        if not use_dense:
            return lex_slots, lex[lex_slots], empty
        text = _dense_text(parsed)
        q = self._query_vector(text, vectors=vectors)
        d_slots, _ = vectors.search(q, cfg.k_dense, mask)
        q2 = x_slots = None
        if self.index.uses_extra(text):  # the second encoder, when it serves this query
            q2 = self._query_vector(text, extra=True)
            x_slots, _ = self.index.extra_vectors.search(q2, cfg.k_dense, mask)
        if mode == "dense":
            cand = d_slots if x_slots is None else np.union1d(d_slots, x_slots)
            dense = vectors.scores(q, cand)
            if q2 is not None:
                dense = R.dense_blend(dense, self.index.extra_vectors.scores(q2, cand), cfg)
                order = np.argsort(-dense, kind="stable")
                cand, dense = cand[order], dense[order]
            return cand, dense, False
        cand = np.union1d(lex_slots, d_slots)
        extra = in_extra = has_extra = None
        if q2 is not None:
            cand = np.union1d(cand, x_slots)
            extra, in_extra = self.index.extra_vectors.scores(q2, cand), np.isin(cand, x_slots)
            has_extra = self.index.extra_vectors.has(cand)
        dense = vectors.scores(q, cand)
        in_dense, has_dense = np.isin(cand, d_slots), vectors.has(cand)
        fused = R.fuse(lex[cand], dense, in_dense, cfg, extra, in_extra, has_dense, has_extra)
        order = np.argsort(-fused, kind="stable")
        return cand[order], fused[order], empty

    def _encode_ahead(self, text: str) -> None:
        """Start encoding ``text`` on the worker thread(s); :meth:`_query_vector` collects it."""
        vectors = self.index.vectors
        jobs = [((text, False), lambda t: (vectors, self.index.encode_query(t, vectors)))]
        if self.index.uses_extra(text):
            jobs.append(((text, True), lambda t: (None, self.index.encode_query_extra(t))))
        with self._inflight_lock:
            if self._encoder_pool is None:
                self._encoder_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-encoder")
            for key, encode in jobs:
                if key not in self._inflight:
                    self._inflight[key] = self._encoder_pool.submit(encode, text)

    def _forget_ahead(self, text: str) -> None:
        with self._inflight_lock:
            self._inflight.pop((text, False), None)
            self._inflight.pop((text, True), None)

    def _query_vector(self, text: str, extra: bool = False, vectors=None) -> np.ndarray:
        """The query's unit vector (from the second encoder with ``extra``; else for the vector set
        ``vectors``, default the serving one): the one started by :meth:`_encode_ahead`, else encoded now."""
        with self._inflight_lock:
            pending = self._inflight.pop((text, extra), None)
        if pending is not None:
            made_for, vector = pending.result()
            if extra or vectors is None or made_for is vectors:
                return vector
        return self.index.encode_query_extra(text) if extra else self.index.encode_query(text, vectors)

    def _order(self, slots, scores, sort: str, parsed: ParsedQuery, cols, customer_id: str | None):
        if sort != "relevance" and len(slots):
            if parsed.terms and not parsed.needs and len(slots) > 20:  # sort only what is about the query
                top = float(scores.max())
                keep = scores >= 0.5 * top if top > 0 else np.ones(len(slots), bool)
                slots, scores = slots[keep], scores[keep]
            key = {
                "price_asc": cols.price[slots],
                "price_desc": -cols.price[slots],
                "best_selling": -self.sales()[slots],
                "newest": -np.nan_to_num(cols.created[slots], nan=-np.inf),
            }[sort]
            order = np.lexsort((-scores, key))
            slots, scores = slots[order], scores[order]
        pinned = [s for s in self.index.slots_of(self._pins.get(parsed.raw)) if s < len(cols.alive)]
        personal = self._personal(customer_id) if customer_id else None
        return R.apply_rules(
            slots,
            scores,
            cols.in_stock,
            pinned,
            personal,
            self.config.fusion.personal_weight,
            keep_order=sort != "relevance",
        )

    def _personal(self, customer_id: str) -> dict[int, float] | None:
        """slot -> affinity in (0, 1] from the recommender handed in (the engine's; None without one
        or without a published model). A search service never builds a recommender of its own."""
        rec = self.recommender
        if rec is None:
            return None
        try:
            answer = rec.recommend(customer_id, 100)
        except Exception as exc:  # noqa: BLE001 - a failing recommender must not fail search
            log.warning("personalisation skipped: %s", exc)
            return None
        if answer.get("source", "trending") == "trending":
            return None  # no published model (or nothing known about this customer): no boost
        items = [i["product_id"] for i in answer.get("items", [])]
        return {s: 1.0 - r / max(len(items), 1) for r, s in enumerate(self.index.slots_of(items))}

    def neighbours(self, product_id: str, k: int) -> list[tuple[str, float]] | None:
        """Up to ``k`` other products nearest to ``product_id`` by the sentence vector the index holds for
        it (cosine), or None when it has none yet; nothing is encoded."""
        vectors = self.index.vectors
        slot = self.index.slot_of.get(product_id)
        if slot is None or not vectors.has([slot])[0]:
            return None
        slots, sims = vectors.search(vectors.vectors_[slot].copy(), k + 1)
        ids = self.index.ids
        pairs = zip(slots.tolist(), sims.tolist(), strict=True)
        return [(ids[s], float(v)) for s, v in pairs if s != slot and ids[s]]

    def _hit(self, slot: int, score: float, parsed: ParsedQuery) -> dict[str, Any] | None:
        p = self.index.product(slot)
        if p is None:  # removed by the follower while this request ran
            return None
        out = {k: v for k, v in p.items() if k not in ("created",)}
        out["in_stock"] = p["stock"] > 0
        out["score"] = round(score, 5)
        out["highlights"] = {"title": highlight(p["title"], parsed.terms)}
        return out

    def _facets(self, cols, slots: np.ndarray) -> dict[str, list[dict[str, Any]]]:
        """Value counts over all results: brand, category, attributes, and price ranges."""
        if not len(slots):
            return {}
        out: dict[str, list[dict[str, Any]]] = {}
        for name, col in cols.fields.items():
            if name.startswith("attributes.") and name[len("attributes.") :] in SKIP_ATTRIBUTES:
                continue
            counts = np.bincount(col.codes[slots], minlength=len(col.values))
            empty = col.lookup.get("")
            if empty is not None:
                counts[empty] = 0
            top = np.argsort(-counts, kind="stable")[: self.config.facet_values]
            top = top[counts[top] > 0]
            if len(top):
                out[name] = [{"value": col.values[i], "count": int(counts[i])} for i in top]
        prices = cols.price[slots]
        prices = prices[~np.isnan(prices)]
        if len(prices):
            out["price"] = _price_buckets(prices)
        return out

    def _log(
        self, query: str, customer_id: str | None, session_id: str, visitor: str | None, results: int
    ) -> None:
        if self.store is None or not query.strip():
            return
        from uuid import uuid4

        from shopmind.data.schema import Event

        event = {
            "event_id": f"q-{uuid4().hex}",
            "type": "search",
            "query": query.strip()[:1000],
            "session_id": session_id,
            "ts": datetime.now(UTC),
        }
        if customer_id:
            event["customer_id"] = customer_id
        try:
            # one row checked by the event model (the batch ingestion path validates with pandas,
            # costly for one row) and queued: the log's thread writes searches in batches
            valid = Event.model_validate(event)
            row = valid.model_dump() | {"type": valid.type.value}
        except ValueError as exc:  # logging must never fail a search
            log.warning("search event not logged: %s", exc)
            return
        source = (
            None if visitor is None else {"event_id": row["event_id"], "visitor": visitor, "results": results}
        )
        self.query_log.add(row, source)

    def suggest(self, prefix: str, k: int = 10) -> dict[str, Any]:
        """Completions of ``prefix`` from the moderated query log and the catalog's own terms."""
        return {"prefix": prefix, "suggestions": self.suggester.suggest(prefix, k)}

    def suggestions(self, pending: bool = False, limit: int = 100) -> list[dict[str, Any]]:
        """Logged queries with their moderation status (:mod:`shopmind.search.moderation`)."""
        from shopmind.search.moderation import suggestion_list

        return suggestion_list(self.store, self.config.suggest_min_visitors, pending, limit)

    def moderate_suggestion(self, text: str, action: str) -> dict[str, Any]:
        """Approve, hide or clear a suggestion; this process applies it at once, others on refresh."""
        from shopmind.search.moderation import set_rule

        rule = set_rule(self.store, text, action)
        self.refresh_suggestions()
        return rule

    def refresh_suggestions(self) -> None:
        """Rebuild the suggested queries from the store (the engine's followers run this on a timer),
        with the searches this process has queued written first."""
        self.query_log.flush()
        if self.following is not None:
            self.following.refresh_queries()


def _dense_text(parsed: ParsedQuery) -> str:
    """The text the sentence encoder sees for a parsed query (cut to ``MAX_DENSE_CHARS``)."""
    return (parsed.text or parsed.raw)[:MAX_DENSE_CHARS]


def _has_word(text: str) -> bool:
    return any(not han for _, _, _, han in A.words(text))


def _top_nonzero(scores: np.ndarray, k: int) -> np.ndarray:
    nz = np.flatnonzero(scores > 0)
    if len(nz) > k:
        nz = nz[np.argpartition(-scores[nz], k - 1)[:k]]
    return nz[np.argsort(-scores[nz], kind="stable")]


def _price_buckets(prices: np.ndarray) -> list[dict[str, Any]]:
    """About five ranges at round quantiles of the result prices."""
    edges = np.unique(np.round(np.quantile(prices, [0.2, 0.4, 0.6, 0.8]), -1))
    edges = edges[edges > 0]
    lows = [0.0, *edges.tolist()]
    highs = [*edges.tolist(), None]
    out = []
    for lo, hi in zip(lows, highs, strict=True):
        sel = (prices >= lo) & (prices < hi) if hi is not None else prices >= lo
        if sel.any():
            out.append({"min": lo, "max": hi, "count": int(sel.sum())})
    return out


def highlight(title: str, terms: dict[str, float]) -> str:
    """The title, HTML-escaped, with the words that matched the query wrapped in ``<em>``."""
    norm = A.normalise(title)
    base = title if len(norm) == len(title) else norm
    spans = sorted({(s, e) for tok, s, e in A.analyze_spans(title) if tok in terms})
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, last = [], 0
    for s, e in merged:
        out.append(html.escape(base[last:s]) + "<em>" + html.escape(base[s:e]) + "</em>")
        last = e
    return "".join(out) + html.escape(base[last:])
