"""Orders with items and status timeline (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel

from shopmind.api.deps import admin, get_store
from shopmind.api.routers.common import BatchResult, Page, Paging, page
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import Order, OrderStatus
from shopmind.data.store import Store

router = APIRouter(tags=["orders"], dependencies=[admin])


class StatusChange(BaseModel):
    status: OrderStatus
    note: str = ""
    tracking_number: str | None = None
    carrier: str | None = None


@router.get("/orders", response_model=Page[Order])
def list_orders(
    paging: Paging = Depends(),
    customer_id: str | None = None,
    status: OrderStatus | None = None,
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Orders, newest first (without items; fetch one order for its items and timeline)."""
    rows, total = store.list_orders(
        customer_id=customer_id,
        status=status.value if status else None,
        limit=paging.limit,
        offset=paging.offset,
    )
    return page(rows, total, paging)


@router.get("/orders/{order_id}", response_model=Order)
def get_order(order_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    return store.get_order(order_id)


@router.post("/orders", response_model=BatchResult)
def upsert_orders(
    orders: list[dict[str, Any]] = Body(..., description="Orders with a non-empty `items` list"),
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Create or replace orders by id; ``written`` counts order lines."""
    written, rejected = ingest_records(store, "orders", orders)
    return {"written": written, "rejected": rejected}


@router.post("/orders/{order_id}/status", response_model=Order)
def change_status(order_id: str, change: StatusChange, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Move an order along its life cycle; a 409 names the allowed next statuses."""
    fields = {
        k: v for k, v in (("tracking_number", change.tracking_number), ("carrier", change.carrier)) if v
    }
    return store.set_order_status(order_id, change.status, note=change.note, **fields)
