"""Recommendations: for a customer, similar products, trending (storefront key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from shopmind.api.deps import RecommendDep, storefront
from shopmind.api.schemas import ScoredProduct
from shopmind.api.tokens import require_customer

router = APIRouter(tags=["recommendations"], dependencies=[storefront])

SOURCE = "What scored the list: a model's name (with '(real time)' or '(session)'), 'text' or 'trending'"


class Recommendations(BaseModel):
    customer_id: str
    source: str = Field(description=SOURCE)
    version: str | None = Field(description="The published model version (null: none published)")
    items: list[ScoredProduct]


class Similar(BaseModel):
    product_id: str
    source: str = Field(description=SOURCE)
    items: list[ScoredProduct]


class Trending(BaseModel):
    source: str = Field(description="Always 'trending'")
    items: list[ScoredProduct]


@router.get("/recommendations/{customer_id}", response_model=Recommendations)
def recommendations(
    customer_id: str,
    request: Request,
    service: RecommendDep,
    k: int = Query(10, ge=1, le=200),
    category: str | None = Query(None, description="Category path or prefix"),
    min_price: float | None = Query(None, ge=0),
    max_price: float | None = Query(None, ge=0),
    x_customer_token: str | None = Header(None, description="From POST /shop/login (not for guest- ids)"),
) -> dict[str, Any]:
    """Top-k for a customer, never already-bought or out-of-stock products; new customers get trending.
    A stored customer's list needs their token (or an admin key): it reflects what they bought."""
    require_customer(request, customer_id, x_customer_token)
    return service.recommend(customer_id, k, category=category, min_price=min_price, max_price=max_price)


@router.get("/products/{product_id}/similar", response_model=Similar)
def similar(product_id: str, service: RecommendDep, k: int = Query(10, ge=1, le=200)) -> dict[str, Any]:
    """Products like this one (by behaviour, or by text for a product without interactions yet)."""
    return service.similar(product_id, k)


@router.get("/trending", response_model=Trending)
def trending(
    service: RecommendDep, k: int = Query(10, ge=1, le=200), category: str | None = None
) -> dict[str, Any]:
    """The most-engaged products of the last two weeks of activity."""
    return service.trending(k, category)
