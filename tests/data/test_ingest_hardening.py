"""Ingestion never loses a valid row: each finding of the attack-and-fault run, reproduced.

Malformed lines are rejects with their line number, orders are whole, rejects files keep the original
bytes and defuse spreadsheet formulas, encodings are detected, JSON types count, epochs are dates,
and a run whose process was killed is marked interrupted (test_ingest_runs.py).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from shopmind.data.ingest import IngestError, ingest_file, ingest_records
from shopmind.data.ingest_rejects import read_rejects
from shopmind.data.store import Store

HEADER = "product_id,title,price,stock,category\n"


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def rejects_of(path: str | None) -> list[dict[str, str]]:
    """The rows of a rejects file (read as the console reads it, cells uncut)."""
    assert path is not None
    columns, rows = read_rejects(path, limit=10_000, max_cell=10**7)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def ids(store: Store, table: str = "products") -> list[str]:
    key = {"products": "product_id", "customers": "customer_id", "orders": "order_id"}[table]
    return sorted(store.frame(table)[key])


# ---------------------------------------------------------------------------- malformed lines
def test_an_extra_field_is_one_reject_and_the_rows_after_it_are_kept(store: Store, tmp_path: Path) -> None:
    rows = [f"P{i},Item {i},{i},1,Home" for i in range(1, 10)]
    rows[5] = "P6,Item 6,6,1,Home,EXTRA"  # line 7 of the file, as in the finding
    path = write(tmp_path, "p.csv", HEADER + "\n".join(rows) + "\n")
    report = ingest_file(store, "products", path, batch_size=3, rejects_path=tmp_path / "r.csv")
    assert (report.rows_read, report.rows_written, report.rows_rejected) == (9, 8, 1)
    assert ids(store) == sorted(f"P{i}" for i in range(1, 10) if i != 6)
    (bad,) = rejects_of(report.rejects_path)
    assert (bad["line"], bad["row"], bad["field"]) == ("7", "6", "(line)")
    assert "expected 5 fields" in bad["reason"] and "found 6" in bad["reason"]
    assert bad["raw"] == "P6,Item 6,6,1,Home,EXTRA"  # the line as it was, without its line break


def test_bad_quoting_costs_one_line_never_the_rest_of_the_file(store: Store, tmp_path: Path) -> None:
    text = (
        "product_id,title,price,stock,description\n"
        'P1,"Unclosed title,1,1,x\n'  # line 2: a quote left open would swallow the file
        "P2,Mug,2,1,x\n"
        'P3,"A ""quoted"" word, and a comma",3,1,x\n'
        'P4,Lamp,4,1,"Two\nlines"\n'  # lines 5-6: a quoted line break is one record
        'P5,"closed"then text,5,1,x\n'  # line 7: text after a closing quote
        "P6,Last,6,1,x"  # no final line break
    )
    report = ingest_file(store, "products", write(tmp_path, "p.csv", text), rejects_path=tmp_path / "r.csv")
    assert ids(store) == ["P2", "P3", "P4", "P6"]
    assert store.get_product("P3")["title"] == 'A "quoted" word, and a comma'
    assert store.get_product("P4")["description"] == "Two\nlines"
    assert [(r["line"], r["row"]) for r in rejects_of(report.rejects_path)] == [("2", "1"), ("7", "5")]


def test_a_huge_field_nul_and_control_characters_are_rejects_not_crashes(
    store: Store, tmp_path: Path
) -> None:
    """On PostgreSQL a NUL in a text column used to fail the whole batch."""
    huge = "x" * (csv.field_size_limit() + 10)
    text = (
        HEADER
        + f"P1,Fine,1,1,Home\nP2,{huge},2,1,Home\nP3,Nul\x00here,3,1,Home\n"
        + "P4,Bell\x07,4,1,Home\nP5,Ok,5,1,Home\n"
    )
    report = ingest_file(store, "products", write(tmp_path, "p.csv", text), rejects_path=tmp_path / "r.csv")
    assert ids(store) == ["P1", "P5"]
    got = {r["line"]: r for r in rejects_of(report.rejects_path)}
    assert set(got) == {"3", "4", "5"}
    assert "field larger than field limit" in got["3"]["reason"] and got["3"]["raw"].startswith("P2,xxx")
    assert got["4"]["field"] == "title" and got["5"]["field"] == "title"


def test_jsonl_lines_that_are_not_objects_are_rejects(store: Store, tmp_path: Path) -> None:
    lines = ["[1, 2]", '"text"', "42", "{broken", json.dumps({"customer_id": "C1"}), "null"]
    report = ingest_file(
        store, "customers", write(tmp_path, "c.jsonl", "\n".join(lines)), rejects_path=tmp_path / "r.csv"
    )
    assert ids(store, "customers") == ["C1"]
    rows = rejects_of(report.rejects_path)
    assert [r["line"] for r in rows] == ["1", "2", "3", "4", "6"]
    assert "not a list" in rows[0]["reason"] and rows[0]["raw"] == "[1, 2]"


def test_parquet_columns_of_unsupported_types_are_rejected_per_row(store: Store, tmp_path: Path) -> None:
    """A list column used to crash the run with an uncaught ValueError, 0 rows and no rejects file."""
    base = {
        "product_id": ["P1", "P2", "P3", "P4"],
        "price": [1.0, 2.0, 3.0, 4.0],
        "tags": pa.array([["a"], ["b", "c"], [], None], pa.list_(pa.string())),  # becomes an attribute
        "blob": pa.array([None, None, b"\x00\xff", None], pa.binary()),
        "attributes": pa.array([None, {"colour": "red"}, None, None], pa.struct([("colour", pa.string())])),
    }
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({**base, "title": [None, "Lamp", "Cup", "Pot"]}), path)
    titles = pa.array([["list", "title"], ["a"], ["b"], ["c"]], pa.list_(pa.string()))
    pq.write_table(pa.table({**base, "title": titles}), tmp_path / "lists.parquet")
    report = ingest_file(store, "products", path, rejects_path=tmp_path / "r.csv")
    assert report.rows_written == 2 and ids(store) == ["P2", "P4"]
    p2 = store.get_product("P2")
    assert p2["attributes"] == {"colour": "red", "tags": ["b", "c"]}
    got = {r["row"]: r for r in rejects_of(report.rejects_path)}
    assert got["1"]["field"] == "title" and got["1"]["line"] == ""
    assert got["3"]["reason"] == "blob holds binary data, which an attribute cannot take"
    lists = ingest_file(store, "products", tmp_path / "lists.parquet", rejects_path=tmp_path / "r2.csv")
    assert lists.rows_written == 0 and lists.rows_rejected == 4
    first = rejects_of(lists.rejects_path)[0]
    assert first["reason"] == "title must be text, not a list" and first["title"] == '["list", "title"]'


# ---------------------------------------------------------------------------- whole orders
ORDER_HEAD = "order_id,customer_id,status,placed_at,product_id,quantity,unit_price,total\n"


def test_an_order_with_one_bad_line_is_rejected_whole(store: Store, tmp_path: Path) -> None:
    """It used to be saved without that line and its total recomputed (30 -> 10)."""
    text = ORDER_HEAD + (
        "O1,C1,paid,2025-01-01T10:00:00Z,P1,1,10,30\n"
        "O1,C1,paid,2025-01-01T10:00:00Z,P2,two,10,30\n"
        "O1,C1,paid,2025-01-01T10:00:00Z,P3,1,10,30\n"
        "O2,C1,paid,2025-01-02T10:00:00Z,P1,2,10,20\n"
    )
    for batch in (1, 2, 100):  # the order's lines spread over batches or not
        path = write(tmp_path, f"o{batch}.csv", text)
        report = ingest_file(store, "orders", path, batch_size=batch, rejects_path=tmp_path / f"r{batch}.csv")
        assert (report.rows_written, report.rows_rejected) == (1, 3)
        assert ids(store, "orders") == ["O2"]
        rows = rejects_of(report.rejects_path)
        assert [(r["line"], r["field"]) for r in rows] == [
            ("2", "order_id"),
            ("3", "quantity"),
            ("4", "order_id"),
        ]
        assert (
            rows[0]["reason"] == "the order is rejected whole (line 3: quantity: quantity must be a number)"
        )


def test_a_stated_total_must_match_its_lines(store: Store, tmp_path: Path) -> None:
    text = ORDER_HEAD + (
        "O1,C1,paid,2025-01-01T10:00:00Z,P1,3,3.333,10.00\n"  # 9.999: within a cent, kept as stated
        "O2,C1,paid,2025-01-01T10:00:00Z,P1,1,10,30\n"  # one line of 10 cannot make 30
        "O3,C1,paid,2025-01-01T10:00:00Z,P1,1,10,\n"  # no total: the sum of the lines
        "O4,C1,paid,2025-01-01T10:00:00Z,P1,1,5,5\n"
        "O4,C2,paid,2025-01-01T10:00:00Z,P2,1,5,5\n"  # the order's customer differs between its lines
        "O5,C1,paid,2025-01-01T10:00:00Z,P1,1,5,10.5\n"
        "O5,C1,paid,2025-01-01T10:00:00Z,P2,1,5.51,10.5\n"  # 10.51 vs 10.50: within the tolerance
    )
    report = ingest_file(store, "orders", write(tmp_path, "o.csv", text), rejects_path=tmp_path / "r.csv")
    assert ids(store, "orders") == ["O1", "O3", "O5"]
    assert store.get_order("O1")["total"] == 10.0 and store.get_order("O3")["total"] == 10.0
    assert store.get_order("O5")["total"] == 10.5
    rows = {r["line"]: r for r in rejects_of(report.rejects_path)}
    assert (
        rows["3"]["reason"]
        == "total 30.00 does not match its lines: the sum of quantity × unit_price is 10.00"
    )
    assert rows["5"]["field"] == rows["6"]["field"] == "customer_id"


def test_nested_orders_and_api_batches_are_whole_too(store: Store, tmp_path: Path) -> None:
    order = {
        "order_id": "O1",
        "customer_id": "C1",
        "placed_at": "2025-01-01T00:00:00Z",
        "total": 7,
        "items": [{"product_id": "P1", "unit_price": 3}, {"product_id": "P2", "unit_price": -4}],
    }
    good = {**order, "order_id": "O2", "items": [{"product_id": "P1", "unit_price": 7}]}
    path = write(tmp_path, "o.jsonl", json.dumps(order) + "\n" + json.dumps(good) + "\n")
    report = ingest_file(store, "orders", path)
    assert report.rows_rejected == 2 and ids(store, "orders") == ["O2"]
    written, rejected = ingest_records(store, "orders", [order, {**good, "order_id": "O3"}])
    assert written == 1 and {r["row"] for r in rejected} == {1} and len(rejected) == 2
    assert ids(store, "orders") == ["O2", "O3"]


# ---------------------------------------------------------------------------- the rejects file
def test_rejects_keep_the_original_bytes_and_defuse_formulas(store: Store, tmp_path: Path) -> None:
    text = (
        HEADER.encode()
        + b'P1,"=HYPERLINK(""http://x"",""click"")",oops,1,Home\n'
        + b"P2,+SUM(A1:A9),1,-2,Home\n"
        + b"P3,Caf\xe9 \xff\xfe,3,1,@Home\n"  # latin-1 and invalid bytes in a UTF-8 file
        + b"P4,\tTabbed,x,1,-cmd\n"
        + b"P5,=1+1,5,1,Home\n"  # a valid row: stored as written
    )
    report = ingest_file(store, "products", write(tmp_path, "p.csv", text), rejects_path=tmp_path / "r.csv")
    assert ids(store) == ["P5"] and store.get_product("P5")["title"] == "=1+1"
    raw = (tmp_path / "r.csv").read_bytes()
    assert "\ufffd".encode() not in raw and b"Caf\xe9 \xff\xfe" in raw  # the very bytes, not U+FFFD
    rows = rejects_of(report.rejects_path)
    assert rows[0]["title"] == '\'=HYPERLINK("http://x","click")' and rows[0]["neutralised"] == "title"
    assert rows[1]["title"] == "'+SUM(A1:A9)" and rows[1]["stock"] == "-2"  # a plain number stays
    assert rows[2]["field"] == "(encoding)" and rows[2]["category"] == "'@Home"
    assert rows[2]["title"] == "Caf\\xe9 \\xff\\xfe"  # shown as escapes by the console
    assert rows[3]["title"] == "'\tTabbed" and rows[3]["category"] == "'-cmd"
    assert rows[3]["neutralised"] == "title;category"
    for row in rows:  # nothing a spreadsheet would run
        assert not any(v[:1] in ("=", "+", "@", "\t", "\r") for v in row.values() if v)


def test_a_huge_rejects_file_reads_in_bounded_pieces(tmp_path: Path, sqlite_store: Store) -> None:
    """The console used to answer 500 for a rejects file with a 200 kB field."""
    text = HEADER + f'P1,"{"y" * 100_000}",1,1,Home\nP2,"{"z" * 200_000}",2,1,Home\nP3,Ok,x,1,Home\n'
    path = write(tmp_path, "p.csv", text)
    report = ingest_file(sqlite_store, "products", path, rejects_path=tmp_path / "r.csv")
    assert report.rows_rejected == 3
    columns, rows = read_rejects(report.rejects_path, limit=2, max_cell=100)
    assert columns[:6] == ["line", "row", "field", "reason", "neutralised", "raw"]
    assert len(rows) == 2 and all(len(r) == len(columns) for r in rows)
    title = rows[0][columns.index("title")]  # too long a title: the value is in its column
    assert title == "y" * 100 + "… [cut: 100,000 characters]"
    raw = rows[1][columns.index("raw")]  # a field over the CSV limit: the line is in "raw"
    assert raw.startswith('P2,"zzz') and raw.endswith("… [cut: 200,014 characters]")


# ---------------------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-16-le", True), ("utf-16-be", True), ("utf-16-le", False), ("utf-8", True)]
)
def test_utf16_and_boms_are_detected(sqlite_store: Store, tmp_path: Path, encoding: str, bom: bool) -> None:
    """A UTF-16 file used to be reported as 'missing columns' with garbage names."""
    text = HEADER + "P1,红色 连衣裙,1,1,Home\nP2,Café,2,1,Home\n"
    marks = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-8": b"\xef\xbb\xbf"}
    data = (marks[encoding] if bom else b"") + text.encode(encoding)
    report = ingest_file(sqlite_store, "products", write(tmp_path, "p.csv", data))
    assert report.rows_written == 2 and report.encoding == encoding
    assert sqlite_store.get_product("P1")["title"] == "红色 连衣裙"


def test_a_named_encoding_is_used_and_undecodable_lines_are_rejects(
    sqlite_store: Store, tmp_path: Path
) -> None:
    gbk = (HEADER + "P1,红色连衣裙,1,1,Home\n").encode("gb18030")
    report = ingest_file(sqlite_store, "products", write(tmp_path, "g.csv", gbk), encoding="gb18030")
    assert report.rows_written == 1 and sqlite_store.get_product("P1")["title"] == "红色连衣裙"
    mixed = HEADER.encode() + "P2,红色,1,1,Home\n".encode() + "P3,红色,1,1,Home\n".encode("gb18030")
    report = ingest_file(sqlite_store, "products", write(tmp_path, "m.csv", mixed), encoding="utf-8")
    assert report.rows_written == 1 and report.errors == [
        "m.csv: line 3: (encoding): the line holds bytes that are not valid in the file's encoding"
    ]
    utf16 = (HEADER + "P4,Mug,1,1,Home\n").encode("utf-16-le")
    with pytest.raises(IngestError, match=r"the header is not utf-8 text.*--encoding"):
        ingest_file(sqlite_store, "products", write(tmp_path, "u.csv", utf16), encoding="utf-8")
    with pytest.raises(IngestError, match="unknown encoding 'klingon'"):
        ingest_file(sqlite_store, "products", write(tmp_path, "k.csv", HEADER), encoding="klingon")


# ---------------------------------------------------------------------------- types and epochs
def test_json_types_count(store: Store) -> None:
    written, rejected = ingest_records(
        store,
        "products",
        [
            {"product_id": "P1", "title": "Lamp", "price": True},
            {"product_id": "P2", "title": ["list", "title"], "price": 1},
            {"product_id": "P3", "title": "Cup", "price": 1, "attributes": ["not", "an", "object"]},
            {"product_id": "P4", "title": "Pot", "price": 1, "attributes": {"size": "L"}, "stock": 2.0},
            {"product_id": "P5", "title": {"en": "Mug"}, "price": 1},
            {"product_id": 6, "title": "Numeric id", "price": "7.5"},
        ],
    )
    assert written == 2 and ids(store) == ["6", "P4"]
    assert store.get_product("6")["price"] == 7.5
    assert rejected == [
        {"row": 1, "field": "price", "reason": "price must be a number, not true/false"},
        {"row": 2, "field": "title", "reason": "title must be text, not a list"},
        {
            "row": 3,
            "field": "attributes",
            "reason": 'attributes must be a JSON object such as {"colour": "red"}, not a list',
        },
        {"row": 5, "field": "title", "reason": "title must be text, not an object"},
    ]


def test_nul_and_unpaired_surrogates_in_records_are_rejects_not_server_errors(store: Store) -> None:
    """PostgreSQL cannot store NUL, and no database an unpaired surrogate: each is its row's reject."""
    written, rejected = ingest_records(
        store,
        "products",
        [
            {"product_id": "P1", "title": "a\x00b", "price": 1},
            {"product_id": "P2", "title": "b\ud800", "price": 1},
            {"product_id": "P3", "title": "ok", "price": 1, "attributes": {"k\x00": "v\x01"}},
            {"product_id": "P4", "title": "ok", "price": 1, "description": "two\nlines\tand a tab"},
            {"product_id": "P5", "title": "ok", "price": 1, "brand": "x\x1b[31m"},
        ],
    )
    assert written == 2 and [(r["row"], r["field"]) for r in rejected] == [
        (1, "title"),
        (2, "title"),
        (5, "brand"),
    ]
    assert store.get_product("P3")["attributes"] == {"k": "v"}  # JSON objects lose control characters
    assert store.get_product("P4")["description"] == "two\nlines\tand a tab"


