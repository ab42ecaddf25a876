"""Platform exports recognised by their header (Shopify, WooCommerce) and header guesses for the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.data.errors import NotFoundError
from shopmind.data.ingest import IngestError, ingest_file
from shopmind.data.ingest_formats import strip_html
from shopmind.data.ingest_guess import guess_mapping
from shopmind.data.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PRODUCT_FIELDS = ["product_id", "title", "description", "category", "brand", "price", "stock", "image_url"]


def test_a_shopify_export_imports_without_mapping(sqlite_store: Store) -> None:
    report = ingest_file(sqlite_store, "products", EXAMPLES / "shopify_products.csv")
    assert report.recognised == "a Shopify product export"
    assert (report.rows_read, report.rows_written, report.rows_rejected, report.rows_folded) == (20, 15, 0, 5)
    lamp = sqlite_store.get_product("alder-oak-desk-lamp")
    assert lamp["title"] == "Alder Oak Desk Lamp" and lamp["brand"] == "Alder & Finch"
    assert lamp["price"] == 59.0 and lamp["stock"] == 14  # the first variant's
    assert lamp["category"] == "Home & Garden > Lighting > Lamps"
    assert lamp["image_url"] == "https://shop.example/img/alder-lamp.jpg"
    assert lamp["description"] == "A warm oak desk lamp with a linen shade.\nE27 bulb\n1.8 m cable"
    assert lamp["attributes"]["sku"] == "ALF-LAMP-NAT" and lamp["attributes"]["status"] == "active"


def test_a_woocommerce_export_imports_without_mapping(sqlite_store: Store) -> None:
    report = ingest_file(sqlite_store, "products", EXAMPLES / "woocommerce_products.csv")
    assert report.recognised == "a WooCommerce product export"
    assert (report.rows_read, report.rows_written, report.rows_rejected, report.rows_folded) == (20, 18, 0, 2)
    grinder = sqlite_store.get_product("WC-GRN-02")
    assert grinder["price"] == 55.0  # the sale price over the regular 64
    assert grinder["category"] == "Kitchen > Coffee & Tea"
    assert grinder["image_url"] == "https://shop.example/wc/102.jpg"  # the first of two images
    assert "<" not in grinder["description"]
    assert sqlite_store.get_product("wc-111")["title"] == "Herb Seed Trio"  # no SKU: wc-<ID>
    with pytest.raises(NotFoundError):
        sqlite_store.get_product("WC-TEE-18-S")  # a variation row is folded


def test_an_explicit_mapping_turns_recognition_off(sqlite_store: Store) -> None:
    with pytest.raises(IngestError, match="missing required column"):
        ingest_file(
            sqlite_store, "products", EXAMPLES / "shopify_products.csv", mapping={"product_id": "Variant SKU"}
        )


def test_strip_html_keeps_text_and_lines() -> None:
    text = strip_html("<p>Warm &amp; <b>soft</b></p><script>x()</script><ul><li>one</li><li>two</li></ul>")
    assert text == "Warm & soft\none\ntwo"
    assert strip_html("plain 5 > 3") == "plain 5 > 3"
    assert strip_html(None) is None


def test_guesses_map_usual_names_once_and_leave_exact_names() -> None:
    columns = ["SKU", "Product Name", "price", "Qty", "Image URL", "Vendor", "Notes"]
    guesses = guess_mapping("products", PRODUCT_FIELDS, columns)
    assert guesses == {
        "product_id": "SKU",
        "title": "Product Name",
        "brand": "Vendor",
        "stock": "Qty",
        "image_url": "Image URL",
    }
    assert guess_mapping("products", PRODUCT_FIELDS, ["id", "Title", "id2"]) == {
        "product_id": "id",
        "title": "Title",
    }


def test_cli_applies_guesses_and_names_a_recognised_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    guessed = tmp_path / "mine.csv"
    guessed.write_text("SKU,Product Name,Price,Qty\nA1,Blue mug,3.5,4\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "products", str(guessed)])
    assert result.exit_code == 0, result.output
    assert "product_id=SKU" in result.output and "1 rows written" in result.output
    result = runner.invoke(app, ["ingest", "products", str(guessed), "--no-guess"])
    assert result.exit_code != 0 and "missing required column" in result.output
    result = runner.invoke(app, ["ingest", "products", str(EXAMPLES / "shopify_products.csv")])
    assert result.exit_code == 0, result.output
    assert "recognised as a Shopify product export" in " ".join(result.output.split())
