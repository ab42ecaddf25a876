"""Ingestion of CSV / JSON Lines / Parquet: valid rows land, invalid rows are explained, nothing is lost."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from shopmind.data import ingest as ingest_mod
from shopmind.data.ingest import IngestError, ingest_file, ingest_records
from shopmind.data.store import Store

PRODUCTS = """product_id,title,price,stock,category,lang,colour
P1,Red floral dress,199.5,3,Clothing > Dresses,en,red
P2,红色 连衣裙,89,0,Clothing > Dresses,zh,红色
P3,Wireless earbuds,299,10,Electronics > Earbuds,en,black
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def read_rejects(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_products_csv_round_trip_and_extra_columns_become_attributes(store: Store, tmp_path: Path) -> None:
    report = ingest_file(store, "products", write(tmp_path, "p.csv", PRODUCTS))
    assert (report.rows_read, report.rows_written, report.rows_rejected) == (3, 3, 0)
    p2 = store.get_product("P2")
    assert p2["title"] == "红色 连衣裙" and p2["lang"] == "zh" and p2["stock"] == 0
    assert p2["attributes"] == {"colour": "红色"}
    assert store.get_product("P1")["currency"] == "CNY"


def test_reingesting_is_idempotent(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", PRODUCTS)
    ingest_file(store, "products", path)
    before = store.frame("products").sort_values("product_id").reset_index(drop=True)
    ingest_file(store, "products", path)
    after = store.frame("products").sort_values("product_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)


def test_bad_rows_are_rejected_with_row_field_reason_and_valid_rows_kept(
    store: Store, tmp_path: Path
) -> None:
    text = (
        "product_id,title,price,stock,created_at\n"
        "P1,Good,10,1,2025-01-01T00:00:00Z\n"
        "P2,Bad price,ten,1,2025-01-01\n"
        "P3,,5,1,2025-01-01\n"
        "P4,Negative stock,5,-2,2025-01-01\n"
        "P5,Fraction stock,5,1.5,2025-01-01\n"
        "P 6,Bad id,5,1,2025-01-01\n"
        "P7,Bad date,5,1,yesterday\n"
        "P1,Duplicate,5,1,2025-01-01\n"
        "P8,Also good,5,0,12/1/2010 8:26\n"
    )
    rejects = tmp_path / "rejects.csv"
    report = ingest_file(store, "products", write(tmp_path, "p.csv", text), rejects_path=rejects)
    assert report.rows_written == 2 and report.rows_rejected == 7
    assert sorted(store.frame("products")["product_id"]) == ["P1", "P8"]
    assert store.get_product("P1")["title"] == "Good"  # the duplicate did not overwrite the first row
    rows = read_rejects(report.rejects_path)
    assert [(r["row"], r["field"]) for r in rows] == [
        ("2", "price"),
        ("3", "title"),
        ("4", "stock"),
        ("5", "stock"),
        ("6", "product_id"),
        ("7", "created_at"),
        ("8", "product_id"),
    ]
    assert "must be a number" in rows[0]["reason"] and rows[0]["price"] == "ten"
    assert "duplicate product_id (first at row 1)" in rows[6]["reason"]
    assert [(r["line"], r["row"]) for r in rows][:2] == [("3", "2"), ("4", "3")]  # the header is line 1
    assert report.errors[0] == "p.csv: line 3: price: price must be a number"


def test_missing_required_column_names_the_column_and_the_fix(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "p.csv", "product_id,name,cost\nP1,Dress,10\n")
    with pytest.raises(IngestError, match=r"missing required column\(s\) title, price.*--map title="):
        ingest_file(store, "products", path)
    report = ingest_file(store, "products", path, mapping={"title": "name", "price": "cost"})
    assert report.rows_written == 1 and store.get_product("P1")["price"] == 10


def test_empty_and_headerless_files_give_clear_errors(store: Store, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="empty \\(0 bytes\\)"):
        ingest_file(store, "products", write(tmp_path, "empty.csv", b""))
    with pytest.raises(IngestError, match="no header row"):
        ingest_file(store, "products", write(tmp_path, "blank.csv", b"\n\n"))
    with pytest.raises(IngestError, match="no such file"):
        ingest_file(store, "products", tmp_path / "absent.csv")
    with pytest.raises(IngestError, match="cannot tell the format"):
        ingest_file(store, "products", write(tmp_path, "p.xlsx", b"x"))


def test_bad_encoding_rejects_only_the_broken_rows(store: Store, tmp_path: Path) -> None:
    data = "product_id,title,price\nP1,Café cup,3\n".encode("latin-1") + "P2,茶杯,4\n".encode()
    report = ingest_file(store, "products", write(tmp_path, "p.csv", data))
    assert report.rows_written == 1 and report.rows_rejected == 1
    assert store.get_product("P2")["title"] == "茶杯"
    why = "the line holds bytes that are not valid in the file's encoding"
    assert report.errors[0] == f"p.csv: line 2: (encoding): {why}"
    again = ingest_file(store, "products", write(tmp_path, "p2.csv", data), encoding="latin-1")
    assert (again.rows_written, again.rows_rejected) == (2, 0) and again.encoding == "latin-1"
    assert store.get_product("P1")["title"] == "Café cup"


def test_utf8_bom_is_accepted(store: Store, tmp_path: Path) -> None:
    report = ingest_file(store, "products", write(tmp_path, "p.csv", "\ufeff" + PRODUCTS))
    assert report.rows_written == 3


def test_jsonl_with_broken_lines(store: Store, tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"customer_id": "C1", "name": "王芳", "lang": "zh", "signup_at": "2025-01-02T03:04:05+08:00"}
        ),
        "{not json",
        json.dumps(["a", "list"]),
        "",
        json.dumps({"customer_id": "C2", "lang": "fr"}),
        json.dumps({"customer_id": "C3", "email": "a@b.c"}),
    ]
    report = ingest_file(store, "customers", write(tmp_path, "c.jsonl", "\n".join(lines)))
    assert report.rows_written == 2 and report.rows_rejected == 3
    assert [e.split(": ")[1] for e in report.errors] == ["line 2", "line 3", "line 5"]
    assert "lang must be one of en, zh" in report.errors[2]
    c1 = store.get_customer("C1")
    assert c1["name"] == "王芳" and c1["signup_at"].isoformat() == "2025-01-01T19:04:05+00:00"


def test_parquet_events_get_stable_ids(store: Store, tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "customer_id": ["C1", "C1", "C2", "C2"],
            "type": ["view", "search", "purchase", "rating"],
            "product_id": ["P1", None, "P2", "P2"],
            "query": [None, "红色连衣裙", None, None],
            "value": [None, None, 2.0, 7.0],
            "ts": pd.to_datetime(
                ["2025-01-01 10:00", "2025-01-01 10:01", "2025-01-02 00:00", "2025-01-03 00:00"], utc=True
            ),
        }
    )
    path = tmp_path / "e.parquet"
    df.to_parquet(path)
    report = ingest_file(store, "events", path)
    assert report.rows_written == 3 and report.rows_rejected == 1 and "rating" in report.errors[0]
    ids = sorted(store.frame("events")["event_id"])
    ingest_file(store, "events", path)
    assert sorted(store.frame("events")["event_id"]) == ids and store.counts()["events"] == 3


