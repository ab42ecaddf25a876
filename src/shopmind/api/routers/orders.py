"""Orders with items and status timeline (admin only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from shopmind.api.deps import StoreDep, admin
from shopmind.api.routers.common import PagingDep, page
from shopmind.api.schemas import BatchResult, Page
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import Order, OrderStatus

router = APIRouter(tags=["orders"], dependencies=[admin])


class StatusChange(BaseModel):
    status: OrderStatus
    note: str = ""
    tracking_number: str | None = None
    carrier: str | None = None


@router.get("/orders", response_model=Page[Order])
def list_orders(
    paging: PagingDep, store: StoreDep, customer_id: str | None = None, status: OrderStatus | None = None
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
def get_order(order_id: str, store: StoreDep) -> dict[str, Any]:
    return store.get_order(order_id)


@router.post("/orders", response_model=BatchResult)
def upsert_orders(
    store: StoreDep,
    orders: list[dict[str, Any]] = Body(..., description="Orders with a non-empty `items` list"),
) -> dict[str, Any]:
    """Create or replace orders by id; ``written`` counts order lines."""
    written, rejected = ingest_records(store, "orders", orders)
    return {"written": written, "rejected": rejected}


@router.post("/orders/{order_id}/status", response_model=Order)
def change_status(order_id: str, change: StatusChange, store: StoreDep) -> dict[str, Any]:
    """Move an order along its life cycle; a 409 names the allowed next statuses."""
    fields = {
        k: v for k, v in (("tracking_number", change.tracking_number), ("carrier", change.carrier)) if v
    }
    return store.set_order_status(order_id, change.status, note=change.note, **fields)
