"""Ingestion: CSV / JSON Lines / Parquet files into the store.

Rows are read in batches, validated column by column (vectorised, so a million rows stay
fast), and upserted by id — one transaction per batch, so a process killed mid-file leaves
no half batch, and ingesting the same file twice changes nothing. An invalid row never stops
the valid ones, and neither does a line that cannot be read at all: each is reported with its
line (the physical line it starts on) and row number, the field and the reason, and written with
its original values to a rejects file when the caller names one (``rejects_path``, or a
``rejects_dir`` to put a timestamped file in; :mod:`.ingest_rejects`).

The columns of each kind and their rules come from the pydantic models in
:mod:`shopmind.data.schema` (:mod:`.ingest_specs`); reading, validating and writing live in
:mod:`.ingest_text` / :mod:`.ingest_read`, :mod:`.ingest_validate` / :mod:`.ingest_orders` and
:mod:`.ingest_write`; the run log in :mod:`.ingest_runs`.

Orders come flat (one row per line item, the order's own columns repeated, rows of one order
contiguous) or, in JSON Lines, nested (``items`` list); an order is written whole or rejected whole.
"""

from __future__ import annotations

import codecs
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from shopmind.data.ingest_formats import recognise
from shopmind.data.ingest_guess import guess_mapping
from shopmind.data.ingest_orders import check_orders, last_order_start
from shopmind.data.ingest_read import (
    BAD_CHARACTER,
    ERROR,
    ERROR_FIELD,
    FORMATS,
    RESERVED,
    ROW,
    Chunks,
    IngestError,
    bad_value,
    detect_format,
    explode_nested_orders,
    rows_frame,
)
from shopmind.data.ingest_rejects import Rejects
from shopmind.data.ingest_runs import finish_run, heartbeat, mark_interrupted, start_run
from shopmind.data.ingest_specs import CANONICAL_PATH, ID_KEY, KINDS, ORDER_HEADER, SPECS, FieldSpec
from shopmind.data.ingest_validate import flag_duplicates, validate
from shopmind.data.ingest_write import canonical_timeline, write
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
    "mark_interrupted",
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
    encoding: str | None = None  # the text encoding the file was read in (None for Parquet)
    run_id: str | None = None
    recognised: str | None = None  # e.g. "a Shopify product export" (read without mapping)
    rows_folded: int = 0  # rows of a recognised export folded into their product (variants, images)
    mapping: dict[str, str] = field(default_factory=dict)  # {field: column} applied (given or guessed)


@dataclass
class _Run:
    """One file's ingestion in progress."""

    store: Store
    kind: str
    path: Path
    fmt: str
    rejects: Rejects
    report: IngestReport
    log_row: dict[str, Any]
    seen: dict[Any, int] = field(default_factory=dict)  # ids met so far, with their row

    def counts(self) -> dict[str, Any]:
        r = self.report
        return {"rows_read": r.rows_read, "rows_written": r.rows_written, "rows_rejected": self.rejects.count}


