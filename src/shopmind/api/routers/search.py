"""Search and autocomplete (storefront key): ``GET /search`` and ``GET /suggest``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field, StringConstraints

from shopmind.api import abuse
from shopmind.api.deps import SearchDep, storefront
from shopmind.api.impressions import IMPRESSION, OnlineDep, arm_value, assigned, shown
from shopmind.api.routers.common import TOKEN_PATTERN, IdQuery, line_query
from shopmind.api.schemas import KEYED, errors
from shopmind.api.tokens import require_customer
from shopmind.data.schema import LINE_PATTERN, MAX_AMOUNT
from shopmind.search.rank import MODES
from shopmind.search.service import SORTS

router = APIRouter(tags=["search"], dependencies=[storefront], responses=KEYED)

MAX_Q = 1000  # characters; longer queries get a 422 naming the limit
_NOT_TEXT = r"\x00-\x1f\x7f"  # control characters: never part of a filter value
# An attribute filter: key:value, each with something besides spaces, no control characters.
ATTR_PATTERN = (
    rf"^[^:{_NOT_TEXT}]*[^:\s{_NOT_TEXT}][^:{_NOT_TEXT}]*:[^{_NOT_TEXT}]*[^\s{_NOT_TEXT}][^{_NOT_TEXT}]*$"
)
# A query is the shopper's own words: control characters (NUL …) are removed rather than refused.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
STRIPPED = "control characters (NUL, line breaks …) are removed"
Brand = Annotated[str, StringConstraints(max_length=200, pattern=LINE_PATTERN)]
Attr = Annotated[str, StringConstraints(max_length=300, pattern=ATTR_PATTERN)]


class Chip(BaseModel):
    """One understood piece of the query; only the fields that apply to its type are present."""

    type: str = Field(
        description="price, price_intent, sort, exclude, brand, category, colour, size, attribute, "
        "correction, pinyin, synonym"
    )
    text: str = Field(description="The words of the query it came from")
    field: str | None = Field(
        None, description="What it filters: price, brand, category, attributes.<key>, text"
    )
    value: Any = Field(None, description="A catalog value, a sort key, the replacement words …")
    min: float | None = None
    max: float | None = None
    currency: str | None = Field(None, description="The currency the shopper named (no conversion)")
    label: str | None = Field(
        None, description="The chip as a shopper reads it, in the query's language (e.g. 'colour: Red')"
    )


class ParsedQuery(BaseModel):
    raw: str
    text: str = Field(description="What retrieval searched for")
    sort: str | None = Field(description="A sort the query asked for, e.g. 'cheapest' -> price_asc")
    chips: list[Chip]
    lang: str | None = Field(None, description="The shopper's language: zh (Chinese characters) or en")
    needs: list[str] | None = Field(
        None, description="The content words a product must have (or meet a chip of) to match"
    )
    corrected: str | None = Field(
        None, description="The query as searched, when a word was corrected or read as pinyin"
    )


class Correction(BaseModel):
    query: str = Field(description="What was searched ('showing results for …')")
    original: str = Field(description="What was typed: search it as typed with spell=false")


class UnknownFilter(BaseModel):
    field: str
    value: str = Field(description="A filter value no product has (the result is empty)")


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
    relaxed: list[Chip] = Field(description="Query constraints dropped to find the related products")
    facet_labels: dict[str, str] | None = Field(
        None, description="The facets to show a shopper, in order, named in the query's language"
    )
    no_match: bool | None = Field(None, description="True when no product matches the understood query")
    related: list[Hit] | None = Field(
        None,
        description="Page one only, when the matches do not fill it: products near the query that do "
        "not match it (label them as related; they are not counted in total or facets)",
    )
    corrected: Correction | None = None
    unknown_filters: list[UnknownFilter] | None = None
    message: str | None = Field(
        None,
        description="What to tell the shopper (no exact match, an unknown filter value), in their language",
    )
    took_ms: float
    impression_id: str | None = Field(None, description=IMPRESSION)


class Suggestion(BaseModel):
    text: str
    source: str = Field(
        description="query_log (searched by enough distinct visitors, or approved by an admin) or catalog"
    )
    count: int = Field(description="query_log: distinct visitors who searched it; catalog: products")


class Suggestions(BaseModel):
    prefix: str
    suggestions: list[Suggestion]


LIMITED = errors(422, 429)


@router.get("/search", response_model=SearchAnswer, response_model_exclude_unset=True, responses=LIMITED)
def search(
    request: Request,
    service: SearchDep,
    online: OnlineDep,
    q: str = Query("", max_length=MAX_Q, description=f"The shopper's words, Chinese or English; {STRIPPED}"),
    page: int = Query(1, ge=1, le=1000),
    page_size: int = Query(20, ge=1, le=100),
    customer_id: IdQuery = None,
    session_id: str = Query("", max_length=128, pattern=LINE_PATTERN),
    sort: str | None = Query(
        None, pattern=f"^({'|'.join(SORTS)})$", description="The order (default: from the query's words)"
    ),
    mode: str | None = Query(None, pattern=f"^({'|'.join(MODES)})$", description="hybrid (default) …"),
    brand: list[Brand] | None = Query(None),
    category: str | None = line_query(300, "Category path or prefix"),
    min_price: float | None = Query(None, ge=0, le=MAX_AMOUNT),
    max_price: float | None = Query(None, ge=0, le=MAX_AMOUNT),
    in_stock: bool | None = Query(None),
    attr: list[Attr] | None = Query(None, description="Attribute filters as key:value, e.g. colour:Red"),
    spell: bool = Query(
        True, description="false: search the words as typed (no spelling or pinyin rewriting)"
    ),
    x_customer_token: str | None = Header(
        None, pattern=TOKEN_PATTERN, description="With a stored customer's customer_id"
    ),
) -> dict[str, Any]:
    """The products matching a query (``total`` and ``facets`` count only them), the parsed query
    (chips with labels), highlights, related products when the matches do not fill page one, and the
    spelling correction applied. A query over 1,000 characters is refused (422 naming the limit).
    Personalising for (and logging the search under) a stored customer needs their token."""
    require_customer(request, customer_id, x_customer_token)
    abuse.limit(request, "search", customer_id)
    q = CONTROL.sub("", q)
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
    # an experiment's arm sets the mode (a request that names its mode is not in the experiment) and
    # whether page one is re-sorted by the ranking learned from clicks (docs/online.md §5)
    arm = None if mode else assigned(online, "search", customer_id, session_id)
    settings = arm_value(arm, "settings") or {}
    mode = mode or settings.get("mode")
    try:
        answer = service.search(
            q,
            filters,
            page,
            customer_id,
            page_size=page_size,
            sort=sort,
            mode=mode,
            session_id=session_id,
            visitor=abuse.visitor(request, customer_id),
            correct=spell,
        )
    except ValueError as exc:  # an unknown sort, mode or filter: the message says what is allowed
        raise HTTPException(422, str(exc)) from exc
    kind = "search"
    if page == 1 and answer["sort"] == "relevance":
        answer["products"], kind = online.ranking.apply(settings.get("click_learning"), q, answer["products"])
    fields = {"customer_id": customer_id, "session_id": session_id, "query": q, "results": answer["total"]}
    return shown(
        online, "search", answer, "products", arm, model_kind=kind, model_version=answer["mode"], **fields
    )


@router.get("/suggest", response_model=Suggestions, responses=LIMITED)
def suggest(
    request: Request,
    service: SearchDep,
    q: str = Query("", max_length=100, description=f"What the shopper has typed so far; {STRIPPED}"),
    k: int = Query(10, ge=1, le=50),
) -> dict[str, Any]:
    """Completions from the moderated query log — queries searched (with results) by several distinct
    visitors, never links, contact details or profanity, as admins allow — and the catalog's terms
    (pinyin prefixes complete Chinese)."""
    abuse.limit(request, "suggest")
    return service.suggest(CONTROL.sub("", q), k)
