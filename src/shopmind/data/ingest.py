"""Ingestion: CSV / JSON Lines / Parquet files into the store.

Rows are read in batches, validated column by column (vectorised, so a million rows stay
fast), and upserted by id — one transaction per batch, so a process killed mid-file leaves
no half batch, and ingesting the same file twice changes nothing. An invalid row never stops
the valid ones: it is reported with its row number (1-based, header not counted), the field
and the reason, and written with its original values to a rejects CSV.

Orders come flat (one row per line item, the order's own columns repeated, rows of one order
contiguous) or, in JSON Lines, nested (``items`` and optionally ``timeline`` lists).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.schema import ID_PATTERN, EventType, Language, OrderStatus
from shopmind.data.store import Store, frame_records

log = logging.getLogger(__name__)

KINDS = ("products", "customers", "events", "orders", "docs")
FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
ProgressFn = Callable[[int, int], None]  # (bytes or rows done, total) -> None


class IngestError(ValueError):
    """The file as a whole cannot be ingested (empty, unreadable, required columns missing)."""


@dataclass(frozen=True)
class Field:
    """How one column is read: its type, whether it must be present, and its default."""

    name: str
    kind: str  # id | str | float | int | datetime | json | enum
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    min_value: float | None = None


_STATUSES = tuple(s.value for s in OrderStatus)
SPECS: dict[str, tuple[Field, ...]] = {
    "products": (
        Field("product_id", "id", True),
        Field("title", "str", True),
        Field("description", "str", default=""),
        Field("category", "str", default=""),
        Field("brand", "str", default=""),
        Field("price", "float", True, min_value=0),
        Field("currency", "currency", default="CNY"),
        Field("attributes", "json", default=None),
        Field("stock", "int", default=0, min_value=0),
        Field("image_url", "str", default=""),
        Field("lang", "enum", default="en", choices=tuple(x.value for x in Language)),
        Field("created_at", "datetime"),
    ),
    "customers": (
        Field("customer_id", "id", True),
        Field("name", "str", default=""),
        Field("email", "str", default=""),
        Field("country", "str", default=""),
        Field("city", "str", default=""),
        Field("lang", "enum", default="en", choices=tuple(x.value for x in Language)),
        Field("signup_at", "datetime"),
    ),
    "events": (
        Field("event_id", "optid"),
        Field("customer_id", "optid"),
        Field("session_id", "str", default=""),
        Field("type", "enum", True, choices=tuple(x.value for x in EventType)),
        Field("product_id", "optid"),
        Field("query", "optstr"),
        Field("value", "float"),
        Field("ts", "datetime", True),
    ),
    "orders": (
        Field("order_id", "id", True),
        Field("customer_id", "id", True),
        Field("status", "enum", default="placed", choices=_STATUSES),
        Field("placed_at", "datetime", True),
        Field("currency", "currency", default="CNY"),
        Field("total", "float", min_value=0),
        Field("shipping_address", "str", default=""),
        Field("tracking_number", "str", default=""),
        Field("carrier", "str", default=""),
        Field("line_no", "int", min_value=1),
        Field("product_id", "id", True),
        Field("quantity", "int", default=1, min_value=1),
        Field("unit_price", "float", True, min_value=0),
    ),
    "docs": (
        Field("doc_id", "id", True),
        Field("kind", "enum", default="faq", choices=("faq", "policy")),
        Field("topic", "str", default=""),
        Field("lang", "enum", default="en", choices=tuple(x.value for x in Language)),
        Field("title", "str", True),
        Field("body", "str", True),
        Field("updated_at", "datetime"),
    ),
}
ID_KEY = {
    "products": "product_id",
    "customers": "customer_id",
    "events": "event_id",
    "orders": "order_id",
    "docs": "doc_id",
}
ORDER_HEADER = (
    "order_id",
    "customer_id",
    "status",
    "placed_at",
    "currency",
    "total",
    "shipping_address",
    "tracking_number",
    "carrier",
)
# The path an imported order without a timeline is taken to have followed to its status.
CANONICAL_PATH: dict[str, tuple[str, ...]] = {
    "placed": ("placed",),
    "paid": ("placed", "paid"),
    "shipped": ("placed", "paid", "shipped"),
    "delivered": ("placed", "paid", "shipped", "delivered"),
    "cancelled": ("placed", "cancelled"),
    "refund_requested": ("placed", "paid", "shipped", "delivered", "refund_requested"),
    "refunded": ("placed", "paid", "shipped", "delivered", "refund_requested", "refunded"),
}


@dataclass
class IngestReport:
    """What one ingestion did; ``errors`` holds the first rejects as readable lines."""

    kind: str
    source: str
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    rejects_path: str | None = None
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading
def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in ("csv", "jsonl", "parquet"):
            raise IngestError(f"unknown format {fmt!r}: use csv, jsonl or parquet")
        return fmt
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in FORMATS:
        return FORMATS[suffixes[-1]]
    raise IngestError(f"{path}: cannot tell the format from the name; pass --format csv|jsonl|parquet")


def _csv_chunks(path: Path, size: int, encoding: str) -> Iterator[tuple[pd.DataFrame, int]]:
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        try:
            reader = pd.read_csv(
                fh,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                chunksize=size,
                skipinitialspace=False,
                on_bad_lines="error",
            )
            for chunk in reader:
                yield chunk, fh.buffer.tell() if hasattr(fh, "buffer") else 0
        except pd.errors.EmptyDataError as exc:
            raise IngestError(f"{path}: no header row (the file has no columns)") from exc
        except pd.errors.ParserError as exc:
            raise IngestError(f"{path}: not a readable CSV file: {exc}") from exc


def _jsonl_chunks(path: Path, size: int, encoding: str) -> Iterator[tuple[pd.DataFrame, int]]:
    rows: list[dict[str, Any]] = []
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.decode(encoding, errors="replace").strip()
            if line:
                try:
                    obj = json.loads(line)
                    if not isinstance(obj, dict):
                        raise ValueError("a line must hold one JSON object")
                except ValueError as exc:
                    obj = {"__error__": f"not a JSON object: {exc}"}
                rows.append(obj)
            else:
                rows.append({"__skip__": True})
            if len(rows) >= size:
                yield _rows_frame(rows), fh.tell()
                rows = []
        if rows:
            yield _rows_frame(rows), fh.tell()


def _rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows)
    return df.astype(object).where(df.notna(), None) if len(df.columns) else df


def _parquet_chunks(path: Path, size: int) -> Iterator[tuple[pd.DataFrame, int]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise IngestError(f"{path}: not a readable Parquet file: {exc}") from exc
    total = pf.metadata.num_rows or 1
    done = 0
    for batch in pf.iter_batches(batch_size=size):
        done += batch.num_rows
        yield batch.to_pandas(), int(path.stat().st_size * done / total)


def read_chunks(
    path: Path, fmt: str, size: int, encoding: str = "utf-8-sig"
) -> Iterator[tuple[pd.DataFrame, int]]:
    """Batches of raw rows as frames, with the bytes read so far (for progress)."""
    if fmt == "csv":
        return _csv_chunks(path, size, encoding)
    if fmt == "jsonl":
        return _jsonl_chunks(path, size, encoding)
    return _parquet_chunks(path, size)


# --------------------------------------------------------------------------- validation
class _Checker:
    """Collects the first problem of each row of a batch."""

    def __init__(self, n: int) -> None:
        self.field = np.full(n, None, dtype=object)
        self.reason = np.full(n, None, dtype=object)

    def flag(self, mask: np.ndarray, name: str, reason: str | np.ndarray) -> None:
        new = np.asarray(mask, dtype=bool) & pd.isna(self.reason)
        self.field[new] = name
        self.reason[new] = reason[new] if isinstance(reason, np.ndarray) else reason

    @property
    def bad(self) -> np.ndarray:
        return pd.notna(self.reason)


def _blank(s: pd.Series) -> np.ndarray:
    return (s.isna() | (s.astype(str).str.strip() == "")).to_numpy()


def _coerce(spec: Field, raw: pd.Series, chk: _Checker) -> pd.Series:
    blank = _blank(raw)
    if spec.required:
        chk.flag(blank, spec.name, f"{spec.name} is required")
    if spec.kind in ("id", "optid", "str", "optstr", "enum", "currency"):
        values = raw.to_numpy(dtype=object)
        text = [None if b else str(v).strip() for v, b in zip(values, blank, strict=True)]
        if spec.kind == "enum":
            text = [None if v is None else v.lower() for v in text]
        elif spec.kind == "currency":
            text = [None if v is None else v.upper() for v in text]
        s = pd.Series(np.array(text, dtype=object), index=raw.index, dtype=object)
        if spec.kind in ("id", "optid"):
            bad = ~blank & ~s.fillna("x").astype(str).str.fullmatch(ID_PATTERN).to_numpy(dtype=bool)
            chk.flag(
                bad,
                spec.name,
                f"{spec.name} must be 1-128 letters, digits or _.:@/- starting with a letter or digit",
            )
        elif spec.kind == "enum":
            bad = ~blank & ~s.isin(spec.choices).to_numpy()
            chk.flag(bad, spec.name, f"{spec.name} must be one of {', '.join(spec.choices)}")
        elif spec.kind == "currency":
            bad = ~blank & ~s.fillna("XXX").astype(str).str.fullmatch(r"[A-Z]{3}").to_numpy(dtype=bool)
            chk.flag(bad, spec.name, f"{spec.name} must be a 3-letter ISO code such as CNY, USD, EUR")
        if spec.default is not None:
            s = s.where(~blank, spec.default)
        return s
    if spec.kind in ("float", "int"):
        num = pd.to_numeric(raw.where(~blank, None), errors="coerce")
        bad = ~blank & (num.isna().to_numpy() | ~np.isfinite(num.fillna(0).to_numpy(dtype=float)))
        chk.flag(bad, spec.name, f"{spec.name} must be a number")
        if spec.kind == "int":
            frac = ~blank & ~bad & (num.fillna(0) % 1 != 0).to_numpy()
            chk.flag(frac, spec.name, f"{spec.name} must be a whole number")
        if spec.min_value is not None:
            low = ~blank & ~bad & (num.fillna(spec.min_value) < spec.min_value).to_numpy()
            chk.flag(low, spec.name, f"{spec.name} must be at least {spec.min_value:g}")
        if spec.default is not None:
            num = num.where(~blank, spec.default)
        return num
    if spec.kind == "datetime":
        text = raw.where(~blank, None)
        if pd.api.types.is_numeric_dtype(raw.dtype):
            ts = pd.to_datetime(text, unit="s", utc=True, errors="coerce")
        elif isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw.dtype):
            ts = pd.to_datetime(text, utc=True)
        else:
            ts = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
            retry = ts.isna().to_numpy() & ~blank
            if retry.any():  # other layouts (e.g. "12/1/2010 8:26"): parse the leftovers one by one
                ts[retry] = pd.to_datetime(text[retry], utc=True, errors="coerce", format="mixed")
        chk.flag(
            ~blank & ts.isna().to_numpy(),
            spec.name,
            f"{spec.name} must be a date/time such as 2025-03-01T12:30:00Z",
        )
        return ts
    if spec.kind == "json":
        out = np.full(len(raw), None, dtype=object)
        reasons = np.full(len(raw), None, dtype=object)
        for i, v in enumerate(raw.to_numpy()):
            if isinstance(v, dict):
                out[i] = v
            elif v is None or (isinstance(v, str) and not v.strip()):
                out[i] = {}
            else:
                try:
                    parsed = json.loads(v) if isinstance(v, str) else None
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    out[i] = parsed
                else:
                    reasons[i] = f'{spec.name} must be a JSON object such as {{"colour": "red"}}'
        chk.flag(pd.notna(reasons), spec.name, reasons)
        return pd.Series(out, index=raw.index, dtype=object)
    raise AssertionError(spec.kind)


def _event_ids(df: pd.DataFrame) -> pd.Series:
    """A deterministic 128-bit id for events without one, so re-ingesting a file is idempotent."""
    cols = ("customer_id", "session_id", "type", "product_id", "query", "value", "ts")
    parts = [df[c].astype(object).astype(str) for c in cols]
    key = parts[0].str.cat(parts[1:], sep="|", na_rep="")
    lo = pd.util.hash_pandas_object(key, index=False, hash_key="shopmind-events1").to_numpy()
    hi = pd.util.hash_pandas_object(key, index=False, hash_key="shopmind-events2").to_numpy()
    ids = np.char.add(
        np.char.add("ev-", np.char.zfill(np.char.mod("%x", hi), 16)), np.char.zfill(np.char.mod("%x", lo), 16)
    )
    return pd.Series(ids.astype(object), index=df.index)


def validate(kind: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, _Checker]:
    """Coerce a batch of raw rows to the kind's columns; the checker holds each bad row's reason."""
    chk = _Checker(len(raw))
    if "__error__" in raw.columns:
        err = raw["__error__"].to_numpy(dtype=object)
        chk.flag(pd.notna(err), "(line)", err)
    out = pd.DataFrame(index=raw.index)
    for spec in SPECS[kind]:
        col = raw[spec.name] if spec.name in raw.columns else pd.Series([None] * len(raw), index=raw.index)
        out[spec.name] = _coerce(spec, col, chk)
    replaced = np.zeros(len(raw), dtype=bool)
    for c in raw.columns:
        if not c.startswith("__") and (raw[c].dtype == object or pd.api.types.is_string_dtype(raw[c].dtype)):
            text = raw[c].astype(object)
            replaced |= text.map(lambda v: isinstance(v, str) and "\ufffd" in v).to_numpy(dtype=bool)
    chk.flag(replaced, "(encoding)", "the row holds bytes that are not valid in the file's encoding")
    if kind == "products":
        _fold_extra_attributes(raw, out)
    if kind == "events":
        _check_event_subjects(out, chk)
        missing = out["event_id"].isna()
        if missing.any():
            out.loc[missing, "event_id"] = _event_ids(out[missing])
    return out, chk


def _fold_extra_attributes(raw: pd.DataFrame, out: pd.DataFrame) -> None:
    """Columns of a product file that are not product fields become its attributes."""
    known = {s.name for s in SPECS["products"]}
    extra = [c for c in raw.columns if c not in known and not c.startswith("__")]
    if not extra:
        return
    attrs = out["attributes"].to_numpy(dtype=object).copy()
    for c in extra:
        for i, v in enumerate(raw[c].to_numpy(dtype=object)):
            if v is not None and v == v and v != "" and attrs[i] is not None:
                attrs[i] = {**attrs[i], c: v.item() if isinstance(v, np.generic) else v}
    out["attributes"] = attrs


def _check_event_subjects(out: pd.DataFrame, chk: _Checker) -> None:
    is_search = (out["type"] == "search").to_numpy()
    chk.flag(is_search & out["query"].isna().to_numpy(), "query", "a search event needs a query")
    chk.flag(
        ~is_search & out["product_id"].isna().to_numpy() & out["type"].notna().to_numpy(),
        "product_id",
        "this event type needs a product_id",
    )
    rating = (out["type"] == "rating").to_numpy()
    v = out["value"].to_numpy(dtype=float, na_value=np.nan)
    chk.flag(rating & ~((v >= 1) & (v <= 5)), "value", "a rating needs a value between 1 and 5")


# --------------------------------------------------------------------------- writing
def _order_tables(df: pd.DataFrame) -> tuple[list[dict], list[dict], list[dict]]:
    """Flat order lines → order rows, item rows and timeline rows."""
    df = df.copy()
    df["_pos"] = df.groupby("order_id", sort=False).cumcount() + 1
    df["line_no"] = df["line_no"].fillna(df["_pos"]).astype(int)
    df["quantity"] = df["quantity"].astype(int)
    heads = df.groupby("order_id", sort=False).first().reset_index()
    sums = (df["quantity"] * df["unit_price"]).groupby(df["order_id"], sort=False).sum()
    heads["total"] = heads["total"].fillna(heads["order_id"].map(sums)).round(2)
    orders = frame_records(heads[list(ORDER_HEADER)])
    items = frame_records(df[["order_id", "line_no", "product_id", "quantity", "unit_price"]])
    return orders, items, frame_records(canonical_timeline(heads))


def canonical_timeline(orders: pd.DataFrame) -> pd.DataFrame:
    """The status timeline of imported orders that come without one: the life cycle's path to each
    order's status (:data:`CANONICAL_PATH`), every step stamped at ``placed_at`` with note "imported"."""
    steps = orders["status"].map(CANONICAL_PATH)
    out = pd.DataFrame({"order_id": orders["order_id"], "status": steps, "at": orders["placed_at"]})
    out = out.explode("status", ignore_index=True)
    out.insert(1, "seq", out.groupby("order_id", sort=False).cumcount() + 1)
    out["note"] = "imported"
    return out


