"""Products and knowledge documents: read with a storefront key, written with an admin key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query

from shopmind.api.deps import StoreDep, admin, storefront
from shopmind.api.routers.common import BATCH, IdPath, PagingDep, line_query, page
from shopmind.api.schemas import BODY, INPUT, KEYED, BatchResult, Page, errors
from shopmind.data.ingest import ingest_records
from shopmind.data.schema import MAX_BATCH, Product, StoredKnowledgeDoc, StoredProduct

router = APIRouter(tags=["catalog"], responses=KEYED)


@router.get("/products", response_model=Page[StoredProduct], dependencies=[storefront], responses=INPUT)
def list_products(
    store: StoreDep,
    paging: PagingDep,
    category: str | None = line_query(300, "Category path or a prefix of it, e.g. 'Clothing'"),
    brand: str | None = line_query(200),
    lang: str | None = Query(None, pattern="^(en|zh)$"),
    in_stock: bool | None = None,
) -> dict[str, Any]:
    rows, total = store.list_products(
        limit=paging.limit, offset=paging.offset, category=category, brand=brand, lang=lang, in_stock=in_stock
    )
    return page(rows, total, paging)


@router.get(
    "/products/{product_id}",
    response_model=StoredProduct,
    dependencies=[storefront],
    responses=errors(404, 422),
)
def get_product(product_id: IdPath, store: StoreDep) -> dict[str, Any]:
    return store.get_product(product_id)


@router.post("/products", response_model=BatchResult, dependencies=[admin], responses=BODY)
def upsert_products(
    store: StoreDep,
    products: list[dict[str, Any]] = Body(
        ..., max_length=MAX_BATCH, description=f"Products (fields as in the Product schema); {BATCH}"
    ),
) -> dict[str, Any]:
    """Create or replace products by id; invalid ones are returned with their reason, the rest are written."""
    written, rejected = ingest_records(store, "products", products)
    return {"written": written, "rejected": rejected}


@router.put("/products/{product_id}", response_model=StoredProduct, dependencies=[admin], responses=BODY)
def put_product(product_id: IdPath, product: Product, store: StoreDep) -> dict[str, Any]:
    """Create or replace one product; the id in the path wins."""
    data = product.model_dump(mode="python") | {"product_id": product_id}
    store.upsert("products", [data])
    return store.get_product(product_id)


@router.delete("/products/{product_id}", status_code=204, dependencies=[admin], responses=errors(404, 422))
def delete_product(product_id: IdPath, store: StoreDep) -> None:
    store.delete_product(product_id)


@router.get("/knowledge", response_model=Page[StoredKnowledgeDoc], dependencies=[storefront], responses=INPUT)
def list_docs(
    store: StoreDep,
    paging: PagingDep,
    lang: str | None = Query(None, pattern="^(en|zh)$"),
    topic: str | None = line_query(100),
) -> dict[str, Any]:
    """The shop's FAQ and policy documents."""
    rows, total = store.list_docs(lang=lang, topic=topic, limit=paging.limit, offset=paging.offset)
    return page(rows, total, paging)


@router.post("/knowledge", response_model=BatchResult, dependencies=[admin], responses=BODY)
def upsert_docs(
    store: StoreDep,
    docs: list[dict[str, Any]] = Body(
        ..., max_length=MAX_BATCH, description=f"Documents (fields as in the KnowledgeDoc schema); {BATCH}"
    ),
) -> dict[str, Any]:
    written, rejected = ingest_records(store, "docs", docs)
    return {"written": written, "rejected": rejected}
