"""Files uploaded for import (the console's Import page): kept under ``<var_dir>/uploads`` with a
generated name, previewed with their guessed mapping, then ingested like any file.

An upload is ``<id>.<format>`` plus ``<id>.json`` (its kind, format, size, the name the client gave
— shown, never used as a path — and its columns). The client's file name only picks the format by its
suffix. Uploads older than :data:`KEEP_SECONDS` are removed when a new one arrives, and an upload is
removed once it has been imported.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shopmind.data.errors import NotFoundError
from shopmind.data.ingest import IngestReport, ingest_file
from shopmind.data.ingest_formats import recognise
from shopmind.data.ingest_guess import guess_mapping
from shopmind.data.ingest_read import Chunks, IngestError, detect_format
from shopmind.data.ingest_rejects import cell_text
from shopmind.data.ingest_specs import SPECS
from shopmind.data.store import Store

UPLOAD_KINDS = ("products", "customers", "events", "orders")
UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")
PREVIEW_ROWS = 10
KEEP_SECONDS = 24 * 3600


class UploadNotFoundError(NotFoundError):
    """No upload with this id (never made, already imported, or removed as old)."""


@dataclass
class Upload:
    upload_id: str
    kind: str
    format: str
    filename: str
    size: int
    columns: list[str]


def _clean_name(filename: str) -> str:
    """The client's file name for display: its last path part, printable, at most 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    return re.sub(r"[^\w .,()+-]", "_", name)[:200] or "upload"


def _prune(folder: Path, now: float) -> None:
    for path in folder.glob("*"):
        try:
            if now - path.stat().st_mtime > KEEP_SECONDS:
                path.unlink()
        except FileNotFoundError:
            pass


def _paths(folder: Path, upload_id: str) -> tuple[Path, Path]:
    if not UPLOAD_ID.fullmatch(upload_id):
        raise UploadNotFoundError(f"upload {upload_id!r} not found")
    meta = folder / f"{upload_id}.json"
    if not meta.is_file():
        raise UploadNotFoundError(f"upload {upload_id!r} not found (imported already, or older than a day)")
    info = json.loads(meta.read_text(encoding="utf-8"))
    return folder / f"{upload_id}.{info['format']}", meta


def save_upload(
    folder: Path, kind: str, filename: str, chunks: Iterable[bytes], max_bytes: int, fmt: str | None = None
) -> Upload:
    """Write the uploaded bytes under a generated name and read its header; raises
    :class:`IngestError` for an unknown kind or format, an empty file, one over ``max_bytes`` or a file
    that cannot be read (the partial file is removed)."""
    if kind not in UPLOAD_KINDS:
        raise IngestError(f"unknown kind {kind!r}: use one of {', '.join(UPLOAD_KINDS)}")
    name = _clean_name(filename)
    fmt = detect_format(Path(name), fmt)
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder, time.time())
    upload_id = secrets.token_hex(8)
    path = folder / f"{upload_id}.{fmt}"
    size = 0
    try:
        with open(path, "xb") as fh:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise IngestError(f"the file is over the {max_bytes:,} bytes accepted")
                fh.write(chunk)
        if size == 0:
            raise IngestError(f"{name}: the file is empty (0 bytes); expected a header row and data rows")
        columns = _header(path, fmt, name)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    upload = Upload(upload_id, kind, fmt, name, size, columns)
    (folder / f"{upload_id}.json").write_text(json.dumps(asdict(upload)), encoding="utf-8")
    return upload


def _header(path: Path, fmt: str, name: str) -> list[str]:
    try:
        return _first_rows(path, fmt, 1)[0]
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the reader says, the file is not readable as fmt
        raise IngestError(f"{name}: cannot be read as {fmt} ({type(exc).__name__}: {exc})") from exc


def _first_rows(path: Path, fmt: str, n: int) -> tuple[list[str], list[dict[str, Any]]]:
    """The file's columns and its first ``n`` rows (bookkeeping columns kept)."""
    frame, _ = next(iter(Chunks(path, fmt, n)))
    frame = frame.head(n)
    return [str(c) for c in frame.columns if not str(c).startswith("__")], frame.to_dict("records")


def preview(folder: Path, upload_id: str) -> dict[str, Any]:
    """What an import of the upload would read: the recognised export (whose converted rows are shown)
    or the file's own columns with the guessed mapping, the kind's fields and the first rows as text."""
    path, meta = _paths(folder, upload_id)
    upload = Upload(**json.loads(meta.read_text(encoding="utf-8")))
    columns, records = _first_rows(path, upload.format, PREVIEW_ROWS)
    fields = [{"name": s.name, "required": s.required} for s in SPECS[upload.kind]]
    export = recognise(upload.kind, columns)
    mapping: dict[str, str] = {}
    if export is not None:
        import pandas as pd

        converted, _ = export.convert(pd.DataFrame.from_records(records))
        records = converted.to_dict("records")
        columns = [c for c in converted.columns if not str(c).startswith("__")]
    else:
        mapping = guess_mapping(upload.kind, [f["name"] for f in fields], columns)
    rows = [[cell_text(r.get(c)) for c in columns] for r in records]
    return {
        **asdict(upload),
        "recognised": export.label if export else None,
        "fields": fields,
        "preview_columns": columns,
        "rows": rows,
        "mapping": mapping,
    }


def import_upload(
    store: Store,
    folder: Path,
    upload_id: str,
    mapping: dict[str, str],
    rejects_dir: Path,
    batch_size: int,
) -> tuple[IngestReport, Upload]:
    """Ingest the upload with ``mapping`` ({field: column}; empty: a recognised export as it is) and
    remove it; raises :class:`IngestError` for a mapping naming an unknown field or column."""
    path, meta = _paths(folder, upload_id)
    upload = Upload(**json.loads(meta.read_text(encoding="utf-8")))
    known = {s.name for s in SPECS[upload.kind]}
    bad_fields = sorted(set(mapping) - known)
    bad_columns = sorted(set(mapping.values()) - set(upload.columns))
    if bad_fields or bad_columns:
        raise IngestError(
            f"the mapping names unknown field(s) {', '.join(bad_fields) or '–'} or column(s) "
            f"{', '.join(bad_columns) or '–'}; fields of {upload.kind}: {', '.join(sorted(known))}"
        )
    report = ingest_file(
        store,
        upload.kind,
        path,
        fmt=upload.format,
        mapping=mapping,
        rejects_dir=rejects_dir,
        batch_size=batch_size,
    )
    report.source = upload.filename
    path.unlink(missing_ok=True)
    meta.unlink(missing_ok=True)
    return report, upload
