"""Admin views of the engine itself."""

from __future__ import annotations

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shopmind.api.deps import EngineDep, StoreDep, admin
from shopmind.api.schemas import INPUT, KEYED, CapabilityStatus, Counts, IngestRun

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[admin], responses=KEYED)


class Overview(BaseModel):
    counts: Counts
    last_ingest: IngestRun | None = Field(description="The latest ingestion run (null before any)")
    models: dict[str, CapabilityStatus] = Field(description="Per capability, what serves it now")


@router.get("/ingest-runs", response_model=list[IngestRun], responses=INPUT)
def ingest_runs(store: StoreDep, limit: int = Query(10, ge=1, le=100)) -> list[dict]:
    """The latest ingestion runs with their row counts and rejects files."""
    return store.last_ingest_runs(limit)


@router.get("/overview", response_model=Overview, response_model_exclude_unset=True)
def overview(engine: EngineDep) -> dict:
    """Row counts, the last ingestion, and what serves each capability (a model version or its fallback)."""
    runs = engine.store.last_ingest_runs(1)
    return {
        "counts": engine.store.counts(),
        "last_ingest": runs[0] if runs else None,
        "models": engine.status(),
    }
