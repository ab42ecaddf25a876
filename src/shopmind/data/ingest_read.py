"""Reading an ingestion file in batches of raw rows: CSV (and TSV), JSON Lines, Parquet.

A batch is a frame of the file's columns (Python objects; CSV cells stay text) plus bookkeeping
columns: ``__row__`` (1-based record number; CSV does not count the header or blank lines, JSON Lines
counts every line), ``__line__`` (the physical line the record starts on; none for Parquet),
``__error__`` / ``__error_field__`` (a problem found while reading: the row is rejected with it) and
``__raw__`` (the original text of a line that could not be split into columns, and of every JSON line).
A malformed line is such a row, never the end of the file (:mod:`.ingest_text`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.ingest_text import BAD_BYTES, CsvRecords, has_bad_text, open_text, shown

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
ROW, LINE, ERROR, ERROR_FIELD, RAW = "__row__", "__line__", "__error__", "__error_field__", "__raw__"
ORDER = "__order__"  # nested orders: the record (row) each item row came from
RESERVED = frozenset((ROW, LINE, ERROR, ERROR_FIELD, RAW, ORDER))
BAD_CHARACTER = "the record holds text that is not valid Unicode (an unpaired surrogate such as \\ud800)"


class IngestError(ValueError):
    """The file as a whole cannot be ingested (empty, unreadable, required columns missing)."""


def detect_format(path: Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in ("csv", "jsonl", "parquet"):
            raise IngestError(f"unknown format {fmt!r}: use csv, jsonl or parquet")
        return fmt
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in FORMATS:
        return FORMATS[suffixes[-1]]
    raise IngestError(f"{path}: cannot tell the format from the name; pass --format csv|jsonl|parquet")


def _frame(columns: list[str], values: list[list[Any]], meta: dict[str, list[Any]]) -> pd.DataFrame:
    n = len(values)
    df = pd.DataFrame(values, columns=columns, dtype=object) if columns else pd.DataFrame(index=range(n))
    for name, col in meta.items():  # object columns: text may hold undecodable bytes (never pyarrow's)
        df[name] = pd.Series(col, index=df.index, dtype=np.int64 if name == ROW else object)
    return df


def _csv_frame(
    header: list[str],
    values: list[list[Any]],
    lines: list[int],
    errors: list[Any],
    texts: list[Any],
    done: int,
) -> pd.DataFrame:
    """A batch of CSV records as a frame (``done``: the records before it)."""
    n = len(values)
    meta: dict[str, Any] = {ROW: range(done + 1, done + n + 1), LINE: lines}
    if errors.count(None) == n:
        meta |= {ERROR: [None] * n, ERROR_FIELD: [None] * n, RAW: [None] * n}
    else:
        raws = [None if t is None else t.rstrip("\r\n") for t in texts]
        where = [
            None if e is None else "(line)" if t is not None else "(encoding)"
            for e, t in zip(errors, raws, strict=True)
        ]
        meta |= {ERROR: errors, ERROR_FIELD: where, RAW: raws}
    return _frame(header, values, meta)


def _check_header(path: Path, header: list[str] | None, error: str | None, encoding: str) -> list[str]:
    if header is None:
        why = f"the first line is {error}" if error else "the file has no columns"
        raise IngestError(f"{path}: no header row ({why})")
    text = ",".join(header)
    if has_bad_text(text) or "\x00" in text:
        raise IngestError(
            f"{path}: the header is not {encoding} text ({shown(text)[:200]!r}); name the file's encoding "
            "with --encoding (e.g. utf-16, gb18030, latin-1)"
        )
    names = [h.strip() or f"unnamed_{i + 1}" for i, h in enumerate(header)]
    reserved(path, names)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise IngestError(f"{path}: the header names {', '.join(twice)} more than once")
    return names


def reserved(path: Path | str, names: list[str]) -> None:
    """Column names ingestion keeps for itself are refused."""
    taken = sorted(set(names) & RESERVED)
    if taken:
        raise IngestError(f"{path}: column name(s) {', '.join(taken)} are reserved; rename them")


class Chunks:
    """The batches of one file; ``encoding`` is the one its text is read in (None for Parquet)."""

    def __init__(self, path: Path, fmt: str, size: int, encoding: str | None = None) -> None:
        self.path, self.fmt, self.size, self.named = path, fmt, size, encoding
        self.encoding: str | None = None

    def __iter__(self) -> Iterator[tuple[pd.DataFrame, int]]:
        """Batches of raw rows as frames, with the bytes read so far (for progress)."""
        if self.fmt == "parquet":
            return _parquet_chunks(self.path, self.size)
        return self._csv() if self.fmt == "csv" else self._jsonl()

    def _csv(self) -> Iterator[tuple[pd.DataFrame, int]]:
        delimiter = "\t" if self.path.suffix.lower() == ".tsv" else ","
        with open(self.path, "rb") as raw:
            fh, self.encoding = open_text(raw, self.named)
            records = CsvRecords(fh, delimiter)
            header = _check_header(self.path, records.header, records.header_error, self.encoding)
            values: list[list[Any]] = []
            lines: list[int] = []
            errors: list[str | None] = []
            texts: list[str | None] = []
            done, sent = 0, False
            for block_fields, block_lines, block_errors, block_texts in records:
                values += block_fields
                lines += block_lines
                errors += block_errors if block_errors is not None else [None] * len(block_fields)
                texts += block_texts if block_texts is not None else [None] * len(block_fields)
                while len(values) >= self.size:
                    n = self.size
                    yield _csv_frame(header, values[:n], lines[:n], errors[:n], texts[:n], done), raw.tell()
                    values, lines, errors, texts = values[n:], lines[n:], errors[n:], texts[n:]
                    done, sent = done + n, True
            if values or not sent:
                yield _csv_frame(header, values, lines, errors, texts, done), raw.tell()

    def _jsonl(self) -> Iterator[tuple[pd.DataFrame, int]]:
        with open(self.path, "rb") as raw:
            fh, self.encoding = open_text(raw, self.named, newline="\n")
            rows: list[dict[str, Any]] = []
            sent = False
            for lineno, text in enumerate(fh, start=1):
                if text.strip():
                    rows.append({**json_line(text), ROW: lineno, LINE: lineno, RAW: text.rstrip("\r\n")})
                if len(rows) >= self.size:
                    yield rows_frame(rows), raw.tell()
                    rows, sent = [], True
            if rows or not sent:
                yield rows_frame(rows), raw.tell()


def json_line(text: str) -> dict[str, Any]:
    """One JSON Lines line as a record, or a record holding only the reason it was rejected."""
    if has_bad_text(text):
        return {ERROR: BAD_BYTES, ERROR_FIELD: "(encoding)"}
    try:
        obj = json.loads(text)
    except ValueError as exc:
        return {ERROR: f"not a JSON object: {exc}", ERROR_FIELD: "(line)"}
    if not isinstance(obj, dict):
        return {ERROR: f"a line must hold one JSON object, not {type_name(obj)}", ERROR_FIELD: "(line)"}
    if "\\u" in text and bad_value(obj):
        return {ERROR: BAD_CHARACTER, ERROR_FIELD: "(encoding)"}
    return {k: v for k, v in obj.items() if k not in RESERVED}


def bad_value(value: Any) -> bool:
    """Whether a (nested) value holds an unpaired surrogate, which is no text a store can write (NUL
    and other control characters are left to each field's rules)."""
    if isinstance(value, str):
        return has_bad_text(value)
    if isinstance(value, dict):
        return any(bad_value(k) or bad_value(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(bad_value(v) for v in value)
    return False


def type_name(value: Any) -> str:
    """How a person would call the JSON type of ``value``."""
    if isinstance(value, bool | np.bool_):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple | np.ndarray):
        return "a list"
    if isinstance(value, bytes | bytearray):
        return "binary data"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float | np.number):
        return "a number"
    return type(value).__name__


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Records (each with its ``__row__``) as a frame of Python objects, missing values as None."""
    if not rows:
        return pd.DataFrame({ROW: pd.Series([], dtype=np.int64)})
    df = pd.DataFrame(rows, dtype=object)  # object columns: text may hold undecodable bytes
    df = df.where(df.notna(), None)
    df[ROW] = df[ROW].astype(np.int64)
    return df


def _plain(value: Any) -> Any:
    """A Parquet value as a plain JSON-like Python value (maps as objects, arrays as lists)."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return {str(k): _plain(v) for k, v in value}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _arrow_column(col: Any) -> pd.Series:
    import pyarrow as pa

    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.dictionary_decode(), t.value_type
    if pa.types.is_nested(t):
        return pd.Series([_plain(v) for v in col.to_pylist()], dtype=object)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return pd.Series(col.to_pylist(), dtype=object)
    try:
        return col.to_pandas()
    except (pa.ArrowException, ValueError, OverflowError):  # e.g. a timestamp out of pandas' range
        return pd.Series(col.to_pylist(), dtype=object)


def _parquet_chunks(path: Path, size: int) -> Iterator[tuple[pd.DataFrame, int]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise IngestError(f"{path}: not a readable Parquet file: {exc}") from exc
    names = pf.schema_arrow.names
    reserved(path, names)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise IngestError(f"{path}: the file names column(s) {', '.join(twice)} more than once")
    total = pf.metadata.num_rows or 1
    done = 0
    for batch in pf.iter_batches(batch_size=size):
        df = pd.DataFrame({name: _arrow_column(col) for name, col in zip(names, batch.columns, strict=True)})
        df[ROW] = np.arange(done + 1, done + batch.num_rows + 1, dtype=np.int64)
        done += batch.num_rows
        yield df, int(path.stat().st_size * done / total)


def explode_nested_orders(raw: pd.DataFrame) -> pd.DataFrame:
    """JSON orders with an ``items`` list → one row per item (the order's row and line kept, and the
    row in ``__order__``: each record is one order)."""
    if "items" not in raw.columns:
        return raw
    rows = []
    for rec in raw.to_dict("records"):
        rec[ORDER] = rec[ROW]
        items = rec.pop("items", None)
        rec.pop("timeline", None)
        if rec.get(ERROR) is not None:
            rows.append(rec)
        elif isinstance(items, list) and items:
            for item in items:
                if isinstance(item, dict):
                    rows.append({**rec, **{k: v for k, v in item.items() if not k.startswith("__")}})
                else:
                    rows.append(
                        {
                            **rec,
                            ERROR: f"an item must be an object, not {type_name(item)}",
                            ERROR_FIELD: "items",
                        }
                    )
        else:
            rows.append({**rec, ERROR: "an order needs a non-empty items list", ERROR_FIELD: "items"})
    return rows_frame(rows)
