"""What a shop's web front end calls with its (public) storefront key: behaviour events, and in the
demo shop the customer switcher's list of customers and their orders.

- ``GET /shop/categories``: the category tree's paths with product counts (for navigation).
- ``POST /shop/events``: one browsing event (view, click, add_to_cart, search) stamped with the
  server's clock. Purchases and ratings are not accepted from a browser: they come from orders.
- ``GET /shop/customers`` and ``GET /shop/customers/{id}/orders`` exist only when the app was built
  with ``web_demo=True`` (``shopmind demo``): a real shop shows a customer their own orders after
  its own login, which ShopMind does not do; with a public key these would leak personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import uuid4

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api import abuse, tokens
from shopmind.api.deps import EngineDep, SettingsDep, StoreDep, storefront
from shopmind.api.routers.common import TOKEN_PATTERN, IdPath
from shopmind.api.schemas import BODY, KEYED, BatchResult, errors
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import ID_PATTERN, Line, StoredOrder, StoredOrderItem

router = APIRouter(prefix="/shop", tags=["storefront"], dependencies=[storefront], responses=KEYED)
pages = APIRouter(include_in_schema=False)

MAX_ORDERS = 50


class Browsing(BaseModel):
    """A shopper's action in the browser; the time is the server's."""

    customer_id: str | None = Field(None, pattern=ID_PATTERN, description="A guest- id, or a stored one")
    session_id: str = Line(128)


class ProductEvent(Browsing):
    """A view, click or add to cart of one product."""

    type: Literal["view", "click", "add_to_cart"]
    product_id: str = Field(pattern=ID_PATTERN)
    impression_id: str | None = Field(
        None, max_length=40, pattern=ID_PATTERN, description="The impression_id of the answer that showed it"
    )


class SearchEvent(Browsing):
    """A search: the words searched."""

    type: Literal["search"]
    query: str = Line(1000, ..., min_length=1)


BrowserEvent = Annotated[ProductEvent | SearchEvent, Field(discriminator="type")]


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    email: str = Line(320, ..., min_length=3, description="The e-mail on file (demo login)")


class CustomerToken(BaseModel):
    token: str = Field(description="Send it as X-Customer-Token to act for this customer")
    customer_id: str
    expires_in: int = Field(description="Seconds the token stays valid")


class CategoryCount(BaseModel):
    category: str = Field(description="Category path, levels joined by ' > '")
    count: int
    in_stock: int = Field(description="Products of the category with stock")


class DemoCustomer(BaseModel):
    customer_id: str
    name: str
    email: str = Field(description="The e-mail on file (the demo login)")
    lang: str
    city: str
    orders: int


class CustomerRef(BaseModel):
    customer_id: str
    name: str
    lang: str


class TitledItem(StoredOrderItem):
    title: str = Field(description="The product's title ('' for a product no longer in the catalog)")


class TitledOrder(StoredOrder):
    items: list[TitledItem]


class DemoOrders(BaseModel):
    customer: CustomerRef
    total: int = Field(description="The customer's orders in all (at most the latest 50 are listed)")
    orders: list[TitledOrder]


@router.post("/login", response_model=CustomerToken, responses=BODY | errors(429))
def login(body: Login, request: Request, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """The demo login (customer id + e-mail on file) → a token for ``X-Customer-Token``, which lets a
    storefront-key request act for that customer (recommendations, events, personalised search).
    Rate limited per address and per customer id (``SHOPMIND_RATE_LOGIN_PER_MINUTE``, 10 by default)."""
    abuse.limit(request, "login", body.customer_id)
    tokens.check_login(store, body.customer_id, body.email)
    ttl = settings.chat_session_ttl
    token = tokens.customer_token(request, body.customer_id, ttl)
    return {"token": token, "customer_id": body.customer_id, "expires_in": ttl}


@router.post("/events", response_model=BatchResult, responses=BODY | errors(404, 429))
def post_event(
    event: BrowserEvent,
    request: Request,
    store: StoreDep,
    x_customer_token: str | None = Header(
        None, pattern=TOKEN_PATTERN, description="From POST /shop/login (not for guest- ids)"
    ),
) -> dict[str, Any]:
    """Record one browsing event; recommendations read it on their next request. An event in a stored
    customer's name needs their token (a guest's id needs none). Who sent it (the signed-in customer,
    else the client's address) is recorded too: trending counts each visitor at most once per product,
    event type and day, and a search event sent here never makes a suggestion by itself."""
    tokens.require_customer(request, event.customer_id, x_customer_token)
    abuse.limit(request, "events", event.customer_id)
    if isinstance(event, ProductEvent):
        store.get_product(event.product_id)  # 404 for a product that does not exist
    row = event.model_dump(exclude_none=True) | {
        "event_id": f"w-{uuid4().hex}",
        "ts": datetime.now(UTC).isoformat(),
    }
    store.add_event_source(row["event_id"], abuse.visitor(request, event.customer_id))
    written, rejected = ingest_records(store, "events", [row])
    if rejected:
        raise HTTPException(422, f"event rejected: {rejected[0]['field']}: {rejected[0]['reason']}")
    return {"written": written, "rejected": rejected}


@router.get("/categories", response_model=list[CategoryCount])
def categories(store: StoreDep) -> list[dict[str, Any]]:
    """Every category path with its number of products (and how many are in stock)."""
    return store.category_counts()


class Capability(BaseModel):
    """What serves one capability to shoppers now, and whether its model is still being trained."""

    serving: str = Field(description="model (or the search mode), fallback, or loading")
    training: Literal["queued", "running"] | None = Field(description="A training not yet published")


CAPABILITIES = ("search", "recommendations", "assistant")


@router.get("/models", response_model=dict[str, Capability])
def models(engine: EngineDep) -> dict[str, dict[str, Any]]:
    """For the storefront: search, recommendations and the assistant — served by a model or by their
    fallback, and whether a training is on its way (the storefront says so and switches by itself)."""
    status = engine.status()
    return {
        name: {
            "serving": status[name]["serving"],
            "training": (status[name].get("training") or {}).get("status"),
        }
        for name in CAPABILITIES
    }


def _demo_only(request: Request) -> None:
    if not getattr(request.app.state, "web_demo", False):
        raise HTTPException(
            404, "customer data for the storefront exists only in the demo shop (`shopmind demo`)"
        )


@router.get(
    "/customers",
    response_model=list[DemoCustomer],
    dependencies=[Depends(_demo_only)],
    responses=errors(404, 422),
)
def demo_customers(store: StoreDep, limit: int = Query(20, ge=1, le=200)) -> list[dict[str, Any]]:
    """Demo customers with the most orders first (for the customer switcher; the e-mail is the demo
    chat login)."""
    return store.customers_by_orders(limit)


@router.get(
    "/customers/{customer_id}/orders",
    response_model=DemoOrders,
    dependencies=[Depends(_demo_only)],
    responses=errors(404, 422),
)
def demo_orders(customer_id: IdPath, store: StoreDep) -> dict[str, Any]:
    """A demo customer's orders, newest first, each with its items (and titles) and status timeline."""
    customer = store.get_customer(customer_id)
    rows, total = store.list_orders(customer_id=customer_id, limit=MAX_ORDERS, offset=0)
    orders = [store.get_order(r["order_id"]) for r in rows]
    ids = {i["product_id"] for o in orders for i in o["items"]}
    titles = store.product_titles(ids)
    for order in orders:
        for item in order["items"]:
            item["title"] = titles.get(item["product_id"], "")
    return {
        "customer": {k: customer[k] for k in ("customer_id", "name", "lang")},
        "total": total,
        "orders": orders,
    }


@pages.get("/admin")
def admin_console() -> RedirectResponse:
    """The admin console's page (it asks for the admin key; nothing secret is in the page)."""
    return RedirectResponse("/web/admin.html")
