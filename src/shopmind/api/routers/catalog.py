"""Products and knowledge documents: read with a storefront key, written with an admin key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy import select

from shopmind.api.deps import admin, get_store, storefront
from shopmind.api.routers.common import BatchResult, Page, Paging, page
from shopmind.data import tables as T
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import KnowledgeDoc, Product
from shopmind.data.store import NotFoundError, Store

router = APIRouter(tags=["catalog"])


@router.get("/products", response_model=Page[Product], dependencies=[storefront])
def list_products(
    paging: Paging = Depends(),
    category: str | None = Query(None, description="Category path or a prefix of it, e.g. 'Clothing'"),
    brand: str | None = None,
    lang: str | None = Query(None, pattern="^(en|zh)$"),
    in_stock: bool | None = None,
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    rows, total = store.list_products(
        limit=paging.limit, offset=paging.offset, category=category, brand=brand, lang=lang, in_stock=in_stock
    )
    return page(rows, total, paging)


@router.get("/products/{product_id}", response_model=Product, dependencies=[storefront])
def get_product(product_id: str, store: Store = Depends(get_store)) -> dict[str, Any]:
    return store.get_product(product_id)


@router.post("/products", response_model=BatchResult, dependencies=[admin])
def upsert_products(
    products: list[dict[str, Any]] = Body(..., description="Products (fields as in the Product schema)"),
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Create or replace products by id; invalid ones are returned with their reason, the rest are written."""
    written, rejected = ingest_records(store, "products", products)
    return {"written": written, "rejected": rejected}


@router.put("/products/{product_id}", response_model=Product, dependencies=[admin])
def put_product(product_id: str, product: Product, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Create or replace one product; the id in the path wins."""
    data = product.model_dump(mode="python") | {"product_id": product_id}
    with store.begin() as conn:
        store.upsert("products", [data], conn)
    return store.get_product(product_id)


@router.delete("/products/{product_id}", status_code=204, dependencies=[admin])
def delete_product(product_id: str, store: Store = Depends(get_store)) -> None:
    with store.begin() as conn:
        deleted = conn.execute(T.products.delete().where(T.products.c.product_id == product_id)).rowcount
    if not deleted:
        raise NotFoundError(f"product {product_id!r} not found")


@router.get("/knowledge", response_model=Page[KnowledgeDoc], dependencies=[storefront])
def list_docs(
    paging: Paging = Depends(),
    lang: str | None = Query(None, pattern="^(en|zh)$"),
    topic: str | None = None,
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """The shop's FAQ and policy documents."""
    d = T.docs
    stmt = select(d)
    if lang:
        stmt = stmt.where(d.c.lang == lang)
    if topic:
        stmt = stmt.where(d.c.topic == topic)
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt.order_by(d.c.doc_id)).mappings()]
    return page(rows[paging.offset : paging.offset + paging.limit], len(rows), paging)


@router.post("/knowledge", response_model=BatchResult, dependencies=[admin])
def upsert_docs(docs: list[dict[str, Any]] = Body(...), store: Store = Depends(get_store)) -> dict[str, Any]:
    written, rejected = ingest_records(store, "docs", docs)
    return {"written": written, "rejected": rejected}