def _check_encoding(encoding: str | None) -> None:
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise IngestError(
            f"unknown encoding {encoding!r}: use a name such as utf-8, utf-16, gb18030, latin-1"
        ) from exc


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
    encoding: str | None = None,
    progress: ProgressFn | None = None,
    stale_after: float = 600.0,
    guess: bool = False,
) -> IngestReport:
    """Validate and upsert the rows of ``path`` as ``kind`` (products, customers, events, orders, docs).

    ``mapping`` renames the file's columns: ``{"product_id": "sku"}`` reads column ``sku`` as
    ``product_id``. ``encoding`` names the text encoding (default: detected, see :mod:`.ingest_text`).
    Rejected rows go to ``rejects_path``, else to a new ``<kind>-<file>-<time>.csv`` in
    ``rejects_dir``; with neither, only the report names them. Runs of dead processes older than
    ``stale_after`` seconds are first marked interrupted (:func:`mark_interrupted`).
    Without a ``mapping``, a known platform export (Shopify, WooCommerce products;
    :mod:`.ingest_formats`) is recognised by its header and converted; otherwise ``guess`` maps the
    fields the file does not name exactly from their usual column names (:mod:`.ingest_guess`).
    Returns an :class:`IngestReport`; raises :class:`IngestError` when the file as a whole cannot
    be read (missing, empty, no header, required columns absent, an unknown encoding).
    """
    path = Path(path)
    _check_file(kind, path)
    fmt = detect_format(path, fmt)
    _check_encoding(encoding)
    mark_interrupted(store, stale_after)
    rejects = Rejects(_rejects_file(kind, path, rejects_path, Path(rejects_dir) if rejects_dir else None))
    report = IngestReport(kind=kind, source=str(path))
    run = _Run(store, kind, path, fmt, rejects, report, start_run(store, kind, path))
    report.run_id = run.log_row["run_id"]
    start = time.perf_counter()
    status = "failed"
    try:
        _ingest_batches(run, (dict(mapping or {}), guess), batch_size, encoding, progress)
        status = "done"
    finally:
        _finish(run, status, time.perf_counter() - start)
    return report


def _finish(run: _Run, status: str, seconds: float) -> None:
    """Close the rejects file, complete the report and log the run's end."""
    run.rejects.close()
    report = run.report
    report.seconds = seconds
    report.rows_rejected = run.rejects.count
    report.errors = run.rejects.first
    report.rejects_path = run.rejects.written_to
    finish_run(run.store, run.log_row, {**run.counts(), "rejects_path": report.rejects_path}, status)
    log.info(
        "ingested %s (%s): %d rows read, %d written, %d rejected in %.1fs",
        run.path,
        status,
        report.rows_read,
        report.rows_written,
        report.rows_rejected,
        report.seconds,
    )


