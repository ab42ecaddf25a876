"""The engine: every service of one process, each built exactly once, with its configuration.

    engine = Engine(settings)            # or Engine(settings, store)
    engine.search.search("红色连衣裙")     # the same SearchService instance every time
    engine.assistant.tools.search is engine.search   # services are shared, never copied
    engine.close()                       # stops threads and pools, closes files

The engine is the edge between settings and the library: it is the one place (beside the CLI and
the app factory, which build an engine) that reads :class:`~shopmind.config.Settings`; every service
receives typed configuration and the shared pieces it needs — the store, the artifact store, the
job queue and the other services. A service is built on first use (so a CLI command that only
searches never loads a recommender) and at most once (under a lock). ``provide(name=instance)``
hands in a prebuilt instance before first use (tests, benchmarks).

What each capability serves while no model is published — and which version it serves once one is —
is :meth:`Engine.status`, shown by ``/health`` and the admin overview.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shopmind.artifacts import ArtifactStore
from shopmind.followers import Follower, Followers
from shopmind.gcpause import PauseWatch, settle
from shopmind.jobs import JobQueue, QueueConfig

if TYPE_CHECKING:
    from shopmind.assistant.knowledge import KnowledgeBase, KnowledgeConfig
    from shopmind.assistant.nlu.serving import ServedNLU
    from shopmind.assistant.service import AssistantService
    from shopmind.config import Settings
    from shopmind.data.store import Store
    from shopmind.lifecycle import ModelService
    from shopmind.marketing.service import MarketingService
    from shopmind.online.service import OnlineService
    from shopmind.recommend.service import RecommendationService
    from shopmind.search.service import SearchService
    from shopmind.synth.service import SynthService

log = logging.getLogger(__name__)

SERVICES = (
    "search", "recommendations", "nlu", "knowledge", "assistant", "marketing", "synth", "models", "online",
)  # fmt: skip


class Engine:
    """Builds and owns the services of one process (see the module docstring)."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        from shopmind.data.store import Store

        self.settings = settings
        self._owns_store = store is None
        self.store = store if store is not None else Store(settings.resolved_database_url)
        self.artifacts = ArtifactStore(settings.artifacts_dir, pointers=self.store)
        self.jobs = JobQueue(self.store, QueueConfig(max_attempts=settings.job_max_attempts),
                             embedded=self.worker_config() if settings.embedded_worker else None)  # fmt: skip
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._locks = {name: threading.RLock() for name in SERVICES}
        self._closed = False
        self._warming: threading.Thread | None = None
        self._warming_rest: threading.Thread | None = None  # the NLU and online services, built after start
        self._gc_watch: PauseWatch | None = None  # a serving process's collector pauses (gcpause.py)
        self._settle_after = "rest"  # the start() thread after which the built state is frozen
        self._register_jobs()
        # derived state (search index, recommendation catalog, knowledge base) follows the store's
        # change log on this engine's one background thread, started by start()
        self.followers = Followers(self.store, interval=settings.follow_interval)
        self.followers.every(3600.0, self._prune_changes, "prune the change log")
        self.followers.every(600.0, self._prune_rate_buckets, "prune idle rate-limit buckets")

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def worker_config(self, kinds: tuple[str, ...] = ()):
        """How this engine's workers poll and report (the embedded one, or ``shopmind worker``'s)."""
        from shopmind.worker import WorkerConfig

        return WorkerConfig(stale_after=self.settings.job_stale_after, kinds=kinds)

    def _register_jobs(self) -> None:
        from shopmind.lifecycle import job_handlers

        for kind, handler in job_handlers(self).items():
            self.jobs.register(kind, handler)
        from shopmind.search.backfill import JOB_KIND, backfill_job

        self.jobs.register(JOB_KIND, backfill_job(lambda: self.search.backfiller), replace=False)

    def start(self, wait: bool = False, assistant: bool = False) -> Engine:
        """Start the background work of a serving process: the followers' thread, which keeps every
        built service in step with the store; the build of search and recommendations (a full load
        of their state) on a thread of its own — or before returning with ``wait`` (the CLI shows
        it) — so that the first requests find them ready; and the embedded job worker (when
        ``SHOPMIND_EMBEDDED_WORKER`` is on). With ``assistant`` (a serving process), the assistant's
        language understanding and the online service (impressions, attribution) are built too, on a
        thread after those builds, so that neither the first chat, the first answer that logs an
        impression nor a status report waits for them (the NLU's entity catalog reads every product).
        Idempotent."""
        self.mark_interrupted_ingest_runs()
        if self._gc_watch is None:
            self._gc_watch = PauseWatch(quiet=True)  # the builds below: one summary line, see _settle
            if self.settings.gc_freeze:
                self.followers.every(10.0, self._gc_watch.refreeze, "freeze after a slow collection")
        # frozen once, after the last build a start() began (a later start without the assistant keeps it)
        self._settle_after = "rest" if assistant or self._warming_rest is not None else "warm"
        self.followers.start()
        self.jobs.start()
        if wait:
            self._warm()
        elif self._warming is None:
            self._warming = threading.Thread(target=self._warm, name="engine-warm", daemon=True)
            self._warming.start()
        if assistant and self._warming_rest is None:
            self._warming_rest = threading.Thread(target=self._warm_rest, name="engine-warm-2", daemon=True)
            self._warming_rest.start()
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the builds start() began are done (True at once if none runs)."""
        warming = self._warming
        if warming is not None:
            warming.join(timeout)
        return warming is None or not warming.is_alive()

    def _warm(self) -> None:
        try:
            self.search, self.recommendations  # noqa: B018 - built now, not by the first request
            self.search.backfiller.start()  # dense vectors are filled in the background
        except Exception:  # noqa: BLE001 - the first request builds it again and reports the error
            if not self._closed:
                log.exception("engine: building search and recommendations at start failed")
        if self._settle_after == "warm":
            self._settle("search and recommendations built")

    def _warm_rest(self) -> None:
        if self._warming is not None:
            self._warming.join()  # search and recommendations first: shoppers need them most
        for name in ("nlu", "online"):  # loaded now, not by the first chat or the first impression
            try:
                getattr(self, name)
            except Exception:  # noqa: BLE001 - the first request builds it again and reports the error
                if not self._closed:
                    log.exception("engine: building %s at start failed", name)
        self._settle("search, recommendations, the assistant and the online service built")

    def _settle(self, reason: str) -> None:
        """Freeze the state built at start out of the garbage collector (gcpause.settle); from now on
        each slow collector pause is a warning (those of the builds are summed up in one line)."""
        if self.settings.gc_freeze and not self._closed:
            settle(reason)
        if self._gc_watch is not None:
            self._gc_watch.settled("the serving state")

    def mark_interrupted_ingest_runs(self) -> None:
        """Ingestion runs whose process died are marked interrupted (data/ingest_runs.py)."""
        from shopmind.data.ingest_runs import mark_interrupted

        try:
            mark_interrupted(self.store, self.settings.ingest_stale_after)
        except Exception:  # noqa: BLE001 - a database without the run log yet must not stop a server
            log.warning("could not check the ingestion runs for interrupted ones", exc_info=True)

    def _follow(self, service: Any) -> None:
        """Add a built or provided service's follower to the engine's followers (when it follows this
        engine's store and no others already)."""
        follower = getattr(service, "follower", None)
        if isinstance(follower, Follower) and follower.store is self.store and follower.runner is None:
            self.followers.add(follower)
        if hasattr(service, "refresh_trending"):
            self.followers.every(self.settings.trending_interval, service.refresh_trending, "trending")
        if hasattr(service, "refresh_suggestions"):
            self.followers.every(self.settings.suggest_interval, service.refresh_suggestions, "suggestions")

    def _prune_changes(self) -> None:
        from datetime import UTC, datetime, timedelta

        before = datetime.now(UTC) - timedelta(days=self.settings.change_log_days)
        removed = self.store.prune_changes(before)
        if removed:
            log.info("change log: %d rows older than %s removed", removed, before.isoformat())

    def _prune_rate_buckets(self) -> None:
        import time

        self.store.prune_rate_buckets(time.time() - 3600.0)  # a bucket idle this long is full again

    # ------------------------------------------------------------------ building
    def provide(self, **instances: Any) -> Engine:
        """Use these prebuilt instances (by service name) instead of building them; before first use."""
        with self._lock:
            for name, instance in instances.items():
                if name not in SERVICES:
                    raise KeyError(f"unknown service {name!r}; services: {', '.join(SERVICES)}")
                if name in self._built:
                    raise RuntimeError(f"the engine's {name} service is already built")
                self._built[name] = instance
                self._follow(instance)
        return self

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        built = self._built.get(name)
        if built is not None or name in self._built:
            return built
        # one lock per service (re-entrant): a service being built holds back only requests for it and
        # the services built on it (the assistant on search …), never a status report or another service
        with self._locks[name]:
            if name not in self._built:
                if self._closed:
                    raise RuntimeError("the engine is closed")
                self._built[name] = build()
                self._follow(self._built[name])
                log.debug("engine: built %s", name)
            return self._built[name]

    def built(self, name: str) -> bool:
        """Whether service ``name`` exists yet (status reports do not build services)."""
        return self._built.get(name) is not None

    @property
    def search(self) -> SearchService:
        return self._once("search", self._build_search)

    @property
    def recommendations(self) -> RecommendationService:
        return self._once("recommendations", self._build_recommendations)

    @property
    def nlu(self) -> ServedNLU:
        return self._once("nlu", self._build_nlu)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._once("knowledge", self._build_knowledge)

    @property
    def assistant(self) -> AssistantService:
        return self._once("assistant", self._build_assistant)

    @property
    def marketing(self) -> MarketingService:
        return self._once("marketing", self._build_marketing)

    @property
    def synth(self) -> SynthService:
        return self._once("synth", self._build_synth)

    @property
    def models(self) -> ModelService:
        return self._once("models", self._build_models)

    @property
    def online(self) -> OnlineService:
        return self._once("online", self._build_online)

    # ------------------------------------------------------------------ configuration
    def _var(self, *parts: str):
        return self.settings.var_dir.joinpath(*parts)

    def _build_search(self) -> SearchService:
        from dataclasses import replace

        from shopmind.search.backfill import BackfillConfig
        from shopmind.search.index import ProductIndex
        from shopmind.search.service import SearchService, served_config
        from shopmind.text.cache import StoreEmbeddingCache

        s = self.settings
        config = served_config(
            pins_path=self._var("search", "pins.json"),
            extra_encoder=s.search_extra_encoder,
            extra_weight=s.search_extra_weight,
        )
        config.index = replace(config.index, fast_encoder=s.search_fast_encoder)
        config.backfill = BackfillConfig(encode=s.search_backfill_encode)
        config.suggest_min_visitors = s.suggest_min_visitors
        # sentence vectors are shared through the store: a text one replica encoded, no other encodes
        index = ProductIndex(config.index, caches=lambda encoder: StoreEmbeddingCache(self.store, encoder))
        return SearchService(self.store, config, index=index, recommender=self.recommendations)

    def _build_recommendations(self) -> RecommendationService:
        from shopmind.recommend.service import RecommendationService

        return RecommendationService(
            self.store,
            self.artifacts,
            bot_per_minute=self.settings.trending_bot_per_minute,
            neighbours=self._search_neighbours,
        )

    def _search_neighbours(self, product_id: str, k: int):
        """The search index's nearest products to ``product_id`` by its stored sentence vector (None
        while search is not built or holds no vector for it); never builds or encodes anything."""
        return self.search.neighbours(product_id, k) if self.built("search") else None

    def _build_nlu(self) -> ServedNLU:
        from shopmind.assistant.nlu.entities import Catalog
        from shopmind.assistant.nlu.serving import ServedNLU

        return ServedNLU(self.artifacts, catalog=Catalog.from_store(self.store))

    def _knowledge_config(self) -> KnowledgeConfig:
        from shopmind.assistant.knowledge import KnowledgeConfig

        return KnowledgeConfig(
            cache_path=str(self._var("assistant", "embeddings.sqlite")),
            doc_link=self.settings.assistant_doc_link,
        )

    def _build_knowledge(self) -> KnowledgeBase:
        from shopmind.assistant.knowledge import KnowledgeBase

        return KnowledgeBase.from_store(self.store, self._knowledge_config())

    def _build_assistant(self) -> AssistantService:
        from shopmind.assistant.llm import LLMConfig, load_llm
        from shopmind.assistant.service import AssistantConfig, AssistantService
        from shopmind.assistant.tools import ShopTools, ToolsConfig

        s = self.settings
        tools_cfg = ToolsConfig(return_window_days=s.return_window_days)
        config = AssistantConfig(tools=tools_cfg, knowledge=self._knowledge_config(), clock=s.assistant_clock)
        llm = load_llm(LLMConfig(s.llm_base_url, s.llm_model or "default", s.llm_api_key, s.llm_timeout))
        tools = ShopTools(self.store, tools_cfg, search=self.search, recommender=self.recommendations)
        knowledge = self.knowledge
        return AssistantService(self.store, self.nlu, config, llm=llm, knowledge=knowledge, tools=tools)

    def _build_marketing(self) -> MarketingService:
        from shopmind.marketing.service import MarketingConfig, MarketingService

        config = MarketingConfig(threads=self.settings.marketing_threads)
        return MarketingService(
            self.store, self.artifacts, self.jobs, config, item_vectors=self._recommender_vectors,
            online=lambda: self.online, recommend=lambda c, k: self.recommendations.recommend(c, k),
        )  # fmt: skip

    def _recommender_vectors(self):
        """The published recommender's product ids and item vectors (None without a model or vectors)."""
        model, _ = self.recommendations.model.get()
        vectors = model.item_vectors() if model is not None else None
        return None if vectors is None else (list(model.items_.ids), vectors)

    def _build_synth(self) -> SynthService:
        from shopmind.synth.service import SynthService

        return SynthService(self.store, self.artifacts, self.jobs)

    def _build_online(self) -> OnlineService:
        from shopmind.online.learned_ranking import LearnedRankingConfig
        from shopmind.online.service import OnlineConfig, OnlineService

        s = self.settings
        config = OnlineConfig(window_hours=s.attribution_window_hours, queue=s.impression_queue,
                              spill=self._var("online", "impressions.spill.jsonl"),
                              ranking=LearnedRankingConfig(default=s.search_click_learning))  # fmt: skip
        return OnlineService(self.store, self.artifacts, config)

    def _build_models(self) -> ModelService:
        from shopmind.lifecycle import ModelService, trainers

        return ModelService(self.artifacts, self.jobs, trainers(self))

    # ------------------------------------------------------------------ state
    def status(self) -> dict[str, dict[str, Any]]:
        """Per capability: what serves it now (a published version, or its documented fallback).
        Search and recommendations still being built by start()'s thread are reported as loading
        (a status report never waits for a build)."""
        return {
            "recommendations": self._training(
                "rec", self._loading("recommendations") or self.recommendations.status()
            ),
            "search": self._loading("search") or self.search.status(),
            "assistant": self._training("nlu", self._loading("nlu", self._warming_rest) or self.nlu.status()),
            "marketing": self.marketing.status(),
        }

    def gc_stats(self) -> dict[str, Any] | None:
        """This process's garbage-collector pauses since :meth:`start` (per generation: collections,
        total and longest pause in ms; objects frozen), or None before it."""
        return None if self._gc_watch is None else self._gc_watch.stats()

    def _training(self, kind: str, status: dict[str, Any]) -> dict[str, Any]:
        """``status`` with the training of ``kind`` that is queued or running now, if one is."""
        try:
            job = self.jobs.busy(f"train:{kind}")
        except Exception:  # noqa: BLE001 - a status report must not fail
            return status
        if job is None:
            return status
        training = {
            "job_id": job.job_id,
            "status": job.status,
            "seconds": job.seconds,
            "progress": job.progress,
        }
        return {**status, "training": training}

    def _loading(self, name: str, warming: threading.Thread | None = None) -> dict[str, Any] | None:
        warming = warming or self._warming
        if self.built(name) or warming is None or not warming.is_alive():
            return None
        return {
            "kind": name,
            "version": None,
            "serving": "loading",
            "fallback": "none yet: requests wait until it is built",
            "note": "being built from the store since the server started",
        }

    def close(self) -> None:
        """Stop the followers and the job worker (after their current work), close every built service,
        release the store."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            built = dict(self._built)
        self.followers.close()
        self.jobs.close()
        if self._gc_watch is not None:
            self._gc_watch.close()
        for name, service in built.items():
            close = getattr(service, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # noqa: BLE001 - one failing close must not keep the others open
                    log.exception("engine: closing %s failed", name)
        if self._owns_store:
            self.store.dispose()
