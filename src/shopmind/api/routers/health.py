"""Liveness and what the engine is running on."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from shopmind import __version__
from shopmind.api.deps import get_store
from shopmind.data.store import Store

router = APIRouter(tags=["health"])


@router.get("/health")
def health(store: Store = Depends(get_store)) -> dict:
    """Status, version, database backend and schema revision, and row counts."""
    return {
        "status": "ok",
        "version": __version__,
        "database": store.dialect,
        "schema_revision": store.schema_revision(),
        "counts": store.counts(),
    }
