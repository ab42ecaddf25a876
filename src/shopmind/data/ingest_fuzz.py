"""Generated ingestion files that mix valid and malformed rows, each knowing which of its rows are valid.

:func:`make_case` writes one file — CSV, JSON Lines or Parquet; products, customers, events or orders;
UTF-8 (with or without a BOM), UTF-16 (with a BOM, or little-endian without), GB18030 or Latin-1 —
whose rows are valid or broken in one of many ways: wrong field counts, bad quoting, fields over the
CSV limit, bytes invalid in the encoding, NUL and control characters, JSON values of the wrong type
(``true`` prices, list titles), nested values, lines that are not JSON objects, out-of-range dates,
duplicate ids, orders with one bad line or a total that does not add up. Valid rows use the awkward
but valid: formulas as titles, epoch seconds and milliseconds, quoted line breaks, Chinese text.

The returned :class:`Case` holds the truth: the values every valid row must be stored with, and the
lines (rows for Parquet) the rejects file must name. :func:`check_case` and :func:`check_store`
compare an ingestion with it. Used by the fuzz test and ``bench/bench_ingest_fuzz.py``.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any

from shopmind.data.ingest_fuzz_rows import COLUMNS, ID, Case, Gen, Rec, records
from shopmind.data.ingest_rejects import FORMULA_START, HEAD, read_rejects
from shopmind.data.store import Store

# (codec, the name ingestion is told (None: detected), byte-order mark written first)
ENCODINGS = (
    ("utf-8", None, b""),
    ("utf-8", None, b"\xef\xbb\xbf"),
    ("utf-16-le", None, b"\xff\xfe"),
    ("utf-16-be", None, b"\xfe\xff"),
    ("utf-16-le", None, b""),
    ("gb18030", "gb18030", b""),
    ("latin-1", "latin-1", b""),
)


# ---------------------------------------------------------------------------- writing the file
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _plain(text: str) -> str:
    return "".join(ch for ch in text if ch not in '",\n\r')


def _csv_line(cols: tuple[str, ...], rec: Rec) -> str:
    cells = [_cell(rec.values.get(c)) for c in cols]
    way = rec.break_line
    if way:  # one physical line, so that only it is rejected
        cells = [_plain(c) for c in cells]
    if way in ("stray_quote", "text_after_quote"):
        cells[1] = ('"' + cells[1]) if way == "stray_quote" else f'"{cells[1]}"x'
        return ",".join(cells) + "\n"
    if way == "extra_field":
        cells.append("EXTRA")
    elif way == "missing_field":
        cells.pop()
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _json_line(rng: random.Random, rec: Rec, nested: list[Rec] | None = None) -> str:
    if rec.break_line == "not_object":
        return rng.choice(("[1, 2]", "42", '"text"', "null", "true"))
    values = {
        k: (v.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(v, datetime) else v) for k, v in rec.values.items()
    }
    if nested is not None:
        keep = ("product_id", "quantity", "unit_price")
        values = {k: v for k, v in values.items() if k not in keep}
        values["items"] = [{k: r.values.get(k) for k in keep} for r in nested]
    line = json.dumps({k: v for k, v in values.items() if v is not None}, ensure_ascii=rng.random() < 0.3)
    return line[: len(line) // 2] if rec.break_line == "broken_json" else line


def _encode(text: str, codec: str, bad_bytes: bool) -> bytes:
    data = text.encode(codec)
    return data.replace(b"QQBADQQ", b"\xff\xfe\xc3") if bad_bytes else data


# ---------------------------------------------------------------------------- one case
def make_case(folder: Path, index: int, seed: int = 0, rows: tuple[int, int] = (3, 30)) -> Case:
    """Write the ``index``-th generated file under ``folder`` and return its truth."""
    rng = random.Random(f"{seed}-{index}")
    kind = rng.choice(("products", "products", "customers", "events", "orders"))
    fmt = rng.choice(("csv", "csv", "jsonl", "parquet"))
    codec, named, bom = rng.choice(ENCODINGS) if fmt != "parquet" else ("utf-8", None, b"")
    nested = kind == "orders" and fmt == "jsonl" and rng.random() < 0.5
    suffix = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet"}[fmt]
    case = Case(folder / f"f{index}-{kind}{suffix}", kind, fmt, named)
    cjk = codec in ("utf-8", "gb18030") or (
        codec.startswith("utf-16") and bom != b""
    )  # detection needs ASCII
    g = Gen(rng, case, codec, cjk)
    g.nested = nested
    groups = records(g, rng.randint(*rows))
    if fmt == "parquet":
        _write_parquet(g, groups)
    else:
        _write_text(g, groups, codec, bom, nested)
    case.rows_valid = sum(len(recs) for recs in groups if all(r.valid for r in recs))
    return case


def _write_text(g: Gen, groups: list[list[Rec]], codec: str, bom: bytes, nested: bool) -> None:
    case, cols = g.case, COLUMNS[g.kind]
    chunks = [bom, _encode(",".join(cols) + "\n" if g.fmt == "csv" else "", codec, False)]
    line = 2 if g.fmt == "csv" else 1
    for recs in groups:
        if g.rng.random() < 0.05:
            chunks.append(_encode("\n", codec, False))  # a blank line: skipped, still counted
            line += 1
        units = [(recs[0], _json_line(g.rng, recs[0], recs) + "\n")] if nested else [
            (r, _csv_line(cols, r) if g.fmt == "csv" else _json_line(g.rng, r) + "\n") for r in recs
        ]  # fmt: skip
        for rec, text in units:
            chunks.append(_encode(text, codec, rec.bad_bytes))
            if not all(r.valid for r in recs):
                case.bad.add(line)
            line += text.count("\n")
    case.path.write_bytes(b"".join(chunks))


def _write_parquet(g: Gen, groups: list[list[Rec]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    recs = [r for group in groups for r in group]
    cols = COLUMNS[g.kind] + (("blob",) if g.blob else ())
    table = {c: [r.values.get(c) for r in recs] for c in cols}
    if g.kind == "products":
        table["attributes"] = [None if v is None else json.dumps(v) for v in table["attributes"]]
    row = 1
    for group in groups:
        if not all(r.valid for r in group):
            g.case.bad.update(range(row, row + len(group)))
        row += len(group)
    pq.write_table(pa.table({c: pa.array(_column(values)) for c, values in table.items()}), g.case.path)


def _column(values: list[Any]) -> list[Any]:
    """One Parquet column of a single type: mixed scalars become text."""
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) > 1 and not kinds <= {int, float}:
        return [None if v is None else _cell(v) for v in values]
    return values


# ---------------------------------------------------------------------------- checking
def check_case(case: Case, report: Any) -> list[str]:
    """What is wrong with one ingestion of ``case`` (nothing: an empty list), from its report and rejects."""
    problems = []
    if report.rows_written != case.rows_valid:
        problems.append(f"{report.rows_written} rows written, {case.rows_valid} valid")
    columns, rows = read_rejects(report.rejects_path, 10**6, 10**8) if report.rejects_path else ([], [])
    if len(rows) != report.rows_rejected:
        problems.append(f"{len(rows)} rows in the rejects file, {report.rows_rejected} counted")
    where = columns.index("row" if case.fmt == "parquet" else "line") if columns else 0
    named = {int(r[where]) for r in rows}
    if named != case.bad:
        problems.append(f"rejects name {sorted(named - case.bad)} wrongly, miss {sorted(case.bad - named)}")
    for row in rows:
        for name, cell in zip(columns[len(HEAD[:2]) :], row[2:], strict=True):
            if cell[:1] in FORMULA_START and not _number(cell):
                problems.append(f"{name} {cell[:30]!r} would run as a formula")
    return problems


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def check_store(store: Store, cases: list[Case]) -> list[str]:
    """Whether the store holds exactly the valid rows of ``cases``, with their values."""
    problems = []
    for kind in ("products", "customers", "events", "orders"):
        want = {k: v for c in cases if c.kind == kind for k, v in c.expected.items()}
        df = store.frame(kind)
        key = ID[kind]
        mine = df[df[key].astype(str).str.match(r"F\d+-")].set_index(key) if len(df) else df
        got = set(mine.index) if len(df) else set()
        if got != set(want):
            problems.append(
                f"{kind}: stored {sorted(got - set(want))[:5]} wrongly, lost {sorted(set(want) - got)[:5]}"
            )
        if kind == "orders" and want:
            items = store.frame("order_items").groupby("order_id").size()
            mine = mine.assign(items=items.reindex(mine.index).to_numpy())
        for k in set(want) & got:
            for name, value in want[k].items():
                stored = mine.at[k, name]
                if stored != value and not (isinstance(value, float) and abs(stored - value) < 1e-6):
                    problems.append(f"{kind} {k}: {name} is {stored!r}, not {value!r}")
    return problems
