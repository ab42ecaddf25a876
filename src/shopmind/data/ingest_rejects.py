"""The rejects file: every rejected row with where it was, why, and its original values.

Columns: ``line`` (the physical line the record starts on; empty for Parquet), ``row`` (the record's
number, header not counted), ``field``, ``reason``, ``neutralised`` (the columns below that were
prefixed with ``'``), ``raw`` (the line as it was, for a line that could not be split into columns and
for every JSON line), then the file's own columns with the row's values as they were read.

The file is UTF-8, except that bytes which were not valid in the input's encoding are written as
they came (so a cell can hold the very bytes to fix). A cell that a spreadsheet would run as a formula
— starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return (OWASP's CSV-injection rule) — is
prefixed with ``'``; plain numbers such as ``-2`` are left alone (a spreadsheet reads them as numbers).

:func:`read_rejects` reads the start of such a file for a person: a bounded number of rows, each cell
cut to a bounded length with a marker, and never more than a bounded amount of text held at once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.ingest_read import LINE, RAW, ROW
from shopmind.data.ingest_text import raw_errors, shown
from shopmind.data.ingest_validate import Checker, json_safe

# How many rejects a report spells out (the rejects file holds them all).
FIRST_ERRORS = 20
# What starts a spreadsheet formula (OWASP CSV injection): such cells get a leading "'".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The columns the rejects file starts with, before the input's own.
HEAD = ("line", "row", "field", "reason", "neutralised", "raw")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: str) -> tuple[str, bool]:
    """``cell`` safe to open in a spreadsheet, and whether it had to be changed."""
    if cell and cell[0] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell, True
    return cell, False


def cell_text(value: Any) -> str:
    """A value as it was read, as CSV text (JSON for lists, objects and true/false)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", raw_errors())
    if isinstance(value, bool | np.bool_ | dict | list | tuple | np.ndarray):
        return json.dumps(json_safe(value), ensure_ascii=False)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        return "" if pd.isna(value) else value.isoformat()
    return str(value)


