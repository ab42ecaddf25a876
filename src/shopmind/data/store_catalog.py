"""The store's catalog queries: products, customers and knowledge documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T
from shopmind.data.changes import DELETE, record_keys
from shopmind.data.errors import NotFoundError
from shopmind.data.sql import chunks, one, page


class CatalogQueries:
    """Reads and deletes of products, customers and documents (a part of :class:`Store`)."""

    engine: Engine

    def get_product(self, product_id: str) -> dict[str, Any]:
        return one(self.engine, T.products, "product_id", product_id)

    def get_customer(self, customer_id: str) -> dict[str, Any]:
        return one(self.engine, T.customers, "customer_id", customer_id)

    def list_products(
        self,
        *,
        limit: int = 20,
        offset: int = 0,
        category: str | None = None,
        brand: str | None = None,
        lang: str | None = None,
        in_stock: bool | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of products (ordered by id) and the total count matching the filters."""
        p = T.products
        cond = []
        if category:
            cond.append(sa.or_(p.c.category == category, p.c.category.startswith(category + " > ")))
        if brand:
            cond.append(p.c.brand == brand)
        if lang:
            cond.append(p.c.lang == lang)
        if in_stock is not None:
            cond.append(p.c.stock > 0 if in_stock else p.c.stock == 0)
        return page(self.engine, p, cond, p.c.product_id, limit, offset)

    def list_customers(self, *, limit: int = 20, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        return page(self.engine, T.customers, [], T.customers.c.customer_id, limit, offset)

    def delete_product(self, product_id: str) -> None:
        """Remove a product; NotFoundError when there is none with that id."""
        p = T.products
        with self.engine.begin() as conn:
            deleted = conn.execute(p.delete().where(p.c.product_id == product_id)).rowcount
            if deleted:
                record_keys(conn, "products", [product_id], DELETE)
        if not deleted:
            raise NotFoundError(f"product {product_id!r} not found")

    def product_titles(self, product_ids: Iterable[str]) -> dict[str, str]:
        """``{product_id: title}`` of the given products that exist."""
        p = T.products
        titles: dict[str, str] = {}
        with self.engine.connect() as conn:
            for ids in chunks(product_ids):
                stmt = sa.select(p.c.product_id, p.c.title).where(p.c.product_id.in_(ids))
                titles.update({pid: title for pid, title in conn.execute(stmt)})
        return titles

    def category_counts(self) -> list[dict[str, Any]]:
        """Every non-empty category path (sorted) with its number of products and how many are in stock."""
        p = T.products
        in_stock = sa.func.sum(sa.case((p.c.stock > 0, 1), else_=0))
        stmt = (
            sa.select(p.c.category, sa.func.count(), in_stock)
            .where(p.c.category != "")
            .group_by(p.c.category)
            .order_by(p.c.category)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [{"category": c, "count": int(n), "in_stock": int(k or 0)} for c, n, k in rows]

    def list_docs(
        self, *, lang: str | None = None, topic: str | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of knowledge documents (ordered by id) and the total count matching the filters."""
        d = T.docs
        cond = []
        if lang:
            cond.append(d.c.lang == lang)
        if topic:
            cond.append(d.c.topic == topic)
        return page(self.engine, d, cond, d.c.doc_id, limit, offset)