def test_event_rules(store: Store) -> None:
    written, rejected = ingest_records(
        store,
        "events",
        [
            {"type": "search", "ts": "2025-01-01T00:00:00Z"},
            {"type": "view", "ts": "2025-01-01T00:00:00Z", "customer_id": "C1"},
            {"type": "teleport", "ts": "2025-01-01T00:00:00Z", "product_id": "P1"},
            {"type": "view", "product_id": "P1"},
            {"type": "click", "ts": "2025-01-01T00:00:00Z", "product_id": "P1"},
        ],
    )
    assert written == 1
    assert [(r["row"], r["field"]) for r in rejected] == [
        (1, "query"),
        (2, "product_id"),
        (3, "type"),
        (4, "ts"),
    ]


def test_orders_flat_csv_builds_items_totals_and_timeline(store: Store, tmp_path: Path) -> None:
    text = (
        "order_id,customer_id,status,placed_at,product_id,quantity,unit_price\n"
        "O1,C1,delivered,2025-01-01T10:00:00Z,P1,2,10\n"
        "O1,C1,delivered,2025-01-01T10:00:00Z,P2,1,5.5\n"
        "O2,C2,cancelled,2025-01-02T10:00:00Z,P1,1,10\n"
        "O3,C2,shipped,2025-01-03T10:00:00Z,P3,0,10\n"
        "O1,C1,delivered,2025-01-01T10:00:00Z,P9,1,1\n"
    )
    report = ingest_file(store, "orders", write(tmp_path, "o.csv", text), batch_size=2)
    assert report.rows_written == 3 and report.rows_rejected == 2
    assert "quantity must be at least 1" in report.errors[0]
    assert "must be contiguous" in report.errors[1]
    o1 = store.get_order("O1")
    assert o1["total"] == 25.5 and [i["product_id"] for i in o1["items"]] == ["P1", "P2"]
    assert [t["status"] for t in o1["timeline"]] == ["placed", "paid", "shipped", "delivered"]
    assert [t["status"] for t in store.get_order("O2")["timeline"]] == ["placed", "cancelled"]


