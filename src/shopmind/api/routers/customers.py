"""Customers and their behaviour events (admin only: personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query

from shopmind.api.deps import StoreDep, admin
from shopmind.api.routers.common import BATCH, IdPath, IdQuery, PagingDep, page
from shopmind.api.schemas import BODY, INPUT, KEYED, BatchResult, Page, errors
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import MAX_BATCH, EventType, StoredCustomer, StoredEvent

router = APIRouter(tags=["customers"], dependencies=[admin], responses=KEYED)


@router.get("/customers", response_model=Page[StoredCustomer], responses=INPUT)
def list_customers(paging: PagingDep, store: StoreDep) -> dict[str, Any]:
    rows, total = store.list_customers(limit=paging.limit, offset=paging.offset)
    return page(rows, total, paging)


@router.get("/customers/{customer_id}", response_model=StoredCustomer, responses=errors(404, 422))
def get_customer(customer_id: IdPath, store: StoreDep) -> dict[str, Any]:
    return store.get_customer(customer_id)


@router.post("/customers", response_model=BatchResult, responses=BODY)
def upsert_customers(
    store: StoreDep,
    customers: list[dict[str, Any]] = Body(
        ..., max_length=MAX_BATCH, description=f"Customers (fields as in the Customer schema); {BATCH}"
    ),
) -> dict:
    """Create or replace customers by id; invalid ones come back with their reason."""
    written, rejected = ingest_records(store, "customers", customers)
    return {"written": written, "rejected": rejected}


@router.get("/events", response_model=Page[StoredEvent], responses=INPUT)
def list_events(
    paging: PagingDep, store: StoreDep, customer_id: IdQuery = None, type: EventType | None = Query(None)
) -> dict[str, Any]:
    """Events, newest first."""
    rows, total = store.list_events(
        customer_id=customer_id, type=type.value if type else None, limit=paging.limit, offset=paging.offset
    )
    return page(rows, total, paging)


@router.post("/events", response_model=BatchResult, responses=BODY)
def ingest_events(
    store: StoreDep,
    events: list[dict[str, Any]] = Body(
        ..., max_length=MAX_BATCH, description=f"Events as in the Event schema, event_id optional; {BATCH}"
    ),
) -> dict[str, Any]:
    """Batch ingestion of behaviour events, by the same rules as `shopmind ingest events`."""
    written, rejected = ingest_records(store, "events", events)
    return {"written": written, "rejected": rejected}
