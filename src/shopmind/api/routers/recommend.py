"""Recommendations: for a customer, similar products, trending (storefront key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field

from shopmind.api.deps import RecommendDep, storefront
from shopmind.api.impressions import IMPRESSION, OnlineDep, arm_value, assigned, shown
from shopmind.api.routers.common import TOKEN_PATTERN, IdPath, IdQuery, line_query
from shopmind.api.schemas import INPUT, KEYED, ScoredProduct, errors
from shopmind.api.tokens import require_customer
from shopmind.data.schema import LINE_PATTERN, MAX_AMOUNT

router = APIRouter(tags=["recommendations"], dependencies=[storefront], responses=KEYED)

SOURCE = (
    "What scored the list: a model's name (with '(real time)' or '(session)'), 'trending', or for similar "
    "products the model has not seen: 'dense' or 'category'"
)


class Recommendations(BaseModel):
    customer_id: str
    source: str = Field(description=SOURCE)
    version: str | None = Field(description="The model version served (null: none published)")
    items: list[ScoredProduct]
    impression_id: str | None = Field(None, description=IMPRESSION)


class Similar(BaseModel):
    product_id: str
    source: str = Field(description=SOURCE)
    fallback: str | None = Field(
        description="null when the published model scored the list; else the fallback that did (the "
        "search index's sentence vector of the product, or trending in its category): never slow"
    )
    version: str | None = Field(None, description="The model version served (null: none published)")
    items: list[ScoredProduct]
    impression_id: str | None = Field(None, description=IMPRESSION)


class Trending(BaseModel):
    source: str = Field(description="Always 'trending'")
    items: list[ScoredProduct]
    impression_id: str | None = Field(None, description=IMPRESSION)


@router.get("/recommendations/{customer_id}", response_model=Recommendations, responses=INPUT)
def recommendations(
    customer_id: IdPath,
    request: Request,
    service: RecommendDep,
    online: OnlineDep,
    k: int = Query(10, ge=1, le=200),
    category: str | None = line_query(300, "Category path or prefix"),
    min_price: float | None = Query(None, ge=0, le=MAX_AMOUNT),
    max_price: float | None = Query(None, ge=0, le=MAX_AMOUNT),
    x_customer_token: str | None = Header(
        None, pattern=TOKEN_PATTERN, description="From POST /shop/login (not for guest- ids)"
    ),
) -> dict[str, Any]:
    """Top-k for a customer, never already-bought or out-of-stock products; new customers get trending.
    A stored customer's list needs their token (or an admin key): it reflects what they bought."""
    require_customer(request, customer_id, x_customer_token)
    arm = assigned(online, "recommendations", customer_id)
    answer = service.recommend(
        customer_id,
        k,
        category=category,
        min_price=min_price,
        max_price=max_price,
        version=arm_value(arm, "version"),
    )
    return shown(online, "recommendations", answer, "items", arm, customer_id=customer_id, model_kind="rec",
                 model_version=answer["version"])  # fmt: skip


@router.get("/products/{product_id}/similar", response_model=Similar, responses=errors(404, 422))
def similar(
    product_id: IdPath,
    service: RecommendDep,
    online: OnlineDep,
    k: int = Query(10, ge=1, le=200),
    customer_id: IdQuery = None,
    session_id: str = Query("", max_length=128, pattern=LINE_PATTERN),
) -> dict[str, Any]:
    """Products like this one by behaviour; for a product the model has not seen, a fallback that
    encodes nothing (its stored sentence vector's neighbours, else its category's trending products).
    ``customer_id`` / ``session_id`` only say who is shown the list (for experiments and attribution)."""
    arm = assigned(online, "similar", customer_id, session_id)
    answer = service.similar(product_id, k, version=arm_value(arm, "version"))
    version = None if answer["fallback"] else answer["version"]
    return shown(online, "similar", answer, "items", arm, customer_id=customer_id, session_id=session_id,
                 model_kind="rec", model_version=version)  # fmt: skip


@router.get("/trending", response_model=Trending, responses=INPUT)
def trending(
    service: RecommendDep,
    online: OnlineDep,
    k: int = Query(10, ge=1, le=200),
    category: str | None = line_query(300, "Category path or prefix"),
    customer_id: IdQuery = None,
    session_id: str = Query("", max_length=128, pattern=LINE_PATTERN),
) -> dict[str, Any]:
    """The most-engaged products of the last two weeks of activity (``customer_id`` / ``session_id``
    only say who is shown the list, for attribution)."""
    answer = service.trending(k, category)
    return shown(online, "trending", answer, "items", customer_id=customer_id, session_id=session_id)