class Rejects:
    """The rejected rows: counted, the first ones as readable lines, all of them in a CSV when
    ``path`` is given (see the module docstring for its columns)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self.first: list[str] = []
        self._fh: io.TextIOWrapper | None = None
        self._writer: Any = None
        self._cols: list[str] = []

    def add(self, raw: pd.DataFrame, chk: Checker, bad: np.ndarray, source: str) -> None:
        if not bad.any():
            return
        rows = raw[ROW].to_numpy()[bad]
        lines = raw[LINE].to_numpy(dtype=object)[bad] if LINE in raw.columns else np.full(len(rows), None)
        fields, reasons = chk.field[bad], chk.reason[bad]
        for i in range(min(len(rows), FIRST_ERRORS - len(self.first))):
            at = f"line {lines[i]}" if lines[i] is not None else f"row {rows[i]}"
            self.first.append(shown(f"{source}: {at}: {fields[i]}: {reasons[i]}"))
        self.count += int(bad.sum())
        if self.path is not None:
            self._write(raw, bad, rows, lines, fields, reasons)

    def _open(self, raw: pd.DataFrame) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "w", newline="", encoding="utf-8", errors=raw_errors())  # noqa: SIM115
        self._cols = [c for c in raw.columns if not c.startswith("__")]
        self._writer = csv.writer(self._fh)
        self._writer.writerow([*HEAD, *(neutralise(c)[0] for c in self._cols)])

    def _write(self, raw: pd.DataFrame, bad: np.ndarray, *meta: np.ndarray) -> None:
        if self._fh is None:
            self._open(raw)
        values = raw.reindex(columns=self._cols).to_numpy(dtype=object)[bad]
        texts = raw[RAW].to_numpy(dtype=object)[bad] if RAW in raw.columns else np.full(len(values), None)
        names = ["field", "reason", "raw", *self._cols]
        for (row, line, field, reason), text, vals in zip(
            zip(*meta, strict=True), texts, values, strict=True
        ):
            cells, changed = [], []
            for name, value in zip(names, [field, reason, text, *vals], strict=True):
                cell, was = neutralise(cell_text(value))
                cells.append(cell)
                if was:
                    changed.append(name)
            self._writer.writerow(
                ["" if line is None else line, row, *cells[:2], ";".join(changed), *cells[2:]]
            )

    @property
    def written_to(self) -> str | None:
        """The rejects CSV, when one was written."""
        return str(self.path) if self._fh is not None else None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


class _Scanner:
    """Cells of a CSV file as :mod:`csv` writes it, read in blocks; each cell keeps at most
    ``max_cell`` characters (and a marker saying how long it was)."""

    _SPECIAL = re.compile(r'[,"\r\n]')

    def __init__(self, fh: io.TextIOBase, max_cell: int, budget: int, block: int = 1 << 16) -> None:
        self.fh, self.max_cell, self.budget, self.block = fh, max_cell, budget, block
        self.buf, self.i = "", 0
        self.parts: list[str] = []
        self.size = 0
        self.stopped = False  # the budget ran out before the end of the file

    def _more(self) -> bool:
        """Read the next block after what is left of this one; False at the end of the file (or of
        the budget: a row in progress then ends there)."""
        if self.budget <= 0:
            self.stopped = True
            return False
        new = self.fh.read(min(self.block, self.budget))
        self.budget -= len(new)
        self.buf, self.i = self.buf[self.i :] + new, 0
        return bool(new)

    def _keep(self, text: str) -> None:
        room = self.max_cell - self.size
        if room > 0:
            self.parts.append(text[:room])
        self.size += len(text)

    def _cell(self) -> str:
        text = "".join(self.parts)
        if self.size > self.max_cell:
            text += f"… [cut: {self.size:,} characters]"
        self.parts, self.size = [], 0
        return text

    def _quoted(self) -> None:
        """The inside of a quoted cell, up to and past its closing quote."""
        while True:
            j = self.buf.find('"', self.i)
            if j < 0:
                self._keep(self.buf[self.i :])
                self.i = len(self.buf)
                if not self._more():
                    return
                continue
            self._keep(self.buf[self.i : j])
            self.i = j + 1
            if self.i >= len(self.buf) and not self._more():
                return
            if self.buf[self.i] != '"':
                return
            self._keep('"')
            self.i += 1

    def rows(self):  # noqa: ANN201 - a generator of lists of cells
        row: list[str] = []
        fresh = True  # at the start of a cell
        while self.i < len(self.buf) or self._more():
            m = self._SPECIAL.search(self.buf, self.i)
            k = m.start() if m else len(self.buf)
            if k > self.i:
                self._keep(self.buf[self.i : k])
                fresh = False
            self.i = k
            if m is None:
                continue
            ch, self.i = m.group(), k + 1
            if ch == '"' and fresh:
                self._quoted()
                fresh = False
            elif ch == '"':
                self._keep('"')
            elif ch == ",":
                row.append(self._cell())
                fresh = True
            else:
                if ch == "\r" and (self.i < len(self.buf) or self._more()) and self.buf[self.i] == "\n":
                    self.i += 1
                row.append(self._cell())
                yield row
                row, fresh = [], True
        if row or self.parts:
            row.append(self._cell() + ("… [cut: the rest of the file was not read]" if self.stopped else ""))
            yield row


def read_rejects(
    path: str | Path, limit: int, max_cell: int = 2_000, budget: int = 64 << 20
) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``limit`` rows of a rejects file, each cell at most ``max_cell``
    characters (longer ones cut, with a marker), reading at most ``budget`` characters of the file
    (a row it stops in ends with a cut cell); bytes that are not UTF-8 shown as ``\\xNN``."""
    with open(path, encoding="utf-8-sig", errors="backslashreplace", newline="") as fh:
        rows = _Scanner(fh, max_cell, budget).rows()
        header = next(rows, [])
        return header, [row for _, row in zip(range(limit), rows, strict=False)]
