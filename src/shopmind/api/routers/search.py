"""Search and autocomplete (storefront key): ``GET /search`` and ``GET /suggest``."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request

from shopmind.api.deps import get_store, storefront
from shopmind.api.tokens import require_customer
from shopmind.search.service import SORTS, SearchService, config_from_settings

router = APIRouter(tags=["search"], dependencies=[storefront])
_lock = threading.Lock()

MAX_Q = 1000  # characters; longer queries get a 422 naming the limit


def get_service(request: Request) -> SearchService:
    service = getattr(request.app.state, "search", None)
    if service is None:
        with _lock:
            service = getattr(request.app.state, "search", None)
            if service is None:
                config = config_from_settings(request.app.state.settings)
                service = SearchService(get_store(request), config)
                request.app.state.search = service
    return service


@router.get("/search")
def search(
    request: Request,
    q: str = Query("", max_length=MAX_Q, description="The shopper's words, Chinese or English"),
    page: int = Query(1, ge=1, le=1000),
    page_size: int = Query(20, ge=1, le=100),
    customer_id: str | None = Query(None, max_length=128, description="Personalise for this customer"),
    session_id: str = Query("", max_length=128),
    sort: str | None = Query(None, description=f"One of {', '.join(SORTS)} (default: from the query)"),
    mode: str | None = Query(None, description="hybrid (default), lexical or dense"),
    brand: list[str] | None = Query(None),
    category: str | None = Query(None, max_length=300, description="Category path or prefix"),
    min_price: float | None = Query(None, ge=0),
    max_price: float | None = Query(None, ge=0),
    in_stock: bool | None = Query(None),
    attr: list[str] | None = Query(None, description="Attribute filters as key:value, e.g. colour:Red"),
    x_customer_token: str | None = Header(None, description="With a stored customer's customer_id"),
    service: SearchService = Depends(get_service),
) -> dict[str, Any]:
    """Products for a query with facet counts, the parsed query (chips), highlights and relaxation.
    Personalising for (and logging the search under) a stored customer needs their token."""
    require_customer(request, customer_id, x_customer_token)
    filters: dict[str, Any] = {
        "brand": brand,
        "category": category,
        "min_price": min_price,
        "max_price": max_price,
        "in_stock": in_stock,
    }
    for item in attr or []:
        key, sep, value = item.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise HTTPException(422, f"attr filter {item!r} must look like key:value (e.g. colour:Red)")
        filters.setdefault(f"attributes.{key.strip()}", []).append(value.strip())
    try:
        return service.search(
            q, filters, page, customer_id, page_size=page_size, sort=sort, mode=mode, session_id=session_id
        )
    except ValueError as exc:  # an unknown sort, mode or filter: the message says what is allowed
        raise HTTPException(422, str(exc)) from exc


@router.get("/suggest")
def suggest(
    q: str = Query("", max_length=100, description="What the shopper has typed so far"),
    k: int = Query(10, ge=1, le=50),
    service: SearchService = Depends(get_service),
) -> dict[str, Any]:
    """Completions from the query log and the catalog's terms (pinyin prefixes complete Chinese)."""
    return service.suggest(q, k)
