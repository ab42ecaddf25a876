"""Liveness, what the engine runs on, and what serves each capability."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shopmind import __version__
from shopmind.api.deps import EngineDep
from shopmind.api.schemas import CapabilityStatus, Counts

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str = Field(description="ShopMind's version")
    database: str = Field(description="The store's backend: sqlite or postgresql")
    schema_revision: str | None = Field(description="The store's migration revision")
    counts: Counts
    models: dict[str, CapabilityStatus] = Field(description="Per capability, what serves it now")


@router.get("/health", response_model=Health, response_model_exclude_unset=True)
def health(engine: EngineDep) -> dict[str, Any]:
    """Status, version, database backend and schema revision, row counts, and per capability whether
    a published model or its fallback serves it."""
    store = engine.store
    return {
        "status": "ok",
        "version": __version__,
        "database": store.dialect,
        "schema_revision": store.schema_revision(),
        "counts": store.counts(),
        "models": engine.status(),
    }
