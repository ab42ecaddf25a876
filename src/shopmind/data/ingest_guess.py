"""Guessing which column of a file is which field, from the names shops commonly give them.

:func:`guess_mapping` looks at a file's header and proposes ``{field: column}`` for the fields the
file does not already name exactly: ``SKU`` → ``product_id``, ``Name`` → ``title``, ``Qty`` → ``stock``
and so on. A header is compared after lower-casing and folding spaces, dashes and dots to ``_``, so
``Product Name``, ``product-name`` and ``product_name`` are the same name. The CLI applies the guesses
(and prints them); the console shows them as the preselected choice of each field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# For each kind, each field's usual column names (normalised), best first.
KNOWN_NAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "products": {
        "product_id": ("sku", "id", "product_id", "item_id", "variant_sku", "article", "code", "handle"),
        "title": ("name", "title", "product_name", "product_title", "item_name", "product"),
        "description": ("description", "desc", "body", "body_html", "details", "long_description"),
        "category": ("category", "categories", "product_category", "category_path", "product_type"),
        "brand": ("brand", "vendor", "manufacturer", "maker", "brands"),
        "price": ("price", "regular_price", "unit_price", "variant_price", "sale_price", "list_price"),
        "currency": ("currency", "currency_code"),
        "stock": ("stock", "quantity", "qty", "inventory", "stock_quantity", "variant_inventory_qty"),
        "image_url": ("image", "image_url", "image_src", "images", "picture", "photo", "thumbnail"),
        "lang": ("language", "locale"),
        "created_at": ("created", "created_on", "date_created", "added_at"),
    },
    "customers": {
        "customer_id": ("id", "customer", "user_id", "client_id", "customer_number", "user"),
        "name": ("full_name", "customer_name", "display_name"),
        "email": ("e_mail", "email_address", "mail"),
        "country": ("country_code", "billing_country"),
        "city": ("town", "billing_city"),
        "lang": ("language", "locale"),
        "signup_at": ("created_at", "created", "signup_date", "registered", "registered_at", "joined"),
    },
    "events": {
        "customer_id": ("user_id", "user", "visitor_id", "client_id"),
        "session_id": ("session", "visit_id"),
        "type": ("event", "event_type", "action"),
        "product_id": ("item_id", "sku", "product", "item"),
        "query": ("search", "search_query", "q", "term"),
        "ts": ("timestamp", "time", "date", "event_time", "created_at", "at"),
    },
    "orders": {
        "order_id": ("id", "order", "order_number", "order_no", "name"),
        "customer_id": ("customer", "user_id", "client_id", "email"),
        "placed_at": ("created_at", "order_date", "date", "created", "paid_at"),
        "total": ("order_total", "grand_total", "amount", "total_price"),
        "product_id": ("sku", "item_id", "lineitem_sku", "product"),
        "quantity": ("qty", "lineitem_quantity", "quantity_ordered"),
        "unit_price": ("price", "item_price", "lineitem_price"),
        "status": ("order_status", "financial_status", "state"),
    },
}


def normalise(name: str) -> str:
    """``'Variant Inventory Qty'`` → ``'variant_inventory_qty'``; ``'Body (HTML)'`` → ``'body_html'``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def guess_mapping(kind: str, fields: Iterable[str], columns: Iterable[str]) -> dict[str, str]:
    """``{field: column}`` for the ``fields`` of ``kind`` that no column names exactly, where a column
    carries one of the field's usual names; a column is proposed for one field at most."""
    columns = [c for c in columns if not c.startswith("__")]
    exact = set(columns)
    by_name: dict[str, str] = {}
    for c in columns:
        by_name.setdefault(normalise(c), c)
    taken = {f for f in fields if f in exact}
    guesses: dict[str, str] = {}
    for field in fields:
        if field in exact:
            continue
        for name in (field, *KNOWN_NAMES.get(kind, {}).get(field, ())):
            column = by_name.get(name)
            if column is not None and column not in taken:
                guesses[field] = column
                taken.add(column)
                break
    return guesses