EPOCH = 1735732800  # 2025-01-01T12:00:00Z


def test_epoch_dates_in_csv_jsonl_parquet_and_api(store: Store, tmp_path: Path) -> None:
    csv_text = (
        "customer_id,signup_at\n"
        f"C1,{EPOCH}\nC2,{EPOCH * 1000}\nC3,2025-01-01T12:00:00Z\nC4,20250101\n"
        f"C5,{EPOCH}.5\nC6,99999999999999999999\n"
    )
    report = ingest_file(store, "customers", write(tmp_path, "c.csv", csv_text))
    assert report.rows_written == 5 and "line 7" in report.errors[0]
    when = {c: store.get_customer(c)["signup_at"] for c in ("C1", "C2", "C3", "C4", "C5")}
    noon = datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert when["C1"] == when["C2"] == when["C3"] == noon and when["C4"] == datetime(2025, 1, 1, tzinfo=UTC)
    assert when["C5"] == noon + timedelta(milliseconds=500)
    lines = [
        {"customer_id": "J1", "signup_at": EPOCH},
        {"customer_id": "J2", "signup_at": "2025-01-01T12:00:00Z"},
    ]
    ingest_file(store, "customers", write(tmp_path, "c.jsonl", "\n".join(json.dumps(x) for x in lines)))
    assert store.get_customer("J1")["signup_at"] == store.get_customer("J2")["signup_at"] == noon
    pd.DataFrame({"customer_id": ["Q1", "Q2"], "signup_at": [EPOCH, EPOCH * 1000]}).to_parquet(
        tmp_path / "c.pq"
    )
    ingest_file(store, "customers", tmp_path / "c.pq")
    assert store.get_customer("Q1")["signup_at"] == store.get_customer("Q2")["signup_at"] == noon
    written, rejected = ingest_records(
        store,
        "events",
        [  # epochs mixed with ISO text in one batch: none of them is read as 1970
            {"event_id": "E1", "type": "view", "product_id": "P1", "ts": EPOCH},
            {"event_id": "E2", "type": "view", "product_id": "P1", "ts": "2025-01-01T12:00:00Z"},
            {"event_id": "E3", "type": "view", "product_id": "P1", "ts": True},
        ],
    )
    assert written == 2 and rejected == [
        {"row": 3, "field": "ts", "reason": "ts must be a date/time, not true/false"}
    ]
    assert set(store.frame("events")["ts"]) == {pd.Timestamp(noon)}


