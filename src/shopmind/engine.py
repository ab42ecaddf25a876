"""The engine: every service of one process, each built exactly once, with its configuration.

    engine = Engine(settings)            # or Engine(settings, store)
    engine.search.search("红色连衣裙")     # the same SearchService instance every time
    engine.assistant.tools.search is engine.search   # services are shared, never copied
    engine.close()                       # stops threads and pools, closes files

The engine is the edge between settings and the library: it is the one place (beside the CLI and
the app factory, which build an engine) that reads :class:`~shopmind.config.Settings`; every service
receives typed configuration and the shared pieces it needs — the store, the artifact store, the
job runner and the other services. A service is built on first use (so a CLI command that only
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
from shopmind.jobs import JobRunner

if TYPE_CHECKING:
    from shopmind.assistant.nlu.serving import ServedNLU
    from shopmind.assistant.service import AssistantService
    from shopmind.config import Settings
    from shopmind.data.store import Store
    from shopmind.lifecycle import ModelService
    from shopmind.marketing.service import MarketingService
    from shopmind.recommend.service import RecommendationService
    from shopmind.search.service import SearchService
    from shopmind.synth.service import SynthService

log = logging.getLogger(__name__)

SERVICES = ("search", "recommendations", "nlu", "knowledge", "assistant", "marketing", "synth", "models")


class Engine:
    """Builds and owns the services of one process (see the module docstring)."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        from shopmind.data.store import Store

        self.settings = settings
        self._owns_store = store is None
        self.store = store if store is not None else Store(settings.resolved_database_url)
        self.artifacts = ArtifactStore(settings.artifacts_dir)
        self.jobs = JobRunner()
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._closed = False

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        return self

    def _once(self, name: str, build: Callable[[], Any]) -> Any:
        built = self._built.get(name)
        if built is not None or name in self._built:
            return built
        with self._lock:  # re-entrant: building the assistant builds search and recommendations
            if name not in self._built:
                if self._closed:
                    raise RuntimeError("the engine is closed")
                self._built[name] = build()
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

    # ------------------------------------------------------------------ configuration
    def _var(self, *parts: str):
        return self.settings.var_dir.joinpath(*parts)

    def _build_search(self) -> SearchService:
        from shopmind.search.service import SearchService, served_config

        config = served_config(
            cache_path=self._var("search", "embeddings.sqlite"),
            pins_path=self._var("search", "pins.json"),
            extra_encoder=self.settings.search_extra_encoder,
            extra_weight=self.settings.search_extra_weight,
        )
        return SearchService(self.store, config, recommender=self.recommendations)

    def _build_recommendations(self) -> RecommendationService:
        from shopmind.recommend.service import RecommendationService

        return RecommendationService(
            self.store, self.artifacts, text_cache=self._var("recommend", "embeddings.sqlite")
        )

    def _build_nlu(self) -> ServedNLU:
        from shopmind.assistant.nlu.entities import Catalog
        from shopmind.assistant.nlu.serving import ServedNLU

        return ServedNLU(self.artifacts, catalog=Catalog.from_store(self.store))

    def _build_assistant(self) -> AssistantService:
        from shopmind.assistant.knowledge import KnowledgeConfig
        from shopmind.assistant.llm import LLMConfig, load_llm
        from shopmind.assistant.service import AssistantConfig, AssistantService
        from shopmind.assistant.tools import ShopTools, ToolsConfig

        s = self.settings
        tools_cfg = ToolsConfig(return_window_days=s.return_window_days)
        knowledge_cfg = KnowledgeConfig(cache_path=str(self._var("assistant", "embeddings.sqlite")))
        config = AssistantConfig(tools=tools_cfg, knowledge=knowledge_cfg, clock=s.assistant_clock)
        llm = load_llm(LLMConfig(s.llm_base_url, s.llm_model or "default", s.llm_api_key, s.llm_timeout))
        tools = ShopTools(self.store, tools_cfg, search=self.search, recommender=self.recommendations)
        knowledge = self._built.get("knowledge")
        return AssistantService(self.store, self.nlu, config, llm=llm, knowledge=knowledge, tools=tools)

    def _build_marketing(self) -> MarketingService:
        from shopmind.marketing.service import MarketingConfig, MarketingService

        config = MarketingConfig(threads=self.settings.marketing_threads)
        return MarketingService(
            self.store, self.artifacts, self.jobs, config, item_vectors=self._recommender_vectors
        )

    def _recommender_vectors(self):
        """The published recommender's product ids and item vectors (None without a model or vectors)."""
        model, _ = self.recommendations.model.get()
        vectors = model.item_vectors() if model is not None else None
        return None if vectors is None else (list(model.items_.ids), vectors)

    def _build_synth(self) -> SynthService:
        from shopmind.synth.service import SynthService

        return SynthService(self.store, self.artifacts, self.jobs)

    def _build_models(self) -> ModelService:
        from shopmind.lifecycle import ModelService, trainers

        return ModelService(self.artifacts, self.jobs, trainers(self))

    # ------------------------------------------------------------------ state
    def status(self) -> dict[str, dict[str, Any]]:
        """Per capability: what serves it now (a published version, or its documented fallback)."""
        return {
            "recommendations": self.recommendations.status(),
            "search": self.search.status(),
            "assistant": self.nlu.status(),
            "marketing": self.marketing.status(),
        }

    def close(self) -> None:
        """Stop the job worker (after its current job), close every built service, release the store."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            built = dict(self._built)
        self.jobs.close()
        for name, service in built.items():
            close = getattr(service, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # noqa: BLE001 - one failing close must not keep the others open
                    log.exception("engine: closing %s failed", name)
        if self._owns_store:
            self.store.dispose()