def _explode_nested_orders(raw: pd.DataFrame) -> pd.DataFrame:
    """JSON Lines orders with an ``items`` list → one row per item (the order's row number kept)."""
    if "items" not in raw.columns:
        return raw
    rows = []
    for rownum, rec in zip(raw["__row__"], raw.to_dict("records"), strict=True):
        items = rec.pop("items", None)
        rec.pop("timeline", None)
        if isinstance(items, list) and items:
            for item in items:
                rows.append(
                    {
                        **rec,
                        **(item if isinstance(item, dict) else {"__error__": "an item must be an object"}),
                        "__row__": rownum,
                    }
                )
        else:
            rows.append(
                {
                    **rec,
                    "__error__": rec.get("__error__") or "an order needs a non-empty items list",
                    "__row__": rownum,
                }
            )
    return _rows_frame(rows)


class _Rejects:
    """The rejects CSV: row, field, reason, then the row's original columns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.first: list[str] = []
        self._fh: io.TextIOWrapper | None = None
        self._writer: Any = None
        self._cols: list[str] = []

    def add(self, raw: pd.DataFrame, chk: _Checker, bad: np.ndarray, source: str) -> None:
        if not bad.any():
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", newline="", encoding="utf-8")
            self._cols = [c for c in raw.columns if not c.startswith("__")]
            self._writer = csv.writer(self._fh)
            self._writer.writerow(["row", "field", "reason", *self._cols])
        rows = raw["__row__"].to_numpy()[bad]
        fields, reasons = chk.field[bad], chk.reason[bad]
        values = raw.reindex(columns=self._cols).to_numpy(dtype=object)[bad]
        for r, f, why, vals in zip(rows, fields, reasons, values, strict=True):
            self._writer.writerow([r, f, why, *["" if v is None else v for v in vals]])
            if len(self.first) < 20:
                self.first.append(f"{source}: row {r}: {f}: {why}")
        self.count += int(bad.sum())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def ingest_file(
    store: Store,
    kind: str,
    path: str | Path,
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    batch_size: int | None = None,
    rejects_path: str | Path | None = None,
    encoding: str = "utf-8-sig",
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Validate and upsert the rows of ``path`` as ``kind`` (products, customers, events, orders, docs).

    ``mapping`` renames the file's columns: ``{"product_id": "sku"}`` reads column ``sku`` as
    ``product_id``. Returns an :class:`IngestReport`; raises :class:`IngestError` when the file as a
    whole cannot be read (missing, empty, required columns absent).
    """
    from shopmind.config import get_settings

    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: the file is empty (0 bytes); expected a header row and data rows")
    settings = get_settings()
    fmt = detect_format(path, fmt)
    batch_size = batch_size or settings.ingest_batch_size
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    rejects = _Rejects(
        Path(rejects_path)
        if rejects_path
        else settings.var_dir / "rejects" / f"{kind}-{path.stem}-{stamp}.csv"
    )
    report = IngestReport(kind=kind, source=str(path))
    run = {
        "run_id": secrets.token_hex(8),
        "kind": kind,
        "source": str(path),
        "started_at": datetime.now(UTC),
        "status": "running",
    }
    store.record_ingest_run(run)
    start = time.perf_counter()
    total_bytes = path.stat().st_size
    try:
        _ingest_batches(
            store,
            kind,
            path,
            fmt,
            dict(mapping or {}),
            batch_size,
            encoding,
            rejects,
            report,
            lambda done: progress(done, total_bytes) if progress else None,
        )
        status = "done"
    except BaseException:
        status = "failed"
        raise
    finally:
        rejects.close()
        report.seconds = time.perf_counter() - start
        report.rows_rejected = rejects.count
        report.errors = rejects.first
        report.rejects_path = str(rejects.path) if rejects.count else None
        run.update(
            finished_at=datetime.now(UTC),
            rows_read=report.rows_read,
            rows_written=report.rows_written,
            rows_rejected=report.rows_rejected,
            rejects_path=report.rejects_path,
            status=status,
        )
        store.record_ingest_run(run)
    log.info(
        "ingested %s: %d rows read, %d written, %d rejected in %.1fs",
        path,
        report.rows_read,
        report.rows_written,
        report.rows_rejected,
        report.seconds,
    )
    return report