def test_orders_nested_jsonl(store: Store, tmp_path: Path) -> None:
    orders = [
        {
            "order_id": "O1",
            "customer_id": "C1",
            "status": "paid",
            "placed_at": "2025-01-01T00:00:00Z",
            "items": [
                {"product_id": "P1", "quantity": 1, "unit_price": 3},
                {"product_id": "P2", "unit_price": 4},
            ],
        },
        {"order_id": "O2", "customer_id": "C1", "placed_at": "2025-01-01T00:00:00Z", "items": []},
    ]
    path = write(tmp_path, "o.jsonl", "\n".join(json.dumps(o) for o in orders))
    report = ingest_file(store, "orders", path)
    assert report.rows_written == 2 and report.rows_rejected == 1 and "non-empty items" in report.errors[0]
    assert store.get_order("O1")["total"] == 7


def test_each_batch_is_one_transaction(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash in the third batch leaves the first two batches whole and nothing of the third."""
    rows = "\n".join(f"P{i},Item {i},{i}" for i in range(10))
    path = write(tmp_path, "p.csv", "product_id,title,price\n" + rows + "\n")
    real = Store.upsert_frame
    calls = {"n": 0}

    def failing(self, table, df, conn):
        calls["n"] += 1
        written = real(self, table, df, conn)  # the rows reach the database inside the transaction …
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")  # … and the process dies before the commit
        return written

    monkeypatch.setattr(Store, "upsert_frame", failing)
    with pytest.raises(KeyboardInterrupt):
        ingest_file(sqlite_store, "products", path, batch_size=3)
    assert sorted(sqlite_store.frame("products")["product_id"]) == [f"P{i}" for i in range(6)]
    runs = sqlite_store.last_ingest_runs(1)
    assert runs[0]["status"] == "failed" and runs[0]["rows_written"] == 6


def test_progress_reports_bytes(sqlite_store: Store, tmp_path: Path) -> None:
    rows = "\n".join(f"P{i},Item {i},{i}" for i in range(100))
    path = write(tmp_path, "p.csv", "product_id,title,price\n" + rows + "\n")
    seen: list[tuple[int, int]] = []
    ingest_file(sqlite_store, "products", path, batch_size=10, progress=lambda d, t: seen.append((d, t)))
    assert len(seen) == 10 and seen[-1][0] == seen[-1][1] == path.stat().st_size


def test_unknown_kind_and_format(sqlite_store: Store, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="unknown kind"):
        ingest_file(sqlite_store, "widgets", write(tmp_path, "p.csv", PRODUCTS))
    with pytest.raises(IngestError, match="unknown format"):
        ingest_file(sqlite_store, "products", write(tmp_path, "p.csv", PRODUCTS), fmt="xml")
    assert ingest_mod.detect_format(Path("a.ndjson")) == "jsonl"


def test_rules_come_from_the_schema(store: Store, tmp_path: Path) -> None:
    """Limits, enums and patterns of the pydantic models apply to files: a title over Product's
    max_length, a doc kind outside KnowledgeDoc's values, a currency code not matching its pattern."""
    text = f"product_id,title,price,currency\nP1,{'x' * 500},1,usd\nP2,{'x' * 501},1,USD\nP3,Mug,1,EU\n"
    report = ingest_file(store, "products", write(tmp_path, "p.csv", text))
    assert (report.rows_written, report.rows_rejected) == (1, 2)
    assert store.get_product("P1")["currency"] == "USD"  # codes are upper-cased before the check
    assert report.errors == [
        "p.csv: line 3: title: title must be at most 500 characters",
        "p.csv: line 4: currency: currency must be a 3-letter ISO code such as CNY, USD, EUR",
    ]
    docs = [
        {"doc_id": "D1", "kind": "POLICY", "title": "Returns", "body": "30 days"},
        {"doc_id": "D2", "kind": "blog", "title": "News", "body": "…"},
        {"doc_id": "D3", "title": " ", "body": "x"},
    ]
    written, rejected = ingest_records(store, "docs", docs)
    assert written == 1
    assert rejected == [
        {"row": 2, "field": "kind", "reason": "kind must be one of faq, policy"},
        {"row": 3, "field": "title", "reason": "title is required"},
    ]


def test_specs_follow_the_models() -> None:
    from shopmind.data.ingest_specs import SPECS, kind_specs
    from shopmind.data.schema import EventType, Order, OrderItem, OrderStatus, Product

    products = {s.name: s for s in SPECS["products"]}
    assert list(products) == list(Product.model_fields)
    assert {n for n, s in products.items() if s.required} == {"product_id", "title", "price"}
    assert products["stock"].min_value == 0 and products["stock"].default == 0
    assert products["lang"].choices == ("en", "zh") and products["lang"].default == "en"
    events = {s.name: s for s in SPECS["events"]}
    assert events["type"].choices == tuple(e.value for e in EventType) and events["type"].required
    orders = {s.name: s for s in kind_specs("orders")}
    assert list(orders) == [n for n in Order.model_fields if n not in ("items", "timeline")] + list(
        OrderItem.model_fields
    )
    assert orders["status"].choices == tuple(s.value for s in OrderStatus)
    # a flat order file may leave out what ingestion can fill in
    assert not orders["total"].required and not orders["line_no"].required
    assert orders["quantity"].default == 1 and orders["quantity"].min_value == 1


def test_a_schema_rule_ingestion_cannot_check_fails_loudly() -> None:
    from pydantic import BaseModel, Field

    from shopmind.data.ingest_specs import model_specs

    class Rated(BaseModel):
        item_id: str
        stars: int = Field(3, gt=0, le=5)

    with pytest.raises(TypeError, match=r"gt=0.*Rated\.stars"):
        model_specs(Rated)

    class Tagged(BaseModel):
        tag: str = Field("", pattern=r"^#\w+$")

    with pytest.raises(TypeError, match="no message for the pattern of Tagged.tag"):
        model_specs(Tagged)


def test_imported_orders_follow_the_shortest_life_cycle_path() -> None:
    from shopmind.data.ingest_specs import CANONICAL_PATH

    assert CANONICAL_PATH == {
        "placed": ("placed",),
        "paid": ("placed", "paid"),
        "shipped": ("placed", "paid", "shipped"),
        "delivered": ("placed", "paid", "shipped", "delivered"),
        "cancelled": ("placed", "cancelled"),
        "refund_requested": ("placed", "paid", "shipped", "delivered", "refund_requested"),
        "refunded": ("placed", "paid", "shipped", "delivered", "refund_requested", "refunded"),
    }


def test_the_rejects_file_is_where_the_caller_says(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No folder given: the report names the rejects and nothing is written; a folder: a timestamped file."""
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "p.csv", "product_id,title,price\nP1,Mug,1\nP2,Cup,x\n")
    report = ingest_file(sqlite_store, "products", path)
    assert report.rows_rejected == 1 and report.errors and report.rejects_path is None
    assert not (tmp_path / "var").exists()
    report = ingest_file(sqlite_store, "products", path, rejects_dir=tmp_path / "rejects")
    assert Path(report.rejects_path).parent == tmp_path / "rejects"
    assert Path(report.rejects_path).name.startswith("products-p-")
    assert [r["row"] for r in read_rejects(report.rejects_path)] == ["2"]
    assert sqlite_store.last_ingest_runs(1)[0]["rejects_path"] == report.rejects_path


def test_the_cli_puts_rejects_under_the_configured_var_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    monkeypatch.setenv("SHOPMIND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SHOPMIND_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHOPMIND_INGEST_BATCH_SIZE", "1")
    path = write(tmp_path, "p.csv", "product_id,title,price\nP1,Mug,1\nP2,Cup,x\nP3,Pot,2\n")
    result = CliRunner().invoke(app, ["ingest", "products", str(path)])
    assert result.exit_code == 0, result.output
    (rejects,) = (tmp_path / "var" / "rejects").glob("products-p-*.csv")
    assert [r["row"] for r in read_rejects(str(rejects))] == ["2"]
    runs = Store(f"sqlite:///{tmp_path / 'cli.db'}").last_ingest_runs(1)
    assert runs[0]["rows_written"] == 2
