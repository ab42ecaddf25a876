"""Search pins (admin key): products always shown first, in a set order, for one query.

Pins are kept in the store, so a pin set through one replica applies on every replica within about a
second (:mod:`shopmind.search.pins`). A query is matched in its normalised form (NFKC, lower case,
single spaces): ``Red  Dress`` and ``red dress`` are one pin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field, StringConstraints

from shopmind.api.deps import SearchDep, StoreDep, admin
from shopmind.api.schemas import BODY, INPUT, KEYED, errors
from shopmind.data.schema import FILLED_LINE_PATTERN, ID_PATTERN, Line
from shopmind.data.store import NotFoundError
from shopmind.search.pins import pin_key

router = APIRouter(prefix="/admin/search/pins", tags=["admin"], dependencies=[admin], responses=KEYED)
MAX_PINNED = 100  # products one query can pin


class Pin(BaseModel):
    query: str = Field(description="The query as it is matched: NFKC, lower case, single spaces")
    product_ids: list[str] = Field(description="Shown first for the query, in this order")


class PinRequest(BaseModel):
    query: str = Line(500, ..., min_length=1, description="The query, as a shopper types it")
    product_ids: list[Annotated[str, StringConstraints(pattern=ID_PATTERN)]] = Field(
        min_length=1, max_length=MAX_PINNED, description="Stored products to show first, in this order"
    )


@router.get("", response_model=list[Pin])
def list_pins(search: SearchDep) -> list[dict[str, Any]]:
    """Every pinned query with its products."""
    return [{"query": q, "product_ids": ids} for q, ids in sorted(search.pins.items())]


@router.put("", response_model=Pin, responses=BODY | errors(404))
def put_pin(body: PinRequest, search: SearchDep, store: StoreDep) -> dict[str, Any]:
    """Pin products for a query (replacing its earlier pin); 404 when a product id is not in the store."""
    missing = store.missing_products(body.product_ids)
    if missing:
        raise NotFoundError(f"unknown product ids: {', '.join(missing[:10])}")
    try:
        key = search.pin(body.query, body.product_ids)
    except ValueError as exc:  # a query that normalises to nothing
        raise HTTPException(422, str(exc)) from exc
    return {"query": key, "product_ids": search.pins.get(key, [])}


@router.delete("", response_model=Pin, responses=INPUT | errors(404))
def delete_pin(
    search: SearchDep, query: str = Query(min_length=1, max_length=500, pattern=FILLED_LINE_PATTERN)
) -> dict[str, Any]:
    """Remove the pin of a query (the removed pin); 404 when the query has none."""
    key = pin_key(query)
    ids = search.pins.get(key)
    if ids is None:
        raise NotFoundError(f"no pin for {key!r}")
    search.pin(key, [])
    return {"query": key, "product_ids": ids}