def _ingest_batches(
    store: Store,
    kind: str,
    path: Path,
    fmt: str,
    mapping: dict[str, str],
    batch_size: int,
    encoding: str,
    rejects: _Rejects,
    report: IngestReport,
    tick: Callable[[int], None],
) -> None:
    specs = SPECS[kind]
    key = ID_KEY[kind]
    seen: dict[Any, int] = {}
    carry: pd.DataFrame | None = None  # the last order of a batch waits for its remaining lines
    rownum = 0
    checked_columns = False
    for raw, done in read_chunks(path, fmt, batch_size, encoding):
        raw = raw.rename(columns={src: dst for dst, src in mapping.items()})
        raw.insert(0, "__row__", np.arange(rownum + 1, rownum + len(raw) + 1))
        rownum += len(raw)
        if "__skip__" in raw.columns:
            raw = raw[raw["__skip__"].isna()].drop(columns="__skip__")
        if kind == "orders" and fmt == "jsonl":
            raw = _explode_nested_orders(raw)
        if not checked_columns:
            _check_columns(path, kind, raw, mapping, report, fmt)
            checked_columns = True
        report.rows_read += len(raw)
        clean, chk = validate(kind, raw)
        _flag_duplicates(kind, key, clean, raw, chk, seen)
        bad = chk.bad
        rejects.add(raw, chk, bad, path.name)
        good = clean[~bad][[s.name for s in specs]]
        if kind == "orders":
            good = good if carry is None else pd.concat([carry, good])
            last = good["order_id"].iloc[-1] if len(good) else None
            carry = good[good["order_id"] == last] if last is not None else None
            good = good[good["order_id"] != last]
        _write(store, kind, good, report)
        tick(done)
    if carry is not None and len(carry):
        _write(store, kind, carry, report)


