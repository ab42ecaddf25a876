"""Ingestion: CSV / JSON Lines / Parquet files into the store.

Rows are read in batches, validated column by column (vectorised, so a million rows stay
fast), and upserted by id — one transaction per batch, so a process killed mid-file leaves
no half batch, and ingesting the same file twice changes nothing. An invalid row never stops
the valid ones: it is reported with its row number (1-based, header not counted), the field
and the reason, and written with its original values to a rejects CSV when the caller names
one (``rejects_path``, or a ``rejects_dir`` to put a timestamped file in).

The columns of each kind and their rules come from the pydantic models in
:mod:`shopmind.data.schema` (:mod:`.ingest_specs`); reading, validating and writing live in
:mod:`.ingest_read`, :mod:`.ingest_validate` and :mod:`.ingest_write`.

Orders come flat (one row per line item, the order's own columns repeated, rows of one order
contiguous) or, in JSON Lines, nested (``items`` and optionally ``timeline`` lists).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.ingest_read import (
    FORMATS,
    IngestError,
    detect_format,
    explode_nested_orders,
    read_chunks,
    rows_frame,
)
from shopmind.data.ingest_specs import CANONICAL_PATH, ID_KEY, KINDS, ORDER_HEADER, SPECS, FieldSpec
from shopmind.data.ingest_validate import flag_duplicates, validate
from shopmind.data.ingest_write import Rejects, canonical_timeline, write
from shopmind.data.store import Store

__all__ = [
    "CANONICAL_PATH",
    "DEFAULT_BATCH_SIZE",
    "FORMATS",
    "ID_KEY",
    "KINDS",
    "ORDER_HEADER",
    "SPECS",
    "FieldSpec",
    "IngestError",
    "IngestReport",
    "canonical_timeline",
    "detect_format",
    "ingest_file",
    "ingest_records",
    "read_chunks",
    "validate",
]

log = logging.getLogger(__name__)

# Rows per transaction unless the caller says otherwise.
DEFAULT_BATCH_SIZE = 20_000
ProgressFn = Callable[[int, int], None]  # (bytes or rows done, total) -> None


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


def _check_file(kind: str, path: Path) -> None:
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: the file is empty (0 bytes); expected a header row and data rows")


def _rejects_file(
    kind: str, path: Path, rejects_path: str | Path | None, rejects_dir: Path | None
) -> Path | None:
    if rejects_path:
        return Path(rejects_path)
    if rejects_dir is None:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return Path(rejects_dir) / f"{kind}-{path.stem}-{stamp}.csv"


def ingest_file(
    store: Store,
    kind: str,
    path: str | Path,
    *,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rejects_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
    encoding: str = "utf-8-sig",
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Validate and upsert the rows of ``path`` as ``kind`` (products, customers, events, orders, docs).

    ``mapping`` renames the file's columns: ``{"product_id": "sku"}`` reads column ``sku`` as
    ``product_id``. Rejected rows go to ``rejects_path``, else to a new
    ``<kind>-<file>-<time>.csv`` in ``rejects_dir``; with neither, only the report names them.
    Returns an :class:`IngestReport`; raises :class:`IngestError` when the file as a whole cannot
    be read (missing, empty, required columns absent).
    """
    path = Path(path)
    _check_file(kind, path)
    fmt = detect_format(path, fmt)
    rejects = Rejects(_rejects_file(kind, path, rejects_path, Path(rejects_dir) if rejects_dir else None))
    report = IngestReport(kind=kind, source=str(path))
    run = _start_run(store, kind, path)
    start = time.perf_counter()
    total_bytes = path.stat().st_size
    status = "failed"
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
    finally:
        rejects.close()
        report.seconds = time.perf_counter() - start
        report.rows_rejected = rejects.count
        report.errors = rejects.first
        report.rejects_path = rejects.written_to
        _finish_run(store, run, report, status)
    log.info(
        "ingested %s: %d rows read, %d written, %d rejected in %.1fs",
        path,
        report.rows_read,
        report.rows_written,
        report.rows_rejected,
        report.seconds,
    )
    return report


def _start_run(store: Store, kind: str, path: Path) -> dict[str, Any]:
    """Log the run in the store as running (``GET /admin/ingest-runs``)."""
    run = {
        "run_id": secrets.token_hex(8),
        "kind": kind,
        "source": str(path),
        "started_at": datetime.now(UTC),
        "status": "running",
    }
    store.record_ingest_run(run)
    return run


def _finish_run(store: Store, run: dict[str, Any], report: IngestReport, status: str) -> None:
    run.update(
        finished_at=datetime.now(UTC),
        rows_read=report.rows_read,
        rows_written=report.rows_written,
        rows_rejected=report.rows_rejected,
        rejects_path=report.rejects_path,
        status=status,
    )
    store.record_ingest_run(run)


def _ingest_batches(
    store: Store,
    kind: str,
    path: Path,
    fmt: str,
    mapping: dict[str, str],
    batch_size: int,
    encoding: str,
    rejects: Rejects,
    report: IngestReport,
    tick: Callable[[int], None],
) -> None:
    columns = [s.name for s in SPECS[kind]]
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
            raw = explode_nested_orders(raw)
        if not checked_columns:
            _check_columns(path, kind, raw, report, fmt)
            checked_columns = True
        report.rows_read += len(raw)
        clean, chk = validate(kind, raw)
        flag_duplicates(kind, ID_KEY[kind], clean, raw, chk, seen)
        bad = chk.bad
        rejects.add(raw, chk, bad, path.name)
        good = clean[~bad][columns]
        if kind == "orders":
            good, carry = _hold_last_order(good, carry)
        report.rows_written += write(store, kind, good)
        tick(done)
    if carry is not None and len(carry):
        report.rows_written += write(store, kind, carry)


def _hold_last_order(
    good: pd.DataFrame, carry: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The batch's lines to write now, and its last order's lines, held back for the next batch."""
    good = good if carry is None else pd.concat([carry, good])
    last = good["order_id"].iloc[-1] if len(good) else None
    carry = good[good["order_id"] == last] if last is not None else None
    return good[good["order_id"] != last], carry


def _check_columns(path: Path, kind: str, raw: pd.DataFrame, report: IngestReport, fmt: str) -> None:
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


def ingest_records(
    store: Store, kind: str, records: list[dict[str, Any]]
) -> tuple[int, list[dict[str, Any]]]:
    """Validate and upsert in-memory records (an API batch) in one transaction.

    Uses the same rules as files; no rejects file is written. Returns the number of rows written
    and the rejected rows as ``{"row": n, "field": …, "reason": …}`` (1-based positions in ``records``).
    """
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if not records:
        return 0, []
    raw = rows_frame(
        [r if isinstance(r, dict) else {"__error__": "each item must be an object"} for r in records]
    )
    raw.insert(0, "__row__", np.arange(1, len(raw) + 1))
    if kind == "orders":
        raw = explode_nested_orders(raw)
    missing = [s.name for s in SPECS[kind] if s.required and s.name not in raw.columns]
    if missing:
        raise IngestError(f"every {kind[:-1]} needs the field(s) {', '.join(missing)}")
    clean, chk = validate(kind, raw)
    flag_duplicates(kind, ID_KEY[kind], clean, raw, chk, {})
    bad = chk.bad
    rejected = [
        {"row": int(r), "field": f, "reason": why}
        for r, f, why in zip(raw["__row__"].to_numpy()[bad], chk.field[bad], chk.reason[bad], strict=True)
    ]
    return write(store, kind, clean[~bad][[s.name for s in SPECS[kind]]]), rejected
