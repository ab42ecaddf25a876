"""Recommendations: for a customer, similar products, trending (storefront key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request

from shopmind.api.deps import get_store, storefront
from shopmind.api.tokens import require_customer
from shopmind.data.store import Store
from shopmind.recommend.service import RecommendationService

router = APIRouter(tags=["recommendations"], dependencies=[storefront])


def get_service(request: Request) -> RecommendationService:
    service = getattr(request.app.state, "recommendations", None)
    if service is None:
        store: Store = get_store(request)
        service = RecommendationService(store, root=request.app.state.settings.artifacts_dir)
        request.app.state.recommendations = service
    return service


@router.get("/recommendations/{customer_id}")
def recommendations(
    customer_id: str,
    request: Request,
    k: int = Query(10, ge=1, le=200),
    category: str | None = Query(None, description="Category path or prefix"),
    min_price: float | None = Query(None, ge=0),
    max_price: float | None = Query(None, ge=0),
    x_customer_token: str | None = Header(None, description="From POST /shop/login (not for guest- ids)"),
    service: RecommendationService = Depends(get_service),
) -> dict[str, Any]:
    """Top-k for a customer, never already-bought or out-of-stock products; new customers get trending.
    A stored customer's list needs their token (or an admin key): it reflects what they bought."""
    require_customer(request, customer_id, x_customer_token)
    return service.recommend(customer_id, k, category=category, min_price=min_price, max_price=max_price)


@router.get("/products/{product_id}/similar")
def similar(
    product_id: str, k: int = Query(10, ge=1, le=200), service: RecommendationService = Depends(get_service)
) -> dict[str, Any]:
    """Products like this one (by behaviour, or by text for a product without interactions yet)."""
    return service.similar(product_id, k)


@router.get("/trending")
def trending(
    k: int = Query(10, ge=1, le=200),
    category: str | None = None,
    service: RecommendationService = Depends(get_service),
) -> dict[str, Any]:
    """The most-engaged products of the last two weeks of activity."""
    return service.trending(k, category)