def _check_columns(
    path: Path, kind: str, raw: pd.DataFrame, mapping: dict[str, str], report: IngestReport, fmt: str
) -> None:
    cols = [c for c in raw.columns if not c.startswith("__")]
    missing = [s.name for s in SPECS[kind] if s.required and s.name not in cols]
    if fmt == "jsonl" and len(cols) == 0:
        return  # every line broken: each is rejected with its own reason
    if missing:
        hint = " ".join(f"--map {m}=<column>" for m in missing)
        raise IngestError(
            f"{path}: missing required column(s) {', '.join(missing)} for {kind}; the file has "
            f"{', '.join(cols) or 'no columns'}. Rename them or map them: {hint}"
        )
    known = {s.name for s in SPECS[kind]}
    report.ignored_columns = [c for c in cols if c not in known] if kind != "products" else []
    if report.ignored_columns:
        log.warning("%s: ignoring column(s) %s", path, ", ".join(report.ignored_columns))


def _flag_duplicates(
    kind: str, key: str, clean: pd.DataFrame, raw: pd.DataFrame, chk: _Checker, seen: dict[Any, int]
) -> None:
    """A repeated id in one file is rejected (the first occurrence wins, so no row is silently lost)."""
    if kind == "orders":
        ids = list(zip(clean["order_id"], clean["line_no"].fillna(-1), clean["product_id"], strict=True))
    else:
        ids = clean[key].tolist()
    rows = raw["__row__"].to_numpy()
    bad = chk.bad
    dup = np.zeros(len(ids), dtype=bool)
    reasons = np.full(len(ids), None, dtype=object)
    last_order = None
    for i, k in enumerate(ids):
        if bad[i] or k is None:
            continue
        if kind == "orders":
            oid = k[0]
            if oid != last_order and oid in seen:
                dup[i], reasons[i] = (
                    True,
                    f"order {oid} appeared before at row {seen[oid]}: rows of one order must be contiguous",
                )
                continue
            if oid != last_order:
                seen[oid] = int(rows[i])
                last_order = oid
            k = (k[0], k[1]) if k[1] != -1 else None
            if k is None:
                continue
        if k in seen:
            dup[i], reasons[i] = True, f"duplicate {key} (first at row {seen[k]})"
        else:
            seen[k] = int(rows[i])
    chk.flag(dup, key, reasons)


