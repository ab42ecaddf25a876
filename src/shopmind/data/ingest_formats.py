"""Shop platforms' product exports, recognised by their header and read without any mapping.

- **Shopify** (Products → Export, CSV): one row per variant or extra image; a product's first row
  carries its ``Title``, the rows after it only ``Handle`` and the variant/image columns. The product
  is its first row: ``Handle`` → ``product_id``, the first variant's price, stock and SKU; the other
  rows of the product are folded into it (counted in the report, never rejected).
- **WooCommerce** (Products → Export, CSV): one row per product, plus ``variation`` rows. ``SKU`` →
  ``product_id`` (``wc-<ID>`` when the SKU is blank), the sale price when there is one else the
  regular price, the first category path (``A > B``) and the first image; variation rows are folded.

HTML in descriptions becomes plain text. Columns ShopMind has no field for are kept as attributes
where useful (SKU, tags, status …)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pandas as pd

from shopmind.data.ingest_guess import normalise

_BLOCKS = {"p", "div", "br", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def strip_html(value: object) -> object:
    """Text of an HTML fragment: tags dropped, entities decoded, blank runs folded (lines kept)."""
    if not isinstance(value, str) or ("<" not in value and "&" not in value):
        return value
    parser = _Text()
    parser.feed(value)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _blank(col: pd.Series) -> pd.Series:
    return col.isna() | col.astype(str).str.strip().eq("")


def _first_item(col: pd.Series, sep: str = ",") -> pd.Series:
    return col.map(lambda v: v.split(sep)[0].strip() if isinstance(v, str) else v)


def _meta(raw: pd.DataFrame) -> pd.DataFrame:
    return raw[[c for c in raw.columns if c.startswith("__")]].copy()


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    """The column whose normalised name is ``name`` (blank when the file has none)."""
    for c in raw.columns:
        if normalise(c) == name:
            return raw[c]
    return pd.Series([None] * len(raw), index=raw.index, dtype=object)


def _stock(col: pd.Series) -> pd.Series:
    """Stock as exported; a negative count (oversold) is none left."""
    num = pd.to_numeric(col, errors="coerce")
    return col.where(num.isna() | (num >= 0), "0")


def _shopify(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    first = ~_blank(_column(raw, "title"))
    rows = raw[first]
    out = _meta(rows)
    category = _column(rows, "product_category")
    out["product_id"] = _column(rows, "handle")
    out["title"] = _column(rows, "title")
    out["description"] = _column(rows, "body_html").map(strip_html)
    out["brand"] = _column(rows, "vendor")
    out["category"] = category.where(~_blank(category), _column(rows, "type"))
    out["price"] = _column(rows, "variant_price")
    out["stock"] = _stock(_column(rows, "variant_inventory_qty"))
    out["image_url"] = _column(rows, "image_src")
    for name, src in (("sku", "variant_sku"), ("tags", "tags"), ("status", "status"), ("type", "type")):
        out[name] = _column(rows, src)
    return out.reset_index(drop=True), int((~first).sum())


def _woocommerce(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    kind = _column(raw, "type").astype(str).str.lower()
    keep = ~kind.str.contains("variation", na=False)
    rows = raw[keep]
    out = _meta(rows)
    sku, wc_id = _column(rows, "sku"), _column(rows, "id")
    sale, regular = _column(rows, "sale_price"), _column(rows, "regular_price")
    description = _column(rows, "description")
    out["product_id"] = sku.where(~_blank(sku), "wc-" + wc_id.astype(str).str.strip())
    out["title"] = _column(rows, "name")
    out["description"] = description.where(~_blank(description), _column(rows, "short_description"))
    out["description"] = out["description"].map(strip_html)
    out["category"] = _first_item(_column(rows, "categories"))
    out["brand"] = _first_item(_column(rows, "brands"))
    out["price"] = sale.where(~_blank(sale), regular)
    out["stock"] = _stock(_column(rows, "stock"))
    out["image_url"] = _first_item(_column(rows, "images"))
    for name, src in (("woocommerce_id", "id"), ("tags", "tags"), ("published", "published")):
        out[name] = _column(rows, src)
    return out.reset_index(drop=True), int((~keep).sum())


@dataclass(frozen=True)
class ExportFormat:
    """A platform's export: the header names that identify it (normalised) and its conversion to
    ShopMind's columns, which returns the rows and how many rows were folded into others."""

    name: str
    label: str
    kind: str
    header: frozenset[str]
    convert: Callable[[pd.DataFrame], tuple[pd.DataFrame, int]]


EXPORT_FORMATS = (
    ExportFormat(
        "shopify",
        "a Shopify product export",
        "products",
        frozenset({"handle", "title", "body_html", "vendor", "variant_price"}),
        _shopify,
    ),
    ExportFormat(
        "woocommerce",
        "a WooCommerce product export",
        "products",
        frozenset({"id", "type", "sku", "name", "regular_price", "categories"}),
        _woocommerce,
    ),
)


def recognise(kind: str, columns: list[str]) -> ExportFormat | None:
    """The export format whose identifying header names are all among ``columns``, if any."""
    names = {normalise(c) for c in columns}
    return next((f for f in EXPORT_FORMATS if f.kind == kind and f.header <= names), None)
