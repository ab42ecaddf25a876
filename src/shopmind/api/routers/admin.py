"""Admin views of the engine itself."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from shopmind.api.deps import admin, get_store
from shopmind.data.store import Store

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[admin])


@router.get("/ingest-runs")
def ingest_runs(limit: int = Query(10, ge=1, le=100), store: Store = Depends(get_store)) -> list[dict]:
    """The latest ingestion runs with their row counts and rejects files."""
    return store.last_ingest_runs(limit)


@router.get("/overview")
def overview(store: Store = Depends(get_store)) -> dict:
    """Row counts and the last ingestion."""
    runs = store.last_ingest_runs(1)
    return {"counts": store.counts(), "last_ingest": runs[0] if runs else None}
