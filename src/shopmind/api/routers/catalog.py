"""Products and knowledge documents: read with a storefront key, written with an admin key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query

from shopmind.api.deps import StoreDep, admin, storefront
from shopmind.api.routers.common import PagingDep, page
from shopmind.api.schemas import BatchResult, Page
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import KnowledgeDoc, Product

router = APIRouter(tags=["catalog"])


@router.get("/products", response_model=Page[Product], dependencies=[storefront])
def list_products(
    store: StoreDep,
    paging: PagingDep,
    category: str | None = Query(None, description="Category path or a prefix of it, e.g. 'Clothing'"),
    brand: str | None = None,
    lang: str | None = Query(None, pattern="^(en|zh)$"),
    in_stock: bool | None = None,
) -> dict[str, Any]:
    rows, total = store.list_products(
        limit=paging.limit, offset=paging.offset, category=category, brand=brand, lang=lang, in_stock=in_stock
    )
    return page(rows, total, paging)


@router.get("/products/{product_id}", response_model=Product, dependencies=[storefront])
def get_product(product_id: str, store: StoreDep) -> dict[str, Any]:
    return store.get_product(product_id)


@router.post("/products", response_model=BatchResult, dependencies=[admin])
def upsert_products(
    store: StoreDep,
    products: list[dict[str, Any]] = Body(..., description="Products (fields as in the Product schema)"),
) -> dict[str, Any]:
    """Create or replace products by id; invalid ones are returned with their reason, the rest are written."""
    written, rejected = ingest_records(store, "products", products)
    return {"written": written, "rejected": rejected}


@router.put("/products/{product_id}", response_model=Product, dependencies=[admin])
def put_product(product_id: str, product: Product, store: StoreDep) -> dict[str, Any]:
    """Create or replace one product; the id in the path wins."""
    data = product.model_dump(mode="python") | {"product_id": product_id}
    store.upsert("products", [data])
    return store.get_product(product_id)


@router.delete("/products/{product_id}", status_code=204, dependencies=[admin])
def delete_product(product_id: str, store: StoreDep) -> None:
    store.delete_product(product_id)


@router.get("/knowledge", response_model=Page[KnowledgeDoc], dependencies=[storefront])
def list_docs(
    store: StoreDep,
    paging: PagingDep,
    lang: str | None = Query(None, pattern="^(en|zh)$"),
    topic: str | None = None,
) -> dict[str, Any]:
    """The shop's FAQ and policy documents."""
    rows, total = store.list_docs(lang=lang, topic=topic, limit=paging.limit, offset=paging.offset)
    return page(rows, total, paging)


@router.post("/knowledge", response_model=BatchResult, dependencies=[admin])
def upsert_docs(store: StoreDep, docs: list[dict[str, Any]] = Body(...)) -> dict[str, Any]:
    written, rejected = ingest_records(store, "docs", docs)
    return {"written": written, "rejected": rejected}