def _write(store: Store, kind: str, good: pd.DataFrame, report: IngestReport) -> None:
    if not len(good):
        return
    with store.begin() as conn:  # one transaction per batch
        if kind == "orders":
            orders, items, timeline = _order_tables(good)
            store.upsert("orders", orders, conn)
            ids = [o["order_id"] for o in orders]
            store.replace_children("order_items", "order_id", ids, items, conn)
            store.replace_children("order_status", "order_id", ids, timeline, conn)
            report.rows_written += len(items)
        else:
            report.rows_written += store.upsert_frame(kind, good, conn)


def ingest_records(
    store: Store, kind: str, records: list[dict[str, Any]]
) -> tuple[int, list[dict[str, Any]]]:
    """Validate and upsert in-memory records (an API batch) in one transaction.

    Uses the same rules as files. Returns the number of rows written and the rejected rows as
    ``{"row": n, "field": …, "reason": …}`` (1-based positions in ``records``).
    """
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if not records:
        return 0, []
    raw = _rows_frame(
        [r if isinstance(r, dict) else {"__error__": "each item must be an object"} for r in records]
    )
    raw.insert(0, "__row__", np.arange(1, len(raw) + 1))
    if kind == "orders":
        raw = _explode_nested_orders(raw)
    missing = [s.name for s in SPECS[kind] if s.required and s.name not in raw.columns]
    if missing:
        raise IngestError(f"every {kind[:-1]} needs the field(s) {', '.join(missing)}")
    clean, chk = validate(kind, raw)
    _flag_duplicates(kind, ID_KEY[kind], clean, raw, chk, {})
    bad = chk.bad
    rejected = [
        {"row": int(r), "field": f, "reason": why}
        for r, f, why in zip(raw["__row__"].to_numpy()[bad], chk.field[bad], chk.reason[bad], strict=True)
    ]
    report = IngestReport(kind=kind, source="api")
    _write(store, kind, clean[~bad][[s.name for s in SPECS[kind]]], report)
    return report.rows_written, rejected