def test_post_events_with_epoch_timestamps(store: Store) -> None:
    """POST /events with an integer ts used to raise a TypeError and answer 500."""
    import httpx

    from shopmind.api.app import create_app
    from shopmind.config import Settings
    from shopmind.engine import Engine
    from tests.conftest import LiveServer

    key = store.create_api_key("admin", "test")
    with LiveServer(create_app(Engine(Settings(), store))) as server:
        events = [
            {"event_id": "E1", "type": "view", "product_id": "P1", "ts": EPOCH},
            {"event_id": "E2", "type": "view", "product_id": "P1", "ts": EPOCH * 1000},
            {"event_id": "E3", "type": "view", "product_id": "P1", "ts": "2025-01-01T12:00:00Z"},
        ]
        resp = httpx.post(f"{server.url}/events", json=events, headers={"X-API-Key": key}, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json()["written"] == 3
    assert set(store.frame("events")["ts"]) == {pd.Timestamp(datetime(2025, 1, 1, 12, tzinfo=UTC))}


def test_the_cli_detects_utf16_and_says_when_a_named_encoding_does_not_fit(
    tmp_path: Path, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from shopmind.cli import app

    monkeypatch.setenv("SHOPMIND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    path = write(tmp_path, "c.csv", ("customer_id,signup_at\nC1,1735732800\n").encode("utf-16"))
    result = CliRunner().invoke(app, ["ingest", "customers", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 rows written" in result.output.replace(",", "")
    result = CliRunner().invoke(app, ["ingest", "customers", str(path), "--encoding", "utf-8"])
    assert result.exit_code == 1 and "--encoding" in result.output
