"""Search and autocomplete (storefront key): ``GET /search`` and ``GET /suggest``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field

from shopmind.api.deps import SearchDep, storefront
from shopmind.api.tokens import require_customer
from shopmind.search.service import SORTS

router = APIRouter(tags=["search"], dependencies=[storefront])

MAX_Q = 1000  # characters; longer queries get a 422 naming the limit


class Chip(BaseModel):
    """One understood piece of the query; only the fields that apply to its type are present."""

    type: str = Field(
        description="price, sort, exclude, brand, category, colour, size, attribute, correction …"
    )
    text: str = Field(description="The words of the query it came from")
    field: str | None = Field(
        None, description="What it filters: price, brand, category, attributes.<key>, text"
    )
    value: Any = Field(None, description="A catalog value, a sort key, the replacement words …")
    min: float | None = None
    max: float | None = None
    currency: str | None = Field(None, description="The currency the shopper named (no conversion)")


class ParsedQuery(BaseModel):
    raw: str
    text: str = Field(description="What retrieval searched for")
    sort: str | None = Field(description="A sort the query asked for, e.g. 'cheapest' -> price_asc")
    chips: list[Chip]


class Highlights(BaseModel):
    title: str = Field(description="The HTML-escaped title with the matched words in <em>")


class Hit(BaseModel):
    product_id: str
    title: str
    brand: str
    category: str
    price: float
    currency: str
    stock: int
    lang: str
    image_url: str
    attributes: dict[str, Any]
    in_stock: bool
    score: float
    highlights: Highlights


class FacetValue(BaseModel):
    value: str
    count: int


class PriceBucket(BaseModel):
    min: float
    max: float | None = Field(description="Exclusive upper bound (null: no bound)")
    count: int


class SearchAnswer(BaseModel):
    query: str
    parsed: ParsedQuery
    mode: str = Field(description="hybrid, lexical or dense")
    sort: str
    total: int = Field(description="Results over all pages")
    page: int
    page_size: int
    products: list[Hit]
    facets: dict[str, list[FacetValue] | list[PriceBucket]] = Field(
        description="Value counts over all results by field (brand, category, attributes.<key>); price ranges"
    )
    relaxed: list[Chip] = Field(description="Query constraints dropped or unmet so that results exist")
    took_ms: float


class Suggestion(BaseModel):
    text: str
    source: str = Field(description="query_log or catalog")
    count: int


class Suggestions(BaseModel):
    prefix: str
    suggestions: list[Suggestion]


@router.get("/search", response_model=SearchAnswer, response_model_exclude_unset=True)
def search(
    request: Request,
    service: SearchDep,
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


@router.get("/suggest", response_model=Suggestions)
def suggest(
    service: SearchDep,
    q: str = Query("", max_length=100, description="What the shopper has typed so far"),
    k: int = Query(10, ge=1, le=50),
) -> dict[str, Any]:
    """Completions from the query log and the catalog's terms (pinyin prefixes complete Chinese)."""
    return service.suggest(q, k)
