"""Liveness for anyone; what the engine runs on and what serves each capability for an admin key."""

from __future__ import annotations

import os
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shopmind import __version__
from shopmind.api.deps import EngineDep, OptionalScopeDep
from shopmind.api.schemas import CapabilityStatus, Counts
from shopmind.engine import Engine

router = APIRouter(tags=["health"])


class CollectorGeneration(BaseModel):
    collections: int = Field(description="Collections of this generation since the process started serving")
    total_ms: float = Field(description="Their pauses added up, in milliseconds")
    max_ms: float = Field(description="The longest one, in milliseconds")


class ProcessReport(BaseModel):
    """One worker's view: with several workers behind one port each answers for itself."""

    pid: int = Field(description="Process id of the worker that answered")
    gc: dict[str, CollectorGeneration] | None = Field(
        None, description="Garbage-collector pauses by generation (gen0, gen1, gen2), every thread stopped"
    )
    frozen_objects: int | None = Field(None, description="Objects frozen out of full collections")


class Health(BaseModel):
    """Without an admin key only ``status`` and ``version``; with one, the full report."""

    status: Literal["ok"]
    version: str = Field(description="ShopMind's version")
    database: str | None = Field(None, description="The store's backend: sqlite or postgresql (admin key)")
    schema_revision: str | None = Field(None, description="The store's migration revision (admin key)")
    counts: Counts | None = Field(None, description="Row counts of the data tables (admin key)")
    models: dict[str, CapabilityStatus] | None = Field(
        None, description="Per capability, what serves it now (admin key)"
    )
    process: ProcessReport | None = Field(None, description="The worker process that answered (admin key)")


@router.get("/health", response_model=Health, response_model_exclude_unset=True)
def health(engine: EngineDep, scope: OptionalScopeDep) -> dict[str, Any]:
    """``ok`` and the version for anyone (load balancers, uptime checks); with an admin key also the
    database backend and schema revision, row counts, and per capability whether a published model
    or its fallback serves it. A missing, unknown or storefront key gets the short answer."""
    brief = {"status": "ok", "version": __version__}
    if scope != "admin":
        return brief
    store = engine.store
    return brief | {
        "database": store.dialect,
        "schema_revision": store.schema_revision(),
        "counts": store.counts(),
        "models": engine.status(),
        "process": _process(engine),
    }


def _process(engine: Engine) -> dict[str, Any]:
    stats = engine.gc_stats()
    if stats is None:
        return {"pid": os.getpid()}
    frozen = stats.pop("frozen_objects")
    return {"pid": os.getpid(), "gc": stats, "frozen_objects": frozen}
