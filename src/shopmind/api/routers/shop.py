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
from typing import Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api import tokens
from shopmind.api.deps import get_store, storefront
from shopmind.api.routers.common import BatchResult
from shopmind.data import tables as T
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import ID_PATTERN
from shopmind.data.store import Store

router = APIRouter(prefix="/shop", tags=["storefront"], dependencies=[storefront])
pages = APIRouter(include_in_schema=False)

MAX_ORDERS = 50


class BrowserEvent(BaseModel):
    """A shopper's action in the browser; the time is the server's."""

    type: Literal["view", "click", "add_to_cart", "search"]
    customer_id: str | None = Field(None, pattern=ID_PATTERN)
    session_id: str = Field("", max_length=128)
    product_id: str | None = Field(None, pattern=ID_PATTERN)
    query: str | None = Field(None, max_length=1000)


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=128, pattern=ID_PATTERN)
    email: str = Field(min_length=3, max_length=320, description="The e-mail on file (demo login)")


@router.post("/login")
def login(body: Login, request: Request, store: Store = Depends(get_store)) -> dict[str, Any]:
    """The demo login (customer id + e-mail on file) → a token for ``X-Customer-Token``, which lets a
    storefront-key request act for that customer (recommendations, events, personalised search)."""
    tokens.check_login(store, body.customer_id, body.email)
    ttl = request.app.state.settings.chat_session_ttl
    token = tokens.customer_token(request, body.customer_id, ttl)
    return {"token": token, "customer_id": body.customer_id, "expires_in": ttl}


@router.post("/events", response_model=BatchResult)
def post_event(
    event: BrowserEvent,
    request: Request,
    x_customer_token: str | None = Header(None, description="From POST /shop/login (not for guest- ids)"),
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Record one browsing event; recommendations read it on their next request. An event in a stored
    customer's name needs their token (a guest's id needs none)."""
    tokens.require_customer(request, event.customer_id, x_customer_token)
    if event.product_id is not None:
        store.get_product(event.product_id)  # 404 for a product that does not exist
    row = event.model_dump(exclude_none=True) | {"ts": datetime.now(UTC).isoformat()}
    written, rejected = ingest_records(store, "events", [row])
    if rejected:
        raise HTTPException(422, f"event rejected: {rejected[0]['field']}: {rejected[0]['reason']}")
    return {"written": written, "rejected": rejected}


@router.get("/categories")
def categories(store: Store = Depends(get_store)) -> list[dict[str, Any]]:
    """Every category path with its number of products (and how many are in stock)."""
    p = T.products
    stmt = (
        sa.select(p.c.category, sa.func.count(), sa.func.sum(sa.case((p.c.stock > 0, 1), else_=0)))
        .where(p.c.category != "")
        .group_by(p.c.category)
        .order_by(p.c.category)
    )
    with store.engine.connect() as conn:
        return [{"category": c, "count": int(n), "in_stock": int(k or 0)} for c, n, k in conn.execute(stmt)]


def _demo_only(request: Request) -> None:
    if not getattr(request.app.state, "web_demo", False):
        raise HTTPException(
            404, "customer data for the storefront exists only in the demo shop (`shopmind demo`)"
        )


@router.get("/customers", dependencies=[Depends(_demo_only)])
def demo_customers(
    limit: int = Query(20, ge=1, le=200), store: Store = Depends(get_store)
) -> list[dict[str, Any]]:
    """Demo customers with the most orders first (for the customer switcher; the e-mail is the demo
    chat login)."""
    c, o = T.customers, T.orders
    n = sa.func.count(o.c.order_id).label("orders")
    stmt = (
        sa.select(c.c.customer_id, c.c.name, c.c.email, c.c.lang, c.c.city, n)
        .join(o, o.c.customer_id == c.c.customer_id, isouter=True)
        .group_by(c.c.customer_id, c.c.name, c.c.email, c.c.lang, c.c.city)
        .order_by(n.desc(), c.c.customer_id)
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


@router.get("/customers/{customer_id}/orders", dependencies=[Depends(_demo_only)])
def demo_orders(customer_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    """A demo customer's orders, newest first, each with its items (and titles) and status timeline."""
    customer = store.get_customer(customer_id)
    rows, total = store.list_orders(customer_id=customer_id, limit=MAX_ORDERS, offset=0)
    orders = [store.get_order(r["order_id"]) for r in rows]
    ids = {i["product_id"] for o in orders for i in o["items"]}
    p = T.products
    with store.engine.connect() as conn:
        titles = dict(conn.execute(sa.select(p.c.product_id, p.c.title).where(p.c.product_id.in_(ids))).all())
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