def _adapter(
    run: _Run, columns: list[str], mapping: dict[str, str], guess: bool
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """How each batch's columns become the kind's: a recognised export's conversion, else renaming by
    the mapping (the given one, or the guessed one)."""
    export = None if mapping else recognise(run.kind, columns)
    if export is not None:
        run.report.recognised = export.label
        log.info("%s: recognised as %s", run.path, export.label)

        def convert(raw: pd.DataFrame) -> pd.DataFrame:
            out, folded = export.convert(raw)
            run.report.rows_folded += folded
            return out

        return convert
    if not mapping and guess:
        mapping = guess_mapping(run.kind, [s.name for s in SPECS[run.kind]], columns)
    run.report.mapping = dict(mapping)
    renames = {src: dst for dst, src in mapping.items()}
    return lambda raw: raw.rename(columns=renames)


def _ingest_batches(
    run: _Run,
    how: tuple[dict[str, str], bool],
    batch_size: int,
    encoding: str | None,
    progress: ProgressFn | None,
) -> None:
    total_bytes = run.path.stat().st_size
    chunks = Chunks(run.path, run.fmt, batch_size, encoding)
    pending: pd.DataFrame | None = None  # the last order of a batch waits for the rest of its lines
    checked_columns = False
    adapt: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    for raw, done in chunks:
        if adapt is None:
            adapt = _adapter(run, [str(c) for c in raw.columns], *how)
        folded = run.report.rows_folded
        raw = adapt(raw)
        run.report.rows_read += run.report.rows_folded - folded
        if run.kind == "orders" and run.fmt == "jsonl":
            raw = explode_nested_orders(raw)
        if not checked_columns:
            _check_columns(run, raw, chunks.encoding)
            checked_columns = True
        run.report.rows_read += len(raw)
        if run.kind == "orders":
            raw = raw if pending is None else pd.concat([pending, raw], ignore_index=True)
            cut = last_order_start(raw)
            raw, pending = raw.iloc[:cut].reset_index(drop=True), raw.iloc[cut:].reset_index(drop=True)
        _batch(run, raw)
        if progress:
            progress(done, total_bytes)
    if pending is not None and len(pending):
        _batch(run, pending)
    run.report.encoding = chunks.encoding


def _batch(run: _Run, raw: pd.DataFrame) -> None:
    """Validate one batch, report its rejects, write its valid rows in one transaction."""
    if not len(raw):
        return
    clean, chk = validate(run.kind, raw)
    flag_duplicates(run.kind, ID_KEY[run.kind], clean, raw, chk, run.seen)
    if run.kind == "orders":
        check_orders(raw, clean, chk, run.seen)
    bad = chk.bad
    run.rejects.add(raw, chk, bad, run.path.name)

    def log(written: int, conn: Connection) -> None:  # the run's counts commit with the batch they count
        run.report.rows_written += written
        heartbeat(run.store, run.log_row, run.counts(), conn)

    if not write(run.store, run.kind, clean[~bad][[s.name for s in SPECS[run.kind]]], log):
        heartbeat(run.store, run.log_row, run.counts())


def _check_columns(run: _Run, raw: pd.DataFrame, encoding: str | None) -> None:
    cols = [c for c in raw.columns if not c.startswith("__")]
    missing = [s.name for s in SPECS[run.kind] if s.required and s.name not in cols]
    if run.fmt == "jsonl" and len(cols) == 0:
        return  # every line broken: each is rejected with its own reason
    if missing:
        hint = " ".join(f"--map {m}=<column>" for m in missing)
        read_as = f" (read as {encoding}; if the names look garbled, name the encoding with --encoding)"
        raise IngestError(
            f"{run.path}: missing required column(s) {', '.join(missing)} for {run.kind}; the file has "
            f"{', '.join(cols) or 'no columns'}{read_as if encoding else ''}. Rename them or map them: {hint}"
        )
    known = {s.name for s in SPECS[run.kind]}
    run.report.ignored_columns = [c for c in cols if c not in known] if run.kind != "products" else []
    if run.report.ignored_columns:
        log.warning("%s: ignoring column(s) %s", run.path, ", ".join(run.report.ignored_columns))


def _record(r: Any) -> dict[str, Any]:
    if not isinstance(r, dict):
        return {ERROR: "each item must be an object", ERROR_FIELD: "(record)"}
    bad = next((k for k, v in r.items() if bad_value(k) or bad_value(v)), None)
    if bad is not None:  # named by its field (unless the field's name itself is the bad text)
        return {ERROR: BAD_CHARACTER, ERROR_FIELD: "(record)" if bad_value(bad) else str(bad)}
    return {k: v for k, v in r.items() if k not in RESERVED}


def ingest_records(
    store: Store, kind: str, records: list[dict[str, Any]]
) -> tuple[int, list[dict[str, Any]]]:
    """Validate and upsert in-memory records (an API batch) in one transaction.

    Uses the same rules as files (an order is written whole or rejected whole); no rejects file is
    written. Returns the number of rows written and the rejected rows as
    ``{"row": n, "field": …, "reason": …}`` (1-based positions in ``records``).
    """
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if not records:
        return 0, []
    raw = rows_frame([{**_record(r), ROW: i} for i, r in enumerate(records, start=1)])
    if kind == "orders":
        raw = explode_nested_orders(raw)
    clean, chk = validate(kind, raw)  # a record without a required field is rejected alone
    flag_duplicates(kind, ID_KEY[kind], clean, raw, chk, {})
    if kind == "orders":
        check_orders(raw, clean, chk, {})
    bad = chk.bad
    rejected = [
        {"row": int(r), "field": f, "reason": why}
        for r, f, why in zip(raw[ROW].to_numpy()[bad], chk.field[bad], chk.reason[bad], strict=True)
    ]
    return write(store, kind, clean[~bad][[s.name for s in SPECS[kind]]]), rejected
