"""Orders with items and status timeline (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from shopmind.api.deps import StoreDep, admin
from shopmind.api.routers.common import BATCH, IdPath, IdQuery, PagingDep, page
from shopmind.api.schemas import BODY, INPUT, KEYED, BatchResult, Page, errors
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import MAX_BATCH, Input, Line, OrderStatus, StoredOrder, Text

router = APIRouter(tags=["orders"], dependencies=[admin], responses=KEYED)


class StatusChange(Input):
    status: OrderStatus
    note: str = Text(1000)
    tracking_number: str | None = Line(100, None)
    carrier: str | None = Line(100, None)


@router.get("/orders", response_model=Page[StoredOrder], responses=INPUT)
def list_orders(
    paging: PagingDep, store: StoreDep, customer_id: IdQuery = None, status: OrderStatus | None = None
) -> dict[str, Any]:
    """Orders, newest first (without items; fetch one order for its items and timeline)."""
    rows, total = store.list_orders(
        customer_id=customer_id,
        status=status.value if status else None,
        limit=paging.limit,
        offset=paging.offset,
    )
    return page(rows, total, paging)


@router.get("/orders/{order_id}", response_model=StoredOrder, responses=errors(404, 422))
def get_order(order_id: IdPath, store: StoreDep) -> dict[str, Any]:
    return store.get_order(order_id)


@router.post("/orders", response_model=BatchResult, responses=BODY)
def upsert_orders(
    store: StoreDep,
    orders: list[dict[str, Any]] = Body(
        ..., max_length=MAX_BATCH, description=f"Orders with a non-empty `items` list; {BATCH}"
    ),
) -> dict[str, Any]:
    """Create or replace orders by id; ``written`` counts order lines."""
    written, rejected = ingest_records(store, "orders", orders)
    return {"written": written, "rejected": rejected}


@router.post("/orders/{order_id}/status", response_model=StoredOrder, responses=errors(400, 404, 409, 422))
def change_status(order_id: IdPath, change: StatusChange, store: StoreDep) -> dict[str, Any]:
    """Move an order along its life cycle; a 409 names the allowed next statuses."""
    fields = {
        k: v for k, v in (("tracking_number", change.tracking_number), ("carrier", change.carrier)) if v
    }
    return store.set_order_status(order_id, change.status, note=change.note, **fields)
