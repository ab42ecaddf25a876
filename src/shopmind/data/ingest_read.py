"""Reading an ingestion file in batches of raw rows: CSV (and TSV), JSON Lines, Parquet.

Every reader yields ``(frame, bytes read so far)``; CSV cells stay text, a broken JSON line
becomes a row holding only ``__error__`` (rejected with its own reason) and a blank line a
``__skip__`` row (counted for row numbers, never validated).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


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
                yield rows_frame(rows), fh.tell()
                rows = []
        if rows:
            yield rows_frame(rows), fh.tell()


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Records as a frame of Python objects, missing values as None."""
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


def explode_nested_orders(raw: pd.DataFrame) -> pd.DataFrame:
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
    return rows_frame(rows)
